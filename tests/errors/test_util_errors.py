"""Every error the util, pitch, weighting and signal names raise on purpose, with its message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import melforge as mf
from melforge import ParameterError

util = mf.util
Z = np.zeros(10)
PEAKS = {"pre_max": 1, "post_max": 1, "pre_avg": 1, "post_avg": 1, "delta": 0.0, "wait": 0}


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: util.frame(Z, frame_length=11, hop_length=1),
         r"x is too short \(n=10\) for frame_length=11"),
        (lambda: util.frame(Z, frame_length=5, hop_length=0),
         r"hop_length=0 must be a positive integer"),
        (lambda: util.frame(Z, frame_length=2.5, hop_length=1),
         r"frame_length=2.5 must be a positive integer"),
        (lambda: util.frame(Z, frame_length=2, hop_length=1, axis=1),
         r"axis=1 must index a dimension of x.shape=\(10,\)"),
        (lambda: util.pad_center(Z, size=5), r"size=5 must be at least the input length 10"),
        (lambda: util.fix_frames([3, -1]), r"frames must be >= 0"),
        (lambda: util.normalize(np.array([np.nan])), r"S must be finite everywhere"),
        (lambda: util.normalize(Z, threshold=0), r"threshold=0 must be strictly positive"),
        (lambda: util.normalize(Z, fill=2), r"fill=2 must be None or a bool"),
        (lambda: util.normalize(Z, norm="l2"), r"norm='l2' must be np.inf, -np.inf, 0, a number"),
        (lambda: util.normalize(Z, norm=0, fill=True), r"norm=0 cannot be combined with fill=True"),
        (lambda: util.valid_audio([0.0]), r"y must be a numpy.ndarray, got list"),
        (lambda: util.valid_audio(np.zeros(3, dtype=np.int16)),
         r"y must be floating-point, got dtype int16"),
        (lambda: util.valid_audio(np.zeros(())), r"y must be at least one-dimensional"),
        (lambda: util.valid_audio(np.array([np.nan])), r"y must be finite everywhere"),
        (lambda: util.stack([]), r"arrays must hold at least one array"),
        (lambda: util.stack([np.zeros(2), np.zeros(3)]),
         r"arrays must all have the same shape, got \[\(2,\), \(3,\)\]"),
        (lambda: util.expand_to(np.zeros((2, 2)), ndim=3, axes=0),
         r"axes=\(0,\) must have one entry per axis of x.shape=\(2, 2\)"),
        (lambda: util.expand_to(np.zeros((2, 2)), ndim=1, axes=[0, 1]),
         r"ndim=1 must be at least x.ndim"),
        (lambda: util.buf_to_float(b"\0\0\0", n_bytes=3), r"n_bytes=3 must be 1, 2, 4 or 8"),
        (lambda: util.peak_pick(Z, **{**PEAKS, "post_max": 0}), r"post_max=0 must be >= 1"),
        (lambda: util.peak_pick(Z, **{**PEAKS, "pre_avg": -1}), r"pre_avg=-1 must be >= 0"),
        (lambda: util.peak_pick(Z, **{**PEAKS, "wait": "2"}), r"wait='2' must be a number"),
        (lambda: util.peak_pick(Z, **{**PEAKS, "delta": -0.1}), r"delta=-0.1 must be >= 0"),
        (lambda: util.peak_pick(np.zeros((2, 5)), **PEAKS),
         r"sparse=True supports 1-D x only, got x.ndim=2: pass sparse=False"),
        (lambda: util.softmask(np.ones(2), np.ones(3)),
         r"X.shape=\(2,\) must equal X_ref.shape=\(3,\)"),
        (lambda: util.softmask(-np.ones(2), np.ones(2)), r"X and X_ref must be non-negative"),
        (lambda: util.softmask(np.ones(2), np.ones(2), power=0),
         r"power=0 must be strictly positive"),
        (lambda: mf.note_to_midi("H4"), r"note='H4' must be a note name like 'A4'"),
        (lambda: mf.midi_to_note(60, octave=False, cents=True), r"cents=True needs octave=True"),
        (lambda: mf.midi_to_note(60, key="D:dorians"),
         r"key='D:dorians' must be a key like 'C:maj', 'F#:min', 'Bb:major' or 'D:dorian'"),
        (lambda: mf.midi_to_note(60, key="C:MAJ"), r"key='C:MAJ' must be a key like"),
        (lambda: mf.frequency_weighting(100.0, kind="K"),
         r"kind='K' must be one of 'A', 'B', 'C', 'D', 'Z' or None"),
        (lambda: mf.tone(440), r"either length= \(samples\) or duration= \(seconds\)"),
        (lambda: mf.tone(440, sr=0, length=10), r"sr=0"),
        (lambda: mf.tone(None, length=10), r"frequency must be given"),  # type: ignore[arg-type]
        (lambda: mf.chirp(fmin=100, fmax=200), r"either length= \(samples\) or duration="),
        (lambda: mf.chirp(fmin=0, fmax=200, length=100),
         r"fmin=0 and fmax=200 must be > 0 for a log sweep"),
        (lambda: mf.clicks(), r"either times= \(seconds\) or frames= must be given"),
        (lambda: mf.clicks(times=[0.1], click_duration=0), r"click_duration=0 must be > 0"),
        (lambda: mf.clicks(times=[0.1], click_freq=-1.0), r"click_freq=-1.0 must be > 0"),
        (lambda: mf.clicks(times=[0.1], length=0), r"length=0 must be a positive integer"),
        (lambda: mf.zero_crossings(np.arange(4)), r"y must be floating-point, got dtype int64"),
        (lambda: mf.lpc(Z, order=0), r"order=0 must be a positive integer"),
        (lambda: mf.lpc(np.arange(4), order=2), r"y must be floating-point"),
    ],
)  # fmt: skip
def test_error_messages(call: Callable[[], Any], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        call()


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: mf.note_to_hz("A4", octave=True), r"note_to_hz\(\) got an unexpected keyword"),
        (lambda: mf.hz_to_note(440.0, round_midi=True), r"hz_to_note\(\) got an unexpected"),
        (lambda: mf.frequency_weighting(100.0, ref=1.0), r"argument 'ref'"),
    ],
)
def test_unknown_kwargs_are_type_errors(call: Callable[[], Any], match: str) -> None:
    with pytest.raises(TypeError, match=match):
        call()
