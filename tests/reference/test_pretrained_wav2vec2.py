"""from_pretrained wav2vec2 family vs transformers' Wav2Vec2FeatureExtractor (live)."""

from __future__ import annotations

import numpy as np
import pytest
from hf_compare import assert_same_batch

import melforge
from melforge.presets import from_pretrained

transformers = pytest.importorskip("transformers")

# Waveform outputs: the bound is 1e-5 absolute; the statistics are numpy's float32
# reductions made the way transformers makes them, so the outputs are bit-identical
# (numpy 2's scalar promotion; numpy 1's value-based casting may differ in the last bit).
ATOL = 0.0 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 1e-5

CONFIGS = [
    {},
    {"return_attention_mask": True},  # wav2vec2-large-lv60, HuBERT-large, WavLM
    {"do_normalize": False},
    {"return_attention_mask": True, "padding_value": 0.5, "padding_side": "left"},
    {"return_attention_mask": True, "padding_value": 0.5},  # padding written, right side
    {"do_normalize": False, "padding_value": -1.0, "padding_side": "left"},
]
OPTIONS = [
    {},
    {"padding": True},
    {"padding": "longest", "return_attention_mask": True},
    {"padding": True, "return_attention_mask": False},  # normalizes padding too (quirk)
    {"padding": "max_length", "max_length": 13000, "truncation": True, "pad_to_multiple_of": 64},
    {"padding": "max_length", "max_length": 30000, "return_attention_mask": True},
    {"padding": False, "max_length": 9000, "truncation": True},
]


def _clips():
    rng = np.random.default_rng(3)
    speech, sr = melforge.load(melforge.ex("speech"), sr=16000)
    return [
        speech[:16000],
        (0.1 * rng.standard_normal(8000)).astype(np.float32),
        speech[5000:17345],
    ]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_batch_matches_transformers(config, options):
    fe = transformers.Wav2Vec2FeatureExtractor(**config)
    preset = from_pretrained(fe.to_dict())
    clips = _clips()
    ref = fe(clips, sampling_rate=16000, return_tensors="np", **options)
    assert_same_batch(ref, preset.batch(clips, 16000, **options), atol=ATOL)


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_long_clips_with_offset_match_transformers(config):
    # Clips of several statistics blocks, with a DC offset (the one-pass variance).
    rng = np.random.default_rng(5)
    clips = [
        (0.3 + 0.05 * rng.standard_normal(n)).astype(np.float32) for n in (100_000, 70_001, 30_000)
    ]
    fe = transformers.Wav2Vec2FeatureExtractor(**config)
    preset = from_pretrained(fe.to_dict())
    for options in ({"padding": True}, {"padding": True, "return_attention_mask": True}):
        ref = fe(clips, sampling_rate=16000, return_tensors="np", **options)
        assert_same_batch(ref, preset.batch(clips, 16000, **options), atol=ATOL)


def test_one_clip_is_a_batch_of_one():
    fe = transformers.Wav2Vec2FeatureExtractor(return_attention_mask=True)
    preset = from_pretrained(fe.to_dict())
    y = _clips()[2]
    ref = fe(y, sampling_rate=16000, return_tensors="np")["input_values"][0]
    got = preset(y, 16000)
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.abs(got - ref).max() <= ATOL


def test_saved_config_folder(tmp_path):
    fe = transformers.Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=True)
    fe.save_pretrained(tmp_path)
    preset = from_pretrained(tmp_path)
    assert preset.return_attention_mask and preset.do_normalize
    assert preset.name == tmp_path.name
