"""The gallery scripts of the documentation site (docs/examples/plot_*.py) run as they are.

Each script runs in a fresh interpreter (as sphinx-gallery runs it at build time) with
matplotlib's non-interactive Agg backend, in a temporary working directory and with
TMPDIR pointing there, so nothing is left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "examples"
SCRIPTS = sorted(GALLERY.glob("plot_*.py"))


def test_gallery_is_found() -> None:
    assert len(SCRIPTS) >= 5, f"expected the gallery scripts in {GALLERY}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_gallery_script_runs(script: Path, tmp_path: Path) -> None:
    env = dict(os.environ, MPLBACKEND="Agg", TMPDIR=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout}\n{proc.stderr}"
    # A script that warns would print the warning in the rendered page: keep them clean.
    assert "Warning" not in proc.stderr, proc.stderr
