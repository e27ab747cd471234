"""The FFmpeg backend (through PyAV): a sequential frame reader with sample-exact seeking.

Used for whatever libsndfile cannot open (M4A/AAC, WebM/Opus, WMA, video containers).
``av`` is imported only when this backend is used.

Sample positions are counted from the first decoded sample of the stream (after the
codec's priming samples have been dropped by FFmpeg).  ``seek(k)`` asks the demuxer for
a keyframe about :data:`PREROLL_S` seconds before ``k`` (so that codecs with overlapping
frames or inter-frame state have warmed up), maps each decoded frame's ``pts`` onto that
count, and discards samples up to ``k``.  If the container cannot seek or lands after
``k``, the reader decodes from the start instead.
"""

from __future__ import annotations

import os
import re
from collections import deque
from fractions import Fraction
from typing import Any

import numpy as np

from melforge._errors import CorruptAudioError, UnsupportedFormatError
from melforge.io.headers import check_stream_facts

#: Demuxers whose duration metadata is exact (sample tables, granules, frame counts):
#: a decode that ends far from it means a damaged file.  Others (MP3, ADTS, Matroska)
#: may estimate their duration from the bit rate.
_EXACT_LENGTH = frozenset({"mov", "mp4", "ogg", "aiff", "wav", "flac"})

#: Planes PyAV can convert (FFmpeg's AV_NUM_DATA_POINTERS).
_MAX_PLANES = 8

#: Seconds decoded and dropped before a seek target, to warm up the decoder.
PREROLL_S = 0.5

#: Forward seeks shorter than this (seconds) decode and discard instead of seeking.
_SHORT_SKIP_S = 2.0

#: Demuxers whose packets carry timestamps that stay exact after a seek.  Others (raw
#: AC3/ADTS streams, whose timestamps after a seek are estimated from the byte position;
#: Ogg, whose FLAC pts near the end land 4 frames late) decode from the start instead.
_SEEKABLE_DEMUXERS = frozenset({"mov", "mp4", "matroska", "webm", "asf", "flv", "mpegts", "avi"})

# sample format -> (offset subtracted, scale applied) to reach [-1, 1) as libsndfile does
_INT_SCALE = {
    "u8": (128.0, 2.0**-7),
    "s16": (0.0, 2.0**-15),
    "s32": (0.0, 2.0**-31),
    "s64": (0.0, 2.0**-63),
    "flt": (0.0, 1.0),
    "dbl": (0.0, 1.0),
}


def av_error_types() -> tuple[type[BaseException], ...]:
    """Exception types PyAV raises for bad media."""
    import av

    return (av.error.FFmpegError, OSError, ValueError, EOFError, IndexError)


class NoAudioStreamError(Exception):
    """The container opened but holds no audio stream."""


