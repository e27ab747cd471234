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
# 5.1e-5 against transformers 5.25.0 / torch 2.13.0 (4.8e-5 with transformers' float32
# window; melforge's is float64 now, as its recipe), whose float32 torch.stft is itself
# 3.4e-5 from a float64 computation of the recipe (weak low mel bands).
ATOL = 1e-4
# Where transformers' float32 STFT is itself further than ATOL from a float64
# computation of its recipe (mel bands ~1e-9 below the frame's power, e.g. a chirp),
# melforge must be no further from that float64 computation than transformers is.
FLOAT64_CASES = {"p80_chirp"}

META, CASES, OUTPUTS = _golden.load(make_parakeet.FIXTURE)
LIVE = {c["id"]: c for c in make_parakeet.CASES}


def _run(case):
    preset = from_pretrained(case["config"])
    clips = [_golden.clip(name) for name in case["clips"]]
    return preset.batch(clips, 16000, **case["options"])


def test_inputs_are_the_fixtures():
    for name, stored in _golden.input_checksums(make_parakeet.FIXTURE).items():
        np.testing.assert_allclose(_golden.checksum(_golden.clip(name)), stored, rtol=1e-9)


def _float64_recipe(y, n_mels=80, n_fft=512, win=400, hop=160, coeff=0.97):
    """The extractor's recipe for one clip in float64 (numpy; transformers' mel bank)."""
    from transformers.audio_utils import mel_filter_bank

    x = y.astype(np.float64)
    x[1:] -= coeff * y[:-1].astype(np.float64)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(x, n_fft // 2), n_fft)[::hop]
    window = np.zeros(n_fft)
    window[(n_fft - win) // 2 : (n_fft - win) // 2 + win] = np.hanning(win)
    power = np.abs(np.fft.rfft(frames * window)) ** 2
    bank = mel_filter_bank(num_frequency_bins=n_fft // 2 + 1, num_mel_filters=n_mels,
                           min_frequency=0.0, max_frequency=8000.0, sampling_rate=16000,
                           norm="slaney", mel_scale="slaney")  # fmt: skip
    logmel = np.log(power @ bank + 2.0**-24)
    valid = y.size // hop
    live = logmel[:valid]
    mean, std = live.mean(axis=0), live.std(axis=0, ddof=1)
    out = np.zeros_like(logmel)
    out[:valid] = (live - mean) / (std + 1e-5)
    return out


@pytest.mark.parametrize("case", [c for c in CASES if c["id"] not in FLOAT64_CASES],
                         ids=lambda c: c["id"])  # fmt: skip
def test_matches_golden(case):
    _golden.assert_same(OUTPUTS[case["id"]], _run(case), atol=ATOL)


@pytest.mark.parametrize("case_id", sorted(FLOAT64_CASES))
def test_no_further_from_float64_than_transformers(case_id):
    case = next(c for c in CASES if c["id"] == case_id)
    ref = OUTPUTS[case_id]
    got = _run(case)
    _golden.assert_same(ref, got, atol=np.inf)  # keys, shapes, dtypes, masks
    exact = _float64_recipe(_golden.clip(case["clips"][0]))
    ref_err = np.abs(ref["input_features"][0] - exact).max()
    our_err = np.abs(got["input_features"][0] - exact).max()
    assert ref_err > ATOL  # the case is the one it claims to be (measured 2.2e-4)
    assert our_err <= min(ref_err, ATOL)  # measured 4.5e-5


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
    ref, got = make_parakeet.reference(LIVE[case_id]), _run(case)
    if case_id not in FLOAT64_CASES:
        _golden.assert_same(ref, got, atol=ATOL)
        return
    _golden.assert_same(ref, got, atol=np.inf)
    exact = _float64_recipe(_golden.clip(case["clips"][0]))
    ref_err = np.abs(ref["input_features"][0] - exact).max()
    assert np.abs(got["input_features"][0] - exact).max() <= min(ref_err, ATOL)
