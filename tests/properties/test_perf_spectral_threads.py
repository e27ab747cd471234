"""Batches split over threads (scipy.fft.set_workers > 1) give the one-thread bits exactly."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.fft

import melforge
from melforge.spectral import fourier

MEL = dict(sr=16000, n_fft=400, hop_length=160, n_mels=80)


@pytest.mark.parametrize("workers", [2, 3, 8])
@pytest.mark.parametrize("shape", [(13, 48000), (2, 3, 20000), (1, 48000), (40, 3000)])
def test_batched_mel_and_stft_bit_identical_across_workers(workers, shape):
    rng = np.random.default_rng(sum(shape))
    y = (0.1 * rng.standard_normal(shape)).astype(np.float32)
    mel1 = melforge.feature.melspectrogram(y=y, **MEL)
    stft1 = melforge.stft(y, n_fft=512, hop_length=128)
    mag1 = melforge.feature.melspectrogram(y=y, power=1.0, **MEL)
    with scipy.fft.set_workers(workers):
        mel = melforge.feature.melspectrogram(y=y, **MEL)
        spec = melforge.stft(y, n_fft=512, hop_length=128)
        mag = melforge.feature.melspectrogram(y=y, power=1.0, **MEL)
    np.testing.assert_array_equal(mel, mel1)  # tolerance: bit-identical
    np.testing.assert_array_equal(spec, stft1)
    np.testing.assert_array_equal(mag, mag1)


def test_batch_is_really_split_over_threads(monkeypatch):
    """Several groups of clips with workers=2: two chunks, run off the calling thread."""
    seen: set[int] = set()
    chunks: list[range] = []
    real_rfft, real_split = fourier._fft.rfft, fourier._in_threads

    def spy(x, out=None, workers=None):
        seen.add(threading.get_ident())
        assert workers == 1  # each thread's FFT stays on that thread
        return real_rfft(x, out=out, workers=workers)

    def split(work, groups, workers):
        def recording(chunk, fft_workers):
            chunks.append(chunk)
            work(chunk, fft_workers)

        real_split(recording, groups, workers)

    monkeypatch.setattr(fourier._fft, "rfft", spy)
    monkeypatch.setattr(fourier, "_in_threads", split)
    y = np.zeros((16, 48000), dtype=np.float32)
    with scipy.fft.set_workers(2):
        melforge.feature.melspectrogram(y=y, **MEL)
    assert sorted(len(c) for c in chunks) == [4, 4]  # 8 groups of 2 clips
    assert threading.get_ident() not in seen


def test_non_finite_input_raises_with_the_whole_count():
    y = np.zeros((16, 48000), dtype=np.float32)
    y[3, 5] = np.nan
    y[15, -1] = np.inf
    for workers in (1, 2):
        with scipy.fft.set_workers(workers), pytest.raises(ValueError, match="2 non-finite"):
            melforge.feature.melspectrogram(y=y, **MEL)


def test_float64_and_other_pad_modes_bit_identical_across_workers():
    rng = np.random.default_rng(5)
    y = rng.standard_normal((9, 30000))
    for pad_mode in ("constant", "reflect", "edge"):
        one = melforge.stft(y, n_fft=256, hop_length=100, pad_mode=pad_mode)
        with scipy.fft.set_workers(2):
            two = melforge.stft(y, n_fft=256, hop_length=100, pad_mode=pad_mode)
        np.testing.assert_array_equal(one, two)
