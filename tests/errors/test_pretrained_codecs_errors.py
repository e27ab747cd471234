"""Strict-mode refusals and bad input of the from_pretrained codec families."""

from __future__ import annotations

import numpy as np
import pytest

from melforge import ParameterError
from melforge.presets import from_pretrained

ENCODEC = {"feature_extractor_type": "EncodecFeatureExtractor"}
STEREO = {**ENCODEC, "sampling_rate": 48000, "feature_size": 2, "chunk_length_s": 1.0,
          "overlap": 0.01}  # fmt: skip


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({**ENCODEC, "feature_size": 3}, r"feature_size=3 must be 1 \(mono\) or 2 \(stereo\)"),
        ({**ENCODEC, "chunk_length_s": -1.0}, r"chunk_length_s=-1.0 must be a finite number > 0"),
        ({**ENCODEC, "do_normalize": True}, r"\['do_normalize'\] are not implemented"),
        ({"feature_extractor_type": "DacFeatureExtractor", "feature_size": 2},
         r"DacFeatureExtractor refuses stereo"),
        ({"feature_extractor_type": "DacFeatureExtractor", "hop_length": 0},
         r"config hop_length=0 must be an integer >= 1"),
        ({"feature_extractor_type": "SpeechT5FeatureExtractor", "reduction_factor": 2},
         r"\['reduction_factor'\] are not implemented"),
    ],
)  # fmt: skip
def test_config_refusals(config, message):
    with pytest.raises(ParameterError, match=message):
        from_pretrained(config)


def test_stereo_input_shapes():
    p = from_pretrained(STEREO)
    with pytest.raises(ParameterError, match=r"y\[0\] has shape=\(48000,\); .* takes stereo"):
        p.batch([np.zeros(48000, np.float32)], 48000)
    with pytest.raises(ParameterError, match=r"y\[0\] has shape=\(3, 100\)"):
        p(np.zeros((3, 100), np.float32), 48000)
    with pytest.raises(ParameterError, match=r"resample=False"):
        p(np.zeros((2, 100), np.float32), 44100, resample=False)


def test_padding_with_truncation():
    p = from_pretrained(STEREO)
    clip = np.zeros((2, 30000), np.float32)
    with pytest.raises(ParameterError, match=r"padding and truncation were both set"):
        p.batch([clip], 48000, padding=True, truncation=True)


T5 = {"feature_extractor_type": "SpeechT5FeatureExtractor"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"win_function": "blackman"}, r"win_function='blackman' must be one of"),
        ({"fmax": 9000}, r"fmin=80.0 and fmax=9000.0 must satisfy fmin < fmax <= sample_rate"),
        ({"hop_length": 2.5}, r"config hop_length=2.5 must be an integer >= 1"),
        ({"mel_floor": 0}, r"mel_floor=0.0 must be a finite number > 0"),
        ({"win_length": 1, "sampling_rate": 1000, "fmin": 0, "fmax": 400},
         r"a frame needs 2 samples or more"),
    ],
)  # fmt: skip
def test_speecht5_target_config_refusals(extra, message):
    with pytest.raises(ParameterError, match=message):
        from_pretrained({**T5, **extra})


def test_speecht5_audio_target_option():
    p = from_pretrained(T5)
    clip = np.zeros(1600, np.float32)
    with pytest.raises(ParameterError, match="audio_target must be True .* or a list"):
        p.batch([clip], 16000, audio_target="yes")
    with pytest.raises(ParameterError, match="resample=False"):
        p.batch([clip], 8000, audio_target=[clip], resample=False)
    # False and None leave the audio side alone
    assert set(p.batch([clip], 16000, audio_target=False)) == {"input_values", "attention_mask"}
