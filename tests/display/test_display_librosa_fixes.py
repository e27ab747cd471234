"""Display behaviour that follows librosa 0.11's documented behaviour (issue 13)."""

from __future__ import annotations

import inspect

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from melforge import display  # noqa: E402

librosa = pytest.importorskip("librosa")


def _axes():
    fig = Figure(figsize=(6, 3))
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def test_specshow_complex_input_warns_as_librosa_and_shows_magnitude() -> None:
    data = (np.arange(20.0).reshape(4, 5) * (1 - 1j)).astype(np.complex64)
    with pytest.warns(
        UserWarning, match="Trying to display complex-valued input. Showing magnitude"
    ):
        ours = display.specshow(data, ax=_axes())
    import librosa.display

    with pytest.warns(
        UserWarning, match="Trying to display complex-valued input. Showing magnitude"
    ):
        ref = librosa.display.specshow(data, ax=_axes())
    np.testing.assert_allclose(ours.get_array(), ref.get_array())  # both show |data|


def test_waveshow_adaptor_disconnect_takes_strict() -> None:
    ours = inspect.signature(display.waveshow(np.zeros(100, np.float32), ax=_axes()).disconnect)
    theirs = inspect.signature(librosa.display.AdaptiveWaveplot.disconnect)
    assert list(ours.parameters) == [p for p in theirs.parameters if p != "self"]
    assert ours.parameters["strict"].kind is inspect.Parameter.KEYWORD_ONLY
    assert ours.parameters["strict"].default is False

    ax = _axes()
    adaptor = display.waveshow(np.random.default_rng(0).standard_normal(50000).astype(np.float32),
                               sr=22050, ax=ax)  # fmt: skip
    adaptor.disconnect()
    assert adaptor.ax is ax  # default: only the callback goes
    adaptor.connect(ax)
    adaptor.disconnect(strict=True)
    assert adaptor.ax is None and adaptor.cid is None
    ax.set_xlim(0.0, 0.01)  # no callback left: nothing happens, nothing raises
