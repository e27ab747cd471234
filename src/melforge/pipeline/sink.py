"""Turning task results into shards: the part both engines share.

The local engine feeds a :class:`ShardSink` in the parent process; a Dask worker feeds
its own for the one shard it writes (:func:`write_shard`).  Either way the same rows
land in the same shard in the same order.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from melforge.pipeline._compute import (
    Failure,
    Job,
    Row,
    Task,
    TaskResult,
    plan_tasks,
    run_task,
    segment_id,
    single_threaded,
)
from melforge.pipeline.errors import output_error
from melforge.pipeline.inputs import Source
from melforge.pipeline.shards import (
    CarriedColumnError,
    ShardInfo,
    ShardWriter,
    feature_schema,
    shard_name,
)
from melforge.pipeline.store import Store, temp_name

__all__ = ["ShardSink", "write_shard", "npy_name"]


#: Key of a shard's ``reuse`` mapping saying whether it must be rewritten even when
#: every input is verified unchanged (not an input id: ids are never empty).
REWRITE = "\0rewrite"

#: Folder of ``format="npy"`` feature files inside ``out``; its ``_`` prefix keeps
#: pyarrow.dataset / pandas from taking the ``.npy`` files for Parquet.
NPY_DIR = "_npy"


def npy_name(row_id: str) -> str:
    """Return the ``.npy`` path (relative to ``out``) mirroring a row id.

    ``a/b.wav`` -> ``_npy/a/b.npy``; a segment ``a/b.wav@30`` -> ``_npy/a/b@30.npy``.
    """
    base, sep, offset = row_id.rpartition("@")
    if not sep or not _is_number(offset):
        base, offset = row_id, ""
    parts = [p if p not in ("..", ".") else "__" for p in base.replace("\\", "/").split("/") if p]
    stem = os.path.splitext("/".join(parts))[0] or "_"
    return f"{NPY_DIR}/{stem}@{offset}.npy" if offset else f"{NPY_DIR}/{stem}.npy"


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


class ShardSink:
    """Receive inputs and results in order and write them shard by shard.

    Parameters
    ----------
    store : Store
        The output folder.
    job : Job
        The recipe (for ``n_features`` and ``sample_rate``).
    carried : pyarrow.Schema
        Manifest columns carried to the output.
    fmt : {"parquet", "npy"}
        Output format.
    on_progress : callable or None
        Called as ``on_progress(n_tasks, audio_seconds)`` after each result.
    """

    def __init__(
        self,
        store: Store,
        job: Job,
        carried: Any,
        fmt: str = "parquet",
        on_progress: Callable[[int, float], None] | None = None,
    ) -> None:
        self.store = store
        self.job = job
        self.fmt = fmt
        self.schema = feature_schema(int(job.preset.n_features), carried, npy=fmt == "npy")
        self.sample_rate = int(job.preset.sample_rate)
        self.on_progress = on_progress
        self.writer: ShardWriter | None = None
        self.first_index = 0
        self.files_ok = 0
        self.files_failed = 0
        self.failures = 0
        self.rows = 0
        self.audio_seconds = 0.0
        self.max_rss = 0
        self.reused = 0
        self.feature_paths: set[str] = set()  # npy files written or kept
        self.shards: list[ShardInfo] = []
        self._current_failed: bool | None = None

    def _write_npy(self, row: Row) -> str:
        name = npy_name(row.id)
        tmp = temp_name(name)
        buf = io.BytesIO()
        np.save(buf, row.features)
        with self.store.open_write(tmp) as f:
            try:
                f.write(buf.getbuffer())
            except OSError as e:
                raise output_error(e, self.store.url(name)) from e
        self.store.rename(tmp, name)
        self.feature_paths.add(name)
        return name

    def begin(self, shard: int, first_index: int) -> None:
        """Start shard ``shard``, whose first input has number ``first_index``."""
        npy = self._write_npy if self.fmt == "npy" else None
        self.writer = ShardWriter(self.store, shard, self.schema, self.sample_rate, npy)
        self.first_index = first_index

    def _close_input(self) -> None:
        if self._current_failed is not None:
            if self._current_failed:
                self.files_failed += 1
            else:
                self.files_ok += 1
        self._current_failed = None

    def add_input(
        self,
        source: Source,
        failure: Failure | None = None,
        record: dict[str, Any] | None = None,
    ) -> None:
        """Register the next input of the shard (``failure`` when it could not be planned).

        ``record``: what the shard's footer records about the input (its size, mtime,
        content hash), from :func:`input_record`.
        """
        assert self.writer is not None  # noqa: S101 - internal invariant
        self._close_input()
        self.writer.add_input(source.id, record)
        self._current_failed = failure is not None
        if failure is not None:
            self.writer.add_failure(failure)
            self.failures += 1
            if self.on_progress:
                self.on_progress(1, 0.0)

    def add_result(self, source: Source, result: TaskResult) -> None:
        """Write the rows (or record the failure) of one task of the current input."""
        assert self.writer is not None  # noqa: S101 - internal invariant
        self.max_rss = max(self.max_rss, result.max_rss)
        if result.failure is not None:
            self.writer.add_failure(result.failure)
            self.failures += 1
            self._current_failed = True
        else:
            try:
                self.writer.add_rows(source.path, source.columns, result.rows)
            except CarriedColumnError as e:  # the manifest row, not the run, is at fault
                rid = result.rows[0].id if result.rows else source.id
                self.writer.add_failure(Failure(rid, source.path, "ValueError", str(e)))
                self.failures += 1
                self._current_failed = True
            else:
                self.rows += len(result.rows)
                self.audio_seconds += result.audio_seconds
        if self.on_progress:
            self.on_progress(1, result.audio_seconds)

    def reuse_input(self, source: Source, record: dict[str, Any], table: Any) -> None:
        """Register the next input with its rows copied from the shard's earlier version."""
        assert self.writer is not None  # noqa: S101 - internal invariant
        self._close_input()
        self.writer.add_input(source.id, record)
        self.writer.add_table(table)
        if "features_path" in table.column_names:
            self.feature_paths.update(table.column("features_path").to_pylist())
        self.reused += 1
        if self.on_progress:
            self.on_progress(1, 0.0)

    def end(self) -> ShardInfo:
        """Close the shard: it appears under its final name."""
        assert self.writer is not None  # noqa: S101 - internal invariant
        self._close_input()
        info = self.writer.close(self.first_index)
        self.writer = None
        self.shards.append(info)
        return info

    def abort(self) -> None:
        """Drop the shard being written, if any."""
        if self.writer is not None:
            self.writer.abort()
            self.writer = None


