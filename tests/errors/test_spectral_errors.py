"""Every error the spectral core raises on purpose, with its message."""

from __future__ import annotations

import numpy as np
import pytest

import melforge as mf
from melforge import ParameterError, feature, filters

Y = np.zeros(4096, dtype=np.float32)


@pytest.mark.parametrize(
    "y,kw,match",
    [
        (np.zeros(100, dtype=np.int16), {}, r"y must be floating-point audio, got dtype=int16"),
        ([0.0, 1.0], {}, r"y must be a numpy.ndarray, got list"),
        (np.array(1.0, dtype=np.float32), {}, r"y must have at least one dimension"),
        (np.zeros(0, dtype=np.float32), {}, r"y must contain at least one sample"),
        (np.array([0.0, np.nan] * 50, dtype=np.float32), {}, r"y contains 50 non-finite value"),
        (np.array([0.0, np.inf], dtype=np.float32), {}, r"non-finite value\(s\) \(NaN or Inf\)"),
        (Y, {"n_fft": 0}, r"n_fft=0 must be a positive integer"),
        (Y, {"n_fft": 512.0}, r"n_fft=512.0 must be a positive integer"),
        (Y, {"hop_length": 0}, r"hop_length=0 must be a positive integer"),
        (Y, {"win_length": 4096}, r"win_length=4096 must be at most n_fft=2048"),
        (Y, {"n_fft": 2, "win_length": 2}, r"hop_length=None gives win_length // 4 = 0"),
        (Y, {"pad_mode": "wrap"}, r"pad_mode='wrap' is not supported by stft"),
        (Y, {"center": False, "n_fft": 8192}, r"n_fft=8192 is too large for uncentered analysis"),
        (Y, {"window": "no-such-window"}, r"Invalid window specification: window='no-such-window'"),
        (Y, {"window": np.ones(10)}, r"Window size mismatch: len\(window\)=10 != Nx=2048"),
        (Y, {"window": object()}, r"Invalid window specification"),
    ],
)
def test_stft_errors(y: object, kw: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        mf.stft(y, **kw)  # type: ignore[arg-type]


def test_stft_short_signal_warns() -> None:
    with pytest.warns(UserWarning, match=r"n_fft=2048 is too large for input signal of length=100"):
        mf.stft(np.zeros(100, dtype=np.float32))


def test_stft_out_errors() -> None:
    with pytest.raises(ParameterError, match=r"dtype=float32 must be a complex dtype"):
        mf.stft(Y, dtype=np.float32)
    with pytest.raises(ParameterError, match=r"out with dtype=float32 is not of complex type"):
        mf.stft(Y, out=np.zeros((1025, 9), dtype=np.float32))
    with pytest.raises(ParameterError, match=r"Shape mismatch for provided output array"):
        mf.stft(Y, out=np.zeros((1025, 3), dtype=np.complex64))


def test_istft_errors() -> None:
    D = mf.stft(Y, n_fft=256)
    with pytest.raises(ParameterError, match=r"stft_matrix must have at least 2 dimensions"):
        mf.istft(D[:, 0])
    with pytest.raises(ParameterError, match=r"win_length=512 must be at most n_fft=256"):
        mf.istft(D, win_length=512)
    with pytest.raises(ParameterError, match=r"length=0 must be a positive integer"):
        mf.istft(D, length=0)
    with pytest.raises(ParameterError, match=r"Shape mismatch for provided output array"):
        mf.istft(D, out=np.zeros(3, dtype=np.float32))


def test_window_and_frame_errors() -> None:
    with pytest.raises(ParameterError, match=r"Nx=-1 must be a non-negative integer"):
        mf.get_window("hann", -1)
    with pytest.raises(ParameterError, match=r"Invalid window specification: window=\('kaiser',\)"):
        mf.get_window(("kaiser",), 16)
    with pytest.raises(ParameterError, match=r"Input is too short \(n=5\) for frame_length=10"):
        mf.spectral.frame(np.zeros(5), frame_length=10, hop_length=1)
    with pytest.raises(ParameterError, match=r"hop_length=0 must be a positive integer"):
        mf.spectral.frame(np.zeros(50), frame_length=10, hop_length=0)


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"sr": 0, "n_fft": 512}, r"sr=0 must be a positive sample rate in Hz"),
        ({"sr": 16000, "n_fft": -1}, r"n_fft=-1 must be a positive integer"),
        ({"sr": 16000, "n_fft": 512, "n_mels": 0}, r"n_mels=0 must be a positive integer"),
        ({"sr": 16000, "n_fft": 512, "fmin": -5.0}, r"fmin=-5.0 must be a finite number >= 0"),
        ({"sr": 16000, "n_fft": 512, "fmin": 500.0, "fmax": 100.0}, r"fmax=100.0 must be greater"),
        ({"sr": 16000, "n_fft": 512, "norm": "max"}, r"Unsupported norm='max'"),
        ({"sr": 16000, "n_fft": 512, "norm": -2.0}, r"Unsupported norm=-2.0"),
    ],
)
def test_filters_mel_errors(kw: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        filters.mel(**kw)


def test_filters_dct_errors() -> None:
    with pytest.raises(ParameterError, match=r"n_filters=0 must be a positive integer"):
        filters.dct(0, 40)


def test_melspectrogram_errors() -> None:
    with pytest.raises(
        TypeError, match=r"melspectrogram\(\) got an unexpected keyword argument 'n_mel'"
    ):
        feature.melspectrogram(y=Y, n_mel=40)
    with pytest.raises(ParameterError, match=r"Input signal must be provided"):
        feature.melspectrogram()
    with pytest.raises(ParameterError, match=r"power=0 must be a positive number"):
        feature.melspectrogram(y=Y, power=0)
    with pytest.raises(ParameterError, match=r"S must have at least 2 dimensions"):
        feature.melspectrogram(S=np.zeros(10))


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"n_mfcc": 0}, r"n_mfcc=0 must be a positive integer"),
        ({"dct_type": 5}, r"dct_type=5 must be 1, 2, 3 or 4"),
        ({"norm": "max"}, r"norm='max' must be None, 'ortho', 'backward' or 'forward'"),
        ({"lifter": -1}, r"MFCC lifter=-1 must be a non-negative number"),
    ],
)
def test_mfcc_parameter_errors(kw: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        feature.mfcc(y=Y, **kw)


def test_mfcc_unknown_kwarg() -> None:
    with pytest.raises(TypeError, match=r"mfcc\(\) got an unexpected keyword argument 'norm_mel'"):
        feature.mfcc(y=Y, norm_mel=None)


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"width": 4}, r"width=4 must be an odd integer >= 3"),
        ({"width": 1}, r"width=1 must be an odd integer >= 3"),
        ({"order": 0}, r"order=0 must be a positive integer"),
        ({"width": 21}, r"when mode='interp', width=21 cannot exceed data.shape\[axis\]=20"),
        ({"mode": "reflect"}, r"mode='reflect' must be 'interp', 'mirror'"),
        ({"axis": 2}, r"axis=2 is out of range for data of shape \(5, 20\)"),
        ({"polyorder": 9}, r"polyorder=9 must be less than width=9"),
    ],
)
def test_delta_errors(kw: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        feature.delta(np.zeros((5, 20), dtype=np.float32), **kw)


def test_delta_unknown_kwarg() -> None:
    with pytest.raises(TypeError, match=r"delta\(\) got an unexpected keyword argument 'foo'"):
        feature.delta(np.zeros((5, 20)), foo=1)


def test_db_errors() -> None:
    S = np.ones((4, 4), dtype=np.float32)
    with pytest.raises(ParameterError, match=r"amin=0 must be strictly positive"):
        mf.power_to_db(S, amin=0)
    with pytest.raises(ParameterError, match=r"amin=-1e-05 must be strictly positive"):
        mf.amplitude_to_db(S, amin=-1e-5)
    with pytest.raises(ParameterError, match=r"top_db=-1.0 must be non-negative or None"):
        mf.power_to_db(S, top_db=-1.0)


def test_spectrum_errors() -> None:
    with pytest.raises(
        ParameterError, match=r"n_fft=100 must be at least the segment length n=200"
    ):
        mf.spectrum(np.zeros(200, dtype=np.float32), sr=8000, n_fft=100)
    with pytest.raises(ParameterError, match=r"sr=-1 must be a positive sample rate in Hz"):
        mf.spectrum(np.zeros(200, dtype=np.float32), sr=-1)
    with pytest.raises(ParameterError, match=r"y must contain at least one sample"):
        mf.spectrum(np.zeros(0, dtype=np.float32), sr=8000)


def test_convert_errors() -> None:
    with pytest.raises(ParameterError, match=r"sr=0 must be a positive sample rate in Hz"):
        mf.fft_frequencies(sr=0)
    with pytest.raises(ParameterError, match=r"n_fft=0 must be a positive integer"):
        mf.fft_frequencies(n_fft=0)
