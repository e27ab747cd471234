"""from_pretrained SeamlessM4T family vs transformers' SeamlessM4TFeatureExtractor (live).

transformers' extractor is pure numpy (float64 arithmetic), so it runs here without
torch.  Tolerances: log filterbanks as in ``kaldi_compare`` (1e-4 within 80 dB of each
frame's peak, and no further from float64 than transformers is); the normalized,
stacked features 1e-4 absolute (measured 7e-6); masks exactly equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hf_compare import assert_same_batch
from kaldi_compare import check_fbank, float64_fbank

import melforge
from melforge.presets import from_pretrained
from melforge.presets.hf._fbank import fbank_features

transformers = pytest.importorskip("transformers")

ATOL = 1e-4

# (config, call options): every option and config value at least once, not the
# full product (transformers' extractor runs a Python loop per frame: ~0.5 s a call).
CASES = [
    ({}, {}),
    ({}, {"padding": "longest", "pad_to_multiple_of": None}),
    ({}, {"padding": "max_length", "max_length": 130}),
    ({}, {"padding": "max_length", "max_length": 61, "truncation": True, "pad_to_multiple_of": 4}),
    ({}, {"return_attention_mask": False}),
    ({}, {"do_normalize_per_mel_bins": False}),
    ({"padding_value": 1.5, "padding_side": "left"}, {"pad_to_multiple_of": 8}),
    ({"stride": 3}, {}),
    ({"stride": 1}, {"padding": "max_length", "max_length": 100}),
    ({"num_mel_bins": 64, "feature_size": 64}, {}),
]


def _clips() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
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
    fe = transformers.SeamlessM4TFeatureExtractor(**config)
    preset = from_pretrained(fe.to_dict())
    clips = _clips()
    ref = fe(clips, sampling_rate=16000, return_tensors="np", **options)
    assert_same_batch(ref, preset.batch(clips, 16000, **options), atol=ATOL)


def test_unpadded_equal_lengths_and_one_clip():
    fe = transformers.SeamlessM4TFeatureExtractor()
    preset = from_pretrained(fe.to_dict())
    clips = [c[:7000] for c in _clips()]
    ref = fe(clips, sampling_rate=16000, return_tensors="np", padding=False)
    assert_same_batch(ref, preset.batch(clips, 16000, padding=False), atol=ATOL)
    y = _clips()[2]
    ref1 = fe(y, sampling_rate=16000, return_tensors="np")["input_features"][0]
    got = preset(y, 16000)
    assert got.shape == ref1.shape == (38, 160) and got.dtype == np.float32
    assert np.abs(got - ref1).max() <= ATOL  # tolerance: 1e-4 absolute


@pytest.mark.parametrize("name", ["speech", "music", "chirp"])
def test_filterbanks_on_bundled_clips(name):
    fe = transformers.SeamlessM4TFeatureExtractor()
    y, _ = melforge.load(melforge.ex(name), sr=16000)
    ours = fbank_features([y], num_mel_bins=80, window="povey", waveform_scale=32768.0)[0]
    ref = fe._extract_fbank_features(y)
    exact = float64_fbank(y, fe.mel_filters, window="povey", scale=32768.0)
    check_fbank(ours, ref, exact)  # measured 1.9e-6 on every bin of all three clips


def _cmvn64(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + 1e-7)


def test_tone_normalization_is_ill_posed_for_both():
    """On a tone, per-bin CMVN divides by deviations near 1e-3 and magnifies rounding.

    Then the 1e-4 bound does not apply, and the float64 arbiter decides: melforge is
    no further from it than transformers (measured 3.0e-4 vs 6.7e-4; the two differ by
    4.8e-4 from each other).
    """
    rng = np.random.default_rng(5)
    y = (0.5 * np.sin(np.arange(4000) * 0.39) + 0.01 * rng.standard_normal(4000)).astype(np.float32)
    fe = transformers.SeamlessM4TFeatureExtractor()
    ref = fe([y], sampling_rate=16000, return_tensors="np", pad_to_multiple_of=None)
    ref = ref["input_features"][0]
    ours = from_pretrained(fe.to_dict()).batch([y], 16000, pad_to_multiple_of=None)
    ours = ours["input_features"][0]
    exact = _cmvn64(float64_fbank(y, fe.mel_filters, window="povey", scale=32768.0))
    exact = exact[: 2 * ref.shape[0]].reshape(ref.shape)
    assert np.abs(ours - exact).max() <= np.abs(ref - exact).max()  # tolerance: arbiter


def test_saved_config_folder(tmp_path):
    fe = transformers.SeamlessM4TFeatureExtractor(stride=2, padding_value=0.0)
    fe.save_pretrained(tmp_path)
    preset = from_pretrained(tmp_path)
    assert preset.kind == "hf-seamless-m4t" and preset.n_features == 160
    assert preset.hop_length == 320
