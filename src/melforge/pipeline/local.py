"""The local engine: a small process pool of our own over ``multiprocessing``.

Why not ``concurrent.futures.ProcessPoolExecutor``: when one worker dies (a decoder
segfault), the executor is broken for good and every pending future fails.  Here each
worker holds exactly one task at a time over its own pipe, so the parent always knows
which file a dead or stuck worker was on: it records that file as failed, kills the
worker if needed, and starts a replacement.

Work is pulled lazily from the plan (an iterator of entries in output order) and at
most ``window`` entries are unwritten at any moment, so memory does not grow with the
number of inputs.  Results are written strictly in plan order, which makes the output
independent of the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from melforge.pipeline._compute import (
    Failure,
    Job,
    Task,
    TaskResult,
    run_task,
    segment_id,
    single_threaded,
)
from melforge.pipeline.sink import Entry

__all__ = ["run_local"]

#: Modules the fork server (when chosen) imports once, so each worker starts warm.
_PRELOAD = ["__main__", "numpy", "melforge.pipeline._compute", "melforge.audio", "melforge.presets"]
#: Environment variable choosing the start method of worker processes.
START_METHOD_ENV = "MELFORGE_START_METHOD"


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


def _worker_main(conn: Connection, job: Job, inherited: list[Connection]) -> None:
    """Loop of a worker process: receive a task, send its result, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _die_with_parent()
    single_threaded()  # for the worker's whole life
    for c in inherited:  # forked: other workers' pipe ends would hide the parent's death
        try:
            c.close()
        except OSError:
            pass
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is None:
            return
        result = run_task(job, task)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


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
    def __init__(self, ctx: Any, job: Job, others: list[_Worker]) -> None:
        parent, child = ctx.Pipe(duplex=True)
        inherited = [w.conn for w in others if not w.conn.closed] + [parent]
        if ctx.get_start_method() != "fork":
            inherited = []  # nothing is inherited by spawned processes
        self.proc = ctx.Process(target=_worker_main, args=(child, job, inherited), daemon=True)
        self.proc.start()
        child.close()
        self.conn: Connection = parent
        self.task: Task | None = None
        self.started = 0.0

    def send(self, task: Task) -> None:
        self.task = task
        self.started = time.monotonic()
        self.conn.send(task)

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
    plan: Iterator[Entry],
    consume: Callable[[Entry], None],
    job: Job,
    *,
    workers: int,
    timeout: float | None,
    window: int | None = None,
    warm: Callable[[], None] | None = None,
) -> None:
    """Run every task of ``plan`` on ``workers`` processes and ``consume`` entries in order.

    Parameters
    ----------
    plan : iterator of Entry
        Entries in output order; those with a ``task`` are computed by a worker.
    consume : callable
        Called in the parent with each entry, in plan order, once its result is in.
    job : Job
        Sent to every worker when it starts.
    workers : int
        Number of worker processes.
    timeout : float or None
        Seconds one task may take before its worker is killed and the input recorded
        as failed (``TimeoutError``).
    window : int or None
        Most entries held unwritten at once; default ``8 * workers + 16``.
    warm : callable or None
        Called once before workers start (imports they should inherit when forked).
    """
    ctx = _context()
    window = window if window is not None else 8 * workers + 16
    pool: list[_Worker] = []
    pending: dict[int, Entry] = {}  # seq -> entry, unwritten
    order: list[int] = []  # seqs in plan order, unwritten
    next_pos = 0  # index in `order` of the next entry to write
    seq = 0
    exhausted = False
    try:
        if warm is not None:
            warm()
        for _ in range(workers):
            pool.append(_Worker(ctx, job, pool))
        while True:
            # Pull and dispatch while there is room and an idle worker.
            idle = [w for w in pool if w.task is None]
            while not exhausted and len(order) - next_pos < window and idle:
                try:
                    entry = next(plan)
                except StopIteration:
                    exhausted = True
                    break
                pending[seq] = entry
                order.append(seq)
                if entry.task is not None:
                    worker = idle.pop()
                    try:
                        worker.send(_with_seq(entry.task, seq))
                    except OSError:  # it died while idle: replace it, then retry once
                        i = pool.index(worker)
                        worker.task = None
                        worker.kill()
                        pool[i] = worker = _Worker(ctx, job, pool[:i] + pool[i + 1 :])
                        worker.send(_with_seq(entry.task, seq))
                seq += 1
            # Write everything that is ready, in order.
            while next_pos < len(order):
                entry = pending[order[next_pos]]
                if entry.task is not None and entry.result is None:
                    break
                del pending[order[next_pos]]
                next_pos += 1
                consume(entry)
            if next_pos > 4096:  # keep `order` short
                del order[:next_pos]
                next_pos = 0
            busy = [w for w in pool if w.task is not None]
            if exhausted and not busy and next_pos == len(order):
                return
            if not busy:
                continue
            _collect(pool, busy, pending, ctx, job, timeout)
    except BaseException:
        for w in pool:  # interrupted (Ctrl-C, an input error): stop at once
            w.kill()
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


def _with_seq(task: Task, seq: int) -> Task:
    return task if task.seq == seq else Task(seq, *_task_fields(task))


def _task_fields(task: Task) -> tuple[Any, ...]:
    return (task.index, task.id, task.path, task.offset, task.duration, task.segmented)


def _collect(
    pool: list[_Worker],
    busy: list[_Worker],
    pending: dict[int, Entry],
    ctx: Any,
    job: Job,
    timeout: float | None,
) -> None:
    """Wait for results, crashes or timeouts of busy workers; replace lost workers."""
    wait_for: float | None = None
    if timeout is not None:
        now = time.monotonic()
        wait_for = max(0.0, min(w.started + timeout for w in busy) - now) + 0.01
    handles: dict[Any, _Worker] = {}
    for w in busy:
        handles[w.conn] = w
        handles[w.proc.sentinel] = w
    ready = wait(list(handles), timeout=wait_for)
    lost: dict[int, tuple[_Worker, str, str]] = {}
    for h in ready:
        w = handles[h]
        if id(w) in lost or w.task is None:
            continue
        if h is w.conn:
            try:
                result: TaskResult = w.conn.recv()
            except (EOFError, OSError):
                w.proc.join(5)
                lost[id(w)] = (w, "WorkerCrashed", _crash_message(w))
                continue
            pending[w.task.seq].result = result
            w.task = None
        else:
            w.proc.join(5)
            lost[id(w)] = (w, "WorkerCrashed", _crash_message(w))
    if timeout is not None:
        now = time.monotonic()
        for w in busy:
            if w.task is not None and id(w) not in lost and now - w.started > timeout:
                lost[id(w)] = (w, "TimeoutError", f"featurizing took longer than {timeout=} s")
    for w, error, message in lost.values():
        task = w.task
        assert task is not None  # noqa: S101 - internal invariant, not user input
        rid = segment_id(task.id, task.offset) if task.segmented else task.id
        pending[task.seq].result = TaskResult(
            task.seq, task.index, failure=Failure(rid, task.path, error, message)
        )
        w.kill()
        i = pool.index(w)
        pool[i] = _Worker(ctx, job, pool[:i] + pool[i + 1 :])


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
