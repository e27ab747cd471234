"""``melforge convert``: resample and re-encode one file (e.g. MP3 to 16 kHz mono WAV)."""

from __future__ import annotations

import time
from typing import Optional

import click

from melforge.cli._common import SAMPLE_RATE, check_suffix, guarded
from melforge.resampling import RES_TYPES

__all__ = ["convert"]

_WRITABLE = ("wav", "flac", "ogg", "mp3", "aiff", "aif", "au", "caf", "w64", "rf64")
_SUBTYPES = (
    "PCM_S8",
    "PCM_U8",
    "PCM_16",
    "PCM_24",
    "PCM_32",
    "FLOAT",
    "DOUBLE",
    "ULAW",
    "ALAW",
    "VORBIS",
    "OPUS",
    "MPEG_LAYER_III",
)


@click.command(
    "convert",
    epilog=(
        "Examples:\n\n\b\n"
        "  melforge convert song.mp3 song16k.wav --sr 16000 --mono --subtype PCM_16\n"
        "  melforge convert take.wav take.flac --subtype PCM_24\n"
        "  melforge convert speech.flac speech.ogg\n\n"
        "The output format follows OUT's extension (.wav .flac .ogg .mp3 .aiff .au .caf .w64 "
        ".rf64); the subtype defaults to the format's usual one (PCM_16 for WAV and FLAC). "
        "Integer subtypes round to the nearest level and clip outside [-1, 1), with a warning "
        "that counts clipped samples."
    ),
)
@click.argument("input_file", metavar="IN")
@click.argument("output_file", metavar="OUT")
@click.option(
    "--sr", type=SAMPLE_RATE, default=None, help="Output sample rate in Hz [default: native]."
)
@click.option("--mono", is_flag=True, help="Average the channels into one.")
@click.option(
    "--subtype",
    type=click.Choice(_SUBTYPES, case_sensitive=False),
    metavar="[" + "|".join(_SUBTYPES) + "]",
    default=None,
    help="Sample encoding [default: the format's usual one].",
)
@click.option(
    "--res-type",
    type=click.Choice(RES_TYPES, case_sensitive=False),
    default="soxr_hq",
    show_default=True,
    help="Resampler, as in melforge.resample.",
)
def convert(
    input_file: str,
    output_file: str,
    sr: Optional[int],
    mono: bool,
    subtype: Optional[str],
    res_type: str,
) -> None:
    """Resample IN to --sr, optionally mix it to mono, and write OUT."""
    check_suffix(output_file, _WRITABLE, "OUT")
    t0 = time.perf_counter()
    with guarded(input_file):
        import melforge

        meta = melforge.info(input_file)
        y, rate = melforge.load(input_file, sr=sr, mono=mono, res_type=res_type.lower())
    with guarded(output_file):
        melforge.save(
            output_file, y, int(round(rate)), subtype=subtype.upper() if subtype else None
        )
        out = melforge.info(output_file)
    click.echo(
        f"{input_file} ({meta.samplerate} Hz, {meta.channels} ch, {meta.subtype}) -> "
        f"{output_file} ({out.samplerate} Hz, {out.channels} ch, {out.subtype}), "
        f"{out.duration:.2f} s in {time.perf_counter() - t0:.2f} s"
    )