def columns_digest(columns: Mapping[str, Any]) -> str:
    """Return a short digest of an input's carried columns (a changed transcript, say)."""
    text = json.dumps(dict(columns), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def file_stat(path: str) -> tuple[int | None, int | None]:
    """Return (size in bytes, mtime in ns) of a local file; (None, None) when unknown."""
    if "://" in path:
        return None, None
    try:
        st = os.stat(path)
    except OSError:
        return None, None
    return int(st.st_size), int(st.st_mtime_ns)


def content_hash(path: str) -> str | None:
    """Return the SHA-256 of a file's bytes (None when it cannot be read)."""
    h = hashlib.sha256()
    try:
        if "://" in path:
            import fsspec

            opened = fsspec.open(path, "rb").open()
        else:
            opened = open(path, "rb")  # noqa: SIM115 - closed below
        with opened as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except (OSError, ImportError, ValueError):
        return None
    return h.hexdigest()


def input_record(source: Source, verify: bool) -> dict[str, Any]:
    """Return what a shard records about an input, taken before the input is read."""
    size, mtime_ns = file_stat(source.path)
    record: dict[str, Any] = {"size": size, "mtime_ns": mtime_ns}
    if verify:
        record["sha256"] = content_hash(source.path)
    record["columns"] = columns_digest(source.columns)
    return record


class _OldShard:
    """Rows of the version of a shard that is being rewritten, read a row group at a time."""

    def __init__(self, store: Store, name: str) -> None:
        import pyarrow.parquet as pq

        self._file = store.open_read(name)
        self.pf = pq.ParquetFile(self._file)
        meta = self.pf.metadata
        self.starts = [0]
        for g in range(meta.num_row_groups):
            self.starts.append(self.starts[-1] + meta.row_group(g).num_rows)
        self._cache: tuple[int, Any] | None = None

    def _group(self, g: int) -> Any:
        if self._cache is None or self._cache[0] != g:
            self._cache = (g, self.pf.read_row_group(g))
        return self._cache[1]

    def rows(self, start: int, n: int) -> Any:
        """Return rows ``start .. start + n - 1`` as a table."""
        import pyarrow as pa

        if n == 0:
            return self.pf.schema_arrow.empty_table()
        pieces = []
        g = bisect.bisect_right(self.starts, start) - 1
        while n > 0 and 0 <= g < len(self.starts) - 1:
            table = self._group(g)
            lo = start - self.starts[g]
            take = min(n, table.num_rows - lo)
            pieces.append(table.slice(lo, take))
            start += take
            n -= take
            g += 1
        if n > 0:
            raise ValueError("the shard holds fewer rows than its footer records")
        return pa.concat_tables(pieces) if len(pieces) != 1 else pieces[0]

    def feature_paths(self) -> set[str]:
        """Return the ``features_path`` values of every row (``format="npy"``)."""
        if "features_path" not in self.pf.schema_arrow.names:
            return set()
        return set(self.pf.read(columns=["features_path"]).column(0).to_pylist())

    def close(self) -> None:
        self._file.close()


def _plan_source(index: int, source: Source, job: Job) -> tuple[list[Task], Failure | None]:
    if job.segment_seconds is None:
        return [Task(0, index, source.id, source.path)], None
    try:
        return plan_tasks(index, source.id, source.path, job.segment_seconds, 0), None
    except Exception as e:  # recorded, the run goes on
        return [], Failure(source.id, source.path, type(e).__name__, str(e))


def write_shard(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    shard: int,
    first_index: int,
    sources: Sequence[Source],
    known: Mapping[str, Failure] | None = None,
    report: Callable[..., None] | None = None,
    reuse: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Featurize one shard's inputs in this process and write the shard.

    Both engines run this (a local worker process, or a Dask task), so their shards are
    identical.

    Parameters
    ----------
    known : mapping or None
        Failures already established for some row ids (a file that crashed or hung a
        worker on an earlier attempt): recorded as they are, without computing.
    report : callable or None
        Called as ``report("start", row_id, path)`` before each file or segment and
        ``report("progress", 1, audio_seconds)`` after it (the local engine's per-file
        timeouts, crash attribution and progress bar).
    reuse : mapping or None
        Inputs whose rows the existing version of this shard already holds and that did
        not change since (source id -> its footer record plus ``row_start``, the
        position of its first row): their rows are copied instead of computed (with
        ``job.verify_content``, only when the file's SHA-256 still matches).

    Raises
    ------
    OutputError
        The shard could not be written (disk full, permission denied, ...).
    """
    reuse = dict(reuse or {})
    rewrite = bool(reuse.pop(REWRITE, True))
    hashes: dict[str, str | None] = {}
    if job.verify_content and reuse:
        for source in sources:
            if source.id in reuse:
                if report is not None:
                    report("start", source.id, source.path)  # reading a file may hang too
                hashes[source.id] = content_hash(source.path)
        if report is not None:
            report("progress", 0, 0.0)  # between files: a crash now is no file's fault
        same = all(hashes.get(s.id) is not None and hashes.get(s.id) == reuse[s.id].get("sha256")
                   for s in sources if s.id in reuse)  # fmt: skip
        if same and not rewrite:  # verified: the shard stays as it is
            n = len(sources)
            if report is not None:
                report("progress", n, 0.0)
            return {"files_ok": 0, "files_failed": 0, "failures": 0, "rows": 0,
                    "audio_seconds": 0.0, "n_inputs": n, "reused": n, "max_rss": 0}  # fmt: skip
    sink = ShardSink(store, job, carried, fmt)
    old = _OldShard(store, shard_name(shard)) if reuse else None
    try:
        with single_threaded():
            _write_shard_rows(sink, job, shard, first_index, sources, known or {}, report,
                              reuse, old, hashes)  # fmt: skip
    except BaseException:
        sink.abort()
        raise
    finally:
        stale = old.feature_paths() if old is not None and fmt == "npy" else set()
        if old is not None:
            old.close()
    if stale:  # npy files of rows this shard no longer lists
        for name in stale - sink.feature_paths:
            store.remove(name)
    return {
        "files_ok": sink.files_ok,
        "files_failed": sink.files_failed,
        "failures": sink.failures,
        "rows": sink.rows,
        "audio_seconds": sink.audio_seconds,
        "n_inputs": len(sources),
        "reused": sink.reused,
        "max_rss": sink.max_rss,
    }


def _reusable(
    job: Job, source: Source, old: Mapping[str, Any], hashes: Mapping[str, str | None]
) -> dict[str, Any] | None:
    """Return the record of an input whose old rows may be kept, or None to recompute."""
    record = {k: old.get(k) for k in ("size", "mtime_ns", "sha256", "columns")}
    if not job.verify_content:
        return record
    digest = hashes.get(source.id)
    if digest is None or digest != old.get("sha256"):
        return None
    return record


def _write_shard_rows(
    sink: ShardSink,
    job: Job,
    shard: int,
    first_index: int,
    sources: Sequence[Source],
    known: Mapping[str, Failure],
    report: Callable[..., None] | None,
    reuse: Mapping[str, Mapping[str, Any]],
    old: _OldShard | None,
    hashes: Mapping[str, str | None],
) -> None:
    sink.begin(shard, first_index)
    for i, source in enumerate(sources):
        if source.id in known:
            sink.add_input(source, known[source.id], input_record(source, False))
            if report is not None:
                report("progress", 1, 0.0)
            continue
        previous = reuse.get(source.id)
        if previous is not None and old is not None:
            record = _reusable(job, source, previous, hashes)
            if record is not None:
                sink.reuse_input(source, record, old.rows(previous["row_start"],
                                                          previous["rows"]))  # fmt: skip
                if report is not None:
                    report("progress", 1, 0.0)
                continue
        if report is not None and (job.segment_seconds is not None or job.verify_content):
            report("start", source.id, source.path)  # reading the header may hang too
        record = input_record(source, job.verify_content and source.id not in hashes)
        if source.id in hashes:
            record["sha256"] = hashes[source.id]
        tasks, failure = _plan_source(first_index + i, source, job)
        sink.add_input(source, failure, record)
        for j, t in enumerate(tasks):
            rid = segment_id(t.id, t.offset) if t.segmented else t.id
            if rid in known:
                result = TaskResult(t.seq, t.index, failure=known[rid])
            else:
                if report is not None:
                    report("start", rid, t.path)
                result = run_task(job, t)
            sink.add_result(source, result)
            if report is not None:  # the bar counts files: a file is done with its last segment
                report("progress", int(j == len(tasks) - 1), result.audio_seconds)
        if report is not None and not tasks:
            report("progress", 1, 0.0)
    sink.end()
