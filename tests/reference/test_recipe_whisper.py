"""The Whisper and Granite Speech families' recipes describe their fast numpy kernels.

For each family and its main config variants, ``preset.batch(clips)`` (the fast float32
kernels) equals :func:`melforge.feature.recipe.run` of ``preset.recipe()`` on the same
padded waveform, with the family's batch rules (padding, frame selection, batch clamp)
applied around it as the torch paths apply them.  Log features: 1e-4 absolute.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import melforge
from melforge.feature.recipe import Recipe, run
from melforge.presets import WhisperPreset, from_pretrained

# Log features (log10 / 4 + 1): the bound.  The recipe runs in float32 as the
# kernels do; measured 1.8e-7 (Whisper) and 0 (Granite: bit-equal).
ATOL = 1e-4


def _speech(n: int, start: int = 0) -> np.ndarray:
    y, _ = melforge.load(melforge.ex("speech"), sr=16000)
    return np.ascontiguousarray(y[start : start + n], dtype=np.float32)


def _tone(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    y = 0.3 * np.sin(2 * np.pi * 440 * t * (1 + t)) + 0.01 * rng.standard_normal(n)
    return y.astype(np.float32)


def _clips() -> list[np.ndarray]:
    return [_speech(16000, 3000), _tone(7919, 1), _speech(20000 + 37, 20000)]


def _right_pad(clips: list[np.ndarray], total: int, value: float = 0.0) -> np.ndarray:
    out = np.full((len(clips), total), value, dtype=np.float32)
    for row, c in zip(out, clips, strict=True):
        row[: min(c.size, total)] = c[:total]
    return out


def _dev(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max())


# -- Whisper (from_pretrained) ----------------------------------------------------------
WHISPER_CONFIGS = {
    "whisper-small": {},
    "whisper-large-v3": {"feature_size": 128},
    "short-chunk-mask": {"feature_size": 128, "chunk_length": 3, "return_attention_mask": True},
    "other-stft": {"n_fft": 512, "hop_length": 128, "sampling_rate": 24000, "chunk_length": 2},
}


def _whisper(config: dict, **fields) -> melforge.presets.PretrainedPreset:
    preset = from_pretrained({"feature_extractor_type": "WhisperFeatureExtractor", **config})
    return dataclasses.replace(preset, **fields) if fields else preset


@pytest.mark.parametrize("config", list(WHISPER_CONFIGS))
def test_whisper_recipe_is_the_kernel(config):
    p = _whisper(WHISPER_CONFIGS[config])
    clips = _clips()
    got = p.batch(clips, p.sample_rate)["input_features"]  # clips taken at its rate
    ref = run(p.recipe(), _right_pad(clips, p.n_samples)).transpose(0, 2, 1)
    assert _dev(got, ref) <= ATOL


def test_whisper_recipe_longest_padding_and_left_side():
    p = _whisper({"padding_side": "left", "padding_value": 0.25, "chunk_length": 2})
    clips = _clips()
    got = p.batch(clips, 16000, padding="longest")["input_features"]
    total = max(c.size for c in clips)
    padded = np.full((len(clips), total), 0.25, dtype=np.float32)
    for row, c in zip(padded, clips, strict=True):
        row[total - c.size :] = c
    assert _dev(got, run(p.recipe(), padded).transpose(0, 2, 1)) <= ATOL


def test_whisper_recipe_bundled_clips():
    p = _whisper({"feature_size": 128})
    for name in ("speech", "music", "chirp"):
        y, _ = melforge.load(melforge.ex(name), sr=16000)
        ref = run(p.recipe(), _right_pad([y], p.n_samples))[0].T
        assert _dev(p(y, 16000), ref) <= ATOL


def test_whisper_openai_convention_and_batch_clamp():
    p = _whisper({"chunk_length": 2}, convention="openai")
    rng = np.random.default_rng(2)
    clips = [_speech(20000), (0.1 * rng.standard_normal(50000)).astype(np.float32)]
    n_out = p.n_samples // p.hop_length
    full = [run(p.recipe(), np.concatenate([c, np.zeros(p.n_samples, np.float32)])[None])[0]
            for c in clips]  # fmt: skip
    got = p.batch(clips, 16000)["input_features"]
    for g, f in zip(got, full, strict=True):  # clamped over all frames, first n_out kept
        assert _dev(g, f[:n_out].T) <= ATOL
    # clamp="batch": the recipe without its clamp, clamped to the batch's peak
    bare = dataclasses.replace(p.recipe(), dynamic_range=None)
    raw = [run(bare, np.concatenate([c, np.zeros(p.n_samples, np.float32)])[None])[0]
           for c in clips]  # fmt: skip
    floor = max(r.max() for r in raw) - 2.0
    shared = p.batch(clips, 16000, clamp="batch")["input_features"]
    for g, r in zip(shared, raw, strict=True):
        assert _dev(g, np.maximum(r[:n_out], floor).T) <= ATOL


def test_whisper_recipe_fields():
    r = _whisper({"feature_size": 128}).recipe()
    assert isinstance(r, Recipe) and r == Recipe(**r.to_dict())
    fields = (r.n_mels, r.n_fft, r.hop_length, r.fmax, r.dynamic_range)
    assert fields == (128, 400, 160, 8000.0, 8.0)
    assert r.center and r.drop_last and r.mel_bank == "slaney" and r.log == "log10"


# -- the named whisper-80 / whisper-128 presets ------------------------------------------
@pytest.mark.parametrize("n_mels", [80, 128])
@pytest.mark.parametrize("pad_or_trim", [True, False])
def test_named_whisper_presets(n_mels, pad_or_trim):
    p = WhisperPreset(name=f"whisper-{n_mels}", n_mels=n_mels, pad_or_trim=pad_or_trim)
    for y in (_speech(16000 * 5), _tone(12345, 3)):
        x = _right_pad([y], 480000) if pad_or_trim else y[None]
        assert _dev(p(y, 16000), run(p.recipe(), x)[0].T) <= ATOL


# -- Granite Speech v3 / v5 -------------------------------------------------------------
def _granite(version: int, **config) -> melforge.presets.PretrainedPreset:
    kind = "GraniteSpeechFeatureExtractor" if version == 3 else "GraniteSpeech5FeatureExtractor"
    return from_pretrained({"feature_extractor_type": kind, **config})


@pytest.mark.parametrize(
    "config",
    [{}, {"n_mels": 64, "hop_length": 128, "projector_window_size": 10,
          "projector_downsample_rate": 2}],
    ids=["default", "edited"],
)  # fmt: skip
def test_granite_v3_recipe_is_the_kernel(config):
    p = _granite(3, **config)
    clips = _clips()
    got = p.batch(clips, 16000)["input_features"]
    ref = run(p.recipe(), _right_pad(clips, max(c.size for c in clips)))
    assert _dev(got, ref) <= ATOL
    y = _speech(6000)  # one clip, an odd frame count (38 frames: 1 + 6000 // 160)
    assert _dev(p(y, 16000), run(p.recipe(), y[None])[0]) <= ATOL


def _v5_reference(p, clips, **options):
    """run(recipe) on transformers' v5 batch: padded to length, zeros to total."""
    lengths, length = p._plan([c.size for c in clips], options.get("padding", "longest"),
                              options.get("max_length"), options.get("truncation", False),
                              options.get("pad_to_multiple_of"))  # fmt: skip
    n_frames, total, drop_last = p._frame_plan(length)
    padded = _right_pad([c[:n] for c, n in zip(clips, lengths, strict=True)], length,
                        p.padding_value)  # fmt: skip
    padded = np.pad(padded, [(0, 0), (0, total - length)])
    out = run(dataclasses.replace(p.recipe(), drop_last=drop_last), padded)
    assert out.shape[1] == n_frames // 2
    return out


