"""The work itself: one input (or one segment of it) to rows of features.

This module runs inside worker processes (local engine) and Dask workers; both
engines call :func:`run_task`, so their rows are identical.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge.presets.base import FEATURES_X_FRAMES, FRAMES_X_FEATURES, SAMPLES

__all__ = ["Job", "Task", "Row", "Failure", "TaskResult", "plan_tasks", "run_task"]


@dataclass(frozen=True)
class Job:
    """What every worker needs to know; pickled once per worker."""

    preset: Any
    segment_seconds: float | None = None
    verify_content: bool = False  # record and check each input's SHA-256


@dataclass(frozen=True)
class Task:
    """One unit of work: a whole file, or one segment of it."""

    seq: int
    index: int
    id: str
    path: str
    offset: float = 0.0
    duration: float | None = None
    segmented: bool = False


@dataclass(frozen=True)
class Row:
    """One output row, before the carried columns are attached."""

    id: str
    offset_s: float
    duration_s: float
    features: np.ndarray  # (frames, n_features) float32


@dataclass(frozen=True)
class Failure:
    """One failed input (or segment)."""

    id: str
    path: str
    error: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Return the failure as a plain dict (a line of ``_errors.jsonl``)."""
        return {"id": self.id, "path": self.path, "error": self.error, "message": self.message}


@dataclass
class TaskResult:
    """What a task gives back: its rows, or a failure."""

    seq: int
    index: int
    rows: list[Row] = field(default_factory=list)
    failure: Failure | None = None
    audio_seconds: float = 0.0
    max_rss: int = 0  # the worker's peak resident memory so far, bytes


def resolve_preset(preset: Any) -> Any:
    """Return a preset object from a name, a config path, ``hf:org/name``, a spec or itself.

    Names, model config files/folders and ``hf:org/name`` go through
    :func:`melforge.presets.resolve`; ``package.module:Name`` imports a custom recipe.
    """
    import os

    if isinstance(preset, os.PathLike) or isinstance(preset, dict):
        from melforge import presets

        return presets.resolve(preset)
    if isinstance(preset, str):
        is_import_spec = (
            ":" in preset and not preset.startswith("hf:") and not os.path.exists(preset)
        )
        if is_import_spec:  # "package.module:Name" — a custom recipe importable by workers
            import importlib

            module, _, attr = preset.partition(":")
            try:
                obj = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as e:
                raise ParameterError(f"{preset=} cannot be imported: {e}") from e
            return resolve_preset(obj() if isinstance(obj, type) else obj)
        from melforge import presets

        return presets.resolve(preset)
    for attr in ("sample_rate", "n_features", "to_dict"):
        if not hasattr(preset, attr):
            raise ParameterError(
                f"preset={preset!r} must be a preset name or a preset object (it has no {attr!r})"
            )
    if not callable(preset):
        raise ParameterError(f"preset={preset!r} is not callable on (y, sr)")
    if not callable(getattr(preset, "frames", None)):
        layout = getattr(preset, "layout", None)
        if layout not in LAYOUTS:
            raise ParameterError(
                f"preset={preset!r} must declare the layout of preset(y, sr) in its "
                f"'layout' attribute, one of {', '.join(map(repr, LAYOUTS))} "
                f"(melforge.presets.FRAMES_X_FEATURES, ...), got {layout!r}"
            )
    return preset


def segment_id(source_id: str, offset: float) -> str:
    """Return the id of the segment of ``source_id`` starting at ``offset`` seconds."""
    return f"{source_id}@{offset:g}"


def plan_tasks(
    index: int, source_id: str, path: str, segment_seconds: float | None, first_seq: int
) -> list[Task]:
    """Split one input into tasks: the whole file, or one task per segment.

    Segmenting reads the file's header (``melforge.info``) to learn its duration;
    the caller records a failure when that raises.
    """
    if segment_seconds is None:
        return [Task(first_seq, index, source_id, path)]
    from melforge.io import info

    total = float(info(path).duration)
    n = max(1, math.ceil(total / segment_seconds - 1e-9))
    tasks = []
    for j in range(n):
        offset = j * segment_seconds
        duration = segment_seconds if j < n - 1 else None  # the last one reads to the end
        tasks.append(Task(first_seq + j, index, source_id, path, offset, duration, segmented=True))
    return tasks


