"""Golden fixtures of torch-only references: the inputs, the file format, the comparison.

The ``make_<family>.py`` scripts next to this file run the real transformers extractor
(in a separate venv with torch; see each script's docstring) on the inputs built here
and write ``<family>.npz``.  The tests rebuild the same inputs, run melforge and compare.

Inputs are never stored: they are rebuilt from the bundled clips and a seeded generator;
the fixture records a checksum of each input so that a drift (another soxr, say) fails
loudly instead of comparing different signals.

Fixture layout (``np.savez_compressed``): ``versions`` (JSON), ``cases`` (JSON list of
``{"id", "config", "clips", "options"}``), ``in/<clip>`` checksums and one array per
output key: ``<case id>/<key>`` (``<case id>/<key>/<i>`` for ragged lists).
"""

from __future__ import annotations

import functools
import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 16000


@functools.lru_cache(maxsize=4)
def _bundled(kind: str) -> np.ndarray:
    import melforge

    y, _ = melforge.load(melforge.ex(kind), sr=SR)
    y.flags.writeable = False
    return y


def clip(name: str) -> np.ndarray:
    """A named float32 test input at 16 kHz, rebuilt deterministically.

    ``speech:<start>:<stop>`` — samples of the bundled speech clip (soxr_hq to 16 kHz);
    ``noise:<n>:<seed>`` — 0.1 * standard normal; ``sine:<n>:<hz>`` — a 0.5-amplitude sine;
    ``chirp:<start>:<stop>`` — the bundled chirp.
    """
    kind, a, b = name.split(":")
    if kind in ("speech", "chirp"):
        return np.array(_bundled(kind)[int(a) : int(b)], dtype=np.float32)
    if kind == "noise":
        rng = np.random.default_rng(int(b))
        return (0.1 * rng.standard_normal(int(a))).astype(np.float32)
    if kind == "sine":
        t = np.arange(int(a)) / SR
        return (0.5 * np.sin(2 * np.pi * float(b) * t)).astype(np.float32)
    raise ValueError(name)


def checksum(y: np.ndarray) -> np.ndarray:
    """``[sum, sum of squares, length]`` in float64: enough to tell two inputs apart."""
    y64 = y.astype(np.float64)
    return np.array([y64.sum(), np.square(y64).sum(), y64.size])


def versions(*modules: str) -> dict[str, str]:
    """Versions of the named distributions plus Python's."""
    import importlib
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for m in modules:
        try:
            out[m] = version(m)
        except PackageNotFoundError:  # melforge from a source tree on PYTHONPATH
            out[m] = str(importlib.import_module(m).__version__)
    out["python"] = platform.python_version()
    return out


def _as_numpy(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype == object:
        return [np.asarray(v) for v in value]
    if isinstance(value, list) and value and isinstance(value[0], (int, np.integer)):
        return np.asarray(value, dtype=np.int64)
    return value if isinstance(value, list) else np.asarray(value)


def save(path: Path, cases: list[dict[str, Any]], outputs: dict[str, dict], meta: dict) -> None:
    """Write a fixture: ``outputs[case id]`` is the reference's output dict (numpy)."""
    arrays: dict[str, Any] = {
        "versions": np.array(json.dumps(meta, sort_keys=True)),
        "cases": np.array(json.dumps(cases)),
    }
    names = sorted({c for case in cases for c in case["clips"]})
    for name in names:
        arrays[f"in/{name}"] = checksum(clip(name))
    for case in cases:
        for key, value in outputs[case["id"]].items():
            value = _as_numpy(value)
            if isinstance(value, list):
                for i, v in enumerate(value):
                    arrays[f"{case['id']}/{key}/{i}"] = v
            else:
                arrays[f"{case['id']}/{key}"] = value
    np.savez_compressed(path, **arrays)


def load(path: Path) -> tuple[dict, list[dict], dict[str, dict[str, Any]]]:
    """Read a fixture: ``(versions, cases, {case id: {key: array or list}})``."""
    with np.load(path) as f:
        data = {k: f[k] for k in f.files}
    meta = json.loads(str(data.pop("versions")))
    cases = json.loads(str(data.pop("cases")))
    outputs: dict[str, dict[str, Any]] = {c["id"]: {} for c in cases}
    for key, value in data.items():
        if key.startswith("in/"):
            continue
        case_id, _, rest = key.partition("/")
        name, _, index = rest.partition("/")
        if index:
            outputs[case_id].setdefault(name, {})[int(index)] = value
        else:
            outputs[case_id][name] = value
    for out in outputs.values():
        for name, value in list(out.items()):
            if isinstance(value, dict):
                out[name] = [value[i] for i in range(len(value))]
    return meta, cases, outputs


def input_checksums(path: Path) -> dict[str, np.ndarray]:
    """The stored checksum of every input of a fixture."""
    with np.load(path) as f:
        return {k[3:]: f[k] for k in f.files if k.startswith("in/")}


def assert_same(ref: dict[str, Any], got: dict[str, Any], *, atol: float) -> float:
    """Same keys, shapes and dtypes; integer/bool arrays equal; floats within ``atol``.

    Returns the largest absolute difference on float values.
    """
    assert set(ref) == set(got), (sorted(ref), sorted(got))
    worst = 0.0
    for key in ref:
        r, g = ref[key], got[key]
        pairs = list(zip(r, g, strict=True)) if isinstance(r, list) else [(r, g)]
        if isinstance(r, list):
            assert isinstance(g, list), (key, type(g))
        for a, b in pairs:
            a, b = np.asarray(a), np.asarray(b)
            assert a.shape == b.shape, (key, a.shape, b.shape)
            assert a.dtype == b.dtype, (key, a.dtype, b.dtype)
            if a.dtype.kind in "iub":
                np.testing.assert_array_equal(b, a, err_msg=key)
            elif a.size:
                assert np.array_equal(np.isnan(a), np.isnan(b)), key
                diff = float(np.nanmax(np.abs(a.astype(np.float64) - b))) if a.size else 0.0
                assert diff <= atol, f"{key}: max |diff| {diff:.3g} > {atol:g}"
                worst = max(worst, diff)
    return worst
