"""Every command on every supported container: WAV, FLAC, Ogg Vorbis, MP3, AAC in MP4."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from melforge.cli.main import main

SR = 44100


def _write_m4a(path, y: np.ndarray) -> None:
    """AAC in MP4 (libsndfile cannot write it; PyAV can)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=SR)
        stream.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(y.T, dtype=np.float32), format="fltp", layout="stereo"
        )
        frame.sample_rate = SR
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    t = np.arange(SR // 2) / SR
    y = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.25 * np.sin(2 * np.pi * 1000 * t)], 1)
    paths = {}
    for ext, kw in {
        "wav": {"subtype": "PCM_24"},
        "flac": {"subtype": "PCM_16"},
        "ogg": {},
        "mp3": {},
    }.items():
        paths[ext] = folder / f"tone.{ext}"
        sf.write(paths[ext], y, SR, **kw)
    paths["m4a"] = folder / "tone.m4a"
    _write_m4a(paths["m4a"], y)
    return {k: str(v) for k, v in paths.items()}


def test_info_reads_every_format(clips):
    r = CliRunner().invoke(main, ["info", "--json", *clips.values()])
    assert r.exit_code == 0, r.output
    rows = {row["file"]: row for row in json.loads(r.stdout)}
    for path in clips.values():
        row = rows[path]
        assert row["error"] is None and row["samplerate"] == SR and row["channels"] == 2
        # 0.5 s of audio; lossy codecs add up to ~50 ms of priming/padding
        assert row["duration"] == pytest.approx(0.5, abs=0.05)
        # 440 Hz at 0.5: peak -6.0 dBFS; FFmpeg's AAC encoder overshoots the abrupt onset
        # (to 0.75, the same as FFmpeg's own decode), the other codecs by under 1 dB
        assert row["peak_dbfs"] == pytest.approx(-6.02, abs=4.0 if path.endswith("m4a") else 1.0)


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3", "m4a"])
def test_plot_convert_features_on_every_format(clips, ext, tmp_path):
    runner = CliRunner()
    png = tmp_path / "mel.png"
    r = runner.invoke(main, ["plot", clips[ext], "--kind", "mel", "-o", str(png)])
    assert r.exit_code == 0, r.output
    assert png.read_bytes().startswith(b"\x89PNG")
    wav = tmp_path / "asr.wav"
    args = ["convert", clips[ext], str(wav), "--sr", "16000", "--mono", "--subtype", "PCM_16"]
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    info = sf.info(wav)
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
    npy = tmp_path / "mel.npy"
    r = runner.invoke(main, ["features", clips[ext], "--kind", "db-mel", "-o", str(npy)])
    assert r.exit_code == 0, r.output
    assert np.load(npy).shape[0] == 128
