"""Cutting a long file into segments with load(offset=k*T, duration=T).

The pipeline does this on multi-hour files; each call must seek (not decode from the
start) and the segments must join into the whole file sample for sample.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import melforge
from melforge.io import _ffmpeg, _soundfile
from melforge.io._ffmpeg import encode


def _chirp(sr: int, seconds: float) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    f = 150 * t + 300 * t**2 / seconds
    return (0.4 * np.sin(2 * np.pi * f)).astype(np.float32)


@pytest.mark.parametrize("fmt", ["flac", "mp3", "ogg", "wav"])
def test_libsndfile_segments_join_exactly(tmp_path, monkeypatch, fmt):
    """Including the last Ogg page, where libsndfile's own Vorbis seek is 384 samples off.

    Each segment decodes only itself (plus MP3's 16384-sample pre-roll; in the last Ogg
    page, that page's start plus 4096 samples: ~1 s here), not the audio before it.
    """
    sr, seconds, seg = 16000, 40.0, 7.5
    path = tmp_path / f"long.{fmt}"
    sf.write(path, _chirp(sr, seconds), sr)
    whole, _ = melforge.load(path, sr=None)
    decoded = []
    real = _soundfile.SoundfileReader._read

    def counting(self, out, n):
        got = real(self, out, n)
        decoded.append(got)
        return got

    monkeypatch.setattr(_soundfile.SoundfileReader, "_read", counting)
    slack = {"mp3": _soundfile.MP3_PREROLL, "ogg": 4096 + 2 * sr}.get(fmt, 0)
    parts = []
    k = 0
    while k * seg < whole.size / sr:
        decoded.clear()
        y, _ = melforge.load(path, sr=None, offset=k * seg, duration=seg)
        assert y.size == min(int(seg * sr), whole.size - int(k * seg * sr))
        assert sum(decoded) <= y.size + slack, (k, sum(decoded))
        parts.append(y)
        k += 1
    joined = np.concatenate(parts)
    assert joined.shape == whole.shape
    # FLAC/Vorbis: bit-identical.  MP3: libsndfile's decoder is cold after a seek, so we
    # seek 16384 samples early and decode forward; the result then matches a decode from
    # the start to float rounding (the synthesis filter's state differs by ~1 ulp).
    tol = 1e-6 if fmt == "mp3" else 0.0
    assert np.abs(joined - whole).max() <= tol


def test_resampled_segments_have_librosa_lengths(tmp_path):
    sr = 44100
    path = tmp_path / "long.wav"
    sf.write(path, _chirp(sr, 12.0), sr)
    for k in range(4):
        y, out_sr = melforge.load(path, sr=16000, offset=k * 3.0, duration=3.0)
        assert out_sr == 16000 and y.shape == (48000,)


@pytest.mark.slow
def test_ffmpeg_segments_seek_and_join(tmp_path, monkeypatch):
    """M4A: every segment lands on the right sample and decodes only its neighbourhood."""
    sr, seconds, seg = 16000, 90.0, 10.0
    path = tmp_path / "long.m4a"
    encode(path, _chirp(sr, seconds), sr, codec="aac", format="mp4")
    whole, _ = melforge.load(path, sr=None)

    decoded = []
    real = _ffmpeg.AvReader._decode_next

    def counting(self):
        frame = real(self)
        if frame is not None:
            decoded.append(frame.samples)
        return frame

    monkeypatch.setattr(_ffmpeg.AvReader, "_decode_next", counting)
    parts = []
    for k in range(int(np.ceil(whole.size / (seg * sr)))):
        decoded.clear()
        y, _ = melforge.load(path, sr=None, offset=k * seg, duration=seg)
        parts.append(y)
        # decoded: the segment, the 0.5 s pre-roll and a few frames of slack -- not the
        # k * 10 s before it
        assert sum(decoded) <= (seg + 0.5) * sr + 4 * 1024, (k, sum(decoded))
    joined = np.concatenate(parts)
    assert joined.shape == whole.shape
    # sample-aligned; the AAC decoder re-converges after the pre-roll to ~1e-5
    assert np.abs(joined - whole).max() < 1e-4
