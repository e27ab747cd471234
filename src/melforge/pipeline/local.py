"""The local engine: a small process pool of our own over ``multiprocessing``.

Each worker featurizes whole shards and writes them itself (the same
:func:`~melforge.pipeline.sink.write_shard` a Dask task runs), so the parent does no
encoding and the output does not depend on the number of workers.  Before each file a
worker tells the parent which one it starts, which gives the parent per-file timeouts
and crash attribution.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one worker dies (a decoder
segfault) the executor is broken for good and every pending future fails.  Here each
worker holds one shard at a time over its own pipe; when a worker dies or overruns the
timeout on a file, the parent kills it, starts a replacement, records that file as
failed and gives the shard again (the file is then recorded without being read).

Inputs are pulled one shard per idle worker, so at most ``workers + 1`` shards of
inputs are in memory whatever the size of the manifest.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from melforge.pipeline._compute import Failure, Job, single_threaded
from melforge.pipeline.errors import OutputError
from melforge.pipeline.inputs import Source
from melforge.pipeline.lock import close_inherited
from melforge.pipeline.shards import shard_name
from melforge.pipeline.sink import write_shard
from melforge.pipeline.store import Store

__all__ = ["run_local", "default_workers"]

#: Modules the fork server (when chosen) imports once, so each worker starts warm.
_PRELOAD = ["__main__", "numpy", "melforge.pipeline.sink", "melforge.audio", "melforge.presets"]
#: Environment variable choosing the start method of worker processes.
START_METHOD_ENV = "MELFORGE_START_METHOD"
#: Attempts at a shard whose worker dies before starting any file.
_MAX_UNATTRIBUTED = 3
#: Segments of one file that may crash or time out before the whole file is skipped.
_MAX_LOST_SEGMENTS = 2

#: (shard number, first input number, sources, reusable old rows by source id)
Shard = tuple[int, int, list[Source], dict[str, Any]]
#: A shard as given to a worker: with the failures already known.
Given = tuple[int, int, list[Source], dict[str, Failure], dict[str, Any]]


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when its parent dies (best effort)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_main(
    conn: Connection, job: Job, store: Store, carried: Any, fmt: str, inherited: list[Any]
) -> None:
    """Loop of a worker process: receive a shard, write it, report, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if hasattr(signal, "SIGXFSZ"):  # over RLIMIT_FSIZE: an EFBIG error to report, not a death
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _die_with_parent()
    close_inherited()  # only the run's main process holds the output folder's lock
    for c in inherited:  # forked: other workers' pipe ends would hide the parent's death
        try:
            c.close()
        except OSError:
            pass
    single_threaded()  # for the worker's whole life
    try:
        import pyarrow as pa

        pa.set_cpu_count(1)  # parallelism comes from the workers
    except (ImportError, AttributeError):  # pragma: no cover
        pass

    def report(*message: Any) -> None:
        try:
            conn.send(message)
        except (OSError, ValueError) as e:  # the parent is gone
            raise _ParentGone from e

    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if item is None:
            return
        k, first, sources, known, reuse = item
        try:
            stats = write_shard(store, job, carried, fmt, k, first, sources, known, report,
                                reuse)  # fmt: skip
            message: tuple[Any, ...] = ("done", stats)
        except _ParentGone:
            return
        except OutputError as e:  # the disk is full, the folder read-only, ...
            message = ("output-error", str(e), e.errno)
        except Exception as e:  # noqa: BLE001 - reported, the parent stops the run
            message = ("error", f"{type(e).__name__}: {e}")
        try:
            conn.send(message)
        except (OSError, ValueError):
            return


class _ParentGone(Exception):
    """The pipe to the parent broke: the worker just exits."""


def _context() -> Any:
    """Return the multiprocessing context the pool uses.

    ``fork`` where the platform has it safely (Linux): workers start in milliseconds,
    and scripts need no ``if __name__ == "__main__":`` guard, as with a plain
    multiprocessing script.  ``spawn`` elsewhere.  ``MELFORGE_START_METHOD`` overrides
    (``forkserver`` suits programs that run many threads).
    """
    method = os.environ.get(START_METHOD_ENV)
    if not method:
        method = "fork" if sys.platform.startswith("linux") else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(_PRELOAD)
    return ctx


