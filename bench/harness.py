"""The timing harness: cases, interleaved repetitions, thread settings, result rows.

A :class:`Case` names a melforge callable and a reference callable (plus optional
extra references) built lazily by ``setup``, so only the data of selected cases is
made.  :func:`run_case` warms every callable up once, then runs ``reps`` rounds; in
each round every callable runs once, in an order that rotates from round to round
(so neither side always runs on a cache the other warmed), and each figure is the
median over rounds.  Garbage collection is done between calls and disabled during
them, like :mod:`timeit`.

A melforge function that does not exist yet (the library is being written while this
suite is) makes its row "n/a" rather than crashing the suite; the reference is still
timed so the number is there when the function lands.
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Fn = Callable[[], Any]


class NotAvailable(Exception):
    """A side of a case cannot run here (function not written yet, package missing)."""


@dataclass
class Config:
    smoke: bool = False
    data_dir: Path = Path("bench/data")
    out_dir: Path = Path("bench/out")
    reps: int | None = None  # override every case's repetition count
    threads: str = "both"  # "1", "all" or "both"
    profile: bool = False  # cProfile the melforge side once per case

    @property
    def n_cpu(self) -> int:
        return os.cpu_count() or 1


@dataclass
class Setup:
    """What a case's ``setup`` returns: the callables to time and notes."""

    melforge: Fn | None
    reference: Fn | None
    others: dict[str, Fn] = field(default_factory=dict)  # extra reference rows
    melforge_missing: str = ""  # why melforge is None
    reference_missing: str = ""
    note: str = ""
    unit_work: float | None = None  # e.g. audio seconds processed per call
    teardown: Callable[[], None] | None = None


@dataclass
class Case:
    id: str  # short, stable, used by --only (e.g. "mel.10min")
    title: str  # what the table shows
    reference_name: str
    target: float | None  # required ratio reference/melforge; None = information only
    setup: Callable[[Config, str], Setup]  # (config, thread mode)
    reps: int = 5
    smoke_reps: int = 1
    threads: tuple[str, ...] = ("1",)  # which thread modes this case runs under
    target_text: str = ""  # how the target is shown; default ">= {target}x"
    runner: Callable[[Case, Config, str], list[Row]] | None = None  # custom measurement
    show_inverse: str = ""  # e.g. "floor": show melforge/reference as "1.34x floor"


@dataclass
class Row:
    case: str
    title: str
    threads: str
    reference: str
    melforge_s: float | None = None
    reference_s: float | None = None
    ratio: float | None = None
    target: float | None = None
    target_text: str = ""
    status: str = "n/a"
    note: str = ""
    reps: int = 0
    ratio_text: str = ""  # shown instead of the ratio (e.g. a memory figure)
    samples: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def judge(ratio: float | None, target: float | None) -> str:
    if ratio is None:
        return "n/a"
    if target is None:
        return "info"
    return "pass" if ratio >= target else "FAIL"


@contextlib.contextmanager
def thread_limits(mode: str, n_cpu: int) -> Iterator[None]:
    """Limit BLAS/OpenMP pools (threadpoolctl) and scipy.fft's default workers.

    ``mode == "1"``: one thread everywhere; ``"all"``: every core.  Code that passes
    its own ``workers=`` to scipy.fft or runs its own thread pool is not limited.
    """
    import scipy.fft

    n = 1 if mode == "1" else n_cpu
    with contextlib.ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(limits=n))
        except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn/librosa
            pass
        stack.enter_context(scipy.fft.set_workers(n))
        yield


def thread_env(mode: str, n_cpu: int) -> dict[str, str]:
    """Environment for a child process with the same thread setting."""
    n = "1" if mode == "1" else str(n_cpu)
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        env[var] = n
    return env


def _time_call(fn: Fn) -> float:
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
    finally:
        if was_enabled:
            gc.enable()
    del result
    return elapsed


def interleaved(fns: dict[str, Fn], reps: int, *, warmup: int = 1) -> dict[str, list[float]]:
    """Time each callable ``reps`` times, interleaved, after ``warmup`` untimed calls."""
    names = list(fns)
    for _ in range(warmup):
        for name in names:
            _time_call(fns[name])
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(reps):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(_time_call(fns[name]))
    return samples


