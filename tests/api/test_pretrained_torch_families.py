"""Parakeet, Phi-4, Granite and LASR presets: JSON round trips, saved folders, layouts, resampling.

The configs are the ones the reference classes wrote (stored in the golden fixtures,
since the classes need torch to be built).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))

import _golden  # noqa: E402

import melforge  # noqa: E402
from melforge.presets import from_dict, from_pretrained  # noqa: E402

FIXTURES = ["parakeet", "phi4", "granite", "lasr"]
CONFIGS = [
    case["config"]
    for name in FIXTURES
    for case in _golden.load(_golden.HERE / f"{name}.npz")[1]
    if not case["options"]
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c["feature_extractor_type"])
def test_round_trip_folder_and_shape(config, tmp_path):
    p = from_pretrained(config)
    again = from_dict(json.loads(json.dumps(p.to_dict())))
    assert again == p and hash(again) == hash(p) and type(again) is type(p)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "preprocessor_config.json").write_text(json.dumps(config))
    saved = from_pretrained(tmp_path / "model")
    assert saved.params() == p.params() and saved.config_sha256 == p.config_sha256
    y = _golden.clip("speech:0:6000")
    out = p(y, 16000)
    assert out.dtype == np.float32 and out.ndim == 2 and out.shape[1] == p.n_features
    assert p.layout == melforge.presets.base.FRAMES_X_FEATURES


@pytest.mark.parametrize(
    "config", CONFIGS[:1] + CONFIGS[-1:], ids=lambda c: c["feature_extractor_type"]
)
def test_other_rates_are_resampled(config):
    p = from_pretrained(config)
    y22, _ = melforge.load(melforge.ex("speech"), sr=22050)
    y22 = y22[:8000]
    y16 = melforge.resample(y22, orig_sr=22050, target_sr=16000, res_type="soxr_hq")
    np.testing.assert_array_equal(p(y22, 22050), p(y16, 16000))


def test_parakeet_batch_rows_are_the_clips_alone():
    """Parakeet pads then masks: each row equals the clip alone, then zero frames."""
    p = from_pretrained({"feature_extractor_type": "ParakeetFeatureExtractor"})
    a, b = _golden.clip("speech:0:6000"), _golden.clip("noise:3001:5")
    out = p.batch([a, b], 16000)
    alone = p(b, 16000)
    assert np.abs(out["input_features"][1, : alone.shape[0]] - alone).max() <= 1e-6
    assert not out["input_features"][1, 3001 // 160 :].any()
    assert out["attention_mask"][1].sum() == 3001 // 160
