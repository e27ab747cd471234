"""from_pretrained Phi-4-multimodal family vs transformers' Phi4MultimodalFeatureExtractor.

The reference needs torch: ``make test`` compares against the golden outputs in
``tests/golden/phi4.npz`` (made by ``tests/golden/make_phi4.py``); ``make test-torch``
reruns the same cases live (``-m torch``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))

import _golden  # noqa: E402
import make_phi4  # noqa: E402

from melforge.presets import from_pretrained  # noqa: E402

# Log-mel features: 1e-4 absolute (the bound); measured 1.9e-6 against
# transformers 5.25.0 / torch 2.13.0 (the golden outputs; 1.9e-5 while melforge's
# Hamming window was rounded to float32, transformers' is float64), whose float32 mel
# product is itself 4.5e-5 from a float64 computation of its recipe.
ATOL = 1e-4

META, CASES, OUTPUTS = _golden.load(make_phi4.FIXTURE)
LIVE = {c["id"]: c for c in make_phi4.CASES}


def _run(case):
    preset = from_pretrained(case["config"])
    clips = [_golden.clip(name) for name in case["clips"]]
    return preset.batch(clips, 16000, **case["options"])


def test_inputs_are_the_fixtures():
    for name, stored in _golden.input_checksums(make_phi4.FIXTURE).items():
        np.testing.assert_allclose(_golden.checksum(_golden.clip(name)), stored, rtol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_matches_golden(case):
    _golden.assert_same(OUTPUTS[case["id"]], _run(case), atol=ATOL)


def test_one_clip_is_a_batch_of_one():
    case = next(c for c in CASES if c.get("single"))
    got = from_pretrained(case["config"])(_golden.clip(case["clips"][0]), 16000)
    ref = OUTPUTS[case["id"]]["audio_input_features"][0]
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.abs(got - ref).max() <= ATOL


def test_straddling_frames_are_zero():
    """In a batch, frames (n - 400) // 160 + 1 to n // 160 - 1 of a shorter clip are 0.

    Only those: later frames across the clip's end are computed (transformers' rule).
    """
    out = OUTPUTS["batch"]["audio_input_features"]
    n = _golden.clip(make_phi4.BATCH[1]).size  # 2600 samples: frame 14 only
    down, up = (n - 400) // 160 + 1, n // 160 - 1
    assert (down, up) == (14, 15)
    assert not out[1, down:up].any() and out[1, down - 1].all() and out[1, up].any()


def test_versions_recorded():
    assert {"transformers", "torch", "numpy"} <= set(META)


@pytest.mark.torch
@pytest.mark.parametrize("case_id", list(LIVE))
def test_live_transformers(case_id):
    pytest.importorskip("torch")
    case = dict(LIVE[case_id], config=make_phi4.config(LIVE[case_id]))
    _golden.assert_same(make_phi4.reference(LIVE[case_id]), _run(case), atol=ATOL)
