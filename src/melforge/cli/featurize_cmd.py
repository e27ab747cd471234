"""``melforge featurize``: a thin shell over :func:`melforge.featurize`."""

from __future__ import annotations

import re
import sys
import warnings

import click

from melforge.cli._preset_param import preset_help

__all__ = ["featurize", "EXIT_OUTPUT"]

#: Exit status when the output cannot be written (permission, read-only, disk full).
EXIT_OUTPUT = 3

#: API parameter -> command-line option, for messages that name a parameter.
_OPTIONS = {
    "out": "--out", "preset": "--preset", "workers": "--workers", "engine": "--engine",
    "scheduler": "--scheduler", "path_column": "--path-column", "root": "--root",
    "segment_seconds": "--segment-seconds", "format": "--format",
    "files_per_shard": "--files-per-shard", "timeout": "--timeout",
}  # fmt: skip
_FLAGS = {
    "overwrite=True": "--overwrite", "resume=False": "--no-resume",
    "verify_content=True": "--verify-content",
}  # fmt: skip


def cli_spelling(message: str) -> str:
    """Rewrite the API's ``name=value`` in a message as the command's ``--name value``."""
    for api, flag in _FLAGS.items():
        message = message.replace(api, flag)
    pattern = r"\b(" + "|".join(_OPTIONS) + r")=('[^']*'|\S+?)(?=[\s,;:)]|$)"

    def option(m: re.Match[str]) -> str:
        value = m.group(2)
        if value.startswith("'") and value.endswith("'") and " " not in value:
            value = value[1:-1]
        return f"{_OPTIONS[m.group(1)]} {value}"

    return re.sub(pattern, option, message)


@click.command("featurize")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--out", required=True, help="Output folder (or fsspec URL).")
@click.option(
    "--preset",
    default="whisper-80",
    show_default=True,
    help=preset_help() + " Or package.module:Name, a custom recipe.",
)
@click.option("--workers", type=int, default=None, help="Worker processes [default: all CPUs].")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786).")
@click.option("--path-column", default="path", show_default=True, help="Manifest path column.")
@click.option("--root", default=None, help="Folder that relative manifest paths resolve against.")
@click.option(
    "--segment-seconds", type=float, default=None, help="Cut files into segments of this length."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "npy"]),
    default="parquet",
    show_default=True,
)
@click.option(
    "--files-per-shard",
    type=int,
    default=None,
    help="Inputs per shard, the unit of resume [default: inputs/64 rounded up, at most 256; "
    "at most 16 with --segment-seconds].",
)
@click.option(
    "--resume/--no-resume",
    default=True,
    show_default=True,
    help="Skip inputs already in complete shards of a matching earlier run.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset in the folder.")
@click.option(
    "--verify-content",
    is_flag=True,
    help="Record each input's SHA-256; on resume keep rows only of files whose bytes match.",
)
@click.option(
    "--timeout",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds per file before its worker is killed (0: no limit).",
)
@click.option(
    "--progress/--no-progress",
    default=True,
    show_default=True,
    help="A bar of files done out of the total, with an ETA, when stderr is a terminal.",
)
def featurize(
    inputs: tuple[str, ...],
    out: str,
    preset: str,
    workers: int | None,
    engine: str,
    scheduler: str | None,
    path_column: str,
    root: str | None,
    segment_seconds: float | None,
    fmt: str,
    files_per_shard: int | None,
    resume: bool,
    overwrite: bool,
    verify_content: bool,
    timeout: float,
    progress: bool,
) -> None:
    """Featurize audio INPUTS into Parquet shards, in parallel and resumably.

    INPUTS are folders (walked recursively), audio files, or CSV/TSV/JSONL/Parquet
    manifests with a path column; other manifest columns are carried to the output.

    \b
    Examples:
      melforge featurize LibriSpeech/train-clean-100 -o feats/ --preset whisper-80
      melforge featurize cv/en/train.tsv --root cv/en/clips -o feats/ --preset kaldi-fbank-80
      melforge featurize long/ -o feats/ --segment-seconds 30 --engine dask

    The features column of each row is (n_frames, n_features), float32.  A rerun
    resumes: unchanged inputs are kept, changed and failed ones computed again, new
    ones added.  One run at a time may write into a folder.

    Exit status: 0 when every input was featurized, 1 when some input failed (see
    _errors.jsonl in the output folder), 2 on bad options or an output folder in use
    by another run, 3 when the output cannot be written (permission denied, read-only,
    disk full, missing parent folder).
    """
    from melforge._errors import AudioError
    from melforge.cli._common import error_line, is_debug, warn_line
    from melforge.pipeline import OutputError, OutputInUseError, featurize as run

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            summary = run(
                list(inputs),
                out,
                preset=preset,
                workers=workers,
                engine=engine,
                scheduler=scheduler,
                path_column=path_column,
                root=root,
                segment_seconds=segment_seconds,
                format=fmt,
                files_per_shard=files_per_shard,
                resume=resume,
                overwrite=overwrite,
                verify_content=verify_content,
                timeout=timeout if timeout and timeout > 0 else None,
                progress=progress and sys.stderr.isatty(),
            )
    except (OutputError, OutputInUseError) as e:
        if is_debug():
            raise
        error_line(cli_spelling(str(e)))
        sys.exit(2 if isinstance(e, OutputInUseError) else EXIT_OUTPUT)
    except (AudioError, KeyError, LookupError) as e:
        raise click.UsageError(cli_spelling(str(e.args[0]) if e.args else str(e))) from e
    for w in caught:
        warn_line(cli_spelling(str(w.message).splitlines()[0]))
    click.echo(str(summary))
    if summary.errors_path is not None:
        sys.exit(1)


if __name__ == "__main__":  # python -m melforge.cli.featurize_cmd ...
    featurize()
