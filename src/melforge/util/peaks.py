"""Peak picking and masks with librosa 0.11's names and results (``librosa.util``).

librosa compiles these with numba; here they are numpy (sliding windows), with a
Python loop only over the candidate peaks of :func:`peak_pick`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from melforge._errors import ParameterError

__all__ = ["peak_pick", "localmax", "softmask"]


def localmax(x: np.ndarray, *, axis: int = 0) -> np.ndarray:
    """Mark the local maxima of ``x`` along ``axis``.

    ``x[i]`` is a local maximum when ``x[i] > x[i-1]`` and ``x[i] >= x[i+1]``; the first
    element never is, the last is when it exceeds its predecessor.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n, ...)], real
        Input.
    axis : int
        Axis along which to compare neighbours.

    Returns
    -------
    np.ndarray [shape=x.shape, dtype=bool]
        True at the local maxima.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.localmax(np.array([1, 0, 1, 2, -1, 0, -2, 1]))
    array([False, False, False,  True, False,  True, False,  True])
    """
    x = np.asarray(x)
    xi = x.swapaxes(-1, axis)
    out = np.zeros(x.shape, dtype=bool)
    oi = out.swapaxes(-1, axis)
    if xi.shape[-1] >= 2:
        oi[..., 1:-1] = (xi[..., 1:-1] > xi[..., :-2]) & (xi[..., 1:-1] >= xi[..., 2:])
        oi[..., -1] = xi[..., -1] > xi[..., -2]
    return out


def _ceil_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name}={value!r} must be a number")
    if not math.isfinite(value) or value < minimum:
        raise ParameterError(f"{name}={value!r} must be >= {minimum}")
    return int(np.ceil(value))


def _window_max(x: np.ndarray, pre: int, post: int) -> np.ndarray:
    """Max of ``x[..., max(0, n - pre) : n + post]`` for every ``n`` (last axis)."""
    n = x.shape[-1]
    padded = np.full((*x.shape[:-1], pre + n + post), -np.inf, dtype=np.float64)
    padded[..., pre : pre + n] = x
    return sliding_window_view(padded, pre + post, axis=-1)[..., :n, :].max(axis=-1)


def _window_mean(x: np.ndarray, pre: int, post: int) -> np.ndarray:
    """Mean of ``x[..., max(0, n - pre) : n + post]`` for every ``n``, rounded like librosa.

    librosa's numba mean adds the window's values one by one in the input's float type
    (float64 for integers), divides in float64 and rounds back; the same order here
    (leading zeros of the padding add nothing) gives the same bits.
    """
    n = x.shape[-1]
    acc_type = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    padded = np.zeros((*x.shape[:-1], pre + n + post), dtype=acc_type)
    padded[..., pre : pre + n] = x
    total = np.zeros(x.shape, dtype=acc_type)
    for j in range(pre + post):
        total += padded[..., j : j + n]
    count = np.minimum(np.arange(n) + post, n) - np.maximum(np.arange(n) - pre, 0)
    return (total.astype(np.float64) / count).astype(acc_type)


def peak_pick(
    x: np.ndarray,
    *,
    pre_max: int,
    post_max: int,
    pre_avg: int,
    post_avg: int,
    delta: float,
    wait: int,
    sparse: bool = True,
    axis: int = -1,
) -> np.ndarray:
    """Pick peaks with librosa's heuristic (Böck, Krebs and Schedl, 2012).

    Sample ``n`` is a peak when all three hold:

    1. ``x[n] == max(x[n - pre_max : n + post_max])``
    2. ``x[n] >= mean(x[n - pre_avg : n + post_avg]) + delta``
    3. ``n - previous_peak > wait``

    Parameters
    ----------
    x : np.ndarray [shape=(..., n, ...)], real
        Input, e.g. an onset-strength envelope (one value per frame).
    pre_max, post_max : int >= 0, int >= 1
        Frames before / after ``n`` for the maximum.
    pre_avg, post_avg : int >= 0, int >= 1
        Frames before / after ``n`` for the mean.
    delta : float >= 0
        Threshold above the local mean.
    wait : int >= 0
        Frames to skip after a peak.
    sparse : bool
        True: return the peak indices (1-D input only); False: a boolean mask.
    axis : int
        Axis to pick along (``sparse=False``).

    Returns
    -------
    np.ndarray
        ``sparse=True``: int indices ``[shape=(n_peaks,)]``; otherwise a boolean array
        of ``x.shape``.

    Raises
    ------
    ParameterError
        A negative window or ``delta``, ``post_max``/``post_avg`` < 1, or ``sparse=True``
        with multi-dimensional ``x``.

    Notes
    -----
    Window lengths are rounded up to integers and ``delta`` to float32, as librosa does;
    the local mean is summed in the same order and precision as librosa's compiled
    kernel, so ties (``x[n] == mean + delta`` on quantized input) are decided alike.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> x = np.array([0, 1, 0, 0, 3, 0, 0, 2, 0.0])
    >>> melforge.util.peak_pick(x, pre_max=1, post_max=1, pre_avg=1, post_avg=1,
    ...                         delta=0.5, wait=0)
    array([1, 4, 7])
    """
    pre_max = _ceil_int("pre_max", pre_max, 0)
    post_max = _ceil_int("post_max", post_max, 1)
    pre_avg = _ceil_int("pre_avg", pre_avg, 0)
    post_avg = _ceil_int("post_avg", post_avg, 1)
    wait = _ceil_int("wait", wait, 0)
    if not delta >= 0:
        raise ParameterError(f"delta={delta!r} must be >= 0")
    x = np.asarray(x)
    if sparse and x.ndim != 1:
        raise ParameterError(
            f"sparse=True supports 1-D x only, got x.ndim={x.ndim}: pass sparse=False "
            "or pick each row separately"
        )
    peaks = np.zeros(x.shape, dtype=bool)
    xs, ps = x.swapaxes(axis, -1), peaks.swapaxes(axis, -1)
    if xs.shape[-1]:
        # delta is a float32 in librosa's compiled kernel: round it the same way
        candidate = (xs == _window_max(xs, pre_max, post_max)) & (
            xs >= _window_mean(xs, pre_avg, post_avg) + np.float32(delta)
        )
        for index in np.ndindex(candidate.shape[:-1]):
            row, out = candidate[index], ps[index]
            allowed = 0
            for n in np.flatnonzero(row):
                if n >= allowed:
                    out[n] = True
                    allowed = n + wait + 1
    if sparse:
        return np.flatnonzero(peaks)
    return peaks


def softmask(
    X: np.ndarray,  # noqa: N803 - librosa's names
    X_ref: np.ndarray,  # noqa: N803
    *,
    power: float = 1,
    split_zeros: bool = False,
) -> np.ndarray:
    """Return the soft mask ``X**p / (X**p + X_ref**p)`` (a hard mask for ``power=inf``).

    Parameters
    ----------
    X, X_ref : np.ndarray >= 0, of one shape
        Magnitudes of the wanted and the competing component (e.g. spectrograms).
    power : float > 0 or np.inf
        Exponent; ``np.inf`` gives the boolean mask ``X > X_ref``.
    split_zeros : bool
        Where both are (near) zero: 0.5 if True, else 0.

    Returns
    -------
    np.ndarray [shape=X.shape]
        Values in [0, 1] (float, in X's precision; float32 for integer input), or bool
        for ``power=inf``.

    Raises
    ------
    ParameterError
        Shape mismatch, a negative entry, ``power <= 0``.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.softmask(np.array([1.0, 0.0]), np.array([3.0, 0.0]))
    array([0.25, 0.  ])
    """
    X, X_ref = np.asarray(X), np.asarray(X_ref)  # noqa: N806
    if X.shape != X_ref.shape:
        raise ParameterError(f"X.shape={X.shape} must equal X_ref.shape={X_ref.shape}")
    if np.any(X < 0) or np.any(X_ref < 0):
        raise ParameterError("X and X_ref must be non-negative")
    if not power > 0:
        raise ParameterError(f"power={power!r} must be strictly positive")
    dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float32)
    Z = np.maximum(X, X_ref).astype(dtype)  # noqa: N806
    bad = Z < np.finfo(dtype).tiny
    Z[bad] = 1
    if not np.isfinite(power):
        return X > X_ref
    mask = (X / Z) ** power
    ref_mask = (X_ref / Z) ** power
    good = ~bad
    mask[good] /= mask[good] + ref_mask[good]
    mask[bad] = 0.5 if split_zeros else 0.0
    return mask
