"""Spectral core: windows, framing, STFT / ISTFT, the one-segment spectrum, dB scales.

Every public name mirrors the librosa 0.11 function of the same name.
"""

from __future__ import annotations

from melforge.spectral.decibel import amplitude_to_db, db_to_amplitude, db_to_power, power_to_db
from melforge.spectral.fourier import istft, magphase, stft
from melforge.spectral.framing import center_pad, frame
from melforge.spectral.segment import Spectrum, spectrum
from melforge.spectral.windows import get_window

__all__ = [
    "Spectrum",
    "amplitude_to_db",
    "center_pad",
    "db_to_amplitude",
    "db_to_power",
    "frame",
    "get_window",
    "istft",
    "magphase",
    "power_to_db",
    "spectrum",
    "stft",
]
