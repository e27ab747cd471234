"""``melforge info``: a table of facts and levels, one row per file, failures included."""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any, Optional

import click
import numpy as np

from melforge.cli._common import INPUT_ERRORS, describe_error, error_line, is_debug, progress

__all__ = ["info", "FileFacts", "file_facts", "expand_inputs"]

_BLOCK = 1 << 20  # samples per channel decoded at a time (4 MiB per channel in float32)


@dataclass(frozen=True)
class FileFacts:
    """One row of ``melforge info``; ``error`` is set (and the rest None) for failures."""

    file: str
    format: Optional[str] = None
    subtype: Optional[str] = None
    bit_depth: Optional[int] = None
    samplerate: Optional[int] = None
    channels: Optional[int] = None
    frames: Optional[int] = None
    duration: Optional[float] = None
    peak_dbfs: Optional[float] = None
    rms_dbfs: Optional[float] = None
    clipped: Optional[int] = None
    error: Optional[str] = None


def _dbfs(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else -math.inf


def _levels(path: str, bit_depth: Optional[int]) -> tuple[float, float, int]:
    """Return (peak dBFS, RMS dBFS, clipped-sample count), decoding in blocks."""
    import melforge

    hi = 1.0 - 2.0 ** (1 - bit_depth) if bit_depth and bit_depth <= 24 else 1.0
    peak, sumsq, count, clipped = 0.0, 0.0, 0, 0
    blocks = melforge.stream(
        path, block_length=_BLOCK, frame_length=1, hop_length=1, mono=False, dtype=np.float32
    )
    for block in blocks:
        if block.size == 0:
            continue
        b = block.astype(np.float64)
        peak = max(peak, float(np.max(np.abs(b))))
        sumsq += float(np.dot(b.ravel(), b.ravel()))
        count += b.size
        clipped += int(np.count_nonzero((b >= hi) | (b <= -1.0)))
    rms = math.sqrt(sumsq / count) if count else 0.0
    return _dbfs(peak), _dbfs(rms), clipped


def file_facts(path: str, *, levels: bool = True) -> FileFacts:
    """Return the facts of one file; failures become a row with ``error`` set.

    Parameters
    ----------
    path : str
        The file.
    levels : bool
        Decode the file to measure peak and RMS level (dBFS) and clipped samples.

    Returns
    -------
    FileFacts
        The row.
    """
    import melforge

    try:
        meta = melforge.info(path)
        row = FileFacts(
            file=path,
            format=meta.format,
            subtype=meta.subtype,
            bit_depth=meta.bit_depth,
            samplerate=meta.samplerate,
            channels=meta.channels,
            frames=meta.frames,
            duration=meta.duration,
        )
        if levels:
            peak, rms, clipped = _levels(path, meta.bit_depth)
            row = FileFacts(
                **{**asdict(row), "peak_dbfs": peak, "rms_dbfs": rms, "clipped": clipped}
            )
        return row
    except INPUT_ERRORS as exc:
        if is_debug():
            raise
        return FileFacts(file=path, error=describe_error(exc, with_path=False))


def expand_inputs(items: tuple[str, ...]) -> list[str]:
    """Return the files to report: files as given, folders walked for audio files.

    A folder is walked recursively in sorted order; hidden files and folders are left
    out, and so are files whose extension is not an audio one (the extensions
    ``melforge featurize`` takes).  A folder holding no audio file stays in the list,
    so that it is reported as a failed input.
    """
    from melforge.pipeline.inputs import AUDIO_EXTENSIONS

    files: list[str] = []
    for item in items:
        if not os.path.isdir(item):
            files.append(item)
            continue
        found = []
        for dirpath, dirnames, filenames in os.walk(item):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found += [
                os.path.join(dirpath, name)
                for name in sorted(filenames)
                if not name.startswith(".")
                and os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS
            ]
        files += found or [item]
    return files


def _fmt_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{1000 * seconds:.1f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    m, s = divmod(seconds, 60)
    if m < 60:
        return f"{int(m)}:{s:05.2f}"
    h, m = divmod(m, 60)
    return f"{int(h)}:{int(m):02d}:{s:05.2f}"


def _fmt_db(x: Optional[float]) -> str:
    if x is None:
        return ""
    return "-inf" if math.isinf(x) else f"{x:.1f}"


_HEADERS = (
    "file",
    "format",
    "subtype",
    "bits",
    "rate",
    "ch",
    "duration",
    "peak dBFS",
    "RMS dBFS",
    "clipped",
)


def _cells(r: FileFacts) -> list[str]:
    if r.error is not None:
        return [r.file, f"error: {r.error}"]
    return [
        r.file,
        r.format or "",
        r.subtype or "",
        "" if r.bit_depth is None else str(r.bit_depth),
        f"{r.samplerate}",
        f"{r.channels}",
        _fmt_duration(r.duration),
        _fmt_db(r.peak_dbfs),
        _fmt_db(r.rms_dbfs),
        "" if r.clipped is None else str(r.clipped),
    ]


def render_table(rows: list[FileFacts]) -> str:
    """Lay the rows out as an aligned text table (failed files span the other columns)."""
    cells = [_cells(r) for r in rows]
    full = [c for c in cells if len(c) == len(_HEADERS)]
    widths = [max([len(h)] + [len(c[i]) for c in full]) for i, h in enumerate(_HEADERS)]
    widths[0] = max([widths[0]] + [len(c[0]) for c in cells])
    right = {3, 4, 5, 6, 7, 8, 9}

    def line(c: list[str]) -> str:
        if len(c) != len(_HEADERS):
            return f"{c[0]:<{widths[0]}}  {c[1]}"
        parts = [
            f"{v:>{w}}" if i in right else f"{v:<{w}}"
            for i, (v, w) in enumerate(zip(c, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(list(_HEADERS))] + [line(c) for c in cells])


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and math.isinf(v):
        return None
    return v


@click.command(
    "info",
    epilog=(
        "Examples:\n\n\b\n  melforge info speech.flac\n"
        "  melforge info recordings/            # every audio file below the folder\n"
        "  melforge info data/*.wav --json > facts.json\n"
        "  melforge info --no-levels big/*.flac   # headers only, no decoding\n\n"
        "Levels: peak and RMS in dBFS (0 dBFS = full scale, a full-scale sine has RMS -3 dBFS); "
        "clipped counts samples at the largest positive or negative code (|x| >= 1.0 "
        "for float and lossy files)."
    ),
)
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of objects).")
@click.option(
    "--levels/--no-levels",
    default=True,
    show_default=True,
    help="Decode each file to measure peak/RMS dBFS and clipped samples.",
)
def info(files: tuple[str, ...], as_json: bool, levels: bool) -> None:
    """Show format, subtype, bit depth, rate, channels, duration and levels of FILES.

    A folder stands for every audio file below it.  Unreadable files become rows with
    the reason; the exit code is then 1.
    """
    paths = expand_inputs(files)
    rows = [
        FileFacts(file=f, error="no audio files in this folder")
        if os.path.isdir(f)
        else file_facts(f, levels=levels)
        for f in progress(paths, total=len(paths), desc="info")
    ]
    if as_json:
        data = [{k: _json_value(v) for k, v in asdict(r).items()} for r in rows]
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(render_table(rows))
    failed = [r for r in rows if r.error is not None]
    for r in failed:
        error_line(f"{r.file}: {r.error}")
    if failed:
        sys.exit(1)
