"""Presets: batch == per clip, list == per clip, layouts, dtype, JSON round trip."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import melforge.presets
from melforge.feature import kaldi_fbank, normalize_waveform, whisper_log_mel

NAMES = melforge.presets.names()
FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Shortest clip each preset accepts (mfcc-13 needs 9 frames for its deltas).
MIN_SAMPLES = {"mfcc-13": 4096, "kaldi-fbank-80": 400, "librosa-mel": 2048, "wav2vec2": 1,
               "torchaudio-fbank-80": 400}  # fmt: skip


def _signal(seed: int, n: int, scale: float = 0.1) -> np.ndarray:
    return (scale * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(seed=st.integers(0, 2**16), extra=st.integers(0, 3000))
def test_batch_equals_per_clip(name, seed, extra):
    preset = melforge.presets.get(name)
    n = max(MIN_SAMPLES.get(name, 201), 201) + extra
    batch = np.stack([_signal(seed, n), _signal(seed + 1, n, 0.5)])
    together = preset(batch, preset.sample_rate)
    assert together.dtype == np.float32
    for b in range(2):
        alone = preset(batch[b], preset.sample_rate)
        # Batched and single-clip paths may group frames differently (float32 rounding):
        # 1e-6 of the clip's peak feature magnitude (a few ulps), plus 1e-5 absolute.
        atol = 1e-5 + 1e-6 * float(np.abs(alone).max())
        np.testing.assert_allclose(together[b], alone, rtol=1e-6, atol=atol)


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(seed=st.integers(0, 2**16), lengths=st.lists(st.integers(0, 2000), min_size=1, max_size=3))
def test_list_equals_per_clip_and_frames_is_transpose(name, seed, lengths):
    preset = melforge.presets.get(name)
    base = max(MIN_SAMPLES.get(name, 201), 201)
    clips = [_signal(seed + i, base + k) for i, k in enumerate(lengths)]
    out = preset(clips, preset.sample_rate)
    frames = preset.frames(clips, preset.sample_rate)
    assert isinstance(out, list) and len(out) == len(clips)
    for clip, o, f in zip(clips, out, frames, strict=True):
        alone = preset(clip, preset.sample_rate)
        np.testing.assert_allclose(o, alone, rtol=1e-6, atol=1e-5)
        assert f.dtype == np.float32 and f.flags.c_contiguous
        assert f.ndim == 2 and f.shape[1] == preset.n_features
        if preset.layout == melforge.presets.FEATURES_X_FRAMES:
            np.testing.assert_array_equal(f, o.T)
        elif preset.layout == melforge.presets.SAMPLES:
            np.testing.assert_array_equal(f[:, 0], o)
        else:
            np.testing.assert_array_equal(f, o)


@pytest.mark.parametrize("name", NAMES)
def test_json_round_trip(name):
    preset = melforge.presets.get(name)
    data = json.loads(json.dumps(preset.to_dict()))
    assert data["name"] == name and data["melforge_version"] == melforge.__version__
    assert melforge.presets.from_dict(data) == preset


@FAST
@given(n_mels=st.integers(1, 200), pad=st.booleans())
def test_json_round_trip_of_variants(n_mels, pad):
    preset = dataclasses.replace(
        melforge.presets.get("whisper-80"), name="custom", n_mels=n_mels, pad_or_trim=pad
    )
    again = melforge.presets.from_dict(json.loads(json.dumps(preset.to_dict())))
    assert again == preset and again.n_features == n_mels


@FAST
@given(seed=st.integers(0, 2**16), n=st.integers(201, 5000))
def test_float64_and_fortran_order_inputs(seed, n):
    y = _signal(seed, 2 * n).reshape(2, n)
    fortran = np.asfortranarray(y)
    for fn in (whisper_log_mel, kaldi_fbank, normalize_waveform):
        ref = fn(y)
        np.testing.assert_array_equal(fn(fortran), ref)
        out64 = fn(y.astype(np.float64))
        assert out64.dtype == np.float32
        np.testing.assert_array_equal(out64, ref)


@FAST
@given(seed=st.integers(0, 2**16), n=st.integers(400, 4000))
def test_kaldi_dither_is_seeded(seed, n):
    y = _signal(seed, n)
    a = kaldi_fbank(y, dither=1.0, seed=seed)
    np.testing.assert_array_equal(a, kaldi_fbank(y, dither=1.0, seed=seed))
    assert not np.array_equal(a, kaldi_fbank(y, dither=0.0))


@FAST
@given(seed=st.integers(0, 2**16), n=st.integers(201, 6000), batch=st.integers(1, 5))
def test_threaded_batch_equals_one_thread(seed, n, batch):
    import scipy.fft

    y = _signal(seed, batch * n).reshape(batch, n)
    for fn in (whisper_log_mel, kaldi_fbank):
        one = fn(y)
        with scipy.fft.set_workers(3):
            np.testing.assert_array_equal(fn(y), one)