class AvReader:
    """Read frames from a file with FFmpeg at the native rate, as ``(n, channels)`` arrays."""

    backend = "ffmpeg"

    def __init__(self, source: Any, path: Any) -> None:
        self._source = source
        self._path = path
        self._pos = 0
        self._open()
        try:
            self._init_from_head()
        except BaseException:
            self._container.close()
            raise

    def _init_from_head(self) -> None:
        # Decode the first frames now: they fix the channel count, the sample format,
        # and the anchor that maps a frame's pts onto our sample count (the second
        # frame, because the first may have had its priming samples cut).
        head = [f for f in (self._decode_next() for _ in range(3)) if f is not None]
        self.may_be_nonfinite = True
        if head:
            self.channels = int(head[0].layout.nb_channels)
            self.samplerate = int(head[0].sample_rate)
        else:
            self.channels = int(self._stream.codec_context.channels or 1)
            self.samplerate = int(self._stream.codec_context.sample_rate or 0)
        check_stream_facts(self._path, self.samplerate, self.channels, "FFmpeg")
        if head and head[0].format.is_planar and self.channels > _MAX_PLANES:
            # PyAV reads planar frames through AVFrame.data[], which holds 8 planes:
            # converting a frame with more channels crashes the interpreter (SIGSEGV,
            # found by tests/fuzz on a Vorbis header patched to 255 channels)
            raise UnsupportedFormatError(
                f"FFmpeg decodes this stream to {self.channels} planar channels; more than "
                f"{_MAX_PLANES} planar channels cannot be converted safely",
                path=self._path,
            )
        self._anchor: tuple[int, int] | None = None  # (pts, sample index) of frame 2
        self._frame_size: int | None = None  # constant frame length, if it is
        if len(head) >= 2 and head[1].pts is not None:
            self._anchor = (int(head[1].pts), int(head[0].samples))
            if len(head) == 2 or head[2].samples == head[1].samples:
                self._frame_size = int(head[1].samples)
        self._queue = deque(head)
        self._pending: Any = None
        self._pend_off = 0
        self._eof = not head
        self.frames: int | None = None if head else 0
        self.format = str(self._container.format.name)
        self._declared = _declared_frames(self._container, self._stream, self.samplerate)
        if not _EXACT_LENGTH & set(self.format.split(",")):
            self._declared = None
        self._container_seeks = bool(_SEEKABLE_DEMUXERS & set(self.format.split(",")))
        self.codec = str(self._stream.codec_context.name)
        self.subtype = self.codec

    # -- opening and decoding ---------------------------------------------------------
    def _open(self) -> None:
        import av

        if hasattr(self._source, "seek"):
            self._source.seek(0)
        self._container = av.open(self._source, mode="r", metadata_errors="ignore")
        if not self._container.streams.audio:
            self._container.close()
            raise NoAudioStreamError("no audio stream")
        self._stream = self._container.streams.audio[0]
        self._frames_iter = self._container.decode(self._stream)

    def _decode_next(self) -> Any:
        try:
            for frame in self._frames_iter:
                if frame.samples > 0:
                    return frame
        except av_error_types() as e:
            raise CorruptAudioError(
                f"FFmpeg failed to decode audio after sample {getattr(self, '_pos', 0)}: {e}",
                path=self._path,
            ) from e
        return None

    def _frame_start(self, frame: Any) -> int | None:
        """Sample index of ``frame``'s first sample, or None if it cannot be known exactly.

        With a time base at least as fine as one sample, the pts gives it directly.  With
        a coarser one (Matroska/WebM and ASF count milliseconds) the pts is snapped to the
        grid of a constant frame length; frames of other lengths give None.
        """
        if frame.pts is None or self._anchor is None:
            return None
        tb = Fraction(frame.time_base or self._stream.time_base)
        pts0, s0 = self._anchor
        est = Fraction(int(frame.pts) - pts0) * tb * self.samplerate
        if tb * self.samplerate <= 1:
            return s0 + round(est)
        size = self._frame_size
        if size is None or frame.samples != size:
            return None
        return s0 + round(est / size) * size

    # -- reading ----------------------------------------------------------------------
    def _next_pending(self) -> bool:
        if self._pending is not None and self._pend_off < self._pending.samples:
            return True
        if self._queue:
            frame = self._queue.popleft()
        elif self._eof:
            return False
        else:
            frame = self._decode_next()
        if frame is None:
            self._eof = True
            self._pending = None
            return False
        if frame.layout.nb_channels != self.channels or frame.sample_rate != self.samplerate:
            raise CorruptAudioError(
                "the audio stream changes its channel count or sample rate mid-stream "
                f"({frame.layout.nb_channels} ch at {frame.sample_rate} Hz after "
                f"{self.channels} ch at {self.samplerate} Hz); not supported",
                path=self._path,
            )
        self._pending = frame
        self._pend_off = 0
        return True

    @staticmethod
    def _frame_array(frame: Any) -> tuple[np.ndarray, float, float]:
        fmt = frame.format.name
        base = fmt[:-1] if fmt.endswith("p") else fmt
        offset, scale = _INT_SCALE.get(base, (0.0, 1.0))
        raw = frame.to_ndarray()
        if frame.format.is_planar:
            arr = raw.T  # (n, ch) view
        else:
            arr = raw.reshape(-1, frame.layout.nb_channels)
        return arr, offset, scale

    def readinto(self, out: np.ndarray) -> int:
        """Fill ``out`` (``(n, channels)``) from the current position; return frames read."""
        n = len(out)
        got = 0
        while got < n and self._next_pending():
            arr, offset, scale = self._frame_array(self._pending)
            take = min(n - got, self._pending.samples - self._pend_off)
            seg = out[got : got + take]
            seg[...] = arr[self._pend_off : self._pend_off + take]
            if offset:
                seg -= offset
            if scale != 1.0:
                seg *= scale
            self._pend_off += take
            got += take
        self._pos += got
        if got < n and self._eof:
            self._check_complete()
        return got

    def _check_complete(self) -> None:
        """At the end of the stream: raise when it is far from the container's length."""
        declared = self._declared
        if declared is None or declared <= 0:
            return
        slack = 2048 + declared // 1000  # codec priming/padding, rounded time stamps
        if abs(self._pos - declared) > slack:
            what = "stopped" if self._pos < declared else "ran on"
            raise CorruptAudioError(
                f"decoding {what} at sample {self._pos} but the container declares "
                f"{declared} (truncated or damaged file?)",
                path=self._path,
            )

    def _discard(self, n: int) -> None:
        while n > 0 and self._next_pending():
            take = min(n, self._pending.samples - self._pend_off)
            self._pend_off += take
            self._pos += take
            n -= take

    def _restart(self) -> None:
        self._container.close()
        self._open()
        self._queue.clear()
        self._pending = None
        self._pend_off = 0
        self._pos = 0
        self._eof = False

    def seek(self, frame: int) -> None:
        """Move to sample ``frame`` (0-based), exactly."""
        if frame == self._pos:
            return
        if self._pos < frame <= self._pos + _SHORT_SKIP_S * self.samplerate:
            self._discard(frame - self._pos)
            return
        preroll = int(PREROLL_S * self.samplerate)
        if frame <= preroll or self._anchor is None or not self._container_seeks:
            if frame < self._pos:
                self._restart()
            self._discard(frame - self._pos)
            return
        tb = Fraction(self._stream.time_base)
        pts0, s0 = self._anchor
        target_ts = pts0 + int(Fraction(frame - preroll - s0, self.samplerate) / tb)
        try:
            self._container.seek(target_ts, stream=self._stream, backward=True, any_frame=False)
        except av_error_types():
            self._restart()
            self._discard(frame)
            return
        self._frames_iter = self._container.decode(self._stream)
        self._queue.clear()
        self._pending = None
        self._eof = False
        first = self._decode_next()
        start = self._frame_start(first) if first is not None else None
        if first is None or start is None or start > frame:
            self._restart()
            self._discard(frame)
            return
        self._queue.append(first)
        self._pos = start
        self._discard(frame - start)

    def close(self) -> None:
        """Close the container."""
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - closing must not mask the real error
            pass


