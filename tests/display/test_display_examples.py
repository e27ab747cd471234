"""Bundled example clips: present, small, decodable, documented; unknown names raise."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import melforge
from melforge.examples import describe_example

EXPECTED = {  # name: (samplerate, channels, seconds, subtype)
    "speech": (22050, 1, 9.62, "PCM_16"),
    "music": (44100, 2, 6.0, "VORBIS"),
    "chirp": (22050, 1, 5.0, "PCM_24"),
}


def test_list_and_paths():
    assert melforge.list_examples()[:3] == list(EXPECTED)  # then librosa's downloadable keys
    paths = [Path(melforge.ex(name)) for name in EXPECTED]
    assert all(p.is_file() and p.is_absolute() for p in paths)
    assert sum(p.stat().st_size for p in paths) < 1.5e6
    assert melforge.ex("speech", hq=True) == melforge.ex("speech")


@pytest.mark.parametrize("name", list(EXPECTED))
def test_clip_decodes_as_documented(name):
    sr, ch, seconds, subtype = EXPECTED[name]
    info = sf.info(melforge.ex(name))
    assert (info.samplerate, info.channels, info.subtype) == (sr, ch, subtype)
    assert info.duration == pytest.approx(seconds, abs=0.01)
    y, _ = sf.read(melforge.ex(name), dtype="float32")
    peak = float(np.max(np.abs(y)))
    assert 0.1 < peak < 1.0  # audible, not clipped
    assert name in describe_example(name) or describe_example(name)


def test_chirp_tones_where_documented():
    y, sr = sf.read(melforge.ex("chirp"), dtype="float64")
    tail = y[int(3.5 * sr) : int(4.5 * sr)]
    spec = np.abs(np.fft.rfft(tail * np.hanning(tail.size)))
    freqs = np.fft.rfftfreq(tail.size, 1 / sr)
    peaks = []
    for f0 in (440, 1000, 3000):
        band = (freqs > f0 - 50) & (freqs < f0 + 50)
        k = np.flatnonzero(band)[np.argmax(spec[band])]
        assert abs(freqs[k] - f0) <= 1.0
        peaks.append(spec[k])
    assert np.allclose(np.array(peaks) / peaks[0], [1, 2 / 3, 1 / 3], rtol=0.02)  # 0.3/0.2/0.1


def test_provenance_lists_every_clip_with_its_checksum():
    here = Path(melforge.ex("speech")).parent.parent
    text = (here / "PROVENANCE.md").read_text()
    assert "CC0" in text and "espeak-ng" in text
    for name in EXPECTED:
        path = Path(melforge.ex(name))
        assert f"data/{path.name}" in text
        assert hashlib.sha256(path.read_bytes()).hexdigest() in text


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(
        melforge.ParameterError,
        match=r"unknown example 'trumpets'; the bundled examples are 'speech', 'music', 'chirp'",
    ):
        melforge.ex("trumpets")
    with pytest.raises(melforge.ParameterError, match="unknown example 3"):
        melforge.ex(3)  # type: ignore[arg-type]
    with pytest.raises(melforge.ParameterError, match="unknown example 'x'"):
        describe_example("x")
