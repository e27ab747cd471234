"""``melforge.featurize``: validate, prepare the output folder, run an engine, summarize."""

from __future__ import annotations

import itertools
import json
import os
import time
import warnings
from collections.abc import Iterator
from typing import Any

from melforge._errors import ParameterError
from melforge._validate import check_positive_int, check_positive_number
from melforge.pipeline._compute import (
    TEST_CRASH_ENV,
    TEST_DELAY_ENV,
    TEST_HANG_ENV,
    Job,
    resolve_preset,
)
from melforge.pipeline.inputs import Source, describe_inputs, iter_sources
from melforge.pipeline.shards import (
    SHARD_PATTERN,
    ShardInfo,
    ids_digest,
    infer_carried_schema,
    read_shard_index,
)
from melforge.pipeline.store import Store, open_store
from melforge.pipeline.summary import Summary

__all__ = ["featurize", "MANIFEST_NAME", "ERRORS_NAME"]

MANIFEST_NAME = "_melforge.json"
ERRORS_NAME = "_errors.parquet"
_FIXED = {"id", "path", "offset_s", "duration_s", "sample_rate", "num_frames", "features",
          "features_path"}  # fmt: skip


def featurize(
    inputs: Any,
    out: str | os.PathLike[str],
    *,
    preset: Any = "whisper-80",
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    path_column: str = "path",
    root: str | os.PathLike[str] | None = None,
    segment_seconds: float | None = None,
    format: str = "parquet",
    files_per_shard: int | None = None,
    resume: bool = True,
    overwrite: bool = False,
    timeout: float | None = 600.0,
    progress: bool = False,
) -> Summary:
    """Featurize a dataset into Parquet shards, in parallel, resumably.

    Parameters
    ----------
    inputs : path, sequence of paths, or iterable
        A directory (walked recursively; audio recognized by extension), audio files, a
        manifest (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet`` with a ``path_column``;
        other columns are carried to the output), or any iterable of paths or of
        mappings with ``path_column`` (consumed lazily).
    out : path or URL
        Output folder (created); an fsspec URL works with either engine.
    preset : str or preset object
        Feature recipe: a :mod:`melforge.presets` name (``"whisper-80"``,
        ``"kaldi-fbank-80"``, ``"wav2vec2"``, ``"librosa-mel"``, ``"mfcc-13"``) or a
        preset object (``sample_rate``, ``n_features``, ``to_dict()``, callable on
        ``(y, sr)``).
    workers : int or None
        Local engine: worker processes (default: every usable CPU).  Dask engine without
        ``scheduler``: workers of the ``LocalCluster`` it starts.
    engine : {"local", "dask"}
        Where the work runs.
    scheduler : str or None
        Dask scheduler address (``tcp://host:8786``); without it a ``LocalCluster``
        is started.
    path_column : str
        Manifest column with the audio path.
    root : path or None
        Folder relative manifest paths resolve against (default: the manifest's folder).
    segment_seconds : float or None
        Cut each file into segments of this many seconds (the last one shorter), one row
        each, computed one segment at a time so memory stays bounded.
    format : {"parquet", "npy"}
        ``"npy"`` writes one ``.npy`` per row mirroring the input tree; the shards
        then hold every column but ``features`` (``features_path`` instead).
    files_per_shard : int or None
        Inputs per shard: the unit of atomic output, of resume and of work given to a
        worker.  Default: 1/64 of the inputs rounded up (so that every worker gets
        work), at most 256 (with ``segment_seconds``: at most 16); 64 (4) when
        ``inputs`` is a lazy iterable that cannot be counted.  It depends on the inputs
        only, never on the number of workers.
    resume : bool
        Skip inputs already in complete shards of a matching earlier run (default).
        ``False`` refuses to touch an existing dataset unless ``overwrite``.
    overwrite : bool
        Delete an existing dataset in ``out`` first (needed to change the recipe).
    timeout : float or None
        Seconds one file (or segment) may take before its worker process is killed and
        the file recorded as failed (``TimeoutError``); with the Dask engine the killed
        Dask worker is restarted by its nanny and the shard's task run again.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    Summary
        Counts, audio hours, wall time, throughput and output size.

    Raises
    ------
    ParameterError
        Bad options, a different recipe already in ``out``, or inputs that changed under
        a complete shard.
    """
    t0 = time.monotonic()
    if engine not in ("local", "dask"):
        raise ParameterError(f"{engine=} must be 'local' or 'dask'")
    if format not in ("parquet", "npy"):
        raise ParameterError(f"{format=} must be 'parquet' or 'npy'")
    if workers is not None:
        workers = check_positive_int("workers", workers)
    if files_per_shard is not None:
        files_per_shard = check_positive_int("files_per_shard", files_per_shard)
    if segment_seconds is not None:
        segment_seconds = check_positive_number("segment_seconds", segment_seconds)
    if timeout is not None:
        timeout = check_positive_number("timeout", timeout)
    if scheduler is not None and engine != "dask":
        raise ParameterError(f"{scheduler=} needs engine='dask'")
    preset_obj = resolve_preset(preset)
    if files_per_shard is None:
        files_per_shard = auto_files_per_shard(inputs, segment_seconds, path_column, root)
    job = Job(
        preset_obj,
        segment_seconds,
        crash_on=os.environ.get(TEST_CRASH_ENV) or None,
        hang_on=os.environ.get(TEST_HANG_ENV) or None,
        delay=float(os.environ.get(TEST_DELAY_ENV) or 0.0),
    )
    recipe = {
        "preset": preset_obj.to_dict(),
        "segment_seconds": segment_seconds,
        "format": format,
        "files_per_shard": files_per_shard,
    }
    store = open_store(out)
    description = describe_inputs(inputs, path_column=path_column, root=root)
    _prepare(store, recipe, description, resume=resume, overwrite=overwrite)
    index = read_shard_index(store)

    groups = _groups(iter_sources(inputs, path_column=path_column, root=root), files_per_shard)
    first = next(groups, None)
    if first is None:
        warnings.warn(
            f"no audio inputs found in {inputs!r} (audio files are recognized by their "
            f"extension); nothing to featurize",
            stacklevel=2,
        )
    carried = _carried_schema(store, index, first)
    if first is not None:
        groups = itertools.chain([first], groups)
    counts = {"skipped": 0}
    pending = _skip_complete(groups, index, counts)

    if engine == "local":
        from melforge.pipeline.local import default_workers

        n_workers = workers or default_workers()
        stats = _run_local(store, job, carried, format, pending, n_workers, timeout, progress)
    else:
        from melforge.pipeline.dask_engine import run_dask

        bar = _progress_bar(progress)
        try:
            stats = run_dask(store, job, carried, format, pending, workers, scheduler,
                             bar.update if bar else None, timeout)  # fmt: skip
        finally:
            if bar:
                bar.close()
        n_workers = stats.pop("workers")

    return _finish(store, recipe, description, stats, counts, engine, n_workers, t0)


