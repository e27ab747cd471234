"""Whisper's fast paths give the plain computation's results and errors.

``whisper_log_mel`` finds NaN/Inf in its small output instead of scanning the input
first, and windows frames by a copy plus a flat multiply; both must be invisible.
"""

from __future__ import annotations

import numpy as np
import pytest

import melforge
from melforge.feature import whisper_log_mel
from melforge.feature._kernel import (
    _WINDOW_TILE_ROWS,
    _frames,
    _mel_bands,
    _MelKernel,
    _periodic_hann as _hann,
)

MESSAGE = r"y contains {} non-finite value\(s\) \(NaN or Inf\)"


def _speech(n: int, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, 1, 200, 8000, 15999])
def test_one_non_finite_sample_anywhere_is_refused(bad, where):
    y = _speech(16000)
    y[where] = bad
    with pytest.raises(melforge.ParameterError, match=MESSAGE.format(1)):
        whisper_log_mel(y)


@pytest.mark.parametrize("kwargs", [{}, {"pad_or_trim": True}, {"padding": 480}])
def test_non_finite_samples_are_counted_over_the_whole_batch(kwargs):
    y = np.stack([_speech(16000, 1), _speech(16000, 2), _speech(16000, 3)])
    y[1, 5] = np.nan
    y[2, [7, 15999]] = np.inf
    with pytest.raises(melforge.ParameterError, match=MESSAGE.format(3)):
        whisper_log_mel(y, **kwargs)


def test_non_finite_samples_cut_off_by_pad_or_trim_are_refused():
    # pad_or_trim never reads samples past 30 s; the eager check refused them all the same.
    y = _speech(480_000 + 1000)
    y[-1] = np.nan
    y[-2] = np.inf
    with pytest.raises(melforge.ParameterError, match=MESSAGE.format(2)):
        whisper_log_mel(y, pad_or_trim=True)


def test_finite_float64_input_that_overflows_float32_is_not_refused():
    # Finite in the caller's dtype, as the check has always judged: computed, not refused.
    y = _speech(4000).astype(np.float64)
    y[100] = 1e300
    with np.errstate(over="ignore", invalid="ignore"):
        out = whisper_log_mel(y)
    assert out.shape == (80, 25)


def test_threaded_batch_finds_non_finite_clip():
    import scipy.fft

    y = np.stack([_speech(8000, s) for s in range(4)])
    y[3, 100] = np.nan
    with scipy.fft.set_workers(2), pytest.raises(melforge.ParameterError, match=MESSAGE.format(1)):
        whisper_log_mel(y)


@pytest.mark.parametrize(
    "n_frames", [1, _WINDOW_TILE_ROWS - 1, _WINDOW_TILE_ROWS, 3 * _WINDOW_TILE_ROWS + 5, 1100]
)
@pytest.mark.parametrize("start", [0, 3, 70])
def test_window_rows_equal_frames_times_window(n_frames, start):
    # The copy + flat multiply must give frames * window bit for bit, across segment edges.
    x = _speech((start + n_frames + 12) * 160 + 400, seed=n_frames)
    frames = _frames(x)
    cut = start + n_frames // 2
    segments = [frames[:cut], frames[cut:]]
    kernel = _MelKernel(_mel_bands(80))
    stop = min(start + n_frames, frames.shape[0], start + kernel.buf.shape[0])
    kernel._window_rows(segments, start, stop)
    expected = np.multiply(frames[start:stop], _hann(400))
    np.testing.assert_array_equal(kernel.buf[: stop - start], expected)


@pytest.mark.parametrize("n", [201, 4000, 160_000, 479_000])
@pytest.mark.parametrize("amp", [1e-4, 0.5])
def test_zero_frames_of_pad_or_trim_hold_the_clamped_floor(n, amp):
    # Frames that see only pad_or_trim's zeros are filled with the clip's floor value,
    # not computed.  Against an explicitly zero-padded clip (all frames computed) only
    # the mel product's rounding may differ (its block widths differ): 1 float32 ulp.
    y = (amp * np.random.default_rng(n).standard_normal(n)).astype(np.float32)
    out = whisper_log_mel(y, pad_or_trim=True)
    n_live = -(-(n + 200) // 160)
    assert (out[:, n_live:] == out.min()).all()
    padded = np.zeros(480_000, dtype=np.float32)
    padded[:n] = y
    np.testing.assert_allclose(out, whisper_log_mel(padded), rtol=0, atol=2.5e-7)
