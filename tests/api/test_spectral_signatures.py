"""Every librosa function the spectral core mirrors has librosa 0.11's signature.

Parameter names, kinds (positional / keyword-only / **kwargs) and defaults must match,
so that code written for librosa runs after changing the import.
"""

from __future__ import annotations

import inspect

import pytest

import melforge as mf
from melforge import feature, filters

librosa = pytest.importorskip("librosa")

PAIRS = [
    ("hz_to_mel", mf.hz_to_mel, "hz_to_mel"),
    ("mel_to_hz", mf.mel_to_hz, "mel_to_hz"),
    ("fft_frequencies", mf.fft_frequencies, "fft_frequencies"),
    ("mel_frequencies", mf.mel_frequencies, "mel_frequencies"),
    ("frames_to_time", mf.frames_to_time, "frames_to_time"),
    ("time_to_frames", mf.time_to_frames, "time_to_frames"),
    ("samples_to_frames", mf.samples_to_frames, "samples_to_frames"),
    ("frames_to_samples", mf.frames_to_samples, "frames_to_samples"),
    ("samples_to_time", mf.samples_to_time, "samples_to_time"),
    ("time_to_samples", mf.time_to_samples, "time_to_samples"),
    ("stft", mf.stft, "stft"),
    ("istft", mf.istft, "istft"),
    ("magphase", mf.magphase, "magphase"),
    ("amplitude_to_db", mf.amplitude_to_db, "amplitude_to_db"),
    ("power_to_db", mf.power_to_db, "power_to_db"),
    ("db_to_amplitude", mf.db_to_amplitude, "db_to_amplitude"),
    ("db_to_power", mf.db_to_power, "db_to_power"),
    ("get_window", mf.get_window, "filters.get_window"),
    ("filters.get_window", filters.get_window, "filters.get_window"),
    ("filters.mel", filters.mel, "filters.mel"),
    ("feature.melspectrogram", feature.melspectrogram, "feature.melspectrogram"),
    ("feature.mfcc", feature.mfcc, "feature.mfcc"),
    ("feature.delta", feature.delta, "feature.delta"),
]


def _resolve(path: str) -> object:
    obj: object = librosa
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _shape(func: object) -> list[tuple[str, object, object]]:
    sig = inspect.signature(func)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name,ours,theirs", PAIRS, ids=[p[0] for p in PAIRS])
def test_signature_matches_librosa(name: str, ours: object, theirs: str) -> None:
    assert _shape(ours) == _shape(_resolve(theirs)), name


def test_spectral_names_resolve_from_top_level() -> None:
    for name in (
        "stft",
        "istft",
        "magphase",
        "spectrum",
        "Spectrum",
        "get_window",
        "amplitude_to_db",
        "power_to_db",
        "db_to_amplitude",
        "db_to_power",
    ):
        assert getattr(mf, name) is getattr(mf.spectral, name)
