"""waveshow: the envelope keeps every peak, long signals are fast, zoom shows samples."""

from __future__ import annotations

import time

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from melforge import display  # noqa: E402

SR = 22050


def _axes():
    fig = Figure(figsize=(10, 3))
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _env_bounds(adaptor) -> tuple[float, float]:
    verts = np.concatenate([p.vertices for p in adaptor.envelope.get_paths()])
    return float(verts[:, 1].min()), float(verts[:, 1].max())


def test_one_hour_is_fast_and_keeps_every_peak():
    n = 3600 * SR + 123  # one hour plus a partial last block
    y = np.zeros(n, dtype=np.float32)
    rng = np.random.default_rng(1)
    spots = rng.integers(0, n, size=2000)
    y[spots] = rng.uniform(-0.5, 0.5, size=spots.size).astype(np.float32)
    y[1_234_567] = 0.9  # the global max, a single sample
    y[n - 3] = -0.95  # the global min, in the final partial block
    fig, ax = _axes()
    t0 = time.perf_counter()
    adaptor = display.waveshow(y, sr=SR, ax=ax)
    fig.canvas.draw()
    elapsed = time.perf_counter() - t0
    lo, hi = _env_bounds(adaptor)
    assert hi == pytest.approx(float(y.max()), abs=0) and lo == pytest.approx(float(y.min()), abs=0)
    assert adaptor.envelope.get_visible() and not adaptor.steps.get_visible()
    assert ax.get_xlim() == pytest.approx((0.0, n / SR))
    assert ax.get_xlabel() == "Time (h:mm:ss)"
    assert elapsed < 2.0, f"one hour took {elapsed:.2f} s"  # about 0.3 s when the machine is idle


def test_envelope_is_min_max_for_mono():
    t = np.arange(SR * 2) / SR
    y = (0.8 * np.sin(2 * np.pi * 5 * t) ** 2 - 0.1).astype(np.float32)  # from -0.1 to 0.7
    fig, ax = _axes()
    lo, hi = _env_bounds(display.waveshow(y, sr=SR, ax=ax, max_points=500))
    assert lo == pytest.approx(float(y.min()), abs=1e-7)
    assert hi == pytest.approx(float(y.max()), abs=1e-7)


def test_stereo_envelope_left_above_right_below():
    left = np.full(SR, 0.3, dtype=np.float32)
    right = np.full(SR, -0.6, dtype=np.float32)
    fig, ax = _axes()
    lo, hi = _env_bounds(display.waveshow(np.stack([left, right]), sr=SR, ax=ax))
    assert hi == pytest.approx(0.3) and lo == pytest.approx(-0.6)


def test_zoom_switches_to_samples():
    y = np.sin(np.arange(SR * 10) / 10.0).astype(np.float32)
    fig, ax = _axes()
    adaptor = display.waveshow(y, sr=SR, ax=ax, marker=".")
    assert adaptor.envelope.get_visible()
    ax.set_xlim(5.0, 5.01)  # 220 samples in view
    assert adaptor.steps.get_visible() and not adaptor.envelope.get_visible()
    x = adaptor.steps.get_xdata()
    assert x[0] <= 5.0 and x[-1] >= 5.01
    i = int(np.searchsorted(x, 5.005))
    assert adaptor.steps.get_ydata()[i] == y[round((x[i]) * SR)]
    ax.set_xlim(0, 10)
    assert adaptor.envelope.get_visible()


def test_offset_transpose_and_axis_options():
    y = np.zeros(SR, dtype=np.float32)
    fig, ax = _axes()
    display.waveshow(y, sr=SR, ax=ax, offset=2.0, transpose=True, axis="ms")
    assert ax.get_ylim() == pytest.approx((2.0, 3.0))
    assert ax.get_ylabel() == "Time (ms)"
    fig, ax = _axes()
    display.waveshow(y, sr=SR, ax=ax, axis=None)
    assert ax.get_xticks().size == 0
    fig, ax = _axes()
    with pytest.warns(FutureWarning, match="use axis="):
        display.waveshow(y, sr=SR, ax=ax, x_axis="s")
    assert ax.get_xlabel() == "Time (s)"


def test_label_and_color_pass_through():
    fig, ax = _axes()
    adaptor = display.waveshow(
        np.zeros(100, dtype=np.float32), sr=SR, ax=ax, color="r", alpha=0.5, label="x"
    )
    assert adaptor.envelope.get_label() == "x"
    assert adaptor.steps.get_color() == "r"


def test_pyplot_current_axes():
    import matplotlib.pyplot as plt

    plt.figure()
    try:
        display.waveshow(np.zeros(SR, dtype=np.float32), sr=SR)
        img = display.specshow(np.zeros((5, 5)), x_axis="time", y_axis="linear")
        assert plt.gci() is img
    finally:
        plt.close("all")


def test_zoom_works_when_the_result_is_dropped():
    import gc

    y = np.sin(np.arange(SR * 4) / 10.0).astype(np.float32)
    fig, ax = _axes()
    display.waveshow(y, sr=SR, ax=ax)  # result not kept, as in most scripts
    gc.collect()
    ax.set_xlim(2.5, 2.51)
    (line,) = ax.lines
    assert line.get_visible() and line.get_xdata()[0] <= 2.5 <= line.get_xdata()[-1]


def test_importing_display_does_not_import_pyplot():
    import subprocess
    import sys

    code = "import sys, melforge.display; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
