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
    "stack_memory": "melforge.feature.utils",
    "rms": "melforge.feature.descriptors",
    "zero_crossing_rate": "melforge.feature.descriptors",
    "spectral_centroid": "melforge.feature.descriptors",
    "spectral_bandwidth": "melforge.feature.descriptors",
    "spectral_rolloff": "melforge.feature.descriptors",
    "spectral_flatness": "melforge.feature.descriptors",
    "spectral_contrast": "melforge.feature.descriptors",
    "poly_features": "melforge.feature.descriptors",
    # model-exact front ends
    "whisper_log_mel": "melforge.feature.whisper",
    "kaldi_fbank": "melforge.feature.kaldi",
    "normalize_waveform": "melforge.feature.wav2vec2",
    "nemo_log_mel": "melforge.feature.nemo",
}

#: Submodules reachable as attributes (``melforge.feature.inverse.mel_to_stft``, as librosa).
_SUBMODULES = frozenset({"inverse"})

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"melforge.feature.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'melforge.feature' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
