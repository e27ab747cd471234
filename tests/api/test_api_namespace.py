"""The public namespace: lazy, complete, light to import, and layered."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import melforge

SRC = Path(melforge.__file__).parent

HEAVY = ("matplotlib", "av", "pyarrow", "dask", "click", "scipy.signal", "librosa", "numba")


def _fresh(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.strip()


def test_import_pulls_in_nothing_heavy():
    loaded = _fresh(
        "import sys, melforge; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert loaded == ""


def test_first_mel_spectrogram_pulls_in_nothing_heavy():
    code = (
        "import sys, numpy as np, melforge; "
        "y = np.zeros(22050, dtype=np.float32); "
        "melforge.feature.melspectrogram(y=y, sr=22050); "
        "melforge.power_to_db(np.ones((2, 2), dtype=np.float32)); "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert _fresh(code) == ""


@pytest.mark.parametrize("name", sorted(melforge._LAZY))
def test_every_lazy_name_resolves(name):
    assert getattr(melforge, name) is not None


@pytest.mark.parametrize("name", sorted(melforge._SUBMODULES))
def test_every_submodule_resolves(name):
    assert getattr(melforge, name).__name__ == f"melforge.{name}"


def test_feature_namespace_resolves():
    feature = importlib.import_module("melforge.feature")
    for name in feature.__all__:
        assert callable(getattr(feature, name)), name


def test_dir_lists_public_names():
    assert {"load", "stft", "display", "feature", "AudioError"} <= set(dir(melforge))


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        melforge.nope  # noqa: B018


def test_stub_matches_lazy_table():
    """``__init__.pyi`` re-exports exactly the lazy names, from the same modules."""
    tree = ast.parse((SRC / "__init__.pyi").read_text())
    stub: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
            for alias in node.names:
                stub[alias.asname or alias.name] = node.module
    for name, module in melforge._LAZY.items():
        assert stub.get(name) == module, name


# --- layering -------------------------------------------------------------------------

#: Rank of each top-level part; a module may import only parts of equal or lower rank.
RANK = {
    "_errors": 0,
    "_validate": 0,
    "convert": 0,
    "examples": 0,
    "io": 1,
    "resampling": 2,
    "audio": 3,
    "spectral": 4,
    "filters": 5,
    "feature": 6,
    "presets": 7,
    "effects": 7,
    "display": 8,
    "pipeline": 8,
    "cli": 9,
    "util": 0,
    "notes": 0,
    "fftlib": 0,
    "signals": 0,
    "weighting": 4,
    "_tensors": 0,  # is_tensor(): recognizes torch tensors without importing torch
    "_torch": 4,  # the torch backend; takes its banks from filters/feature as arguments
    "__main__": 9,  # python -m melforge: the command line
    "data": 9,  # training-time loading (torch on demand), a consumer of pipeline
    "hf": 9,  # Hugging Face datasets.map functions, a consumer of presets and audio
}


def _part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "melforge" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[str]:
    """Every melforge module (or top-level lazy name's module) imported by ``path``."""
    rel = path.relative_to(SRC.parent).with_suffix("")
    package = list(rel.parts[:-1])  # for __init__, "." is the package itself
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "melforge":
                for alias in node.names:
                    found.append(melforge._LAZY.get(alias.name, f"melforge.{alias.name}"))
            else:
                found.append(module)
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.name != "__init__.py" or p.parent != SRC)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path):
    own = path.relative_to(SRC).parts[0].removesuffix(".py")
    if own not in RANK:
        pytest.fail(f"{own} has no rank in the layering table")
    for module in _imports(path):
        target = _part(module)
        if target is None or target == own or target not in RANK:
            continue
        assert RANK[target] <= RANK[own], f"{own} imports {module}, a higher layer"
        if {own, target} == {"display", "pipeline"}:
            pytest.fail(f"{own} imports {module}: display and pipeline stay independent")
