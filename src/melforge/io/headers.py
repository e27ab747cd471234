"""File facts from headers, without decoding: :func:`info` and :class:`AudioInfo`."""

from __future__ import annotations

import math
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

#: Most channels a file may declare (libsndfile's own limit, SF_MAX_CHANNELS).
MAX_CHANNELS = 1024


def check_stream_facts(path: Any, samplerate: Any, channels: Any, what: str) -> None:
    """Raise CorruptAudioError unless the rate is finite and > 0 and 1 <= channels <= 1024.

    ``what`` names who declared the values (``"the WAV header"``, ``"libsndfile"``,
    ``"FFmpeg"``); the message names the field.
    """
    try:
        rate_ok = math.isfinite(samplerate) and samplerate > 0
    except (TypeError, ValueError, OverflowError):
        rate_ok = False
    if not rate_ok:
        raise CorruptAudioError(
            f"{what} declares samplerate={samplerate!r} Hz; a sample rate must be a finite "
            "number > 0 (corrupt header)",
            path=path,
        )
    if not (isinstance(channels, int) and 1 <= channels <= MAX_CHANNELS):
        raise CorruptAudioError(
            f"{what} declares channels={channels!r}; a channel count must be between 1 and "
            f"{MAX_CHANNELS} (corrupt header)",
            path=path,
        )


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

    Examples
    --------
    >>> import melforge
    >>> i = melforge.info(melforge.ex("speech"))
    >>> i.samplerate, i.channels, i.bit_depth, i.format
    (22050, 1, 16, 'FLAC')
    >>> round(i.duration, 2)
    9.62
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


