"""Per-channel energy normalization (``pcen``), as librosa 0.11's.

scipy.signal (the smoothing filter) and scipy.ndimage (the optional max filter) are
imported on the first call, so ``import melforge`` stays light.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, Union

import numpy as np

from melforge._errors import ParameterError

__all__ = ["pcen"]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ParameterError(f"{name}={value!r} must be a number")
    return float(value)


def _check(power: Any, gain: Any, bias: Any, eps: Any, time_constant: Any, max_size: Any) -> None:
    if not _number("power", power) >= 0:
        raise ParameterError(f"power={power!r} must be non-negative")
    if not _number("gain", gain) >= 0:
        raise ParameterError(f"gain={gain!r} must be non-negative")
    if not _number("bias", bias) >= 0:
        raise ParameterError(f"bias={bias!r} must be non-negative")
    if not _number("eps", eps) > 0:
        raise ParameterError(f"eps={eps!r} must be strictly positive")
    if not _number("time_constant", time_constant) > 0:
        raise ParameterError(f"time_constant={time_constant!r} must be strictly positive")
    if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)) or max_size < 1:
        raise ParameterError(f"max_size={max_size!r} must be a positive integer")


def pcen(
    S: np.ndarray,  # noqa: N803
    *,
    sr: float = 22050,
    hop_length: int = 512,
    gain: float = 0.98,
    bias: float = 2,
    power: float = 0.5,
    time_constant: float = 0.400,
    eps: float = 1e-6,
    b: Optional[float] = None,
    max_size: int = 1,
    ref: Optional[np.ndarray] = None,
    axis: int = -1,
    max_axis: Optional[int] = None,
    zi: Optional[np.ndarray] = None,
    return_zf: bool = False,
) -> Union[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Per-channel energy normalization (Wang et al., 2017), as :func:`librosa.pcen`.

    ``M`` is ``S`` (or ``ref``) smoothed along ``axis`` by the one-pole low-pass
    ``M[t] = (1 - b) M[t - 1] + b S[t]``; then
    ``P = (S / (eps + M) ** gain + bias) ** power - bias ** power``.

    Parameters
    ----------
    S : np.ndarray [shape=(..., d, t), non-negative]
        A magnitude or power spectrogram (e.g. a mel spectrogram scaled by ``2 ** 31``
        for audio in [-1, 1]).  Complex input is reduced to its magnitude with a warning.
    sr : float > 0
        Sample rate in Hz.
    hop_length : int > 0
        Samples between frames.
    gain : float >= 0
        Exponent of the automatic gain control (alpha).
    bias : float >= 0
        Bias added before compression (delta).
    power : float >= 0
        Compression exponent (r); 0 gives ``log1p`` compression.
    time_constant : float > 0
        Smoother time constant in seconds (0.4 s); sets ``b`` when ``b`` is None.
    eps : float > 0
        Floor of the smoothed energy.
    b : float in [0, 1] or None
        Smoothing coefficient; derived from ``time_constant * sr / hop_length`` frames
        if None.
    max_size : int > 0
        With ``max_size > 1``, ``ref`` is ``S`` max-filtered over ``max_size`` bins
        along ``max_axis`` (suppresses narrow-band noise).
    ref : np.ndarray [shape=S.shape] or None
        The energies to smooth instead of ``S``.
    axis : int
        Time axis.
    max_axis : int or None
        Frequency axis of the max filter (the other axis of a 2-D ``S`` if None).
    zi : np.ndarray or None
        Initial state of the smoother (steady state for the first frame if None).
    return_zf : bool
        Also return the smoother's final state, to continue on the next block.

    Returns
    -------
    P : np.ndarray [shape=S.shape]
        The PCEN spectrogram; float32 for float32 input.
    zf : np.ndarray
        The final smoother state (when ``return_zf``).

    Notes
    -----
    librosa returns float64 for float32 input (scipy's filter promotes); melforge
    computes the same float64 values and returns them in the input's precision.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> S = melforge.feature.melspectrogram(y=y, sr=sr, power=1)
    >>> P = melforge.pcen(S * (2**31), sr=sr)
    >>> P.shape == S.shape and P.dtype == S.dtype
    True
    """
    _check(power, gain, bias, eps, time_constant, max_size)
    if b is None:
        frames = time_constant * sr / float(hop_length)
        # b**2 + (1 - b) / frames - 2 = 0: the smoother's half-power width
        b = (np.sqrt(1 + 4 * frames**2) - 1) / (2 * frames**2)
    if not 0 <= _number("b", b) <= 1:
        raise ParameterError(f"b={b!r} must be between 0 and 1")
    S = np.asarray(S)
    if np.iscomplexobj(S):
        warnings.warn(
            "pcen was called on complex input so phase information will be discarded; "
            "call pcen(np.abs(D)) instead",
            stacklevel=2,
        )
        S = np.abs(S)
    out_dtype = np.float32 if S.dtype == np.float32 else np.float64
    if ref is None:
        if max_size == 1:
            ref = S
        elif S.ndim == 1:
            raise ParameterError(
                "Max-filtering (max_size > 1) cannot be applied to 1-dimensional S"
            )
        else:
            if max_axis is None:
                if S.ndim != 2:
                    raise ParameterError(
                        f"Max-filtering a {S.ndim:d}-dimensional spectrogram requires max_axis"
                    )
                max_axis = int(np.mod(1 - axis, 2))
            import scipy.ndimage

            ref = scipy.ndimage.maximum_filter1d(S, max_size, axis=max_axis)
    import scipy.signal

    if zi is None:
        zi = np.empty((1,) * np.ndim(ref))
        zi[:] = scipy.signal.lfilter_zi([b], [1, b - 1])[:]
    smoothed, zf = scipy.signal.lfilter([b], [1, b - 1], ref, zi=zi, axis=axis)
    # gain control in log space, as librosa
    gain_term = np.exp(-gain * (np.log(eps) + np.log1p(smoothed / eps)))
    if power == 0:
        out = np.log1p(S * gain_term)
    elif bias == 0:
        with np.errstate(divide="ignore"):  # log(0) = -inf gives exp(-inf) = 0, as intended
            out = np.exp(power * (np.log(S) + np.log(gain_term)))
    else:
        out = (bias**power) * np.expm1(power * np.log1p(S * gain_term / bias))
    out = np.asarray(out).astype(out_dtype, copy=False)
    if return_zf:
        return out, zf
    return out
