"""``specshow``: a spectrogram (or any 2-D feature) as an image with physical axes."""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_positive_int, check_sr
from melforge.display.coords import axis_edges, coords_to_edges
from melforge.display.ticks import decorate_axis, set_axis_scale

__all__ = ["specshow", "cmap", "colorbar"]

# librosa.display.specshow keywords that only configure axis types melforge does not draw
# (tempo, chroma, CQT note, svara, interval axes, which raise ParameterError anyway).
_LIBROSA_ONLY = frozenset(
    ("tempo_min", "tempo_max", "tuning", "bins_per_octave", "key", "Sa", "mela", "thaat")
    + ("unicode", "intervals", "unison")
)


def cmap(
    data: Any,
    *,
    robust: bool = True,
    cmap_seq: str = "magma",
    cmap_bool: str = "gray_r",
    cmap_div: str = "coolwarm",
) -> Any:
    """Pick a colormap for ``data``, as librosa does.

    Parameters
    ----------
    data : np.ndarray
        The values to be shown.
    robust : bool
        If True, ignore the lowest and highest 2 % of the values when deciding
        whether the data straddle zero.
    cmap_seq, cmap_bool, cmap_div : str
        Colormap names for one-signed data (a dB spectrogram), boolean data, and
        data with both signs (MFCCs, deltas).

    Returns
    -------
    matplotlib.colors.Colormap
        ``cmap_bool`` for booleans, ``cmap_div`` when the (robust) range contains
        both signs, else ``cmap_seq``.

    Examples
    --------
    >>> import numpy as np
    >>> from melforge.display import cmap
    >>> cmap(np.array([0.0, 1.0])).name, cmap(np.array([-1.0, 1.0])).name
    ('magma', 'coolwarm')
    """
    import matplotlib

    arr = np.atleast_1d(np.asarray(data))
    if arr.dtype == bool:
        return matplotlib.colormaps[cmap_bool]
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return matplotlib.colormaps[cmap_seq]
    lo, hi = np.percentile(finite, [2, 98] if robust else [0, 100])
    if lo >= 0 or hi <= 0:
        return matplotlib.colormaps[cmap_seq]
    return matplotlib.colormaps[cmap_div]


def colorbar(
    mappable: Any,
    *,
    ax: Any = None,
    format: Optional[str] = "%+2.0f dB",
    label: Optional[str] = None,
    **kwargs: Any,
) -> Any:
    """Add a colorbar for an image, labelled in dB by default.

    Parameters
    ----------
    mappable : matplotlib.cm.ScalarMappable
        What :func:`specshow` returned.
    ax : matplotlib.axes.Axes or None
        The axes to steal room from; default: the image's own axes.
    format : str or None
        Tick format; ``"%+2.0f dB"`` (default) reads ``-40 dB``, ``+0 dB``.  Use None
        for plain numbers (features that are not in dB).
    label : str or None
        Colorbar label.
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.colorbar`.

    Returns
    -------
    matplotlib.colorbar.Colorbar
        The colorbar.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("chirp"))
    >>> S_db = melforge.amplitude_to_db(np.abs(melforge.stft(y)), ref=np.max)
    >>> img = melforge.display.specshow(S_db, x_axis="time", y_axis="hz", sr=sr)
    >>> cb = melforge.display.colorbar(img)  # labelled "+0 dB", "-20 dB", ...
    """
    axes = mappable.axes if ax is None else ax
    cbar = axes.figure.colorbar(mappable, ax=axes, format=format, **kwargs)
    if label:
        cbar.set_label(label)
    return cbar