def auto_files_per_shard(
    inputs: Any, segment_seconds: float | None, path_column: str, root: Any
) -> int:
    """Return the default shard size for these inputs (counted when they are not lazy)."""
    hi, lazy = (256, 64) if segment_seconds is None else (16, 4)
    if not isinstance(inputs, (str, os.PathLike, list, tuple)):
        return lazy
    n = sum(1 for _ in iter_sources(inputs, path_column=path_column, root=root))
    return min(hi, max(1, -(-n // 64)))  # up to 64 shards, so every worker gets work


def _groups(sources: Iterator[Source], size: int) -> Iterator[tuple[int, int, list[Source]]]:
    """Chunk the inputs into shards: (shard number, first input number, sources)."""
    for k in itertools.count():
        chunk = list(itertools.islice(sources, size))
        if not chunk:
            return
        yield k, k * size, chunk


def _skip_complete(
    groups: Iterator[tuple[int, int, list[Source]]],
    index: dict[int, ShardInfo],
    counts: dict[str, int],
) -> Iterator[tuple[int, int, list[Source]]]:
    """Drop shards that are already complete, after checking they hold these inputs."""
    for k, first, sources in groups:
        done = index.get(k)
        if done is None:
            yield k, first, sources
            continue
        if done.ids_sha1 != ids_digest(s.id for s in sources) or done.first_index != first:
            raise ParameterError(
                f"the inputs changed since {done.name} was written (its ids differ from "
                f"inputs {first}..{first + len(sources) - 1}); featurize into a new folder "
                "or pass overwrite=True"
            )
        counts["skipped"] += len(sources)


def _carried_schema(
    store: Store, index: dict[int, ShardInfo], first: tuple[int, int, list[Source]] | None
) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if index:
        with store.open_read(index[min(index)].name) as f:
            schema = pq.read_schema(f)
        return pa.schema([f for f in schema if f.name not in _FIXED])
    rows = [dict(s.columns) for s in first[2]] if first is not None else []
    return infer_carried_schema(rows)


def _prepare(
    store: Store,
    recipe: dict[str, Any],
    description: dict[str, Any],
    *,
    resume: bool,
    overwrite: bool,
) -> None:
    """Check the output folder against the recipe; clean it or refuse; write the manifest."""
    names = store.listdir()
    has_shards = any(SHARD_PATTERN.match(n) for n in names)
    manifest = None
    if MANIFEST_NAME in names:
        manifest = json.loads(store.read_bytes(MANIFEST_NAME))
    if (manifest is not None or has_shards) and not overwrite:
        if manifest is None:
            raise ParameterError(
                f"out={store.root!r} holds part-*.parquet files but no {MANIFEST_NAME}; "
                "choose another folder or pass overwrite=True"
            )
        if _normalize(manifest.get("recipe")) != _normalize(recipe):
            raise ParameterError(
                f"out={store.root!r} holds a dataset made with a different recipe; "
                "pass overwrite=True (--overwrite) to replace it, or choose another folder"
            )
        if not resume:
            raise ParameterError(
                f"out={store.root!r} already holds this dataset and resume=False; "
                "pass overwrite=True (--overwrite) to start over"
            )
    if overwrite:
        _clear(store, names)
        names = store.listdir()
    for n in names:  # leftovers of killed runs
        if n.startswith(".") and n.endswith(".tmp"):
            store.remove(n)
    store.makedirs()
    import melforge

    doc = {
        "melforge_version": melforge.__version__,
        "layout": "melforge-features/1",
        "status": "running",
        "recipe": recipe,
        "inputs": description,
    }
    if manifest is not None and not overwrite:
        doc["counts"] = manifest.get("counts")
    store.write_bytes_atomic(MANIFEST_NAME, json.dumps(doc, indent=2, default=str).encode())


def _normalize(obj: Any) -> Any:
    return json.loads(json.dumps(obj, sort_keys=True, default=str))


def _clear(store: Store, names: list[str]) -> None:
    import pyarrow.parquet as pq

    for n in names:
        if SHARD_PATTERN.match(n):
            try:  # npy datasets: drop the feature files the shard lists
                with store.open_read(n) as f:
                    pf = pq.ParquetFile(f)
                    if "features_path" in pf.schema_arrow.names:
                        for p in pf.read(columns=["features_path"]).column(0).to_pylist():
                            store.remove(p)
            except Exception:  # noqa: BLE001 - a damaged shard is removed all the same
                pass
            store.remove(n)
        elif n in (MANIFEST_NAME, ERRORS_NAME) or (n.startswith(".") and n.endswith(".tmp")):
            store.remove(n)


def _run_local(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    pending: Iterator[tuple[int, int, list[Source]]],
    workers: int,
    timeout: float | None,
    progress: bool,
) -> dict[str, Any]:
    from melforge.pipeline.local import run_local

    bar = _progress_bar(progress)
    try:
        return run_local(
            pending,
            store,
            job,
            carried,
            fmt,
            workers=workers,
            timeout=timeout,
            on_progress=bar.update if bar else None,
            warm=lambda: _warm_up(job),
        )
    finally:
        if bar:
            bar.close()


def _warm_up(job: Job) -> None:
    """Do once the set-up every forked worker would otherwise repeat.

    Workers forked after this inherit it: the decoder, resampler and Parquet modules,
    and the preset's lazily built state (its feature modules, filterbank and window
    caches), found by running it on 0.5 s of silence.  The local engine calls it once,
    before forking its first worker (forked workers only).  Best effort: a preset that
    fails on silence is simply not warmed.
    """
    import numpy as np
    import pyarrow.parquet  # noqa: F401
    import soundfile  # noqa: F401
    import soxr  # noqa: F401

    import melforge.audio  # noqa: F401
    import melforge.pipeline.sink  # noqa: F401
    from melforge.pipeline._compute import featurize_array, single_threaded

    sr = int(job.preset.sample_rate)
    try:
        with single_threaded():
            featurize_array(job, np.zeros(sr // 2, dtype=np.float32), sr)
    except Exception:  # noqa: BLE001, S110 - warming is an optimization only
        pass


class _Bar:
    """A tqdm bar showing files/s and audio-hours/s."""

    def __init__(self) -> None:
        from tqdm.auto import tqdm

        class _NoMonitor(tqdm):  # type: ignore[misc, valid-type]
            monitor_interval = 0  # no monitor thread in a process that forks workers

        self.t0 = time.monotonic()
        self.audio = 0.0
        self.tqdm = _NoMonitor(unit="file", desc="featurize", dynamic_ncols=True, smoothing=0.1)

    def update(self, n: int, audio_seconds: float) -> None:
        self.audio += audio_seconds
        dt = max(time.monotonic() - self.t0, 1e-9)
        self.tqdm.set_postfix_str(f"{self.audio / 3600 / dt * 60:.3f} audio-h/min", refresh=False)
        self.tqdm.update(n)

    def close(self) -> None:
        self.tqdm.close()


def _progress_bar(progress: bool) -> _Bar | None:
    return _Bar() if progress else None


def _finish(
    store: Store,
    recipe: dict[str, Any],
    description: dict[str, Any],
    stats: dict[str, Any],
    counts: dict[str, int],
    engine: str,
    workers: int,
    t0: float,
) -> Summary:
    """Write ``_errors.parquet`` from every shard's footer, update the manifest, summarize."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    index = read_shard_index(store)
    failed = [f for k in sorted(index) for f in index[k].failed]
    errors_path = None
    if failed:
        import io

        table = pa.Table.from_pylist(
            failed,
            schema=pa.schema(
                [
                    ("id", pa.string()),
                    ("path", pa.string()),
                    ("error", pa.string()),
                    ("message", pa.string()),
                ]  # fmt: skip
            ),
        )
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd")
        store.write_bytes_atomic(ERRORS_NAME, buf.getvalue())
        errors_path = store.url(ERRORS_NAME)
    else:
        store.remove(ERRORS_NAME)
    output_bytes = sum(store.size(info.name) for info in index.values())
    import melforge

    doc = {
        "melforge_version": melforge.__version__,
        "layout": "melforge-features/1",
        "status": "complete",
        "recipe": recipe,
        "inputs": description,
        "counts": {
            "shards": len(index),
            "inputs": sum(i.n_inputs for i in index.values()),
            "rows": sum(i.rows for i in index.values()),
            "failed": len(failed),
            "audio_seconds": sum(i.audio_seconds for i in index.values()),
        },
    }
    store.write_bytes_atomic(MANIFEST_NAME, json.dumps(doc, indent=2, default=str).encode())
    return Summary(
        out=store.root,
        files_ok=int(stats["files_ok"]),
        files_failed=int(stats["files_failed"]),
        files_skipped=counts["skipped"],
        rows=int(stats["rows"]),
        audio_seconds=float(stats["audio_seconds"]),
        wall_seconds=time.monotonic() - t0,
        output_bytes=output_bytes,
        engine=engine,
        workers=workers,
        errors_path=errors_path,
        worker_peak_rss=int(stats.get("max_rss", 0)),
    )
