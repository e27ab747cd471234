"""from_pretrained Granite Speech families vs transformers' GraniteSpeech(5)FeatureExtractor.

The references need torch and torchaudio: ``make test`` compares against the golden
outputs in ``tests/golden/granite.npz`` (made by ``tests/golden/make_granite.py``, which
says how torchaudio was installed); with both importable, ``make test-torch`` reruns the
same cases live (``-m torch``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "golden"))

import _golden  # noqa: E402
import make_granite  # noqa: E402

from melforge.presets import from_pretrained  # noqa: E402

# Log-mel features (log10 / 4 + 1, and deltas): 1e-4 absolute (the bound);
# measured 4.0e-5 against transformers 5.25.0 / torch 2.13.0 / torchaudio 2.11.1.
ATOL = 1e-4

META, CASES, OUTPUTS = _golden.load(make_granite.FIXTURE)
LIVE = {c["id"]: c for c in make_granite.CASES}


def _run(case):
    preset = from_pretrained(case["config"])
    clips = [_golden.clip(name) for name in case["clips"]]
    return preset.batch(clips, 16000, **case["options"])


def test_inputs_are_the_fixtures():
    for name, stored in _golden.input_checksums(make_granite.FIXTURE).items():
        np.testing.assert_allclose(_golden.checksum(_golden.clip(name)), stored, rtol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_matches_golden(case):
    _golden.assert_same(OUTPUTS[case["id"]], _run(case), atol=ATOL)


@pytest.mark.parametrize("case_id", ["v1_single", "v5_single"])
def test_one_clip_is_a_batch_of_one(case_id):
    case = next(c for c in CASES if c["id"] == case_id)
    got = from_pretrained(case["config"])(_golden.clip(case["clips"][0]), 16000)
    ref = OUTPUTS[case_id]["input_features"][0]
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.abs(got - ref).max() <= ATOL


def test_versions_recorded():
    assert {"transformers", "torch", "torchaudio", "numpy"} <= set(META)


@pytest.mark.torch
@pytest.mark.parametrize("case_id", list(LIVE))
def test_live_transformers(case_id):
    pytest.importorskip("torch")
    pytest.importorskip("torchaudio")
    case = dict(LIVE[case_id], config=make_granite.config(LIVE[case_id]))
    _golden.assert_same(make_granite.reference(LIVE[case_id]), _run(case), atol=ATOL)
