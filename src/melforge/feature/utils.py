"""Feature utilities, librosa-compatible: ``delta`` (local derivatives), ``stack_memory``.

The Savitzky-Golay filter is computed here with numpy, so :mod:`scipy.signal` is not
imported.  Coefficients and edge fits follow :func:`scipy.signal.savgol_filter`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from melforge._errors import ParameterError

__all__ = ["delta", "stack_memory"]

#: ndimage-style boundary mode -> np.pad mode (for the non-"interp" modes).
_PAD = {"mirror": "reflect", "nearest": "edge", "wrap": "wrap", "constant": "constant"}
_DELTA_KEYS = frozenset({"polyorder", "delta", "cval"})


@functools.lru_cache(maxsize=32)
def _savgol(width: int, polyorder: int, deriv: int, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (interior taps, edge matrix) of a Savitzky-Golay derivative filter.

    ``taps[j]`` multiplies ``x[n + j - h]`` (h = width // 2).  ``edge[i, j]`` gives the
    fitted derivative at position ``i`` of the first window from its samples ``j``.
    """
    h = width // 2
    scale = math.factorial(deriv) / delta**deriv
    offsets = np.arange(-h, h + 1, dtype=float)
    vander = offsets[:, None] ** np.arange(polyorder + 1)[None, :]
    taps = np.linalg.pinv(vander)[deriv] * scale
    # edge: fit a polynomial to x[0:width] (positions 0..width-1), evaluate its
    # deriv-th derivative at positions 0..h-1
    pos = np.arange(width, dtype=float)
    fit = np.linalg.pinv(pos[:, None] ** np.arange(polyorder + 1)[None, :])  # coeffs from x
    dcoef = np.zeros((h, polyorder + 1))
    for p in range(deriv, polyorder + 1):
        falling = math.factorial(p) / math.factorial(p - deriv)
        dcoef[:, p] = falling * pos[:h] ** (p - deriv)
    edge = dcoef @ fit / delta**deriv
    taps.flags.writeable = False
    edge.flags.writeable = False
    return taps, edge


def delta(
    data: np.ndarray,
    *,
    width: int = 9,
    order: int = 1,
    axis: int = -1,
    mode: str = "interp",
    **kwargs: Any,
) -> np.ndarray:
    """Local estimate of the derivative of ``data`` along ``axis``, as librosa's ``delta``.

    A Savitzky-Golay filter of ``width`` samples fits a polynomial of degree ``order``
    around each point and returns its ``order``-th derivative.

    Parameters
    ----------
    data : np.ndarray [shape=(..., t)]
        The feature matrix (e.g. MFCCs).
    width : int, odd, >= 3
        Frames in the fitting window (9 frames is 209 ms at hop 512, 22.05 kHz).
    order : int > 0
        Derivative order (1 for delta, 2 for delta-delta).
    axis : int
        Axis along which to differentiate (time, the last, by default).
    mode : {"interp", "mirror", "nearest", "constant", "wrap"}
        Edge handling, as :func:`scipy.signal.savgol_filter`; ``"interp"`` fits a
        polynomial to the first / last ``width`` points.
    **kwargs
        ``polyorder`` (default ``order``), ``delta`` (sample spacing, 1.0) and
        ``cval`` (fill for ``mode="constant"``, 0.0).  Any other key raises ``TypeError``.

    Returns
    -------
    np.ndarray [shape=data.shape]
        Derivative estimates; float32 stays float32, other dtypes give float64.

    Raises
    ------
    ParameterError
        If ``width`` is not an odd integer >= 3 (or exceeds the axis length with
        ``mode="interp"``), or ``order`` is not a positive integer.

    Examples
    --------
    MFCCs with their first and second derivatives, stacked as speech front ends do:

    >>> import numpy as np
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), sr=16000)
    >>> M = melforge.feature.mfcc(y=y, sr=sr, n_mfcc=13)
    >>> d1 = melforge.feature.delta(M)
    >>> d2 = melforge.feature.delta(M, order=2)
    >>> np.vstack([M, d1, d2]).shape, d1.dtype
    ((39, 301), dtype('float32'))
    """
    kwargs.pop("deriv", None)
    for key in kwargs:
        if key not in _DELTA_KEYS:
            raise TypeError(f"delta() got an unexpected keyword argument {key!r}")
    x = np.atleast_1d(np.asarray(data))
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    if not isinstance(width, (int, np.integer)) or width < 3 or width % 2 != 1:
        raise ParameterError(f"width={width!r} must be an odd integer >= 3")
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order <= 0:
        raise ParameterError(f"order={order!r} must be a positive integer")
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis={axis!r} is out of range for data of shape {x.shape}")
    axis = int(axis) % x.ndim
    n = x.shape[axis]
    if mode == "interp" and width > n:
        raise ParameterError(
            f"when mode='interp', width={width} cannot exceed data.shape[axis]={n}"
        )
    if mode != "interp" and mode not in _PAD:
        raise ParameterError(
            f"mode={mode!r} must be 'interp', 'mirror', 'nearest', 'constant' or 'wrap'"
        )
    polyorder = int(kwargs.get("polyorder", order))
    if polyorder >= width:
        raise ParameterError(f"polyorder={polyorder} must be less than width={width}")
    step = float(kwargs.get("delta", 1.0))
    if order > polyorder:  # the order-th derivative of a lower-degree fit is 0, as scipy's
        return np.zeros(x.shape, dtype=x.dtype)
    taps, edge = _savgol(int(width), polyorder, int(order), step)
    h = width // 2
    xt = np.moveaxis(x, axis, -1)
    if mode == "interp":
        padded = np.pad(xt, [(0, 0)] * (xt.ndim - 1) + [(h, h)], mode="constant")
    elif mode == "constant":
        cval = kwargs.get("cval", 0.0)
        pad = [(0, 0)] * (xt.ndim - 1) + [(h, h)]
        padded = np.pad(xt, pad, mode="constant", constant_values=cval)
    else:
        padded = np.pad(xt, [(0, 0)] * (xt.ndim - 1) + [(h, h)], mode=_PAD[mode])  # type: ignore[call-overload]
    taps = taps.astype(x.dtype)
    out = np.zeros(xt.shape, dtype=x.dtype)
    for j in range(width):
        if taps[j] != 0:
            out += taps[j] * padded[..., j : j + n]
    if mode == "interp":
        e = edge.astype(x.dtype)
        out[..., :h] = xt[..., :width] @ e.T
        # mirror the problem for the right edge: positions counted from the end
        right = xt[..., n - width :][..., ::-1] @ e.T
        out[..., n - h :] = (right * (-1.0) ** order)[..., ::-1]
    return np.moveaxis(out, -1, axis)


