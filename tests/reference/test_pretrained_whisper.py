"""from_pretrained Whisper family vs transformers' WhisperFeatureExtractor (live, numpy path)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hf_compare import assert_same_batch

import melforge
from melforge.presets import from_pretrained

transformers = pytest.importorskip("transformers")

# Log features: 1e-4 absolute (the bound); melforge computes in float32,
# transformers' numpy path in float64 (measured 4.1e-5).
ATOL = 1e-4

# Configs shaped like the published ones (chunk_length shortened where marked, to keep
# transformers' per-frame Python loop within the test budget).
CONFIGS = {
    "whisper-small": {},
    "whisper-large-v3": {"feature_size": 128},
    # Qwen2-Audio, Voxtral, AudioFlamingo3, GLM-ASR: 128 mels and a mask by default
    "qwen2-audio-like": {"feature_size": 128, "return_attention_mask": True, "chunk_length": 3},
    # Qwen2.5/3-Omni: chunk_length 300 (n_samples 4800000), here 5 s
    "omni-like": {"feature_size": 128, "return_attention_mask": True, "chunk_length": 5},
    "left-padding": {"padding_side": "left", "padding_value": 0.25, "chunk_length": 2},
    "other-stft": {"n_fft": 512, "hop_length": 128, "sampling_rate": 24000, "chunk_length": 2},
}
OPTIONS = [
    {},
    {"padding": "longest"},
    {"padding": "longest", "return_attention_mask": True},
    {"padding": True, "pad_to_multiple_of": 1000, "return_attention_mask": True},
    {"do_normalize": True},  # mask requested by transformers, returned per sample (quirk)
    {"do_normalize": True, "padding": "longest", "return_attention_mask": True},
    {"max_length": 20000, "return_attention_mask": True},  # truncation to 1.25 s
    {"padding": "max_length", "max_length": 24321, "return_attention_mask": True},
    {"return_attention_mask": False},  # a config mask still comes back per sample (quirk)
]


def _clips(sr: int = 16000) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    speech, _ = melforge.load(melforge.ex("speech"), sr=sr)
    return [
        speech[:sr],
        (0.1 * rng.standard_normal(sr // 2)).astype(np.float32),
        speech[3000 : 3000 + 37123 * sr // 16000],
    ]


def _cases():
    for config in CONFIGS:
        # the 30 s configs take the first options; the grid runs on the shorter ones
        for options in OPTIONS[:3] if config.startswith("whisper") else OPTIONS:
            yield config, options


@pytest.mark.parametrize(("config", "options"), list(_cases()), ids=str)
def test_batch_matches_transformers(config, options):
    fe = transformers.WhisperFeatureExtractor(**CONFIGS[config])
    preset = from_pretrained(fe.to_dict())
    clips = _clips(preset.sample_rate)
    ref = fe(clips, sampling_rate=preset.sample_rate, return_tensors="np", **options)
    assert_same_batch(ref, preset.batch(clips, preset.sample_rate, **options), atol=ATOL)


def test_bundled_clips_one_at_a_time():
    fe = transformers.WhisperFeatureExtractor(feature_size=128)
    preset = from_pretrained(fe.to_dict())
    for name in ("speech", "music", "chirp"):
        y, _ = melforge.load(melforge.ex(name), sr=16000)
        ref = fe(y, sampling_rate=16000, return_tensors="np")["input_features"][0]
        got = preset(y, 16000)
        assert got.shape == ref.shape == (128, 3000) and got.dtype == np.float32
        assert np.abs(got - ref).max() <= ATOL  # tolerance: 1e-4 absolute


def test_clip_longer_than_the_chunk_is_cut():
    fe = transformers.WhisperFeatureExtractor(chunk_length=2, return_attention_mask=True)
    preset = from_pretrained(fe.to_dict())
    y = (0.2 * np.random.default_rng(0).standard_normal(40000)).astype(np.float32)
    for options in ({}, {"padding": "longest", "return_attention_mask": True}):
        ref = fe([y], sampling_rate=16000, return_tensors="np", **options)
        assert_same_batch(ref, preset.batch([y], 16000, **options), atol=ATOL)


def test_dither_reproduces_transformers_numpy_draws(monkeypatch):
    # transformers' numpy path draws np.random.randn(n_fft) per frame from numpy's global
    # RNG; melforge draws the same sequence from RandomState(seed): exact parity when the
    # global RNG is seeded alike, and the same features on every call.  With torch
    # installed transformers takes its torch path (torch.randn noise): force numpy.
    import transformers.models.whisper.feature_extraction_whisper as fe_module

    monkeypatch.setattr(fe_module, "is_torch_available", lambda: False)
    fe = transformers.WhisperFeatureExtractor(dither=1e-3, chunk_length=2)
    preset = dataclasses.replace(from_pretrained(fe.to_dict()), seed=5)
    clips = _clips()[:2]
    np.random.seed(5)  # noqa: NPY002 (transformers draws from the global RNG)
    ref = fe(clips, sampling_rate=16000, return_tensors="np")
    got = preset.batch(clips, 16000)
    assert_same_batch(ref, got, atol=ATOL)
    again = preset.batch(clips, 16000)["input_features"]
    assert np.array_equal(again, got["input_features"])  # deterministic
    other = dataclasses.replace(preset, seed=6).batch(clips, 16000)["input_features"]
    assert 0 < np.abs(other - again).max()  # another seed: other noise


def test_dither_zero_is_exact_and_dither_raises_the_silent_floor():
    fe = transformers.WhisperFeatureExtractor(chunk_length=2)
    plain = from_pretrained(fe.to_dict())
    noisy = dataclasses.replace(plain, dither=1e-2)
    y = _clips()[0]
    a, b = plain(y, 16000), noisy(y, 16000)
    # the padded second (frames 100 ..) is at the floor without dither, above it with
    assert np.all(a[:, 110:] == a[:, 110:].min())
    assert b[:, 110:].std() > 0 and b[:, 110:].mean() > a[:, 110:].mean()


def test_each_clip_is_clamped_on_its_own():
    # transformers 5.25 (numpy path, and torch path: max over dims 2 then 1 per clip)
    fe = transformers.WhisperFeatureExtractor(chunk_length=2)
    preset = from_pretrained(fe.to_dict())
    rng = np.random.default_rng(1)
    quiet = (1e-4 * rng.standard_normal(16000)).astype(np.float32)
    loud = (0.5 * rng.standard_normal(16000)).astype(np.float32)
    together = preset.batch([quiet, loud], 16000)["input_features"]
    alone = preset.batch([quiet], 16000)["input_features"]
    assert np.array_equal(together[0], alone[0])
    ref = fe([quiet, loud], sampling_rate=16000, return_tensors="np")["input_features"]
    assert np.abs(together - ref).max() <= ATOL
    # openai-whisper's batched log_mel_spectrogram: one maximum for the whole batch
    shared = preset.batch([quiet, loud], 16000, clamp="batch")["input_features"]
    assert np.array_equal(shared[1], together[1])
    assert shared[0].min() > together[0].min() + 0.5  # the quiet clip's floor is raised
    top = max(together[1].max(), shared[0].max())
    assert np.isclose(shared[0].min(), top - 2.0, atol=1e-6)  # (max - 8) / 4 in log10


def test_openai_convention_appends_30_s_of_zeros():
    fe = transformers.WhisperFeatureExtractor(chunk_length=2)
    preset = dataclasses.replace(from_pretrained(fe.to_dict()), convention="openai")
    rng = np.random.default_rng(2)
    short = (0.1 * rng.standard_normal(20000)).astype(np.float32)
    long = (0.1 * rng.standard_normal(50000)).astype(np.float32)
    got = preset.batch([short, long], 16000)["input_features"]
    assert got.shape == (2, 80, 200)
    # a clip shorter than the chunk: what transformers gives (zeros either way)
    ref = fe([short], sampling_rate=16000, return_tensors="np")["input_features"][0]
    assert np.abs(got[0] - ref).max() <= ATOL
    # a longer one: the STFT of clip + zeros, never cut, clamped over all its frames,
    # its first 200 frames (= transformers' unpadded STFT of the whole clip, trimmed)
    full = fe([long], sampling_rate=16000, return_tensors="np", padding="do_not_pad",
              truncation=False)["input_features"][0]  # fmt: skip
    assert np.abs(got[1] - full[:, :200]).max() <= ATOL
