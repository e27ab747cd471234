"""Integer PCM <-> float conversion and bit-depth quantization, with libsndfile's scaling.

An ``N``-bit signed integer sample ``k`` in ``[-2**(N-1), 2**(N-1) - 1]`` stands for the
float value ``k / 2**(N-1)``, so floats live in ``[-1, 1 - 2**(1-N)]``.  This is how
libsndfile (and therefore :func:`soundfile.read` and ``librosa.load``) scales integer
files when reading them as float: 16-bit divides by 32768, 24-bit by 8388608, 8-bit by 128
(unsigned 8-bit WAV is offset by 128 first).
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_audio_array

__all__ = ["to_int", "to_float", "quantize"]

_BIT_DEPTHS = (8, 16, 24, 32)


def _check_bit_depth(bit_depth: Any, *, allowed: tuple[int, ...] | None = None) -> int:
    ok = isinstance(bit_depth, (int, np.integer)) and not isinstance(bit_depth, bool)
    if allowed is None:
        ok = ok and 2 <= bit_depth <= 32
        want = "an integer in [2, 32]"
    else:
        ok = ok and bit_depth in allowed
        want = "one of " + ", ".join(map(str, allowed))
    if not ok:
        raise ParameterError(f"{bit_depth=} must be {want}")
    return int(bit_depth)


def _int_dtype(bit_depth: int) -> np.dtype:
    if bit_depth <= 8:
        return np.dtype(np.int8)
    if bit_depth <= 16:
        return np.dtype(np.int16)
    return np.dtype(np.int32)


def _scaled_rounded(y: np.ndarray, bit_depth: int) -> tuple[np.ndarray, int]:
    """Return ``round(y * 2**(N-1))`` clipped to the N-bit range (float64), and the clip count."""
    scale = float(2 ** (bit_depth - 1))
    x = np.rint(y.astype(np.float64) * scale)
    lo, hi = -scale, scale - 1.0
    n_clipped = int(np.count_nonzero((x < lo) | (x > hi)))
    if n_clipped:
        np.clip(x, lo, hi, out=x)
    return x, n_clipped


def to_int(y: np.ndarray, bit_depth: int = 16, *, warn: bool = True) -> np.ndarray:
    """Convert float audio to integer PCM samples, as an ``N``-bit file would store them.

    Each sample becomes ``round(y * 2**(N-1))`` (round half to even), clipped to
    ``[-2**(N-1), 2**(N-1) - 1]``.  This is the inverse of :func:`to_float` and the same
    scaling libsndfile uses.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], floating point
        Audio in [-1, 1).  Values outside are clipped (see ``warn``).  NaN/Inf are rejected.
    bit_depth : int
        8, 16, 24 or 32.
    warn : bool
        If True (default), emit a ``UserWarning`` that counts the clipped samples when any
        value falls outside the representable range.

    Returns
    -------
    np.ndarray [shape=(..., n)]
        ``int8`` for 8 bits, ``int16`` for 16 bits, ``int32`` for 24 and 32 bits (24-bit
        values occupy the low 24 bits, range [-8388608, 8388607]).

    Raises
    ------
    ParameterError
        If ``bit_depth`` is not 8, 16, 24 or 32, or ``y`` is not finite floating-point audio.

    Examples
    --------
    >>> import numpy as np
    >>> to_int(np.array([0.5, -1.0], dtype=np.float32), 16)
    array([ 16384, -32768], dtype=int16)
    """
    bit_depth = _check_bit_depth(bit_depth, allowed=_BIT_DEPTHS)
    check_audio_array(y)
    x, n_clipped = _scaled_rounded(y, bit_depth)
    if n_clipped and warn:
        warnings.warn(
            f"{n_clipped} sample(s) outside the {bit_depth}-bit range were clipped; "
            "scale the signal into [-1, 1) first (e.g. y / np.abs(y).max()) to avoid it",
            UserWarning,
            stacklevel=2,
        )
    return x.astype(_int_dtype(bit_depth))


def to_float(x: np.ndarray, bit_depth: int | None = None, *, dtype: Any = np.float32) -> np.ndarray:
    """Convert integer PCM samples to float audio in [-1, 1), as libsndfile reads them.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n)], integer
        PCM samples.  ``uint8`` is treated as unsigned 8-bit PCM (128 is silence).
    bit_depth : int or None
        The bit depth the integers carry.  None (default) takes it from the dtype
        (8, 16, 32, or 8 for ``uint8``).  Pass 24 for 24-bit samples held in ``int32``.
    dtype : numpy float dtype
        Output dtype, float32 by default.

    Returns
    -------
    np.ndarray [shape=(..., n)]
        ``x / 2**(bit_depth - 1)``.

    Raises
    ------
    ParameterError
        If ``x`` is not an integer array or ``bit_depth`` does not fit its dtype.

    Examples
    --------
    >>> import numpy as np
    >>> to_float(np.array([16384, -32768], dtype=np.int16))
    array([ 0.5, -1. ], dtype=float32)
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.integer):
        raise ParameterError(
            f"x must be an integer numpy array, got {getattr(x, 'dtype', type(x).__name__)}"
        )
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ParameterError(f"dtype={dtype} must be a floating-point dtype")
    native = 8 * x.dtype.itemsize
    if bit_depth is None:
        bit_depth = native
    bit_depth = _check_bit_depth(bit_depth)
    if bit_depth > native:
        raise ParameterError(f"{bit_depth=} does not fit in x.dtype={x.dtype}")
    xs = x.astype(np.float64)
    if x.dtype == np.uint8:
        xs -= 128.0
    elif np.issubdtype(x.dtype, np.unsignedinteger):
        raise ParameterError(f"x.dtype={x.dtype} is not supported; use a signed dtype or uint8")
    xs *= 1.0 / float(2 ** (bit_depth - 1))
    return xs.astype(dtype, copy=False)


