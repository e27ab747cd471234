"""Whisper log-mel vs transformers' WhisperFeatureExtractor (numpy path, no download)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr

import melforge
import melforge.presets
from melforge.feature import whisper_log_mel

transformers = pytest.importorskip("transformers")

TOL = 1e-4  # issue 5: max abs difference on the log-mel output


def _extractor(n_mels: int):
    return transformers.WhisperFeatureExtractor(
        feature_size=n_mels, sampling_rate=16000, hop_length=160, chunk_length=30, n_fft=400
    )


def _reference(y: np.ndarray, n_mels: int, *, pad: bool) -> np.ndarray:
    kwargs = {} if pad else {"padding": "do_not_pad", "truncation": False}
    out = _extractor(n_mels)(y, sampling_rate=16000, return_tensors="np", **kwargs)
    return out["input_features"][0]


def _clip16k(name: str) -> np.ndarray:
    y, sr = sf.read(melforge.ex(name), dtype="float32", always_2d=True)
    return soxr.resample(y.mean(axis=1), sr, 16000, quality="HQ").astype(np.float32)


@pytest.mark.parametrize("n_mels", [80, 128])
@pytest.mark.parametrize("n", [201, 1000, 16000, 16037, 33333])
def test_unpadded_lengths_match_transformers(n_mels, n, rng):
    y = (0.1 * rng.standard_normal(n)).astype(np.float32)
    ours = whisper_log_mel(y, n_mels=n_mels)
    ref = _reference(y, n_mels, pad=False)
    assert ours.shape == ref.shape == (n_mels, n // 160)
    assert ours.dtype == np.float32
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-4 absolute


@pytest.mark.parametrize("n", [5000, 480000, 481234])
def test_pad_or_trim_matches_transformers_default(n, rng):
    y = (0.3 * rng.standard_normal(n)).astype(np.float32)
    ours = whisper_log_mel(y, pad_or_trim=True)
    ref = _reference(y, 80, pad=True)
    assert ours.shape == ref.shape == (80, 3000)
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-4 absolute


@pytest.mark.parametrize("clip", ["speech", "music", "chirp"])
@pytest.mark.parametrize("name", ["whisper-80", "whisper-128"])
def test_presets_on_bundled_clips(name, clip):
    y = _clip16k(clip)
    preset = melforge.presets.get(name)
    ours = preset(y, 16000)
    ref = _reference(y, preset.n_mels, pad=True)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-4 absolute


def test_batch_uses_per_clip_max_like_numpy_path(rng):
    quiet = (1e-4 * rng.standard_normal(16000)).astype(np.float32)
    loud = (0.5 * rng.standard_normal(16000)).astype(np.float32)
    batch = np.stack([quiet, loud])
    ours = whisper_log_mel(batch, pad_or_trim=True)
    ref = _extractor(80)(list(batch), sampling_rate=16000, return_tensors="np")["input_features"]
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-4 absolute


def test_padding_argument_appends_zeros(rng):
    y = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    ours = whisper_log_mel(y, padding=1600)
    ref = _reference(np.concatenate([y, np.zeros(1600, np.float32)]), 80, pad=False)
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-4 absolute


def _edge_signals(rng) -> dict[str, np.ndarray]:
    noise = rng.standard_normal(8000)
    return {
        "silence": np.zeros(16000),
        "silence then noise": np.concatenate([np.zeros(8000), noise]),
        "noise then silence": np.concatenate([noise, np.zeros(8000)]),
        "1e-9 noise": 1e-9 * rng.standard_normal(16000),
        "loud": 100.0 * rng.standard_normal(16000),
        "dc": np.ones(4000),
    }


@pytest.mark.parametrize("pad", [False, True])
def test_edge_signals_match_transformers(pad, rng):
    """Silence (log floor), partial silence (the clamp) and extreme levels."""
    for label, y in _edge_signals(rng).items():
        y = y.astype(np.float32)
        ours = whisper_log_mel(y, pad_or_trim=pad)
        ref = _reference(y, 80, pad=pad)
        assert ours.shape == ref.shape, label
        assert np.abs(ours - ref).max() <= TOL, label  # tolerance: 1e-4 absolute


@pytest.mark.parametrize("n", [150, 1599, 60001, 479900, 490000])
@pytest.mark.parametrize("padding", [0, 480, 1234])
def test_pad_or_trim_then_padding(n, padding, rng):
    """``pad_or_trim`` cuts or zero-pads to 30 s, then ``padding`` zeros follow.

    Frames that see only the zeros are not computed (their power is zero); this
    checks the boundary between computed and zero frames against transformers.
    """
    y = (0.1 * rng.standard_normal(n)).astype(np.float32)
    ours = whisper_log_mel(y, pad_or_trim=True, padding=padding)
    full = np.zeros(480000 + padding, dtype=np.float32)
    full[: min(n, 480000)] = y[:480000]
    ref = _reference(full, 80, pad=False)
    assert ours.shape == ref.shape == (80, 3000 + padding // 160)
    assert np.abs(ours - ref).max() <= TOL  # tolerance: 1e-4 absolute
