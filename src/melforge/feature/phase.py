"""Phase: ``phase_vocoder`` (time scaling of an STFT) and ``griffinlim`` (phase retrieval).

Both follow librosa 0.11 step for step, over melforge's own :func:`~melforge.stft` and
:func:`~melforge.istft`.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, Union

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_positive_int
from melforge.convert import fft_frequencies
from melforge.spectral.fourier import istft, stft
from melforge.spectral.framing import PadMode
from melforge.spectral.windows import WindowSpec

__all__ = ["phase_vocoder", "griffinlim"]

RandomState = Union[int, np.random.RandomState, np.random.Generator]


def _phasor(angles: np.ndarray, mag: Any = None) -> np.ndarray:
    """``mag * (cos(angles) + 1j sin(angles))`` in the precision of ``angles``."""
    cdt = np.complex64 if angles.dtype == np.float32 else np.complex128
    z = np.empty(angles.shape, dtype=cdt)
    z.real = np.cos(angles)
    z.imag = np.sin(angles)
    if mag is not None:
        z *= mag
    return z


def phase_vocoder(
    D: np.ndarray,  # noqa: N803
    *,
    rate: float,
    hop_length: Optional[int] = None,
    n_fft: Optional[int] = None,
) -> np.ndarray:
    """Speed up (``rate > 1``) or slow down an STFT by ``rate`` without changing pitch.

    Output frame ``t`` interpolates the magnitudes of input frames ``floor(t * rate)``
    and the next one, and advances each bin's phase by the measured instantaneous
    frequency (the phase difference of those two frames), as librosa's
    ``phase_vocoder``.

    Parameters
    ----------
    D : np.ndarray [shape=(..., 1 + n_fft // 2, t), complex]
        STFT matrix.
    rate : float > 0
        Speed-up factor.
    hop_length : int > 0 or None
        Hop of ``D`` in samples; ``n_fft // 4`` if None.
    n_fft : int > 0 or None
        FFT size of ``D``; ``2 * (D.shape[-2] - 1)`` if None.

    Returns
    -------
    np.ndarray [shape=(..., 1 + n_fft // 2, ceil(t / rate)), complex]
        The time-scaled STFT, in ``D``'s dtype.

    Notes
    -----
    The phase accumulator has the precision of ``D`` (float32 for complex64), as
    librosa's: for long complex64 inputs its rounding drifts exactly as librosa's does.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> D = melforge.stft(y, n_fft=2048, hop_length=512)
    >>> fast = melforge.phase_vocoder(D, rate=2.0, hop_length=512)
    >>> fast.shape[-1] == -(-D.shape[-1] // 2)
    True
    """
    D = np.asarray(D)
    if D.ndim < 2 or D.shape[-1] < 1:
        raise ParameterError(
            f"D must have at least 2 dimensions and one frame, got shape={D.shape}"
        )
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) or not rate > 0:
        raise ParameterError(f"rate={rate!r} must be a positive number")
    if not np.isfinite(rate):
        raise ParameterError(f"rate={rate!r} must be finite")
    if n_fft is None:
        n_fft = 2 * (D.shape[-2] - 1)
    n_fft = check_positive_int("n_fft", n_fft)
    hop_length = check_positive_int("hop_length", n_fft // 4 if hop_length is None else hop_length)
    steps = np.arange(0, D.shape[-1], rate, dtype=np.float64)
    advance = hop_length * fft_frequencies(sr=2 * np.pi, n_fft=n_fft)
    padded = np.pad(D, [(0, 0)] * (D.ndim - 1) + [(0, 2)], mode="constant")
    left = steps.astype(np.int64)
    alpha = np.mod(steps, 1.0)
    mag_all = np.abs(padded)
    ang_all = np.angle(padded)
    a0, a1 = ang_all[..., left], ang_all[..., left + 1]
    # magnitude interpolation, librosa's expression and dtype flow
    mag = (1.0 - alpha) * mag_all[..., left] + alpha * mag_all[..., left + 1]
    dphase = a1 - a0 - advance[:, None]
    dphase = dphase - 2.0 * np.pi * np.round(dphase / (2.0 * np.pi))
    step_phase = advance[:, None] + dphase  # float64 increments
    # the accumulator keeps the angle dtype: each step rounds like librosa's in-place add
    acc = np.angle(D[..., 0])
    phases = np.empty((*acc.shape, len(steps)), dtype=acc.dtype)
    for t in range(len(steps)):
        phases[..., t] = acc
        acc += step_phase[..., t]
    out = np.zeros_like(D, shape=(*D.shape[:-1], len(steps)))
    out[...] = _phasor(phases, mag)
    return out


def _rng(random_state: Optional[RandomState]) -> Any:
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.RandomState(seed=int(random_state))
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    raise ParameterError(
        f"random_state={random_state!r} must be None, an int, a numpy RandomState or Generator"
    )


def griffinlim(
    S: np.ndarray,  # noqa: N803
    *,
    n_iter: int = 32,
    hop_length: Optional[int] = None,
    win_length: Optional[int] = None,
    n_fft: Optional[int] = None,
    window: WindowSpec = "hann",
    center: bool = True,
    dtype: Any = None,
    length: Optional[int] = None,
    pad_mode: PadMode = "constant",
    momentum: float = 0.99,
    init: Optional[str] = "random",
    random_state: Optional[RandomState] = None,
) -> np.ndarray:
    """Signal whose STFT magnitude approximates ``S``: fast Griffin-Lim, as librosa's.

    Each iteration inverts the current estimate, re-analyses it, and keeps the new
    phases with the magnitudes of ``S``; ``momentum`` extrapolates the phase update
    (Perraudin, Balazs and Søndergaard, 2013).

    Parameters
    ----------
    S : np.ndarray [shape=(..., 1 + n_fft // 2, t), non-negative]
        STFT magnitudes.
    n_iter : int > 0
        Iterations.
    hop_length, win_length, n_fft, window, center, length, pad_mode
        The STFT geometry (see :func:`melforge.stft` and :func:`melforge.istft`);
        ``n_fft`` defaults to ``2 * (S.shape[-2] - 1)``.
    dtype : real dtype or None
        Output dtype; float32 for float32 ``S`` if None.
    momentum : float >= 0
        Momentum of the phase update (0: classic Griffin-Lim; above 1 warns).
    init : {"random", None}
        Initial phases: uniformly random, or all zero (deterministic).
    random_state : None, int, np.random.RandomState or np.random.Generator
        Source of the random initial phases: an int seeds a ``RandomState``, as librosa,
        so the same seed gives the same phases as librosa's; None draws fresh ones.

    Returns
    -------
    np.ndarray [shape=(..., n)]
        The reconstructed signal (``n = length`` if given).

    Notes
    -----
    melforge's float32 STFT differs from librosa's (float64, rounded) by about 1e-7 of
    the peak per pass; over the iterations the estimates drift apart by more (see
    ``tests/reference/test_librosa_phase.py`` for the measured bound).

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), duration=1.0)
    >>> S = np.abs(melforge.stft(y))
    >>> y_hat = melforge.griffinlim(S, n_iter=8, random_state=0, length=len(y))
    >>> y_hat.shape == y.shape
    True
    """
    rng = _rng(random_state)
    n_iter = check_positive_int("n_iter", n_iter)
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float, np.number)):
        raise ParameterError(f"momentum={momentum!r} must be a number")
    if momentum > 1:
        warnings.warn(
            f"Griffin-Lim with momentum={momentum} > 1 can be unstable; use momentum <= 1",
            stacklevel=2,
        )
    elif not momentum >= 0:
        raise ParameterError(f"griffinlim() called with momentum={momentum} < 0")
    S = np.asarray(S)
    if S.ndim < 2:
        raise ParameterError(f"S must have at least 2 dimensions, got shape={S.shape}")
    if np.iscomplexobj(S):
        raise ParameterError("S must be real STFT magnitudes; pass np.abs(D)")
    if n_fft is None:
        n_fft = 2 * (S.shape[-2] - 1)
    cdt = np.complex64 if S.dtype == np.float32 else np.complex128
    angles = np.empty(S.shape, dtype=cdt)
    eps = np.finfo(angles.dtype).tiny
    if init == "random":
        angles[:] = _phasor(2 * np.pi * rng.random(size=S.shape))
    elif init is None:
        angles[:] = 1.0
    else:
        raise ParameterError(f"init={init!r} must be either None or 'random'")
    geometry: dict[str, Any] = dict(
        hop_length=hop_length, win_length=win_length, n_fft=n_fft, window=window, center=center
    )
    rebuilt: Optional[np.ndarray] = None
    previous: Optional[np.ndarray] = None
    inverse: Optional[np.ndarray] = None
    angles *= S
    for _ in range(n_iter):
        inverse = istft(angles, dtype=dtype, length=length, out=inverse, **geometry)
        rebuilt = stft(inverse, pad_mode=pad_mode, out=rebuilt, **geometry)
        angles[:] = rebuilt
        if previous is not None:
            angles -= (momentum / (1 + momentum)) * previous
        angles /= np.abs(angles) + eps
        angles *= S
        rebuilt, previous = previous, rebuilt
    return istft(angles, dtype=dtype, length=length, out=inverse, **geometry)
