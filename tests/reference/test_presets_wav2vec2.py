"""normalize_waveform / wav2vec2 preset vs transformers' Wav2Vec2FeatureExtractor."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import melforge
import melforge.presets
from melforge.feature import normalize_waveform

transformers = pytest.importorskip("transformers")

TOL = 1e-5  # normalized samples are O(1); transformers accumulates in float32


def _extractor(mask: bool):
    return transformers.Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True,
        return_attention_mask=mask,
    )


@pytest.mark.parametrize("n", [1, 2, 160, 16037])
def test_single_clip(n, rng):
    y = (0.3 * rng.standard_normal(n) + 0.05).astype(np.float32)
    ref = _extractor(False)(y, sampling_rate=16000, return_tensors="np")["input_values"][0]
    ours = normalize_waveform(y)
    assert ours.dtype == np.float32
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-5 absolute


def test_padded_batch_with_attention_mask(rng):
    clips = [(0.2 * rng.standard_normal(n) + 0.1).astype(np.float32) for n in (3000, 1234, 2999)]
    out = _extractor(True)(clips, sampling_rate=16000, padding=True, return_tensors="np")
    ref, mask = out["input_values"], out["attention_mask"]
    padded = np.zeros(ref.shape, np.float32)
    for i, c in enumerate(clips):
        padded[i, : c.size] = c
    ours = normalize_waveform(padded, attention_mask=mask)
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-5 absolute
    assert np.all(ours[mask == 0] == 0.0)


def test_preset_list_equals_masked_reference(rng):
    clips = [(0.2 * rng.standard_normal(n)).astype(np.float32) for n in (1600, 800)]
    out = _extractor(True)(clips, sampling_rate=16000, padding=True, return_tensors="np")
    ours = melforge.presets.get("wav2vec2")(clips, 16000)
    for i, c in enumerate(clips):
        ref = out["input_values"][i, : c.size]
        assert np.abs(ours[i] - ref).max() <= TOL  # tolerance: 1e-5 absolute


@pytest.mark.parametrize("clip", ["speech", "music", "chirp"])
def test_preset_on_bundled_clips(clip):
    y, sr = sf.read(melforge.ex(clip), dtype="float32", always_2d=True)
    y = melforge.resample(y.mean(axis=1), orig_sr=sr, target_sr=16000, res_type="soxr_hq")
    ours = melforge.presets.get("wav2vec2")(y, 16000)
    ref = _extractor(False)(y, sampling_rate=16000, return_tensors="np")["input_values"][0]
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-5 absolute
