"""Cold start: ``import`` then the first mel spectrogram of 1 s, in a fresh process."""

from __future__ import annotations

import statistics
import subprocess
import sys

from bench.harness import Case, Config, Row, judge, thread_env

# The clock starts before the library (and numpy, which both import) is imported and stops
# after the first mel spectrogram; interpreter start-up, identical for both, is left out
# of the ratio but reported.
_CHILD = """\
import time
t0 = time.perf_counter()
{imports}
import numpy as np
y = (0.1 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)).astype(np.float32)
S = {call}
t1 = time.perf_counter()
assert S.shape[0] == 128, S.shape
print(repr(t1 - t0))
"""

CHILDREN = {
    "melforge": _CHILD.format(imports="import melforge",
                              call="melforge.feature.melspectrogram(y=y, sr=22050)"),
    "reference": _CHILD.format(imports="import librosa",
                               call="librosa.feature.melspectrogram(y=y, sr=22050)"),
}


def _spawn(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Run ``code`` in a fresh interpreter; return (in-process seconds, wall seconds)."""
    import time

    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip()
                           else f"exit status {proc.returncode}")
    return float(proc.stdout.strip().splitlines()[-1]), wall


def run_import(case: Case, cfg: Config, mode: str) -> list[Row]:
    env = thread_env(mode, cfg.n_cpu)
    row = Row(case=case.id, title=case.title, threads=mode, reference=case.reference_name,
              target=case.target, target_text=f">= {case.target:g}x")
    reps = cfg.reps or (case.smoke_reps if cfg.smoke else case.reps)
    names = list(CHILDREN)
    errors: dict[str, str] = {}
    for name in names:  # warm-up: byte-code caches and the OS file cache
        if cfg.smoke and name == "reference":
            continue
        try:
            _spawn(CHILDREN[name], env)
        except Exception as exc:
            errors[name] = str(exc)
    names = [n for n in names if n not in errors]
    inproc: dict[str, list[float]] = {n: [] for n in names}
    walls: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        order = names[r % max(1, len(names)):] + names[:r % max(1, len(names))]
        for name in order:
            if name in errors:
                continue
            try:
                t, w = _spawn(CHILDREN[name], env)
            except Exception as exc:  # a broken melforge must not stop the suite
                errors[name] = str(exc)
                continue
            inproc[name].append(t)
            walls[name].append(w)
    row.samples = inproc
    row.reps = reps if names else 0
    med = {n: statistics.median(v) for n, v in inproc.items() if v and n not in errors}
    row.melforge_s = med.get("melforge")
    row.reference_s = med.get("reference")
    if row.melforge_s and row.reference_s:
        row.ratio = row.reference_s / row.melforge_s
    row.status = judge(row.ratio, row.target)
    if "melforge" in errors:
        missing = ("ModuleNotFoundError" in errors["melforge"]
                   or "has no attribute" in errors["melforge"])
        row.status = "n/a" if missing else "error"
    wall_med = {n: statistics.median(v) for n, v in walls.items() if v and n not in errors}
    row.extra["wall_s"] = wall_med
    notes = ["time from before `import` to after the first mel of 1 s (22.05 kHz, librosa"
             " defaults), fresh process each rep; interpreter start-up excluded"]
    if "melforge" in wall_med and "reference" in wall_med:
        notes.append(f"with start-up: melforge {wall_med['melforge']:.3f} s, librosa"
                     f" {wall_med['reference']:.3f} s"
                     f" ({wall_med['reference'] / wall_med['melforge']:.2f}x)")
    notes += [f"{n}: {e}" for n, e in errors.items()]
    row.note = "; ".join(notes)
    return [row]


CASES = [
    Case("import", "import + first melspectrogram of 1 s", "import librosa + same", 5.0,
         lambda cfg, mode: None, reps=7, runner=run_import),  # type: ignore[arg-type,return-value]
]
