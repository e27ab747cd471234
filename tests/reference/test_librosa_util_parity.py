"""Parity with librosa 0.11 for the util, pitch, weighting and signal names.

Every case calls the same expression once with ``melforge`` and once with ``librosa`` as
the namespace, on generated signals and on the bundled clips, and compares the results:
same type, shape and dtype, and max |ours - librosa| within the case's tolerance.

Tolerances (absolute, in the result's units):
* 0 (bit-identical) for everything computed with the same numpy operations: framing,
  padding, normalization, masks, peak picking, conversions, weighting curves, clicks,
  zero crossings, autocorrelation (same ``scipy.fft`` calls);
* ``chirp``: 1e-9 (scipy.signal.chirp's phase law, evaluated with numpy here; the phase
  reaches ~1e5 rad, so a few ulps of it);
* ``lpc``: 1e-9 in float64.  In float32 librosa's numba loop sums sequentially in float32
  and numpy sums pairwise: the two differ by up to 3 % of the largest coefficient at
  order 24 (librosa's own float32 error), and melforge's is about 10x closer to the
  float64 result
  (``test_lpc_float32_is_at_least_as_accurate_as_librosa``).  Not compared on the
  synthetic ``music`` clip: a sum of a few sinusoids makes Burg's recursion
  ill-conditioned (the two differ by 0.5 % even in float64);
* ``perceptual_weighting``: 1e-4 dB (``power_to_db`` of float32 input stays float32).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import melforge

librosa = pytest.importorskip("librosa")


@functools.cache
def clip(name: str) -> np.ndarray:
    y, _ = melforge.load(melforge.ex(name), sr=None, mono=False)
    return y


def noise(n: int = 5000, *shape: int, dtype: Any = np.float64) -> np.ndarray:
    return np.random.default_rng(n).standard_normal((*shape, n)).astype(dtype)


def envelope(name: str) -> np.ndarray:
    """An onset-strength-like curve: positive spectral flux of the clip (numpy only)."""
    y = clip(name)
    y = y if y.ndim == 1 else y.mean(axis=0)
    frames = np.lib.stride_tricks.sliding_window_view(y, 1024)[::256]
    mag = np.abs(np.fft.rfft(frames * np.hanning(1024), axis=-1))
    return np.maximum(0.0, np.diff(np.log1p(mag), axis=0)).mean(axis=1)


NOTES = ["C4", "c#3", "Db-1", "A4+30", "B♭2", "E𝄫5", "F##1", "A!4-49", "G♯♯3"]
KEYS = [
    f"{t}{a}:{s}"
    for t in "CDEFGAB"
    for a in ("", "#", "b", "♯", "♭", "##", "bb", "𝄪", "#b")
    for s in ("maj", "min", "minor", "dor", "phrygian", "lyd", "mix", "aeolian", "loc")
]

Case = tuple[str, Callable[[Any], Any], float]


def _normalize_case(kw: dict[str, Any]) -> Callable[[Any], Any]:
    S = np.abs(np.fft.rfft(noise(64, 5))).T * [[1, 0, 1, 1e-40, 2]]  # a zero and a tiny column
    return lambda L: L.util.normalize(S, **kw)


def _peak_case(name: str, kw: dict[str, Any]) -> Callable[[Any], Any]:
    return lambda L: L.util.peak_pick(envelope(name), **kw)


def _weighting_case(kind: Any, kw: dict[str, Any]) -> Callable[[Any], Any]:
    return lambda L: L.frequency_weighting(np.linspace(0, 22050, 1025), kind=kind, **kw)


CASES: list[Case] = [
    # --- util: framing and padding
    ("util.frame", lambda L: L.util.frame(clip("speech"), frame_length=2048, hop_length=512), 0),
    ("util.frame", lambda L: L.util.frame(clip("music"), frame_length=400, hop_length=160), 0),
    ("util.frame", lambda L: L.util.frame(clip("music").T, frame_length=512, hop_length=100,
                                          axis=0), 0),  # fmt: skip
    ("util.frame", lambda L: L.util.frame(noise(300, 2, 30), frame_length=7, hop_length=3,
                                          axis=1, writeable=True), 0),  # fmt: skip
    ("util.pad_center", lambda L: L.util.pad_center(np.hanning(400), size=512), 0),
    ("util.pad_center", lambda L: L.util.pad_center(noise(31, 3), size=64, axis=0), 0),
    ("util.pad_center", lambda L: L.util.pad_center(clip("chirp")[:999], size=1500,
                                                    mode="reflect"), 0),  # fmt: skip
    ("util.fix_length", lambda L: L.util.fix_length(clip("speech"), size=22050), 0),
    ("util.fix_length", lambda L: L.util.fix_length(clip("music"), size=300000), 0),
    ("util.fix_length", lambda L: L.util.fix_length(noise(50, 2), size=80, axis=-1,
                                                    mode="edge"), 0),  # fmt: skip
    ("util.fix_length", lambda L: L.util.fix_length(noise(50, 3).T, size=50, axis=0), 0),
    ("util.fix_frames", lambda L: L.util.fix_frames([9, 3, 3, 40, 17]), 0),
    ("util.fix_frames", lambda L: L.util.fix_frames([9, 3, 3, 40, 17], x_min=5, x_max=20), 0),
    ("util.fix_frames", lambda L: L.util.fix_frames([9, 3, 40], x_min=5, x_max=20, pad=False), 0),
    ("util.fix_frames", lambda L: L.util.fix_frames(np.arange(0, 90, 7), x_min=None,
                                                    x_max=None), 0),  # fmt: skip
    ("util.stack", lambda L: L.util.stack([clip("speech"), clip("speech") * 2]), 0),
    ("util.stack", lambda L: L.util.stack([noise(40), noise(40, dtype=np.float32)], axis=1), 0),
    ("util.stack", lambda L: L.util.stack([noise(40, 2), noise(40, 2)], axis=-1), 0),
    ("util.expand_to", lambda L: L.util.expand_to(noise(7), ndim=3, axes=1), 0),
    ("util.expand_to", lambda L: L.util.expand_to(noise(7, 2), ndim=4, axes=[0, 3]), 0),
    ("util.valid_audio", lambda L: L.util.valid_audio(clip("music")), 0),
    ("util.tiny", lambda L: [L.util.tiny(np.zeros(2, dtype=d)) for d in
                             (np.float32, np.float64, np.complex64, np.complex128, np.int16)]
                            + [L.util.tiny(1.0), L.util.tiny(3)], 0),  # fmt: skip
    ("util.buf_to_float", lambda L: L.util.buf_to_float(
        (clip("speech") * 32767).astype("<i2").tobytes()), 0),
    ("util.buf_to_float", lambda L: L.util.buf_to_float(
        (noise(99) * 1e8).astype("<i4").tobytes(), n_bytes=4, dtype=np.float64), 0),
    ("util.buf_to_float", lambda L: L.util.buf_to_float(
        np.arange(-128, 128, dtype=np.int8).tobytes(), n_bytes=1), 0),
    # --- util: normalization, masks, peaks
    *[
        ("util.normalize", _normalize_case(kw), 0)
        for kw in (
            {}, {"norm": 1}, {"norm": 2}, {"norm": -np.inf}, {"norm": 0}, {"norm": None},
            {"norm": 2, "axis": 1}, {"norm": 2, "axis": None}, {"fill": True},
            {"fill": False}, {"norm": 1, "fill": True}, {"threshold": 0.5, "fill": False},
            {"norm": 3.5, "fill": True, "axis": None},
        )
    ],  # fmt: skip
    ("util.normalize", lambda L: L.util.normalize(clip("music"), axis=-1), 0),
    ("util.normalize", lambda L: L.util.normalize(np.fft.rfft(noise(32, 3)), norm=2, axis=1), 0),
    ("util.localmax", lambda L: L.util.localmax(np.array([1, 0, 1, 2, -1, 0, -2, 1])), 0),
    ("util.localmax", lambda L: L.util.localmax(np.round(noise(200, 6), 0), axis=1), 0),
    ("util.localmax", lambda L: L.util.localmax(envelope("music").astype(np.float32)), 0),
    ("util.localmax", lambda L: L.util.localmax(np.abs(clip("music")), axis=0), 0),
    ("util.softmask", lambda L: L.util.softmask(np.abs(noise(300, 2)),
                                                np.abs(noise(301, 2))[:, :300]), 0),
    ("util.softmask", lambda L: L.util.softmask(np.abs(clip("music")), np.abs(clip("music")[::-1]),
                                                power=2, split_zeros=True), 0),  # fmt: skip
    ("util.softmask", lambda L: L.util.softmask(np.maximum(0, noise(200)),
                                                np.maximum(0, -noise(200)), power=np.inf), 0),
    ("util.softmask", lambda L: L.util.softmask(np.arange(6), np.arange(6)[::-1], power=0.5), 0),
    *[
        ("util.peak_pick", _peak_case(name, kw), 0)
        for name in ("speech", "music", "chirp")
        for kw in (
            {"pre_max": 3, "post_max": 3, "pre_avg": 3, "post_avg": 5, "delta": 0.005, "wait": 10},
            {"pre_max": 1, "post_max": 1, "pre_avg": 1, "post_avg": 1, "delta": 0.0, "wait": 0},
            {"pre_max": 2.5, "post_max": 1.2, "pre_avg": 10, "post_avg": 10, "delta": 0.01,
             "wait": 1.5},
            {"pre_max": 0, "post_max": 20, "pre_avg": 0, "post_avg": 1, "delta": 0.0, "wait": 3},
        )
    ],  # fmt: skip
    ("util.peak_pick", lambda L: L.util.peak_pick(
        np.stack([envelope("speech")[:300], envelope("music")[:300]]), pre_max=3, post_max=3,
        pre_avg=3, post_avg=5, delta=0.002, wait=5, sparse=False), 0),
    ("util.peak_pick", lambda L: L.util.peak_pick(
        np.stack([envelope("speech")[:300], envelope("music")[:300]]).T, pre_max=2, post_max=2,
        pre_avg=4, post_avg=4, delta=0.0, wait=2, sparse=False, axis=0), 0),
    # --- frames, samples, blocks
    ("times_like", lambda L: L.times_like(np.zeros((1025, 431))), 0),
    ("times_like", lambda L: L.times_like(431, sr=16000, hop_length=160, n_fft=400), 0),
    ("times_like", lambda L: L.times_like(np.zeros((2, 99, 7)), axis=1, sr=8000), 0),
    ("samples_like", lambda L: L.samples_like(np.zeros((128, 50))), 0),
    ("samples_like", lambda L: L.samples_like(50, hop_length=256, n_fft=1024), 0),
    ("samples_like", lambda L: L.samples_like(np.zeros((13, 20)), axis=0), 0),
    ("blocks_to_frames", lambda L: L.blocks_to_frames(np.arange(10), block_length=16), 0),
    ("blocks_to_frames", lambda L: L.blocks_to_frames(3, block_length=16), 0),
    ("blocks_to_samples", lambda L: L.blocks_to_samples(np.arange(10), block_length=16,
                                                        hop_length=512), 0),  # fmt: skip
    ("blocks_to_time", lambda L: L.blocks_to_time(np.arange(10), block_length=16,
                                                  hop_length=512, sr=22050), 0),  # fmt: skip
    ("blocks_to_time", lambda L: L.blocks_to_time(7, block_length=4, hop_length=160, sr=16000), 0),
    # --- musical pitch
    ("midi_to_hz", lambda L: L.midi_to_hz(np.arange(-20, 140, 0.25)), 0),
    ("midi_to_hz", lambda L: L.midi_to_hz(69), 0),
    ("hz_to_midi", lambda L: L.hz_to_midi(np.geomspace(8, 20000, 500)), 0),
    ("hz_to_midi", lambda L: L.hz_to_midi(440.0), 0),
    ("note_to_midi", lambda L: L.note_to_midi(NOTES), 0),
    ("note_to_midi", lambda L: L.note_to_midi(NOTES, round_midi=False), 0),
    ("note_to_midi", lambda L: [L.note_to_midi(n) for n in NOTES], 0),
    ("note_to_hz", lambda L: L.note_to_hz(NOTES), 0),
    ("note_to_hz", lambda L: L.note_to_hz("A4+30", round_midi=False), 0),
    ("midi_to_note", lambda L: L.midi_to_note(np.arange(0, 128)), 0),
    ("midi_to_note", lambda L: L.midi_to_note(np.arange(-12, 128, 0.37), cents=True), 0),
    ("midi_to_note", lambda L: L.midi_to_note(61.6, octave=False, unicode=False), 0),
    ("midi_to_note", lambda L: [L.midi_to_note(np.arange(12) + 60, key=k, unicode=u)
                                for k in KEYS for u in (True, False)], 0),  # fmt: skip
    ("hz_to_note", lambda L: L.hz_to_note(np.geomspace(20, 8000, 300), cents=True), 0),
    ("hz_to_note", lambda L: L.hz_to_note(440.0), 0),
    ("hz_to_note", lambda L: L.hz_to_note([100, 200, 300.0], key="Eb:min", unicode=False), 0),
    # --- weighting
    ("A_weighting", lambda L: L.A_weighting(np.linspace(0, 22050, 1025)), 0),
    ("A_weighting", lambda L: L.A_weighting(np.geomspace(1, 20000, 200), min_db=None), 0),
    ("A_weighting", lambda L: L.A_weighting(1000.0), 0),
    *[
        ("frequency_weighting", _weighting_case(k, kw), 0)
        for k in ("A", "b", "C", "D", "Z", None)
        for kw in ({}, {"min_db": None}, {"min_db": -40.0})
    ],  # fmt: skip
    ("perceptual_weighting", lambda L: L.perceptual_weighting(
        np.abs(librosa.stft(clip("speech"))) ** 2, librosa.fft_frequencies(sr=22050)), 1e-4),
    ("perceptual_weighting", lambda L: L.perceptual_weighting(
        np.abs(librosa.stft(clip("chirp"), n_fft=512)) ** 2, librosa.fft_frequencies(
            sr=22050, n_fft=512), kind="C", ref=np.max, top_db=60.0), 1e-4),
    ("perceptual_weighting", lambda L: L.perceptual_weighting(
        np.abs(noise(200, 3)) ** 2, np.linspace(0, 8000, 3), kind="D", amin=1e-6), 1e-12),
    # --- signals
    ("tone", lambda L: L.tone(440, sr=22050, length=22050), 0),
    ("tone", lambda L: L.tone(1000.5, sr=16000, duration=0.73, phi=0.3), 0),
    ("chirp", lambda L: L.chirp(fmin=110, fmax=880, sr=22050, duration=2.0), 1e-9),
    ("chirp", lambda L: L.chirp(fmin=8000, fmax=50, sr=16000, length=30001, phi=1.0), 1e-9),
    ("chirp", lambda L: L.chirp(fmin=100, fmax=5000, sr=22050, duration=1.5, linear=True), 1e-9),
    ("chirp", lambda L: L.chirp(fmin=440, fmax=440, sr=8000, length=999), 1e-9),
    ("clicks", lambda L: L.clicks(times=[0.0, 0.25, 1.0], sr=22050), 0),
    ("clicks", lambda L: L.clicks(frames=[0, 10, 43], sr=16000, hop_length=160, length=8000,
                                  click_freq=2000.0, click_duration=0.05), 0),  # fmt: skip
    ("clicks", lambda L: L.clicks(times=np.array([0.1, 0.5]), click=clip("music")[:, :500],
                                  sr=44100, length=22050), 0),  # fmt: skip
    ("zero_crossings", lambda L: L.zero_crossings(clip("speech")), 0),
    ("zero_crossings", lambda L: L.zero_crossings(clip("music"), threshold=1e-3,
                                                  ref_magnitude=np.max, pad=False), 0),  # fmt: skip
    ("zero_crossings", lambda L: L.zero_crossings(clip("chirp"), zero_pos=False,
                                                  ref_magnitude=2.0), 0),  # fmt: skip
    ("zero_crossings", lambda L: L.zero_crossings(np.round(noise(300, 3), 1).T, axis=0,
                                                  zero_pos=False), 0),  # fmt: skip
    ("autocorrelate", lambda L: L.autocorrelate(clip("speech")[:4096]), 0),
    ("autocorrelate", lambda L: L.autocorrelate(clip("music")[:, :3000], max_size=500), 0),
    ("autocorrelate", lambda L: L.autocorrelate(noise(1000, 3).T, axis=0, max_size=10**6), 0),
    ("autocorrelate", lambda L: L.autocorrelate(np.fft.fft(noise(700)), max_size=100), 0),
    ("lpc", lambda L: L.lpc(clip("speech")[5000:5512].astype(np.float64), order=16), 1e-9),
    ("lpc", lambda L: L.lpc(noise(2000, 2), order=4, axis=-1), 1e-9),
    ("lpc", lambda L: L.lpc(noise(600, 3).T, order=8, axis=0), 1e-9),
    ("lpc", lambda L: L.lpc(clip("speech")[20000:20800].astype(np.float64), order=30), 1e-9),
]


def deviation(ours: Any, theirs: Any) -> float:
    """Max |ours - theirs| over a (nested) result; inf if type, shape, dtype or text differ."""
    if isinstance(theirs, (list, tuple)):
        if not isinstance(ours, type(theirs)) or len(ours) != len(theirs):
            return np.inf
        return max((deviation(a, b) for a, b in zip(ours, theirs, strict=True)), default=0.0)
    if type(ours) is not type(theirs):
        return np.inf
    a, b = np.asarray(ours), np.asarray(theirs)
    if a.shape != b.shape or a.dtype != b.dtype:
        return np.inf
    if a.dtype.kind in "USbO":
        return 0.0 if np.array_equal(a, b) else np.inf
    if a.dtype.kind in "iu":
        return float(np.max(np.abs(a.astype(np.int64) - b), initial=0))
    same = (a == b) | (np.isnan(a) & np.isnan(b))  # equal infinities count as equal
    with np.errstate(invalid="ignore"):
        diff = np.abs(np.where(same, 0, a.astype(np.complex128) - b))
    return float(np.max(np.nan_to_num(diff, nan=np.inf), initial=0.0))


def _ids() -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for name, _, _ in CASES:
        seen[name] = seen.get(name, 0) + 1
        ids.append(f"{name}-{seen[name]}")
    return ids


@pytest.mark.parametrize("name,expr,tol", CASES, ids=_ids())
def test_matches_librosa(name: str, expr: Callable[[Any], Any], tol: float) -> None:
    ours = expr(melforge)
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.simplefilter("ignore", FutureWarning)
        theirs = expr(librosa)
    assert deviation(ours, theirs) <= tol, name


@pytest.mark.parametrize("name,start,order", [("speech", 5000, 4), ("speech", 5000, 16),
                                              ("speech", 20000, 12), ("speech", 40000, 24)])
def test_lpc_float32_is_at_least_as_accurate_as_librosa(name: str, start: int, order: int) -> None:
    y = clip(name)[..., start : start + 800]
    truth = librosa.lpc(y.astype(np.float64), order=order)
    ours, theirs = melforge.lpc(y, order=order), librosa.lpc(y, order=order)
    assert ours.dtype == theirs.dtype == np.float32
    peak = float(np.max(np.abs(truth)))
    their_error = float(np.max(np.abs(theirs - truth)))
    # The gap is librosa's own float32 error (up to 3 % of the peak at order 24) ...
    assert deviation(ours, theirs) <= 2 * their_error + 1e-6 * peak
    # ... and melforge's float32 result is closer to the float64 one.
    assert np.max(np.abs(ours - truth)) <= their_error + 1e-6 * peak


@pytest.mark.parametrize("sr", [8000, 11025, 22050, 44100, 7919])
def test_chirp_length_matches_for_every_length(sr: int) -> None:
    # librosa computes the length as int((1 / sr) * length * sr): sometimes length - 1.
    for n in range(1, 2000, 13):
        ours = melforge.chirp(fmin=100, fmax=2000, sr=sr, length=n)
        theirs = librosa.chirp(fmin=100, fmax=2000, sr=sr, length=n)
        assert deviation(ours, theirs) <= 1e-9, n


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_peak_pick_ties_on_quantized_input(dtype: Any) -> None:
    # Values on a 0.1 grid make x[n] == mean + delta common: the mean must be rounded
    # exactly as librosa's kernel rounds it (float32 sums, float32 delta).
    x = np.round(np.random.default_rng(1).random(500), 1).astype(dtype)
    for pre_avg, post_avg, delta, wait in [(0, 5, 0.0, 0), (2, 1, 0.0, 2), (2, 1, 0.1, 0),
                                           (10, 5, 0.01, 10), (3, 3, 0.2, 1)]:  # fmt: skip
        kw = {"pre_max": 1, "post_max": 1, "pre_avg": pre_avg, "post_avg": post_avg,
              "delta": delta, "wait": wait}  # fmt: skip
        assert deviation(melforge.util.peak_pick(x, **kw), librosa.util.peak_pick(x, **kw)) == 0


def test_frame_views_share_memory_and_flags() -> None:
    y = clip("speech")
    ours = melforge.util.frame(y, frame_length=2048, hop_length=512)
    theirs = librosa.util.frame(y, frame_length=2048, hop_length=512)
    assert np.shares_memory(ours, y) and not ours.flags.writeable
    assert ours.strides == theirs.strides
    stacked = melforge.util.stack([y, y])
    assert stacked.flags.f_contiguous == librosa.util.stack([y, y]).flags.f_contiguous


def test_fix_length_returns_the_input_when_already_right() -> None:
    y = clip("chirp")
    assert melforge.util.fix_length(y, size=y.size) is y


@pytest.mark.parametrize(
    "name,expr",
    [
        ("util.frame", lambda L: L.util.frame(np.zeros(10), frame_length=11, hop_length=1)),
        ("util.frame", lambda L: L.util.frame(np.zeros(10), frame_length=5, hop_length=0)),
        ("util.pad_center", lambda L: L.util.pad_center(np.zeros(10), size=5)),
        ("util.fix_frames", lambda L: L.util.fix_frames([-1, 3])),
        ("util.normalize", lambda L: L.util.normalize(np.array([np.nan, 1.0]))),
        ("util.normalize", lambda L: L.util.normalize(np.ones(3), threshold=0)),
        ("util.normalize", lambda L: L.util.normalize(np.ones(3), norm="x")),
        ("util.normalize", lambda L: L.util.normalize(np.ones(3), norm=0, fill=True)),
        ("util.normalize", lambda L: L.util.normalize(np.ones(3), fill=2)),
        ("util.valid_audio", lambda L: L.util.valid_audio([0.0, 1.0])),
        ("util.valid_audio", lambda L: L.util.valid_audio(np.zeros(3, dtype=int))),
        ("util.valid_audio", lambda L: L.util.valid_audio(np.float32(1.0) * np.ones(()))),
        ("util.valid_audio", lambda L: L.util.valid_audio(np.array([np.inf]))),
        ("util.stack", lambda L: L.util.stack([])),
        ("util.stack", lambda L: L.util.stack([np.zeros(2), np.zeros(3)])),
        ("util.expand_to", lambda L: L.util.expand_to(np.zeros((2, 2)), ndim=3, axes=0)),
        ("util.expand_to", lambda L: L.util.expand_to(np.zeros((2, 2)), ndim=1, axes=[0, 1])),
        ("util.peak_pick", lambda L: L.util.peak_pick(np.zeros(9), pre_max=1, post_max=0,
                                                      pre_avg=1, post_avg=1, delta=0,
                                                      wait=0)),  # fmt: skip
        ("util.peak_pick", lambda L: L.util.peak_pick(np.zeros((2, 9)), pre_max=1, post_max=1,
                                                      pre_avg=1, post_avg=1, delta=0,
                                                      wait=0)),  # fmt: skip
        ("util.softmask", lambda L: L.util.softmask(np.ones(2), np.ones(3))),
        ("util.softmask", lambda L: L.util.softmask(-np.ones(2), np.ones(2))),
        ("util.softmask", lambda L: L.util.softmask(np.ones(2), np.ones(2), power=0)),
        ("note_to_midi", lambda L: L.note_to_midi("H4")),
        ("midi_to_note", lambda L: L.midi_to_note(60, octave=False, cents=True)),
        ("midi_to_note", lambda L: L.midi_to_note(60, key="C:MAJ")),
        ("midi_to_note", lambda L: L.midi_to_note(60, key="H:maj")),
        ("tone", lambda L: L.tone(440)),
        ("chirp", lambda L: L.chirp(fmin=100, fmax=200)),
        ("clicks", lambda L: L.clicks()),
        ("clicks", lambda L: L.clicks(times=[0.1], click_duration=0)),
        ("lpc", lambda L: L.lpc(np.zeros(10), order=0)),
    ],
)
def test_both_reject(name: str, expr: Callable[[Any], Any]) -> None:
    with pytest.raises(librosa.ParameterError):
        expr(librosa)
    with pytest.raises(melforge.ParameterError):
        expr(melforge)


def test_get_and_set_fftlib_behave_like_librosa() -> None:
    import scipy.fft

    assert melforge.get_fftlib() is librosa.get_fftlib() is scipy.fft
    with pytest.warns(FutureWarning, match="set_fftlib is deprecated"):
        melforge.set_fftlib(np.fft)
    try:
        assert melforge.get_fftlib() is np.fft
        y = clip("speech")[:3000].astype(np.float64)
        with pytest.warns(FutureWarning):
            librosa.set_fftlib(np.fft)
        assert deviation(melforge.autocorrelate(y), librosa.autocorrelate(y)) == 0
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            melforge.set_fftlib()
            librosa.set_fftlib()
    assert melforge.get_fftlib() is scipy.fft


def test_natural_sign_where_librosa_fails() -> None:
    # librosa's NOTE_RE admits "n" (natural) but note_to_midi's table lacks it: KeyError.
    with pytest.raises(KeyError):
        librosa.note_to_midi("Gn4")
    assert melforge.note_to_midi("Gn4") == librosa.note_to_midi("G4") == 67