def stack_memory(
    data: np.ndarray, *, n_steps: int = 2, delay: int = 1, **kwargs: Any
) -> np.ndarray:
    """Stack delayed copies of ``data`` along the feature axis, as librosa's ``stack_memory``.

    Output rows ``[i * d, (i + 1) * d)`` hold ``data`` delayed by ``i * delay`` frames
    (advanced, for a negative ``delay``); frames before the start (after the end) come
    from padding.

    Parameters
    ----------
    data : np.ndarray [shape=(..., d, t)]
        Feature matrix; a 1-D array is one row.
    n_steps : int > 0
        Number of copies (1 returns ``data`` itself, as a 2-D copy).
    delay : int != 0
        Frames between copies; negative looks ahead.
    **kwargs
        :func:`numpy.pad` options for the padded frames; ``mode="constant"`` with
        zeros by default.

    Returns
    -------
    np.ndarray [shape=(..., d * n_steps, t)]
        The stacked features, in ``data``'s dtype.

    Raises
    ------
    ParameterError
        If ``n_steps < 1``, ``delay == 0`` or ``data`` has no frames.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.feature.stack_memory(np.arange(4.0), n_steps=2)
    array([[0., 1., 2., 3.],
           [0., 0., 1., 2.]])
    """
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ParameterError(f"n_steps={n_steps!r} must be a positive integer")
    if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay == 0:
        raise ParameterError(f"delay={delay!r} must be a non-zero integer")
    x = np.atleast_2d(np.asarray(data))
    t = x.shape[-1]
    if t < 1:
        raise ParameterError(f"Cannot stack memory when data has no frames: data.shape={x.shape}")
    kwargs.setdefault("mode", "constant")
    if kwargs["mode"] == "constant":
        kwargs.setdefault("constant_values", [0])
    span = (n_steps - 1) * abs(int(delay))
    pad = [(0, 0)] * (x.ndim - 1) + [(span, 0) if delay > 0 else (0, span)]
    padded = np.pad(x, pad, **kwargs)
    d = x.shape[-2]
    out = np.empty_like(x, shape=(*x.shape[:-2], d * n_steps, t))
    for step in range(n_steps):
        # copy `step` is delayed by step * delay frames
        start = span - step * delay if delay > 0 else -step * delay
        out[..., step * d : (step + 1) * d, :] = padded[..., start : start + t]
    return out