def quantize(
    y: np.ndarray,
    bit_depth: int,
    *,
    dither: Literal["tpdf"] | None = None,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Round float audio to the ``2**bit_depth`` levels an ``N``-bit integer file holds.

    The result is ``to_float(to_int(y + d))`` computed directly in float: every sample
    becomes a multiple of ``2**(1 - N)`` in ``[-1, 1 - 2**(1-N)]`` (values beyond are
    clipped silently here; :func:`to_int` warns).  ``y - quantize(y, N)`` is the
    quantization noise; for a full-scale sine its SNR is about ``6.02 N + 1.76`` dB.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], floating point
        Audio in [-1, 1).
    bit_depth : int
        Number of bits, 2 to 32.
    dither : None or "tpdf"
        None: plain rounding.  ``"tpdf"``: add triangular dither of +-1 LSB peak
        (the sum of two independent uniform variables of 1 LSB width) before rounding;
        this makes the error independent of the signal at the cost of about 4.8 dB SNR.
    seed : int, numpy.random.Generator or None
        Randomness for the dither (ignored without dither).

    Returns
    -------
    np.ndarray [shape=(..., n)]
        Same shape and dtype as ``y``.  float32 holds every level up to 24 bits (its
        mantissa); above that, pass float64 or the levels are rounded again to float32.

    Raises
    ------
    ParameterError
        If ``bit_depth`` is out of range, ``dither`` is unknown, or ``y`` is not finite
        floating-point audio.

    Examples
    --------
    >>> import numpy as np
    >>> quantize(np.array([0.1, 0.3], dtype=np.float32), 2)
    array([0. , 0.5], dtype=float32)
    """
    bit_depth = _check_bit_depth(bit_depth)
    check_audio_array(y)
    if dither not in (None, "tpdf"):
        raise ParameterError(f"{dither=} must be None or 'tpdf'")
    scale = float(2 ** (bit_depth - 1))
    x = y.astype(np.float64) * scale
    if dither == "tpdf":
        rng = np.random.default_rng(seed)
        x += rng.random(x.shape) - rng.random(x.shape)
    np.rint(x, out=x)
    np.clip(x, -scale, scale - 1.0, out=x)
    x *= 1.0 / scale
    return x.astype(y.dtype, copy=False)
