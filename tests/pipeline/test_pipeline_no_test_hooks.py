"""The shipped package holds no test machinery: fault injection lives in tests/ only."""

from __future__ import annotations

import re
from pathlib import Path

import melforge

SRC = Path(melforge.__file__).resolve().parent


def test_no_fault_injection_in_the_package() -> None:
    pattern = re.compile(r"MELFORGE_TEST_|os\.abort\(|string_at\(0\)")
    hits = [f"{p.relative_to(SRC)}:{n}"
            for p in sorted(SRC.rglob("*.py"))
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]  # fmt: skip
    assert hits == []
    assert not (SRC / "pipeline" / "_testing.py").exists()
