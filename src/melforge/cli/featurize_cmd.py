"""``melforge featurize``: a thin shell over :func:`melforge.featurize`."""

from __future__ import annotations

import sys

import click

__all__ = ["featurize"]


@click.command("featurize")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--out", required=True, help="Output folder (or fsspec URL).")
@click.option(
    "--preset",
    default="whisper-80",
    show_default=True,
    help="Feature recipe: whisper-80, kaldi-fbank-80, wav2vec2, librosa-mel, mfcc-13.",
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
    "--timeout",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds per file before its worker is killed (0: no limit).",
)
@click.option("--progress/--no-progress", default=True, show_default=True)
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

    Exit status: 0 when every input was featurized, 1 when some input failed (see
    _errors.parquet in the output folder), 2 on bad options.
    """
    from melforge._errors import AudioError
    from melforge.pipeline import featurize as run

    try:
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
            timeout=timeout if timeout and timeout > 0 else None,
            progress=progress,
        )
    except (AudioError, KeyError, LookupError) as e:
        raise click.UsageError(str(e.args[0]) if e.args else str(e)) from e
    click.echo(str(summary))
    if summary.errors_path is not None:
        sys.exit(1)


if __name__ == "__main__":  # python -m melforge.cli.featurize_cmd ...
    featurize()
