"""``info``: file facts from headers, or from counting when a header cannot be trusted.

Header fields are validated before use; every decoder failure becomes an AudioError
naming the file (:func:`melforge.io.reading.guarded`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melforge._errors import AudioError, CorruptAudioError, UnsupportedFormatError
from melforge.io._mpeg import check_mp3_not_truncated
from melforge.io._source import Source
from melforge.io.headers import AudioInfo, bit_depth_of, check_declared_sizes, check_stream_facts
from melforge.io.reading import (
    _av_reason,
    _libsndfile_usable,
    _open,
    _open_libsndfile,
    guarded,
)

__all__ = ["info_from_source"]


def _soundfile_info(sfo: Any, path: Any, source: Any = None) -> AudioInfo:
    from melforge.io._mpeg import mp3_stream_samples
    from melforge.io._soundfile import _mp3_count_is_exact, count_frames, frames_of

    sr, subtype = int(sfo.samplerate), str(sfo.subtype)
    check_stream_facts(path, sr, int(sfo.channels), "libsndfile")
    frames = frames_of(sfo)
    if str(sfo.format) == "MP3" and source is not None and not _mp3_count_is_exact(source):
        walked = mp3_stream_samples(source)  # libsndfile only estimates from the bit rate
        frames = walked[0] if walked is not None else None
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
    """Build :class:`AudioInfo` for a checked source (see :func:`melforge.info`).

    Every decoder failure becomes an AudioError naming the file.
    """
    with guarded(src.path, "reading the header failed"):
        return _info(src)


def _info(src: Source) -> AudioInfo:
    from melforge.io._ffmpeg import NoAudioStreamError, av_info
    from melforge.io._soundfile import close_soundfile

    check_declared_sizes(src)
    if src.is_soundfile:
        return _soundfile_info(src.obj, src.path)
    try:
        sfo = _open_libsndfile(src)
    except AudioError:
        raise
    except Exception:  # noqa: BLE001 - fall back to FFmpeg, errors are re-collected below
        src.rewind()
    else:
        try:
            usable = _libsndfile_usable(sfo, src)
            if usable:
                return _soundfile_info(sfo, src.path, src.obj)
        finally:
            close_soundfile(sfo)
        src.rewind()
        return _count_with_ffmpeg(src, av_info(src.obj))
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
    suspect = facts["format"] == "MP3" or facts["channels"] <= 0 or facts["samplerate"] <= 0
    if frames is None or frames <= 0 or suspect:
        src.rewind()
        return _count_with_ffmpeg(src, facts)
    sr = facts["samplerate"]
    check_stream_facts(src.path, sr, facts["channels"], "FFmpeg")
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


def _count_with_ffmpeg(src: Source, facts: dict[str, Any]) -> AudioInfo:
    """AudioInfo from decoding the stream once with FFmpeg (when the header cannot be trusted)."""
    from melforge.io._ffmpeg import AvReader

    reader = AvReader(src.obj, src.path)
    try:
        if "mp3" in reader.format.split(","):
            check_mp3_not_truncated(src.obj, src.path)
        check_stream_facts(src.path, reader.samplerate, reader.channels, "FFmpeg")
        frames, buf = 0, np.empty((1 << 14, reader.channels), dtype=np.float32)
        while (got := reader.readinto(buf)) > 0:
            frames += got
        sr, channels = reader.samplerate, reader.channels
    finally:
        reader.close()
    return AudioInfo(
        samplerate=sr,
        channels=channels,
        frames=int(frames),
        duration=float(frames) / sr,
        format=facts["format"],
        subtype=facts["codec"],
        bit_depth=facts["bit_depth"],
        codec=facts["codec"],
        backend="ffmpeg",
        bit_rate=facts["bit_rate"],
    )
