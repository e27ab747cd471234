"""`melforge featurize` through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as pads
import pytest
import soundfile as sf
from click.testing import CliRunner

from melforge.cli.featurize_cmd import featurize

# The test presets live in tests/pipeline/pipeline_testkit.py (never in the package);
# the command's worker processes find them through PYTHONPATH.
TESTKIT = str(Path(__file__).resolve().parent.parent / "pipeline")
if TESTKIT not in sys.path:
    sys.path.insert(0, TESTKIT)
if TESTKIT not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (TESTKIT, os.environ.get("PYTHONPATH", "")) if p
    )
TINY = "pipeline_testkit:TinyPreset"


def clips(root: Path, n: int = 3) -> Path:
    import numpy as np

    root.mkdir(parents=True)
    for i in range(n):
        y = (0.2 * np.sin(np.arange(8000) * (0.05 + 0.01 * i))).astype("float32")
        sf.write(root / f"c{i}.wav", y, 16000)
    return root


def test_cli_runs_and_prints_summary(tmp_path: Path) -> None:
    data = clips(tmp_path / "data")
    out = tmp_path / "out"
    r = CliRunner().invoke(
        featurize, [str(data), "-o", str(out), "--preset", TINY, "--workers", "1", "--no-progress"]
    )
    assert r.exit_code == 0, r.output
    assert "files ok: 3, failed: 0" in r.output and "audio-h/min" in r.output
    assert pads.dataset(out, format="parquet").count_rows() == 3


def test_cli_exit_code_1_when_an_input_fails(tmp_path: Path) -> None:
    data = clips(tmp_path / "data")
    (data / "bad.flac").write_bytes(b"fLaC not really")
    r = CliRunner().invoke(
        featurize, [str(data), "-o", str(tmp_path / "o"), "--preset", TINY, "--no-progress"]
    )
    assert r.exit_code == 1
    assert "failed: 1" in r.output and "_errors.jsonl" in r.output


def test_cli_usage_errors(tmp_path: Path) -> None:
    data = clips(tmp_path / "data")
    r = CliRunner().invoke(
        featurize, [str(data), "-o", str(tmp_path / "o"), "--preset", TINY, "--workers", "0"]
    )
    assert r.exit_code == 2 and "--workers 0 must be a positive integer" in r.output
    r = CliRunner().invoke(featurize, [str(data)])
    assert r.exit_code == 2 and "Missing option '-o'" in r.output
    r = CliRunner().invoke(featurize, ["--help"])
    assert r.exit_code == 0 and "--segment-seconds" in r.output and "--engine" in r.output
    assert "--verify-content" in r.output and "(n_frames, n_features)" in r.output
    assert "3 when the output cannot be written" in " ".join(r.output.split())


@pytest.mark.slow
def test_cli_as_a_subprocess(tmp_path: Path) -> None:
    data = clips(tmp_path / "data")
    exe = shutil.which("melforge", path=str(Path(sys.executable).parent))
    has_group = (
        exe is not None
        and subprocess.run([exe, "featurize", "--help"], capture_output=True).returncode == 0
    )
    cmd = [exe, "featurize"] if has_group else [sys.executable, "-m", "melforge.cli.featurize_cmd"]
    p = subprocess.run(
        [*cmd, str(data), "-o", str(tmp_path / "o"), "--preset", TINY, "--no-progress"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert "files ok: 3" in p.stdout


def test_cli_recipe_change_needs_overwrite_and_resume_is_default(tmp_path: Path) -> None:
    data = clips(tmp_path / "data")
    out = str(tmp_path / "o")
    base = [str(data), "-o", out, "--workers", "1", "--no-progress"]
    assert CliRunner().invoke(featurize, [*base, "--preset", TINY]).exit_code == 0
    r = CliRunner().invoke(featurize, [*base, "--preset", "kaldi-fbank-80"])
    assert r.exit_code == 2 and "different recipe; pass --overwrite to replace it" in r.output
    assert "overwrite=True" not in r.output  # the command's own spelling
    r = CliRunner().invoke(featurize, [*base, "--preset", TINY])  # resumes: nothing left
    assert r.exit_code == 0 and "files ok: 0, failed: 0, skipped (already done): 3" in r.output
    r = CliRunner().invoke(featurize, [*base, "--preset", TINY, "--no-resume"])
    assert r.exit_code == 2
    assert "already holds this dataset and --no-resume; pass --overwrite" in r.output
    r = CliRunner().invoke(featurize, [*base, "--preset", "kaldi-fbank-80", "--overwrite"])
    assert r.exit_code == 0 and "files ok: 3" in r.output
    features = pads.dataset(out, format="parquet").schema.field("features")
    assert features.type.value_type.list_size == 80


def test_cli_summary_names_the_errors_file(tmp_path: Path) -> None:
    data = clips(tmp_path / "data")
    (data / "bad.wav").write_bytes(b"RIFF junk")
    out = tmp_path / "o"
    r = CliRunner().invoke(featurize, [str(data), "-o", str(out), "--preset", TINY,
                                       "--workers", "1", "--no-progress"])  # fmt: skip
    assert r.exit_code == 1
    assert f"errors: {out / '_errors.jsonl'}" in r.output


def test_cli_warnings_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(featurize, [str(tmp_path / "empty"), "-o", str(tmp_path / "o"),
                                       "--preset", TINY, "--no-progress"])  # fmt: skip
    assert r.exit_code == 0
    assert "melforge: warning: no audio inputs found in" in r.output
    assert "UserWarning" not in r.output
