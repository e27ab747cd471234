"""Audio files at their native rate: decode, describe, write, and integer PCM conversion.

- :func:`info` / :class:`AudioInfo`: header facts without decoding.
- :func:`save`: write WAV/FLAC/OGG/MP3 with deliberate clipping rules.
- :func:`to_int`, :func:`to_float`, :func:`quantize`: libsndfile's integer scaling.
- :class:`AudioTooLargeError`: what ``load`` raises when its result would not fit in the
  memory this process may use (an AudioError and a MemoryError).

Decoding itself lives in :mod:`melforge.io.reading` (libsndfile first, FFmpeg second);
:func:`melforge.load` and :func:`melforge.stream` sit on top of it and add resampling.
Neither soundfile nor av is imported until a file is touched.
"""

from __future__ import annotations

from melforge.io.headers import AudioInfo, info
from melforge.io.pcm import quantize, to_float, to_int
from melforge.io.reading import AudioTooLargeError
from melforge.io.writing import save

__all__ = ["AudioInfo", "AudioTooLargeError", "info", "save", "quantize", "to_int", "to_float"]
