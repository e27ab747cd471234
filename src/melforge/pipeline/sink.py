"""Turning task results into shards: the part both engines share.

The local engine feeds a :class:`ShardSink` in the parent process; a Dask worker feeds
its own for the one shard it writes (:func:`write_shard`).  Either way the same rows
land in the same shard in the same order.
"""

from __future__ import annotations

import io
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
from melforge.pipeline.inputs import Source
from melforge.pipeline.shards import CarriedColumnError, ShardInfo, ShardWriter, feature_schema
from melforge.pipeline.store import Store, temp_name

__all__ = ["ShardSink", "write_shard", "npy_name"]


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
        self.shards: list[ShardInfo] = []
        self._current_failed: bool | None = None

    def _write_npy(self, row: Row) -> str:
        name = npy_name(row.id)
        tmp = temp_name(name)
        buf = io.BytesIO()
        np.save(buf, row.features)
        with self.store.open_write(tmp) as f:
            f.write(buf.getbuffer())
        self.store.rename(tmp, name)
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

    def add_input(self, source: Source, failure: Failure | None = None) -> None:
        """Register the next input of the shard (``failure`` when it could not be planned)."""
        assert self.writer is not None  # noqa: S101 - internal invariant
        self._close_input()
        self.writer.add_input(source.id)
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
    """
    sink = ShardSink(store, job, carried, fmt)
    try:
        with single_threaded():
            _write_shard_rows(sink, job, shard, first_index, sources, known or {}, report)
    except BaseException:
        sink.abort()
        raise
    return {
        "files_ok": sink.files_ok,
        "files_failed": sink.files_failed,
        "failures": sink.failures,
        "rows": sink.rows,
        "audio_seconds": sink.audio_seconds,
        "n_inputs": len(sources),
        "max_rss": sink.max_rss,
    }


def _write_shard_rows(
    sink: ShardSink,
    job: Job,
    shard: int,
    first_index: int,
    sources: Sequence[Source],
    known: Mapping[str, Failure],
    report: Callable[..., None] | None,
) -> None:
    sink.begin(shard, first_index)
    for i, source in enumerate(sources):
        if source.id in known:
            sink.add_input(source, known[source.id])
            continue
        if report is not None and job.segment_seconds is not None:
            report("start", source.id, source.path)  # reading the header may hang too
        tasks, failure = _plan_source(first_index + i, source, job)
        sink.add_input(source, failure)
        for t in tasks:
            rid = segment_id(t.id, t.offset) if t.segmented else t.id
            if rid in known:
                result = TaskResult(t.seq, t.index, failure=known[rid])
            else:
                if report is not None:
                    report("start", rid, t.path)
                result = run_task(job, t)
            sink.add_result(source, result)
            if report is not None:
                report("progress", 1, result.audio_seconds)
    sink.end()
