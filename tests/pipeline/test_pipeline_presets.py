"""Real presets by name: the rows equal the preset applied to melforge.load's output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.dataset as pads
import pytest
from conftest import make_tree

import melforge
from melforge import presets
from melforge.pipeline import features_to_numpy
from melforge.pipeline._compute import single_threaded


@pytest.mark.parametrize("name", ["kaldi-fbank-80", "whisper-80", "mfcc-13", "wav2vec2"])
def test_named_preset_rows_equal_direct_computation(tmp_path: Path, name: str) -> None:
    data = tmp_path / "data"
    files = sorted(
        make_tree(data, n=3, corrupt=False), key=lambda p: p.relative_to(data).as_posix()
    )
    out = tmp_path / "out"
    s = melforge.featurize(data, out, preset=name, workers=1)
    assert (s.files_ok, s.files_failed) == (3, 0)
    t = pads.dataset(out, format="parquet").to_table()
    preset = presets.get(name)
    assert set(t.column("sample_rate").to_pylist()) == {preset.sample_rate}
    feats = features_to_numpy(t.column("features"))
    for path, got in zip(files, feats, strict=True):
        y, sr = melforge.load(path, sr=preset.sample_rate)
        with single_threaded():  # as in the workers: one BLAS thread
            want = preset.frames(y, sr)
        assert got.shape == want.shape and got.shape[1] == preset.n_features
        np.testing.assert_array_equal(got, want)  # exact: the same computation
