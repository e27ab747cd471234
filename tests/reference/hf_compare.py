"""Compare a melforge ``preset.batch`` dict with a transformers extractor's output."""

from __future__ import annotations

from typing import Any

import numpy as np


def assert_same_batch(
    ref: Any, got: dict[str, Any], *, atol: float, atol_by_key: dict | None = None
) -> float:
    """Same keys, shapes and dtypes; masks exactly equal; values within ``atol``.

    ``ref`` is what the transformers extractor returned with ``return_tensors="np"``:
    ragged (unpadded) values are object arrays there and lists here.  Returns the largest
    absolute difference seen on float values.
    """
    atol_by_key = atol_by_key or {}
    assert set(ref.keys()) == set(got.keys()), (sorted(ref.keys()), sorted(got.keys()))
    worst = 0.0
    for key in ref.keys():
        r, g = ref[key], got[key]
        if isinstance(r, np.ndarray) and r.dtype == object:
            assert isinstance(g, list) and len(g) == len(r), (key, type(g))
            pairs = list(zip(r, g, strict=True))
        else:
            assert isinstance(g, np.ndarray), (key, type(g))
            pairs = [(np.asarray(r), g)]
        for a, b in pairs:
            a = np.asarray(a)
            assert a.shape == b.shape, (key, a.shape, b.shape)
            assert a.dtype == b.dtype, (key, a.dtype, b.dtype)
            if a.dtype.kind in "iub":
                np.testing.assert_array_equal(b, a, err_msg=key)
            else:
                diff = float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0
                limit = atol_by_key.get(key, atol)
                assert diff <= limit, f"{key}: max |diff| {diff:.3g} > {limit:g}"
                worst = max(worst, diff)
    return worst