_CONTROLLER: list[Any] = []  # [(len(sys.modules) when built, ThreadpoolController)]


def single_threaded() -> Any:
    """Limit BLAS/OpenMP pools to one thread; return a context manager restoring them.

    Worker processes already run in parallel, so more threads would oversubscribe the
    CPUs; and a BLAS product's rounding can depend on its thread count, so one thread
    everywhere makes rows bit-identical across engines and machines.  Uses
    ``threadpoolctl`` when installed (otherwise the pools are left as they are).

    Finding the loaded libraries costs ~2 ms (a scan of every shared object), so the
    ``ThreadpoolController`` is kept and rebuilt only after new modules were imported
    (which is when a new BLAS or OpenMP library can appear).
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - optional
        import contextlib

        return contextlib.nullcontext()
    n_modules = len(sys.modules)
    if not _CONTROLLER or _CONTROLLER[0][0] != n_modules:
        _CONTROLLER[:] = [(n_modules, ThreadpoolController())]
    return _CONTROLLER[0][1].limit(limits=1)


#: The layouts a preset may declare in its ``layout`` attribute.
LAYOUTS = (FRAMES_X_FEATURES, FEATURES_X_FRAMES, SAMPLES)


def _as_frames(features: Any, n_features: int, layout: str) -> np.ndarray:
    """Return features given in ``layout`` as a C-contiguous float32 (frames, n_features).

    The layout is the preset's declaration, never guessed from the shape (a square
    output would be ambiguous); an output that does not fit it is refused.
    """
    a = np.asarray(features)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    want = 1 if layout == SAMPLES else 2
    if a.ndim != want or (layout == SAMPLES and n_features != 1):
        raise ValueError(
            f"the preset returned features of shape {a.shape}, which does not match its "
            f"declared layout {layout} with n_features={n_features}"
        )
    if layout == SAMPLES:
        a = a[:, None]
    elif layout == FEATURES_X_FRAMES:
        a = a.T
    if a.shape[1] != n_features:
        raise ValueError(
            f"the preset returned features of shape {tuple(np.asarray(features).shape)}, "
            f"which does not match its declared layout {layout} with n_features={n_features}"
        )
    return np.ascontiguousarray(a, dtype=np.float32)


def featurize_array(job: Job, y: np.ndarray, sr: int) -> np.ndarray:
    """Apply the job's preset to one signal; return (frames, n_features) float32."""
    preset = job.preset
    frames = getattr(preset, "frames", None)  # melforge presets: (n_frames, n_features)
    if callable(frames):
        return _as_frames(frames(y, sr), int(preset.n_features), FRAMES_X_FEATURES)
    return _as_frames(preset(y, sr), int(preset.n_features), str(preset.layout))


def run_task(job: Job, task: Task) -> TaskResult:
    """Featurize one task; never raises for a bad file (the failure is returned)."""
    from melforge.audio import load

    rid = segment_id(task.id, task.offset) if task.segmented else task.id
    result = TaskResult(task.seq, task.index)
    try:
        target = int(job.preset.sample_rate)
        if task.segmented:
            y, sr = load(
                task.path, sr=target, mono=True, offset=task.offset, duration=task.duration
            )
            if y.size == 0 and task.offset > 0:
                return result  # the header overstated the length: nothing left
        else:
            y, sr = load(task.path, sr=target, mono=True)
        feats = featurize_array(job, y, int(sr))
        seconds = y.shape[-1] / float(sr)
        result.rows.append(Row(rid, float(task.offset), seconds, feats))
        result.audio_seconds = seconds
    except Exception as e:  # a bad input never stops the run
        result.failure = Failure(rid, task.path, type(e).__name__, str(e))
    result.max_rss = peak_rss()
    return result


def peak_rss() -> int:
    """Return this process's peak resident set size in bytes (0 where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kb) * (1 if sys.platform == "darwin" else 1024)
