"""The first hour on the command line, through the installed ``melforge`` entry point.

``python -m melforge``; ``info`` on a folder; rates written as ``16k`` / ``44.1k``;
``convert`` keeping the source's bit depth, reducing it only on request, with optional
TPDF dither; progress bars (``info``, ``featurize``: files, not segments) with a total
and an ETA on a terminal and silence elsewhere; the feature layouts stated in ``--help``
and in ``melforge presets``.  Each item runs at least once through the installed entry
point (a subprocess); the wider grids of cases go through click's runner in this
process, which runs the same code faster.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from melforge.cli._common import parse_rate
from melforge.cli.main import main

MELFORGE = Path(sys.executable).with_name("melforge")
pytestmark = pytest.mark.skipif(not MELFORGE.exists(), reason="melforge entry point not installed")


def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(MELFORGE), *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def invoke(*args: str, code: int = 0):
    """Run the command line in this process (click's runner); check the exit code."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result


def tone(sr: int, seconds: float = 0.5, amp: float = 0.5, f: float = 440.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * f * t)).astype(np.float32)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A folder of recordings: nested, with a hidden file and a non-audio file."""
    root = tmp_path_factory.mktemp("recordings")
    (root / "spk1").mkdir()
    (root / "spk2" / "deep").mkdir(parents=True)
    (root / ".cache").mkdir()
    sf.write(root / "spk1" / "a.wav", tone(16000), 16000, subtype="PCM_16")
    sf.write(root / "spk1" / "b.flac", tone(48000), 48000, subtype="PCM_24")
    sf.write(root / "spk2" / "deep" / "c.wav", tone(8000), 8000, subtype="FLOAT")
    sf.write(root / ".cache" / "hidden.wav", tone(8000), 8000)
    sf.write(root / "spk2" / ".hidden.wav", tone(8000), 8000)
    (root / "notes.txt").write_text("not audio")
    return root


def test_python_dash_m_melforge():
    helped = subprocess.run(
        [sys.executable, "-m", "melforge", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0
    for name in ("info", "plot", "convert", "features", "featurize"):
        assert f"  {name} " in helped.stdout
    bad = subprocess.run([sys.executable, "-m", "melforge", "nonsense"], capture_output=True)
    assert bad.returncode == 2


def test_info_walks_a_folder(tree):
    proc = run("info", str(tree), "--json", check=True)
    rows = json.loads(proc.stdout)
    assert [Path(r["file"]).relative_to(tree).as_posix() for r in rows] == [
        "spk1/a.wav",
        "spk1/b.flac",
        "spk2/deep/c.wav",
    ]
    assert [(r["samplerate"], r["bit_depth"]) for r in rows] == [
        (16000, 16),
        (48000, 24),
        (8000, 32),
    ]
    assert proc.stderr == ""


def test_info_folder_and_files_mixed_and_empty_folder(tree, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run(
        "info", "--no-levels", str(tree / "spk1"), str(tree / "spk2" / "deep" / "c.wav"), str(empty)
    )
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()[1:]  # below the header
    assert len(lines) == 4
    assert ["a.wav" in lines[0], "b.flac" in lines[1], "c.wav" in lines[2]] == [True] * 3
    assert lines[3].startswith(str(empty)) and "error: no audio files" in lines[3]
    assert proc.stderr.splitlines() == [f"melforge: error: {empty}: no audio files in this folder"]


@pytest.mark.parametrize(
    ("text", "hz"),
    [("16k", 16000), ("44.1k", 44100), ("22.05kHz", 22050), ("11.025K", 11025),
     ("8000", 8000), ("8000Hz", 8000), ("16 kHz", 16000), ("+16k", 16000)],
)  # fmt: skip
def test_parse_rate(text, hz):
    assert parse_rate(text) == hz


def test_rates_in_khz_through_the_entry_point(tree, tmp_path):
    out = tmp_path / "out.wav"
    run("convert", str(tree / "spk1" / "a.wav"), str(out), "--sr", "44.1k", check=True)
    assert sf.info(out).samplerate == 44100
    npz = tmp_path / "mel.npz"
    run("features", str(tree / "spk1" / "b.flac"), "-o", str(npz), "--sr", "16k", check=True)
    assert int(np.load(npz)["sr"]) == 16000


def test_plot_takes_khz(tree, tmp_path):
    png = tmp_path / "mel.png"
    invoke("plot", str(tree / "spk1" / "a.wav"), "-o", str(png), "--sr", "8k", "--kind", "mel")
    assert png.stat().st_size > 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [("16kk", "is not a sample rate"), ("44.15005k", "whole number of Hz"), ("-16k", "positive")],
)
def test_bad_rates_are_usage_errors(tree, tmp_path, text, reason):
    r = invoke("convert", str(tree / "spk1" / "a.wav"), str(tmp_path / "x.wav"), "--sr", text,
               code=2)  # fmt: skip
    assert reason in r.output and "--sr" in r.output


def test_24_bit_flac_stays_24_bit_through_the_entry_point(tree, tmp_path):
    out = tmp_path / "x.wav"
    proc = run("convert", str(tree / "spk1" / "b.flac"), str(out), "--sr", "16k", check=True)
    assert sf.info(out).subtype == "PCM_24" and "16000 Hz, 1 ch, PCM_24" in proc.stdout


@pytest.mark.parametrize(
    ("source", "out_name", "subtype"),
    [
        ("spk1/b.flac", "x.flac", "PCM_24"),  # 24-bit FLAC stays 24-bit
        ("spk1/b.flac", "x.wav", "PCM_24"),
        ("spk1/a.wav", "x.flac", "PCM_16"),
        ("spk2/deep/c.wav", "x.wav", "FLOAT"),  # float stays float where the format has it
        ("spk2/deep/c.wav", "x.flac", "PCM_24"),  # FLAC holds at most 24 bits
        ("spk2/deep/c.wav", "x.ogg", "VORBIS"),  # lossy output: the codec
    ],
)
def test_convert_keeps_the_source_bit_depth(tree, tmp_path, source, out_name, subtype):
    out = tmp_path / out_name
    r = invoke("convert", str(tree / source), str(out), "--sr", "16k")
    assert sf.info(out).subtype == subtype
    assert f"16000 Hz, 1 ch, {subtype}" in r.stdout


def test_convert_from_lossy_gets_the_format_default(tree, tmp_path):
    ogg = tmp_path / "x.ogg"
    sf.write(ogg, tone(16000), 16000, format="OGG", subtype="VORBIS")
    invoke("convert", str(ogg), str(tmp_path / "y.wav"))
    assert sf.info(tmp_path / "y.wav").subtype == "PCM_16"


def test_convert_reduces_depth_only_when_asked(tree, tmp_path):
    out = tmp_path / "x16.flac"
    invoke("convert", str(tree / "spk1" / "b.flac"), str(out), "--subtype", "PCM_16")
    y, _ = sf.read(out, dtype="int16")
    src, _ = sf.read(tree / "spk1" / "b.flac", dtype="float32")
    assert sf.info(out).subtype == "PCM_16"
    # plain rounding to the 16-bit grid (no dither): within half a step
    assert np.max(np.abs(y / 32768.0 - src)) <= 0.5 / 32768 + 1e-9


def test_tpdf_dither_keeps_a_signal_below_one_lsb(tmp_path):
    """A sine of 0.4 LSB rounds to silence without dither; TPDF dither keeps it in the noise."""
    sr = 16000
    lsb = 1 / 32768
    quiet = tone(sr, seconds=2.0, amp=0.4 * lsb, f=1000.0)
    src = tmp_path / "quiet.wav"
    sf.write(src, quiet, sr, subtype="FLOAT")
    plain, dith = tmp_path / "plain.wav", tmp_path / "dith.wav"
    invoke("convert", str(src), str(plain), "--subtype", "PCM_16")
    proc = run(
        "convert", str(src), str(dith), "--subtype", "PCM_16", "--dither", "tpdf", check=True
    )
    assert "TPDF dither" in proc.stdout
    y_plain, _ = sf.read(plain, dtype="int16")
    y_dith, _ = sf.read(dith, dtype="int16")
    assert not y_plain.any()
    err = y_dith * lsb - quiet
    assert np.max(np.abs(err)) <= 1.5 * lsb + 1e-12  # +-1 LSB triangular noise, then rounding
    # the sine survives: its projection onto the dithered output is about its own energy
    gain = float(np.dot(y_dith * lsb, quiet) / np.dot(quiet, quiet))
    assert 0.8 < gain < 1.2


def test_dither_needs_an_integer_subtype(tree, tmp_path):
    src = str(tree / "spk1" / "a.wav")
    r = invoke("convert", src, str(tmp_path / "x.ogg"), "--dither", "tpdf", code=2)
    assert "integer PCM subtype" in r.output
    r = invoke("convert", src, str(tmp_path / "x.wav"), "--subtype", "FLOAT", "--dither", "tpdf",
               code=2)  # fmt: skip
    assert "FLOAT" in r.output


def test_progress_is_silent_when_stderr_is_not_a_terminal(tree):
    proc = run("info", str(tree), check=True)
    assert proc.stderr == ""


def on_a_terminal(*args: str) -> str:
    """Run the entry point with stderr on a pseudo-terminal; return what it drew there."""
    master, slave = pty.openpty()
    # a real terminal has a size; tqdm draws nothing on a 0-column one
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([str(MELFORGE), *args], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.communicate(timeout=60)
    assert proc.returncode == 0
    return b"".join(chunks).decode(errors="replace")


def test_progress_on_a_terminal_shows_total_and_eta(tree):
    bar = on_a_terminal("info", "--no-levels", str(tree))
    assert "info:" in bar and "/3 [" in bar, bar  # files counted first: 0/3 ... 3/3
    assert "<" in bar, bar  # elapsed<remaining


def test_featurize_progress_counts_files_of_a_total_with_eta(tree, tmp_path):
    # 3 files of 0.5 s cut into 0.2 s segments: 9 segments, and the bar says 3/3
    bar = on_a_terminal("featurize", str(tree), "-o", str(tmp_path / "o"), "--preset",
                        "librosa-mel", "--workers", "1", "--segment-seconds", "0.2")  # fmt: skip
    assert "featurize:" in bar and "0/3 [" in bar and "3/3 [" in bar, bar
    assert "/9" not in bar and "4/" not in bar, bar  # segments are not counted
    assert "<" in bar and "audio-h/min" in bar, bar  # elapsed<remaining


def test_featurize_progress_is_silent_when_stderr_is_not_a_terminal(tree, tmp_path):
    proc = run("featurize", str(tree), "-o", str(tmp_path / "o"), "--preset", "librosa-mel",
               "--workers", "1", check=True)  # fmt: skip
    assert proc.stderr == "" and "files ok: 3," in proc.stdout, proc.stdout


def test_feature_layouts_are_stated_in_help():
    text = " ".join(run("features", "--help", check=True).stdout.split())
    assert "(bins, frames)" in text
    assert "(n_features, n_frames)" in text and "(n_frames, n_features)" in text
    text = " ".join(run("featurize", "--help", check=True).stdout.split())
    assert "features column of each row is (n_frames, n_features)" in text
    assert "out of the total, with an ETA" in text  # --progress


def test_presets_list_states_each_layout():
    rows = {line.split()[0]: line for line in invoke("presets").output.splitlines()}
    assert "(n_features, n_frames)" in rows["whisper-80"]  # as transformers returns it
    assert "(n_frames, n_features)" in rows["kaldi-fbank-80"]  # Kaldi's layout
