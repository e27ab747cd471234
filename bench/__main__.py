"""Run the melforge benchmark suite: ``python -m bench [--smoke] [--only PATTERN] [--threads]``.

A full run (no ``--smoke``, no ``--only``) rewrites ``bench/RESULTS.md`` and
``bench/results.json``; every run writes ``RESULTS.md`` and ``results.json`` under the
output folder (``bench/out`` by default).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def all_cases() -> list:
    from bench import (
        cases_import,
        cases_io,
        cases_models,
        cases_pipeline,
        cases_pretrained,
        cases_pretrained_kaldi,
        cases_pretrained_torch,
        cases_pretrained_whisper,
        cases_spectral,
        cases_torch,
    )

    return [*cases_import.CASES, *cases_spectral.CASES, *cases_io.CASES, *cases_models.CASES,
            *cases_pretrained.CASES, *cases_pretrained_kaldi.CASES,
            *cases_pretrained_whisper.CASES, *cases_pretrained_torch.CASES,
            *cases_torch.CASES, *cases_pipeline.CASES]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--smoke", action="store_true",
                   help="tiny inputs (about 1-2 s), 1 repetition: checks the suite runs")
    p.add_argument("--only", action="append", metavar="PATTERN", default=[],
                   help="run only cases whose id matches this regular expression"
                   " (repeatable; ids: see --list)")
    p.add_argument("--threads", choices=("1", "all", "both"), default="both",
                   help="thread setting for in-process cases (default: both, for the cases"
                   " where threads matter; the Kaldi case is always 1 thread)")
    p.add_argument("--reps", type=int, default=None,
                   help="repetitions per case (default: per case, 3-7; 1 with --smoke)")
    p.add_argument("--data", type=Path, default=HERE / "data",
                   help="where generated inputs are cached (default: bench/data)")
    p.add_argument("--out", type=Path, default=HERE / "out",
                   help="output folder for results and scratch (default: bench/out)")
    p.add_argument("--write-results", action=argparse.BooleanOptionalAction, default=None,
                   help="also rewrite bench/RESULTS.md and bench/results.json (default: only"
                   " for a full run)")
    p.add_argument("--profile", action="store_true",
                   help="also run the melforge side of each in-process case once under"
                   " cProfile; top functions go to results.json, listings to"
                   " OUT/profile-<case>-<threads>.txt")
    p.add_argument("--render", type=Path, metavar="RESULTS_JSON",
                   help="only rewrite RESULTS.md next to RESULTS_JSON from it (and from"
                   " bench/ANALYSIS.md), without measuring anything")
    p.add_argument("--list", action="store_true", help="list case ids and exit")
    return p.parse_args(argv)


def select(cases: list, patterns: list[str]) -> list:
    if not patterns:
        return cases
    regexes = [re.compile(p) for p in patterns]
    return [c for c in cases if any(r.search(c.id) for r in regexes)]


def render(results_json: Path) -> int:
    """Rewrite the RESULTS.md beside a results.json (e.g. after editing ANALYSIS.md)."""
    import json

    from bench import report
    from bench.harness import Row

    doc = json.loads(results_json.read_text())
    fields = set(Row.__dataclass_fields__)
    rows = [Row(**{k: v for k, v in r.items() if k in fields}) for r in doc["rows"]]
    meta = {k: v for k, v in doc.items() if k not in ("rows", "summary")}
    analysis_path = HERE / "ANALYSIS.md"
    analysis = analysis_path.read_text() if analysis_path.exists() else None
    out = results_json.with_name("RESULTS.md")
    report.write_markdown(out, meta, rows, analysis)
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bench import report
    from bench.harness import Config, Row, run_case

    if args.render:
        return render(args.render)
    cases = select(all_cases(), args.only)
    if args.list:
        for c in cases:
            print(f"{c.id:<28} {c.title}  (target {c.target_text or c.target})")
        return 0
    if not cases:
        print(f"no case matches {args.only}", file=sys.stderr)
        return 2
    args.data, args.out = args.data.resolve(), args.out.resolve()  # children run elsewhere
    cfg = Config(smoke=args.smoke, data_dir=args.data, out_dir=args.out, reps=args.reps,
                 threads=args.threads, profile=args.profile)
    modes_wanted = {"1": ["1"], "all": ["all"], "both": ["1", "all"]}[args.threads]
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    meta = report.meta_block(command.strip(), args.smoke, args.threads)
    print(f"melforge bench: {len(cases)} case(s), threads={args.threads}"
          f"{', smoke' if args.smoke else ''}; {meta['machine']['cpu']},"
          f" {meta['machine']['usable_cores']} cores, load {meta['machine']['load_average']}",
          flush=True)
    t_start = time.perf_counter()
    cpu_start = report.cpu_snapshot()
    rows: list[Row] = []
    for case in cases:
        modes = [m for m in case.threads if m in modes_wanted] or [case.threads[0]]
        for mode in modes:
            t0 = time.perf_counter()
            try:
                new = run_case(case, cfg, mode)
            except Exception as exc:  # keep going: one broken case must not hide the rest
                traceback.print_exc()
                new = [Row(case=case.id, title=case.title, threads=mode,
                           reference=case.reference_name, status="error",
                           note=f"harness error: {type(exc).__name__}: {exc}")]
            for r in new:
                print(report.row_line(r), flush=True)
            print(f"    ({case.id} [{mode}] took {time.perf_counter() - t0:.1f} s)", flush=True)
            rows.extend(new)
    meta["wall_s"] = time.perf_counter() - t_start
    meta["other_cpu_cores"] = report.other_load(cpu_start, meta["wall_s"])
    meta["load_average_after"] = meta["machine"]["load_average"] and list(
        __import__("os").getloadavg())
    print()
    print(report.text_table(rows))
    counts = report.summary_counts(rows)
    print("\n" + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
          + f"; {meta['wall_s'] / 60:.1f} min")
    analysis_path = HERE / "ANALYSIS.md"
    analysis = analysis_path.read_text() if analysis_path.exists() else None
    report.write_json(args.out / "results.json", meta, rows)
    report.write_markdown(args.out / "RESULTS.md", meta, rows, analysis)
    write = args.write_results
    if write is None:
        write = not args.smoke and not args.only
    if write:
        report.write_json(HERE / "results.json", meta, rows)
        report.write_markdown(HERE / "RESULTS.md", meta, rows, analysis)
        print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'results.json'}")
    print(f"wrote {args.out / 'RESULTS.md'} and {args.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
