"""Features: librosa-style spectral features and model-exact front ends.

Names resolve lazily so that importing :mod:`melforge.feature` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    # librosa-compatible features (melforge.feature.spectral, melforge.feature.utils)
    "melspectrogram": "melforge.feature.spectral",
    "mfcc": "melforge.feature.spectral",
    "delta": "melforge.feature.utils",
    # model-exact front ends
    "whisper_log_mel": "melforge.feature.whisper",
    "kaldi_fbank": "melforge.feature.kaldi",
    "normalize_waveform": "melforge.feature.wav2vec2",
    "nemo_log_mel": "melforge.feature.nemo",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'melforge.feature' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
