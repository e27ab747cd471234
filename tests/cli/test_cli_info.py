"""``melforge info``: facts and levels per file; bad files become rows, exit code 1."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from melforge.cli.main import main


@pytest.fixture
def files(tmp_path):
    sr = 16000
    t = np.arange(sr) / sr
    sine = 0.5 * np.sin(2 * np.pi * 440 * t)
    clipped = np.clip(1.5 * np.sin(2 * np.pi * 100 * t), -1, 1)
    paths = {
        "sine16": tmp_path / "sine16.wav",
        "clip24": tmp_path / "clip24.flac",
        "float": tmp_path / "float.wav",
        "mp3": tmp_path / "tone.mp3",
        "garbage": tmp_path / "garbage.wav",
        "empty": tmp_path / "empty.mp3",
        "missing": tmp_path / "missing.ogg",
    }
    sf.write(paths["sine16"], sine, sr, subtype="PCM_16")
    sf.write(paths["clip24"], np.stack([clipped, sine], axis=1), 48000, subtype="PCM_24")
    sf.write(paths["float"], 2 * sine, sr, subtype="FLOAT")
    sf.write(paths["mp3"], sine, sr, format="MP3")
    paths["garbage"].write_bytes(b"this is not audio" * 10)
    paths["empty"].write_bytes(b"")
    return {k: str(v) for k, v in paths.items()}


def test_json_facts_and_levels(files):
    result = CliRunner().invoke(
        main, ["info", "--json", files["sine16"], files["clip24"], files["float"], files["mp3"]]
    )
    assert result.exit_code == 0, result.output
    rows = {r["file"]: r for r in json.loads(result.stdout)}
    s = rows[files["sine16"]]
    assert (s["format"], s["subtype"], s["bit_depth"], s["samplerate"], s["channels"]) == (
        "WAV",
        "PCM_16",
        16,
        16000,
        1,
    )
    assert s["duration"] == pytest.approx(1.0)
    assert s["peak_dbfs"] == pytest.approx(20 * np.log10(0.5), abs=0.01)
    assert s["rms_dbfs"] == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.01)
    assert s["clipped"] == 0 and s["error"] is None
    c = rows[files["clip24"]]
    assert (c["bit_depth"], c["samplerate"], c["channels"]) == (24, 48000, 2)
    assert c["clipped"] > 1000  # the flat tops of the clipped channel
    m = rows[files["mp3"]]
    assert (m["format"], m["bit_depth"]) == ("MP3", None)
    assert m["peak_dbfs"] == pytest.approx(20 * np.log10(0.5), abs=1.0)  # lossy
    f = rows[files["float"]]
    assert f["subtype"] == "FLOAT" and f["peak_dbfs"] == pytest.approx(0.0, abs=0.01)


def test_bad_files_are_rows_with_reasons(files):
    args = ["info", files["sine16"], files["garbage"], files["empty"], files["missing"]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["file", "format", "subtype"]
    assert len(lines) == 5
    assert "PCM_16" in lines[1]
    for name, line in zip(("garbage", "empty", "missing"), lines[2:], strict=True):
        assert line.startswith(files[name]) and "error:" in line
    assert "no such file" in lines[4]
    err = result.stderr.strip().splitlines()
    assert len(err) == 3 and all(e.startswith("melforge: error: ") for e in err)
    assert "Traceback" not in result.output


def test_many_files_no_levels_no_progress_bar(files, tmp_path):
    many = [files["sine16"]] * 150 + [files["missing"]] * 50
    result = CliRunner().invoke(main, ["info", "--no-levels", "--json", *many])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert len(rows) == 200 and sum(r["error"] is not None for r in rows) == 50
    assert rows[0]["peak_dbfs"] is None
    assert "it/s" not in result.stderr and "%|" not in result.stderr


def test_usage_errors():
    runner = CliRunner()
    assert runner.invoke(main, ["info"]).exit_code == 2
    assert runner.invoke(main, ["info", "--bogus", "x.wav"]).exit_code == 2


def test_durations_read_in_ms_s_and_minutes(tmp_path):
    from melforge.cli.info_cmd import _fmt_duration

    assert [_fmt_duration(x) for x in (100 / 22050, 9.62, 75.5, 3725.0)] == [
        "4.5 ms",
        "9.62 s",
        "1:15.50",
        "1:02:05.00",
    ]
    path = tmp_path / "short.wav"
    sf.write(path, np.zeros(100), 22050)
    r = CliRunner().invoke(main, ["info", str(path)])
    assert r.exit_code == 0 and "4.5 ms" in r.stdout.splitlines()[1]


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import sys

    from melforge.cli._common import progress

    items = [1, 2, 3]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert progress(items) is items
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    bar = progress(items, total=3, desc="info")
    assert type(bar).__name__ == "tqdm" and list(bar) == items
