"""Gemma 3n / Gemma 4 audio and CLAP: the fast numpy families equal their declarative recipe.

``run(p.recipe(), padded)`` on the waveform the family's batch rules produce (padding,
Gemma 4's semicausal zeros, CLAP's repeat/pad and crops) must give the family's
features within 1e-4 (log features).  The families themselves are compared with
transformers in test_pretrained_gemma.py and test_golden_clap.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import melforge
from melforge.feature.clap import shrink_frames
from melforge.feature.recipe import Recipe, run, window
from melforge.presets.hf.clap import ClapFamily
from melforge.presets.hf.gemma import Gemma3nFamily, Gemma4Family

ATOL = 1e-4  # log features (ln for Gemma, dB for CLAP)

GEMMA = [
    (Gemma3nFamily, {}),  # google/gemma-3n-*
    (Gemma3nFamily, {"preemphasis_htk_flavor": False, "preemphasis": 0.9,
                     "padding_side": "left", "padding_value": 0.01}),
    (Gemma3nFamily, {"fft_overdrive": False, "input_scale_factor": 2.0,
                     "per_bin_mean": tuple(np.linspace(-1, 1, 128)),
                     "per_bin_stddev": tuple(np.linspace(0.5, 2, 128))}),
    (Gemma3nFamily, {"preemphasis": 0.0, "per_bin_mean": tuple(np.linspace(-1, 1, 128))}),
    (Gemma4Family, {}),  # google/gemma-4-*
    (Gemma4Family, {"preemphasis": 0.97, "feature_size": 80, "frame_length_ms": 25.0}),
    (Gemma4Family, {"preemphasis": 0.5, "preemphasis_htk_flavor": False,
                    "padding_side": "left"}),
]  # fmt: skip


def _generated(sr: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(11)
    t = np.arange(n) / sr
    y = 0.3 * np.sin(2 * np.pi * 300 * t * (1 + 2 * t)) + 0.01 * rng.standard_normal(n)
    return y.astype(np.float32)


def _bundled(name: str, sr: int, n: int, start: int = 0) -> np.ndarray:
    y, _ = melforge.load(melforge.ex(name), sr=sr)
    return np.ascontiguousarray(y[start : start + n], dtype=np.float32)


@pytest.fixture(scope="module")
def gemma_clips():
    return [_bundled("speech", 16000, 40000), _generated(16000, 23456),
            _bundled("music", 16000, 9000, start=8000)]  # fmt: skip


def _gemma_padded(p, clips, target):
    """The family's padded batch (transformers' pad()), Gemma 4's leading zeros added."""
    x = np.full((len(clips), target), p.padding_value, dtype=np.float32)
    for row, clip in zip(x, clips, strict=True):
        n = min(clip.size, target)
        if p.padding_side == "left":
            row[target - n :] = clip[:n]
        else:
            row[:n] = clip[:n]
    if isinstance(p, Gemma4Family):
        x = np.pad(x, ((0, 0), (p.frame_length // 2, 0)))
    return x


@pytest.mark.parametrize(("cls", "fields"), GEMMA, ids=[f"gemma{i}" for i in range(len(GEMMA))])
@pytest.mark.parametrize("options", [{}, {"pad_to_multiple_of": None}, {"max_length": 30000}],
                         ids=str)  # fmt: skip
def test_gemma_family_equals_its_recipe(gemma_clips, cls, fields, options):
    p = cls(name="test", **fields)
    out = p.batch(gemma_clips, 16000, **options)
    feats, mask = out["input_features"], out["input_features_mask"]
    longest = max(c.size for c in gemma_clips)
    target = min(longest, options.get("max_length", 480000))
    multiple = options.get("pad_to_multiple_of", 128)
    if multiple:
        target = -(-target // multiple) * multiple
    expected = run(p.recipe(), _gemma_padded(p, gemma_clips, target))
    assert expected.shape == feats.shape
    if isinstance(p, Gemma4Family):  # masked frames are zeroed by the family
        assert not feats[~mask].any()
        assert np.abs(expected - feats)[mask].max() <= ATOL
    else:
        assert np.abs(expected - feats).max() <= ATOL


@pytest.mark.parametrize("cls", [Gemma3nFamily, Gemma4Family])
def test_gemma_one_clip_and_recipe_description(cls):
    p = cls(name="test")
    clip = _bundled("speech", 16000, 16000 * 3)
    one = p(clip, 16000)
    expected = run(p.recipe(), _gemma_padded(p, [clip], clip.size))[0]
    assert one.shape == expected.shape and np.abs(one - expected).max() <= ATOL
    r = p.recipe()
    assert Recipe(**r.to_dict()) == r
    assert (r.n_fft, r.power, r.mel_bank, r.log) == (p.fft_length, 1.0, "htk", "ln")
    assert r.floor_mode == ("add" if cls is Gemma4Family else "max")


def test_recipe_extra_sample_and_float32_hann():
    r = Recipe(frame_length=512, hop_length=160, n_fft=1024, extra_sample=True,
               preemphasis=0.97, preemphasis_style="htk")  # fmt: skip
    # frames of frame_length + 1 samples: 1 frame for 513 samples, none for 512
    assert (r.n_frames(513), r.n_frames(512), r.span) == (1, 0, 513)
    n = np.arange(512, dtype=np.float32)
    gemma3n = (0.5 * (1 - np.cos(2 * np.pi * n / 512))).astype(np.float32)
    np.testing.assert_array_equal(window("hann_float32", 512, True), gemma3n)


# -- CLAP --------------------------------------------------------------------------------
SR = 48000
LIMIT = 2 * SR  # max_length_s=2 keeps the test small


def _clap(truncation):
    return ClapFamily(name="test", max_length_s=2, truncation=truncation)


def _shorter(y, padding):
    """transformers' CLAP rule for a clip shorter than the window."""
    if padding == "repeat":
        y = np.tile(y, int(LIMIT / y.size) + 1)[:LIMIT]
    elif padding == "repeatpad":
        y = np.tile(y, int(LIMIT / y.size))
    return np.pad(y, (0, LIMIT - y.size))


@pytest.mark.parametrize("truncation", ["fusion", "rand_trunc"])
@pytest.mark.parametrize("padding", ["repeatpad", "repeat", "pad"])
def test_clap_shorter_clips_equal_the_recipe(truncation, padding):
    p = _clap(truncation)
    clips = [_bundled("speech", SR, 70000), _generated(SR, 31111), _generated(SR, LIMIT)]
    feats = p.batch(clips, SR, padding=padding)["input_features"]
    expected = run(p.recipe(), np.stack([_shorter(c, padding) for c in clips]))
    assert feats.shape == (3, 4 if truncation == "fusion" else 1) + expected.shape[1:]
    assert np.abs(feats - expected[:, None]).max() <= ATOL


def test_clap_rand_trunc_crop_equals_the_recipe():
    p = _clap("rand_trunc")
    clip = _bundled("speech", SR, LIMIT + 30001)
    got = p.batch([clip], SR)
    start = np.random.RandomState(p.seed).randint(0, clip.size - LIMIT + 1)  # the family's draw
    expected = run(p.recipe(), clip[None, start : start + LIMIT])[0]
    assert got["is_longer"].tolist() == [[True]]
    assert np.abs(got["input_features"][0, 0] - expected).max() <= ATOL


def test_clap_fusion_channels_come_from_the_recipe():
    p = _clap("fusion")
    clip = _bundled("speech", SR, LIMIT + 70000)
    feats = p.batch([clip], SR)["input_features"][0]
    whole = run(p.recipe(), clip[None])[0]  # the HTK log-mel of the whole clip
    chunk = LIMIT // p.hop_length + 1
    shrunk = shrink_frames(whole.astype(np.float32), chunk)
    assert np.abs(feats[0] - shrunk).max() <= ATOL
    starts = range(whole.shape[0] - chunk + 1)
    for crop in feats[1:]:  # each crop is one window of the whole clip's frames
        best = min(np.abs(whole[s : s + chunk] - crop).max() for s in starts)
        assert best <= ATOL


def test_clap_recipe_banks_follow_truncation():
    fusion, trunc = _clap("fusion").recipe(), _clap("rand_trunc").recipe()
    assert (fusion.mel_bank, fusion.mel_norm) == ("htk", None)
    assert (trunc.mel_bank, trunc.mel_norm) == ("slaney", "slaney")
    assert fusion.center and fusion.log == "db" and fusion.dynamic_range is None
    assert Recipe(**fusion.to_dict()) == fusion
