"""spectrumshow: peaks at their frequency, dB re the peak, log axis without 0 Hz."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from melforge import display  # noqa: E402


def test_peak_at_its_frequency_in_db():
    sr, n = 22050, 4096
    t = np.arange(n) / sr
    seg = np.sin(2 * np.pi * 1000 * t) * np.hanning(n)
    ax = Figure().add_subplot()
    line = display.spectrumshow(np.fft.rfft(seg), sr=sr, ax=ax)
    f, level = line.get_xdata(), line.get_ydata()
    assert f[0] > 0  # 0 Hz is not drawn on the log axis
    assert abs(f[np.argmax(level)] - 1000) <= sr / n / 2
    assert level.max() == 0.0
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "Amplitude (dB)"


def test_linear_scale_raw_values_and_object_input():
    class Spec:
        frequencies = np.array([0.0, 10.0, 20.0])
        magnitude = np.array([1.0, 2.0, 3.0])

    ax = Figure().add_subplot()
    line = display.spectrumshow(Spec(), ax=ax, x_scale="linear", db=False)
    assert list(line.get_xdata()) == [0.0, 10.0, 20.0]
    assert list(line.get_ydata()) == [1.0, 2.0, 3.0]
    assert ax.get_ylabel() == "Amplitude"
    line = display.spectrumshow(np.array([1.0, 10.0, 100.0]), ax=ax, ref=1.0, n_fft=4)
    assert list(line.get_ydata()) == [20.0, 40.0]


def test_silent_spectrum_warns():
    ax = Figure().add_subplot()
    with pytest.warns(UserWarning, match="silence"):
        display.spectrumshow(np.zeros(513), sr=16000, ax=ax)
