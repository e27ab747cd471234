"""Test signals and sample-domain analysis with librosa 0.11's names and results.

``tone``, ``chirp`` and ``clicks`` synthesize; ``zero_crossings``, ``autocorrelate`` and
``lpc`` analyse a signal along an axis.  All are pure numpy (librosa's use numba and
``scipy.signal.chirp``), so none of them loads ``scipy.signal``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Optional, Union

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_positive_int, check_sr
from melforge.convert import frames_to_samples, time_to_samples
from melforge.fftlib import get_fftlib
from melforge.util.arrays import tiny, valid_audio

__all__ = ["tone", "chirp", "clicks", "zero_crossings", "autocorrelate", "lpc"]


def _length(sr: float, length: Optional[int], duration: Optional[float]) -> int:
    if length is not None:
        return check_positive_int("length", length)
    if duration is None:
        raise ParameterError("either length= (samples) or duration= (seconds) must be given")
    return int(duration * sr)


def tone(
    frequency: float,
    *,
    sr: float = 22050,
    length: Optional[int] = None,
    duration: Optional[float] = None,
    phi: Optional[float] = None,
) -> np.ndarray:
    """Return a pure tone ``cos(2 pi f t + phi)`` (a sine for the default ``phi``).

    Parameters
    ----------
    frequency : float > 0
        Frequency in Hz.
    sr : float > 0
        Sample rate in Hz.
    length : int > 0 or None
        Samples; takes precedence over ``duration``.
    duration : float > 0 or None
        Seconds (``int(duration * sr)`` samples).
    phi : float or None
        Phase offset in radians; None is ``-pi / 2``, a sine starting at 0.

    Returns
    -------
    np.ndarray [shape=(length,), dtype=float64]
        The tone, amplitude 1.

    Notes
    -----
    float64 as in librosa (melforge's own functions return float32); cast with
    ``.astype(np.float32)`` if needed.

    Examples
    --------
    >>> import melforge
    >>> melforge.tone(440, sr=22050, duration=1.0).shape
    (22050,)
    """
    if frequency is None:
        raise ParameterError("frequency must be given (Hz)")
    sr = check_sr(sr)
    n = _length(sr, length, duration)
    phase = -np.pi * 0.5 if phi is None else phi
    y: np.ndarray = np.cos(2 * np.pi * frequency * np.arange(n) / sr + phase)
    return y


def chirp(
    *,
    fmin: float,
    fmax: float,
    sr: float = 22050,
    length: Optional[int] = None,
    duration: Optional[float] = None,
    linear: bool = False,
    phi: Optional[float] = None,
) -> np.ndarray:
    """Return a sweep from ``fmin`` to ``fmax`` Hz, exponential (default) or linear.

    Parameters
    ----------
    fmin, fmax : float > 0
        Start and end frequency in Hz (``fmax < fmin`` sweeps down).
    sr : float > 0
        Sample rate in Hz.
    length : int > 0 or None
        Samples; takes precedence over ``duration``.
    duration : float > 0 or None
        Seconds.
    linear : bool
        Linear sweep instead of exponential ("logarithmic").
    phi : float or None
        Phase offset in radians; None is ``-pi / 2`` (starts at 0).

    Returns
    -------
    np.ndarray [shape=(n,), dtype=float64]
        ``cos(phase(t) + phi)`` with the instantaneous frequency going from ``fmin`` at
        ``t = 0`` to ``fmax`` at ``t = duration``.

    Notes
    -----
    Same phase law as ``scipy.signal.chirp`` (which librosa calls), computed here
    directly: exponential ``2 pi fmin T / ln(fmax / fmin) ((fmax / fmin) ** (t / T) -
    1)``, linear ``2 pi (fmin t + (fmax - fmin) t**2 / (2 T))``.  float64 as in librosa.

    Examples
    --------
    >>> import melforge
    >>> melforge.chirp(fmin=110, fmax=880, sr=22050, duration=1.0).shape
    (22050,)
    """
    if fmin is None or fmax is None:
        raise ParameterError("both fmin and fmax must be given (Hz)")
    sr = check_sr(sr)
    if length is None:
        if duration is None:
            raise ParameterError(
                "either length= (samples) or duration= (seconds) must be given"
            )
    else:
        duration = (1.0 / sr) * check_positive_int("length", length)  # librosa's rounding
    t = np.arange(int(duration * sr)) / sr
    f0, f1, t1 = float(fmin), float(fmax), float(duration)
    if linear:
        phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / t1 * t * t)
    else:
        if f0 * f1 <= 0:
            raise ParameterError(f"fmin={fmin!r} and fmax={fmax!r} must be > 0 for a log sweep")
        if f0 == f1:
            phase = 2 * np.pi * f0 * t
        else:
            beta = t1 / np.log(f1 / f0)
            phase = 2 * np.pi * beta * f0 * (np.power(f1 / f0, t / t1) - 1.0)
    offset = -np.pi * 0.5 if phi is None else phi
    y: np.ndarray = np.cos(phase + offset)
    return y


def _default_click(sr: float, click_freq: float, click_duration: float) -> np.ndarray:
    if not click_duration > 0:
        raise ParameterError(f"click_duration={click_duration!r} must be > 0 (seconds)")
    if not click_freq > 0:
        raise ParameterError(f"click_freq={click_freq!r} must be > 0 (Hz)")
    click = np.logspace(0, -10, num=int(sr * click_duration), base=2.0)
    return click * np.sin(2 * np.pi * click_freq / float(sr) * np.arange(len(click)))


def clicks(
    *,
    times: Optional[Sequence[float]] = None,
    frames: Optional[Sequence[int]] = None,
    sr: float = 22050,
    hop_length: int = 512,
    click_freq: float = 1000.0,
    click_duration: float = 0.1,
    click: Optional[np.ndarray] = None,
    length: Optional[int] = None,
) -> np.ndarray:
    """Return a signal with a click at each of ``times`` (seconds) or ``frames``.

    Parameters
    ----------
    times : array of float or None
        Click times in seconds; takes precedence over ``frames``.
    frames : array of int or None
        Click positions in frames of ``hop_length`` samples.
    sr : float > 0
        Sample rate in Hz.
    hop_length : int > 0
        Samples per frame, for ``frames``.
    click_freq : float > 0
        Frequency of the default click in Hz (a sine decaying by 2**-10 over its length).
    click_duration : float > 0
        Length of the default click in seconds (0.1 s).
    click : np.ndarray [shape=(..., k)] or None
        Your own click waveform instead.
    length : int > 0 or None
        Output samples; clicks past the end are dropped or cut.  None: up to the end of
        the last click.

    Returns
    -------
    np.ndarray [shape=(..., length), dtype=float32]
        The click track.

    Examples
    --------
    >>> import melforge
    >>> melforge.clicks(times=[0.0, 0.5], sr=22050, length=22050).dtype
    dtype('float32')
    """
    if times is not None:
        positions = np.atleast_1d(time_to_samples(times, sr=sr))
    elif frames is not None:
        positions = np.atleast_1d(frames_to_samples(frames, hop_length=hop_length))
    else:
        raise ParameterError("either times= (seconds) or frames= must be given")
    if click is not None:
        valid_audio(click)
    else:
        click = _default_click(sr, click_freq, click_duration)
    if length is None:
        length = int(positions.max()) + click.shape[-1]
    elif length < 1:
        raise ParameterError(f"length={length!r} must be a positive integer")
    else:
        positions = positions[positions < length]
    out = np.zeros((*click.shape[:-1], length), dtype=np.float32)
    for start in positions:
        stop = min(start + click.shape[-1], length)
        out[..., start:stop] += click[..., : stop - start]
    return out


def zero_crossings(
    y: np.ndarray,
    *,
    threshold: float = 1e-10,
    ref_magnitude: Optional[Union[float, Callable[..., Any]]] = None,
    pad: bool = True,
    zero_pos: bool = True,
    axis: int = -1,
) -> np.ndarray:
    """Mark the samples where ``y`` changes sign.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], float
        Signal.
    threshold : float >= 0
        Values within ``[-threshold, threshold]`` count as zero.
    ref_magnitude : float, callable or None
        Scale ``threshold`` by this (a callable gets ``np.abs(y)``, e.g. ``np.max``).
    pad : bool
        Value of the first sample's flag (it has no predecessor).
    zero_pos : bool
        True: zero counts as positive (``signbit``); False: zero is its own sign, so
        ``+1 -> 0`` is a crossing too.
    axis : int
        Axis along which to compare neighbours.

    Returns
    -------
    np.ndarray [shape=y.shape, dtype=bool]
        True at ``y[i]`` when ``y[i]`` and ``y[i - 1]`` differ in sign.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.zero_crossings(np.array([1.0, -1.0, -2.0, 3.0]), pad=False)
    array([False,  True, False,  True])
    """
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"y must be floating-point, got dtype {y.dtype}")
    if callable(ref_magnitude):
        threshold = threshold * ref_magnitude(np.abs(y))
    elif ref_magnitude is not None:
        threshold = threshold * ref_magnitude
    limit = y.dtype.type(threshold)
    yi = y.swapaxes(-1, axis)
    yz = np.where((-limit <= yi) & (yi <= limit), y.dtype.type(0), yi)
    z = np.zeros(y.shape, dtype=bool)
    zi = z.swapaxes(-1, axis)
    if zero_pos:
        zi[..., 1:] = np.signbit(yz[..., 1:]) != np.signbit(yz[..., :-1])
    else:
        zi[..., 1:] = np.sign(yz[..., 1:]) != np.sign(yz[..., :-1])
    if zi.shape[-1]:
        zi[..., 0] = pad
    return z


def autocorrelate(y: np.ndarray, *, max_size: Optional[int] = None, axis: int = -1) -> np.ndarray:
    """Return the (unnormalized) autocorrelation of ``y`` along ``axis``, via the FFT.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], real or complex
        Signal.
    max_size : int > 0 or None
        Keep lags ``0 .. max_size - 1`` only (default: all ``n``).
    axis : int
        Axis along which to correlate.

    Returns
    -------
    np.ndarray [shape=(..., min(max_size, n))]
        ``r[k] = sum_t y[t + k] * conj(y[t])``.

    Notes
    -----
    The FFT library is :func:`melforge.get_fftlib` (``scipy.fft`` unless changed with
    :func:`melforge.set_fftlib`), zero-padding to ``scipy.fft.next_fast_len(2 n - 1)``
    as librosa does, so the numbers are librosa's to the last bit.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> np.round(melforge.autocorrelate(np.array([1.0, 2.0, 3.0])), 6)
    array([14.,  8.,  3.])
    """
    import scipy.fft

    y = np.asarray(y)
    n = y.shape[axis]
    max_size = n if max_size is None else int(min(max_size, n))
    fft = get_fftlib()
    real = not np.iscomplexobj(y)
    n_pad = scipy.fft.next_fast_len(2 * n - 1, real=real)
    if real:
        spec = fft.rfft(y, n=n_pad, axis=axis)
        autocorr = fft.irfft(spec.real**2 + spec.imag**2, n=n_pad, axis=axis)
    else:
        spec = fft.fft(y, n=n_pad, axis=axis)
        autocorr = fft.ifft(spec.real**2 + spec.imag**2, n=n_pad, axis=axis)
    index = [slice(None)] * autocorr.ndim
    index[axis] = slice(max_size)
    result: np.ndarray = autocorr[tuple(index)]
    return result


def lpc(y: np.ndarray, *, order: int, axis: int = -1) -> np.ndarray:
    """Linear-prediction coefficients of ``y`` by Burg's method.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], float, finite
        Signal (e.g. a speech frame), ``n > order``.
    order : int > 0
        Number of predictor coefficients.
    axis : int
        Axis holding time.

    Returns
    -------
    np.ndarray [shape=(..., order + 1), dtype=y.dtype]
        ``a`` with ``a[0] == 1``: the filter ``y[t] ~ -sum_k a[k] y[t - k]``, i.e.
        ``scipy.signal.lfilter([0, *-a[1:]], [1], y)`` predicts ``y``.

    Raises
    ------
    ParameterError
        ``order`` not a positive integer, or ``y`` not valid audio.

    Notes
    -----
    The recursion is librosa's (Marple's formulation of Burg's method, with the same
    ``tiny`` guard in the denominator), written with numpy instead of numba.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y = melforge.tone(440, sr=8000, length=800)
    >>> melforge.lpc(y, order=2).shape
    (3,)
    """
    order = check_positive_int("order", order)
    valid_audio(y)
    y = y.swapaxes(axis, 0)
    dtype = y.dtype
    a = np.zeros((order + 1, *y.shape[1:]), dtype=dtype)
    a[0] = 1
    a_prev = a.copy()
    eps = tiny(np.zeros((), dtype=dtype))
    fwd, bwd = y[1:], y[:-1]
    den = np.sum(fwd**2 + bwd**2, axis=0)
    for i in range(order):
        k = -2 * np.sum(bwd * fwd, axis=0)
        k = (k / (den + eps)).astype(dtype)
        a_prev, a = a, a_prev
        for j in range(1, i + 2):
            a[j] = a_prev[j] + k * a_prev[i - j + 1]
        fwd, bwd = fwd + k * bwd, bwd + k * fwd
        den = (1.0 - k**2) * den - bwd[-1] ** 2 - fwd[0] ** 2
        fwd, bwd = fwd[1:], bwd[:-1]
    return np.swapaxes(a, 0, axis)
