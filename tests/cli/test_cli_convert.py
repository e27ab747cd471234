"""``melforge convert``: the ASR preparation (44.1 kHz stereo to 16 kHz mono 16-bit)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from melforge.cli.main import main


@pytest.fixture(scope="module")
def stereo(tmp_path_factory):
    path = tmp_path_factory.mktemp("convert") / "stereo44.ogg"
    sr = 44100
    t = np.arange(sr) / sr
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    sf.write(path, np.stack([left, left], axis=1), sr, format="OGG", subtype="VORBIS")
    return str(path)


def test_mp3_like_lossy_stereo_to_16k_mono_pcm16(stereo, tmp_path):
    out = tmp_path / "asr.wav"
    r = CliRunner().invoke(
        main, ["convert", stereo, str(out), "--sr", "16000", "--mono", "--subtype", "PCM_16"]
    )
    assert r.exit_code == 0, r.output
    y, sr = sf.read(out, dtype="float32")
    info = sf.info(out)
    assert (sr, info.channels, info.subtype) == (16000, 1, "PCM_16")
    assert abs(len(y) - 16000) <= 1
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert abs(np.argmax(spec) * sr / len(y) - 440) < 2
    assert "-> " in r.stdout and "16000 Hz, 1 ch, PCM_16" in r.stdout


def test_native_rate_flac_24(stereo, tmp_path):
    out = tmp_path / "x.flac"
    r = CliRunner().invoke(main, ["convert", stereo, str(out), "--subtype", "pcm_24"])
    assert r.exit_code == 0, r.output
    info = sf.info(out)
    assert (info.samplerate, info.channels, info.subtype) == (44100, 2, "PCM_24")


def test_clipping_is_a_one_line_warning(tmp_path):
    src = tmp_path / "loud.wav"
    sf.write(src, np.full(1000, 1.5, dtype=np.float32), 8000, subtype="FLOAT")
    r = CliRunner().invoke(
        main, ["convert", str(src), str(tmp_path / "out.wav"), "--subtype", "PCM_16"]
    )
    assert r.exit_code == 0, r.output
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("melforge: warning: ")]
    assert len(warnings) == 1 and "clip" in warnings[0]


def test_errors(stereo, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["convert", stereo, str(tmp_path / "x.xyz")])
    assert r.exit_code == 2 and "must end in" in r.output
    r = runner.invoke(main, ["convert", stereo, str(tmp_path / "x.wav"), "--subtype", "PCM_12"])
    assert r.exit_code == 2
    r = runner.invoke(main, ["convert", stereo, str(tmp_path / "x.wav"), "--sr", "-5"])
    assert r.exit_code == 2 and "positive sample rate" in r.output
    r = runner.invoke(main, ["convert", stereo])
    assert r.exit_code == 2
    r = runner.invoke(main, ["convert", stereo, str(tmp_path / "x.wav"), "--res-type", "kaiser"])
    assert r.exit_code == 2 and "Invalid value for '--res-type'" in r.output
    r = runner.invoke(main, ["convert", str(tmp_path / "none.mp3"), str(tmp_path / "x.wav")])
    assert r.exit_code == 1 and "no such file" in r.stderr
    r = runner.invoke(main, ["convert", stereo, str(tmp_path / "missing" / "x.wav")])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.output
