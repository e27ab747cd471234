# ruff: noqa: E501  (long literal error messages read best on one line)
"""Every error of the model-exact front ends and the presets, with its message."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import melforge
import melforge.presets as presets
from melforge.feature import kaldi_fbank, normalize_waveform, whisper_log_mel

Z = np.zeros(1000, dtype=np.float32)
FRONT_ENDS = [whisper_log_mel, kaldi_fbank, normalize_waveform]


@pytest.mark.parametrize("fn", FRONT_ENDS)
def test_integer_audio_is_refused(fn):
    with pytest.raises(melforge.ParameterError, match=r"y must be floating-point audio, got dtype=int16"):
        fn(np.zeros(1000, np.int16))


@pytest.mark.parametrize("fn", FRONT_ENDS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_audio_is_refused(fn, bad):
    y = Z.copy()
    y[10] = bad
    with pytest.raises(melforge.ParameterError, match=r"y contains 1 non-finite value\(s\) \(NaN or Inf\)"):
        fn(y)


@pytest.mark.parametrize("fn", FRONT_ENDS)
def test_three_dimensions_are_refused(fn):
    with pytest.raises(melforge.ParameterError, match=r"y must be mono audio of shape \(n,\) or a batch"):
        fn(np.zeros((2, 2, 500), np.float32))


@pytest.mark.parametrize("fn", FRONT_ENDS)
def test_samples_by_channels_stereo_is_refused(fn):
    with pytest.raises(melforge.ParameterError, match=r"looks like multichannel audio laid out as \(samples, channels\)"):
        fn(np.zeros((16000, 2), np.float32))


@pytest.mark.parametrize("fn", FRONT_ENDS)
def test_empty_audio_is_refused(fn):
    with pytest.raises(melforge.ParameterError, match=r"y is empty \(shape=\(0,\)\)"):
        fn(np.zeros(0, np.float32))


@pytest.mark.parametrize("fn", FRONT_ENDS)
def test_lists_are_refused_by_functions(fn):
    with pytest.raises(melforge.ParameterError, match=r"y must be a numpy.ndarray, got list"):
        fn([0.0] * 1000)


def test_whisper_too_short_without_pad_or_trim():
    with pytest.raises(melforge.ParameterError, match=r"y has 200 samples; Whisper's reflect padding needs more than 200"):
        whisper_log_mel(np.zeros(200, np.float32))
    assert whisper_log_mel(np.zeros(200, np.float32), pad_or_trim=True).shape == (80, 3000)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_mels": 0}, r"n_mels=0 must be a positive integer"),
        ({"padding": -1}, r"padding=-1 must be a non-negative integer"),
    ],
)
def test_whisper_options(kwargs, message):
    with pytest.raises(melforge.ParameterError, match=message):
        whisper_log_mel(Z, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": "kaiser"}, r"window='kaiser' is not a Kaldi window"),
        ({"num_mel_bins": 200}, r"num_mel_bins=200 is too large for a 512-point FFT"),
        ({"num_mel_bins": 0}, r"num_mel_bins=0 must be a positive integer"),
        ({"high_freq": 9000.0}, r"high_freq=9000.0 gives an upper edge of 9000.0 Hz"),
        ({"low_freq": -1.0}, r"low_freq=-1.0 must be >= 0 and below Nyquist"),
        ({"preemphasis": 2.0}, r"preemphasis=2.0 must be a number in \[0, 1\]"),
        ({"dither": -1.0}, r"dither=-1.0 must be a finite number >= 0"),
        ({"sr": 0}, r"sr=0 must be a positive sample rate in Hz"),
        ({"waveform_scale": 0.0}, r"waveform_scale=0.0 must be a finite number > 0"),
        ({"frame_length_ms": 0.01}, r"frame_length_ms=0.01 and frame_shift_ms=10.0 give 0 and 160 samples"),
    ],
)
def test_kaldi_options(kwargs, message):
    with pytest.raises(melforge.ParameterError, match=message):
        kaldi_fbank(Z, **kwargs)


def test_kaldi_shorter_than_one_frame_gives_zero_frames():
    assert kaldi_fbank(np.zeros(399, np.float32)).shape == (0, 80)
    assert kaldi_fbank(np.zeros((3, 10), np.float32), use_energy=True).shape == (3, 0, 81)


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (np.ones(999), r"attention_mask has shape=\(999,\), must match y's shape=\(1000,\)"),
        (np.full(1000, 2), r"attention_mask must hold only 0/1"),
        (np.zeros(1000), r"attention_mask marks no real sample in at least one clip"),
    ],
)
def test_attention_mask(mask, message):
    with pytest.raises(melforge.ParameterError, match=message):
        normalize_waveform(Z, attention_mask=mask)


def test_unknown_preset_lists_the_names():
    with pytest.raises(melforge.ParameterError, match=r"unknown preset name='whisper'; available: kaldi-fbank-80, "):
        presets.get("whisper")


def test_wrong_rate_without_resampling():
    with pytest.raises(melforge.ParameterError, match=r"sr=8000 differs from the whisper-80 preset's sample_rate=16000 and resample=False"):
        presets.get("whisper-80")(Z, 8000, resample=False)


def test_bad_rate():
    with pytest.raises(melforge.ParameterError, match=r"sr=0 must be a positive sample rate in Hz"):
        presets.get("kaldi-fbank-80")(Z, 0)


def test_empty_list_and_stereo_item():
    preset = presets.get("kaldi-fbank-80")
    with pytest.raises(melforge.ParameterError, match=r"y is an empty list; pass at least one clip"):
        preset([], 16000)
    with pytest.raises(melforge.ParameterError, match=r"y\[1\] must be mono audio of shape \(n,\), got shape=\(2, 10\)"):
        preset([Z, np.zeros((2, 10), np.float32)], 16000)


def test_list_of_numbers_is_one_clip_mistake():
    preset = presets.get("whisper-80")
    with pytest.raises(melforge.ParameterError, match=r"y is a list of numbers, but a list means several clips; pass one clip as an array"):
        preset([0.0] * 1000, 16000)


def test_mfcc_too_short_for_deltas():
    with pytest.raises(melforge.ParameterError, match=r"the mfcc-13 preset needs at least 9 frames for its deltas \(delta_width=9\), i.e. 4096 samples at 22050 Hz; got 1000 samples \(2 frames\)"):
        presets.get("mfcc-13")(Z, 22050)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: presets.WhisperPreset(name="x", sample_rate=8000), r"sample_rate=8000: Whisper features are defined at 16000 Hz only"),
        (lambda: presets.WhisperPreset(name="", n_mels=80), r"name='' must be a non-empty string"),
        (lambda: presets.KaldiFbankPreset(name="x", num_mel_bins=0), r"num_mel_bins=0 must be an integer >= 1"),
        (lambda: presets.KaldiFbankPreset(name="x", window="kaiser"), r"window='kaiser' must be one of"),
        (lambda: presets.KaldiFbankPreset(name="x", snip_edges=1), r"snip_edges=1 must be True or False"),
        (lambda: presets.LibrosaMelPreset(name="x", power=3.0), r"power=3.0 must be 1.0 \(magnitude\) or 2.0 \(power\)"),
        (lambda: presets.MfccPreset(name="x", delta_width=4), r"delta_width=4 must be odd"),
        (lambda: presets.MfccPreset(name="x", n_mfcc=0), r"n_mfcc=0 must be an integer >= 1"),
    ],
)
def test_invalid_recipes(make, message):
    with pytest.raises(melforge.ParameterError, match=message):
        make()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "kind": "nope", "params": {}}, r"unknown preset kind='nope'; known: .*hf-wav2vec2, .*kaldi-fbank, "),
        ({"name": "x", "kind": "whisper", "params": {"n_melz": 3}}, r"unknown parameter\(s\) \['n_melz'\] for a 'whisper' preset"),
        ({"kind": "whisper"}, r"data must be a mapping with a string 'name'"),
        ({"name": "nope"}, r"unknown preset name='nope'"),
        ({"name": "x", "kind": "whisper", "params": [1]}, r"params must be a mapping, got list"),
    ],
)
def test_from_dict(data, message):
    with pytest.raises(melforge.ParameterError, match=message):
        presets.from_dict(data)


def test_presets_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        presets.get("kaldi-fbank-80").dither = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"win_length": 600}, r"win_length=600 must be <= n_fft=512"),
        ({"normalize": "batch"}, r"normalize='batch' must be one of \('per_feature', 'all_features', None\)"),
        ({"preemphasis": 1.0}, r"preemphasis=1.0 must be a number in \[0, 1\)"),
        ({"hop_length": 0}, r"hop_length=0 must be a positive integer"),
    ],
)
def test_nemo_options(kwargs, message):
    from melforge.feature.nemo import nemo_log_mel

    with pytest.raises(melforge.ParameterError, match=message):
        nemo_log_mel(Z, **kwargs)


@pytest.mark.parametrize("n", [1, 100])
def test_short_clips_in_the_other_presets(n):
    """nemo-80: one frame, zero after normalization; wav2vec2 and Whisper: any length."""
    y = np.full(n, 0.1, dtype=np.float32)
    nemo = presets.get("nemo-80")(y, 16000)
    assert nemo.shape == (80, 1) and np.array_equal(nemo, np.zeros((80, 1), np.float32))
    assert presets.get("wav2vec2")(y, 16000).shape == (n,)
    assert presets.get("whisper-80")(y, 16000).shape == (80, 3000)
