"""melforge: audio files to model-ready data.

Decode any common format to float32, resample, and compute the spectral
representations audio ML is built on (STFT, mel, dB, MFCC and the exact features of
well-known pretrained models), with plots and dataset-scale featurization.

The names melforge shares with librosa 0.11 (listed in the README) take librosa's
arguments and defaults, so code that uses only those runs after
``import melforge as librosa``; for anything else, use librosa.  Everything is
resolved lazily (PEP 562): importing melforge loads neither scipy.signal, matplotlib,
av, pyarrow nor dask.
"""

from __future__ import annotations

import importlib
from typing import Any

from melforge._errors import (
    AudioError as AudioError,
    AudioFileNotFoundError as AudioFileNotFoundError,
    AudioTooLargeError as AudioTooLargeError,
    CorruptAudioError as CorruptAudioError,
    ParameterError as ParameterError,
    UnreadableFileError as UnreadableFileError,
    UnsupportedFormatError as UnsupportedFormatError,
)

__version__ = "0.1.0"

#: Subpackages and modules reachable as attributes (``melforge.display`` ...).
_SUBMODULES = frozenset(
    {
        "audio",
        "cli",
        "convert",
        "data",
        "display",
        "examples",
        "feature",
        "filters",
        "hf",
        "io",
        "pipeline",
        "presets",
        "resampling",
        "spectral",
        "effects",
        "util",
    }
)

#: Public name -> module that defines it.
_LAZY: dict[str, str] = {
    # audio: decode + resample
    "load": "melforge.audio",
    "stream": "melforge.audio",
    "get_duration": "melforge.audio",
    "get_samplerate": "melforge.audio",
    "to_mono": "melforge.audio",
    # io: native-rate files
    "info": "melforge.io",
    "save": "melforge.io",
    "AudioInfo": "melforge.io",
    "quantize": "melforge.io",
    "to_int": "melforge.io",
    "to_float": "melforge.io",
    # resampling
    "resample": "melforge.resampling",
    # conversions
    "fft_frequencies": "melforge.convert",
    "mel_frequencies": "melforge.convert",
    "hz_to_mel": "melforge.convert",
    "mel_to_hz": "melforge.convert",
    "frames_to_time": "melforge.convert",
    "time_to_frames": "melforge.convert",
    "samples_to_frames": "melforge.convert",
    "frames_to_samples": "melforge.convert",
    "samples_to_time": "melforge.convert",
    "time_to_samples": "melforge.convert",
    # spectral
    "get_window": "melforge.spectral",
    "stft": "melforge.spectral",
    "istft": "melforge.spectral",
    "magphase": "melforge.spectral",
    "spectrum": "melforge.spectral",
    "Spectrum": "melforge.spectral",
    "amplitude_to_db": "melforge.spectral",
    "power_to_db": "melforge.spectral",
    "db_to_amplitude": "melforge.spectral",
    "db_to_power": "melforge.spectral",
    # examples
    "ex": "melforge.examples",
    "list_examples": "melforge.examples",
    # pipeline
    "featurize": "melforge.pipeline",
    "Summary": "melforge.pipeline",
    # phase and gain (librosa's top-level names)
    "griffinlim": "melforge.feature.phase",
    "phase_vocoder": "melforge.feature.phase",
    "pcen": "melforge.feature.pcen",
    # librosa's example loader names
    "example": "melforge.examples",
    "example_info": "melforge.examples",
    "ExampleUnavailableError": "melforge.examples",
    # frames, samples and blocks of a feature array
    "times_like": "melforge.convert",
    "samples_like": "melforge.convert",
    "blocks_to_frames": "melforge.convert",
    "blocks_to_samples": "melforge.convert",
    "blocks_to_time": "melforge.convert",
    # musical pitch
    "note_to_hz": "melforge.notes",
    "hz_to_note": "melforge.notes",
    "midi_to_hz": "melforge.notes",
    "hz_to_midi": "melforge.notes",
    "note_to_midi": "melforge.notes",
    "midi_to_note": "melforge.notes",
    # frequency weighting
    "A_weighting": "melforge.weighting",
    "frequency_weighting": "melforge.weighting",
    "perceptual_weighting": "melforge.weighting",
    # test signals and sample-domain analysis
    "tone": "melforge.signals",
    "chirp": "melforge.signals",
    "clicks": "melforge.signals",
    "zero_crossings": "melforge.signals",
    "autocorrelate": "melforge.signals",
    "lpc": "melforge.signals",
    "get_fftlib": "melforge.fftlib",
    "set_fftlib": "melforge.fftlib",
}

__all__ = sorted(
    [
        "AudioError",
        "AudioFileNotFoundError",
        "AudioTooLargeError",
        "CorruptAudioError",
        "ParameterError",
        "UnreadableFileError",
        "UnsupportedFormatError",
        "__version__",
        *_LAZY,
        *_SUBMODULES,
    ]
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"melforge.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'melforge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
