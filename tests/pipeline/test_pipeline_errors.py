"""Every error message of melforge.featurize, and the output folder's guard rails."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY, write_clip
from pipeline_testkit import TinyPreset

import melforge
from melforge import AudioFileNotFoundError, ParameterError


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "in" / "a.wav", 16000, 0.3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"engine": "spark"}, r"engine='spark' must be 'local' or 'dask'"),
        ({"format": "hdf5"}, r"format='hdf5' must be 'parquet' or 'npy'"),
        ({"workers": 0}, r"workers=0 must be a positive integer"),
        ({"files_per_shard": -1}, r"files_per_shard=-1 must be a positive integer"),
        ({"segment_seconds": 0}, r"segment_seconds=0"),
        ({"timeout": -1.0}, r"timeout=-1.0"),
        ({"scheduler": "tcp://x:1"}, r"scheduler='tcp://x:1' needs engine='dask'"),
        ({"preset": object()}, r"must be a preset name or a preset object"),
        ({"preset": "no.such.module:X"}, r"preset='no.such.module:X' cannot be imported"),
        ({"preset": "whisper-81"}, r"unknown preset 'whisper-81': give a name \(.*whisper-80"),
    ],
)
def test_bad_options(clip: Path, tmp_path: Path, kwargs: dict, match: str) -> None:
    kwargs.setdefault("preset", TINY)
    with pytest.raises(ParameterError, match=match):
        melforge.featurize(clip, tmp_path / "out", **kwargs)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match=r"nope\.csv: manifest not found"):
        melforge.featurize(tmp_path / "nope.csv", tmp_path / "out", preset=TINY)


def test_manifest_without_path_column(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("file,text\na.wav,hi\n")
    with pytest.raises(ParameterError, match=r"path_column='path' is not a column of manifest"):
        melforge.featurize(tmp_path / "m.csv", tmp_path / "out", preset=TINY)
    (tmp_path / "r.csv").write_text("path,id\na.wav,1\n")
    with pytest.raises(ParameterError, match=r"column\(s\) \['id'\] that melforge writes"):
        melforge.featurize(tmp_path / "r.csv", tmp_path / "out2", preset=TINY)


def test_recipe_change_refused_unless_overwrite(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    melforge.featurize(clip, out, preset=TINY, workers=1)
    with pytest.raises(
        ParameterError, match=r"different recipe; pass overwrite=True to replace it"
    ):
        melforge.featurize(clip, out, preset=TinyPreset(hop_length=80), workers=1)
    with pytest.raises(ParameterError, match=r"already holds this dataset and resume=False"):
        melforge.featurize(clip, out, preset=TINY, workers=1, resume=False)
    s = melforge.featurize(clip, out, preset=TINY, workers=1)  # resume: nothing to do
    assert (s.files_skipped, s.files_ok, s.rows) == (1, 0, 0)
    s = melforge.featurize(clip, out, preset=TinyPreset(hop_length=80), workers=1, overwrite=True)
    assert (s.files_skipped, s.files_ok) == (0, 1)


def test_foreign_shards_refused(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00000.parquet").write_bytes(b"x")
    with pytest.raises(ParameterError, match=r"holds part-\*.parquet files but no _melforge.json"):
        melforge.featurize(clip, out, preset=TINY)


def test_no_inputs_warns(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "readme.txt").write_text("no audio here")
    with pytest.warns(UserWarning, match=r"no audio inputs found in .*nothing to featurize"):
        s = melforge.featurize(tmp_path / "in", tmp_path / "out", preset=TINY)
    assert (s.files_ok, s.files_failed, s.rows) == (0, 0, 0)


def test_damaged_shard_is_recomputed_on_resume(tmp_path: Path) -> None:
    """A shard cut short (its bytes lost in a power cut, say) is not trusted by resume."""
    import pyarrow.dataset as pads

    data = tmp_path / "in"
    for i in range(4):
        write_clip(data / f"{i}.wav", 16000, 0.2, i)
    out, ref = tmp_path / "out", tmp_path / "ref"
    melforge.featurize(data, ref, preset=TINY, workers=1, files_per_shard=2)
    melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    shard = out / "part-00001.parquet"
    shard.write_bytes(shard.read_bytes()[:100])
    s = melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    assert (s.files_skipped, s.files_ok) == (2, 2)
    want = pads.dataset(ref, format="parquet").to_table()
    assert pads.dataset(out, format="parquet").to_table().equals(want)
