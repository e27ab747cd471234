"""Frequency weighting curves (A, B, C, D, Z) in dB, and perceptual weighting of a spectrogram.

The curves are the analogue weightings of IEC 61672 (A, C, Z), the withdrawn B curve
and the D curve of IEC 537, written with the pole frequencies librosa 0.11 uses, so the
numbers are librosa's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.spectral import power_to_db

__all__ = ["A_weighting", "frequency_weighting", "perceptual_weighting"]


def _floor(weights: Any, min_db: Optional[float]) -> Any:
    return weights if min_db is None else np.maximum(min_db, weights)


def A_weighting(frequencies: Any, *, min_db: Optional[float] = -80.0) -> Any:  # noqa: N802
    """Return the A-weighting of ``frequencies`` in dB (0 dB at 1 kHz).

    Parameters
    ----------
    frequencies : number or np.ndarray [shape=(...)]
        Frequencies in Hz.
    min_db : float or None
        Floor in dB (default -80 dB; 0 Hz would be -inf).  None: no floor.

    Returns
    -------
    np.floating or np.ndarray [shape=(...)]
        Weights in dB.

    Examples
    --------
    >>> import melforge
    >>> abs(float(melforge.A_weighting(1000.0))) < 0.01
    True
    """
    with np.errstate(divide="ignore"):  # 0 Hz is -inf dB, then floored at min_db
        f_sq = np.asanyarray(frequencies) ** 2.0
        c = np.array([12194.217, 20.598997, 107.65265, 737.86223]) ** 2.0
        weights = 2.0 + 20.0 * (
            np.log10(c[0])
            + 2 * np.log10(f_sq)
            - np.log10(f_sq + c[0])
            - np.log10(f_sq + c[1])
            - 0.5 * np.log10(f_sq + c[2])
            - 0.5 * np.log10(f_sq + c[3])
        )
    return _floor(weights, min_db)


def _b_weighting(frequencies: Any, *, min_db: Optional[float] = -80.0) -> Any:
    with np.errstate(divide="ignore"):  # 0 Hz is -inf dB, then floored at min_db
        f_sq = np.asanyarray(frequencies) ** 2.0
        c = np.array([12194.217, 20.598997, 158.48932]) ** 2.0
        weights = 0.17 + 20.0 * (
            np.log10(c[0])
            + 1.5 * np.log10(f_sq)
            - np.log10(f_sq + c[0])
            - np.log10(f_sq + c[1])
            - 0.5 * np.log10(f_sq + c[2])
        )
    return _floor(weights, min_db)


def _c_weighting(frequencies: Any, *, min_db: Optional[float] = -80.0) -> Any:
    with np.errstate(divide="ignore"):  # 0 Hz is -inf dB, then floored at min_db
        f_sq = np.asanyarray(frequencies) ** 2.0
        c = np.array([12194.217, 20.598997]) ** 2.0
        weights = 0.062 + 20.0 * (
            np.log10(c[0]) + np.log10(f_sq) - np.log10(f_sq + c[0]) - np.log10(f_sq + c[1])
        )
    return _floor(weights, min_db)


def _d_weighting(frequencies: Any, *, min_db: Optional[float] = -80.0) -> Any:
    with np.errstate(divide="ignore"):  # 0 Hz is -inf dB, then floored at min_db
        f_sq = np.asanyarray(frequencies) ** 2.0
        c = np.array([8.3046305e-3, 1018.7, 1039.6, 3136.5, 3424, 282.7, 1160]) ** 2.0
        weights = 20.0 * (
            0.5 * np.log10(f_sq)
            - np.log10(c[0])
            + 0.5
            * (
                np.log10((c[1] - f_sq) ** 2 + c[2] * f_sq)
                - np.log10((c[3] - f_sq) ** 2 + c[4] * f_sq)
                - np.log10(c[5] + f_sq)
                - np.log10(c[6] + f_sq)
            )
        )
    return _floor(weights, min_db)


def _z_weighting(frequencies: Any, *, min_db: Optional[float] = None) -> Any:
    return _floor(np.zeros(len(frequencies)), min_db)


_CURVES: dict[Optional[str], Callable[..., Any]] = {
    "A": A_weighting,
    "B": _b_weighting,
    "C": _c_weighting,
    "D": _d_weighting,
    "Z": _z_weighting,
    None: _z_weighting,
}


def frequency_weighting(frequencies: Any, *, kind: str = "A", **kwargs: Any) -> Any:
    """Return a weighting curve (``kind`` A, B, C, D or Z) at ``frequencies``, in dB.

    Parameters
    ----------
    frequencies : number or np.ndarray [shape=(...)]
        Frequencies in Hz (an array or sequence for ``kind="Z"``).
    kind : {"A", "B", "C", "D", "Z"} or None
        Curve (case-insensitive); ``"Z"`` and None are flat (0 dB).
    **kwargs
        ``min_db`` (floor in dB; default -80 for A-D, none for Z); any other key raises
        ``TypeError``.

    Returns
    -------
    np.floating or np.ndarray [shape=(...)]
        Weights in dB.

    Raises
    ------
    ParameterError
        If ``kind`` is not one of the curves.

    Examples
    --------
    >>> import melforge
    >>> round(float(melforge.frequency_weighting(100.0, kind="C")), 2)
    -0.3
    """
    unknown = sorted(set(kwargs) - {"min_db"})
    if unknown:
        raise TypeError(f"frequency_weighting() got an unexpected keyword argument {unknown[0]!r}")
    key = kind.upper() if isinstance(kind, str) else kind
    if key not in _CURVES:
        raise ParameterError(f"kind={kind!r} must be one of 'A', 'B', 'C', 'D', 'Z' or None")
    return _CURVES[key](frequencies, **kwargs)


def perceptual_weighting(
    S: np.ndarray,  # noqa: N803 - librosa's name
    frequencies: np.ndarray,
    *,
    kind: str = "A",
    **kwargs: Any,
) -> np.ndarray:
    """Convert a power spectrogram to dB and add a frequency weighting per row.

    Parameters
    ----------
    S : np.ndarray [shape=(..., d, t)] >= 0
        Power spectrogram (e.g. ``np.abs(stft(y)) ** 2``).
    frequencies : np.ndarray [shape=(d,)]
        Centre frequency of each row in Hz (e.g. :func:`melforge.fft_frequencies`).
    kind : {"A", "B", "C", "D", "Z"}
        Weighting curve (see :func:`frequency_weighting`).
    **kwargs
        Passed to :func:`melforge.power_to_db` (``ref``, ``amin``, ``top_db``).

    Returns
    -------
    np.ndarray [shape=S.shape]
        ``frequency_weighting(frequencies)[:, None] + power_to_db(S, **kwargs)``, in dB.

    Notes
    -----
    ``power_to_db`` is melforge's, which keeps float32 input in float32; the weights are
    float64, so the sum is float64 as in librosa.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> S = np.abs(melforge.stft(melforge.tone(440, length=22050))) ** 2
    >>> f = melforge.fft_frequencies(sr=22050)
    >>> melforge.perceptual_weighting(S, f).shape
    (1025, 44)
    """
    offset = frequency_weighting(frequencies, kind=kind).reshape((-1, 1))
    result: np.ndarray = offset + power_to_db(S, **kwargs)
    return result
