"""A tiny stand-in preset for the pipeline's own tests (not public API).

It follows the preset interface (``name``, ``sample_rate``, ``n_features``,
``to_dict()``, callable on ``(y, sr)`` returning ``(frames, n_features)`` float32) with a
few numpy lines, so engine tests do not depend on the feature code's speed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["TinyPreset"]


@dataclass(frozen=True)
class TinyPreset:
    """Framewise log energy, mean, peak and zero-crossing rate (4 features)."""

    name: str = "tiny-test"
    sample_rate: int = 16000
    frame_length: int = 400
    hop_length: int = 160
    n_features: int = 4

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
