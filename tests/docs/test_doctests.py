"""Every ``Examples`` section in ``src/melforge`` runs as a doctest.

The modules are found by walking the installed package, so a new module is covered
without editing this file; a module that fails to import fails here rather than being
passed over. Examples marked ``# doctest: +SKIP`` are not run and are listed in a
warning (they show in pytest's warnings summary), never skipped silently.

Each module's examples run with matplotlib's Agg backend in a temporary working
directory, so an example may write files.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import pkgutil
import re
import warnings
from pathlib import Path

import matplotlib
import pytest

import melforge

matplotlib.use("Agg")

MODULES = sorted(info.name for info in pkgutil.walk_packages(melforge.__path__, prefix="melforge."))
if importlib.util.find_spec("torch") is None:  # the torch backend imports torch (make test-torch)
    MODULES = [m for m in MODULES if not m.startswith("melforge._torch")]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_SKIP = re.compile(r"doctest:.*\+SKIP")


def test_modules_are_found() -> None:
    assert "melforge.audio" in MODULES and "melforge.spectral.fourier" in MODULES


@pytest.mark.parametrize("modname", MODULES)
def test_doctests(modname: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.pyplot as plt

    module = importlib.import_module(modname)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, modname)
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    skipped = []
    try:
        for test in tests:
            out: list[str] = []
            runner.run(test, out=out.append)
            skipped += [
                f"{test.name}:{ex.lineno + (test.lineno or 0) + 1}"
                for ex in test.examples
                if ex.options.get(doctest.SKIP) or _SKIP.search(ex.source)
            ]
            assert not runner.failures, f"{test.name} ({test.filename}):\n" + "".join(out)
    finally:
        plt.close("all")
    if skipped:
        warnings.warn(
            f"{modname}: {len(skipped)} example line(s) marked +SKIP: {', '.join(skipped)}",
            UserWarning,
            stacklevel=1,
        )


#: Namespaces whose public functions and classes must show an example.
NAMESPACES = [
    "melforge",
    "melforge.io",
    "melforge.spectral",
    "melforge.filters",
    "melforge.feature",
    "melforge.presets",
    "melforge.display",
    "melforge.pipeline",
    "melforge.util",
    "melforge.effects",
    "melforge.feature.inverse",
]


def _public(namespace: str) -> list[tuple[str, object]]:
    module = importlib.import_module(namespace)
    out = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if not callable(obj) or inspect.ismodule(obj):
            continue
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        out.append((f"{namespace}.{name}", obj))
    return out


def test_public_names_have_examples() -> None:
    """Every public function and class (errors aside) shows how it is used."""
    missing = [
        qualname
        for namespace in NAMESPACES
        for qualname, obj in _public(namespace)
        if "Examples\n--------" not in (inspect.getdoc(obj) or "")
    ]
    assert not missing, f"public names without an Examples section: {missing}"
