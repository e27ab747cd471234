"""The libsndfile backend (through python-soundfile): a sequential, seekable frame reader.

Reads go through soundfile's private cffi handles (``soundfile._snd``, ``_ffi``,
``SoundFile._file``) when they are there: soundfile's public ``read`` seeks to the
current position after every call, and for MP3 that seek restarts libmpg123 without
its bit reservoir, so block reads of an MP3 come out wrong for a few hundred samples
after each block boundary (tests/io/test_io_private_paths.py shows it on a committed
file).  Without the private handles (a soundfile that renamed them, or
:data:`_PRIVATE` set to False) every format still reads through the public API, and
MP3 goes to FFmpeg instead (within 5e-6 of libmpg123, exact seeking).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melforge._errors import CorruptAudioError
from melforge.io._mpeg import mp3_stream_samples
from melforge.io.headers import ogg_tail

#: MP3 frame length in samples; used as slack when checking MP3 frame counts.
_MP3_FRAME = 1152

#: Tags whose presence makes an MP3 file's declared sample count exact.
_MP3_COUNT_TAGS = (b"Xing", b"Info", b"VBRI")


#: Frames decoded and dropped before an MP3 seek target (libsndfile's decoder is cold
#: for about 4-5 MPEG frames after a seek; 16384 covers 14).
MP3_PREROLL = 16384


#: Whether to use soundfile's private cffi handles (see the module docstring); the tests
#: set it to False to run the public fallback path.
_PRIVATE = True


def _raw_api() -> tuple[Any, Any, Any] | None:
    """Return soundfile's cffi library, ffi and error check, if soundfile exposes them."""
    if not _PRIVATE:
        return None
    try:
        import soundfile

        return soundfile._snd, soundfile._ffi, soundfile._error_check
    except (ImportError, AttributeError):
        return None


def private_reads() -> bool:
    """Whether reads use soundfile's private handles (else MP3 goes to FFmpeg)."""
    return _raw_api() is not None


class _OffsetFile:
    """A read-only view of a binary file from byte ``start`` on (for raw PCM reads)."""

    def __init__(self, fh: Any, start: int, *, owned: bool) -> None:
        self._fh, self._start, self._owned = fh, start, owned
        self.name = getattr(fh, "name", None)
        fh.seek(start)

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._fh.read(n)
        return data

    def readinto(self, buf: Any) -> int:
        got: int = self._fh.readinto(buf)
        return got

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0:
            offset += self._start
        return int(self._fh.seek(offset, whence)) - self._start

    def tell(self) -> int:
        return int(self._fh.tell()) - self._start

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        if self._owned:
            self._fh.close()


def open_soundfile(source: Any, raw: Any = None) -> Any:
    """Open ``source`` (a path or a seekable binary file object) with soundfile.

    ``raw``: a :class:`melforge.io.headers.RawLayout`; the file is then read as raw PCM
    from that byte offset to its end (a WAV whose data size is a placeholder).
    Raises whatever soundfile raises; the caller collects it.
    """
    import soundfile

    if raw is None:
        return soundfile.SoundFile(source, mode="r")
    owned = not hasattr(source, "read")
    fh = open(source, "rb") if owned else source  # noqa: SIM115 - closed with the reader
    view = _OffsetFile(fh, raw.offset, owned=owned)
    try:
        sfo = soundfile.SoundFile(
            view, mode="r", format="RAW", subtype=raw.subtype, channels=raw.channels,
            samplerate=raw.samplerate, endian=raw.endian,
        )  # fmt: skip
    except BaseException:
        view.close()
        raise
    sfo._melforge_view = view  # closed with the SoundFile, below
    return sfo


def close_soundfile(sfo: Any) -> None:
    """Close a SoundFile from :func:`open_soundfile` (and the raw view under it)."""
    try:
        sfo.close()
    finally:
        view = getattr(sfo, "_melforge_view", None)
        if view is not None:
            view.close()


#: libsndfile's frame count for "unknown" (SF_COUNT_MAX), e.g. a FLAC whose STREAMINFO
#: holds 0 total samples, as streaming encoders write it.
_UNKNOWN_FRAMES = 2**63 - 1


def frames_of(sf_obj: Any) -> int | None:
    """Return the header's frame count of an open SoundFile; None when it is "unknown"."""
    frames = int(sf_obj.frames)
    return None if frames >= _UNKNOWN_FRAMES else frames


def count_frames(sf_obj: Any, path: Any) -> int:
    """Count the frames of an open SoundFile by decoding it (constant memory).

    The file position is put back where it was.
    """
    start = int(sf_obj.tell())
    reader = SoundfileReader(sf_obj, None, path, owned=False)
    reader.seek(0)
    buf = np.empty((1 << 16, reader.channels), dtype=np.float32)
    total = 0
    while (got := reader.readinto(buf)) > 0:
        total += got
    sf_obj.seek(start)
    return total


