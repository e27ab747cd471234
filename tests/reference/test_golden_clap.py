"""from_pretrained CLAP family vs transformers' ClapFeatureExtractor.

transformers' CLAP extractor needs torch, so ``make test`` compares against goldens made
by ``tests/golden/make_clap.py`` (transformers 5.25.0, torch 2.13.0 CPU; versions in the
file); the tests marked ``torch`` rerun the comparison live where torch is installed.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from melforge.presets import from_pretrained

GOLDEN = Path(__file__).parents[1] / "golden"
# dB log-mel: 1e-4 absolute (the bound for log features); float64 STFT and mel as
# transformers (whose spectrum is rounded to complex64 per bin): measured 3.1e-5
ATOL = 1e-4


def _make():
    spec = importlib.util.spec_from_file_location("make_clap", GOLDEN / "make_clap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _make()


@pytest.fixture(scope="module")
def golden():
    return np.load(GOLDEN / "clap.npz")


def _preset(config: dict):
    return dataclasses.replace(from_pretrained(config), seed=MAKE.RNG_SEED)


@pytest.mark.parametrize("name", list(MAKE.CASES))
def test_matches_transformers_goldens(golden, name):
    _, lengths, options = MAKE.CASES[name]
    config = json.loads(str(golden[f"{name}/config"]))  # ClapFeatureExtractor.to_dict()
    got = _preset(config).batch(MAKE.make_clips(lengths), MAKE.SR, **options)
    feats = got["input_features"]
    assert feats.shape == tuple(golden[f"{name}/shape"]) and feats.dtype == np.float32
    keep = MAKE.keep_frames(feats.shape[2])
    assert np.abs(feats[:, :, keep] - golden[f"{name}/input_features"]).max() <= ATOL
    assert got["is_longer"].dtype == bool
    np.testing.assert_array_equal(got["is_longer"], golden[f"{name}/is_longer"])


def test_laion_config_with_its_legacy_keys():
    # the keys laion/clap-htsat-unfused's preprocessor_config.json carries
    config = {
        "feature_extractor_type": "ClapFeatureExtractor", "chunk_length_s": 10,
        "feature_size": 64, "fft_window_size": 1024, "frequency_max": 14000,
        "frequency_min": 50, "hop_length": 480, "max_length_s": 10, "n_fft": 1024,
        "nb_frequency_bins": 513, "nb_max_frames": 1000, "nb_max_samples": 480000,
        "padding": "repeatpad", "padding_side": "right", "padding_value": 0.0,
        "processor_class": "ClapProcessor", "return_attention_mask": False,
        "sampling_rate": 48000, "top_db": None, "truncation": "rand_trunc",
    }  # fmt: skip
    p = from_pretrained(config)
    assert (p.truncation, p.frequency_min, p.max_samples) == ("rand_trunc", 50.0, 480000)
    y = MAKE.make_clips((96000,))[0]
    out = p(y, 48000)
    assert out.shape == (1, 1001, 64)
    # repeatpad: five copies of the 2 s clip fill the 10 s window exactly
    np.testing.assert_allclose(out[0, 250:300], out[0, 450:500], atol=1e-3)


def test_seeded_draws_are_deterministic():
    p = from_pretrained({"feature_extractor_type": "ClapFeatureExtractor", "max_length_s": 1})
    clips = MAKE.make_clips((30000, 100000, 70000))
    a, b = p.batch(clips, 48000), p.batch(clips, 48000)
    assert np.array_equal(a["input_features"], b["input_features"])
    c = dataclasses.replace(p, seed=1).batch(clips, 48000)
    assert not np.array_equal(a["input_features"], c["input_features"])


@pytest.mark.torch
@pytest.mark.parametrize("name", list(MAKE.CASES))
def test_live_against_transformers(name):
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config, lengths, options = MAKE.CASES[name]
    fe = transformers.ClapFeatureExtractor(**config)
    clips = MAKE.make_clips(lengths)
    np.random.seed(MAKE.RNG_SEED)  # noqa: NPY002 (transformers draws from the global RNG)
    ref = fe(clips, sampling_rate=MAKE.SR, return_tensors="np", **options)
    got = _preset(fe.to_dict()).batch(clips, MAKE.SR, **options)
    assert np.abs(got["input_features"] - ref["input_features"]).max() <= ATOL
    np.testing.assert_array_equal(got["is_longer"], ref["is_longer"])
