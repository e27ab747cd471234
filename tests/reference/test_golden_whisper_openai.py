"""Whisper ``convention="openai"`` and ``clamp="batch"`` vs openai-whisper goldens.

The goldens come from openai-whisper's own ``log_mel_spectrogram`` (torch), made by
``tests/golden/make_whisper_openai.py`` (versions recorded in the file).
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from melforge.presets import from_pretrained

GOLDEN = Path(__file__).parents[1] / "golden"
ATOL = 1e-4  # log features (torch float32 STFT vs melforge float32)


def _load():
    spec = importlib.util.spec_from_file_location(
        "make_whisper_openai", GOLDEN / "make_whisper_openai.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, np.load(GOLDEN / "whisper_openai.npz")


@pytest.fixture(scope="module")
def golden():
    return _load()


def _preset(convention: str):
    config = {"feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 80}
    return dataclasses.replace(from_pretrained(config), convention=convention)


def test_transcribe_convention(golden):
    make, data = golden
    got = _preset("openai").batch(make.make_clips(), 16000)["input_features"]
    assert got.shape == (3, 80, 3000)
    assert np.abs(got[:, :, data["keep"]] - data["transcribe"]).max() <= ATOL
    # the 31 s clip: clamped by its burst past 30 s, which transformers' cut never sees
    tf = _preset("transformers").batch(make.make_clips(), 16000)["input_features"]
    assert np.abs(tf[2] - got[2]).max() > 0.5


def test_batched_log_mel_clamps_across_the_batch(golden):
    make, data = golden
    got = _preset("transformers").batch(make.make_clips(), 16000, clamp="batch")
    assert np.abs(got["input_features"][:, :, data["keep"]] - data["batched"]).max() <= ATOL
