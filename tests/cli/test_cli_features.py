"""``melforge features``: the arrays equal the library's, in .npy, .npz and .csv."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

import melforge
from melforge.cli.main import main


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("feat") / "tone.flac"
    sr = 16000
    t = np.arange(sr) / sr
    sf.write(path, 0.3 * np.sin(2 * np.pi * 440 * t), sr, subtype="PCM_16")
    return str(path)


def _run(*args):
    result = CliRunner().invoke(main, ["features", *args])
    assert result.exit_code == 0, result.output
    return result


def test_npy_matches_the_library(clip, tmp_path):
    y, sr = melforge.load(clip, sr=16000)
    out = tmp_path / "mel.npy"
    _run(clip, "--kind", "mel", "--sr", "16000", "--n-mels", "40", "-o", str(out))
    mel = np.load(out)
    expect = melforge.feature.melspectrogram(y=y, sr=sr, n_mels=40)
    assert mel.dtype == np.float32 and mel.shape == expect.shape == (40, 32)
    np.testing.assert_array_equal(mel, expect)  # same call, bit-identical

    out = tmp_path / "mfcc.npy"
    _run(clip, "--kind", "mfcc", "--sr", "16000", "--n-mfcc", "13", "-o", str(out))
    np.testing.assert_array_equal(np.load(out), melforge.feature.mfcc(y=y, sr=sr, n_mfcc=13))

    out = tmp_path / "stft.npy"
    _run(clip, "--kind", "stft", "--sr", "native", "--n-fft", "512", "--hop", "160", "-o", str(out))
    D = np.load(out)
    assert D.dtype == np.complex64 and D.shape == (257, 1 + 16000 // 160)


def test_npz_carries_axes_and_parameters(clip, tmp_path):
    out = tmp_path / "f.npz"
    r = _run(clip, "--kind", "db-mel", "--n-mels", "32", "--fmax", "4000", "-o", str(out))
    assert "(bins, frames)" in r.stdout
    z = np.load(out)
    y, sr = melforge.load(clip)
    mel = melforge.feature.melspectrogram(y=y, sr=sr, n_mels=32, fmax=4000)
    np.testing.assert_array_equal(z["features"], melforge.power_to_db(mel))  # ref=1.0
    assert str(z["kind"]) == "db-mel" and int(z["sr"]) == 22050 and int(z["hop_length"]) == 512
    assert z["times"].shape == (z["features"].shape[1],) and z["times"][1] == pytest.approx(
        512 / 22050
    )
    assert z["frequencies"].shape == (32,) and 0 < z["frequencies"][0] < z["frequencies"][-1] < 4000


def test_csv_one_row_per_frame(clip, tmp_path):
    out = tmp_path / "f.csv"
    _run(clip, "--kind", "stft", "--n-fft", "256", "-o", str(out))
    header = out.read_text().splitlines()[0].split(",")
    assert header[0] == "time_s" and header[1] == "0.0Hz" and len(header) == 1 + 129
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    assert table.shape[1] == 130 and np.all(table[:, 1:] >= 0)  # |STFT|


def test_errors(clip, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["features", clip, "-o", str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "must end in .npy, .npz, .csv" in r.output
    r = runner.invoke(main, ["features", clip, "--kind", "chroma", "-o", str(tmp_path / "x.npy")])
    assert r.exit_code == 2
    r = runner.invoke(main, ["features", clip])
    assert r.exit_code == 2 and "Missing option '-o'" in r.output
    bad = tmp_path / "bad.flac"
    bad.write_bytes(b"fLaC" + b"\x00" * 40)
    r = runner.invoke(main, ["features", str(bad), "-o", str(tmp_path / "x.npy")])
    assert r.exit_code == 1 and r.stderr.startswith(f"melforge: error: {bad}")
    assert r.stderr.count("\n") == 1