V5_CASES = {
    "default": ({}, {}),
    "max_length": ({}, {"padding": "max_length", "max_length": 5000, "truncation": True,
                        "pad_to_multiple_of": 512}),
    "even_frames": ({}, {"padding": "max_length", "max_length": 16000}),  # drop_last
    "edited": ({"num_mel_bins": 64, "delta_win_length": 5, "logmel_floor_db": 6.0,
                "padding_value": 0.05}, {}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(V5_CASES))
def test_granite_v5_recipe_is_the_kernel(case):
    config, options = V5_CASES[case]
    p = _granite(5, **config)
    clips = _clips()[:2] if "max_length" in options else _clips()
    got = p.batch(clips, 16000, **options)["input_features"]
    assert _dev(got, _v5_reference(p, clips, **options)) <= ATOL


def test_granite_bundled_clips():
    for version in (3, 5):
        p = _granite(version)
        for name in ("speech", "chirp"):
            y, _ = melforge.load(melforge.ex(name), sr=16000)
            y = y[: 16000 * 6]
            if version == 3:
                ref = run(p.recipe(), y[None])[0]
            else:
                ref = _v5_reference(p, [y])[0]
            assert _dev(p(y, 16000), ref) <= ATOL


def test_delta_window_is_torchaudios_regression():
    # compute_deltas(win_length=5): sum_k k (x[t+k] - x[t-k]) / 10, edges repeated
    x = np.random.default_rng(0).standard_normal((1, 9, 3))
    r = Recipe(log="none", deltas=True, delta_window=5)
    from melforge.feature.recipe import _deltas, _Numpy

    got = _deltas(x, _Numpy(np.float64), r.delta_window)
    pad = np.concatenate([x[:, :1]] * 2 + [x] + [x[:, -1:]] * 2, axis=1)
    want = sum(k * (pad[:, 2 + k : 11 + k] - pad[:, 2 - k : 11 - k]) for k in (1, 2)) / 10.0
    np.testing.assert_allclose(got, want, atol=1e-12)
    with pytest.raises(melforge.ParameterError):
        Recipe(delta_window=4)
