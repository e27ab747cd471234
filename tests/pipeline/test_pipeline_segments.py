"""Long recordings cut into segments, each computed on its own slice of the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.dataset as pads
import soundfile as sf
from conftest import TINY, read_errors, tone
from pipeline_testkit import FaultyPreset, TinyPreset, write_poison

import melforge
from melforge.pipeline import features_to_numpy


def test_segments_have_offsets_and_match_slices(tmp_path: Path) -> None:
    sr = 16000
    y = tone(sr, 70.0, 300.0, 1)
    sf.write(tmp_path / "long.wav", y, sr, subtype="FLOAT")
    sf.write(tmp_path / "short.flac", y[: sr * 5], sr)
    out = tmp_path / "out"
    s = melforge.featurize(tmp_path, out, preset=TINY, workers=2, segment_seconds=30)
    assert (s.files_ok, s.rows) == (2, 4)
    t = pads.dataset(out, format="parquet").to_table()
    assert t.column("id").to_pylist() == [
        "long.wav@0",
        "long.wav@30",
        "long.wav@60",
        "short.flac@0",
    ]
    assert t.column("offset_s").to_pylist() == [0.0, 30.0, 60.0, 0.0]
    np.testing.assert_allclose(t.column("duration_s").to_pylist(), [30, 30, 10, 5], atol=1e-9)
    feats = features_to_numpy(t.column("features"))
    for k, start in enumerate((0, 30, 60)):
        piece = y[start * sr : (start + 30) * sr]
        np.testing.assert_array_equal(feats[k], TinyPreset()(piece, sr))  # exact slices
    assert set(t.column("path").to_pylist()[:3]) == {str(tmp_path / "long.wav")}


def test_a_file_crashing_on_its_segments_is_skipped(tmp_path: Path) -> None:
    sr = 8000
    write_poison(tmp_path / "long.wav", 70.0, sr)  # every segment crashes its worker
    sf.write(tmp_path / "ok.wav", tone(sr, 40.0, 200.0, 2), sr)
    out = tmp_path / "out"
    s = melforge.featurize(tmp_path, out, preset=FaultyPreset(), workers=2, segment_seconds=30)
    assert (s.files_ok, s.rows) == (1, 2)
    errors = read_errors(out).to_pylist()
    assert [e["id"] for e in errors] == ["long.wav"]  # two lost segments: the file is skipped
    assert errors[0]["error"] == "WorkerCrashed" and "after 2 lost segments" in errors[0]["message"]
