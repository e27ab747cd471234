"""from_pretrained Parakeet family vs transformers' ParakeetFeatureExtractor.

The reference needs torch: ``make test`` compares against the golden outputs in
``tests/golden/parakeet.npz`` (made by ``tests/golden/make_parakeet.py``); ``make
test-torch`` reruns the same cases live (``-m torch``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))

import _golden  # noqa: E402
import make_parakeet  # noqa: E402

import melforge  # noqa: E402
from melforge.presets import from_pretrained  # noqa: E402

# Log-mel features after normalization: 1e-4 absolute (the bound); measured
# 4.8e-5 against transformers 5.25.0 / torch 2.13.0, whose float32 torch.stft is itself
# 3.4e-5 from a float64 computation of the recipe (weak low mel bands).
ATOL = 1e-4

META, CASES, OUTPUTS = _golden.load(make_parakeet.FIXTURE)
LIVE = {c["id"]: c for c in make_parakeet.CASES}


def _run(case):
    preset = from_pretrained(case["config"])
    clips = [_golden.clip(name) for name in case["clips"]]
    return preset.batch(clips, 16000, **case["options"])


def test_inputs_are_the_fixtures():
    for name, stored in _golden.input_checksums(make_parakeet.FIXTURE).items():
        np.testing.assert_allclose(_golden.checksum(_golden.clip(name)), stored, rtol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_matches_golden(case):
    _golden.assert_same(OUTPUTS[case["id"]], _run(case), atol=ATOL)


def test_one_clip_is_a_batch_of_one():
    case = next(c for c in CASES if c.get("single"))
    got = from_pretrained(case["config"])(_golden.clip(case["clips"][0]), 16000)
    ref = OUTPUTS[case["id"]]["input_features"][0]
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.abs(got - ref).max() <= ATOL


def test_nemo_80_preset_matches_parakeet_after_normalization():
    """nemo-80 == the 80-mel Parakeet extractor on one clip (layout (80, frames))."""
    case = LIVE["p80_single"]
    ours = melforge.presets.get("nemo-80")(_golden.clip(case["clips"][0]), 16000)
    ref = OUTPUTS["p80_single"]["input_features"][0].T
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= ATOL
    assert not ours[:, -1].any()  # NeMo's mask: the frame past n // hop is 0


def test_versions_recorded():
    assert {"transformers", "torch", "numpy"} <= set(META)


@pytest.mark.torch
@pytest.mark.parametrize("case_id", list(LIVE))
def test_live_transformers(case_id):
    pytest.importorskip("torch")
    case = dict(LIVE[case_id], config=make_parakeet.config(LIVE[case_id]))
    _golden.assert_same(make_parakeet.reference(LIVE[case_id]), _run(case), atol=ATOL)
