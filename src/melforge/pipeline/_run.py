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
from melforge.pipeline._compute import Job, resolve_preset
from melforge.pipeline.hf_inputs import is_hf_dataset
from melforge.pipeline.inputs import Source, describe_inputs, iter_sources
from melforge.pipeline.lock import OutputLock
from melforge.pipeline.plan import Plan, Work, fresh_plan, resume_plan, unique
from melforge.pipeline.shards import (
    SHARD_PATTERN,
    ShardInfo,
    infer_carried_schema,
    read_shard_index,
)
from melforge.pipeline.sink import REWRITE
from melforge.pipeline.store import FsspecStore, Store, open_store
from melforge.pipeline.summary import Summary

__all__ = ["featurize", "MANIFEST_NAME", "ERRORS_NAME"]

MANIFEST_NAME = "_melforge.json"
#: The errors log: JSON lines, so that a ``*.parquet`` glob of the folder (DuckDB,
#: polars, Spark) never mixes its rows into the dataset.
ERRORS_NAME = "_errors.jsonl"
#: Where melforge <= 0.x wrote it (read on resume, replaced by ERRORS_NAME).
LEGACY_ERRORS_NAME = "_errors.parquet"
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
    verify_content: bool = False,
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
        mappings with ``path_column`` (consumed lazily); or a Hugging Face
        ``datasets.Dataset`` with an audio column (a ``datasets.Audio`` feature of paths
        or bytes, read without decoding, or a struct of ``array`` and ``sampling_rate``),
        its other columns carried to the output.
    out : path or URL
        Output folder, created if missing (its parent folder must exist); an fsspec
        URL works with either engine.  One run at a time writes into a local folder
        (a second one raises :class:`~melforge.pipeline.OutputInUseError`).
    preset : str or preset object
        Feature recipe: a :mod:`melforge.presets` name (``"whisper-80"``,
        ``"kaldi-fbank-80"``, ``"wav2vec2"``, ``"librosa-mel"``, ``"mfcc-13"``) or a
        preset object (``sample_rate``, ``n_features``, ``to_dict()``, callable on
        ``(y, sr)`` returning features in the layout its ``layout`` attribute
        declares, ``melforge.presets.FRAMES_X_FEATURES`` or ``FEATURES_X_FRAMES``).
    workers : int or None
        Local engine: worker processes (default: every usable CPU).  Dask engine without
        ``scheduler``: workers of the ``LocalCluster`` it starts.
    engine : {"local", "dask"}
        Where the work runs.
    scheduler : str or None
        Dask scheduler address (``tcp://host:8786``); without it a ``LocalCluster``
        is started.
    path_column : str
        Manifest column with the audio path (for a ``datasets.Dataset``: its audio
        column, needed only when it has several).
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
        Continue a matching earlier run in ``out`` (default): inputs whose rows are
        there and whose file did not change (size and modification time) are kept;
        changed inputs are computed again, inputs that failed are retried, inputs no
        longer listed are dropped, and new inputs are added as new shards.
        ``False`` refuses to touch an existing dataset unless ``overwrite``.
    overwrite : bool
        Delete an existing dataset in ``out`` first (needed to change the recipe).
    verify_content : bool
        Also record each input's SHA-256, and on resume keep an input's rows only when
        its bytes still hash the same (every input is read once more).
    timeout : float or None
        Seconds one file (or segment) may take before its worker process is killed and
        the file recorded as failed (``TimeoutError``); with the Dask engine the killed
        Dask worker is restarted by its nanny and the shard's task run again.
    progress : bool
        Show a progress bar on stderr: files done (a segmented file counts once) out
        of the files to process, counted first when ``inputs`` are paths, with an ETA.

    Returns
    -------
    Summary
        Counts, audio hours, wall time, throughput and output size.

    Raises
    ------
    ParameterError
        Bad options, a different recipe already in ``out``, an input listed twice.
    OutputInUseError
        Another run is writing into ``out`` (its PID and host are named).
    OutputError
        ``out`` cannot be written: permission denied, read-only storage, disk full,
        missing parent folder (the path and the operating system's error are named).

    Examples
    --------
    Featurize the bundled speech clip into a folder and read it back (the features
    column is ``(n_frames, n_features)``: 415 frames of 13 MFCCs and their deltas):

    >>> import melforge
    >>> summary = melforge.featurize([melforge.ex("speech")], "feats", preset="mfcc-13",
    ...                              workers=1)
    >>> summary.files_ok, summary.files_failed, summary.rows
    (1, 0, 1)
    >>> from melforge.pipeline import FeatureDataset
    >>> FeatureDataset("feats")[0]["features"].shape
    (415, 39)
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
    staging = None
    if is_hf_dataset(inputs):  # rows held in memory are staged as files for the workers
        import tempfile

        from melforge.pipeline.hf_inputs import HFInputs

        staging = tempfile.mkdtemp(prefix="melforge-hf-")
        try:
            inputs = HFInputs(inputs, column=path_column, stage_dir=staging)
        except BaseException:
            _remove_tree(staging)
            raise
    try:
        return _featurize(inputs, out, preset_obj, workers, engine, scheduler, path_column, root,
                          segment_seconds, format, files_per_shard, resume, overwrite,
                          verify_content, timeout, progress, t0)  # fmt: skip
    finally:
        if staging is not None:
            _remove_tree(staging)


def _remove_tree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _featurize(inputs: Any, out: Any, preset_obj: Any, workers: int | None, engine: str,
               scheduler: str | None, path_column: str, root: Any,
               segment_seconds: float | None, format: str, files_per_shard: int | None,
               resume: bool, overwrite: bool, verify_content: bool, timeout: float | None,
               progress: bool, t0: float) -> Summary:  # fmt: skip
    description = describe_inputs(inputs, path_column=path_column, root=root)
    store = open_store(out)
    store.create_root()
    lock = None if isinstance(store, FsspecStore) else OutputLock(store.root).acquire()
    try:
        run = _Run(store, inputs, description, preset_obj, path_column, root, segment_seconds,
                   format, files_per_shard, verify_content,
                   lock is not None and lock.read_only)  # fmt: skip
        run.prepare(resume=resume, overwrite=overwrite)
        if engine == "local":
            from melforge.pipeline.local import default_workers

            n_workers = workers or default_workers()
            stats = _run_local(store, run.job, run.carried, format, run.pending(), n_workers,
                               timeout, progress, run.total)  # fmt: skip
        else:
            from melforge.pipeline.dask_engine import run_dask

            bar = _progress_bar(progress, run.total)
            try:
                stats = run_dask(store, run.job, run.carried, format, run.pending(), workers,
                                 scheduler, bar.update if bar else None, timeout)  # fmt: skip
            finally:
                if bar:
                    bar.close()
            n_workers = stats.pop("workers")
        return run.finish(stats, engine, n_workers, t0)
    finally:
        if lock is not None:
            lock.release()


class _Run:
    """One featurize run: the output folder's state, the plan, and the bookkeeping."""

    def __init__(
        self,
        store: Store,
        inputs: Any,
        description: dict[str, Any],
        preset: Any,
        path_column: str,
        root: Any,
        segment_seconds: float | None,
        fmt: str,
        files_per_shard: int | None,
        verify_content: bool,
        read_only: bool,
    ) -> None:
        self.store = store
        self.inputs = inputs
        self.path_column = path_column
        self.root = root
        self.segment_seconds = segment_seconds
        self.fmt = fmt
        self.files_per_shard = files_per_shard
        self.read_only = read_only
        self.preset = preset
        self.job = Job(preset, segment_seconds, verify_content)
        self.recipe: dict[str, Any] = {}
        self.description = description
        self.plan = Plan()
        self.work: Iterator[Work] = iter(())
        self.carried: Any = None
        self.running = False
        #: Inputs to process (the progress bar's total), when counting them was cheap.
        self.total: int | None = None

    def sources(self) -> Iterator[Source]:
        """Return the inputs, each id once (a repeated id is refused)."""
        return unique(iter_sources(self.inputs, path_column=self.path_column, root=self.root))

    def prepare(self, *, resume: bool, overwrite: bool) -> None:
        """Check the folder against the recipe, clean it or refuse; plan the work."""
        store = self.store
        names = store.listdir()
        manifest = json.loads(store.read_bytes(MANIFEST_NAME)) if MANIFEST_NAME in names else None
        recorded = (manifest or {}).get("recipe") or {}
        size = self.files_per_shard
        if size is None and not overwrite and recorded.get("files_per_shard"):
            size = int(recorded["files_per_shard"])  # resume: the dataset's own shard size
        if _lists_paths(self.inputs):  # countable: every id is checked once, up front
            n = sum(1 for _ in self.sources())
            self.total = n
            if size is None:
                size = _default_size(n, self.segment_seconds, lazy=False)
        elif size is None:
            size = _default_size(0, self.segment_seconds, lazy=True)
        self.recipe = {
            "preset": self.preset.to_dict(),
            "segment_seconds": self.segment_seconds,
            "format": self.fmt,
            "files_per_shard": size,
        }
        _check_folder(store, names, manifest, self.recipe, resume=resume, overwrite=overwrite)
        if overwrite:
            _clear(store, names)
        elif not self.read_only:
            for name in names:  # leftovers of killed runs (the lock says no run is writing)
                if name.startswith(".") and name.endswith(".tmp"):
                    store.remove(name)
        index = read_shard_index(store)
        if not index:
            groups = fresh_plan(self.sources(), size)
            first = next(groups, None)
            if first is None:
                warnings.warn(
                    f"no audio inputs found in {self.inputs!r} (audio files are recognized by "
                    "their extension); nothing to featurize",
                    stacklevel=3,
                )
            self.carried = _carried_schema(store, index, first)
            self.work = itertools.chain([first], groups) if first is not None else iter(())
            return
        self.plan = resume_plan(store, index, list(self.sources()), size,
                                verify_content=self.job.verify_content,
                                retry_failed=not self.read_only)  # fmt: skip
        if self.plan.not_retried:
            warnings.warn(
                f"{store.root} is read-only: {self.plan.not_retried} failed input(s) were not "
                "retried",
                stacklevel=3,
            )
        self.carried = _carried_schema(store, index, None)
        self.work = iter(self.plan.work)
        self.total = sum(len(w[2]) for w in self.plan.work)
        if self.plan.drop:
            self._mark_running()
            for k in self.plan.drop:
                _remove_shard(store, index[k].name)

    def _mark_running(self) -> None:
        if self.running:
            return
        self.running = True
        self.store.write_bytes_atomic(MANIFEST_NAME, self._manifest("running", None))

    def pending(self) -> Iterator[Work]:
        """Yield the shards to write; the manifest says "running" once the first is taken."""
        for item in self.work:
            if item[3].get(REWRITE, True):  # not a shard that may only be verified
                self._mark_running()
            yield item

    def _manifest(self, status: str, counts: dict[str, Any] | None) -> bytes:
        import melforge

        doc: dict[str, Any] = {
            "melforge_version": melforge.__version__,
            "layout": "melforge-features/1",
            "status": status,
            "recipe": self.recipe,
            "inputs": self.description,
        }
        if counts is not None:
            doc["counts"] = counts
        return json.dumps(doc, indent=2, default=str).encode()

    def finish(self, stats: dict[str, Any], engine: str, workers: int, t0: float) -> Summary:
        """Write the errors log and the manifest (only where they change); summarize."""
        store = self.store
        index = read_shard_index(store)
        failed = [f for k in sorted(index) for f in index[k].failed]
        errors_path = _write_errors(store, failed, read_only=self.read_only)
        counts = {
            "shards": len(index),
            "inputs": sum(i.n_inputs for i in index.values()),
            "rows": sum(i.rows for i in index.values()),
            "failed": len(failed),
            "audio_seconds": sum(i.audio_seconds for i in index.values()),
        }
        store.write_bytes_if_changed(MANIFEST_NAME, self._manifest("complete", counts))
        output_bytes = sum(store.size(info.name) for info in index.values())
        return Summary(
            out=store.root,
            files_ok=int(stats["files_ok"]),
            files_failed=int(stats["files_failed"]),
            files_skipped=self.plan.skipped + int(stats.get("reused", 0)),
            rows=int(stats["rows"]),
            audio_seconds=float(stats["audio_seconds"]),
            wall_seconds=time.monotonic() - t0,
            output_bytes=output_bytes,
            engine=engine,
            workers=workers,
            errors_path=errors_path,
            worker_peak_rss=int(stats.get("max_rss", 0)),
        )


def _lists_paths(inputs: Any) -> bool:
    """Whether ``inputs`` names paths (countable), rather than being a lazy iterable."""
    return isinstance(inputs, (str, os.PathLike, list, tuple)) or getattr(
        inputs, "countable", False
    )


def _default_size(n: int, segment_seconds: float | None, *, lazy: bool) -> int:
    hi, lazy_size = (256, 64) if segment_seconds is None else (16, 4)
    if lazy:
        return lazy_size
    return min(hi, max(1, -(-n // 64)))  # up to 64 shards, so every worker gets work


def _remove_shard(store: Store, name: str) -> None:
    """Delete a shard (and, for npy datasets, the feature files it lists)."""
    import pyarrow.parquet as pq

    try:
        with store.open_read(name) as f:
            pf = pq.ParquetFile(f)
            if "features_path" in pf.schema_arrow.names:
                for p in pf.read(columns=["features_path"]).column(0).to_pylist():
                    store.remove(p)
    except (OSError, ValueError):  # a damaged shard is removed all the same
        pass
    store.remove(name)


def _write_errors(store: Store, failed: list[dict[str, str]], *, read_only: bool) -> str | None:
    """Write (or remove) the errors log; return its path when the dataset has failures."""
    if failed:
        text = "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failed)
        store.write_bytes_if_changed(ERRORS_NAME, text.encode("utf-8"))
    elif store.exists(ERRORS_NAME):
        store.remove(ERRORS_NAME)
    if store.exists(LEGACY_ERRORS_NAME):  # an earlier version's log, replaced by ours
        if read_only and not store.exists(ERRORS_NAME):
            return store.url(LEGACY_ERRORS_NAME) if failed else None
        store.remove(LEGACY_ERRORS_NAME)
    return store.url(ERRORS_NAME) if failed else None


def _carried_schema(store: Store, index: dict[int, ShardInfo], first: Work | None) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if index:
        with store.open_read(index[min(index)].name) as f:
            schema = pq.read_schema(f)
        return pa.schema([f for f in schema if f.name not in _FIXED])
    rows = [dict(s.columns) for s in first[2]] if first is not None else []
    return infer_carried_schema(rows)


def _check_folder(
    store: Store,
    names: list[str],
    manifest: dict[str, Any] | None,
    recipe: dict[str, Any],
    *,
    resume: bool,
    overwrite: bool,
) -> None:
    """Refuse a folder holding another dataset (unless ``overwrite``)."""
    has_shards = any(SHARD_PATTERN.match(n) for n in names)
    if (manifest is None and not has_shards) or overwrite:
        return
    if manifest is None:
        raise ParameterError(
            f"out={store.root!r} holds part-*.parquet files but no {MANIFEST_NAME}; "
            "choose another folder or pass overwrite=True"
        )
    if _normalize(manifest.get("recipe")) != _normalize(recipe):
        raise ParameterError(
            f"out={store.root!r} holds a dataset made with a different recipe; "
            "pass overwrite=True to replace it, or choose another folder"
        )
    if not resume:
        raise ParameterError(
            f"out={store.root!r} already holds this dataset and resume=False; "
            "pass overwrite=True to start over"
        )


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
        elif n in (MANIFEST_NAME, ERRORS_NAME, LEGACY_ERRORS_NAME) or (
            n.startswith(".") and n.endswith(".tmp")
        ):
            store.remove(n)


def _run_local(
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    pending: Iterator[Work],
    workers: int,
    timeout: float | None,
    progress: bool,
    total: int | None,
) -> dict[str, Any]:
    from melforge.pipeline.local import run_local

    bar = _progress_bar(progress, total)
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
    """A tqdm bar counting files (not segments) of ``total``, with ETA and audio-hours/min."""

    def __init__(self, total: int | None) -> None:
        from tqdm.auto import tqdm

        class _NoMonitor(tqdm):  # type: ignore[misc, valid-type]
            monitor_interval = 0  # no monitor thread in a process that forks workers

        self.t0 = time.monotonic()
        self.audio = 0.0
        self.tqdm = _NoMonitor(
            total=total, unit="file", desc="featurize", dynamic_ncols=True, smoothing=0.1
        )

    def update(self, n: int, audio_seconds: float) -> None:
        self.audio += audio_seconds
        dt = max(time.monotonic() - self.t0, 1e-9)
        self.tqdm.set_postfix_str(f"{self.audio / 3600 / dt * 60:.3f} audio-h/min", refresh=False)
        self.tqdm.update(n)

    def close(self) -> None:
        self.tqdm.close()


def _progress_bar(progress: bool, total: int | None) -> _Bar | None:
    return _Bar(total) if progress else None
