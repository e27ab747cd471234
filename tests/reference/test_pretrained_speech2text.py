"""from_pretrained Speech2Text family vs transformers' Speech2TextFeatureExtractor (live).

transformers computes these features with torchaudio when it is installed and with its
numpy path otherwise; this compares with the numpy path (float64 arithmetic), which is
the recipe melforge reproduces, forcing it where torchaudio is installed.  Tolerances: log
filterbanks as in ``kaldi_compare``; the CMVN output 1e-4 absolute (measured 1.5e-5:
transformers takes the statistics in float32); masks exactly equal.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hf_compare import assert_same_batch

import melforge
import melforge.presets
from melforge.presets import from_pretrained

transformers = pytest.importorskip("transformers")

ATOL = 1e-4


@pytest.fixture(autouse=True)
def _numpy_path(monkeypatch):
    # the extractor asks is_speech_available() (torchaudio importable) at construction
    # and at each call; False selects its numpy path
    module = importlib.import_module(transformers.Speech2TextFeatureExtractor.__module__)
    monkeypatch.setattr(module, "is_speech_available", lambda: False)

CASES = [
    ({}, {}),
    ({}, {"padding": True}),
    ({}, {"padding": "longest", "pad_to_multiple_of": 16}),
    ({}, {"padding": "max_length", "max_length": 120, "truncation": True}),
    ({}, {"padding": False, "max_length": 40, "truncation": True}),
    ({}, {"padding": False, "return_attention_mask": False}),
    ({"normalize_vars": False, "padding_value": -1.0}, {"padding": True}),
    ({"do_ceptral_normalize": False}, {"padding": True, "return_attention_mask": False}),
    ({"num_mel_bins": 40, "feature_size": 40, "normalize_means": False}, {}),
]


def _clips() -> list[np.ndarray]:
    rng = np.random.default_rng(12)
    speech, _ = melforge.load(melforge.ex("speech"), sr=16000)
    music, _ = melforge.load(melforge.ex("music"), sr=16000)
    return [
        speech[:16000],
        (0.1 * rng.standard_normal(8123)).astype(np.float32),
        speech[5000:17345],
        music[20000:27000],
    ]


@pytest.mark.parametrize(("config", "options"), CASES, ids=str)
def test_batch_matches_transformers(config, options):
    fe = transformers.Speech2TextFeatureExtractor(**config)
    preset = from_pretrained(fe.to_dict())
    clips = _clips()
    ref = fe(clips, sampling_rate=16000, return_tensors="np", **options)
    assert_same_batch(ref, preset.batch(clips, 16000, **options), atol=ATOL)


def test_left_padding_quirk():
    # transformers takes the CMVN statistics over the *first* n rows whatever the
    # padding side, so left padding mixes padding into them (reproduced).  With more
    # padding than real frames they are all padding: std 0, NaN in transformers and
    # here alike; the clips here avoid that.
    fe = transformers.Speech2TextFeatureExtractor(padding_side="left", padding_value=0.25)
    preset = from_pretrained(fe.to_dict())
    clips = [_clips()[0], _clips()[2]]
    ref = fe(clips, sampling_rate=16000, return_tensors="np", padding=True)
    assert_same_batch(ref, preset.batch(clips, 16000, padding=True), atol=ATOL)


def test_one_clip_is_a_batch_of_one():
    fe = transformers.Speech2TextFeatureExtractor()
    preset = from_pretrained(fe.to_dict())
    y = _clips()[2]
    ref = fe(y, sampling_rate=16000, return_tensors="np")["input_features"][0]
    got = preset(y, 16000)
    assert got.shape == ref.shape == (75, 80) and got.dtype == np.float32
    assert np.abs(got - ref).max() <= ATOL  # tolerance: 1e-4 absolute


def test_dither_is_seeded():
    # transformers draws dither from numpy's global generator: not comparable; the
    # seed option makes melforge's reproducible.
    fe = transformers.Speech2TextFeatureExtractor(dither=1.0)
    preset = from_pretrained(fe.to_dict())
    assert preset.dither == 1.0
    clips = _clips()[:2]
    a = preset.batch(clips, 16000, seed=3)["input_features"]
    b = preset.batch(clips, 16000, seed=3)["input_features"]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    other = preset.batch(clips, 16000, seed=4)["input_features"]
    assert not np.array_equal(a[0], other[0])


def test_saved_config_folder(tmp_path):
    fe = transformers.Speech2TextFeatureExtractor(normalize_vars=False)
    fe.save_pretrained(tmp_path)
    preset = from_pretrained(tmp_path)
    assert preset.kind == "hf-speech2text" and not preset.normalize_vars
    assert melforge.presets.from_dict(preset.to_dict()) == preset
