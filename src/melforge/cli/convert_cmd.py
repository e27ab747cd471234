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


#: OUT's extension -> libsndfile format name.
_FORMATS = {
    "wav": "WAV", "flac": "FLAC", "ogg": "OGG", "mp3": "MP3", "aiff": "AIFF", "aif": "AIFF",
    "au": "AU", "caf": "CAF", "w64": "W64", "rf64": "RF64",
}  # fmt: skip
#: Integer PCM subtypes and their bits per sample.
_PCM_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}


def kept_subtype(src_subtype: Optional[str], src_bits: Optional[int], ext: str) -> Optional[str]:
    """Return the subtype of OUT that keeps the source's bit depth, or None for the default.

    The source's own subtype when OUT's format can hold it (24-bit FLAC to WAV stays
    PCM_24); else the same depth in another integer subtype (PCM_U8 to FLAC is PCM_S8);
    else the deepest the format can hold below it (32-bit or float to FLAC is PCM_24).
    Lossy sources (no bit depth) and lossy outputs get the format's usual subtype, as
    sox and ffmpeg do.
    """
    import soundfile as sf

    fmt = _FORMATS[ext]
    if fmt in ("OGG", "MP3"):
        return None
    src = (src_subtype or "").upper()
    if src in ("FLOAT", "DOUBLE"):
        candidates = [src, "FLOAT", "PCM_32", "PCM_24", "PCM_16"]
    elif src_bits in (8, 16, 24, 32):
        same = [s for s, b in _PCM_BITS.items() if b == src_bits]
        lower = [s for s, b in sorted(_PCM_BITS.items(), key=lambda x: -x[1]) if b < src_bits]
        candidates = ([src] if src in _PCM_BITS else []) + same + lower
    elif src in ("ULAW", "ALAW"):
        candidates = [src]
    else:
        return None
    for subtype in candidates:
        if sf.check_format(fmt, subtype):
            return subtype
    return None


@click.command(
    "convert",
    epilog=(
        "Examples:\n\n\b\n"
        "  melforge convert song.mp3 song16k.wav --sr 16k --mono --subtype PCM_16\n"
        "  melforge convert take.wav take.flac\n"
        "  melforge convert master24.flac cd.wav --sr 44.1k --subtype PCM_16 --dither tpdf\n"
        "  melforge convert speech.flac speech.ogg\n\n"
        "The output format follows OUT's extension (.wav .flac .ogg .mp3 .aiff .au .caf .w64 "
        ".rf64).  The bit depth of IN is kept unless --subtype says otherwise (a 24-bit FLAC "
        "stays 24-bit, as sox and ffmpeg do); a depth the format cannot hold becomes the "
        "deepest it can (float or 32-bit to FLAC: PCM_24); lossy sources get the format's "
        "usual subtype (PCM_16 for WAV and FLAC).  Integer subtypes round to the nearest "
        "level and clip outside [-1, 1), with a warning that counts clipped samples; "
        "--dither tpdf adds triangular noise of +-1 LSB before rounding."
    ),
)
@click.argument("input_file", metavar="IN")
@click.argument("output_file", metavar="OUT")
@click.option(
    "--sr",
    type=SAMPLE_RATE,
    default=None,
    help="Output sample rate: Hz or kHz (16000, 16k, 44.1k) [default: native].",
)
@click.option("--mono", is_flag=True, help="Average the channels into one.")
@click.option(
    "--subtype",
    type=click.Choice(_SUBTYPES, case_sensitive=False),
    metavar="[" + "|".join(_SUBTYPES) + "]",
    default=None,
    help="Sample encoding [default: IN's bit depth].",
)
@click.option(
    "--dither",
    type=click.Choice(["none", "tpdf"], case_sensitive=False),
    default="none",
    show_default=True,
    help="Dither before rounding to an integer subtype.",
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
    dither: str,
    res_type: str,
) -> None:
    """Resample IN to --sr, optionally mix it to mono, and write OUT at IN's bit depth."""
    ext = check_suffix(output_file, _WRITABLE, "OUT")
    t0 = time.perf_counter()
    with guarded(input_file):
        import melforge

        meta = melforge.info(input_file)
    if subtype is None:
        subtype = kept_subtype(meta.subtype, meta.bit_depth, ext)
    subtype = subtype.upper() if subtype else None
    bits = None
    if dither.lower() == "tpdf":
        import soundfile as sf

        effective = subtype or sf.default_subtype(_FORMATS[ext])
        bits = _PCM_BITS.get(effective)
        if bits is None:
            raise click.BadParameter(
                f"tpdf dither needs an integer PCM subtype, but OUT is {effective}; "
                "pick one with --subtype (PCM_16, PCM_24, ...)",
                param_hint="--dither",
            )
    with guarded(input_file):
        y, rate = melforge.load(input_file, sr=sr, mono=mono, res_type=res_type.lower())
        if bits is not None:
            y = melforge.quantize(y, bits, dither="tpdf")
    with guarded(output_file):
        melforge.save(output_file, y, int(round(rate)), subtype=subtype)
        out = melforge.info(output_file)
    click.echo(
        f"{input_file} ({meta.samplerate} Hz, {meta.channels} ch, {meta.subtype}) -> "
        f"{output_file} ({out.samplerate} Hz, {out.channels} ch, {out.subtype}"
        f"{', TPDF dither' if bits is not None else ''}), "
        f"{out.duration:.2f} s in {time.perf_counter() - t0:.2f} s"
    )
