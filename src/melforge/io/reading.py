"""Decode files to float arrays at the native rate: whole segments and overlapping blocks.

libsndfile (soundfile) is tried first; when it cannot open a file, FFmpeg (PyAV) is.
When both fail, one error names the file and carries both backends' reasons.
This module is the native-rate layer under :func:`melforge.load` and
:func:`melforge.stream`; nothing here resamples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from melforge._errors import (
    AudioError,
    AudioTooLargeError,
    CorruptAudioError,
    ParameterError,
    UnsupportedFormatError,
)
from melforge.io._source import Source, check_source
from melforge.io.headers import AudioInfo, bit_depth_of, check_declared_sizes

__all__ = [
    "Reader",
    "open_reader",
    "read_native",
    "iter_blocks",
    "info_from_source",
    "AudioTooLargeError",
    "MAX_DECODED_BYTES",
]

#: Frames per read when the total is unknown or the header is not trusted.
_CHUNK = 1 << 18

#: Preallocation trusted from a header: this many bytes, or 64x the file size if more.
_PREALLOC_FLOOR = 256 << 20

# libsndfile error codes that mean "not my format" (7 is what its MP3 probe reports).
_SF_UNRECOGNISED = (1, 7)

#: Most bytes one ``load`` may decode; None: half of this machine's physical memory
#: (8 GiB where that is unknown).  A larger file (or a small one that decodes to
#: gigabytes: Opus/Vorbis/FLAC silence compresses 1000x) raises AudioTooLargeError
#: instead of exhausting memory.  ``melforge.stream`` is not limited.
MAX_DECODED_BYTES: int | None = None


def _decode_limit() -> int:
    if MAX_DECODED_BYTES is not None:
        return int(MAX_DECODED_BYTES)
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")) // 2
    except (AttributeError, OSError, ValueError):
        return 8 << 30


def _too_large(
    path: Any, n_bytes: int, limit: int, size: int | None, *, declared: bool
) -> AudioTooLargeError:
    what = "the header declares" if declared else "decoding passed"
    from_size = f" from a {size}-byte file" if size else ""
    return AudioTooLargeError(
        f"the audio decodes to more than the {limit / 2**20:.6g} MiB limit ({what} "
        f"{n_bytes / 2**20:.6g} MiB{from_size}); read it in parts with offset=/duration= "
        "or melforge.stream, or raise melforge.io.reading.MAX_DECODED_BYTES",
        path=path,
    )


class Reader(Protocol):
    """A native-rate frame reader (libsndfile or FFmpeg)."""

    backend: str
    samplerate: int
    channels: int
    frames: int | None
    format: str
    subtype: str
    codec: str
    may_be_nonfinite: bool

    def seek(self, frame: int) -> None:
        """Move to ``frame``."""

    def readinto(self, out: np.ndarray) -> int:
        """Fill ``out`` ``(n, channels)``; return the frames read."""

    def close(self) -> None:
        """Release the file."""


def _sf_reason(e: BaseException) -> tuple[str, bool]:
    """Return libsndfile's reason and whether it recognized the format."""
    code = getattr(e, "code", None)
    text = getattr(e, "error_string", None) or str(e)
    if code in _SF_UNRECOGNISED:
        return "format not recognised", False
    return str(text).strip().rstrip("."), code is not None


def _av_reason(e: BaseException) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return str(text).strip().rstrip(".")


def _open(src: Source) -> Reader:
    from melforge.io._ffmpeg import AvReader, NoAudioStreamError
    from melforge.io._soundfile import SoundfileReader, open_soundfile

    if src.is_soundfile:
        return SoundfileReader(src.obj, src.header, src.path, owned=False)
    reasons: list[str] = []
    recognized = False
    try:
        sfo = open_soundfile(src.obj)
    except Exception as e:  # noqa: BLE001 - every libsndfile failure is collected
        reason, known = _sf_reason(e)
        reasons.append(f"libsndfile: {reason}")
        recognized |= known
        last: BaseException = e
    else:
        try:
            return SoundfileReader(sfo, src.obj, src.path)
        except BaseException:
            sfo.close()
            raise
    src.rewind()
    try:
        reader = AvReader(src.obj, src.path)
    except NoAudioStreamError as e:
        raise UnsupportedFormatError(
            "the file has no audio stream (" + "; ".join(reasons) + ")", path=src.path
        ) from e
    except CorruptAudioError as e:
        reasons.append(f"FFmpeg: {e.reason}")
        recognized = True
        last = e
    except Exception as e:  # noqa: BLE001 - every FFmpeg failure is collected
        reasons.append(f"FFmpeg: {_av_reason(e)}")
        last = e
    else:
        # Drop libsndfile's error: its traceback pins this frame and its callers' frames
        # (and the arrays they later allocate) until the garbage collector runs.
        del last
        return reader
    detail = "; ".join(reasons)
    if recognized:
        raise CorruptAudioError(f"corrupt or truncated audio ({detail})", path=src.path) from last
    raise UnsupportedFormatError(
        f"unrecognized or unsupported audio format ({detail})", path=src.path
    ) from last


