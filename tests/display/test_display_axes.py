"""Axis correctness, read back from rendered pixels: a 440 Hz tone appears at 440 Hz."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure as _Figure  # noqa: E402

from melforge import display  # noqa: E402
from melforge.display.coords import axis_centers, axis_edges  # noqa: E402
from melforge.display.ticks import format_hz, format_time  # noqa: E402

SR = 22050
N_FFT = 2048
HOP = 512


def Figure(**kw):  # noqa: N802 - a Figure with an Agg canvas attached
    fig = _Figure(**kw)
    FigureCanvasAgg(fig)
    return fig


def _tone_power(freq: float = 440.0, seconds: float = 2.0) -> np.ndarray:
    """|STFT|^2 of a sine, computed with numpy (frames x Hann window)."""
    t = np.arange(int(SR * seconds)) / SR
    y = np.sin(2 * np.pi * freq * t)
    n_frames = 1 + (y.size - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    frames = y[idx] * np.hanning(N_FFT + 1)[:-1]
    return (np.abs(np.fft.rfft(frames, axis=1)) ** 2).T


def _db(p: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(p, 1e-10) / p.max())


def _render(data, **kw):
    fig = Figure(figsize=(6, 8), dpi=100)
    ax = fig.add_subplot()
    display.specshow(data, ax=ax, cmap="gray", vmin=-80, vmax=0, **kw)
    return fig, ax


def _brightest(fig, ax, which: str) -> float:
    """Data coordinate of the centre of the brightest pixel row (y) or column (x)."""
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())[..., 0].astype(float)
    h = buf.shape[0]
    bb = ax.get_window_extent()
    x0, x1, y0, y1 = int(bb.x0) + 2, int(bb.x1) - 2, int(bb.y0) + 2, int(bb.y1) - 2
    region = buf[h - y1 : h - y0, x0:x1]
    prof = region.mean(axis=1 if which == "y" else 0)
    best = np.flatnonzero(prof >= prof.max() - 1e-6).mean()
    inv = ax.transData.inverted()
    if which == "y":
        return float(inv.transform((0.5 * (x0 + x1), y1 - best - 0.5))[1])
    return float(inv.transform((x0 + best + 0.5, 0.5 * (y0 + y1)))[0])


@pytest.mark.parametrize("y_axis", ["linear", "hz", "fft", "log"])
def test_440_hz_on_fft_axes(y_axis):
    fig, ax = _render(_db(_tone_power()), x_axis="time", y_axis=y_axis, sr=SR, hop_length=HOP)
    ax.set_ylim(300, 600)
    hz = _brightest(fig, ax, "y")
    half_bin = SR / N_FFT / 2  # 5.38 Hz
    assert abs(hz - 440) <= half_bin, (y_axis, hz)


@pytest.mark.parametrize(("fmax", "htk"), [(None, False), (8000.0, False), (8000.0, True)])
def test_440_hz_on_mel_axis(fmax, htk):
    import librosa  # oracle for the mel filterbank only

    basis = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=128, fmax=fmax, htk=htk)
    mel_db = _db(basis @ _tone_power())
    fig, ax = _render(mel_db, x_axis="time", y_axis="mel", sr=SR, fmax=fmax, htk=htk)
    ax.set_ylim(200, 1000)
    hz = _brightest(fig, ax, "y")
    # half a mel band at 440 Hz, in Hz
    centers = axis_centers("mel", 128, sr=SR, fmax=fmax, htk=htk)
    k = int(np.argmin(np.abs(centers - 440)))
    half_band = 0.5 * (centers[k + 1] - centers[k - 1]) / 2
    assert abs(hz - 440) <= half_band, (hz, half_band)
    # and the brightest row of the data is the row drawn at 440 Hz
    assert abs(centers[int(np.argmax(mel_db[:, 10]))] - 440) <= half_band


def test_mel_centers_are_filter_peaks():
    import librosa

    basis = librosa.filters.mel(sr=SR, n_fft=8192, n_mels=40, fmax=8000)
    freqs = np.fft.rfftfreq(8192, 1 / SR)
    peaks = freqs[np.argmax(basis, axis=1)]
    centers = axis_centers("mel", 40, sr=SR, fmax=8000)
    assert np.max(np.abs(peaks - centers)) <= SR / 8192  # within one fine FFT bin (2.7 Hz)


@pytest.mark.parametrize(
    ("x_axis", "label"),
    [("time", "Time (s)"), ("s", "Time (s)"), ("ms", "Time (ms)"), ("frames", "Frames")],
)
def test_click_at_2_seconds_on_time_axis(x_axis, label):
    data = np.full((64, 216), -80.0)
    frame = round(2.0 * SR / HOP)  # frame 86 is centred at 1.997 s
    data[:, frame] = 0.0
    fig, ax = _render(data, x_axis=x_axis, sr=SR, hop_length=HOP)
    assert ax.get_xlabel() == label
    if x_axis == "frames":  # data coordinates are frame indices
        ax.set_xlim(frame - 20, frame + 20)
        assert abs(_brightest(fig, ax, "x") - frame) <= 0.5  # half a frame
        return
    # "ms" labels the ticks in milliseconds; the data coordinates stay seconds
    ax.set_xlim(1.5, 2.5)
    t = _brightest(fig, ax, "x")
    assert abs(t - 2.0) <= 0.5 * HOP / SR  # half a hop, 11.6 ms
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert ("2000" if x_axis == "ms" else "2") in labels, labels


def test_edges_bracket_centres():
    for ax_type, n, kw in [
        ("time", 10, {}),
        ("linear", 1025, {}),
        ("log", 513, {"n_fft": 1024}),
        ("mel", 128, {"fmax": 8000}),
        ("frames", 5, {}),
        (None, 3, {}),
    ]:
        c = axis_centers(ax_type, n, sr=SR, hop_length=HOP, **kw)
        e = axis_edges(ax_type, n, sr=SR, hop_length=HOP, **kw)
        assert e.shape == (n + 1,) and np.all(np.diff(e) > 0)
        assert np.all((e[:-1] <= c) & (c <= e[1:])), ax_type
    e = axis_edges("linear", 1025, sr=SR)
    assert e[0] == 0.0 and e[-1] == SR / 2


@pytest.mark.parametrize(
    ("seconds", "unit", "label"),
    [(0.5, "ms", "0.125"), (5.0, "s", "2"), (90.0, "m", "1:00"), (7200.0, "h", "1:00:00")],
)
def test_time_ticks_read_naturally(seconds, unit, label):
    hop = max(1, int(seconds * SR / 200))  # 200 frames whatever the duration
    fig = Figure(figsize=(8, 3))
    ax = fig.add_subplot()
    display.specshow(np.zeros((2, 201)), x_axis="time", sr=SR, hop_length=hop, ax=ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    names = {"ms": "Time (ms)", "s": "Time (s)", "m": "Time (m:ss)", "h": "Time (h:mm:ss)"}
    assert ax.get_xlabel() == names[unit]
    if unit == "ms":
        assert "100" in labels or "200" in labels, labels
    else:
        assert label in labels, labels


def test_formatters():
    assert format_time(75, "m") == "1:15"
    assert format_time(3725, "h") == "1:02:05"
    assert format_time(0.25, "s") == "0.25"
    assert format_time(0.25, "ms") == "250"
    assert format_time(62.5, "m") == "1:02.5"
    assert [format_hz(f) for f in (0, 440, 1000, 2500, 12500, -1)] == [
        "0", "440", "1k", "2.5k", "12.5k", "",
    ]


def test_frequency_ticks_in_hz_and_khz():
    fig = Figure(figsize=(6, 4))
    for i, y_axis in enumerate(["linear", "log", "mel"]):
        ax = fig.add_subplot(1, 3, i + 1)
        display.specshow(np.zeros((1025, 4)), y_axis=y_axis, sr=SR, ax=ax)
    fig.canvas.draw()
    for ax in fig.axes:
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert "0" in labels and any(lab.endswith("k") for lab in labels), labels
        assert ax.get_ylabel() == "Frequency (Hz)"


@pytest.mark.parametrize("sr", [16000, 22050, 44100, 48000, 96000])
def test_log_axis_ticks_every_1_2_5_step_at_common_rates(sr):
    # At 44.1 kHz the locator once kept only 0, 100, 1k, 10k (an octave was just under
    # its minimum spacing); a 4-inch log axis has room for the 1-2-5 steps at every rate.
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot()
    display.specshow(np.zeros((1025, 4)), y_axis="log", sr=sr, ax=ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert {"100", "200", "500", "1k", "2k", "5k"} <= set(labels), labels


def test_colorbar_reads_db():
    fig = Figure()
    ax = fig.add_subplot()
    img = display.specshow(np.linspace(-80, 0, 40).reshape(4, 10), ax=ax)
    cbar = display.colorbar(img)
    fig.canvas.draw()
    labels = [t.get_text() for t in cbar.ax.get_yticklabels()]
    assert "-40 dB" in labels and "+0 dB" in labels, labels


def test_cmap_choice():
    assert display.cmap(np.array([-80.0, 0.0])).name == "magma"
    assert display.cmap(np.array([-5.0, 3.0])).name == "coolwarm"
    assert display.cmap(np.array([True, False])).name == "gray_r"