def _read_tail(source: Any, n: int) -> bytes | None:
    try:
        if hasattr(source, "read"):
            pos = source.tell()
            size = source.seek(0, 2)
            source.seek(max(0, size - n))
            tail: bytes = source.read()
            source.seek(pos)
            return tail
        with open(source, "rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(max(0, size - n))
            return fh.read()
    except (OSError, ValueError):
        return None


def ogg_tail(source: Any) -> tuple[int, bool] | None:
    """Facts about the last Ogg page: (granule where its audio starts, end-of-stream flag).

    Reads only the file's last 128 KiB (an Ogg page is at most 65307 bytes).  Pages are
    located by walking headers (capture pattern, version 0, a length that leads to the
    next header or the end).  None when no two consecutive pages are found.
    """
    tail = _read_tail(source, 2 * 65536)
    if tail is None:
        return None
    pages: list[tuple[int, int]] = []  # (granule, header type)
    i = tail.find(b"OggS")
    while 0 <= i and i + 27 <= len(tail):
        nseg = tail[i + 26]
        end = i + 27 + nseg + sum(tail[i + 27 : i + 27 + nseg])
        chained = end == len(tail) or tail[end : end + 4] == b"OggS"
        if tail[i + 4] == 0 and end <= len(tail) and chained:
            pages.append((int.from_bytes(tail[i + 6 : i + 14], "little", signed=True), tail[i + 5]))
            i = end
        else:
            i = tail.find(b"OggS", i + 1)
    if len(pages) < 2:
        return None
    return max(pages[-2][0], 0), bool(pages[-1][1] & 0x04)


def _walk_chunks(fh: Any, size: int, pos: int, endian: str) -> Any:
    """Yield (chunk id, declared size, offset of its body) for RIFF/IFF chunks."""
    for _ in range(4096):  # bounded walk
        hdr = _read_at(fh, pos, 8)
        if len(hdr) < 8:
            return
        (n,) = struct.unpack(endian + "I", hdr[4:])
        yield hdr[:4], n, pos + 8
        pos += 8 + n + (n & 1)
        if pos >= size:
            return


def _truncated(src: Source, declared: int, available: int, frame_bytes: int, kind: str) -> None:
    fb = frame_bytes if frame_bytes > 0 else 1
    unit = "frames" if frame_bytes > 0 else "bytes"
    raise CorruptAudioError(
        f"{kind} header declares {declared // fb} {unit} of audio but the file holds only "
        f"{max(available, 0) // fb} (truncated file?)",
        path=src.path,
    )


def _extended(b: bytes) -> float:
    """Decode an 80-bit IEEE 754 extended float (AIFF's sample rate).

    Exponent all ones gives inf (zero fraction) or NaN; a value beyond the float64 range
    gives inf.  Never raises.
    """
    biased = (b[0] & 0x7F) << 8 | b[1]
    mantissa = int.from_bytes(b[2:10], "big")
    if biased == 0x7FFF:
        value = math.inf if mantissa & ((1 << 63) - 1) == 0 else math.nan
    else:
        try:
            value = math.ldexp(float(mantissa), biased - 16383 - 63)
        except OverflowError:
            value = math.inf
    return -value if b[0] & 0x80 else value


def _check_rate(src: Source, rate: float, kind: str) -> None:
    if not (rate > 0 and math.isfinite(rate)):  # also NaN
        raise CorruptAudioError(
            f"{kind} header declares a sample rate of {rate:g} Hz (samplerate field); a "
            "sample rate must be a finite number > 0",
            path=src.path,
        )


def _check_channels(src: Source, channels: int, kind: str) -> None:
    if not 1 <= channels <= MAX_CHANNELS:
        raise CorruptAudioError(
            f"{kind} header declares channels={channels}; a channel count must be between 1 "
            f"and {MAX_CHANNELS}",
            path=src.path,
        )


def check_declared_sizes(src: Source) -> None:
    """Raise CorruptAudioError when a header promises more audio than the file holds.

    Also when a WAV or AIFF header declares a sample rate <= 0 (libsndfile would only
    say "SF_INFO struct incomplete").

    WAV (RIFF/RIFX) and AIFF: the data chunk's declared size against the bytes present.
    Ogg: the last page must carry the end-of-stream flag.  libsndfile silently shortens
    such files; we report them, because a truncated file in a dataset is almost always a
    failed copy.  WAV's placeholder sizes 0 and 0xFFFFFFFF (written by recorders that never
    finalized the header) are accepted and mean "read to the end of the file".
    """
    if src.is_soundfile:
        # an open SoundFile: check the file it was opened from, when it names one
        if src.header is not None:
            check_declared_sizes(Source(src.header, src.path, src.size))
        return
    if src.size is None or src.size < 12:
        return
    fh = src.obj if src.is_file_object else open(src.obj, "rb")  # noqa: SIM115
    try:
        head = _read_at(fh, 0, 12)
        if head[8:12] == b"WAVE" and head[:4] in (b"RIFF", b"RIFX"):
            endian = "<" if head[:4] == b"RIFF" else ">"
            block_align = 0
            for cid, n, body in _walk_chunks(fh, src.size, 12, endian):
                if cid == b"fmt ":
                    fmt = _read_at(fh, body, 16)
                    if len(fmt) >= 14:
                        (channels, rate) = struct.unpack(endian + "HI", fmt[2:8])
                        _check_channels(src, channels, "WAV")
                        _check_rate(src, rate if rate < 2**31 else rate - 2**32, "WAV")
                        (block_align,) = struct.unpack(endian + "H", fmt[12:14])
                elif cid == b"data":
                    if n not in _PLACEHOLDER_SIZES and n > src.size - body + 1:
                        _truncated(src, n, src.size - body, block_align, "WAV")
                    return
        elif head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
            frame_bytes = 0
            for cid, n, body in _walk_chunks(fh, src.size, 12, ">"):
                if cid == b"COMM":
                    comm = _read_at(fh, body, 18)
                    if len(comm) == 18:
                        channels, _, bits = struct.unpack(">HIH", comm[:8])
                        frame_bytes = channels * ((bits + 7) // 8)
                        _check_channels(src, channels, "AIFF")
                        _check_rate(src, _extended(comm[8:18]), "AIFF")
                elif cid == b"SSND":
                    if n > src.size - body + 1:
                        # the SSND body starts with 8 bytes (offset, block size)
                        _truncated(src, n - 8, src.size - body - 8, frame_bytes, "AIFF")
                    return
        elif head[:4] == b"OggS":
            tail = ogg_tail(fh)
            if tail is not None and not tail[1]:
                raise CorruptAudioError(
                    "the Ogg stream ends without its end-of-stream page (truncated file?)",
                    path=src.path,
                )
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
    path : str, os.PathLike, binary file object, soundfile.SoundFile or int
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
    >>> i = melforge.info(melforge.ex("chirp"))
    >>> i.samplerate, i.channels
    (22050, 1)
    """
    from melforge.io._info import info_from_source

    src = check_source(path)
    return info_from_source(src)


# ---------------------------------------------------------------- WAV with a placeholder size


@dataclass(frozen=True)
class RawLayout:
    """Where a WAV's sample data starts and how it is encoded, for reading it as raw PCM."""

    offset: int
    subtype: str
    channels: int
    samplerate: int
    endian: str  # "LITTLE" or "BIG"


#: WAVE format tag (or WAVE_FORMAT_EXTENSIBLE sub-format) and bits -> libsndfile subtype.
_WAV_RAW_SUBTYPES = {
    (1, 8): "PCM_U8",
    (1, 16): "PCM_16",
    (1, 24): "PCM_24",
    (1, 32): "PCM_32",
    (3, 32): "FLOAT",
    (3, 64): "DOUBLE",
    (6, 8): "ALAW",
    (7, 8): "ULAW",
}


def wav_placeholder_layout(src: Source) -> RawLayout | None:
    """Return the raw layout of a WAV whose data chunk size is an "unknown length" placeholder.

    Recorders that never finalize the header leave 0 or 0xFFFFFFFF there.  libsndfile
    then reports 0 frames (size 0) or at most 2**31 - 1 frames (files over 4 GiB), so
    such a file is read as raw PCM from the data chunk to the end of the file instead.
    None for any other file.  CorruptAudioError when the encoding cannot be read that way.
    """
    if src.is_soundfile or src.size is None or src.size < 44:
        return None
    fh = src.obj if src.is_file_object else open(src.obj, "rb")  # noqa: SIM115
    try:
        head = _read_at(fh, 0, 12)
        if head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RIFX"):
            return None
        endian = "<" if head[:4] == b"RIFF" else ">"
        fmt = b""
        for cid, n, body in _walk_chunks(fh, src.size, 12, endian):
            if cid == b"fmt ":
                fmt = _read_at(fh, body, min(n, 40))
            elif cid == b"data":
                if n not in _PLACEHOLDER_SIZES:
                    return None
                if len(fmt) < 16:
                    raise CorruptAudioError(
                        "the WAV data chunk has an unknown-length placeholder size and no "
                        "readable fmt chunk before it",
                        path=src.path,
                    )
                tag, channels, rate = struct.unpack(endian + "HHI", fmt[:8])
                (bits,) = struct.unpack(endian + "H", fmt[14:16])
                if tag == 0xFFFE and len(fmt) >= 26:
                    (tag,) = struct.unpack(endian + "H", fmt[24:26])  # sub-format GUID
                subtype = _WAV_RAW_SUBTYPES.get((tag, bits))
                if subtype is None:
                    raise CorruptAudioError(
                        f"the WAV data chunk size is the unknown-length placeholder {n:#x} "
                        f"and its encoding (format tag {tag:#x}, {bits} bits) cannot be read "
                        "to the end of the file without it",
                        path=src.path,
                    )
                _check_channels(src, channels, "WAV")
                _check_rate(src, rate, "WAV")
                return RawLayout(
                    body, subtype, channels, rate, "LITTLE" if endian == "<" else "BIG"
                )
        return None
    finally:
        if src.is_file_object:
            fh.seek(0)
        else:
            fh.close()
