"""File facts from headers, without decoding: :func:`info` and :class:`AudioInfo`."""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import Any

from melforge._errors import CorruptAudioError
from melforge.io._source import Source, check_source

__all__ = ["AudioInfo", "info"]

#: libsndfile subtype -> bits per sample of the stored linear PCM (None: lossy codec).
_SUBTYPE_BITS: dict[str, int | None] = {
    "PCM_S8": 8,
    "PCM_U8": 8,
    "PCM_16": 16,
    "PCM_24": 24,
    "PCM_32": 32,
    "FLOAT": 32,
    "DOUBLE": 64,
    "ALAC_16": 16,
    "ALAC_20": 20,
    "ALAC_24": 24,
    "ALAC_32": 32,
    "ULAW": 8,
    "ALAW": 8,
    "DPCM_8": 8,
    "DPCM_16": 16,
    "DWVW_12": 12,
    "DWVW_16": 16,
    "DWVW_24": 24,
}

# Data chunk sizes that writers use as "unknown length" placeholders while streaming.
_PLACEHOLDER_SIZES = (0, 0xFFFFFFFF)


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says about its audio.

    Attributes
    ----------
    samplerate : int
        Native sampling rate in Hz.
    channels : int
        Number of channels.
    frames : int
        Samples per channel.  Exact for files libsndfile reads (WAV, FLAC, OGG, MP3 with a
        Xing/Info tag).  For FFmpeg-decoded files it is the container's duration
        metadata times ``samplerate`` (the decoded count can differ by the codec's
        padding, typically under 2048 samples); when the container records no duration,
        :func:`info` decodes the stream once to count the samples.
    duration : float
        ``frames / samplerate``, in seconds.
    format : str
        Container, as libsndfile (``"WAV"``, ``"FLAC"``, ``"OGG"``, ``"MP3"`` ...) or FFmpeg
        (``"mov,mp4,m4a,3gp,3g2,mj2"``, ``"matroska,webm"`` ...) names it.
    subtype : str
        Sample encoding: libsndfile's subtype (``"PCM_16"``, ``"FLOAT"``, ``"VORBIS"``)
        or FFmpeg's codec name (``"aac"``, ``"opus"``).
    bit_depth : int or None
        Bits per sample of the stored linear PCM (8, 16, 24, 32; 32/64 for float files),
        None for lossy codecs.
    codec : str
        Codec name (same as ``subtype`` for libsndfile files).
    backend : str
        ``"libsndfile"`` or ``"ffmpeg"``: the decoder :func:`melforge.load` will use.
    bit_rate : int or None
        Average bit rate in bit/s when the container states it (FFmpeg files only).
    """

    samplerate: int
    channels: int
    frames: int
    duration: float
    format: str
    subtype: str
    bit_depth: int | None
    codec: str
    backend: str
    bit_rate: int | None = None


def _read_at(fh: Any, offset: int, n: int) -> bytes:
    fh.seek(offset)
    data: bytes = fh.read(n)
    return data


def check_wav_header(src: Source) -> None:
    """Raise CorruptAudioError if a RIFF/RIFX WAV header declares more data than the file holds.

    libsndfile silently shortens such files; we report them instead, because a
    truncated file in a dataset is almost always a failed copy.  The placeholder sizes
    0 and 0xFFFFFFFF (written by recorders that never finalized the header) are
    accepted and mean "read to the end of the file".
    """
    if src.size is None or src.size < 12:
        return
    fh = src.obj if src.is_file_object else open(src.obj, "rb")  # noqa: SIM115
    try:
        head = _read_at(fh, 0, 12)
        if head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RIFX"):
            return
        endian = "<" if head[:4] == b"RIFF" else ">"
        pos, block_align = 12, 0
        for _ in range(4096):  # bounded walk over chunks
            hdr = _read_at(fh, pos, 8)
            if len(hdr) < 8:
                return
            cid = hdr[:4]
            (size,) = struct.unpack(endian + "I", hdr[4:])
            if cid == b"fmt ":
                fmt = _read_at(fh, pos + 8, 16)
                if len(fmt) >= 14:
                    (block_align,) = struct.unpack(endian + "H", fmt[12:14])
            elif cid == b"data":
                if size in _PLACEHOLDER_SIZES:
                    return
                available = src.size - (pos + 8)
                if size > available + 1:
                    ba = block_align if block_align > 0 else 1
                    unit = "frames" if block_align > 0 else "bytes"
                    raise CorruptAudioError(
                        f"WAV header declares {size // ba} {unit} of audio but the file "
                        f"holds only {max(available, 0) // ba} (truncated file?)",
                        path=src.path,
                    )
                return
            pos += 8 + size + (size & 1)
            if pos >= src.size:
                return
    finally:
        if src.is_file_object:
            fh.seek(0)
        else:
            fh.close()


def bit_depth_of(subtype: str) -> int | None:
    """Bits per sample for a libsndfile subtype; None for lossy or unknown codecs."""
    return _SUBTYPE_BITS.get(subtype)


def info(path: str | os.PathLike[str] | Any) -> AudioInfo:
    """Describe an audio file from its header, without decoding the audio.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The file.  libsndfile is tried first, FFmpeg second, as in :func:`melforge.load`.

    Returns
    -------
    AudioInfo
        Sample rate, channels, frames, duration (s), format, subtype, bit depth ...

    Raises
    ------
    AudioFileNotFoundError, UnreadableFileError
        Missing file, directory, no permission.
    UnsupportedFormatError
        Neither decoder recognizes the file.
    CorruptAudioError
        Empty or truncated file, or a header no decoder can parse.

    Notes
    -----
    For FFmpeg files whose container records no duration, the stream is decoded once
    (in constant memory) to count the samples.

    Examples
    --------
    >>> import melforge
    >>> i = melforge.info(melforge.ex("chirp"))  # doctest: +SKIP
    >>> i.samplerate, i.channels  # doctest: +SKIP
    (22050, 1)
    """
    from melforge.io import reading

    src = check_source(path)
    return reading.info_from_source(src)
