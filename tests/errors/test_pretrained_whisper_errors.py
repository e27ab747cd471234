"""Strict-mode refusals and bad options of the from_pretrained Whisper family."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from melforge import ParameterError
from melforge.presets import from_pretrained

BASE = {"feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 80}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"n_samples": 160000}, r"n_samples=160000 disagrees with chunk_length=30"),
        ({"nb_max_frames": 1500}, r"nb_max_frames=1500 disagrees"),
        ({"mel_filters": [[0.0] * 80] * 200}, r"mel_filters has shape \(200, 80\)"),
        ({"do_normalize": True}, r"\['do_normalize'\] are not implemented"),
        ({"n_fft": 401}, r"n_fft=401 must be even"),
        ({"feature_size": 0}, r"config feature_size=0 must be an integer >= 1"),
        ({"chunk_length": 2.5}, r"config chunk_length=2.5 must be an integer"),
        ({"padding_side": "middle"}, r"padding_side='middle' must be 'right' or 'left'"),
        ({"dither": -1.0}, r"dither=-1.0 must be a finite number >= 0"),
    ],
)
def test_config_refusals_name_the_key(extra, message):
    with pytest.raises(ParameterError, match=message):
        from_pretrained({**BASE, **extra})


def test_saved_mel_filters_must_equal_melforges_basis():
    transformers = pytest.importorskip("transformers")
    basis = transformers.WhisperFeatureExtractor().mel_filters
    assert from_pretrained({**BASE, "mel_filters": basis.tolist()}).feature_size == 80
    changed = basis.copy()
    changed[10, 3] += 1e-3
    with pytest.raises(ParameterError, match=r"mel_filters differs .* by up to 0.001"):
        from_pretrained({**BASE, "mel_filters": changed.tolist()})


def test_bad_options_and_conventions():
    p = from_pretrained({**BASE, "chunk_length": 1})
    clips = [np.zeros(8000, np.float32), np.zeros(9000, np.float32)]
    with pytest.raises(ParameterError, match=r"clamp='all' must be 'clip' or 'batch'"):
        p.batch(clips, 16000, clamp="all")
    with pytest.raises(ParameterError, match=r"do_not_pad' on clips of different lengths"):
        p.batch(clips, 16000, padding="do_not_pad")
    with pytest.raises(ParameterError, match=r"padded clips have 150 samples"):
        p.batch([np.zeros(150, np.float32)], 16000, padding="longest")
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['device'\]"):
        p.batch(clips, 16000, device="cpu")
    with pytest.raises(ParameterError, match=r"convention='whisper.cpp' must be one of"):
        dataclasses.replace(p, convention="whisper.cpp")
    with pytest.raises(ParameterError, match=r"openai-whisper does not dither"):
        dataclasses.replace(p, convention="openai", dither=1e-5)
    openai = dataclasses.replace(p, convention="openai")
    with pytest.raises(ParameterError, match=r"convention='openai' takes no padding"):
        openai.batch(clips, 16000, padding="longest")