def open_reader(path: Any) -> tuple[Reader, Source]:
    """Check ``path`` and open it with the first backend that can read it.

    Returns the reader (close it when done) and the checked source.
    """
    src = check_source(path)
    check_declared_sizes(src)
    return _open(src), src


def _check_finite(data: np.ndarray, reader: Reader, path: Any, where: str = "") -> None:
    if not reader.may_be_nonfinite or data.size == 0:
        return
    finite = np.isfinite(data)
    if finite.all():
        return
    n_bad = int(data.size - np.count_nonzero(finite))
    raise CorruptAudioError(
        f"{n_bad} of {data.size} samples{where} are NaN or infinite; melforge refuses "
        "non-finite audio because it would silently poison every feature computed from it",
        path=path,
    )


def _read_frames(
    reader: Reader, n_req: int, start: int, dtype: np.dtype, size: int | None, path: Any
) -> Any:
    """Read ``n_req`` frames (-1: to the end) as ``(n, channels)``, without trusting headers.

    At most :data:`MAX_DECODED_BYTES` are decoded (AudioTooLargeError beyond).
    """
    ch = reader.channels
    frame_bytes = ch * dtype.itemsize
    limit = _decode_limit()
    target: int | None = None
    if reader.frames is not None:
        target = max(reader.frames - start, 0)
    if n_req >= 0:
        target = n_req if target is None else min(n_req, target)
    budget = max(_PREALLOC_FLOOR, 64 * (size or 0))
    if target is not None and target * frame_bytes <= budget:
        if target * frame_bytes > limit:  # a plausible header: refuse before decoding
            raise _too_large(path, target * frame_bytes, limit, size, declared=True)
        out = np.empty((target, ch), dtype=dtype)
        got = reader.readinto(out)
        return out if got == target else out[:got]
    # Unknown or implausibly large: grow chunk by chunk, so a lying header costs nothing.
    chunks = []
    total = 0
    left = n_req if n_req >= 0 else None
    while left is None or left > 0:
        n = _CHUNK if left is None else min(_CHUNK, left)
        if (total + n) * frame_bytes > limit:
            n = max(limit // frame_bytes - total, 0) + 1  # one frame past the limit
        buf = np.empty((n, ch), dtype=dtype)
        got = reader.readinto(buf)
        chunks.append(buf[:got])
        total += got
        if total * frame_bytes > limit:
            raise _too_large(path, total * frame_bytes, limit, size, declared=False)
        if left is not None:
            left -= got
        if got < n:
            break
    if not chunks:
        return np.empty((0, ch), dtype=dtype)
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def read_native(
    path: Any,
    *,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
) -> tuple[np.ndarray, int]:
    """Decode ``path`` at its native rate.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The file.
    offset : float >= 0
        Start, in seconds: frame ``int(offset * sr)`` (as librosa).  Seeks; does not
        decode what comes before (FFmpeg decodes at most 0.5 s of pre-roll).
    duration : float >= 0 or None
        Length in seconds: ``int(duration * sr)`` frames; None reads to the end.
    dtype : numpy float dtype
        Output dtype.

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)]
        1-D for mono files, else ``(channels, n)`` (a transposed view of the decoded
        interleaved buffer, as librosa returns).  Empty when ``offset`` is past the end.
    sr : int
        Native sampling rate in Hz.
    """
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ParameterError(f"dtype={dt} must be float32 or float64")
    reader, src = open_reader(path)
    try:
        sr = reader.samplerate
        if reader.frames == 0:
            raise CorruptAudioError(
                "the file contains no audio frames (empty, or cut before its first one)",
                path=src.path,
            )
        # no offset: a caller's open SoundFile is read from where it stands (as librosa)
        start = int(offset * sr) if offset else getattr(reader, "initial_position", 0)
        n_req = int(duration * sr) if duration is not None else -1
        reader.seek(start)
        data = _read_frames(reader, n_req, start, dt, src.size, src.path)
        _check_finite(data, reader, src.path)
    except AudioError:
        raise
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - no raw decoder exception may escape
        raise CorruptAudioError(f"decoding failed: {e}", path=src.path) from e
    finally:
        reader.close()
    y = data[:, 0] if data.shape[1] == 1 else data.T
    return y, sr


def iter_blocks(
    reader: Reader,
    path: Any,
    *,
    start: int,
    frames: int,
    blocksize: int,
    advance: int,
    fill_value: float | None,
    dtype: Any,
) -> Iterator[np.ndarray]:
    """Yield ``(n, channels)`` blocks of ``blocksize`` frames, ``advance`` frames apart.

    Block ``k`` holds frames ``[k*advance, k*advance + blocksize)`` of the segment that
    starts at ``start`` and has ``frames`` frames (-1: to the end of the file), i.e.
    the semantics of :meth:`soundfile.SoundFile.blocks` with
    ``overlap = blocksize - advance``.  Without ``fill_value`` the last block is
    shorter; with it, every block is padded to ``blocksize`` and a segment running past
    the end of the file is padded with ``fill_value`` up to ``frames``.  When
    ``advance > blocksize`` the frames between blocks are skipped.  Memory: one block.
    The reader is closed when the generator finishes or is closed.
    """
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        reader.close()
        raise ParameterError(f"dtype={dt} must be float32 or float64")
    ch = reader.channels
    buf = np.empty((blocksize, ch), dtype=dt)
    overlap = blocksize - advance
    limit = frames if frames >= 0 else None
    state = {"pos": 0, "eof": False}

    def fetch(dst: np.ndarray) -> int:
        want = len(dst)
        if limit is not None:
            want = min(want, limit - state["pos"])
        got = 0
        if want > 0 and not state["eof"]:
            got = reader.readinto(dst[:want])
            _check_finite(dst[:got], reader, path, f" in the block at frame {start + state['pos']}")
            if got < want:
                state["eof"] = True
        if got < want and fill_value is not None and limit is not None:
            dst[got:want] = fill_value
            got = want
        state["pos"] += got
        return got

    try:
        reader.seek(start)
        have = 0
        first = True
        while True:
            if not first:
                if overlap > 0:
                    buf[:overlap] = buf[advance:]
                    have = overlap
                else:
                    have = 0
                    if overlap < 0:
                        skip = np.empty((min(-overlap, blocksize), ch), dtype=buf.dtype)
                        todo = -overlap
                        while todo > 0:
                            n = fetch(skip[: min(todo, len(skip))])
                            if n == 0:
                                return
                            todo -= n
            first = False
            n_new = fetch(buf[have:])
            if n_new == 0:
                return
            length = have + n_new
            if length < blocksize and fill_value is not None:
                buf[length:] = fill_value
                yield buf.copy()
                return
            yield buf[:length].copy()
            if length < blocksize:
                return
    finally:
        reader.close()


def _soundfile_info(sfo: Any, path: Any) -> AudioInfo:
    from melforge.io._soundfile import count_frames, frames_of

    sr, subtype = int(sfo.samplerate), str(sfo.subtype)
    frames = frames_of(sfo)
    if frames is None:  # the header says "unknown" (streamed FLAC): count by decoding
        frames = count_frames(sfo, path)
    return AudioInfo(
        samplerate=sr,
        channels=int(sfo.channels),
        frames=frames,
        duration=float(frames) / sr,
        format=str(sfo.format),
        subtype=subtype,
        bit_depth=bit_depth_of(subtype),
        codec=subtype,
        backend="libsndfile",
    )


def info_from_source(src: Source) -> AudioInfo:
    """Build :class:`AudioInfo` for a checked source (see :func:`melforge.info`)."""
    from melforge.io._ffmpeg import AvReader, NoAudioStreamError, av_info
    from melforge.io._soundfile import open_soundfile

    check_declared_sizes(src)
    if src.is_soundfile:
        return _soundfile_info(src.obj, src.path)
    try:
        sfo = open_soundfile(src.obj)
    except Exception:  # noqa: BLE001 - fall back to FFmpeg, errors are re-collected below
        src.rewind()
    else:
        with sfo:
            return _soundfile_info(sfo, src.path)
    try:
        facts = av_info(src.obj)
    except NoAudioStreamError as e:
        raise UnsupportedFormatError("the file has no audio stream", path=src.path) from e
    except Exception as e:  # noqa: BLE001 - let _open produce the combined error
        src.rewind()
        _open(src).close()  # raises the combined error when no backend can read the file
        raise CorruptAudioError(
            f"FFmpeg could not read the header: {_av_reason(e)}", path=src.path
        ) from e
    frames = facts["frames"]
    if frames is None or facts["samplerate"] <= 0:
        src.rewind()
        reader = AvReader(src.obj, src.path)
        try:
            frames, buf = 0, np.empty((_CHUNK, reader.channels), dtype=np.float32)
            while (got := reader.readinto(buf)) > 0:
                frames += got
            facts["samplerate"], facts["channels"] = reader.samplerate, reader.channels
        finally:
            reader.close()
    sr = facts["samplerate"]
    return AudioInfo(
        samplerate=sr,
        channels=facts["channels"],
        frames=int(frames),
        duration=float(frames) / sr,
        format=facts["format"],
        subtype=facts["codec"],
        bit_depth=facts["bit_depth"],
        codec=facts["codec"],
        backend="ffmpeg",
        bit_rate=facts["bit_rate"],
    )
