"""The Dask engine on a real LocalCluster with 2 worker processes."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as pads
import pytest
from conftest import TINY, make_tree, read_errors, write_clip
from pipeline_testkit import FaultyPreset, write_poison

import melforge

pytestmark = pytest.mark.slow


def test_dask_local_cluster_matches_local_engine(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_tree(data, n=5)
    # a real preset whose mel product goes through BLAS: rows must still be bit-identical
    kw = {"preset": "kaldi-fbank-80", "files_per_shard": 2}
    local = melforge.featurize(data, tmp_path / "local", workers=1, **kw)
    dask = melforge.featurize(data, tmp_path / "dask", engine="dask", workers=2, **kw)
    assert dask.engine == "dask" and dask.workers == 2
    assert (dask.files_ok, dask.files_failed, dask.rows) == (
        local.files_ok, local.files_failed, local.rows
    )  # fmt: skip
    a = pads.dataset(tmp_path / "local", format="parquet").to_table()
    b = pads.dataset(tmp_path / "dask", format="parquet").to_table()
    assert a.equals(b)
    ea, eb = (read_errors(tmp_path / d) for d in ("local", "dask"))
    assert ea.equals(eb)
    names = sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "local").iterdir())


def test_dask_existing_cluster_by_scheduler_address(tmp_path: Path, capsys) -> None:
    """--scheduler ADDRESS: the run uses a cluster it did not start, and leaves it up."""
    from distributed import Client, LocalCluster

    data = tmp_path / "data"
    make_tree(data, n=4)
    tiny = TINY
    local = melforge.featurize(data, tmp_path / "local", preset=tiny, workers=1)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        s = melforge.featurize(
            data, tmp_path / "dask", preset=tiny, engine="dask",
            scheduler=cluster.scheduler_address, progress=True,
        )  # fmt: skip
        assert (s.engine, s.workers, s.files_ok, s.files_failed) == ("dask", 2, 4, 2)
        err = capsys.readouterr().err
        assert "6/6 [" in err and "file/s" in err and "audio-h/min" in err  # the same bar
        with Client(cluster.scheduler_address) as client:  # still running after the run
            assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
        a = pads.dataset(tmp_path / "local", format="parquet").to_table()
        assert pads.dataset(tmp_path / "dask", format="parquet").to_table().equals(a)
        assert local.rows == s.rows == 4

        # a resume on Dask: the changed clip is computed again in its rewritten shard
        write_clip(data / "spk0" / "clip002.mp3", 48000, 0.5, 9)
        s = melforge.featurize(data, tmp_path / "dask", preset=tiny, engine="dask",
                               scheduler=cluster.scheduler_address)  # fmt: skip
        assert (s.files_ok, s.files_failed, s.files_skipped) == (1, 2, 3)  # failed: retried
        melforge.featurize(data, tmp_path / "local", preset=tiny, workers=1)
        a = pads.dataset(tmp_path / "local", format="parquet").to_table()
        assert pads.dataset(tmp_path / "dask", format="parquet").to_table().equals(a)

        # per-file timeout: the hung worker is killed, its nanny restarts it, the shard's
        # rerun records the file as TimeoutError and keeps the other rows
        write_poison(data / "spk1" / "clip001.wav")  # the hanging preset hangs on it
        out = tmp_path / "hang"
        s = melforge.featurize(
            data, out, preset=FaultyPreset(fault="hang"), engine="dask",
            scheduler=cluster.scheduler_address, timeout=1.0, files_per_shard=3,
        )  # fmt: skip
        assert (s.files_ok, s.files_failed, s.rows) == (4, 3, 4)
        errors = {e["id"]: e for e in read_errors(out).to_pylist()}
        assert errors["spk1/clip001.wav"]["error"] == "TimeoutError"
        assert "timeout=1.0" in errors["spk1/clip001.wav"]["message"]
        assert sorted(p.name for p in out.iterdir()) == [
            ".melforge.lock",
            "_errors.jsonl",
            "_melforge.json",
            "part-00000.parquet",
            "part-00001.parquet",
            "part-00002.parquet",
        ]  # no marker or temporary file left
