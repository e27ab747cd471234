"""Named, frozen feature recipes that reproduce what pretrained models expect.

>>> import melforge.presets
>>> melforge.presets.names()  # doctest: +NORMALIZE_WHITESPACE
['kaldi-fbank-80', 'lhotse-fbank-80', 'librosa-mel', 'mfcc-13', 'nemo-80',
 'torchaudio-fbank-80', 'wav2vec2', 'whisper-128', 'whisper-80']

``preset = melforge.presets.get(name)`` is callable: ``preset(y, sr)`` resamples to
``preset.sample_rate`` with soxr (``soxr_hq``) when ``sr`` differs and returns float32
features in ``preset.layout``; ``preset.frames(y, sr)`` returns ``(n_frames,
n_features)``.  ``preset.to_dict()`` / :func:`from_dict` round-trip through JSON.

:func:`from_pretrained` builds the exact preset of a pretrained model from its saved
transformers config (a folder, a JSON file, a dict, or a model id in the local Hugging
Face cache); ``preset.batch(clips, sr, **options)`` returns what the transformers
extractor returns.
"""

from __future__ import annotations

from melforge.presets.base import FEATURES_X_FRAMES, FRAMES_X_FEATURES, SAMPLES, Preset
from melforge.presets.pretrained import PretrainedPreset, from_pretrained, supported_types
from melforge.presets.recipes import (
    KaldiFbankPreset,
    LibrosaMelPreset,
    MfccPreset,
    NemoPreset,
    TorchaudioFbankPreset,
    Wav2Vec2Preset,
    WhisperPreset,
)
from melforge.presets.registry import from_dict, get, names, resolve

__all__ = [
    "FEATURES_X_FRAMES",
    "FRAMES_X_FEATURES",
    "SAMPLES",
    "KaldiFbankPreset",
    "LibrosaMelPreset",
    "MfccPreset",
    "NemoPreset",
    "Preset",
    "PretrainedPreset",
    "TorchaudioFbankPreset",
    "Wav2Vec2Preset",
    "WhisperPreset",
    "from_dict",
    "from_pretrained",
    "get",
    "names",
    "resolve",
    "supported_types",
]
