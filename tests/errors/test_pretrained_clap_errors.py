"""Strict-mode refusals and bad options of the from_pretrained CLAP family."""

from __future__ import annotations

import numpy as np
import pytest

from melforge import ParameterError
from melforge.presets import from_pretrained

CLAP = {"feature_extractor_type": "ClapFeatureExtractor"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"nb_max_samples": 160000}, r"nb_max_samples=160000 disagrees"),
        ({"n_fft": 2048}, r"n_fft=2048 disagrees"),
        ({"chunk_length_s": 5}, r"chunk_length_s=5 disagrees"),
        ({"truncation": "center"}, r"truncation='center' must be one of"),
        ({"padding": "reflect"}, r"padding='reflect' must be one of"),
        ({"frequency_max": 10.0, "frequency_min": 50}, r"frequency_max=10.0 must be"),
        ({"mel_scale": "htk"}, r"\['mel_scale'\] are not implemented"),
    ],
)
def test_config_refusals(extra, message):
    with pytest.raises(ParameterError, match=message):
        from_pretrained({**CLAP, **extra})


def test_bad_call_options_and_short_clips():
    p = from_pretrained({**CLAP, "max_length_s": 1})
    clip = np.zeros(30000, np.float32)
    with pytest.raises(ParameterError, match=r"truncation='crop' must be one of"):
        p.batch([clip], 48000, truncation="crop")
    with pytest.raises(ParameterError, match=r"padding='longest' must be True, False or one"):
        p.batch([clip], 48000, padding="longest")
    with pytest.raises(ParameterError, match=r"a clip of 400 samples is too short"):
        p.batch([np.zeros(100, np.float32)], 48000, max_length=400)
