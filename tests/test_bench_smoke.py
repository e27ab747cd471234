"""The benchmark suite at tiny sizes, so that it never rots (the full suite is `make bench`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_bench_smoke_runs_every_case(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--threads", "1", "--profile",
         "--data", str(tmp_path / "data"), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=280, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ratio" in proc.stdout and "status" in proc.stdout  # the printed table

    doc = json.loads((out / "results.json").read_text())
    assert doc["smoke"] is True
    assert doc["machine"]["logical_cores"] >= 1
    assert "numpy" in doc["versions"]
    cases = {row["case"] for row in doc["rows"]}
    listed = subprocess.run([sys.executable, "-m", "bench", "--list"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    for line in listed.splitlines():
        case_id = line.split()[0]
        assert any(c == case_id or c.startswith(case_id + ".") for c in cases), case_id
    for row in doc["rows"]:
        assert row["status"] in {"pass", "FAIL", "info", "n/a", "error"}, row
        # The harness itself must never be the thing that broke.
        assert not row["note"].startswith(("harness error", "setup error")), row
        if row["ratio"] is not None:
            assert row["ratio"] > 0 and row["melforge_s"] > 0 and row["reference_s"] > 0

    md = (out / "RESULTS.md").read_text()
    assert "| case | threads | melforge | reference |" in md
    assert doc["machine"]["cpu"] in md

    (out / "RESULTS.md").unlink()  # --render rebuilds it from the JSON alone
    subprocess.run([sys.executable, "-m", "bench", "--render", str(out / "results.json")],
                   cwd=REPO, capture_output=True, text=True, check=True, timeout=60)
    assert (out / "RESULTS.md").read_text() == md


def test_bench_list_and_only_select_cases() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "--list", "--only", "^db\\."],
                          cwd=REPO, capture_output=True, text=True, check=True)
    ids = [line.split()[0] for line in proc.stdout.splitlines()]
    assert ids == ["db.power", "db.amplitude"]
