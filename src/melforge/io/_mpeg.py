"""MPEG audio (MP3) frame walking: how many samples a file's frames really hold.

libsndfile trusts an MP3's Xing/Info tag, or estimates the length from the bit rate
when there is none, and stops decoding at that count; FFmpeg returns whatever frames are
there.  Counting the frames themselves (headers only, no decoding) tells a lying tag, a
short estimate and a truncated file apart.
"""

from __future__ import annotations

from typing import Any

from melforge._errors import CorruptAudioError

__all__ = ["mp3_stream_samples", "mp3_tag_samples", "check_mp3_not_truncated"]

_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MPEG_KBPS = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


def _mpeg_frame(data: Any, i: int) -> tuple[int, int] | None:
    """(frame length in bytes, samples per frame) of the MPEG audio header at ``i``."""
    if i + 4 > len(data) or data[i] != 0xFF or data[i + 1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[i + 1] >> 3) & 3, (data[i + 1] >> 1) & 3
    kbps_i, rate_i, pad = data[i + 2] >> 4, (data[i + 2] >> 2) & 3, (data[i + 2] >> 1) & 1
    if version == 1 or layer == 0 or kbps_i in (0, 15) or rate_i == 3:
        return None
    kbps = _MPEG_KBPS[(3 if version == 3 else 2, layer)][kbps_i] * 1000
    rate = _MPEG_RATES[version][rate_i]
    if layer == 3:  # layer I
        return (12 * kbps // rate + pad) * 4, 384
    if layer == 1 and version != 3:  # layer III, MPEG-2/2.5
        return 72 * kbps // rate + pad, 576
    return 144 * kbps // rate + pad, 1152


def mp3_stream_samples(source: Any) -> tuple[int, int] | None:
    """Walk the MPEG audio frames of an MP3 file: (samples in its audio frames, samples per frame).

    Counts the frames whose header is valid and is followed by another valid header or
    the end of the data (tags at the end are skipped), after an ID3v2 tag; the first
    frame is not counted when it holds a Xing/Info/VBRI tag.  None when the file cannot
    be read or holds no frame.
    """
    try:
        if hasattr(source, "read"):
            pos = source.tell()
            source.seek(0)
            data = source.read()
            source.seek(pos)
        else:
            with open(source, "rb") as fh:
                data = fh.read()
    except (OSError, ValueError):
        return None
    start = 0
    if len(data) >= 10 and data[:3] == b"ID3":
        size = 0
        for b in data[6:10]:
            size = (size << 7) | (b & 0x7F)
        start = 10 + size + (10 if data[5] & 0x10 else 0)
    n = len(data)
    frames, spf, first, i = 0, 0, True, start
    while i + 4 <= n:
        fr = _mpeg_frame(data, i)
        nxt = i + fr[0] if fr is not None and fr[0] > 4 else -1
        if fr is None or not (nxt >= n or _mpeg_frame(data, nxt) is not None or nxt + 4 > n):
            j = data.find(b"\xff", i + 1)
            if j < 0:
                break
            i = j
            continue
        if first and any(t in data[i : i + min(fr[0], 200)] for t in (b"Xing", b"Info", b"VBRI")):
            pass  # the tag frame holds no audio
        else:
            frames += 1
            spf = fr[1]
        first = False
        i = nxt
    if frames == 0:
        return None
    return frames * spf, spf


def mp3_tag_samples(source: Any) -> int | None:
    """Return the samples a Xing/Info tag declares (frames x samples per frame), if any."""

    def first_frames(fh: Any) -> bytes:
        fh.seek(0)
        top: bytes = fh.read(10)
        start = 0
        if len(top) == 10 and top[:3] == b"ID3":
            size = 0
            for b in top[6:10]:
                size = (size << 7) | (b & 0x7F)
            start = 10 + size + (10 if top[5] & 0x10 else 0)
        fh.seek(start)
        data: bytes = fh.read(1 << 16)
        return data

    try:
        if hasattr(source, "read"):
            pos = source.tell()
            head = first_frames(source)
            source.seek(pos)
        else:
            with open(source, "rb") as fh:
                head = first_frames(fh)
    except (OSError, ValueError):
        return None
    i = head.find(b"\xff")
    while 0 <= i:
        fr = _mpeg_frame(head, i)
        if fr is not None:
            frame = head[i : i + min(fr[0], 200)]
            for tag in (b"Xing", b"Info"):
                j = frame.find(tag)
                if j >= 0 and len(frame) >= j + 12 and frame[j + 7] & 1:
                    return int.from_bytes(frame[j + 8 : j + 12], "big") * fr[1]
            return None
        i = head.find(b"\xff", i + 1)
    return None


def check_mp3_not_truncated(source: Any, path: Any) -> None:
    """Raise CorruptAudioError when an MP3's Xing/Info tag promises more than its frames hold.

    For MP3 files FFmpeg decodes (libsndfile refused them): FFmpeg returns whatever
    frames are there, so a cut file would otherwise load short without an error.
    """
    declared = mp3_tag_samples(source)
    if declared is None:
        return
    walked = mp3_stream_samples(source)
    samples, spf = walked if walked is not None else (0, 1152)
    if declared > samples + 3 * spf:
        raise CorruptAudioError(
            f"the MP3 header (Xing/Info tag) declares {declared} samples but the file holds "
            f"MPEG frames for only about {samples} (truncated file or corrupt tag)",
            path=path,
        )
