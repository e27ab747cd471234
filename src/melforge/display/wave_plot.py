"""``waveshow``: a waveform that stays fast and faithful for hours of audio.

Zoomed out, the signal is drawn as its min/max envelope over at most ``max_points``
blocks, so every peak stays visible and an hour of audio draws in a fraction of a
second; zoomed in to ``max_points`` samples or fewer, the samples themselves are drawn
as steps.  The switch happens on every change of the view (interactive zoom included).
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_audio_array, check_positive_int, check_sr
from melforge.display.spectrogram_plot import _check_axes
from melforge.display.ticks import OFF_AXES, TIME_AXES, decorate_axis

__all__ = ["waveshow", "AdaptiveWaveplot", "envelope"]

_UNSET: Any = object()


def envelope(y: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the per-block minimum and maximum of a 1-D signal.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The samples.
    block : int > 0
        Samples per block.  The last block may be shorter; it is kept, so a peak in
        the final samples is never lost.

    Returns
    -------
    lo, hi : np.ndarray [shape=(ceil(n / block),)]
        Minimum and maximum of each block, in ``y``'s dtype.
    """
    n_full = (y.size // block) * block
    body = y[:n_full].reshape(-1, block)
    lo, hi = body.min(axis=1), body.max(axis=1)
    if n_full < y.size:
        tail = y[n_full:]
        lo = np.append(lo, tail.min())
        hi = np.append(hi, tail.max())
    return lo, hi


class AdaptiveWaveplot:
    """Switch a waveform between its envelope and its samples as the view changes.

    Made by :func:`waveshow`; you do not need to build one yourself.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        The samples drawn in the sample view (the first channel).
    steps : matplotlib.lines.Line2D
        The sample-view artist.
    envelope : matplotlib.collections.PolyCollection
        The envelope-view artist.
    sr : float
        Sample rate in Hz.
    offset : float
        Time of the first sample in seconds.
    max_samples : int
        The sample view is used when the view spans at most this many samples.
    transpose : bool
        Time runs along the y axis.

    Examples
    --------
    >>> import matplotlib.pyplot as plt, melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> fig, ax = plt.subplots()
    >>> wave = melforge.display.waveshow(y, sr=sr, ax=ax)
    >>> wave.envelope.get_visible(), wave.steps.get_visible()  # zoomed out: the envelope
    (True, False)
    >>> _ = ax.set_xlim(1.0, 1.02)  # 20 ms: the samples themselves
    >>> wave.envelope.get_visible(), wave.steps.get_visible()
    (False, True)
    """

    def __init__(
        self,
        y: np.ndarray,
        steps: Any,
        envelope: Any,
        *,
        sr: float,
        offset: float = 0.0,
        max_samples: int = 11025,
        transpose: bool = False,
    ) -> None:
        self.samples = y
        self.steps = steps
        self.envelope = envelope
        self.sr = float(sr)
        self.offset = float(offset)
        self.max_samples = int(max_samples)
        self.transpose = transpose
        self.ax: Any = None
        self.cid: Optional[int] = None
        self._window = (0, min(y.size, self.max_samples))

    def times(self, start: int, stop: int) -> np.ndarray:
        """Return the times in seconds of samples ``start`` to ``stop - 1``."""
        return self.offset + np.arange(start, stop) / self.sr

    def connect(self, ax: Any, *, signal: str = "xlim_changed") -> None:
        """Call :meth:`update` whenever ``ax``'s view limits change."""
        self.disconnect()
        self.ax = ax
        # A closure, not the bound method: matplotlib keeps bound methods only weakly, and
        # the adaptor must live as long as the axes even when the caller drops it.
        self.cid = ax.callbacks.connect(signal, lambda axes: self.update(axes))

    def disconnect(self, *, strict: bool = False) -> None:
        """Stop following the view limits.

        Parameters
        ----------
        strict : bool
            Also drop the reference to the axes (librosa's ``strict=``); by default
            only the callback is removed.
        """
        if self.ax is not None and self.cid is not None:
            self.ax.callbacks.disconnect(self.cid)
        self.cid = None
        if strict:
            self.ax = None

    def update(self, ax: Any) -> None:
        """Show the samples or the envelope for ``ax``'s current view."""
        lims = ax.viewLim
        start, end = (lims.y0, lims.y1) if self.transpose else (lims.x0, lims.x1)
        if abs(end - start) * self.sr <= self.max_samples:
            self.envelope.set_visible(False)
            self.steps.set_visible(True)
            lo_t, hi_t = min(start, end), max(start, end)
            w0, w1 = self._window
            first_t, last_t = self.offset + w0 / self.sr, self.offset + (w1 - 1) / self.sr
            if lo_t < first_t or hi_t > last_t:
                mid = 0.5 * (lo_t + hi_t) - self.offset
                i0 = int(np.clip(round(mid * self.sr - 0.5 * self.max_samples), 0, None))
                i1 = min(self.samples.size, i0 + self.max_samples)
                i0 = max(0, i1 - self.max_samples)
                t, v = self.times(i0, i1), self.samples[i0:i1]
                self.steps.set_data((v, t) if self.transpose else (t, v))
                self._window = (i0, i1)
        else:
            self.envelope.set_visible(True)
            self.steps.set_visible(False)
        # No explicit redraw: the changed artists mark the figure stale, and interactive
        # canvases redraw stale figures after a zoom (a forced draw here would render the
        # whole figure once per call on non-interactive canvases).


def waveshow(
    y: np.ndarray,
    *,
    sr: float = 22050,
    max_points: int = 11025,
    axis: Optional[str] = "time",
    offset: float = 0.0,
    marker: Any = "",
    where: str = "post",
    label: Optional[str] = None,
    transpose: bool = False,
    ax: Any = None,
    x_axis: Any = _UNSET,
    **kwargs: Any,
) -> AdaptiveWaveplot:
    """Plot a waveform: its envelope when zoomed out, its samples when zoomed in.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (channels, n)]
        Floating-point audio.  For mono, the envelope is the true per-block minimum
        and maximum; for several channels, the first channel's peak magnitude is drawn
        above zero and the last channel's below (librosa's stereo view).
    sr : float > 0
        Sample rate in Hz (22050 by default).
    max_points : int > 0
        At most this many envelope blocks are drawn, and the samples are drawn when
        the view spans this many samples or fewer (11025 = 0.5 s at 22.05 kHz).
    axis : str or None
        Time axis type: ``"time"`` (adaptive ms / s / m:ss / h:mm:ss), ``"s"``,
        ``"ms"``, ``"m"``, ``"h"``, or None / ``"none"`` / ``"off"`` for no ticks.
    offset : float
        Time of the first sample in seconds.
    marker : str
        Marker for each sample in the sample view (e.g. ``"."``).
    where : {"pre", "mid", "post"}
        Step placement, as in :func:`matplotlib.pyplot.step`.
    label : str or None
        Legend label of the envelope.
    transpose : bool
        Draw time along the y axis.
    ax : matplotlib.axes.Axes or None
        Where to draw; default: the current pyplot axes.
    x_axis : str or None
        Deprecated alias of ``axis`` (as in librosa); warns.
    **kwargs
        Passed to both :meth:`~matplotlib.axes.Axes.step` and
        :meth:`~matplotlib.axes.Axes.fill_between` (``color``, ``alpha`` ...).

    Returns
    -------
    AdaptiveWaveplot
        Holds the two artists (``.steps``, ``.envelope``) and the zoom callback.

    Raises
    ------
    ParameterError
        If ``y`` is not floating-point 1-D/2-D finite audio, ``max_points`` is not
        positive, or ``axis`` is not a time axis type.

    Notes
    -----
    Differences from librosa 0.11: the mono envelope is min/max rather than
    +/- peak magnitude (asymmetric signals look as they are); the last partial block
    is kept (librosa drops up to ``hop - 1`` final samples); on fresh axes the x range
    is set to exactly the signal's duration; only time axis types are supported.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> wave = melforge.display.waveshow(y, sr=sr)  # an AdaptiveWaveplot
    """
    if x_axis is not _UNSET:
        warnings.warn(
            "waveshow(x_axis=...) is deprecated (as in librosa 0.10); use axis=...",
            FutureWarning,
            stacklevel=2,
        )
        axis = x_axis
    y = check_audio_array(y)
    if y.ndim > 2:
        raise ParameterError(f"y must have shape (n,) or (channels, n); got {y.shape}")
    if y.shape[-1] == 0:
        raise ParameterError("y is empty; there is nothing to plot")
    sr = check_sr(sr)
    max_points = check_positive_int("max_points", max_points)
    if axis not in TIME_AXES and axis not in OFF_AXES:
        raise ParameterError(
            f"{axis=} is not a time axis; use one of {', '.join(map(repr, TIME_AXES))} or None"
        )
    y2 = y.reshape(1, -1) if y.ndim == 1 else y
    n = y2.shape[-1]
    block = max(1, -(-n // max_points))
    if y2.shape[0] == 1:
        bottom, top = envelope(y2[0], block)
    else:
        lo0, hi0 = envelope(y2[0], block)
        lo1, hi1 = envelope(y2[-1], block)
        top, bottom = np.maximum(hi0, -lo0), -np.maximum(hi1, -lo1)
    t_env = offset + np.append(np.arange(top.size) * block, n) / sr
    top, bottom = np.append(top, top[-1]), np.append(bottom, bottom[-1])

    axes = _check_axes(ax)
    fresh = not axes.has_data()
    head = y2[0, :max_points]
    t_head = offset + np.arange(head.size) / sr
    xs, ys = (head, t_head) if transpose else (t_head, head)
    (steps,) = axes.step(xs, ys, marker=marker, where=where, **kwargs)
    kwargs.setdefault("color", steps.get_color())
    fill = axes.fill_betweenx if transpose else axes.fill_between
    env = fill(t_env, bottom, top, step=where, label=label, **kwargs)
    adaptor = AdaptiveWaveplot(
        y2[0], steps, env, sr=sr, offset=offset, max_samples=max_points, transpose=transpose
    )
    adaptor.connect(axes, signal="ylim_changed" if transpose else "xlim_changed")
    if fresh:
        (axes.set_ylim if transpose else axes.set_xlim)(offset, offset + n / sr)
    adaptor.update(axes)
    decorate_axis(axes.yaxis if transpose else axes.xaxis, axis, span=n / sr)
    return adaptor