def profile_call(fn: Fn, cfg: Config, name: str, top: int = 15) -> str:
    """Run ``fn`` once under cProfile; write the full listing to the output folder and
    return the ``top`` functions by own time (what bounds the melforge side)."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.runcall(fn)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.out_dir / f"profile-{name}.txt"
    with path.open("w") as f:
        pstats.Stats(prof, stream=f).sort_stats("tottime").print_stats(60)
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore
    lines = []
    for (file, line, func), (_cc, ncalls, tottime, _cum, _callers) in rows:
        where = f"{Path(file).name}:{line}" if line else file
        lines.append(f"{100 * tottime / total:5.1f}% {tottime * 1e3:8.1f} ms {ncalls:>6}x"
                     f"  {func} ({where})")
    return "\n".join(lines)


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= 160 else text[:157] + "..."


#: the warm-up time above which a case's repetitions are cut to 3
SLOW_S = 20.0


def _try_call(fn: Fn | None, times: list[float]) -> tuple[Fn | None, str]:
    """Call once (the warm-up) to check that it works; return (fn or None, error text)."""
    if fn is None:
        return None, ""
    try:
        times.append(_time_call(fn))
    except NotAvailable as exc:
        return None, f"not available: {exc}"
    except Exception as exc:  # a bug on one side must not stop the suite
        traceback.print_exc()
        return None, f"error: {_short(exc)}"
    return fn, ""


def run_case(case: Case, cfg: Config, mode: str) -> list[Row]:
    """Measure one case under one thread mode; returns its row(s)."""
    if case.runner is not None:
        return case.runner(case, cfg, mode)
    target_text = case.target_text or (f">= {case.target:g}x" if case.target else "")
    row = Row(case=case.id, title=case.title, threads=mode, reference=case.reference_name,
              target=case.target, target_text=target_text)
    try:
        with thread_limits(mode, cfg.n_cpu):
            s = case.setup(cfg, mode)
    except NotAvailable as exc:
        row.note = f"not available: {exc}"
        return [row]
    except Exception as exc:
        traceback.print_exc()
        row.status = "error"
        row.note = f"setup error: {_short(exc)}"
        return [row]
    notes = [s.note] if s.note else []
    try:
        with thread_limits(mode, cfg.n_cpu):
            # The first call is also the warm-up; a failing side drops out.
            warm: list[float] = []
            mf, mf_err = _try_call(s.melforge, warm)
            ref, ref_err = _try_call(s.reference, warm)
            mf_err = mf_err or (f"melforge not available: {s.melforge_missing}"
                                if s.melforge is None else "")
            ref_err = ref_err or (f"reference not available: {s.reference_missing}"
                                  if s.reference is None else "")
            others: dict[str, Fn] = {}
            other_errs: dict[str, str] = {}
            for name, fn in s.others.items():
                ok, err = _try_call(fn, warm)
                if ok is None:
                    other_errs[name] = err
                else:
                    others[name] = ok
            fns: dict[str, Fn] = {}
            if mf is not None:
                fns["melforge"] = mf
            if ref is not None:
                fns["reference"] = ref
            fns.update(others)
            reps = cfg.reps or (case.smoke_reps if cfg.smoke else case.reps)
            if warm and max(warm) > SLOW_S and not cfg.reps:
                reps = min(reps, 3)
            samples = interleaved(fns, reps, warmup=0) if fns else {}
            profile = profile_call(mf, cfg, f"{case.id}-{mode}") if cfg.profile and mf else ""
    finally:
        if s.teardown is not None:
            s.teardown()
    med = {name: statistics.median(v) for name, v in samples.items()}
    if profile:
        row.extra["profile"] = profile
    row.samples = samples
    row.reps = max((len(v) for v in samples.values()), default=0)
    row.melforge_s = med.get("melforge")
    row.reference_s = med.get("reference")
    if row.melforge_s and row.reference_s:
        row.ratio = row.reference_s / row.melforge_s
    row.status = judge(row.ratio, row.target)
    if case.show_inverse and row.ratio:
        row.ratio_text = f"{1 / row.ratio:.2f}x {case.show_inverse}"
    if mf_err.startswith("error"):
        row.status = "error"
    notes += [e for e in (mf_err, ref_err) if e]
    if s.unit_work and row.melforge_s:
        row.extra["realtime_factor"] = s.unit_work / row.melforge_s
        notes.append(f"melforge {s.unit_work / row.melforge_s:,.0f}x real time")
    row.note = "; ".join(notes)
    rows = [row]
    for name in s.others:
        extra = Row(case=f"{case.id}+{name.split(' ')[0]}", title=f"{case.title} [vs {name}]",
                    threads=mode, reference=name, melforge_s=row.melforge_s, target=None,
                    status="n/a", reps=row.reps)
        if name in med:
            extra.reference_s = med[name]
            extra.samples = {"melforge": samples.get("melforge", []), name: samples[name]}
            if row.melforge_s:
                extra.ratio = med[name] / row.melforge_s
            extra.status = judge(extra.ratio, None)
        else:
            extra.note = other_errs.get(name, "")
        rows.append(extra)
    return rows


def melforge_attr(dotted: str) -> Any:
    """Resolve ``"feature.melspectrogram"`` on melforge, or raise NotAvailable."""
    import importlib

    obj: Any = importlib.import_module("melforge")
    for part in dotted.split("."):
        try:
            obj = getattr(obj, part)
        except (AttributeError, ImportError) as exc:
            raise NotAvailable(f"melforge.{dotted} ({_short(exc)})") from exc
    return obj


def optional_module(name: str) -> Any:
    """Import an optional reference package or raise NotAvailable."""
    import importlib
    import importlib.util

    if importlib.util.find_spec(name.split(".")[0]) is None:
        raise NotAvailable(f"{name.split('.')[0]} is not installed")
    return importlib.import_module(name)
