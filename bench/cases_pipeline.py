"""Dataset featurization: ``melforge.featurize`` vs a plain librosa + multiprocessing script.

Every run is a fresh child process (``python -c`` calling ``melforge.featurize`` /
``python -m bench.librosa_script``) writing into an empty output folder, timed wall to
wall, so start-up, imports, process pools and output writing all count, as they do for
a user.  Children inherit the default environment (no thread limits).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import data
from bench.harness import Case, Config, Row, judge

CORPUS, CORPUS_SMOKE = (480, 2.0, 20.0), (3, 0.5, 1.5)  # (clips, min s, max s)
LONG_H, LONG_SMOKE_S = 3.0, 20.0
PEAK_MB_TARGET = 500.0
PRESETS = ("whisper-80", "kaldi-fbank-80")
REPO = Path(__file__).resolve().parent.parent

_MELFORGE_CHILD = """\
import inspect, json, resource, sys, time
t0 = time.perf_counter()
import melforge
fz = melforge.featurize
params = inspect.signature(fz).parameters
kw = {kw!r}
missing = [k for k in {required!r} if k not in params]
if missing:
    print(json.dumps({{"error": "melforge.featurize has no " + ", ".join(missing)}}))
    sys.exit(3)
for k, v in {optional!r}.items():
    if k in params:
        kw[k] = v
summary = fz({inputs!r}, {out!r}, **kw)
t1 = time.perf_counter()
# ru_maxrss of this process is inherited through fork + exec from the (large) benchmark
# process on Linux, so this process's own peak is read from VmHWM, which exec resets.
ru_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as f:
        ru_self = int(next(ln for ln in f if ln.startswith("VmHWM:")).split()[1])
except (OSError, StopIteration):
    pass
ru_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({{"seconds": t1 - t0, "summary": repr(summary)[:400],
                  "maxrss_self_kb": ru_self, "maxrss_children_kb": ru_children,
                  "worker_peak_rss": getattr(summary, "worker_peak_rss", None)}}))
