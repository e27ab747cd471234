"""Kaldi fbank's fused passes give the plain recipe's results.

``kaldi_fbank`` copies frames once into reused buffers, pre-emphasizes them as one
flat pass and multiplies by the filterbank in bands; these tests hold it to the
plain numpy recipe (as written before those changes) and to itself across calls.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

from melforge.feature import kaldi_fbank
from melforge.feature.kaldi import (
    _frame_view,
    _mel_banks,
    _preemphasize,
    _row_sums_in_order,
    _window,
)


def _speech(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    y = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(n)
    return y.astype(np.float32)


def _plain_fbank(y: np.ndarray, preemphasis: float = 0.97) -> np.ndarray:
    """The recipe in plain numpy passes, dense filterbank product (16 kHz, 80 bins)."""
    frames = _frame_view(y, 400, 160, True)
    buf = np.multiply(frames, np.float32(32768.0), dtype=np.float32)
    buf -= (_row_sums_in_order(buf) / np.float32(400))[:, None]
    coeff = np.float32(preemphasis)
    buf[:, 1:] -= coeff * buf[:, :-1]
    buf[:, 0] -= coeff * buf[:, 0]
    buf *= _window("povey", 400)
    spec = scipy.fft.rfft(buf, n=512, axis=1)
    power = spec.real * spec.real
    power += spec.imag * spec.imag
    mel = power @ _mel_banks(80, 512, 16000.0, 20.0, 0.0)
    return np.log(np.maximum(mel, np.float32(np.finfo(np.float32).eps)))


@pytest.mark.parametrize("rows", [1, 2, 63, 64, 65, 1000])
def test_flat_preemphasis_equals_row_by_row(rows):
    rng = np.random.default_rng(rows)
    buf = (1000 * rng.standard_normal((rows, 400))).astype(np.float32)
    expected = buf.copy()
    coeff = np.float32(0.97)
    expected[:, 1:] -= coeff * expected[:, :-1]
    expected[:, 0] -= coeff * expected[:, 0]
    _preemphasize(buf, coeff, np.empty_like(buf))
    np.testing.assert_array_equal(buf, expected)


@pytest.mark.parametrize("seconds", [0.03, 1.0, 10.24, 25.0])
def test_fused_passes_match_the_plain_recipe(seconds):
    # Banded filterbank sums round differently from the dense product: ~2e-7 relative.
    y = _speech(int(seconds * 16000), seed=int(seconds * 100))
    np.testing.assert_allclose(kaldi_fbank(y), _plain_fbank(y), rtol=0, atol=2e-5)


def test_reused_buffers_do_not_leak_between_calls():
    # Shapes change between calls (frame length, n_fft, clip length): each result must
    # equal a call made with nothing before it.
    clips = [_speech(48000, 1), _speech(3000, 2), _speech(400_000, 3), _speech(16000, 4)]
    alone = [kaldi_fbank(c) for c in clips]
    mixed = []
    for c in clips:
        kaldi_fbank(_speech(8000, 9), sr=8000, frame_length_ms=50.0)
        mixed.append(kaldi_fbank(c))
    for a, b in zip(alone, mixed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_threads_give_the_one_thread_result():
    y = np.stack([_speech(32000, s) for s in range(5)])
    one = kaldi_fbank(y)
    with scipy.fft.set_workers(2):
        two = kaldi_fbank(y)
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize(
    "kwargs",
    [{"use_energy": True}, {"preemphasis": 0.0}, {"snip_edges": False}, {"use_power": False},
     {"remove_dc_offset": False}, {"window": "hamming"}, {"waveform_scale": 1.0}],
)  # fmt: skip
def test_every_option_path_runs_through_the_reused_buffers(kwargs):
    # Each option takes its own branch of the fused passes (energy column, no
    # pre-emphasis, mirrored edges ...); values are checked in tests/reference.
    y = _speech(20000, 7)
    out = kaldi_fbank(y, **kwargs)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
