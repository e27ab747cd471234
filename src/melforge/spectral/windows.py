"""Window functions: ``get_window`` and the cached, padded analysis windows.

The common cosine-sum windows (hann, hamming, blackman, boxcar, bartlett) are computed
here with numpy using the same formula as :func:`scipy.signal.get_window`, so that
``import melforge`` and the first spectrogram never import :mod:`scipy.signal`.
Anything else (kaiser, gaussian, tukey, ... given as a name, tuple or number) is
delegated to :func:`scipy.signal.get_window`, imported lazily.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Union

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_nonnegative_int

__all__ = ["get_window", "padded_window"]

WindowSpec = Union[str, tuple, float, Callable[[int], np.ndarray], np.ndarray, list]

#: name -> cosine-sum coefficients, as in scipy.signal.windows.general_cosine.
_COSINE_SUMS: dict[str, tuple[float, ...]] = {
    "hann": (0.5, 0.5),
    "hamming": (0.54, 1.0 - 0.54),  # scipy: general_hamming(alpha=0.54)
    "blackman": (0.42, 0.50, 0.08),
    "boxcar": (1.0,),
}
_ALIASES = {
    "han": "hann",
    "hanning": "hann",
    "hamm": "hamming",
    "ham": "hamming",
    "black": "blackman",
    "blk": "blackman",
    "box": "boxcar",
    "ones": "boxcar",
    "rect": "boxcar",
    "rectangular": "boxcar",
    "bartlett": "bartlett",
    "bart": "bartlett",
    "brt": "bartlett",
}


def _numpy_window(name: str, n: int, periodic: bool) -> np.ndarray:
    """Compute a cosine-sum or Bartlett window in float64, matching scipy's formula."""
    if n <= 1:
        return np.ones(n)
    m = n + 1 if periodic else n
    if name == "bartlett":
        idx = np.arange(0, m)
        half = np.less_equal(idx, (m - 1) / 2.0)
        w = np.where(half, 2.0 * idx / (m - 1), 2.0 - 2.0 * idx / (m - 1))
    else:
        fac = np.linspace(-np.pi, np.pi, m)
        w = np.zeros(m)
        for k, a in enumerate(_COSINE_SUMS[name]):
            w += a * np.cos(k * fac)
    return w[:-1] if periodic else w


@functools.lru_cache(maxsize=128)
def _named_window(window: Any, n: int, fftbins: bool) -> np.ndarray:
    """Return a read-only float64 window for a hashable spec (name, tuple or number)."""
    name = _ALIASES.get(window, window) if isinstance(window, str) else None
    if name in _COSINE_SUMS or name == "bartlett":
        w = _numpy_window(name, n, fftbins)
    else:
        import scipy.signal  # exotic windows only: keep scipy.signal off the import path

        try:
            w = np.asarray(scipy.signal.get_window(window, n, fftbins=fftbins), dtype=float)
        except (ValueError, TypeError) as err:
            msg = f"Invalid window specification: window={window!r} ({err})"
            raise ParameterError(msg) from err
    w.flags.writeable = False
    return w


def _window_array(window: WindowSpec, n_x: int, fftbins: bool) -> np.ndarray:
    """Like :func:`get_window` but may return a cached read-only array."""
    n_x = check_nonnegative_int("Nx", n_x)
    if callable(window):
        return np.asarray(window(n_x))
    if isinstance(window, (str, tuple)) or np.isscalar(window):
        try:
            return _named_window(window, n_x, bool(fftbins))
        except TypeError as err:  # unhashable element inside a tuple
            raise ParameterError(f"Invalid window specification: window={window!r}") from err
    if isinstance(window, (np.ndarray, list)):
        arr = np.asarray(window)
        if arr.ndim != 1 or len(arr) != n_x:
            raise ParameterError(f"Window size mismatch: len(window)={len(arr)} != Nx={n_x}")
        return arr
    raise ParameterError(f"Invalid window specification: window={window!r}")


def get_window(window: WindowSpec, Nx: int, *, fftbins: bool = True) -> np.ndarray:  # noqa: N803
    """Return a window function of length ``Nx``, as :func:`librosa.filters.get_window`.

    Parameters
    ----------
    window : str, tuple, number, callable or np.ndarray [shape=(Nx,)]
        A window name (``"hann"``, ``"hamming"``, ``"blackman"``, ``"boxcar"``,
        ``"bartlett"`` and anything :func:`scipy.signal.get_window` knows), a tuple
        with parameters (``("kaiser", 8.0)``), a number (Kaiser beta), a callable
        ``f(Nx) -> array``, or the window itself as an array of length ``Nx``.
    Nx : int >= 0
        Window length in samples.
    fftbins : bool
        If True (default) return the periodic window (for spectral analysis: the
        first ``Nx`` points of a window of length ``Nx + 1``); else the symmetric one.

    Returns
    -------
    np.ndarray [shape=(Nx,)]
        The window (float64 for named windows).  Always a fresh, writable array.

    Raises
    ------
    ParameterError
        If the specification is not understood, or an array's length is not ``Nx``.

    Examples
    --------
    >>> import melforge
    >>> melforge.get_window("hann", 8)  # periodic (fftbins=True), as for an STFT
    array([0.        , 0.14644661, 0.5       , 0.85355339, 1.        ,
           0.85355339, 0.5       , 0.14644661])
    """
    return np.array(_window_array(window, Nx, fftbins), copy=True)


def _cache_key(window: WindowSpec) -> Any:
    if isinstance(window, (str, tuple)) or np.isscalar(window):
        try:
            hash(window)
        except TypeError:
            return None
        return window
    return None


@functools.lru_cache(maxsize=64)
def _padded_cached(window: Any, win_length: int, n_fft: int, dtype: str) -> np.ndarray:
    w = _pad_center(_window_array(window, win_length, True), n_fft).astype(dtype)
    w.flags.writeable = False
    return w


def _pad_center(w: np.ndarray, size: int) -> np.ndarray:
    n = w.shape[-1]
    if n > size:
        raise ParameterError(f"win_length={n} must be at most n_fft={size}")
    lpad = (size - n) // 2
    out = np.zeros(size, dtype=w.dtype)
    out[lpad : lpad + n] = w
    return out


def padded_window(
    window: WindowSpec, win_length: int, n_fft: int, dtype: Any = np.float32
) -> np.ndarray:
    """Return the periodic ``window`` of ``win_length`` zero-padded (centred) to ``n_fft``.

    Parameters
    ----------
    window : str, tuple, number, callable or np.ndarray
        Any spec accepted by :func:`get_window`.
    win_length : int
        Length of the non-zero part, ``<= n_fft``.
    n_fft : int
        Total length.
    dtype : numpy dtype
        Output dtype (float32 by default).

    Returns
    -------
    np.ndarray [shape=(n_fft,)]
        A read-only array, cached for hashable specs (names, tuples, numbers).
    """
    key = _cache_key(window)
    dt = np.dtype(dtype).str
    if key is not None:
        return _padded_cached(key, int(win_length), int(n_fft), dt)
    w = _pad_center(_window_array(window, win_length, True), n_fft).astype(dt)
    w.flags.writeable = False
    return w
