"""Resume never serves stale or failed rows: changed, failed, new and removed inputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from conftest import TINY, read_errors, write_clip

import melforge


def table(out: Path) -> pa.Table:
    return pads.dataset(out, format="parquet").to_table()


def by_id(out: Path) -> pa.Table:
    """The dataset's rows sorted by id, without the (absolute) path column."""
    return table(out).sort_by("id").drop(["path"])


def fresh(data, tmp_path: Path, name: str, **kw) -> pa.Table:
    """Rows of an uninterrupted run on the inputs as they are now."""
    melforge.featurize(data, tmp_path / name, preset=TINY, workers=1, **kw)
    return by_id(tmp_path / name)


def shard_ids(out: Path) -> dict[str, list[str]]:
    return {p.name: pq.read_table(p, columns=["id"]).column("id").to_pylist()
            for p in sorted(out.glob("part-*.parquet"))}  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    for i in range(5):
        write_clip(d / f"{i}.wav", 16000, 0.2 + 0.05 * i, i)
    return d


def test_footer_records_size_and_mtime(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    meta = json.loads(pq.read_metadata(out / "part-00000.parquet").metadata[b"melforge.shard"])
    first = meta["inputs"][0]
    st = os.stat(data / "0.wav")
    assert (first["id"], first["size"], first["mtime_ns"]) == ("0.wav", st.st_size, st.st_mtime_ns)
    assert first["rows"] == 1 and first["failed"] is False and "sha256" not in first
    melforge.featurize(data, tmp_path / "v", preset=TINY, workers=1, verify_content=True)
    meta = json.loads(pq.read_metadata(tmp_path / "v" / "part-00000.parquet").metadata[
        b"melforge.shard"])  # fmt: skip
    import hashlib

    assert meta["inputs"][0]["sha256"] == hashlib.sha256((data / "0.wav").read_bytes()).hexdigest()


def test_changed_input_is_recomputed_and_its_stale_row_dropped(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    before = shard_ids(out)
    write_clip(data / "3.wav", 16000, 0.9, 42)  # new content, size and mtime
    s = melforge.featurize(data, out, preset=TINY, workers=2, files_per_shard=2)
    assert (s.files_ok, s.files_skipped, s.rows) == (1, 4, 1)
    assert shard_ids(out) == before  # same shards, same order, every id once
    assert by_id(out).equals(fresh(data, tmp_path, "ref", files_per_shard=2))
    s = melforge.featurize(data, out, preset=TINY, workers=1)  # now nothing to do
    assert (s.files_ok, s.files_skipped) == (0, 5)


def test_same_size_and_mtime_needs_verify_content(data: Path, tmp_path: Path) -> None:
    """An edit that keeps size and mtime (rsync --inplace, a restored mtime) is only
    seen by --verify-content, which compares each file's SHA-256."""
    out = tmp_path / "out"
    melforge.featurize(data, out, preset=TINY, workers=1, verify_content=True)
    path = data / "2.wav"
    st = os.stat(path)
    raw = bytearray(path.read_bytes())
    raw[-200:] = bytes(200)  # silence the last 100 samples, same size
    path.write_bytes(bytes(raw))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    s = melforge.featurize(data, out, preset=TINY, workers=1)  # size + mtime: unchanged
    assert (s.files_ok, s.files_skipped) == (0, 5)
    s = melforge.featurize(data, out, preset=TINY, workers=2, verify_content=True)
    assert (s.files_ok, s.files_skipped) == (1, 4)
    assert by_id(out).equals(fresh(data, tmp_path, "ref"))

    def mtimes() -> dict[str, int]:  # the lock file records each run's PID: not data
        return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != ".melforge.lock"}

    before = mtimes()
    s = melforge.featurize(data, out, preset=TINY, workers=2, verify_content=True)
    assert (s.files_ok, s.files_skipped) == (0, 5)
    assert mtimes() == before  # verified, nothing rewritten


def test_failed_input_is_retried_and_leaves_the_errors_log(data: Path, tmp_path: Path) -> None:
    (data / "2.wav").write_bytes(b"RIFF not a wave file")
    out = tmp_path / "out"
    s = melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    assert s.files_failed == 1 and read_errors(out).column("id").to_pylist() == ["2.wav"]
    s = melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    assert (s.files_ok, s.files_failed, s.files_skipped) == (0, 1, 4)  # tried again
    write_clip(data / "2.wav", 16000, 0.3, 2)  # fixed
    s = melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    assert (s.files_ok, s.files_failed, s.files_skipped, s.errors_path) == (1, 0, 4, None)
    assert not (out / "_errors.jsonl").exists()
    assert by_id(out).equals(fresh(data, tmp_path, "ref", files_per_shard=2))
    assert json.loads((out / "_melforge.json").read_text())["counts"]["failed"] == 0


def test_new_inputs_are_appended_removed_ones_dropped(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    melforge.featurize(data, out, preset=TINY, workers=1)  # default shard size: 1 input
    write_clip(data / "0a.wav", 16000, 0.3, 9)  # sorts between existing inputs
    write_clip(data / "9.wav", 16000, 0.3, 10)
    (data / "4.wav").unlink()
    s = melforge.featurize(data, out, preset=TINY, workers=2)
    assert (s.files_ok, s.files_skipped) == (2, 4)
    ids = shard_ids(out)
    assert ids["part-00000.parquet"] == ["0.wav"] and "part-00004.parquet" not in ids
    # 9.wav takes the shard its position gives (5, free); 0a.wav's (1) is taken: a new one
    assert ids["part-00005.parquet"] == ["9.wav"] and ids["part-00006.parquet"] == ["0a.wav"]
    assert by_id(out).equals(fresh(data, tmp_path, "ref"))  # nothing lost, nothing twice
    meta = json.loads((out / "_melforge.json").read_text())
    assert meta["recipe"]["files_per_shard"] == 1 and meta["counts"]["inputs"] == 6


def test_manifest_rows_added_and_a_changed_column(tmp_path: Path) -> None:
    for i in range(4):
        write_clip(tmp_path / f"{i}.wav", 16000, 0.2, i)
    m = tmp_path / "m.csv"
    m.write_text("path,text\n0.wav,zero\n1.wav,one\n")
    out = tmp_path / "out"
    melforge.featurize(m, out, preset=TINY, workers=1)
    m.write_text("path,text\n0.wav,zero\n1.wav,ONE\n2.wav,two\n3.wav,three\n")
    s = melforge.featurize(m, out, preset=TINY, workers=1)
    assert (s.files_ok, s.files_skipped) == (3, 1)  # 1.wav's transcript changed
    got = table(out).sort_by("id")
    assert got.column("text").to_pylist() == ["zero", "ONE", "two", "three"]


def test_an_earlier_versions_dataset_is_resumed(data: Path, tmp_path: Path) -> None:
    """Shards without per-input records and a _errors.parquet, as melforge wrote before:
    kept where unchanged, the failed input retried, the old errors file replaced."""
    (data / "1.wav").write_bytes(b"junk")
    out = tmp_path / "out"
    melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=2)
    for shard in out.glob("part-*.parquet"):  # rewrite the footers the old way
        t = pq.read_table(shard)
        meta = json.loads(pq.read_metadata(shard).metadata[b"melforge.shard"])
        del meta["inputs"]
        pq.write_table(t.replace_schema_metadata({"melforge.shard": json.dumps(meta)}), shard)
    pq.write_table(read_errors(out), out / "_errors.parquet")
    (out / "_errors.jsonl").unlink()
    write_clip(data / "1.wav", 16000, 0.3, 1)
    s = melforge.featurize(data, out, preset=TINY, workers=1)
    assert (s.files_ok, s.files_failed, s.files_skipped) == (1, 0, 4)
    assert sorted(p.name for p in out.glob("_errors*")) == []
    assert by_id(out).equals(fresh(data, tmp_path, "ref", files_per_shard=2))


def test_npy_dataset_drops_the_files_of_removed_inputs(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    melforge.featurize(data, out, preset=TINY, workers=1, format="npy", files_per_shard=5)
    (data / "1.wav").unlink()
    s = melforge.featurize(data, out, preset=TINY, workers=1, format="npy")
    assert (s.files_ok, s.files_skipped) == (0, 4)
    assert sorted(p.name for p in (out / "_npy").iterdir()) == ["0.npy", "2.npy", "3.npy", "4.npy"]
    assert table(out).column("features_path").to_pylist() == [
        "_npy/0.npy", "_npy/2.npy", "_npy/3.npy", "_npy/4.npy"
    ]  # fmt: skip


def test_changed_settings_are_still_refused(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    melforge.featurize(data, out, preset=TINY, workers=1)
    with pytest.raises(melforge.ParameterError, match="different recipe"):
        melforge.featurize(data, out, preset=TINY, workers=1, segment_seconds=1.0)
    with pytest.raises(melforge.ParameterError, match="different recipe"):
        melforge.featurize(data, out, preset=TINY, workers=1, files_per_shard=3)


def test_segmented_dataset_resumes_per_input(data: Path, tmp_path: Path) -> None:
    """With segments, an input's rows are all its segments: kept or recomputed together."""
    out = tmp_path / "out"
    kw = {"segment_seconds": 0.1, "files_per_shard": 2}
    melforge.featurize(data, out, preset=TINY, workers=1, **kw)
    write_clip(data / "1.wav", 16000, 0.45, 7)  # 5 segments instead of 3
    s = melforge.featurize(data, out, preset=TINY, workers=1, **kw)
    assert (s.files_ok, s.files_skipped, s.rows) == (1, 4, 5)
    assert by_id(out).equals(fresh(data, tmp_path, "ref", **kw))
