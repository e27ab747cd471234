"""librosa-mel and mfcc-13 presets vs librosa 0.11."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr

import melforge
import melforge.presets

librosa = pytest.importorskip("librosa")

TOL_DB = 1e-3  # dB; float32 mel power, relative error ~1e-6 -> ~1e-5 dB
TOL_MFCC = 1e-3  # MFCC units (dB-scaled DCT); measured ~1e-5


def _clip(name: str, sr: int = 22050) -> np.ndarray:
    y, native = sf.read(melforge.ex(name), dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    if native != sr:
        y = soxr.resample(y, native, sr, quality="HQ")
    return np.ascontiguousarray(y[: 3 * sr], dtype=np.float32)


def _ref_mfcc13(y: np.ndarray) -> np.ndarray:
    m = librosa.feature.mfcc(y=y, sr=22050, n_mfcc=13)
    return np.concatenate([m, librosa.feature.delta(m), librosa.feature.delta(m, order=2)])


@pytest.mark.parametrize("n", [2048, 22050, 22050 + 333])
def test_librosa_mel_generated(n, rng):
    y = (0.1 * rng.standard_normal(n)).astype(np.float32)
    ours = melforge.presets.get("librosa-mel")(y, 22050)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050))
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= TOL_DB  # tolerance: 1e-3 dB absolute


@pytest.mark.parametrize("name", ["speech", "music"])
def test_librosa_mel_bundled(name):
    y = _clip(name)
    ours = melforge.presets.get("librosa-mel")(y, 22050)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050))
    assert np.abs(ours - ref).max() <= TOL_DB  # tolerance: 1e-3 dB absolute


@pytest.mark.parametrize("n", [4096, 22050 + 777])
def test_mfcc13_generated(n, rng):
    y = (0.1 * rng.standard_normal(n)).astype(np.float32)
    ours = melforge.presets.get("mfcc-13")(y, 22050)
    ref = _ref_mfcc13(y)
    assert ours.shape == ref.shape == (39, 1 + n // 512)
    assert np.abs(ours - ref).max() <= TOL_MFCC  # tolerance: 1e-3 absolute


@pytest.mark.parametrize("name", ["speech", "chirp"])
def test_mfcc13_bundled(name):
    y = _clip(name)
    ours = melforge.presets.get("mfcc-13")(y, 22050)
    ref = _ref_mfcc13(y)
    assert np.abs(ours - ref).max() <= TOL_MFCC  # tolerance: 1e-3 absolute