def _lossless_bits(cc: Any) -> int | None:
    """Bits per sample a lossless stream stores (24-bit FLAC decodes to s32, so ask the codec).

    PCM: from the codec name (``pcm_s24le`` -> 24).  FLAC: from STREAMINFO in the
    extradata.  ALAC: from its magic cookie.  Otherwise: the decoder's sample format.
    """
    name = str(cc.name)
    m = re.fullmatch(r"pcm_[suf](\d+)(?:le|be|planar|daud)*", name)
    if m:
        return int(m.group(1))
    extra = bytes(getattr(cc, "extradata", None) or b"")
    if name == "flac" and len(extra) >= 18:
        info = extra[8:] if extra[:4] == b"fLaC" else extra  # STREAMINFO, 34 bytes
        if len(info) >= 14:
            return (((info[12] & 1) << 4) | (info[13] >> 4)) + 1
    if name == "alac" and len(extra) >= 6:
        cookie = extra[12:] if extra[4:8] == b"alac" else extra  # frameLength(4) version(1)
        if len(cookie) >= 6 and cookie[5]:
            return int(cookie[5])
    bits = int(cc.format.bits) if cc.format is not None else 0
    return bits or None


def _short_format(names: str, source: Any) -> str:
    """One upper-case container name, like libsndfile's ("MP4", "WEBM", "ASF").

    FFmpeg names a demuxer by the list of formats it reads ("mov,mp4,m4a,3gp,3g2,mj2");
    the file's own extension picks from that list when it is in it.
    """
    options = names.split(",")
    ext = os.path.splitext(str(getattr(source, "name", source)))[1].lstrip(".").lower()
    return (ext if ext in options else options[0]).upper()


