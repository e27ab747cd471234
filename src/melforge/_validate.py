"""Small checks at the public boundary, shared by every layer.

Each check raises :class:`~melforge.ParameterError` whose message names the
parameter and the offending value, e.g. ``"hop_length=0 must be a positive integer"``.
Keep this module tiny, dependency-free beyond numpy, and stable: other modules import it.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from melforge._errors import ParameterError

__all__ = [
    "check_positive_int",
    "check_nonnegative_int",
    "check_positive_number",
    "check_nonnegative_number",
    "check_sr",
    "check_audio_array",
]


def _is_int(value: Any) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as ``int`` if it is an integer >= 1, else raise ParameterError.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : Any
        The value to check.

    Returns
    -------
    int
        ``int(value)``.
    """
    if not _is_int(value) or value < 1:
        raise ParameterError(f"{name}={value!r} must be a positive integer")
    return int(value)


def check_nonnegative_int(name: str, value: Any) -> int:
    """Return ``value`` as ``int`` if it is an integer >= 0, else raise ParameterError.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : Any
        The value to check.

    Returns
    -------
    int
        ``int(value)``.
    """
    if not _is_int(value) or value < 0:
        raise ParameterError(f"{name}={value!r} must be a non-negative integer")
    return int(value)


def _is_real(value: Any) -> bool:
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(
        value, bool
    )


def check_positive_number(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite real number > 0, else raise.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : Any
        The value to check.

    Returns
    -------
    float
        ``float(value)``.
    """
    if not _is_real(value) or not np.isfinite(value) or value <= 0:
        raise ParameterError(f"{name}={value!r} must be a finite number > 0")
    return float(value)


def check_nonnegative_number(name: str, value: Any) -> float:
    """Return ``value`` as ``float`` if it is a finite real number >= 0, else raise.

    Parameters
    ----------
    name : str
        The parameter's name, used in the message.
    value : Any
        The value to check.

    Returns
    -------
    float
        ``float(value)``.
    """
    if not _is_real(value) or not np.isfinite(value) or value < 0:
        raise ParameterError(f"{name}={value!r} must be a finite number >= 0")
    return float(value)


def check_sr(value: Any, name: str = "sr") -> float:
    """Check a sample rate in Hz: a finite number > 0.

    Parameters
    ----------
    value : Any
        The sample rate in Hz.  Integers and floats are accepted (librosa allows
        non-integer rates in its conversions).
    name : str
        The parameter's name, used in the message (``"sr"``, ``"orig_sr"`` ...).

    Returns
    -------
    float
        The rate as a float.
    """
    if not _is_real(value) or not np.isfinite(value) or value <= 0:
        raise ParameterError(f"{name}={value!r} must be a positive sample rate in Hz")
    return float(value)


def _all_finite(y: np.ndarray) -> bool:
    """Return True when every element of a floating-point array is finite.

    A sum of squares is finite when every sample is (NaN and Inf propagate through it),
    unless it overflows: one BLAS read of a contiguous float32/float64 array settles the
    common case, without ``np.isfinite``'s boolean temporary; otherwise (an overflow,
    another dtype or layout) each element is tested.
    """
    if y.dtype in (np.float32, np.float64) and y.flags.c_contiguous and y.size:
        flat = y.reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):
            square_sum = np.dot(flat, flat)
        if np.isfinite(square_sum):
            return True
    return bool(np.isfinite(y).all())


def check_audio_array(y: Any, *, name: str = "y", finite: bool = True) -> np.ndarray:
    """Check an audio signal: a floating-point numpy array with at least one dimension.

    Parameters
    ----------
    y : Any
        The signal, shape ``(..., n)``.
    name : str
        The parameter's name, used in the message.
    finite : bool
        If True (default), reject NaN and infinite samples.

    Returns
    -------
    np.ndarray
        ``y`` itself (no copy).
    """
    if not isinstance(y, np.ndarray):
        raise ParameterError(f"{name} must be a numpy.ndarray, got {type(y).__name__}")
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"{name} must be floating-point audio, got dtype={y.dtype}")
    if y.ndim < 1:
        raise ParameterError(f"{name} must have at least one dimension, got shape={y.shape}")
    if finite and not _all_finite(y):
        n_bad = int(y.size - np.count_nonzero(np.isfinite(y)))
        raise ParameterError(f"{name} contains {n_bad} non-finite value(s) (NaN or Inf)")
    return y