def specshow(
    data: Any,
    *,
    x_coords: Any = None,
    y_coords: Any = None,
    x_axis: Optional[str] = None,
    y_axis: Optional[str] = None,
    sr: float = 22050,
    hop_length: int = 512,
    n_fft: Optional[int] = None,
    win_length: Optional[int] = None,
    fmin: Optional[float] = None,
    fmax: Optional[float] = None,
    auto_aspect: bool = True,
    htk: bool = False,
    ax: Any = None,
    **kwargs: Any,
) -> Any:
    """Display a spectrogram or other 2-D feature with time and frequency axes.

    Parameters
    ----------
    data : np.ndarray [shape=(n_rows, n_frames)]
        The matrix to show, e.g. ``amplitude_to_db(abs(stft(y)))``.  Row 0 is drawn
        at the bottom.  Complex input is shown as its magnitude (with a warning).
    x_coords, y_coords : np.ndarray [shape=(n,) or (n + 1,)] or None
        Explicit centres (``n`` values) or edges (``n + 1``) of the columns / rows;
        by default they follow from the axis types and parameters below.
    x_axis, y_axis : str or None
        ``"time"`` (adaptive ms / s / m:ss / h:mm:ss ticks), ``"s"``, ``"ms"``,
        ``"m"``, ``"h"`` (fixed units), ``"frames"`` (index), ``"linear"`` / ``"hz"`` /
        ``"fft"`` (FFT bins, Hz), ``"log"`` (FFT bins on a log-frequency axis),
        ``"mel"`` (mel bands, Hz ticks on a mel-scaled axis), or None / ``"none"`` /
        ``"off"`` (no decoration).
    sr : float > 0
        Sample rate in Hz of the signal the data came from (22050 by default).
    hop_length : int > 0
        Samples between frames (512 by default, 23 ms at 22.05 kHz): sets the time axis.
    n_fft : int > 0 or None
        FFT size of an STFT, for frequency axes; inferred as ``2 * (n_rows - 1)``.
    win_length : int or None
        Accepted for librosa compatibility; not used by the supported axis types.
    fmin, fmax : float or None
        Frequency range of a mel axis in Hz (defaults 0 and ``sr / 2``): pass the
        values used to compute the mel spectrogram.
    auto_aspect : bool
        Square the plot when both axes are of the same kind and range.
    htk : bool
        The mel axis uses the HTK formula (pass what the mel spectrogram used).
    ax : matplotlib.axes.Axes or None
        Where to draw; default: the current pyplot axes.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.pcolormesh` (``cmap``, ``vmin``,
        ``vmax`` ...).  Defaults: ``cmap=cmap(data)``, ``rasterized=True``.
        librosa's ``tempo_min``, ``tempo_max``, ``tuning``, ``bins_per_octave``,
        ``key``, ``Sa``, ``mela``, ``thaat``, ``unicode``, ``intervals`` and ``unison``
        are accepted and ignored: they configure axis types melforge does not draw.

    Returns
    -------
    matplotlib.collections.QuadMesh
        The image; pass it to :func:`colorbar`.

    Raises
    ------
    ParameterError
        For data that is not 2-D, an unknown axis type, a bad ``sr``/``hop_length``,
        or coordinates whose length does not match the data.

    Notes
    -----
    Each row and column is a cell centred on its physical coordinate; the edges are
    half-way between neighbours (see :mod:`melforge.display.coords`).  Differences
    from librosa 0.11: mel rows are centred on the true filter peaks
    (``mel_frequencies(n_mels + 2)[1:-1]``; librosa uses ``mel_frequencies(n_mels)``,
    up to one band low), the mel axis is exactly mel-scaled (librosa approximates it
    with a symmetric log scale), FFT edges are clipped to ``[0, sr / 2]``, and only the
    axis types listed above are supported (no chroma, CQT, tempo or lag axes).

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> S_db = melforge.amplitude_to_db(np.abs(melforge.stft(y)), ref=np.max)
    >>> img = melforge.display.specshow(S_db, x_axis="time", y_axis="log", sr=sr)
    >>> cb = melforge.display.colorbar(img)
    """
    del win_length
    for name in _LIBROSA_ONLY.intersection(kwargs):
        del kwargs[name]
    arr = np.asarray(data)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ParameterError(
            f"data must be 2-D (rows, frames) and not empty; got shape {arr.shape}"
        )
    if np.iscomplexobj(arr):
        warnings.warn(
            "Trying to display complex-valued input. Showing magnitude instead; pass "
            "np.abs(...) or a dB spectrogram to silence this",
            stacklevel=2,
        )
        arr = np.abs(arr)
    sr = check_sr(sr)
    hop_length = check_positive_int("hop_length", hop_length)
    if n_fft is not None:
        n_fft = check_positive_int("n_fft", n_fft)
    params = dict(sr=sr, hop_length=hop_length, n_fft=n_fft, fmin=fmin, fmax=fmax, htk=htk)
    n_rows, n_cols = arr.shape
    y_edges = (
        coords_to_edges(y_coords, n_rows, "y_coords")
        if y_coords is not None
        else axis_edges(y_axis, n_rows, **params)
    )
    x_edges = (
        coords_to_edges(x_coords, n_cols, "x_coords")
        if x_coords is not None
        else axis_edges(x_axis, n_cols, **params)
    )

    axes = _check_axes(ax)
    kwargs.setdefault("cmap", cmap(arr))
    kwargs.setdefault("rasterized", True)
    kwargs.setdefault("edgecolors", "none")
    kwargs.setdefault("shading", "flat")
    mesh = axes.pcolormesh(x_edges, y_edges, arr, **kwargs)
    if ax is None:
        import matplotlib.pyplot as plt

        plt.sci(mesh)

    set_axis_scale(axes, x_axis, "x", htk=htk)
    set_axis_scale(axes, y_axis, "y", htk=htk)
    axes.set_xlim(x_edges[0], x_edges[-1])
    axes.set_ylim(y_edges[0], y_edges[-1])
    decorate_axis(axes.xaxis, x_axis, span=float(x_edges[-1] - x_edges[0]))
    decorate_axis(axes.yaxis, y_axis, span=float(y_edges[-1] - y_edges[0]))
    if (
        auto_aspect
        and x_axis is not None
        and x_axis == y_axis
        and x_axis not in ("none", "off")
        and axes.get_xlim() == axes.get_ylim()
    ):
        axes.set_aspect("equal")
    return mesh


def _check_axes(ax: Any) -> Any:
    """Return ``ax``, or the current pyplot axes when it is None."""
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt

        return plt.gca()
    if not isinstance(ax, Axes):
        raise ParameterError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    return ax
