"""Strict-mode refusals and bad calls of the Parakeet, Phi-4 and Granite families."""

from __future__ import annotations

import numpy as np
import pytest

from melforge import ParameterError
from melforge.presets import from_pretrained

PARAKEET = {"feature_extractor_type": "ParakeetFeatureExtractor"}
PHI4 = {"feature_extractor_type": "Phi4MultimodalFeatureExtractor"}
GRANITE = {"feature_extractor_type": "GraniteSpeechFeatureExtractor"}
GRANITE5 = {"feature_extractor_type": "GraniteSpeech5FeatureExtractor"}
LASR = {"feature_extractor_type": "LasrFeatureExtractor"}
Y = np.zeros(4000, np.float32)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (dict(PARAKEET, dither=1e-5), r"\['dither'\] are not implemented"),
        (dict(PARAKEET, preemphasis=None, padding_value=0.5),
         r"preemphasis=None with padding_value=0.5 is not implemented"),
        (dict(PARAKEET, preemphasis=1.5), r"preemphasis=1.5 must be in \[0, 1\)"),
        (dict(PARAKEET, padding_side="left"), r"padding_side='left'"),
        (dict(PARAKEET, win_length=600), r"win_length=600 must be <= n_fft=512"),
        (dict(PARAKEET, feature_size=0), r"feature_size=0 must be a positive integer"),
        (dict(PHI4, padding_side="left"), r"padding_side='left'"),
        (dict(PHI4, mel_max_frequency=9000), r"Nyquist"),
        (dict(PHI4, preemphasis="x"), r"preemphasis='x' must be a number"),
        (dict(PHI4, audio_compression_rate=0), r"audio_compression_rate=0 must be a positive"),
        (dict(PHI4, frame_splicing=2), r"\['frame_splicing'\] are not implemented"),
        (dict(GRANITE, feature_size=64), r"feature_size=64 differs from n_mels=80"),
        (dict(GRANITE, melspec_kwargs={"sample_rate": 16000, "n_fft": 512, "win_length": 400,
                                       "hop_length": 160, "n_mels": 64}),
         r"melspec_kwargs=.* differs from the top-level keys"),
        (dict(GRANITE, padding_value=1.0), r"padding_value=1.0: transformers ignores it"),
        (dict(GRANITE, n_mels=True), r"n_mels=True must be a positive integer"),
        (dict(GRANITE5, delta_win_length=1), r"delta_win_length=1"),
        (dict(GRANITE5, logmel_floor_db="8"), r"logmel_floor_db='8' must be a number"),
        (dict(GRANITE5, num_mel_bins=80, n_mels=64), r"\['n_mels'\] are not implemented"),
        (dict(LASR, sampling_rate=8000), r"sample_rate=8000: the fixed 125-7500 Hz mel range"),
        (dict(LASR, padding_side="middle"), r"padding_side='middle' must be 'right' or 'left'"),
        (dict(LASR, preemphasis=0.97), r"\['preemphasis'\] are not implemented"),
    ],
)  # fmt: skip
def test_config_refusals(config, message):
    with pytest.raises(ParameterError, match=message):
        from_pretrained(config)


@pytest.mark.parametrize(
    ("config", "clips", "options", "message"),
    [
        (PARAKEET, [np.zeros(300, np.float32)], {}, r"clip 0 has 300 samples.*at least 320"),
        (PARAKEET, [Y, Y[:3000]], {"padding": False}, r"different lengths after padding"),
        (PHI4, [Y, Y[:399]], {}, r"clip 1 has 399 samples.*win_length=400"),
        (PHI4, [Y, Y[:3000]], {"padding": "do_not_pad"}, r"different lengths after padding"),
        (GRANITE5, [Y, Y[:3000]], {"padding": False}, r"padding=False needs clips"),
        (GRANITE5, [Y], {"padding": "max_length", "max_length": 1000},
         r"4000 samples does not fit max_length=1000"),
        (GRANITE5, [Y[:200]], {}, r"longest clip has 200 samples.*n_fft // 2 = 256"),
        (GRANITE, [Y[:256]], {}, r"longest clip has 256 samples"),
        (LASR, [Y[:399]], {}, r"longest clip has 399 samples.*win_length=400"),
        (LASR, [Y, Y[:3000]], {"padding": False}, r"different lengths after padding"),
        (PARAKEET, [Y, Y[:3000]], {"padding": "max_length", "max_length": 1000},
         r"longer than max_length"),
    ],
)  # fmt: skip
def test_call_refusals(config, clips, options, message):
    with pytest.raises(ParameterError, match=message):
        from_pretrained(config).batch(clips, 16000, **options)


def test_granite_v1_takes_no_call_options():
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['padding'\]"):
        from_pretrained(GRANITE).batch([Y], 16000, padding=True)


@pytest.mark.parametrize("config", [PARAKEET, PHI4, GRANITE5, LASR])
def test_empty_batch(config):
    with pytest.raises(ParameterError, match="empty list"):
        from_pretrained(config).batch([], 16000)
