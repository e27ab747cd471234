"""Error messages of the librosa-named features, phase tools and effects (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

import melforge as mf
from melforge import ParameterError, effects, feature
from melforge.feature import inverse

Y = np.random.default_rng(0).standard_normal(4096).astype(np.float32) * 0.1
S = np.abs(mf.stft(Y, n_fft=512))


@pytest.mark.parametrize("lifter", [float("nan"), float("inf"), -1, -0.5])
def test_mfcc_rejects_nonfinite_or_negative_lifter(lifter: float) -> None:
    with pytest.raises(
        ParameterError, match=r"MFCC lifter=.* must be a non-negative number and finite"
    ):
        feature.mfcc(y=Y, lifter=lifter)
    with pytest.raises(ParameterError, match=r"lifter=.* must be a non-negative number and finite"):
        inverse.mfcc_to_mel(np.zeros((13, 4)), lifter=lifter)


def test_feature_errors() -> None:
    with pytest.raises(ParameterError, match="Input signal must be provided"):
        feature.spectral_centroid()
    with pytest.raises(ParameterError, match="Either y or S must be input to rms"):
        feature.rms()
    with pytest.raises(
        ParameterError, match="frame_length is expected to be 512 or 513; found 2048"
    ):
        feature.rms(S=S)
    with pytest.raises(ParameterError, match="only defined with non-negative energies"):
        feature.spectral_bandwidth(S=-S)
    with pytest.raises(ParameterError, match="only defined with real-valued input"):
        feature.spectral_centroid(S=S.astype(np.complex64))
    with pytest.raises(ParameterError, match=r"roll_percent=1.5 must lie in the range \(0, 1\)"):
        feature.spectral_rolloff(S=S, roll_percent=1.5)
    with pytest.raises(ParameterError, match="amin=0 must be strictly positive"):
        feature.spectral_flatness(S=S, amin=0)
    with pytest.raises(ParameterError, match="Frequency band exceeds Nyquist"):
        feature.spectral_contrast(S=S, sr=8000, n_bands=6)
    with pytest.raises(ParameterError, match="n_bands=0 must be a positive integer"):
        feature.spectral_contrast(S=S, n_bands=0)
    with pytest.raises(ParameterError, match=r"freq.shape=\(3,\) mismatch"):
        feature.spectral_contrast(S=S, freq=np.ones(3))
    with pytest.raises(ParameterError, match="order=-1 must be a non-negative integer"):
        feature.poly_features(S=S, order=-1)
    with pytest.raises(ParameterError, match="y must be"):
        feature.zero_crossing_rate(np.arange(10))
    with pytest.raises(TypeError, match="unexpected keyword argument 'axes'"):
        feature.zero_crossing_rate(Y, axes=0)
    with pytest.raises(ParameterError, match="n_steps=0 must be a positive integer"):
        feature.stack_memory(S, n_steps=0)
    with pytest.raises(ParameterError, match="delay=0 must be a non-zero integer"):
        feature.stack_memory(S, delay=0)
    with pytest.raises(ParameterError, match="Cannot stack memory when data has no frames"):
        feature.stack_memory(np.zeros((3, 0)))


def test_phase_and_pcen_errors() -> None:
    with pytest.raises(ParameterError, match="rate=0 must be a positive number"):
        mf.phase_vocoder(S.astype(np.complex64), rate=0)
    with pytest.raises(ParameterError, match="init='zeros' must be either None or 'random'"):
        mf.griffinlim(S, init="zeros")
    with pytest.raises(ParameterError, match="random_state='a' must be None, an int"):
        mf.griffinlim(S, random_state="a")
    with pytest.raises(ParameterError, match="momentum=-1 < 0"):
        mf.griffinlim(S, momentum=-1)
    with pytest.warns(UserWarning, match="momentum=1.5 > 1 can be unstable"):
        mf.griffinlim(S, momentum=1.5, n_iter=1)
    with pytest.raises(ParameterError, match="S must be real STFT magnitudes"):
        mf.griffinlim(S.astype(np.complex64))
    with pytest.raises(ParameterError, match="b=2 must be between 0 and 1"):
        mf.pcen(S, b=2)
    with pytest.raises(ParameterError, match="eps=0 must be strictly positive"):
        mf.pcen(S, eps=0)
    with pytest.raises(ParameterError, match="max_size=0 must be a positive integer"):
        mf.pcen(S, max_size=0)
    with pytest.raises(ParameterError, match="requires max_axis"):
        mf.pcen(S[None], max_size=3)
    with pytest.warns(UserWarning, match="complex input so phase information will be discarded"):
        mf.pcen(S.astype(np.complex64))


def test_inverse_and_effects_errors() -> None:
    with pytest.raises(
        TypeError, match="mel_to_stft\\(\\) got an unexpected keyword argument 'n_mel'"
    ):
        inverse.mel_to_stft(np.ones((8, 3)), n_mel=8)
    with pytest.raises(TypeError, match="unexpected keyword argument 'hop'"):
        inverse.mfcc_to_audio(np.ones((13, 3)), hop=3)
    with pytest.warns(UserWarning, match="lifter weights near 0"):
        inverse.mfcc_to_mel(np.zeros((13, 3)), lifter=2)
    with pytest.raises(ParameterError, match="rate=-1 must be a positive number"):
        effects.time_stretch(Y, rate=-1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'length'"):
        effects.time_stretch(Y, rate=2, length=5)
    with pytest.raises(ParameterError, match="interval=.* must be a \\(start, end\\) pair"):
        effects.remix(Y, [(1, 2, 3)])
    with pytest.raises(ParameterError, match="top_db='loud' must be a number"):
        effects.trim(Y, top_db="loud")
    with pytest.raises(ParameterError, match="y must be"):
        effects.preemphasis(np.array([1, 2, 3]))


def test_stft_out_is_returned_itself_when_it_fits() -> None:
    n_frames = 1 + len(Y) // 512
    out = np.empty((1025, n_frames), dtype=np.complex64)
    assert mf.stft(Y, hop_length=512, out=out) is out  # librosa: `out` itself
    wider = np.empty((1025, n_frames + 3), dtype=np.complex64)
    res = mf.stft(Y, hop_length=512, out=wider)
    assert res.base is wider or np.shares_memory(res, wider)
    assert res.shape == (1025, n_frames)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"window": "kaiser"}, "window='kaiser' must be one of"),
        ({"n_fft": 256}, "n_fft=256 must be >= frame_length=400"),
        ({"power": 3.0}, "power=3.0 must be 1"),
        ({"hop_length": 0}, "hop_length=0 must be an integer >= 1"),
        ({"normalize": "fixed"}, "normalize='fixed' needs norm_mean and norm_std"),
    ],
)
def test_recipe_settings_are_checked(kwargs, match):
    from melforge.feature.recipe import Recipe

    with pytest.raises(ParameterError, match=match):
        Recipe(**kwargs)


def test_recipe_run_needs_a_frame():
    from melforge.feature.recipe import Recipe, run

    with pytest.raises(ParameterError, match="shorter than one frame"):
        run(Recipe(), np.zeros((1, 100), np.float32))
