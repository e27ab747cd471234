"""Machine description, the printed table, results JSON and ``RESULTS.md``."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from bench.harness import Row

PACKAGES = ("melforge", "numpy", "scipy", "soundfile", "soxr", "av", "librosa", "numba",
            "transformers", "kaldi-native-fbank", "pyarrow", "threadpoolctl", "psutil",
            "torch", "torchaudio", "openai-whisper")


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        affinity = os.cpu_count()
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "memory_gb": round(mem_gb, 1) if mem_gb else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def versions() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        import soundfile

        out["libsndfile"] = soundfile.__libsndfile_version__
    except Exception:
        pass
    try:
        from threadpoolctl import threadpool_info

        out["blas"] = ", ".join(sorted({f"{i.get('internal_api')} {i.get('version')}"
                                        for i in threadpool_info()
                                        if i.get("user_api") == "blas"}))
    except Exception:
        pass
    return out


def git_commit() -> str:
    try:
        root = Path(__file__).resolve().parent.parent
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=root,
                               capture_output=True, text=True, check=False).stdout.strip()
        return head + ("+dirty src" if dirty else "") if head else "unknown"
    except OSError:
        return "unknown"


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 0.01:
        return f"{x * 1e3:.0f} ms"
    return f"{x * 1e3:.2f} ms"


def _fmt_ratio(row: Row) -> str:
    if row.ratio_text:
        return row.ratio_text
    return f"{row.ratio:.2f}x" if row.ratio is not None else "-"


COLUMNS = ("case", "threads", "melforge", "reference", "ratio", "target", "status")


def _cells(row: Row) -> list[str]:
    return [row.title, row.threads, _fmt_s(row.melforge_s), _fmt_s(row.reference_s),
            _fmt_ratio(row), row.target_text or "-", row.status]


def text_table(rows: list[Row]) -> str:
    cells = [list(COLUMNS)] + [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = []
    for k, c in enumerate(cells):
        lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                               for i, (v, w) in enumerate(zip(c, widths, strict=True))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def row_line(row: Row) -> str:
    c = _cells(row)
    return (f"{c[0]:<48} [{c[1]:>5}] melforge {c[2]:>9}  ref {c[3]:>9}  {c[4]:>8}"
            f"  ({c[5]})  {c[6]}")


def markdown_table(rows: list[Row]) -> str:
    head = ("| case | threads | melforge | reference | ratio (ref / melforge) | target | status |"
            "\n|---|---|---:|---:|---:|---|---|")
    body = []
    for r in rows:
        c = _cells(r)
        if r.reference and "[vs " not in c[0]:
            c[0] = f"{c[0]}<br><sub>vs {r.reference}</sub>"
        c[6] = f"**{c[6]}**" if c[6] in ("FAIL", "error") else c[6]
        body.append("| " + " | ".join(c) + " |")
    return head + "\n" + "\n".join(body)


def summary_counts(rows: list[Row]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r.status] = out.get(r.status, 0) + 1
    return out


def write_json(path: Path, meta: dict[str, Any], rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {**meta, "summary": summary_counts(rows), "rows": [r.to_dict() for r in rows]}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    os.replace(tmp, path)


def cpu_snapshot() -> tuple[float, float] | None:
    """(busy CPU seconds of the whole machine, CPU seconds of this process and its
    waited-for children), to tell the suite's own load from other people's."""
    import resource

    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        ticks = [int(x) for x in fields]
        hz = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    busy = (sum(ticks[:8]) - idle) / hz  # user..steal; guest time is already in user
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        own += ru.ru_utime + ru.ru_stime
    return busy, own


def other_load(start: tuple[float, float] | None, wall_s: float) -> float | None:
    """Average number of cores kept busy by processes outside the suite since ``start``."""
    end = cpu_snapshot()
    if start is None or end is None or wall_s <= 0:
        return None
    return max(0.0, ((end[0] - start[0]) - (end[1] - start[1])) / wall_s)


def busy_note(meta: dict[str, Any]) -> str:
    cores = meta["machine"]["usable_cores"] or 1
    before = meta["machine"]["load_average"]
    after = meta.get("load_average_after")
    others = meta.get("other_cpu_cores")
    if others is not None:
        if others > 0.2:
            return (f"**Measured on a busy machine**: other processes kept {others:.2f} of"
                    f" {cores} cores busy on average during the run (CPU time of the"
                    " whole machine minus the suite's own), so absolute times are noisy;"
                    " the ratios, taken between interleaved repetitions, saw the same"
                    " load on both sides.")
        return (f"The machine was quiet: other processes used {others:.2f} of {cores} cores"
                " on average during the run (CPU time of the whole machine minus the"
                " suite's own).")
    if before is None:
        return ""
    worst = max(before[0], after[0] if after else 0.0)
    if worst > 0.5 * cores:
        return (f"**Measured on a busy machine**: the 1-minute load average reached {worst:.1f}"
                f" on {cores} cores during the run (other work was running), so absolute"
                " times are noisy and ratios between interleaved repetitions are the figures"
                " to trust; both sides of each ratio saw the same load.")
    return f"The machine was quiet (load average at most {worst:.1f} on {cores} cores)."


def write_markdown(path: Path, meta: dict[str, Any], rows: list[Row],
                   analysis: str | None = None) -> None:
    m = meta["machine"]
    v = meta["versions"]
    la = m["load_average"]
    la_after = meta.get("load_average_after")
    counts = summary_counts(rows)
    vers = ", ".join(f"{k} {val}" for k, val in v.items() if val != "not installed")
    missing = ", ".join(k for k, val in v.items() if val == "not installed")
    lines = [
        "# melforge benchmark results",
        "",
        "Regenerated by `make bench` (`python -m bench`); do not edit by hand"
        " (the analysis section comes from `bench/ANALYSIS.md`).",
        "",
        f"- **Date**: {meta['date']} (suite wall time {meta['wall_s'] / 60:.1f} min)",
        f"- **Machine**: {m['cpu']}, {m['usable_cores']} usable cores"
        f" ({m['logical_cores']} logical), {m['memory_gb']} GB RAM; {m['os']};"
        f" Python {m['python']}",
        f"- **Load average** (1/5/15 min) before: {', '.join(f'{x:.2f}' for x in la)}"
        + (f"; after: {', '.join(f'{x:.2f}' for x in la_after)}" if la_after else "")
        + (f"; other processes' average CPU use during the run: {meta['other_cpu_cores']:.2f}"
           " cores" if meta.get("other_cpu_cores") is not None else ""),
        f"- **melforge commit**: {meta['commit']}",
        f"- **Versions**: {vers}",
        f"- **Not installed** (their rows are skipped): {missing or 'none'}",
        f"- **Command**: `{meta['command']}`",
        "- **Outcome**: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
        "",
        busy_note(meta),
        "",
        "## Method",
        "",
        "Each figure is the median of several repetitions (column *reps* in"
        " `bench/results.json`) taken after one warm-up call of every side; in each round"
        " every side runs once, in an order that rotates between rounds, so both sides see"
        " the same machine state. Garbage collection runs between calls and is disabled"
        " during them. *ratio* = reference time / melforge time (higher is better for"
        " melforge); the floor row shows melforge time / floor time instead.",
        "",
        "*threads*: `1` = BLAS/OpenMP pools limited to one thread with threadpoolctl and"
        " scipy.fft's default `workers` set to 1 (`scipy.fft.set_workers`); `all` = every"
        " usable core for both. `procs` = featurization runs in fresh child processes with"
        " the default environment; worker counts are in the case name. Code that starts"
        " its own threads or passes its own `workers=` is not limited by these settings.",
        "",
        "Inputs are generated from fixed seeds (`bench/data.py`): speech-like audio (pulse"
        " train with wandering pitch through vowel formant filters, fricative noise,"
        " syllable envelopes, pauses, a -60 dBFS noise floor); real-length files are 10"
        " minutes at 16 kHz mono and 44.1 kHz stereo in WAV, FLAC (16-bit) and MP3"
        " (libsndfile/LAME); all file reads hit the OS page cache.",
        "",
        "## Results",
        "",
        markdown_table(rows),
        "",
        "## Notes per case",
        "",
    ]
    for r in rows:
        if r.note:
            lines.append(f"- **{r.title}** [{r.threads}]: {r.note}")
    profiled = [r for r in rows if r.status == "FAIL" and r.extra.get("profile")]
    if profiled:
        lines += ["", "## Profiles of the misses (melforge side, cProfile, own time)", ""]
        for r in profiled:
            lines += [f"**{r.title}** [{r.threads}]", "", "```text", r.extra["profile"],
                      "```", ""]
    if analysis:
        lines += ["", analysis.strip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def meta_block(command: str, smoke: bool, threads: str) -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "versions": versions(),
        "commit": git_commit(),
        "command": command,
        "smoke": smoke,
        "threads": threads,
    }