"""

OPTIONAL_KW = {"overwrite": True, "progress": False, "resume": False, "engine": "local"}


def _missing(error: str) -> bool:
    """True if the error says melforge lacks the feature (n/a), not that it broke."""
    return ("melforge.featurize has no" in error or "No module named 'melforge" in error
            or "has no attribute" in error)


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _run(cmd: list[str], timeout: float = 1800) -> tuple[float, dict[str, Any]]:
    """Run a child to completion; return its wall time and its JSON line, plus ``cpu_s``
    (user + system seconds of the child and every process it waited for)."""
    cpu0 = _cpu_children()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                          cwd=REPO)  # so that ``-m bench.librosa_script`` resolves
    wall = time.perf_counter() - t0
    info: dict[str, Any] = {"cpu_s": _cpu_children() - cpu0}
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if lines:
        info.update(json.loads(lines[-1]))
    if "error" in info:
        raise RuntimeError(info["error"])
    if proc.returncode not in (0, 1) or not lines:  # 1 = some input failed; still timed
        tail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        raise RuntimeError(tail[:200])
    info["returncode"] = proc.returncode
    return wall, info


def melforge_cmd(inputs: Path | list[str], out: Path, preset: str, workers: int,
                 **extra: Any) -> list[str]:
    kw = {"preset": preset, "workers": workers, **extra}
    code = _MELFORGE_CHILD.format(kw=kw, required=sorted(kw), optional=OPTIONAL_KW,
                                  inputs=inputs if isinstance(inputs, list) else str(inputs),
                                  out=str(out))
    return [sys.executable, "-c", code]


def librosa_cmd(inputs: Path, out: Path, preset: str, workers: int) -> list[str]:
    return [sys.executable, "-m", "bench.librosa_script", str(inputs), str(out),
            "--preset", preset, "--workers", str(workers)]


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def _count_rows(out: Path) -> int | None:
    try:
        import pyarrow.dataset as ds

        files = sorted(str(p) for p in out.glob("part-*.parquet"))
        return ds.dataset(files, format="parquet").count_rows() if files else 0
    except Exception:
        return None


def run_featurize(case: Case, cfg: Config, mode: str, preset: str) -> list[Row]:
    n, lo, hi = CORPUS_SMOKE if cfg.smoke else CORPUS
    folder, audio_s = data.corpus(cfg.data_dir, n, min_s=lo, max_s=hi)
    warm_folder, _ = data.corpus(cfg.data_dir, 3, min_s=0.5, max_s=1.0, seed=1)

    hours = audio_s / 3600
    out_root = cfg.out_dir / "featurize"
    # featurize creates its output folder but not missing parents (a typo'd path is an
    # error there); on a fresh checkout nothing has made this one yet
    out_root.mkdir(parents=True, exist_ok=True)
    variants = {
        "melforge-1": lambda inp, o: melforge_cmd(inp, o, preset, 1),
        "melforge-2": lambda inp, o: melforge_cmd(inp, o, preset, 2),
        "librosa-1": lambda inp, o: librosa_cmd(inp, o, preset, 1),
        "librosa-2": lambda inp, o: librosa_cmd(inp, o, preset, 2),
    }
    errors: dict[str, str] = {}
    for name, make in variants.items():  # warm-up on 3 tiny clips (skipped by --smoke)
        if cfg.smoke:
            break
        try:
            _run(make(warm_folder, _fresh(out_root / f"warm-{name}")))
        except Exception as exc:
            errors[name] = str(exc)
    names = [v for v in variants if v not in errors]
    reps = cfg.reps or (case.smoke_reps if cfg.smoke else case.reps)
    times: dict[str, list[float]] = {v: [] for v in names}
    infos: dict[str, dict[str, Any]] = {}
    cpu: dict[str, list[float]] = {v: [] for v in names}
    load0 = os.getloadavg()[0]
    for r in range(reps):
        k = r % max(1, len(names))
        for name in names[k:] + names[:k]:
            out = _fresh(out_root / f"{preset}-{name}")
            try:
                wall, info = _run(variants[name](folder, out))
            except Exception as exc:
                errors[name] = str(exc)
                continue
            times[name].append(wall)
            cpu[name].append(info["cpu_s"])
            infos[name] = info
            if name.startswith("melforge") and "rows" not in infos[name]:
                info["rows"] = _count_rows(out)
    med = {v: statistics.median(t) for v, t in times.items() if t}
    tput = {v: hours / (t / 60) for v, t in med.items()}  # audio-hours per minute
    cpu_med = {v: statistics.median(c) for v, c in cpu.items() if c}
    load = max(load0, os.getloadavg()[0])
    base = (f"{n} clips, {audio_s / 60:.1f} min of audio (WAV/FLAC/MP3, 16/44.1/48 kHz,"
            f" {lo:g}-{hi:g} s), preset {preset}")
    throughput = ", ".join(f"{v} {tp:.2f} h/min" for v, tp in tput.items())

    def row(suffix: str, title: str, mf: str, ref: str, ref_name: str, target: float) -> Row:
        rw = Row(case=f"{case.id}.{suffix}", title=title, threads="procs",
                 reference=ref_name, target=target, target_text=f">= {target:g}x",
                 melforge_s=med.get(mf), reference_s=med.get(ref), reps=len(times.get(mf, [])))
        rw.samples = {mf: times.get(mf, []), ref: times.get(ref, [])}
        if rw.melforge_s and rw.reference_s:
            rw.ratio = rw.reference_s / rw.melforge_s
        rw.status = judge(rw.ratio, target)
        notes = [base]
        if mf in tput:
            notes.append(f"melforge {tput[mf]:.2f} audio-h/min")
        if ref in tput:
            notes.append(f"{ref} {tput[ref]:.2f} audio-h/min")
        if mf in cpu_med and ref in cpu_med:
            notes.append(f"CPU time {mf} {cpu_med[mf]:.1f} s, {ref} {cpu_med[ref]:.1f} s")
        if suffix == "scaling":
            notes.append(f"1-min load average up to {load:.1f} on {cfg.n_cpu} cores: the second"
                         " worker only helps if a core is free")
        rows_out = infos.get(mf, {}).get("rows")
        if rows_out is not None and rows_out != n:
            notes.append(f"melforge wrote {rows_out} rows for {n} clips")
        for side in (mf, ref):
            if side in errors:
                notes.append(f"{side}: {errors[side]}")
                if side.startswith("melforge"):
                    rw.status = "n/a" if _missing(errors[side]) else "error"
        rw.note = "; ".join(notes)
        rw.extra = {"audio_hours_per_min": tput, "audio_s": audio_s, "clips": n,
                    "cpu_s": cpu_med, "load_average_max": load}
        return rw

    return [
        row("scaling", f"featurize {preset}: 2 workers vs 1", "melforge-2", "melforge-1",
            "melforge 1 worker", 1.7),
        row("vs-librosa-1w", f"featurize {preset}, 1 worker", "melforge-1", "librosa-1",
            "librosa + multiprocessing, 1 worker", 1.5),
        row("vs-librosa-2w", f"featurize {preset}, 2 workers", "melforge-2", "librosa-2",
            "librosa + multiprocessing, 2 workers", 1.5),
    ] + ([Row(case=f"{case.id}.throughput", title=f"featurize {preset} throughput",
              threads="procs", reference="", status="info", note=throughput,
              ratio_text=" / ".join(f"{tput[v]:.1f}" for v in ("melforge-1", "melforge-2")
                                    if v in tput) + " audio-h/min (1 / 2 workers)",
              extra={"audio_hours_per_min": tput})]
         if throughput else [])


def run_memory(case: Case, cfg: Config, mode: str) -> list[Row]:
    secs = LONG_SMOKE_S if cfg.smoke else LONG_H * 3600
    t0 = time.perf_counter()
    path = data.speech_file(cfg.data_dir, secs, 16000, "flac", name="long")
    gen_s = time.perf_counter() - t0
    out = _fresh(cfg.out_dir / "featurize" / "memory")
    label = f"{secs / 3600:g} h" if secs >= 3600 else f"{secs:g} s"
    rw = Row(case=case.id, title=f"featurize 1 file of {label}, --segment-seconds 30, peak RSS",
             threads="procs", reference="", target=None, target_text=f"< {PEAK_MB_TARGET:g} MB")
    try:
        wall, info = _run(melforge_cmd([str(path)], out, "whisper-80", 1, segment_seconds=30))
    except Exception as exc:
        rw.status = "n/a" if _missing(str(exc)) else "error"
        rw.note = f"melforge: {exc}"
        return [rw]
    self_mb = info["maxrss_self_kb"] / 1024
    child_mb = info["maxrss_children_kb"] / 1024
    peak = max(self_mb, child_mb)
    rw.melforge_s = wall
    rw.reps = 1
    rw.status = "pass" if peak < PEAK_MB_TARGET else "FAIL"
    rw.extra = {"peak_mb": peak, "main_process_peak_mb": self_mb,
                "largest_child_peak_mb": child_mb, "audio_s": secs,
                "rows": _count_rows(out), "generate_s": gen_s}
    rw.ratio_text = f"{peak:.0f} MB"
    reported = info.get("worker_peak_rss")
    if reported:
        rw.extra["summary_worker_peak_mb"] = reported / 2**20
    rw.note = (f"preset whisper-80, workers=1, 16 kHz mono FLAC; peak RSS: main process"
               f" {self_mb:.0f} MB (VmHWM), largest worker {child_mb:.0f} MB (getrusage"
               f" maxrss of children)"
               + (f", Summary.worker_peak_rss {reported / 2**20:.0f} MB" if reported else "")
               + f"; rows {rw.extra['rows']}; {secs / wall:,.0f}x real time")
    return [rw]


def _featurize_case(preset: str) -> Case:
    return Case(f"featurize.{preset}", f"featurize folder, {preset}",
                "librosa + multiprocessing", 1.5, lambda cfg, mode: None,  # type: ignore
                reps=3, runner=lambda case, cfg, mode: run_featurize(case, cfg, mode, preset))


CASES = [
    *[_featurize_case(p) for p in PRESETS],
    Case("featurize.memory", "featurize 3 h file, segments of 30 s: peak memory", "", None,
         lambda cfg, mode: None, reps=1, runner=run_memory),  # type: ignore
]
