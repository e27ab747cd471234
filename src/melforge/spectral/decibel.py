"""Decibel conversions with librosa 0.11's ``ref`` / ``amin`` / ``top_db`` semantics.

The work is done in place, block by block, on one output array: no full-size
temporaries, and float32 stays float32.  The arithmetic is the same sequence of numpy
operations as librosa's, so results agree to the last bit on the same platform.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Optional, Union

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor

__all__ = ["power_to_db", "amplitude_to_db", "db_to_power", "db_to_amplitude"]

_BLOCK = 1 << 15  # elements per in-cache block

Ref = Union[float, Callable[[np.ndarray], Any]]


def _check(amin: Any, top_db: Any) -> None:
    if not isinstance(amin, (int, float, np.number)) or isinstance(amin, bool) or not amin > 0:
        raise ParameterError(f"amin={amin!r} must be strictly positive")
    if top_db is not None and (
        not isinstance(top_db, (int, float, np.number)) or isinstance(top_db, bool) or top_db < 0
    ):
        raise ParameterError(f"top_db={top_db!r} must be non-negative or None")


def _to_db(src: np.ndarray, *, square: bool, ref_value: Any, amin: float, top_db: Any) -> Any:
    """``10 log10(max(amin, x)) - 10 log10(max(amin, ref))`` clamped to ``max - top_db``.

    ``x`` is ``src ** 2`` if ``square`` else ``src``.  Fast path for float arrays and a
    scalar reference; an array reference (e.g. ``ref=lambda S: S.max(axis=-1,
    keepdims=True)``) broadcasts against ``src`` as in librosa.
    """
    ref_db = 10.0 * np.log10(np.maximum(amin, ref_value))
    if src.ndim == 0 or src.dtype not in (np.float32, np.float64) or np.ndim(ref_db):
        x = np.square(src) if square else src
        log_spec = 10.0 * np.log10(np.maximum(amin, x))
        log_spec -= ref_db
        if top_db is not None:
            log_spec = np.maximum(log_spec, log_spec.max() - top_db)
        return log_spec
    # keep the input's memory order (stft / melspectrogram return transposed views)
    swapped = not src.flags.c_contiguous and src.ndim >= 2
    view = src.swapaxes(-1, -2) if swapped else src
    if not view.flags.c_contiguous:
        swapped, view = False, np.ascontiguousarray(src)
    out_c = np.empty(view.shape, dtype=src.dtype)
    out = out_c.swapaxes(-1, -2) if swapped else out_c
    flat_in, flat_out = view.reshape(-1), out_c.reshape(-1)
    peak = -np.inf
    for s in range(0, flat_in.size, _BLOCK):
        o = flat_out[s : s + _BLOCK]
        if square:
            np.square(flat_in[s : s + _BLOCK], out=o)
            np.maximum(amin, o, out=o)
        else:
            np.maximum(amin, flat_in[s : s + _BLOCK], out=o)
        np.log10(o, out=o)
        np.multiply(o, 10.0, out=o)
        o -= ref_db
        if top_db is not None and o.size:
            peak = np.maximum(peak, o.max())  # NaN propagates, as librosa's log_spec.max()
    if top_db is not None and flat_out.size:
        floor = out.dtype.type(peak) - top_db
        for s in range(0, flat_out.size, _BLOCK):
            o = flat_out[s : s + _BLOCK]
            np.maximum(o, floor, out=o)
    return out


def power_to_db(
    S: Any,  # noqa: N803
    *,
    ref: Ref = 1.0,
    amin: float = 1e-10,
    top_db: Optional[float] = 80.0,
) -> Any:
    """Convert a power spectrogram to decibels: ``10 * log10(S / ref)``.

    Parameters
    ----------
    S : np.ndarray or torch.Tensor [shape=(...)]
        Power (a squared magnitude).  Complex input is reduced to its magnitude with a
        warning, as librosa does.  A tensor gives a tensor on its device.
    ref : float, array or callable
        Reference power: a number (its absolute value is used) or a function of the
        array, e.g. ``np.max`` to put the loudest bin at 0 dB.  An array (or a
        callable's array result, e.g. a per-frame maximum with ``keepdims=True``)
        broadcasts against ``S``.
    amin : float > 0
        Floor applied to ``S`` and ``ref`` before the logarithm (1e-10 is -100 dB).
    top_db : float >= 0 or None
        Clamp the output to at least ``max - top_db`` dB; None disables the clamp.

    Returns
    -------
    np.ndarray [shape=(...)]
        dB values, in the input's floating dtype (float32 stays float32).

    Raises
    ------
    ParameterError
        If ``amin <= 0`` or ``top_db < 0``.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.power_to_db(np.array([1.0, 0.1, 1e-12]))  # floor: top_db=80 below the peak
    array([  0., -10., -80.])
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> S = np.abs(melforge.stft(y)) ** 2
    >>> S_db = melforge.power_to_db(S, ref=np.max)
    >>> float(S_db.max()), float(S_db.min())
    (0.0, -80.0)
    """
    _check(amin, top_db)
    if is_tensor(S):
        from melforge._torch import spectral as torch_spectral

        return torch_spectral.power_to_db(S, ref=ref, amin=amin, top_db=top_db)
    S = np.asarray(S)
    if np.iscomplexobj(S):
        warnings.warn(
            "power_to_db was called on complex input so phase information will be "
            "discarded. To suppress this warning, call power_to_db(np.abs(D)**2) instead.",
            stacklevel=2,
        )
        magnitude = np.abs(S)
    else:
        magnitude = S
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    return _to_db(magnitude, square=False, ref_value=ref_value, amin=amin, top_db=top_db)


def amplitude_to_db(
    S: Any,  # noqa: N803
    *,
    ref: Ref = 1.0,
    amin: float = 1e-5,
    top_db: Optional[float] = 80.0,
) -> Any:
    """Convert an amplitude (magnitude) spectrogram to decibels: ``20 * log10(S / ref)``.

    Parameters
    ----------
    S : np.ndarray or torch.Tensor [shape=(...)]
        Magnitudes.  Complex input is reduced to ``abs(S)`` with a warning.  A tensor
        gives a tensor on its device.
    ref : float, array or callable
        Reference amplitude: a number or a function of ``abs(S)`` such as ``np.max``;
        an array broadcasts against ``S``.
    amin : float > 0
        Floor applied to ``S`` and ``ref`` (1e-5 is -100 dB).
    top_db : float >= 0 or None
        Clamp the output to at least ``max - top_db`` dB; None disables the clamp.

    Returns
    -------
    np.ndarray [shape=(...)]
        dB values, computed as ``power_to_db(abs(S) ** 2, ref=ref ** 2, amin=amin ** 2)``
        exactly as librosa does.

    Raises
    ------
    ParameterError
        If ``amin <= 0`` or ``top_db < 0``.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.amplitude_to_db(np.array([1.0, 0.1, 0.001]))
    array([  0., -20., -60.])
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> S_db = melforge.amplitude_to_db(np.abs(melforge.stft(y)), ref=np.max)
    >>> S_db.shape, S_db.dtype
    ((1025, 415), dtype('float32'))
    """
    _check(amin, top_db)
    if is_tensor(S):
        from melforge._torch import spectral as torch_spectral

        return torch_spectral.amplitude_to_db(S, ref=ref, amin=amin, top_db=top_db)
    S = np.asarray(S)
    if np.iscomplexobj(S):
        warnings.warn(
            "amplitude_to_db was called on complex input so phase information will be "
            "discarded. To suppress this warning, call amplitude_to_db(np.abs(S)) instead.",
            stacklevel=2,
        )
        magnitude = np.abs(S)
    elif np.issubdtype(S.dtype, np.floating) and S.ndim and not callable(ref):
        magnitude = S  # abs is folded into the square below
    else:
        magnitude = np.abs(S)
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    return _to_db(magnitude, square=True, ref_value=ref_value**2, amin=amin**2, top_db=top_db)


def db_to_power(S_db: Any, *, ref: float = 1.0) -> Any:  # noqa: N803
    """Convert decibels back to power: ``ref * 10 ** (S_db / 10)``.

    Parameters
    ----------
    S_db : np.ndarray, torch.Tensor or number
        Values in dB.
    ref : float
        Reference power (the value that maps to 0 dB).

    Returns
    -------
    np.ndarray or number
        Power, in ``S_db``'s floating dtype.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.db_to_power(np.array([0.0, -10.0, -20.0]))
    array([1.  , 0.1 , 0.01])
    """
    if is_tensor(S_db):
        from melforge._torch import spectral as torch_spectral

        return torch_spectral.db_to_power(S_db, ref=ref)
    return ref * np.power(10.0, S_db * 0.1)


def db_to_amplitude(S_db: Any, *, ref: float = 1.0) -> Any:  # noqa: N803
    """Convert decibels back to amplitude: ``ref * 10 ** (S_db / 20)``.

    Parameters
    ----------
    S_db : np.ndarray, torch.Tensor or number
        Values in dB.
    ref : float
        Reference amplitude (the value that maps to 0 dB).

    Returns
    -------
    np.ndarray or number
        Amplitude, in ``S_db``'s floating dtype.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.db_to_amplitude(np.array([0.0, -20.0, -40.0]))
    array([1.  , 0.1 , 0.01])
    """
    return db_to_power(S_db, ref=ref**2) ** 0.5
