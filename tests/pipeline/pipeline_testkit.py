"""Test-only presets for the pipeline tests (never shipped: this file lives under tests/).

Worker processes import this module by name when they unpickle a preset (spawned
workers, Dask workers, the ``melforge`` command given ``pipeline_testkit:TinyPreset``):
``conftest.py`` puts this folder on ``PYTHONPATH`` so that every subprocess finds it.

Fault injection lives here, in the recipe a test passes in, instead of in melforge:
:class:`FaultyPreset` aborts, segfaults or hangs its worker process when it is given a
*poison* clip (a constant signal at :data:`POISON_LEVEL`, which :func:`write_poison`
writes), as a decoder that crashes on one particular file would.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import soundfile as sf

__all__ = [
    "TinyPreset",
    "FaultyPreset",
    "SlowTinyPreset",
    "SlowerTinyPreset",
    "POISON_LEVEL",
    "write_poison",
]

#: The DC level of a poison clip (exact in 16-bit PCM: 8192 / 32768).
POISON_LEVEL = 0.25


@dataclass(frozen=True)
class TinyPreset:
    """Framewise log energy, mean, peak and zero-crossing rate (4 features).

    A stand-in preset with the preset interface (``name``, ``sample_rate``,
    ``n_features``, ``layout``, ``to_dict()``, callable on ``(y, sr)``), a few numpy
    lines, so engine tests do not depend on the feature code's speed.
    """

    name: str = "tiny-test"
    sample_rate: int = 16000
    frame_length: int = 400
    hop_length: int = 160
    n_features: int = 4

    layout: ClassVar[str] = "(n_frames, n_features)"

    def to_dict(self) -> dict[str, Any]:
        """Return the recipe as a JSON-serializable dict."""
        return asdict(self)

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:
        """Return ``(frames, 4)`` float32 features of ``y``."""
        y = np.asarray(y, dtype=np.float32)
        if y.size < self.frame_length:
            y = np.pad(y, (0, self.frame_length - y.size))
        n = 1 + (y.size - self.frame_length) // self.hop_length
        idx = np.arange(self.frame_length)[None, :] + self.hop_length * np.arange(n)[:, None]
        fr = y[idx]
        energy = np.log(np.mean(fr * fr, axis=1) + 1e-10)
        zc = np.mean(np.abs(np.diff(np.signbit(fr), axis=1)), axis=1)
        out = np.stack([energy, fr.mean(axis=1), np.abs(fr).max(axis=1), zc], axis=1)
        return out.astype(np.float32)


@dataclass(frozen=True)
class SlowTinyPreset(TinyPreset):
    """:class:`TinyPreset` that sleeps ``delay`` seconds per clip (to kill a run mid-way)."""

    delay: float = 0.05

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:  # noqa: D102
        time.sleep(self.delay)
        return super().__call__(y, sr)


@dataclass(frozen=True)
class SlowerTinyPreset(SlowTinyPreset):
    """:class:`SlowTinyPreset` at 1 s per clip (a run that stays busy for seconds)."""

    delay: float = 1.0


def is_poison(y: np.ndarray) -> bool:
    """Return whether ``y`` is a poison clip (its mean is near :data:`POISON_LEVEL`)."""
    return y.size > 0 and abs(float(np.mean(y)) - POISON_LEVEL) < 0.01


@dataclass(frozen=True)
class FaultyPreset(TinyPreset):
    """:class:`TinyPreset` whose worker process dies or hangs on a poison clip.

    ``fault``: ``"abort"`` (``os.abort()``: SIGABRT), ``"segv"`` (a read of address 0:
    a real SIGSEGV, as in a decoder), ``"hang"`` (sleeps forever).
    """

    fault: str = "abort"

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:  # noqa: D102
        if is_poison(np.asarray(y)):
            import faulthandler

            faulthandler.disable()  # no traceback dump: this crash is on purpose
            if self.fault == "segv":
                import ctypes

                ctypes.string_at(0)
            elif self.fault == "hang":
                while True:
                    time.sleep(3600)
            os.abort()
        return super().__call__(y, sr)


def write_poison(path: Path, seconds: float = 0.4, sr: int = 16000) -> Path:
    """Write a poison clip: a constant signal at :data:`POISON_LEVEL`, 16-bit WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.full(int(sr * seconds), POISON_LEVEL, np.float32), sr, subtype="PCM_16")
    return path
