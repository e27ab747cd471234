"""Every ParameterError that melforge.display raises, by message."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from melforge import ParameterError, display  # noqa: E402
from melforge.display.ticks import TimeFormatter  # noqa: E402


@pytest.fixture
def ax():
    return Figure().add_subplot()


def test_specshow_errors(ax):
    with pytest.raises(ParameterError, match=r"data must be 2-D .* shape \(5,\)"):
        display.specshow(np.zeros(5), ax=ax)
    for empty in [(10, 0), (0, 10)]:
        with pytest.raises(ParameterError, match=r"not empty; got shape \(\d+, \d+\)"):
            display.specshow(np.zeros(empty), x_axis="time", ax=ax)
    with pytest.raises(ParameterError, match="axis type 'chroma' is not supported"):
        display.specshow(np.zeros((12, 5)), y_axis="chroma", ax=ax)
    with pytest.raises(ParameterError, match=r"100 frequency rows but n_fft=2048 gives 1025"):
        display.specshow(np.zeros((100, 5)), y_axis="linear", n_fft=2048, ax=ax)
    with pytest.raises(ParameterError, match="hop_length=0 must be a positive integer"):
        display.specshow(np.zeros((5, 5)), x_axis="time", hop_length=0, ax=ax)
    with pytest.raises(ParameterError, match="sr=-1 must be a positive sample rate"):
        display.specshow(np.zeros((5, 5)), sr=-1, ax=ax)
    with pytest.raises(ParameterError, match=r"x_coords has shape \(3,\); it must have 5 .* or 6"):
        display.specshow(np.zeros((5, 5)), x_coords=[1, 2, 3], ax=ax)
    with pytest.raises(ParameterError, match="need 0 <= fmin < fmax for a mel axis"):
        display.specshow(np.zeros((5, 5)), y_axis="mel", fmin=500, fmax=100, ax=ax)
    with pytest.raises(ParameterError, match="ax must be a matplotlib Axes or None; got str"):
        display.specshow(np.zeros((5, 5)), ax="axes")


def test_specshow_complex_warns(ax):
    with pytest.warns(UserWarning, match="complex-valued input. Showing magnitude"):
        display.specshow(np.ones((5, 5), dtype=np.complex64), ax=ax)


def test_waveshow_errors(ax):
    with pytest.raises(ParameterError, match="y must be floating-point audio"):
        display.waveshow(np.zeros(10, dtype=np.int16), ax=ax)
    with pytest.raises(ParameterError, match="y contains 1 non-finite value"):
        display.waveshow(np.array([0.0, np.nan]), ax=ax)
    with pytest.raises(ParameterError, match="y is empty"):
        display.waveshow(np.zeros(0, dtype=np.float32), ax=ax)
    with pytest.raises(ParameterError, match=r"shape \(n,\) or \(channels, n\)"):
        display.waveshow(np.zeros((2, 2, 2)), ax=ax)
    with pytest.raises(ParameterError, match="max_points=0 must be a positive integer"):
        display.waveshow(np.zeros(10), max_points=0, ax=ax)
    with pytest.raises(ParameterError, match="axis='mel' is not a time axis"):
        display.waveshow(np.zeros(10), axis="mel", ax=ax)


def test_spectrumshow_errors(ax):
    with pytest.raises(ParameterError, match="spectrum must be 1-D with at least 2 bins"):
        display.spectrumshow(np.zeros((3, 3)), ax=ax)
    with pytest.raises(ParameterError, match="x_scale='loglog' must be 'log' or 'linear'"):
        display.spectrumshow(np.ones(5), x_scale="loglog", ax=ax)
    with pytest.raises(ParameterError, match="spectrum has 5 bins but n_fft=16 gives 9"):
        display.spectrumshow(np.ones(5), n_fft=16, ax=ax)
    with pytest.raises(ParameterError, match=r"frequencies has shape \(3,\) but the spectrum"):
        display.spectrumshow(np.ones(5), frequencies=[1, 2, 3], ax=ax)
    with pytest.raises(ParameterError, match="spectrum must be a 1-D array or have a .magnitude"):
        display.spectrumshow(object(), ax=ax)


def test_formatter_errors():
    with pytest.raises(ParameterError, match="unit='days' must be one of"):
        TimeFormatter(unit="days")
    with pytest.raises(ParameterError, match="lag axes are not supported"):
        TimeFormatter(lag=True)


def test_specshow_ignores_librosa_only_keywords(ax):
    # librosa code may pass the keywords of axis types melforge does not draw.
    mesh = display.specshow(
        np.zeros((1025, 3)), y_axis="log", bins_per_octave=12, tuning=0.0, unicode=True, ax=ax
    )
    assert mesh.get_array().size == 1025 * 3


def test_every_librosa_keyword_is_a_parameter_or_ignored():
    import inspect

    librosa_display = pytest.importorskip("librosa.display")
    from melforge.display.spectrogram_plot import _LIBROSA_ONLY

    for name in ("specshow", "waveshow"):
        ours = set(inspect.signature(getattr(display, name)).parameters)
        theirs = set(inspect.signature(getattr(librosa_display, name)).parameters)
        assert theirs - ours <= (_LIBROSA_ONLY if name == "specshow" else set()), name
