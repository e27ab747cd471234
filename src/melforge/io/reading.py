"""Decode files to float arrays at the native rate: whole segments and overlapping blocks.

libsndfile (soundfile) is tried first; when it cannot open a file, FFmpeg (PyAV) is.
When both fail, one error names the file and carries both backends' reasons.
This module is the native-rate layer under :func:`melforge.load` and
:func:`melforge.stream`; nothing here resamples.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np

from melforge._errors import (
    AudioError,
    AudioTooLargeError,
    CorruptAudioError,
    ParameterError,
    UnsupportedFormatError,
)
from melforge.io._memory import process_room
from melforge.io._mpeg import check_mp3_not_truncated
from melforge.io._source import Source, check_source
from melforge.io._stderr import capture_stderr
from melforge.io.headers import (
    check_declared_sizes,
    check_stream_facts,
    wav_placeholder_layout,
)

__all__ = [
    "Reader",
    "open_reader",
    "read_native",
    "iter_blocks",
    "AudioTooLargeError",
    "MAX_DECODED_BYTES",
]

#: Frames per read when the total is unknown or the header is not trusted.
_CHUNK = 1 << 18

#: Preallocation trusted from a header: this many bytes, or 64x the file size if more.
_PREALLOC_FLOOR = 256 << 20

# libsndfile error codes that mean "not my format" (7 is what its MP3 probe reports).
_SF_UNRECOGNISED = (1, 7)

#: Most bytes one ``load`` may allocate for its result; None (default): no fixed cap, only
#: what the process may really use (see :func:`memory_limit`).  A larger file (or a small
#: one that decodes to gigabytes: Opus/Vorbis/FLAC silence compresses 1000x, a header
#: rate of 1 Hz resampled to 22050 Hz asks for 22050x its samples) raises
#: AudioTooLargeError instead of exhausting memory.  ``melforge.stream`` is not limited.
MAX_DECODED_BYTES: int | None = None

_GiB = float(1 << 30)


def memory_limit() -> tuple[int, str]:
    """Bytes one ``load`` may allocate, and what sets the limit (for the message).

    The smallest of: :data:`MAX_DECODED_BYTES` when set; the room left under the
    cgroup memory limit; the room left under ``RLIMIT_AS``; the machine's available
    memory (``MemAvailable``, else its physical memory).
    """
    return process_room(MAX_DECODED_BYTES, "melforge.io.reading.MAX_DECODED_BYTES")


def _decode_limit() -> int:
    return memory_limit()[0]


def bytes_per_frame(
    channels: int, sr: int, itemsize: int, *, target_sr: float | None, mono: bool
) -> float:
    """Peak bytes ``load`` holds per native frame: decode buffer, down-mix, resampled copy."""
    decoded = channels * itemsize
    out_ch = 1 if mono else channels
    stages: list[float] = [decoded + (itemsize if mono and channels > 1 else 0)]
    if target_sr is not None and target_sr != sr:
        stages.append(out_ch * itemsize * (1.0 + float(target_sr) / sr))
    elif not mono and channels > 1:
        stages.append(2.0 * decoded)  # the (channels, n) result is made contiguous
    return float(max(stages))


def _human(n: float) -> str:
    return f"{n / _GiB:.4g} GiB" if n >= _GiB else f"{n / 2**20:.4g} MiB"


def _too_large(
    path: Any, n_bytes: float, limit: tuple[int, str], size: int | None, *, declared: bool
) -> AudioTooLargeError:
    what = "the header's length" if declared else "the audio decoded so far"
    from_size = f" from a {size}-byte file" if size else ""
    return AudioTooLargeError(
        f"loading needs {_human(n_bytes)} ({what}{from_size}, counted after down-mixing "
        f"and resampling, in the output dtype) but {limit[1]} allows {_human(limit[0])}; "
        "read it in parts with offset=/duration= or melforge.stream",
        path=path,
    )


@contextmanager
def guarded(path: Any, what: str = "decoding failed", *, capture: bool = True) -> Iterator[None]:
    """Run a decoder call: capture its C stderr, and turn a raw exception into CorruptAudioError.

    AudioErrors pass through with the decoder's stderr text appended; MemoryError too.
    ``capture=False``: no stderr capture (a quiet decoder in a per-block loop).
    """
    diag = None
    try:
        with capture_stderr(capture) as diag:
            yield
    except AudioError as e:
        _fold(e, diag)
        raise
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - no raw decoder exception may escape
        raise _raw_error(e, path, what, diag.suffix() if diag is not None else "") from e


def _raw_error(e: BaseException, path: Any, what: str, suffix: str) -> CorruptAudioError:
    return CorruptAudioError(f"{what}: {type(e).__name__}: {e}{suffix}", path=path)


def _fold(e: AudioError, diag: Any) -> None:
    suffix = diag.suffix() if diag is not None else ""
    if suffix and suffix not in str(e):
        e.reason += suffix
        e.args = (str(e) + suffix, *e.args[1:])


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


def _open_libsndfile(src: Source) -> Any:
    """Open ``src`` with libsndfile (as raw PCM for a WAV with a placeholder data size)."""
    from melforge.io._soundfile import open_soundfile

    return open_soundfile(src.obj, wav_placeholder_layout(src))


def _libsndfile_usable(sfo: Any, src: Source) -> bool:
    """Whether libsndfile's reader can be used for an opened file; False: use FFmpeg.

    MP3: when libsndfile's sample count understates the MPEG frames in the file (a
    lying Xing/Info tag would give a short or empty result).  Without soundfile's
    private read path (public reads seek after every call): MP3 (each seek restarts
    libmpg123) and files of unknown length (the seek past the "unknown" count fails).
    """
    from melforge.io._soundfile import frames_of, mp3_count_check, private_reads

    if not private_reads() or not hasattr(sfo, "_file"):
        if str(sfo.format) == "MP3" or frames_of(sfo) is None:
            return False
    if str(sfo.format) != "MP3":
        return True
    return mp3_count_check(sfo, src.obj, src.path)


def _open(src: Source) -> Reader:
    from melforge.io._ffmpeg import AvReader, NoAudioStreamError
    from melforge.io._soundfile import SoundfileReader, close_soundfile

    if src.is_soundfile:
        return SoundfileReader(src.obj, src.header, src.path, owned=False)
    reasons: list[str] = []
    recognized = False
    try:
        with capture_stderr() as diag:
            sfo = _open_libsndfile(src)
    except AudioError:
        raise
    except Exception as e:  # noqa: BLE001 - every libsndfile failure is collected
        reason, known = _sf_reason(e)
        reasons.append(f"libsndfile: {reason}{diag.suffix()}")
        recognized |= known
        last: BaseException = e
    else:
        try:
            if _libsndfile_usable(sfo, src):
                return SoundfileReader(sfo, src.obj, src.path)
        except BaseException:
            close_soundfile(sfo)
            raise
        close_soundfile(sfo)
        reasons.append("libsndfile: handed to FFmpeg")
        recognized = True
        last = UnsupportedFormatError("handed to FFmpeg", path=src.path)
    src.rewind()
    try:
        with capture_stderr() as diag:
            reader = AvReader(src.obj, src.path)
            if "mp3" in reader.format.split(","):
                try:
                    check_mp3_not_truncated(src.obj, src.path)
                except BaseException:
                    reader.close()
                    raise
    except NoAudioStreamError as e:
        raise UnsupportedFormatError(
            "the file has no audio stream (" + "; ".join(reasons) + ")", path=src.path
        ) from e
    except CorruptAudioError as e:
        reasons.append(f"FFmpeg: {e.reason}{diag.suffix()}")
        recognized = True
        last = e
    except AudioError:
        raise
    except Exception as e:  # noqa: BLE001 - every FFmpeg failure is collected
        reasons.append(f"FFmpeg: {_av_reason(e)}{diag.suffix()}")
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
    with guarded(src.path, "opening failed"):
        check_declared_sizes(src)
        reader = _open(src)
        try:
            check_stream_facts(src.path, reader.samplerate, reader.channels, reader.backend)
        except BaseException:
            reader.close()
            raise
    return reader, src


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
    reader: Reader,
    n_req: int,
    start: int,
    dtype: np.dtype,
    size: int | None,
    path: Any,
    cost: float,
) -> Any:
    """Read ``n_req`` frames (-1: to the end) as ``(n, channels)``, without trusting headers.

    ``cost`` is what ``load`` will hold per native frame (:func:`bytes_per_frame`);
    beyond :func:`memory_limit` AudioTooLargeError is raised, before decoding when the
    header's length is plausible, else as soon as decoding passes it.
    """
    ch = reader.channels
    frame_bytes = ch * dtype.itemsize
    limit = memory_limit()
    target: int | None = None
    if reader.frames is not None:
        target = max(reader.frames - start, 0)
    if n_req >= 0:
        target = n_req if target is None else min(n_req, target)
    budget = max(_PREALLOC_FLOOR, 64 * (size or 0))
    if target is not None and target * frame_bytes <= budget:
        if target * cost > limit[0]:  # a plausible header: refuse before decoding
            raise _too_large(path, target * cost, limit, size, declared=True)
        out = np.empty((target, ch), dtype=dtype)
        got = reader.readinto(out)
        return out if got == target else out[:got]
    return _grow(reader, n_req, ch, dtype, limit, cost, path, size, 0)


def _grow(
    reader: Reader,
    n_req: int,
    ch: int,
    dtype: np.dtype,
    limit: tuple[int, str],
    cost: float,
    path: Any,
    size: int | None,
    before: int,
) -> Any:
    """Read chunk by chunk (a lying header costs nothing) until the end or ``n_req``."""
    chunks = []
    total = before
    left = n_req if n_req >= 0 else None
    max_frames = int(limit[0] // cost)
    while left is None or left > 0:
        n = _CHUNK if left is None else min(_CHUNK, left)
        if total + n > max_frames:
            n = max(max_frames - total, 0) + 1  # one frame past the limit
        buf = np.empty((n, ch), dtype=dtype)
        got = reader.readinto(buf)
        chunks.append(buf[:got])
        total += got
        if total > max_frames:
            raise _too_large(path, total * cost, limit, size, declared=False)
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
    target_sr: float | None = None,
    mono: bool = False,
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
    target_sr, mono : float or None, bool
        What the caller will do with the result (resample to ``target_sr``, down-mix):
        only for the memory guard, which counts those copies too.

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
        with guarded(src.path):
            sr = reader.samplerate
            if reader.frames == 0:
                raise CorruptAudioError(
                    "the file contains no audio frames (empty, or cut before its first one)",
                    path=src.path,
                )
            # no offset: a caller's open SoundFile is read from where it stands (as librosa)
            start = int(offset * sr) if offset else getattr(reader, "initial_position", 0)
            n_req = int(duration * sr) if duration is not None else -1
            cost = bytes_per_frame(reader.channels, sr, dt.itemsize, target_sr=target_sr, mono=mono)
            reader.seek(start)
            data = _read_frames(reader, n_req, start, dt, src.size, src.path, cost)
            _check_finite(data, reader, src.path)
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
    # libmpg123 and FFmpeg print diagnostics; libsndfile's other codecs do not, and a
    # capture per block would cost ~10 us per block
    chatty = reader.backend != "libsndfile" or reader.format == "MP3"
    limit = frames if frames >= 0 else None
    state = {"pos": 0, "eof": False}

    def fetch(dst: np.ndarray) -> int:
        want = len(dst)
        if limit is not None:
            want = min(want, limit - state["pos"])
        got = 0
        if want > 0 and not state["eof"]:
            if chatty:
                with guarded(path):
                    got = reader.readinto(dst[:want])
            else:
                try:
                    got = reader.readinto(dst[:want])
                except (AudioError, MemoryError):
                    raise
                except Exception as e:  # noqa: BLE001 - no raw decoder exception may escape
                    raise _raw_error(e, path, "decoding failed", "") from e
            _check_finite(dst[:got], reader, path, f" in the block at frame {start + state['pos']}")
            if got < want:
                state["eof"] = True
        if got < want and fill_value is not None and limit is not None:
            dst[got:want] = fill_value
            got = want
        state["pos"] += got
        return got

    try:
        with guarded(path):
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
