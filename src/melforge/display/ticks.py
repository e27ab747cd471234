"""Axis scales, tick locators and tick formatters for time and frequency axes.

Time ticks land on round values (1-2-5 s, 10/15/30 s, whole minutes ...) and read as
seconds, ``m:ss`` or ``h:mm:ss``; frequency ticks read as Hz below 1 kHz and as ``2k``,
``4.5k`` above.  Log axes use librosa's symmetric-log scale (linear below C2, 65.4 Hz,
so the 0 Hz row stays visible); mel axes use the exact mel scale, so every mel band
is drawn at the same height.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from matplotlib import ticker as mticker

from melforge._errors import ParameterError

__all__ = [
    "TimeFormatter",
    "TimeLocator",
    "HzFormatter",
    "HzLocator",
    "TIME_AXES",
    "FREQ_AXES",
    "OFF_AXES",
    "decorate_axis",
    "set_axis_scale",
]

#: Axis types whose coordinates are seconds.
TIME_AXES = ("time", "s", "ms", "m", "h")
#: Axis types whose coordinates are Hz.
FREQ_AXES = ("linear", "hz", "fft", "log", "mel")
#: Axis types that hide the axis decoration.
OFF_AXES = (None, "none", "off")

_C2_HZ = 65.40639132514966  # librosa's note_to_hz("C2"): linear threshold of the log axis


def _nice_steps() -> np.ndarray:
    """Candidate tick spacings in seconds: 1-2-5 below a minute, clock steps above."""
    sub = [m * 10.0**e for e in range(-4, 1) for m in (1, 2, 5)]
    clock = [10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600]
    return np.array(sorted(set(sub + [float(c) for c in clock] + [1.0, 2.0, 5.0])))


_TIME_STEPS = _nice_steps()


class TimeLocator(mticker.Locator):
    """Place about ``nbins`` time ticks on round values (seconds, minutes, hours).

    Parameters
    ----------
    nbins : int
        The largest number of intervals between ticks.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from melforge.display import TimeFormatter, TimeLocator
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_xlim(0, 90)  # seconds
    >>> ax.xaxis.set_major_locator(TimeLocator())
    >>> ax.xaxis.set_major_formatter(TimeFormatter())
    >>> fig.canvas.draw()
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['0:00', '0:15', '0:30', '0:45', '1:00', '1:15', '1:30']
    """

    def __init__(self, nbins: int = 8) -> None:
        self.nbins = nbins

    def __call__(self) -> Any:
        """Return the tick locations for the current view interval."""
        vmin, vmax = self.axis.get_view_interval()  # type: ignore[union-attr]
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin: float, vmax: float) -> Any:
        """Return round tick values between ``vmin`` and ``vmax`` (seconds)."""
        vmin, vmax = min(vmin, vmax), max(vmin, vmax)
        span = vmax - vmin
        if not np.isfinite(span) or span <= 0:
            return np.array([vmin])
        ok = _TIME_STEPS[_TIME_STEPS >= span / self.nbins]
        step = ok[0] if ok.size else 10.0 ** np.ceil(np.log10(span / self.nbins))
        first = np.ceil(vmin / step - 1e-9) * step
        return np.arange(first, vmax + step * 1e-9, step)


def _time_unit(span: float) -> str:
    """Pick the display unit for a time span in seconds."""
    if span >= 3600:
        return "h"
    if span >= 60:
        return "m"
    if span >= 1:
        return "s"
    return "ms"


class TimeFormatter(mticker.Formatter):
    """Format seconds as ``ms``, seconds, ``m:ss`` or ``h:mm:ss``.

    Parameters
    ----------
    lag : bool
        Accepted for librosa compatibility; lag axes are not supported and ``True``
        raises ParameterError.
    unit : {None, "h", "m", "s", "ms"}
        Fixed unit, or None (default) to follow the visible span: ``h:mm:ss`` from one
        hour, ``m:ss`` from one minute, seconds from one second, else milliseconds.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from melforge.display import TimeFormatter
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_xlim(0, 90)
    >>> ax.xaxis.set_major_formatter(TimeFormatter())
    >>> fig.canvas.draw()
    >>> ax.xaxis.get_major_formatter()(75.0)  # the span is over a minute: m:ss
    '1:15'
    """

    def __init__(self, lag: bool = False, unit: Optional[str] = None) -> None:
        if unit not in ("h", "m", "s", "ms", None):
            raise ParameterError(f"{unit=} must be one of 'h', 'm', 's', 'ms' or None")
        if lag:
            raise ParameterError(f"{lag=}: lag axes are not supported by melforge.display")
        self.unit = unit
        self.lag = lag

    def _unit(self) -> str:
        if self.unit is not None:
            return self.unit
        vmin, vmax = self.axis.get_view_interval()  # type: ignore[union-attr]
        return _time_unit(abs(vmax - vmin))

    def __call__(self, x: float, pos: Optional[int] = None) -> str:
        """Return the label of the tick at ``x`` seconds."""
        return format_time(x, self._unit())


def format_time(x: float, unit: str) -> str:
    """Format ``x`` seconds in ``unit`` (``"h"``, ``"m"``, ``"s"`` or ``"ms"``).

    Parameters
    ----------
    x : float
        Time in seconds.
    unit : str
        ``"h"`` gives ``h:mm:ss``, ``"m"`` gives ``m:ss``, ``"s"`` seconds, ``"ms"``
        milliseconds (fractions of a second are kept when they are not zero).

    Returns
    -------
    str
        The label.
    """
    sign = "-" if x < 0 else ""
    value = abs(float(x))
    if unit in ("h", "m"):
        whole = int(np.floor(value + 1e-6))
        frac = value - whole
        secs = f"{whole % 60:02d}" + (f"{frac:.3g}"[1:] if frac > 1e-3 else "")
        if unit == "h":
            return f"{sign}{whole // 3600}:{(whole // 60) % 60:02d}:{secs}"
        return f"{sign}{whole // 60}:{secs}"
    if unit == "ms":
        return f"{sign}{round(value * 1000, 6):g}"
    return f"{sign}{round(value, 6):g}"


_TIME_LABELS = {"h": "Time (h:mm:ss)", "m": "Time (m:ss)", "s": "Time (s)", "ms": "Time (ms)"}


class HzFormatter(mticker.Formatter):
    """Format frequencies: ``440`` below 1 kHz, ``2k`` / ``4.5k`` above; blank below 0.

    Examples
    --------
    >>> from melforge.display import HzFormatter
    >>> f = HzFormatter()
    >>> [f(x) for x in (440, 2000, 4500, 12500)]
    ['440', '2k', '4.5k', '12.5k']
    """

    def __call__(self, x: float, pos: Optional[int] = None) -> str:
        """Return the label of the tick at ``x`` Hz."""
        return format_hz(x)


def format_hz(x: float) -> str:
    """Format ``x`` Hz compactly (``"0"``, ``"440"``, ``"2k"``, ``"12.5k"``).

    Parameters
    ----------
    x : float
        Frequency in Hz.

    Returns
    -------
    str
        The label; an empty string for negative values.
    """
    if x < 0:
        return ""
    if x >= 1000:
        return f"{round(x / 1000, 3):g}k"
    return f"{round(x, 3):g}"


class HzLocator(mticker.Locator):
    """Round frequency ticks (0, 1-2-5 x 10^k Hz) spread evenly on any axis scale.

    Candidates are taken in order of roundness (powers of ten, then 5s, then 2s) and
    kept when they are at least ``1 / max_ticks`` of the axis away, measured in the
    axis's own scale (log, symmetric log or mel), from every tick already kept.

    Parameters
    ----------
    max_ticks : int
        About the most ticks to place.

    Examples
    --------
    >>> from melforge.display import HzLocator
    >>> HzLocator().tick_values(0, 8000)  # round values: 0, 1-2-5 x 10^k
    array([   0., 1000., 2000., 5000.])
    """

    def __init__(self, max_ticks: int = 11) -> None:
        self.max_ticks = max_ticks

    def __call__(self) -> Any:
        """Return the tick locations for the current view interval."""
        vmin, vmax = self.axis.get_view_interval()  # type: ignore[union-attr]
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin: float, vmax: float) -> Any:
        """Return the chosen tick values between ``vmin`` and ``vmax`` (Hz)."""
        vmin, vmax = min(vmin, vmax), max(vmin, vmax)
        getter = getattr(self.axis, "get_transform", None)
        transform = getter() if getter is not None else None

        def scaled(v: np.ndarray) -> np.ndarray:
            if transform is None:
                return np.asarray(v, dtype=float)
            return np.asarray(transform.transform(np.asarray(v, dtype=float)))

        lo, hi = scaled(np.array([vmin, vmax]))
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
            return np.array([])
        gap = (hi - lo) / self.max_ticks
        chosen: list[float] = []
        chosen_s: list[float] = []
        decades = [10.0**e for e in range(-1, 6)]
        candidates = [0.0] + decades + [5 * d for d in decades] + [2 * d for d in decades]
        for c in candidates:
            if not (vmin <= c <= vmax):
                continue
            s = float(scaled(np.array([c]))[0])
            if np.isfinite(s) and all(abs(s - t) >= gap for t in chosen_s):
                chosen.append(c)
                chosen_s.append(s)
        return np.array(sorted(chosen))


def set_axis_scale(ax: Any, ax_type: Optional[str], which: str, *, htk: bool = False) -> None:
    """Give a log or mel axis its scale (linear and time axes are left alone).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    ax_type : str or None
        ``"log"`` sets librosa's symmetric log scale (base 2, linear below C2 = 65.4 Hz,
        linear part half an octave wide); ``"mel"`` sets the exact mel scale (Slaney,
        or HTK when ``htk``).
    which : {"x", "y"}
        The axis to scale.
    htk : bool
        Use the HTK mel formula for a mel axis.
    """
    setter = ax.set_xscale if which == "x" else ax.set_yscale
    if ax_type == "log":
        setter("symlog", base=2, linthresh=_C2_HZ, linscale=0.5)
    elif ax_type == "mel":
        from melforge.convert import hz_to_mel, mel_to_hz

        def forward(f: Any) -> Any:
            return hz_to_mel(np.maximum(np.asarray(f, dtype=float), 0.0), htk=htk)

        def inverse(m: Any) -> Any:
            return mel_to_hz(np.maximum(np.asarray(m, dtype=float), 0.0), htk=htk)

        setter("function", functions=(forward, inverse))


def decorate_axis(axis: Any, ax_type: Optional[str], *, span: float = 0.0) -> None:
    """Set the tick locator, tick formatter and label of one axis.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        ``ax.xaxis`` or ``ax.yaxis``.
    ax_type : str or None
        One of :data:`TIME_AXES`, :data:`FREQ_AXES`, ``"frames"`` or None/"none"/"off".
    span : float
        Extent of the data along the axis in seconds; picks the time label's unit
        when ``ax_type == "time"``.
    """
    if ax_type in TIME_AXES:
        unit = _time_unit(span) if ax_type == "time" else ax_type
        axis.set_major_locator(TimeLocator())
        axis.set_major_formatter(TimeFormatter(unit=unit))
        axis.set_label_text(_TIME_LABELS[unit])
    elif ax_type in ("log", "mel"):
        axis.set_major_locator(HzLocator())
        axis.set_major_formatter(HzFormatter())
        axis.set_minor_locator(mticker.NullLocator())
        axis.set_label_text("Frequency (Hz)")
    elif ax_type in ("linear", "hz", "fft"):
        axis.set_major_locator(mticker.MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
        axis.set_major_formatter(HzFormatter())
        axis.set_label_text("Frequency (Hz)")
    elif ax_type == "frames":
        axis.set_label_text("Frames")
    elif ax_type in OFF_AXES:
        axis.set_label_text("")
        axis.set_ticks([])
    else:
        raise ParameterError(
            f"axis type {ax_type!r} is not supported; use one of "
            f"{', '.join(repr(t) for t in TIME_AXES + FREQ_AXES + ('frames',))} or None"
        )