def _declared_frames(container: Any, stream: Any, sr: int) -> int | None:
    """Frames the container's metadata declares: stream duration, else container duration."""
    if stream.duration is not None and stream.time_base is not None:
        return round(Fraction(stream.duration) * Fraction(stream.time_base) * sr)
    if container.duration is not None:
        return round(Fraction(container.duration, 1_000_000) * sr)
    return None


def av_info(source: Any) -> dict[str, Any]:
    """Header facts for ``source`` from FFmpeg's demuxer, without decoding.

    ``frames`` comes from the stream duration, else the container duration; None when
    neither is known.
    """
    import av

    if hasattr(source, "seek"):
        source.seek(0)
    with av.open(source, mode="r", metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise NoAudioStreamError("no audio stream")
        stream = container.streams.audio[0]
        cc = stream.codec_context
        sr = int(cc.sample_rate or stream.rate or 0)
        frames = _declared_frames(container, stream, sr)
        bit_depth: int | None = None
        if not bool(getattr(cc.codec, "lossy", True)):
            bit_depth = _lossless_bits(cc)
        return {
            "samplerate": sr,
            "channels": int(cc.channels or 0),
            "frames": frames,
            "format": _short_format(str(container.format.name), source),
            "codec": str(cc.name),
            "bit_depth": bit_depth,
            "bit_rate": int(stream.bit_rate or container.bit_rate or 0) or None,
        }


def encode(
    path: Any,
    y: np.ndarray,
    sr: int,
    *,
    codec: str,
    format: str | None = None,
    bit_rate: int | None = None,
    sample_format: str | None = None,
) -> None:
    """Write ``y`` (shape ``(channels, n)`` or ``(n,)``) with an FFmpeg encoder.

    A small helper for tests and examples (M4A/AAC, WebM/Opus, MKV ...); not public API.
    ``sample_format`` (e.g. ``"s32"`` for 24-bit FLAC/ALAC/PCM) overrides the encoder's
    first one.
    """
    import av

    y2 = np.atleast_2d(np.asarray(y, dtype=np.float32))
    layout = {1: "mono", 2: "stereo"}[y2.shape[0]]
    with av.open(path, mode="w", format=format) as container:
        stream: Any = container.add_stream(codec, rate=sr, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        cc = stream.codec_context
        if sample_format:
            cc.format = sample_format
        fmt = cc.format.name if cc.format is not None else "fltp"
        size = cc.frame_size or 1024
        for i in range(0, y2.shape[1], size):
            blk = np.ascontiguousarray(y2[:, i : i + size])
            base = fmt.rstrip("p")
            if base == "s16":
                blk = np.clip(np.rint(blk * 32768), -32768, 32767).astype(np.int16)
            elif base == "s32":
                blk = np.clip(np.rint(blk.astype(np.float64) * 2.0**31), -(2**31), 2**31 - 1)
                blk = blk.astype(np.int32)
            arr = blk if fmt.endswith("p") else np.ascontiguousarray(blk.T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(arr, format=fmt, layout=layout)
            frame.sample_rate = sr
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
