"""The gallery scripts of the documentation site (docs/examples/plot_*.py) run as they are.

Each script runs as ``__main__`` in this process, as sphinx-gallery runs it at build
time, with matplotlib's non-interactive Agg backend, in a temporary working directory
and with the temporary-file folder pointing there, so nothing is left behind.  A script
may not warn: a warning would be printed in its rendered page.
"""

from __future__ import annotations

import runpy
import tempfile
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "examples"
SCRIPTS = sorted(GALLERY.glob("plot_*.py"))


def test_gallery_is_found() -> None:
    assert len(SCRIPTS) >= 5, f"expected the gallery scripts in {GALLERY}"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_gallery_script_runs(script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            runpy.run_path(str(script), run_name="__main__")
    finally:
        plt.close("all")
    shown = [
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
        for w in caught
        if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))
    ]
    assert not shown, f"{script.name} warns:\n" + "\n".join(shown)
