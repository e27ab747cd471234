"""Write audio files with libsndfile: :func:`save`."""

from __future__ import annotations

import os
import warnings

import numpy as np

from melforge._errors import ParameterError, UnreadableFileError, UnsupportedFormatError
from melforge._validate import check_audio_array
from melforge.io.pcm import _scaled_rounded

__all__ = ["save"]

#: Integer PCM subtypes and their bit depth.
_INT_SUBTYPES = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}
_FLOAT_SUBTYPES = ("FLOAT", "DOUBLE")

#: Frames per libsndfile write call.
_WRITE_CHUNK = 1 << 16


def _int_payload(y: np.ndarray, bits: int) -> tuple[np.ndarray, int]:
    """Integers that libsndfile writes exactly to an ``bits``-bit file, and the clip count."""
    x, n_clipped = _scaled_rounded(y, bits)
    if bits == 8:  # libsndfile keeps the top 8 bits of a short
        return (x * 256).astype(np.int16), n_clipped
    if bits == 16:
        return x.astype(np.int16), n_clipped
    if bits == 24:  # ... and the top 24 bits of an int
        return (x * 256).astype(np.int32), n_clipped
    return x.astype(np.int32), n_clipped


def save(
    path: str | os.PathLike[str],
    y: np.ndarray,
    sr: int,
    *,
    subtype: str | None = None,
) -> None:
    """Write audio to a file; the format follows the extension.

    Parameters
    ----------
    path : str or os.PathLike
        Destination.  The extension picks the format: ``.wav``, ``.flac``, ``.ogg``,
        ``.mp3``, ``.aiff`` and the others libsndfile writes.
    y : np.ndarray [shape=(n,) or (channels, n)], floating point
        Audio, nominally in [-1, 1).  Time is the last axis (an ``(n, channels)`` array
        with more than 64 "channels" than samples is refused as transposed).  Must be
        finite.  float16 is written as float32.
    sr : int > 0
        Sampling rate in Hz.
    subtype : str or None
        libsndfile subtype, e.g. ``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"``, ``"VORBIS"``,
        ``"OPUS"``, ``"MPEG_LAYER_III"``.  None uses libsndfile's default for the format
        (``PCM_16`` for WAV and FLAC, ``VORBIS`` for OGG, ``MPEG_LAYER_III`` for MP3).

    Raises
    ------
    ParameterError
        Bad ``y`` (not float, NaN/Inf, more than 2 dimensions), ``sr`` or ``subtype``.
    UnsupportedFormatError
        The extension is not a format libsndfile writes, or the format refuses the
        parameters (e.g. Opus at 44100 Hz).
    UnreadableFileError
        The file cannot be written (missing directory, permissions).

    Warns
    -----
    UserWarning
        When an integer subtype clips samples outside [-1, 1); the message counts them.

    Notes
    -----
    What happens to values above 1.0 is deliberate, not left to the codec:

    - integer subtypes (``PCM_*``): samples become ``round(y * 2**(N-1))`` clipped to the
      N-bit range (exactly :func:`melforge.to_int`), with a warning that counts the
      clipped samples.  Reading the file back gives :func:`melforge.quantize`'s values.
    - float subtypes (``FLOAT``, ``DOUBLE``): values are stored as they are, above 1.0
      included; ``FLOAT`` rounds float64 input to float32.
    - lossy subtypes (Vorbis, Opus, MP3): the float signal goes to the encoder as is; a
      warning says when its peak exceeds 1.0, because decoders to integer PCM will clip.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y = np.zeros(22050, dtype=np.float32)
    >>> melforge.save("silence.wav", y, 22050)
    >>> melforge.info("silence.wav").subtype
    'PCM_16'
    """
    import soundfile

    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    fspath = os.fsdecode(os.fspath(path))
    check_audio_array(y)
    if y.ndim > 2:
        raise ParameterError(f"y must have shape (n,) or (channels, n), got shape={y.shape}")
    ok_sr = isinstance(sr, (int, np.integer, float, np.floating)) and not isinstance(sr, bool)
    if not ok_sr or not np.isfinite(sr) or sr <= 0 or int(sr) != sr:
        raise ParameterError(f"{sr=} must be a positive integer sample rate in Hz")
    ext = os.path.splitext(fspath)[1][1:].upper()
    fmt = {"OGA": "OGG", "OPUS": "OGG", "AIF": "AIFF"}.get(ext, ext)
    if fmt not in soundfile.available_formats():
        raise UnsupportedFormatError(
            f"cannot write {ext or 'files without an extension'!r}: use one of .wav, .flac, "
            ".ogg, .mp3, .aiff",
            path=fspath,
        )
    if subtype is None:
        subtype = "OPUS" if ext == "OPUS" else soundfile.default_subtype(fmt)
    if not isinstance(subtype, str) or not soundfile.check_format(fmt, subtype.upper()):
        valid = ", ".join(sorted(soundfile.available_subtypes(fmt)))
        raise ParameterError(f"{subtype=} is not valid for {fmt} files; choose from {valid}")
    subtype = subtype.upper()
    channels = 1 if y.ndim == 1 else y.shape[0]
    if channels < 1:
        raise ParameterError(f"y must have at least one channel, got shape={y.shape}")
    if channels > 64 and channels > y.shape[-1]:
        raise ParameterError(
            f"y.shape={y.shape} reads as {channels} channels of {y.shape[-1]} samples; "
            "melforge wants (channels, n) with time last: pass y.T"
        )

    data: np.ndarray
    if subtype in _INT_SUBTYPES:
        bits = _INT_SUBTYPES[subtype]
        data, n_clipped = _int_payload(y, bits)
        if n_clipped:
            top = 1.0 - 2.0 ** (1 - bits)
            warnings.warn(
                f"{n_clipped} sample(s) beyond the {bits}-bit range [-1, {top:.6g}] were "
                f"clipped when writing {subtype} "
                f"to {fspath}; scale the signal (e.g. y / np.abs(y).max()) or use "
                "subtype='FLOAT' to keep them",
                UserWarning,
                stacklevel=2,
            )
    else:
        data = y if y.dtype in (np.float32, np.float64) else y.astype(np.float32)
        if subtype not in _FLOAT_SUBTYPES and y.size and float(np.max(np.abs(y))) > 1.0:
            warnings.warn(
                f"peak {float(np.max(np.abs(y))):.3f} exceeds 1.0; {subtype} stores it, but "
                "decoders to integer PCM will clip it",
                UserWarning,
                stacklevel=2,
            )
    frames = data.T if data.ndim == 2 else data
    try:
        sfo = soundfile.SoundFile(
            fspath, mode="w", samplerate=int(sr), channels=channels, format=fmt, subtype=subtype
        )
    except Exception as e:  # noqa: BLE001 - libsndfile's refusal becomes our error
        reason = getattr(e, "error_string", None) or str(e)
        if not os.path.isdir(os.path.dirname(os.path.abspath(fspath))):
            raise UnreadableFileError(
                "cannot write: the directory does not exist", path=fspath
            ) from e
        raise UnsupportedFormatError(
            f"libsndfile cannot write {fmt}/{subtype} with {channels} channel(s) at {sr} Hz: "
            f"{reason}",
            path=fspath,
        ) from e
    try:
        with sfo:
            # Chunked: libsndfile 1.2's Vorbis encoder crashes (SIGSEGV) on very large
            # single writes (about a minute of stereo 44.1 kHz); chunks cost nothing.
            for i in range(0, frames.shape[0], _WRITE_CHUNK):
                sfo.write(np.ascontiguousarray(frames[i : i + _WRITE_CHUNK]))
    except OSError as e:
        raise UnreadableFileError(f"cannot write: {e}", path=fspath) from e
    except Exception as e:  # noqa: BLE001
        raise UnsupportedFormatError(f"libsndfile failed while writing: {e}", path=fspath) from e