def _mp3_count_is_exact(source: Any) -> bool:
    """Whether an MP3 file carries a Xing/Info/VBRI tag (an exact sample count)."""
    if source is None:
        return False  # unknown: trust libsndfile's count without checking it
    try:
        if hasattr(source, "read"):
            pos = source.tell()
            head = _mp3_head(source)
            source.seek(pos)
        else:
            with open(source, "rb") as fh:
                head = _mp3_head(fh)
    except (OSError, ValueError):
        return False
    return any(tag in head for tag in _MP3_COUNT_TAGS)


def _mp3_head(fh: Any) -> bytes:
    """Read the first 8 KiB of MPEG data, after an ID3v2 tag (cover art can be large)."""
    fh.seek(0)
    head: bytes = fh.read(10)
    start = 0
    if len(head) == 10 and head[:3] == b"ID3":
        size = 0
        for b in head[6:10]:  # syncsafe integer: 7 bits per byte
            size = (size << 7) | (b & 0x7F)
        start = 10 + size + (10 if head[5] & 0x10 else 0)  # footer flag
    fh.seek(start)
    data: bytes = fh.read(8192)
    return data


def mp3_count_check(sf_obj: Any, source: Any, path: Any) -> bool:
    """Check libsndfile's sample count of an MP3 against the MPEG frames in the file.

    Returns True when the count can be used, False when it understates the stream (a
    Xing/Info tag that claims too few frames, a count libsndfile calls unknown, or, for
    a file without such a tag, libsndfile's estimate from the bit rate, at which its
    decoding stops): the caller then decodes the real stream with FFmpeg.  Raises
    CorruptAudioError when a tag promises more than the frames hold (truncated file or
    a lying tag).
    """
    declared = frames_of(sf_obj)
    walked = mp3_stream_samples(source) if source is not None else None
    if walked is None:
        return True
    samples, spf = walked
    if declared is not None and not _mp3_count_is_exact(source):
        return declared >= samples - spf  # an estimate: only too low matters
    slack = 3 * spf  # encoder delay + padding, and a tag frame counted or not
    if declared is None or declared < samples - slack:
        return False
    if declared > samples + slack:
        raise CorruptAudioError(
            f"the MP3 header (Xing/Info tag) declares {declared} frames but the file holds "
            f"MPEG frames for only about {samples} (truncated file or corrupt tag)",
            path=path,
        )
    return True


#: Most frames asked of libsndfile in one call.
_MAX_CALL = 1 << 24

_FLOAT_SUBTYPES = frozenset(
    {"FLOAT", "DOUBLE", "VORBIS", "OPUS", "MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III"}
)


