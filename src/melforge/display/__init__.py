"""Plots: waveforms, spectrograms and spectra with physical, readable axes.

matplotlib is imported here and nowhere else in melforge.  The functions mirror
``librosa.display`` (``waveshow``, ``specshow``), so tutorial code runs unchanged
with ``import melforge as librosa``; ``spectrumshow`` and ``colorbar`` are additions.
"""

from __future__ import annotations

from melforge.display.spectrogram_plot import cmap, colorbar, specshow
from melforge.display.spectrum_plot import spectrumshow
from melforge.display.ticks import HzFormatter, HzLocator, TimeFormatter, TimeLocator
from melforge.display.wave_plot import AdaptiveWaveplot, waveshow

__all__ = [
    "AdaptiveWaveplot",
    "HzFormatter",
    "HzLocator",
    "TimeFormatter",
    "TimeLocator",
    "cmap",
    "colorbar",
    "specshow",
    "spectrumshow",
    "waveshow",
]
