"""from_pretrained AST family vs transformers' ASTFeatureExtractor (golden outputs).

The extractor refuses to run without torch, so ``make test`` compares with outputs that
``tests/golden/make_kaldi_fbank.py`` recorded from the real class (transformers 5.25.0,
torch 2.13.0 CPU, torchaudio absent: its numpy path; versions stored in the fixture).
``make test-torch`` reruns the comparison live.  Tolerance: 1e-4 absolute on the
normalized features (measured 1.2e-7 to 9.5e-7).  With torchaudio installed,
transformers takes torchaudio's float32 fbank instead: see
``tests/reference/test_presets_torchaudio.py`` for how far that path lies from the exact
recipe (up to 1.2e-3 on the bundled excerpts, while melforge stays within 5e-7).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from kaldi_compare import EPS32, float64_fbank, kaldi_bank

from melforge.feature.recipe import run
from melforge.presets import from_pretrained
from melforge.presets.hf._fbank import fbank_features

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "ast_numpy.npz"
ATOL = 1e-4


@pytest.fixture(scope="module")
def golden():
    with np.load(GOLDEN) as data, np.load(GOLDEN.parent / "kaldi_fbank_inputs.npz") as inputs:
        return {
            **{k: data[k] for k in data.files},
            **{f"input/{k}": inputs[k] for k in inputs.files},
        }


def _clips(golden, key):
    clips = [golden[f"input/{n}"] for n in golden["names"]]
    return clips if key == "default" else clips[::2]


@pytest.mark.parametrize("key", ["default", "edited", "raw"])
def test_batch_matches_golden(golden, key):
    config = ast.literal_eval(str(golden[f"{key}/config"]))
    preset = from_pretrained(config)
    got = preset.batch(_clips(golden, key), 16000)
    ref = golden[f"{key}/input_values"]
    assert set(got) == {"input_values"}
    assert got["input_values"].shape == ref.shape and got["input_values"].dtype == np.float32
    assert np.abs(got["input_values"] - ref).max() <= ATOL  # tolerance: 1e-4 absolute


def test_one_clip_and_fixed_length(golden):
    config = ast.literal_eval(str(golden["default/config"]))
    preset = from_pretrained(config)
    y = golden["input/speech"]
    got = preset(y, 16000)
    assert got.shape == (1024, 128)
    assert np.abs(got - golden["default/input_values"][0]).max() <= ATOL  # tolerance: 1e-4
    # frames past the clip are zero before normalization: one constant value
    assert np.all(got[98:] == got[-1]) and np.isclose(got[-1, 0], 4.2677393 / (2 * 4.5689974))


def test_filterbanks_keep_empty_bins_and_track_float64():
    """128 bins from 20 Hz on a 512-point FFT: the lowest bins cover no FFT bin.

    They hold the log floor, as in transformers and torchaudio; every bin is within
    5e-7 of the float64 recipe (unscaled input: small powers, same relative accuracy).
    """
    rng = np.random.default_rng(8)
    y = (0.05 * rng.standard_normal(12000)).astype(np.float32)
    ours = fbank_features([y], num_mel_bins=128, window="hanning", waveform_scale=1.0)[0]
    bank = kaldi_bank(128)
    empty = ~bank.any(axis=0)
    assert empty.sum() >= 1
    assert np.all(ours[:, empty] == np.float32(np.log(EPS32)))
    exact = float64_fbank(y, bank, window="hanning", scale=1.0)
    assert np.abs(ours - exact).max() <= 1e-6  # tolerance: float32 rounding of the output


@pytest.mark.torch
def test_live_against_transformers(golden):
    """transformers' numpy path without torchaudio (1e-4), its torchaudio path with it.

    torchaudio computes the fbank in float32 (melforge and transformers' numpy path in
    float64): its own rounding moves the quiet bins, so that comparison holds 1e-4
    where the fbank is within 80 dB of its frame's peak, and a looser bound elsewhere.
    """
    pytest.importorskip("torch")
    torchaudio = importlib.util.find_spec("torchaudio") is not None
    transformers = pytest.importorskip("transformers")
    for key in ("default", "edited", "raw"):
        config = ast.literal_eval(str(golden[f"{key}/config"]))
        config.pop("feature_extractor_type", None)
        fe = transformers.ASTFeatureExtractor(**config)
        clips = _clips(golden, key)
        ref = fe(clips, sampling_rate=16000, return_tensors="np")["input_values"]
        p = from_pretrained(fe.to_dict())
        got = p.batch(clips, 16000)["input_values"]
        dev = np.abs(got - ref)
        if not torchaudio:
            assert dev.max() <= ATOL  # tolerance: 1e-4 absolute
            continue
        # Within 80 dB of each frame's peak (in the normalized units, x / (2 std)),
        # melforge must be no further from the float64 recipe than torchaudio is.
        depth = 80.0 * np.log(10) / 10 / (2 * p.std)
        recipe = p.recipe()
        for i, y in enumerate(clips):
            exact = run(recipe, y[None])[0][: p.max_length]
            n = exact.shape[0]
            near = exact >= exact.max(axis=-1, keepdims=True) - depth
            ours = np.abs(got[i, :n] - exact)[near].max()
            theirs = np.abs(ref[i, :n] - exact)[near].max()
            assert ours <= theirs and ours <= ATOL
        assert dev.max() <= 1e-2


@pytest.mark.parametrize("n", [47_839, 47_840, 47_841, 60_000, 1_000])
def test_samples_past_max_length_are_not_needed(n):
    # Only the first max_length frames are kept, so the clip is cut before the fbank;
    # the result is bit-equal to computing every frame and cutting after (as
    # transformers does).  300 frames read 299 * 160 + 400 = 48240 samples.
    y = (0.1 * np.random.default_rng(n).standard_normal(n)).astype(np.float32)
    preset = from_pretrained({"feature_extractor_type": "ASTFeatureExtractor", "max_length": 300})
    got = preset(y, 16000)
    full = fbank_features([y], num_mel_bins=128, window="hanning", waveform_scale=1.0)[0]
    kept = np.zeros((300, 128), dtype=np.float32)
    kept[: min(300, full.shape[0])] = full[:300]
    expected = ((kept.astype(np.float64) + 4.2677393) / (2 * 4.5689974)).astype(np.float32)
    np.testing.assert_array_equal(got, expected)
