"""``spectrumshow``: the frequency spectrum of one segment, amplitude in dB over Hz."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Optional, Union

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_positive_number, check_sr
from melforge.display.spectrogram_plot import _check_axes
from melforge.display.ticks import HzFormatter, HzLocator

__all__ = ["spectrumshow"]

_VALUE_NAMES = ("magnitude", "amplitude", "S", "values", "data")
_FREQ_NAMES = ("frequencies", "freqs", "f")


def _unpack(spectrum: Any) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Return (values, frequencies or None) from an array or a Spectrum-like object."""
    if isinstance(spectrum, np.ndarray) or isinstance(spectrum, (list, tuple)):
        return np.asarray(spectrum), None
    freqs = next(
        (getattr(spectrum, a) for a in _FREQ_NAMES if getattr(spectrum, a, None) is not None),
        None,
    )
    values = next(
        (getattr(spectrum, a) for a in _VALUE_NAMES if getattr(spectrum, a, None) is not None),
        None,
    )
    if values is None:
        raise ParameterError(
            "spectrum must be a 1-D array or have a .magnitude array; "
            f"got {type(spectrum).__name__}"
        )
    return np.asarray(values), None if freqs is None else np.asarray(freqs, dtype=np.float64)


def spectrumshow(
    spectrum: Any,
    *,
    sr: float = 22050,
    n_fft: Optional[int] = None,
    frequencies: Any = None,
    ax: Any = None,
    x_scale: str = "log",
    db: bool = True,
    ref: Union[float, Callable[[np.ndarray], Any]] = np.max,
    amin: float = 1e-10,
    **kwargs: Any,
) -> Any:
    """Plot one spectrum: amplitude (in dB by default) against frequency in Hz.

    Parameters
    ----------
    spectrum : np.ndarray [shape=(n_bins,)] or Spectrum-like
        Magnitudes (complex values are reduced to magnitudes) of the bins
        ``0 .. n_fft // 2``, e.g. ``np.abs(np.fft.rfft(segment * window))``; or an
        object with a ``magnitude`` array and, optionally, ``frequencies``.
    sr : float > 0
        Sample rate in Hz, for the frequency of each bin (22050 by default).
    n_fft : int or None
        FFT size; inferred as ``2 * (n_bins - 1)``.
    frequencies : np.ndarray [shape=(n_bins,)] or None
        Explicit bin frequencies in Hz (overrides ``sr`` and ``n_fft``).
    ax : matplotlib.axes.Axes or None
        Where to draw; default: the current pyplot axes.
    x_scale : {"log", "linear"}
        Frequency axis scale.  On ``"log"`` the 0 Hz bin is not drawn.
    db : bool
        If True (default) plot ``20 * log10(max(|X|, amin) / ref)``; if False plot the
        values as given (linear magnitudes, or dB you computed yourself).
    ref : float or callable
        Reference for 0 dB: a value, or a function of the magnitudes; ``np.max``
        (default) puts the highest peak at 0 dB.
    amin : float > 0
        Floor of the magnitudes before taking the log (1e-10, -200 dB).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` (``color``, ``label`` ...).

    Returns
    -------
    matplotlib.lines.Line2D
        The spectrum's line.

    Raises
    ------
    ParameterError
        For a spectrum that is not 1-D, mismatched ``frequencies``, or an unknown
        ``x_scale``.

    Warns
    -----
    UserWarning
        With ``db=True``, when no bin exceeds ``amin`` (a silent segment): the line is
        then flat (at 0 dB with ``ref=np.max``), which would otherwise look like a
        loud white spectrum.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> seg = y[:4096] * np.hanning(4096)
    >>> line = melforge.display.spectrumshow(np.abs(np.fft.rfft(seg)), sr=sr)
    """
    values, own_freqs = _unpack(spectrum)
    values = np.squeeze(values)
    if values.ndim != 1 or values.size < 2:
        raise ParameterError(
            f"spectrum must be 1-D with at least 2 bins; got shape {np.shape(values)}"
        )
    if x_scale not in ("log", "linear"):
        raise ParameterError(f"{x_scale=} must be 'log' or 'linear'")
    sr = check_sr(sr)
    amin = check_positive_number("amin", amin)
    if frequencies is not None:
        freqs = np.asarray(frequencies, dtype=np.float64)
    elif own_freqs is not None:
        freqs = own_freqs
    else:
        nfft = 2 * (values.size - 1) if n_fft is None else int(n_fft)
        if nfft // 2 + 1 != values.size:
            raise ParameterError(
                f"spectrum has {values.size} bins but n_fft={n_fft} gives {nfft // 2 + 1}"
            )
        freqs = np.arange(values.size, dtype=np.float64) * (sr / nfft)
    if freqs.shape != values.shape:
        raise ParameterError(
            f"frequencies has shape {freqs.shape} but the spectrum has {values.shape}"
        )
    mag = np.abs(values) if np.iscomplexobj(values) else values
    if db:
        mag = np.abs(mag)
        if not np.any(mag > amin):
            warnings.warn(
                f"every bin of the spectrum is at or below amin={amin:g} (silence); "
                "it is drawn as a flat line",
                stacklevel=2,
            )
        r = float(ref(mag)) if callable(ref) else float(ref)
        level: np.ndarray = 20.0 * np.log10(np.maximum(mag, amin)) - 20.0 * np.log10(max(r, amin))
    else:
        level = mag
    keep = freqs > 0 if x_scale == "log" else np.ones(freqs.shape, dtype=bool)

    axes = _check_axes(ax)
    (line,) = axes.plot(freqs[keep], level[keep], **kwargs)
    axes.set_xscale(x_scale)
    axes.set_xlim(freqs[keep][0], freqs[keep][-1])
    axes.xaxis.set_major_locator(HzLocator())
    axes.xaxis.set_major_formatter(HzFormatter())
    if x_scale == "log":
        from matplotlib.ticker import NullLocator

        axes.xaxis.set_minor_locator(NullLocator())
    shown = level[keep][np.isfinite(level[keep])]
    if db and shown.size:
        top = float(shown.max())
        bottom = max(float(shown.min()), top - 140.0)  # at most 140 dB of range
        if top - bottom < 1.0:  # a flat (e.g. silent) spectrum
            bottom, top = bottom - 10.0, top + 10.0
        axes.set_ylim(bottom - 0.03 * (top - bottom), top + 0.05 * (top - bottom))
    axes.set_xlabel("Frequency (Hz)")
    axes.set_ylabel("Amplitude (dB)" if db else "Amplitude")
    axes.grid(True, which="major", alpha=0.3)
    return line
