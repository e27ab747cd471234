"""Parity with librosa 0.11: effects.trim, split, preemphasis, deemphasis, remix.

Tolerances: trim/split intervals and remix are exact (the same frames are judged
silent: frame RMS in float64 vs librosa's float32 differs by < 1e-7 relative, far from
any threshold on these inputs); preemphasis/deemphasis exact (the same scipy filter
on the same dtype).  time_stretch is in ``test_librosa_phase.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import melforge as mf
from melforge import effects

librosa = pytest.importorskip("librosa")


def _bursts(sr: int = 22050) -> np.ndarray:
    """Silence, tone, near-silence, noise burst, silence (float32)."""
    rng = np.random.default_rng(11)
    t = np.arange(sr // 2) / sr
    parts = [
        np.zeros(sr // 3),
        0.5 * np.sin(2 * np.pi * 330 * t),
        1e-5 * rng.standard_normal(sr // 4),
        0.2 * rng.standard_normal(sr // 3),
        np.zeros(sr // 5),
    ]
    return np.concatenate(parts).astype(np.float32)


def _inputs() -> list[tuple[str, np.ndarray]]:
    out = [("bursts", _bursts()), ("stereo", np.stack([_bursts(), 0.1 * _bursts()[::-1]]))]
    for key in ("speech", "music", "chirp"):
        out.append((key, mf.load(mf.ex(key), duration=4.0)[0]))
    return out


INPUTS = _inputs()
IDS = [k for k, _ in INPUTS]
OPTIONS = [
    {},
    {"top_db": 30},
    {"top_db": 20, "frame_length": 1024, "hop_length": 256},
    {"ref": 0.5, "top_db": 25},
    {"aggregate": np.mean, "top_db": 40},
]


@pytest.mark.parametrize("kw", OPTIONS)
@pytest.mark.parametrize("y", [y for _, y in INPUTS], ids=IDS)
def test_trim_and_split_are_exact(y: np.ndarray, kw: dict) -> None:
    ours, idx = effects.trim(y, **kw)
    ref, ref_idx = librosa.effects.trim(y, **kw)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(effects.split(y, **kw), librosa.effects.split(y, **kw))


def test_trim_all_silent() -> None:
    y = np.zeros(5000, dtype=np.float32)
    ours, idx = effects.trim(y)
    ref, ref_idx = librosa.effects.trim(y)
    np.testing.assert_array_equal(idx, ref_idx)
    # all frames at the reference (0 dB): nothing is below it, as librosa
    assert ours.shape == ref.shape == y.shape
    np.testing.assert_array_equal(effects.split(y), librosa.effects.split(y))


@pytest.mark.parametrize("coef", [0.97, 0.5, 0.0])
@pytest.mark.parametrize("y", [y for _, y in INPUTS], ids=IDS)
def test_preemphasis_deemphasis_are_exact(y: np.ndarray, coef: float) -> None:
    ours = effects.preemphasis(y, coef=coef)
    ref = librosa.effects.preemphasis(y, coef=coef)
    assert ours.dtype == ref.dtype == np.float32
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(
        effects.deemphasis(ours, coef=coef), librosa.effects.deemphasis(ref, coef=coef)
    )


def test_emphasis_state_blocks() -> None:
    y = _bursts().astype(np.float64)
    a, zf = effects.preemphasis(y[:1000], return_zf=True)
    b, rzf = librosa.effects.preemphasis(y[:1000], return_zf=True)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(zf, rzf)
    np.testing.assert_array_equal(
        effects.preemphasis(y[1000:], zi=zf), librosa.effects.preemphasis(y[1000:], zi=rzf)
    )
    d, dz = effects.deemphasis(y[:1000], zi=[0.1], return_zf=True)
    rd, rdz = librosa.effects.deemphasis(y[:1000], zi=[0.1], return_zf=True)
    np.testing.assert_array_equal(d, rd)
    np.testing.assert_array_equal(dz, rdz)


@pytest.mark.parametrize("align_zeros", [True, False])
@pytest.mark.parametrize("y", [y for _, y in INPUTS], ids=IDS)
def test_remix_is_exact(y: np.ndarray, align_zeros: bool) -> None:
    n = y.shape[-1]
    intervals = np.array(
        [(n // 2, 3 * n // 4), (0, n // 3), (3 * n // 4, n), (n // 3 + 17, n // 2 - 5)]
    )
    ours = effects.remix(y, intervals, align_zeros=align_zeros)
    ref = librosa.effects.remix(y, intervals, align_zeros=align_zeros)
    np.testing.assert_array_equal(ours, ref)


def test_remix_of_split_intervals_reversed() -> None:
    y = mf.load(mf.ex("speech"), duration=4.0)[0]
    intervals = librosa.effects.split(y, top_db=25)[::-1]
    np.testing.assert_array_equal(effects.remix(y, intervals), librosa.effects.remix(y, intervals))