class SoundfileReader:
    """Read frames from an open :class:`soundfile.SoundFile` at the native rate.

    Frames come out as ``(n, channels)`` arrays.  ``frames`` is the header's frame
    count.  A read that stops before the declared end raises CorruptAudioError
    (truncated file), except for MP3 files without a Xing/Info/VBRI tag, whose count
    libsndfile only estimates.
    """

    backend = "libsndfile"

    def __init__(self, sf_obj: Any, source: Any, path: Any, *, owned: bool = True) -> None:
        self._f = sf_obj
        self._path = path
        self._owned = owned
        self.samplerate = int(sf_obj.samplerate)
        self.channels = int(sf_obj.channels)
        self.frames: int | None = frames_of(sf_obj)
        self.format = str(sf_obj.format)
        self.subtype = str(sf_obj.subtype)
        self.codec = self.subtype
        # A SoundFile handed in by the caller may already have been read from.
        self._pos = 0 if owned else int(sf_obj.tell())
        #: Where reading starts when no offset is asked for (librosa: the current position).
        self.initial_position = self._pos
        self._eof = False
        self._source = source
        self._vorbis_tail: int | None = None
        self._count_exact = True
        if self.format == "MP3":
            self._count_exact = _mp3_count_is_exact(source)
            if not self._count_exact:
                # libsndfile's count is a bit-rate estimate: use the MPEG frames' count
                # (what libmpg123 decodes without gapless information), or none
                walked = mp3_stream_samples(source) if source is not None else None
                self.frames = walked[0] if walked is not None else None
        # Integer PCM cannot hold NaN/Inf: skip the finiteness scan for it.  Float files
        # and the float decoders (Vorbis, Opus, MPEG) can produce NaN/Inf from bad data.
        self.may_be_nonfinite = self.subtype in _FLOAT_SUBTYPES or self.format == "MP3"
        self._raw = _raw_api() if hasattr(sf_obj, "_file") else None

    def seek(self, frame: int) -> None:
        """Move to ``frame`` (0-based, native rate); past the end, reads return nothing.

        MP3: libsndfile's decoder restarts cold after a seek, so the first ~5000 samples
        it returns are wrong.  We seek :data:`MP3_PREROLL` frames earlier and decode
        forward to ``frame``; short forward moves decode without seeking at all.
        """
        if frame == self._pos and not self._eof:
            return
        if self.frames is not None and frame >= self.frames:
            self._pos = frame
            self._eof = True
            return
        land = frame
        if self.subtype == "VORBIS":
            if self._vorbis_tail is None:
                tail = ogg_tail(self._source) if self._source is not None else None
                self._vorbis_tail = tail[0] if tail is not None else 0
            if frame > self._vorbis_tail:
                # libsndfile misplaces seeks into the last Ogg page (by the page's end
                # trim, e.g. 384 samples); land before it and decode forward instead.
                land = max(0, self._vorbis_tail - 4096)
                if not self._eof and land <= self._pos < frame:
                    self._skip(frame - self._pos)
                    return
        if self.format == "MP3":
            if not self._eof and self._pos < frame <= self._pos + MP3_PREROLL:
                self._skip(frame - self._pos)
                return
            land = max(0, frame - MP3_PREROLL)
        try:
            self._f.seek(land)
        except Exception as e:  # soundfile raises LibsndfileError / RuntimeError
            raise CorruptAudioError(
                f"libsndfile could not seek to frame {land}: {e}", path=self._path
            ) from e
        self._pos = land
        self._eof = False
        self._skip(frame - land)

    def _skip(self, n: int) -> None:
        scratch = np.empty((min(n, 1 << 14), self.channels), dtype=np.float32)
        while n > 0 and not self._eof:
            n -= self.readinto(scratch[: min(n, len(scratch))])

    def _read(self, out: np.ndarray, n: int) -> int:
        """Read ``n`` frames into ``out`` without moving libsndfile's position otherwise.

        ``SoundFile.read`` seeks to the current position after every read, which resets
        libsndfile's MP3 decoder (the next ~5000 samples come out wrong).  We call
        ``sf_readf_*`` directly through soundfile's cffi handle when it is available.
        """
        if out.dtype not in (np.float32, np.float64):
            raise TypeError(f"cannot decode into dtype={out.dtype}; use float32 or float64")
        if self._raw is not None and out.flags.c_contiguous and out.flags.writeable:
            snd, ffi, check = self._raw
            ctype = "float" if out.dtype == np.float32 else "double"
            ptr = ffi.cast(ctype + "*", ffi.from_buffer(out))
            got = int(getattr(snd, "sf_readf_" + ctype)(self._f._file, ptr, n))
            check(snd.sf_error(self._f._file))
            return got
        return len(self._f.read(frames=n, dtype=out.dtype.name, always_2d=True, out=out))

    def readinto(self, out: np.ndarray) -> int:
        """Fill ``out`` (C-contiguous ``(n, channels)``) from the current position.

        Returns the number of frames read; fewer than ``len(out)`` means end of file.
        One libsndfile call reads at most :data:`_MAX_CALL` frames (a single call for
        2**32 frames stops early, at 3 * 2**30).
        """
        n = len(out)
        if n == 0 or self._eof:
            return 0
        got = 0
        while got < n:
            want = min(n - got, _MAX_CALL)
            try:
                part = self._read(out[got : got + want], want)
            except Exception as e:
                raise CorruptAudioError(
                    f"libsndfile failed to decode audio at frame {self._pos + got} "
                    f"(corrupt or truncated data): {e}",
                    path=self._path,
                ) from e
            got += part
            if part < want:
                break
        self._pos += got
        if got < n:
            self._eof = True
            self._check_complete()
        return got

    def _check_complete(self) -> None:
        declared = self.frames
        if declared is None or self._pos >= declared:
            return
        if self.format == "MP3":
            # With a Xing/Info tag libmpg123 decodes exactly the tag's count; without
            # one, ``frames`` counts the MPEG frames, the last of which may be cut short
            frame = _MP3_FRAME if self.samplerate >= 32000 else _MP3_FRAME // 2
            if declared - self._pos <= (0 if self._count_exact else frame):
                return
            raise CorruptAudioError(
                f"decoding stopped at frame {self._pos} but the "
                + ("header declares" if self._count_exact else "file's MPEG frames hold")
                + f" {declared} frames (truncated or damaged file?)",
                path=self._path,
            )
        raise CorruptAudioError(
            f"decoding stopped at frame {self._pos} but the header declares {declared} "
            "frames (truncated file?)",
            path=self._path,
        )

    def close(self) -> None:
        """Close the underlying SoundFile, unless the caller owns it."""
        if not self._owned:
            return
        try:
            close_soundfile(self._f)
        except Exception:  # noqa: BLE001 - closing must not mask the real error
            pass