class _Worker:
    def __init__(self, ctx: Any, args: tuple[Any, ...], others: list[_Worker]) -> None:
        parent, child = ctx.Pipe(duplex=True)
        inherited = [w.conn for w in others if not w.conn.closed] + [parent]
        if ctx.get_start_method() != "fork":
            inherited = []  # nothing is inherited by spawned processes
        self.proc = ctx.Process(target=_worker_main, args=(child, *args, inherited), daemon=True)
        self.proc.start()
        child.close()
        self.conn: Connection = parent
        self.shard: Given | None = None
        self.current: tuple[str, str] | None = None  # (row id, path) being computed
        self.started = 0.0

    def send(self, shard: Given) -> None:
        self.shard = shard
        self.current = None
        self.started = time.monotonic()
        self.conn.send(shard)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        if not self.conn.closed:
            self.conn.close()


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def run_local(
    shards: Iterator[Shard],
    store: Store,
    job: Job,
    carried: Any,
    fmt: str,
    *,
    workers: int,
    timeout: float | None,
    on_progress: Callable[[int, float], None] | None = None,
    warm: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Write every pending shard with ``workers`` processes; return the run's counts.

    Parameters
    ----------
    shards : iterator of (shard number, first input number, sources)
        The shards to write, pulled lazily.
    store, job, carried, fmt
        What :func:`~melforge.pipeline.sink.write_shard` needs.
    workers : int
        Number of worker processes.
    timeout : float or None
        Seconds one file (or segment) may take before its worker is killed and the
        file recorded as failed (``TimeoutError``).
    on_progress : callable or None
        Called as ``on_progress(n_files, audio_seconds)`` as files complete.
    warm : callable or None
        Set-up that forked workers should inherit: it runs once in this process,
        when there is a first shard and before the first worker is forked, so no
        worker repeats it.  Not run for spawned workers, which could not inherit it.
    """
    ctx = _context()
    if ctx.get_start_method() != "fork":
        warm = None
    args = (job, store, carried, fmt)
    totals: dict[str, Any] = {
        "files_ok": 0, "files_failed": 0, "rows": 0, "audio_seconds": 0.0, "max_rss": 0,
        "reused": 0,
    }  # fmt: skip
    pool: list[_Worker] = []
    retry: deque[Given] = deque()
    lost_without_file: dict[int, int] = {}
    exhausted = False

    def next_task() -> Given | None:
        nonlocal exhausted
        if retry:
            return retry.popleft()
        item = None if exhausted else next(shards, None)
        if item is None:
            exhausted = True
            return None
        return (item[0], item[1], item[2], {}, item[3])

    try:
        while True:
            for i, w in enumerate(pool):
                if w.shard is not None:
                    continue
                task = next_task()
                if task is None:
                    break
                try:
                    w.send(task)
                except OSError:  # it died while idle: replace it
                    w.kill()
                    pool[i] = _Worker(ctx, args, pool[:i] + pool[i + 1 :])
                    pool[i].send(task)
            while len(pool) < workers:  # workers are started only when there is work
                task = next_task()
                if task is None:
                    break
                if warm is not None:
                    # Once, before the first fork, with every core otherwise idle: each
                    # worker inherits the imports and caches instead of repeating them
                    # (~0.25 s of CPU per worker, and the same wall time as letting the
                    # first worker set itself up while this process warms up).
                    warm()
                    warm = None
                pool.append(_Worker(ctx, args, pool))
                pool[-1].send(task)
            busy = [w for w in pool if w.shard is not None]
            if not busy:
                return totals
            for w, error, message in _wait(busy, timeout, totals, on_progress):
                pool[pool.index(w)] = _replace(w, error, message, ctx, args, pool, store, retry,
                                               lost_without_file)  # fmt: skip
    except BaseException:
        for w in pool:  # interrupted (Ctrl-C, an input error): stop at once, tidy up
            w.kill()
            if w.shard is not None:
                _remove_partial(store, w.shard[0], w.proc.pid)
        raise
    finally:
        for w in pool:
            try:
                if not w.conn.closed:
                    w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for w in pool:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            w.kill()


def _wait(
    busy: list[_Worker],
    timeout: float | None,
    totals: dict[str, Any],
    on_progress: Callable[[int, float], None] | None,
) -> list[tuple[_Worker, str, str]]:
    """Handle messages from busy workers; return those lost (crashed or timed out)."""
    wait_for: float | None = None
    if timeout is not None:
        wait_for = max(0.0, min(w.started + timeout for w in busy) - time.monotonic()) + 0.01
    handles: dict[Any, _Worker] = {}
    for w in busy:
        handles[w.conn] = w
        handles[w.proc.sentinel] = w
    lost: dict[int, tuple[_Worker, str, str]] = {}
    for h in wait(list(handles), timeout=wait_for):
        w = handles[h]
        if id(w) in lost or w.shard is None:
            continue
        while True:  # drain every message that is there
            try:
                if not w.conn.poll():
                    break
                message = w.conn.recv()
            except (EOFError, OSError):  # the worker is gone (handled below)
                break
            _handle(w, message, totals, on_progress)  # may raise OutputError: not caught
            if w.shard is None:
                break
        if w.shard is not None and not w.proc.is_alive():
            w.proc.join(5)
            lost[id(w)] = (w, "WorkerCrashed", _crash_message(w))
    if timeout is not None:
        now = time.monotonic()
        for w in busy:
            if w.shard is not None and id(w) not in lost and now - w.started > timeout:
                lost[id(w)] = (w, "TimeoutError", f"featurizing took longer than {timeout=} s")
    return list(lost.values())


def _handle(
    w: _Worker,
    message: tuple[Any, ...],
    totals: dict[str, Any],
    on_progress: Callable[[int, float], None] | None,
) -> None:
    kind = message[0]
    if kind == "start":
        w.current = (message[1], message[2])
        w.started = time.monotonic()
    elif kind == "progress":
        w.current = None  # between files: a crash now is no file's fault
        if on_progress is not None:
            on_progress(message[1], message[2])
    elif kind == "done":
        stats = message[1]
        totals["files_ok"] += stats["files_ok"]
        totals["files_failed"] += stats["failures"]
        totals["rows"] += stats["rows"]
        totals["audio_seconds"] += stats["audio_seconds"]
        totals["max_rss"] = max(totals["max_rss"], stats["max_rss"])
        totals["reused"] += stats["reused"]
        w.shard = None
        w.current = None
    elif kind == "output-error":  # the shard could not be written: stop the run
        raise OutputError(message[1], errno=message[2])
    else:  # "error": the shard could not be written at all
        raise RuntimeError(f"worker failed to write shard {w.shard and w.shard[0]}: {message[1]}")


def _replace(
    w: _Worker,
    error: str,
    message: str,
    ctx: Any,
    args: tuple[Any, ...],
    pool: list[_Worker],
    store: Store,
    retry: deque[Given],
    lost_without_file: dict[int, int],
) -> _Worker:
    """Kill a lost worker, record its file as failed, requeue its shard, start another."""
    assert w.shard is not None  # noqa: S101 - internal invariant
    k, first, sources, known, reuse = w.shard
    pid = w.proc.pid
    w.kill()
    if w.current is not None:
        rid, path = w.current
        known = {**known, rid: Failure(rid, path, error, message)}
        source_id, sep, _ = rid.rpartition("@")
        lost_segments = [r for r in known if sep and r.startswith(source_id + "@")]
        if len(lost_segments) >= _MAX_LOST_SEGMENTS:  # the file itself is the problem
            note = f"{message}; the rest of this file was skipped after {len(lost_segments)} "
            note += "lost segments"
            known[source_id] = Failure(source_id, path, error, note)
    else:
        lost_without_file[k] = lost_without_file.get(k, 0) + 1
        if lost_without_file[k] >= _MAX_UNATTRIBUTED:
            raise RuntimeError(f"worker processes died {_MAX_UNATTRIBUTED} times on shard {k}")
    _remove_partial(store, k, pid)
    retry.appendleft((k, first, sources, known, reuse))
    i = pool.index(w)
    return _Worker(ctx, args, pool[:i] + pool[i + 1 :])


def _remove_partial(store: Store, k: int, pid: int | None) -> None:
    """Remove the temporary file of shard ``k`` that worker ``pid`` was writing."""
    prefix = f".{shard_name(k)}.{pid}-"
    for name in store.listdir():
        if name.startswith(prefix):
            store.remove(name)


def _crash_message(w: _Worker) -> str:
    return (
        f"worker process {w.proc.pid} died ({_describe_exit(w.proc.exitcode)}) "
        "while featurizing this file; a new worker replaced it"
    )


def default_workers() -> int:
    """Return the number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
