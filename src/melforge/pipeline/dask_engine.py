"""The Dask engine: one task per shard, each written by the worker straight to ``out``.

The client walks the inputs and submits shards as they fill, keeping at most a few
per worker in flight; each task featurizes its shard's inputs in order with the same
code as the local engine (:func:`melforge.pipeline.sink.write_shard`) and renames the
finished file into place itself, so the output must be a path every worker can reach
(a shared filesystem) or an fsspec URL.  ``dask`` is imported only here, only when
this engine runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from melforge.pipeline._compute import Failure, Job
from melforge.pipeline.inputs import Source
from melforge.pipeline.sink import ShardSink, write_shard
from melforge.pipeline.store import Store

__all__ = ["run_dask"]


def run_dask(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    pending: Iterator[tuple[int, int, list[Source]]],
    workers: int | None,
    scheduler: str | None,
    progress: bool,
) -> dict[str, Any]:
    """Run the pending shards on a Dask cluster and return the run's counts.

    Without ``scheduler`` a ``LocalCluster`` of ``workers`` single-threaded worker
    processes is started for the run and closed after it.
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
    totals = {"files_ok": 0, "files_failed": 0, "rows": 0, "audio_seconds": 0.0, "max_rss": 0}
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(unit="file", desc="featurize (dask)", dynamic_ncols=True)
    try:
        n_workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        window = 2 * n_workers + 2
        shards: dict[Any, tuple[int, int, list[Source]]] = {}
        ac = as_completed()
        for _ in range(window):
            if not _submit(client, ac, shards, pending, store, job, carried, fmt):
                break
        for future in ac:
            k, first, sources = shards.pop(future)
            try:
                stats = future.result()
            except Exception as e:  # the shard's task kept killing workers
                stats = _record_lost_shard(store, job, carried, fmt, k, first, sources, e)
            totals["files_ok"] += stats["files_ok"]
            totals["files_failed"] += stats["failures"]
            totals["rows"] += stats["rows"]
            totals["audio_seconds"] += stats["audio_seconds"]
            totals["max_rss"] = max(totals["max_rss"], stats.get("max_rss", 0))
            if bar is not None:
                bar.update(stats["n_inputs"])
            _submit(client, ac, shards, pending, store, job, carried, fmt)
    finally:
        if bar is not None:
            bar.close()
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
) -> bool:
    item = next(pending, None)
    if item is None:
        return False
    k, first, sources = item
    future = client.submit(
        write_shard, store, job, carried, fmt, k, first, sources,
        key=f"melforge-shard-{k:05d}-{id(shards):x}", pure=False,
    )  # fmt: skip
    shards[future] = item
    ac.add(future)
    return True


def _record_lost_shard(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    k: int,
    first: int,
    sources: list[Source],
    error: BaseException,
) -> dict[str, Any]:
    """Write shard ``k`` from the client with every input failed (its task kept dying)."""
    sink = ShardSink(store, job, carried, fmt)
    sink.begin(k, first)
    message = (
        f"the Dask task for shard {k} failed ({type(error).__name__}: {error}); "
        "a worker crashed on one of its files"
    )
    for s in sources:
        sink.add_input(s, Failure(s.id, s.path, "WorkerCrashed", message))
    sink.end()
    return {
        "files_ok": 0, "failures": len(sources), "rows": 0, "audio_seconds": 0.0,
        "n_inputs": len(sources),
    }  # fmt: skip
