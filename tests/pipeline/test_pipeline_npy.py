"""--format npy: one .npy per clip mirroring the input tree, plus the same index shards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.dataset as pads
from conftest import TINY, make_tree

import melforge
from melforge.pipeline import features_to_numpy


def test_npy_format_mirrors_tree(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_tree(data, n=3)
    melforge.featurize(data, tmp_path / "pq", preset=TINY, workers=1)
    s = melforge.featurize(data, tmp_path / "npy", preset=TINY, workers=2, format="npy")
    assert (s.files_ok, s.files_failed) == (3, 2)
    index = pads.dataset(tmp_path / "npy", format="parquet").to_table()
    assert "features" not in index.column_names
    assert index.column("features_path").to_pylist() == [
        "_npy/spk0/clip000.npy", "_npy/spk0/clip002.npy", "_npy/spk1/clip001.npy"
    ]  # fmt: skip
    ref = features_to_numpy(pads.dataset(tmp_path / "pq", format="parquet").to_table()["features"])
    for rel, want in zip(index.column("features_path").to_pylist(), ref, strict=True):
        np.testing.assert_array_equal(np.load(tmp_path / "npy" / rel), want)
    assert (tmp_path / "npy" / "_errors.jsonl").exists()
    assert not list((tmp_path / "npy").rglob(".*.tmp"))
    # overwrite removes the old feature files with their shards
    melforge.featurize(data / "spk1", tmp_path / "npy", preset=TINY, format="npy", overwrite=True)
    assert sorted(p.name for p in (tmp_path / "npy").rglob("*.npy")) == ["clip001.npy"]
