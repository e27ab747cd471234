"""The local engine through melforge.featurize: real files, real process pools."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from conftest import TINY, read_errors, write_clip
from pipeline_testkit import FaultyPreset, TinyPreset, write_poison

import melforge
from melforge.pipeline import FeatureDataset, features_to_numpy


def read_rows(out: Path) -> pa.Table:
    return pads.dataset(out, format="parquet").to_table()


def test_directory_run_outputs(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = melforge.featurize(tree, out, preset=TINY, workers=2, files_per_shard=3)
    assert isinstance(summary, melforge.Summary)
    assert (summary.files_ok, summary.files_failed, summary.files_skipped) == (6, 2, 0)
    assert summary.rows == 6 and summary.output_bytes > 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [".melforge.lock", "_errors.jsonl", "_melforge.json", "part-00000.parquet",
                     "part-00001.parquet", "part-00002.parquet"]  # fmt: skip
    table = read_rows(out)
    assert table.column("id").to_pylist() == [
        "spk0/clip000.wav", "spk0/clip002.mp3", "spk0/clip004.flac",
        "spk1/clip001.flac", "spk1/clip003.wav", "spk1/clip005.mp3",
    ]  # fmt: skip
    want = pa.schema([
        pa.field("id", pa.string(), nullable=False), ("path", pa.string()),
        ("offset_s", pa.float64()), ("duration_s", pa.float64()), ("sample_rate", pa.int32()),
        ("num_frames", pa.int32()), ("features", pa.list_(pa.list_(pa.float32(), 4))),
    ])  # fmt: skip
    assert table.schema.remove_metadata().equals(want)  # exactly the schema
    for shard in sorted(out.glob("part-*.parquet")):
        meta = pq.read_metadata(shard)
        codecs = {meta.row_group(g).column(c).compression
                  for g in range(meta.num_row_groups) for c in range(meta.num_columns)}  # fmt: skip
        assert codecs == {"ZSTD"}
    assert set(table.column("sample_rate").to_pylist()) == {16000}
    assert table.column("offset_s").to_pylist() == [0.0] * 6
    # duration after resampling to 16 kHz, frames as TinyPreset computes them
    durs = np.array(table.column("duration_s").to_pylist())
    np.testing.assert_allclose(durs, [0.5, 0.7, 0.9, 0.6, 0.8, 1.0], atol=0.03)  # mp3 padding
    feats = features_to_numpy(table.column("features"))
    assert [f.shape[0] for f in feats] == table.column("num_frames").to_pylist()
    assert all(f.dtype == np.float32 and f.shape[1] == 4 for f in feats)
    errors = read_errors(out).to_pylist()
    assert [e["id"] for e in errors] == ["bad/empty.flac", "bad/garbage.wav"]
    assert all(e["error"] and e["message"] and e["path"].endswith(e["id"]) for e in errors)
    meta = json.loads((out / "_melforge.json").read_text())
    assert meta["status"] == "complete"
    assert meta["recipe"]["preset"] == TinyPreset().to_dict()
    assert meta["counts"] == {"shards": 3, "inputs": 8, "rows": 6, "failed": 2,
                              "audio_seconds": pytest.approx(sum(durs))}  # fmt: skip
    assert meta["melforge_version"] == melforge.__version__


def test_features_match_direct_computation(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "in" / "a.wav", 16000, 0.8, 3)
    out = tmp_path / "out"
    melforge.featurize([clip], out, preset=TinyPreset(), workers=1)
    got = features_to_numpy(read_rows(out).column("features"))[0]
    y, sr = melforge.load(clip, sr=16000)
    np.testing.assert_array_equal(got, TinyPreset()(y, sr))  # exact: same code path


def test_deterministic_with_1_and_2_workers(tree: Path, tmp_path: Path) -> None:
    tables = []
    for w in (1, 2):
        melforge.featurize(tree, tmp_path / f"w{w}", preset=TINY, workers=w, files_per_shard=2)
        tables.append(read_rows(tmp_path / f"w{w}"))
    assert tables[0].equals(tables[1])  # same rows, same order, bit-identical features
    e1, e2 = (read_errors(tmp_path / f"w{w}") for w in (1, 2))
    assert e1.equals(e2)


def test_reading_back_pandas_duckdb_numpy_dataset(tree: Path, tmp_path: Path) -> None:
    import duckdb
    import pandas as pd

    out = tmp_path / "out"
    melforge.featurize(tree, out, preset=TINY, workers=2, files_per_shard=4)
    df = pd.read_parquet(out)
    assert len(df) == 6 and list(df["id"])[0] == "spk0/clip000.wav"
    first = np.stack(df["features"].iloc[0]).astype(np.float32)
    ds = FeatureDataset(out)
    assert len(ds) == 6
    np.testing.assert_array_equal(ds[0]["features"], first)
    assert ds[-1]["id"] == "spk1/clip005.mp3" and ds[0]["num_frames"] == first.shape[0]
    con = duckdb.connect()
    assert (out / "_errors.jsonl").exists()  # two inputs failed: a *.parquet glob skips the log
    n, frames = con.execute(
        f"select count(*), sum(num_frames) from read_parquet('{out}/*.parquet')"
    ).fetchone()
    assert n == 6 and frames == sum(ds[i]["features"].shape[0] for i in range(len(ds)))
    (v,) = con.execute(
        f"select features[1][2] from read_parquet('{out}/*.parquet') order by id limit 1"
    ).fetchone()
    (n_err,) = con.execute(f"select count(*) from read_json('{out}/_errors.jsonl')").fetchone()
    assert n_err == 2  # the errors log, read as documented
    assert v == pytest.approx(float(first[0, 1]))  # DuckDB decodes the float columns
    import pickle

    ds2 = pickle.loads(pickle.dumps(ds))  # what a DataLoader worker receives
    np.testing.assert_array_equal(ds2[3]["features"], ds[3]["features"])
    with pytest.raises(IndexError, match="out of range"):
        ds[6]


def live_children() -> list[int]:
    """Processes whose parent is this one and that have not exited (zombies excluded)."""
    me, kids = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == me and stat[0] != "Z":
                kids.append(int(entry))
    return kids


@pytest.mark.parametrize(("fault", "signal_name"), [("abort", "SIGABRT"), ("segv", "SIGSEGV")])
def test_worker_crash_is_recorded_and_replaced(
    tree: Path, tmp_path: Path, fault: str, signal_name: str
) -> None:
    """A worker killed by a signal on one file (abort(), a real segfault) is replaced."""
    write_poison(tree / "spk0" / "poison.wav")  # the test preset crashes on this clip
    before = live_children()  # e.g. multiprocessing's resource tracker, started earlier
    out = tmp_path / "out"
    preset = FaultyPreset(fault=fault)
    summary = melforge.featurize(tree, out, preset=preset, workers=2, files_per_shard=3)
    assert summary.files_ok == 6 and summary.files_failed == 3
    errors = {e["id"]: e for e in read_errors(out).to_pylist()}
    crash = errors["spk0/poison.wav"]
    assert crash["error"] == "WorkerCrashed" and signal_name in crash["message"]
    assert read_rows(out).num_rows == 6
    assert live_children() == before  # crashed, replacement and last workers all gone


def test_per_file_timeout(tree: Path, tmp_path: Path) -> None:
    write_poison(tree / "spk1" / "poison.wav")
    before = live_children()
    out = tmp_path / "out"
    summary = melforge.featurize(tree, out, preset=FaultyPreset(fault="hang"), workers=2,
                                 timeout=1.0)  # fmt: skip
    errors = {e["id"]: e for e in read_errors(out).to_pylist()}
    assert errors["spk1/poison.wav"]["error"] == "TimeoutError"
    assert "timeout=1.0" in errors["spk1/poison.wav"]["message"]
    assert summary.files_ok == 6 and summary.wall_seconds < 20
    assert live_children() == before  # the hung worker was killed, not left behind


def test_bounded_in_flight_with_a_lazy_generator(tmp_path: Path) -> None:
    """A generator of 100k inputs is pulled only a window ahead of the written shards."""
    clips = [write_clip(tmp_path / f"a{j}.wav", 16000, 0.2, 0) for j in range(7)]
    out = tmp_path / "out"
    per_shard = 10
    pulled = []

    def inputs():
        for i in range(100_000):
            done = len(list(out.glob("part-*.parquet"))) if out.exists() else 0
            pulled.append(i - done * per_shard)
            if i == 300:
                raise RuntimeError("stop here")
            # a few real files, the rest missing (recorded as failed)
            yield {"path": str(clips[i // 50]) if i % 50 == 0 else f"missing/{i}.wav", "n": i}

    with pytest.raises(RuntimeError, match="stop here"):
        melforge.featurize(inputs(), out, preset=TINY, workers=2, files_per_shard=per_shard)
    # one shard per worker in flight plus the one being read: never far ahead
    assert max(pulled) <= (2 + 1) * per_shard
    shards = sorted(out.glob("part-*.parquet"))
    assert len(shards) >= 20  # the work before the interruption is kept
    assert not list(out.glob(".*.tmp"))  # and no temporary file is left behind
    for shard in shards:
        k = int(shard.stem.split("-")[1])
        want = [n for n in range(k * per_shard, (k + 1) * per_shard) if n % 50 == 0]
        assert pq.read_table(shard).column("n").to_pylist() == want


def test_fsspec_url_output(tmp_path: Path) -> None:
    """An fsspec URL goes through fsspec in the workers (here its local filesystem)."""
    clips = [write_clip(tmp_path / f"{i}.wav", 16000, 0.3, i) for i in range(3)]
    url = f"local://{tmp_path}/feats"
    s = melforge.featurize(clips, url, preset=TINY, workers=2, files_per_shard=2)
    assert s.rows == 3 and s.out == url
    names = sorted(p.name for p in (tmp_path / "feats").iterdir())
    assert names == ["_melforge.json", "part-00000.parquet", "part-00001.parquet"]  # no lock
    ref = tmp_path / "ref"
    melforge.featurize(clips, ref, preset=TINY, workers=1, files_per_shard=2)
    assert read_rows(tmp_path / "feats").equals(read_rows(ref))


def test_spawned_workers_give_the_same_rows(tree: Path, tmp_path: Path, monkeypatch) -> None:
    """The start method used off Linux (spawn) writes the same dataset as fork."""
    melforge.featurize(tree, tmp_path / "fork", preset=TINY, workers=2, files_per_shard=3)
    monkeypatch.setenv("MELFORGE_START_METHOD", "spawn")
    melforge.featurize(tree, tmp_path / "spawn", preset=TINY, workers=2, files_per_shard=3)
    a, b = read_rows(tmp_path / "fork"), read_rows(tmp_path / "spawn")
    differ = [c for c in a.column_names if not a[c].equals(b[c])]
    assert a.schema.equals(b.schema) and differ == [], (differ, a.select(differ).to_pylist())


def test_dataset_reads_one_row_group_at_a_time(tree: Path, tmp_path: Path, monkeypatch) -> None:
    """With many row groups per shard, FeatureDataset holds one group, never a shard."""
    from melforge.pipeline import shards

    monkeypatch.setattr(shards, "ROW_GROUP_BYTES", 1)  # one input per row group (forked)
    out = tmp_path / "out"
    melforge.featurize(tree, out, preset=TINY, workers=1, files_per_shard=4)
    assert [pq.read_metadata(p).num_row_groups for p in sorted(out.glob("part-*"))] == [2, 4]
    want = read_rows(out)
    ds = FeatureDataset(out, columns=["num_frames"])
    reads = []
    real = pq.ParquetFile.read_row_group
    monkeypatch.setattr(pq.ParquetFile, "read_row_group",
                        lambda self, i, **kw: reads.append(i) or real(self, i, **kw))  # fmt: skip
    for i in range(len(ds)):
        item = ds[i]
        assert item["id"] == want["id"][i].as_py()
        assert item["num_frames"] == item["features"].shape[0] == want["num_frames"][i].as_py()
        assert ds._cache is not None and len(ds._cache[1]["id"]) == 1  # one row group held
    assert reads == [0, 1, 0, 1, 2, 3]  # each group once, in order
    got = features_to_numpy(want.column("features"))  # chunked: views, no copy
    np.testing.assert_array_equal(got[4], ds[4]["features"])


def test_progress_bar_shows_files_and_audio_hours(tree: Path, tmp_path: Path, capsys) -> None:
    melforge.featurize(tree, tmp_path / "out", preset=TINY, workers=2, progress=True)
    err = capsys.readouterr().err
    assert "featurize" in err and "0/8 [" in err  # a folder: its files counted first
    assert "8/8 [" in err  # every input counted, failed ones included
    assert "file/s" in err and "audio-h/min" in err
    # a lazy iterable is not counted first: an open-ended bar
    paths = sorted(str(p) for p in tree.rglob("*") if p.is_file())
    melforge.featurize((p for p in paths), tmp_path / "lazy", preset=TINY, workers=1,
                       progress=True)  # fmt: skip
    err = capsys.readouterr().err
    assert "featurize" in err and "file/s" in err and "/8 [" not in err, err


def test_a_run_does_not_import_pandas(tmp_path: Path) -> None:
    """Shard arrays are built from buffers: pyarrow.array would import pandas (~0.3 s of
    CPU, ~40 MB) in every worker.  Checked in fresh processes: a featurize run's parent,
    and write_shard (what a worker or Dask task runs) called directly."""
    import subprocess
    import sys

    write_clip(tmp_path / "in" / "a.wav", 16000, 0.3)
    runs = {
        "parent": f"melforge.featurize({str(tmp_path / 'in')!r}, {str(tmp_path / 'o1')!r}, "
        f"preset={TINY!r}, workers=1)",
        "worker": "from melforge.pipeline import _compute, sink, inputs, store, shards\n"
        f"st = store.open_store({str(tmp_path / 'o2')!r}); st.makedirs()\n"
        f"src = list(inputs.iter_sources({str(tmp_path / 'in')!r}))\n"
        f"job = _compute.Job(_compute.resolve_preset({TINY!r}))\n"
        "sink.write_shard(st, job, shards.infer_carried_schema([]), 'parquet', 0, 0, src)",
    }
    for where, code in runs.items():
        code = f"import sys, melforge\n{code}\nprint('pandas' in sys.modules)"
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == "False", where
    for out in ("o1", "o2"):
        got = pq.read_table(tmp_path / out / "part-00000.parquet")
        assert got.column("id").to_pylist() == ["a.wav"]
