"""The Dask engine: one task per shard, each written by the worker straight to ``out``.

The client walks the inputs and submits shards as they fill, keeping at most a few
per worker in flight; each task featurizes its shard's inputs in order with the same
code as the local engine (:func:`melforge.pipeline.sink.write_shard`) and renames the
finished file into place itself, so the output must be a path every worker can reach
(a shared filesystem) or an fsspec URL.  ``dask`` is imported only here, only when
this engine runs.

Per-file timeouts: Dask has no task timeout (dask/distributed#391), and a thread stuck
in a decoder cannot be stopped, so a watchdog thread in the task notes the overrunning
file in a hidden marker next to the shard and SIGKILLs its own worker process, as the
local engine kills its worker.  The nanny starts a new worker, the scheduler reruns the
task (up to ``distributed.scheduler.allowed-failures`` times), and the rerun records
that file as ``TimeoutError`` without reading it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from melforge.pipeline._compute import Failure, Job
from melforge.pipeline.errors import OutputError
from melforge.pipeline.inputs import Source
from melforge.pipeline.shards import shard_name
from melforge.pipeline.sink import REWRITE, write_shard
from melforge.pipeline.store import Store

__all__ = ["run_dask"]


def _marker(k: int) -> str:
    """Name of shard ``k``'s timed-out files (hidden, ``.tmp``: cleared by every run)."""
    return f".{shard_name(k)}.timeouts.tmp"


def _read_marker(store: Store, k: int) -> dict[str, Failure]:
    try:
        rows = json.loads(store.read_bytes(_marker(k)))
    except (FileNotFoundError, ValueError):
        return {}
    return {r["id"]: Failure(**r) for r in rows}


def _shard_task(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    k: int,
    first: int,
    sources: list[Source],
    timeout: float | None,
    reuse: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write shard ``k`` in a Dask worker; kill that worker if a file overruns ``timeout``."""
    known = _read_marker(store, k)
    if timeout is None:
        return write_shard(store, job, carried, fmt, k, first, sources, known, None, reuse)
    current: list[Any] = [None]  # (row id, path, start time) of the file being computed

    def report(kind: str, *args: Any) -> None:
        current[0] = (args[0], args[1], time.monotonic()) if kind == "start" else None

    done = threading.Event()

    def watchdog() -> None:
        while not done.wait(min(1.0, timeout / 4)):
            now = current[0]
            if now is not None and time.monotonic() - now[2] > timeout:
                failure = Failure(now[0], now[1], "TimeoutError",
                                  f"featurizing took longer than {timeout=} s; its Dask "
                                  "worker was killed and the shard run again")  # fmt: skip
                rows = [f.to_dict() for f in {**known, failure.id: failure}.values()]
                store.write_bytes_atomic(_marker(k), json.dumps(rows).encode())
                os.kill(os.getpid(), signal.SIGKILL)

    thread = threading.Thread(target=watchdog, name=f"melforge-timeout-{k}", daemon=True)
    thread.start()
    try:
        return write_shard(store, job, carried, fmt, k, first, sources, known, report, reuse)
    finally:
        done.set()


def run_dask(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    pending: Iterator[tuple[int, int, list[Source], dict[str, Any]]],
    workers: int | None,
    scheduler: str | None,
    on_progress: Callable[[int, float], None] | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run the pending shards on a Dask cluster and return the run's counts.

    Without ``scheduler`` a ``LocalCluster`` of ``workers`` single-threaded worker
    processes is started for the run and closed after it.  ``timeout``: seconds one
    file may take before its worker is killed (see the module notes).
    """
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers or 2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    totals = {"files_ok": 0, "files_failed": 0, "rows": 0, "audio_seconds": 0.0, "max_rss": 0,
              "reused": 0}  # fmt: skip
    try:
        n_workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        window = 2 * n_workers + 2
        shards: dict[Any, tuple[int, int, list[Source], dict[str, Any]]] = {}
        ac = as_completed()
        for _ in range(window):
            if not _submit(client, ac, shards, pending, store, job, carried, fmt, timeout):
                break
        for future in ac:
            k, first, sources, reuse = shards.pop(future)
            try:
                stats = future.result()
            except OutputError:  # the disk is full, the folder read-only, ...: stop
                raise
            except Exception as e:  # the shard's task kept killing workers
                stats = _record_lost_shard(store, job, carried, fmt, k, first, sources, e, reuse)
            totals["files_ok"] += stats["files_ok"]
            totals["files_failed"] += stats["failures"]
            totals["rows"] += stats["rows"]
            totals["audio_seconds"] += stats["audio_seconds"]
            totals["max_rss"] = max(totals["max_rss"], stats.get("max_rss", 0))
            totals["reused"] += stats.get("reused", 0)
            if on_progress is not None:  # per shard: files and audio seconds
                on_progress(stats["n_inputs"], stats["audio_seconds"])
            _tidy(store, k)
            _submit(client, ac, shards, pending, store, job, carried, fmt, timeout)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {**totals, "workers": n_workers}


def _submit(
    client: Any,
    ac: Any,
    shards: dict[Any, Any],
    pending: Iterator[Any],
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    timeout: float | None,
) -> bool:
    item = next(pending, None)
    if item is None:
        return False
    k, first, sources, reuse = item
    future = client.submit(
        _shard_task, store, job, carried, fmt, k, first, sources, timeout, reuse,
        key=f"melforge-shard-{k:05d}-{id(shards):x}", pure=False,
    )  # fmt: skip
    shards[future] = item
    ac.add(future)
    return True


def _tidy(store: Store, k: int) -> None:
    """Remove what killed attempts at shard ``k`` left: temporary files, its marker."""
    prefix = f".{shard_name(k)}."
    for name in store.listdir():
        if name.startswith(prefix) and name.endswith(".tmp"):
            store.remove(name)


def _record_lost_shard(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    k: int,
    first: int,
    sources: list[Source],
    error: BaseException,
    reuse: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write shard ``k`` from the client with every input failed (its task kept dying).

    On a resume, the inputs whose rows the earlier version of the shard holds keep them
    (copied, as the task would have); only the others are recorded as failed.
    """
    message = (
        f"the Dask task for shard {k} failed ({type(error).__name__}: {error}); "
        "a worker crashed or overran the timeout on its files too many times"
    )
    kept = {i for i in (reuse or {}) if i != REWRITE}
    known = {s.id: Failure(s.id, s.path, "WorkerCrashed", message)
             for s in sources if s.id not in kept}  # fmt: skip
    stats = write_shard(store, job, carried, fmt, k, first, sources, known, None,
                        {**(reuse or {}), REWRITE: True})  # fmt: skip
    return {**stats, "n_inputs": len(sources)}
