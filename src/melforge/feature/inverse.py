"""Inverting features back to spectrograms and audio, as :mod:`librosa.feature.inverse`.

``mfcc_to_mel`` undoes the DCT (and liftering) of :func:`~melforge.feature.mfcc`;
``mel_to_stft`` finds the non-negative linear spectrogram whose mel projection is
closest to ``M``; the ``*_to_audio`` functions add :func:`~melforge.griffinlim`.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature.phase import griffinlim
from melforge.feature.spectral import _check_dct_options
from melforge.filters.banks import mel
from melforge.spectral.decibel import db_to_power
from melforge.spectral.framing import PadMode
from melforge.spectral.windows import WindowSpec

__all__ = ["mel_to_stft", "mel_to_audio", "mfcc_to_mel", "mfcc_to_audio"]

_MEL_KEYS = frozenset({"fmin", "fmax", "htk", "norm"})
_AUDIO_KEYS = frozenset(
    {"sr", "n_fft", "hop_length", "win_length", "window", "center", "pad_mode", "power",
     "n_iter", "length", "dtype"}
)  # fmt: skip

#: Bytes of the regression targets per L-BFGS-B problem (librosa's MAX_MEM_BLOCK):
#: the block size decides how columns are grouped, hence the numbers.
_BLOCK_BYTES = 2**8 * 2**10


def _check_keys(func: str, kwargs: dict[str, Any], allowed: frozenset[str]) -> None:
    for key in kwargs:
        if key not in allowed:
            raise TypeError(f"{func}() got an unexpected keyword argument {key!r}")


def _nnls_block(A: np.ndarray, B: np.ndarray, x0: np.ndarray) -> np.ndarray:  # noqa: N803
    """Minimize ``0.5 * mean((A @ X - B) ** 2)`` over ``X >= 0`` with L-BFGS-B from ``x0``."""
    import scipy.optimize

    shape = x0.shape
    scale = 1.0 / B.size

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        diff = np.matmul(A, x.reshape(shape)) - B
        value = scale * 0.5 * float(np.sum(diff**2))
        grad = scale * np.matmul(A.T, diff)
        return value, grad.ravel()

    x, _, _ = scipy.optimize.fmin_l_bfgs_b(
        objective, x0, bounds=[(0, None)] * x0.size, m=A.shape[1]
    )
    return x.reshape(shape)


def _nnls(A: np.ndarray, B: np.ndarray) -> np.ndarray:  # noqa: N803
    """Non-negative ``X`` [shape=(..., n, t)] with ``A @ X ~= B``, block by block of columns.

    Starts from the clipped least-squares solution, as librosa's ``util.nnls``.
    """
    x = np.matmul(np.linalg.pinv(A), B)
    np.clip(x, 0, None, out=x)
    per_column = int(np.prod(B.shape[:-1])) * A.itemsize
    width = max(_BLOCK_BYTES // per_column, 1)
    if B.shape[-1] <= width:
        return _nnls_block(A, B, x).astype(A.dtype)
    for t0 in range(0, B.shape[-1], width):
        cols = slice(t0, min(t0 + width, B.shape[-1]))
        x[..., cols] = _nnls_block(A, B[..., cols], x[..., cols])
    return x


def mel_to_stft(
    M: np.ndarray,  # noqa: N803
    *,
    sr: float = 22050,
    n_fft: int = 2048,
    power: float = 2.0,
    **kwargs: Any,
) -> np.ndarray:
    """Approximate the linear STFT magnitude of a mel spectrogram.

    Solves ``min ||mel_basis @ X - M||`` over ``X >= 0`` (L-BFGS-B, as librosa) and
    returns ``X ** (1 / power)``.

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, t), non-negative]
        Mel spectrogram (power 2 by default).
    sr : float > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT size of the spectrogram to recover.
    power : float > 0
        Exponent ``M`` was computed with (2: power, 1: magnitude).
    **kwargs
        Mel bank options of :func:`melforge.filters.mel`: ``fmin``, ``fmax``, ``htk``,
        ``norm``.  Any other key raises ``TypeError``.

    Returns
    -------
    np.ndarray [shape=(..., 1 + n_fft // 2, t)]
        Non-negative STFT magnitudes, in ``M``'s dtype.

    Notes
    -----
    Fewer mel bands than bins leave the problem under-determined: the answer is the
    point where the optimizer stops.  The start, objective, block size and optimizer
    settings are librosa's; the measured deviation is stated in
    ``tests/reference/test_librosa_inverse.py``.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), duration=0.5)
    >>> M = melforge.feature.melspectrogram(y=y, sr=sr, n_mels=32)
    >>> melforge.feature.inverse.mel_to_stft(M, sr=sr).shape[-2]
    1025
    """
    _check_keys("mel_to_stft", kwargs, _MEL_KEYS)
    M = np.asarray(M)
    if M.ndim < 2:
        raise ParameterError(f"M must have at least 2 dimensions, got shape={M.shape}")
    if isinstance(power, bool) or not isinstance(power, (int, float, np.number)) or power <= 0:
        raise ParameterError(f"power={power!r} must be a positive number")
    basis = mel(sr=sr, n_fft=n_fft, n_mels=M.shape[-2], dtype=M.dtype, **kwargs)
    inverse = _nnls(basis, M)
    return np.power(inverse, 1.0 / power, out=inverse)


def mel_to_audio(
    M: np.ndarray,  # noqa: N803
    *,
    sr: float = 22050,
    n_fft: int = 2048,
    hop_length: Optional[int] = None,
    win_length: Optional[int] = None,
    window: WindowSpec = "hann",
    center: bool = True,
    pad_mode: PadMode = "constant",
    power: float = 2.0,
    n_iter: int = 32,
    length: Optional[int] = None,
    dtype: Any = np.float32,
    **kwargs: Any,
) -> np.ndarray:
    """Audio from a mel spectrogram: :func:`mel_to_stft`, then :func:`~melforge.griffinlim`.

    Parameters
    ----------
    M : np.ndarray [shape=(..., n_mels, t), non-negative]
        Mel spectrogram.
    sr, n_fft, power
        As :func:`mel_to_stft`.
    hop_length, win_length, window, center, pad_mode, length
        STFT geometry of ``M`` (see :func:`melforge.stft`).
    n_iter : int > 0
        Griffin-Lim iterations.
    dtype : real dtype
        Output dtype.
    **kwargs
        Mel bank options (``fmin``, ``fmax``, ``htk``, ``norm``).

    Returns
    -------
    np.ndarray [shape=(..., n)]
        The reconstructed signal.

    Notes
    -----
    Griffin-Lim starts from random phases (``init="random"``) drawn from numpy's
    default generator, as librosa; two calls give different signals.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), duration=0.5)
    >>> M = melforge.feature.melspectrogram(y=y, sr=sr, n_mels=32)
    >>> melforge.feature.inverse.mel_to_audio(M, sr=sr, n_iter=4).ndim
    1
    """
    _check_keys("mel_to_audio", kwargs, _MEL_KEYS)
    stft = mel_to_stft(M, sr=sr, n_fft=n_fft, power=power, **kwargs)
    return griffinlim(
        stft, n_iter=n_iter, hop_length=hop_length, win_length=win_length, n_fft=n_fft,
        window=window, center=center, dtype=dtype, length=length, pad_mode=pad_mode,
    )  # fmt: skip


def mfcc_to_mel(
    mfcc: np.ndarray,
    *,
    n_mels: int = 128,
    dct_type: int = 2,
    norm: Optional[str] = "ortho",
    ref: float = 1.0,
    lifter: float = 0,
) -> np.ndarray:
    """Invert MFCCs to a mel power spectrogram: undo liftering, inverse DCT, ``db_to_power``.

    Parameters
    ----------
    mfcc : np.ndarray [shape=(..., n_mfcc, t)]
        MFCCs (as :func:`melforge.feature.mfcc`).
    n_mels : int > 0
        Mel bands to recover (the DCT is zero-padded to this length).
    dct_type : {1, 2, 3, 4}
        DCT type used by ``mfcc``.
    norm : {None, "ortho", "backward", "forward"}
        DCT normalization used by ``mfcc``.
    ref : float
        Reference power for ``db_to_power``.
    lifter : float >= 0
        Liftering coefficient used by ``mfcc`` (0: none).

    Returns
    -------
    np.ndarray [shape=(..., n_mels, t)]
        Approximate mel power spectrogram.

    Warns
    -----
    UserWarning
        If a lifter weight is ~0, so that undoing it amplifies noise.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), duration=0.5)
    >>> mfcc = melforge.feature.mfcc(y=y, sr=sr)
    >>> melforge.feature.inverse.mfcc_to_mel(mfcc).shape[-2]
    128
    """
    mfcc = np.asarray(mfcc)
    if mfcc.ndim < 2:
        raise ParameterError(f"mfcc must have at least 2 dimensions, got shape={mfcc.shape}")
    if isinstance(n_mels, bool) or not isinstance(n_mels, (int, np.integer)) or n_mels < 1:
        raise ParameterError(f"n_mels={n_mels!r} must be a positive integer")
    _check_dct_options(dct_type, norm, lifter, "MFCC to mel")
    if lifter > 0:
        k = np.arange(1, 1 + mfcc.shape[-2], dtype=mfcc.dtype)
        weights = (1 + lifter * 0.5 * np.sin(np.pi * k / lifter))[:, None]
        if np.any(np.abs(weights) < np.finfo(weights.dtype).eps):
            warnings.warn(
                f"lifter={lifter} gives lifter weights near 0, which amplify noise when undone; "
                "use the lifter the MFCCs were computed with",
                stacklevel=2,
            )
        mfcc = mfcc / (weights + np.finfo(mfcc.dtype).tiny)
    import scipy.fft

    logmel = scipy.fft.idct(mfcc, axis=-2, type=dct_type, norm=norm, n=n_mels)
    return db_to_power(logmel, ref=ref)


def mfcc_to_audio(
    mfcc: np.ndarray,
    *,
    n_mels: int = 128,
    dct_type: int = 2,
    norm: Optional[str] = "ortho",
    ref: float = 1.0,
    lifter: float = 0,
    **kwargs: Any,
) -> np.ndarray:
    """Audio from MFCCs: :func:`mfcc_to_mel`, then :func:`mel_to_audio`.

    Parameters
    ----------
    mfcc : np.ndarray [shape=(..., n_mfcc, t)]
        MFCCs.
    n_mels, dct_type, norm, ref, lifter
        As :func:`mfcc_to_mel`.
    **kwargs
        :func:`mel_to_audio` options (``sr``, ``n_fft``, ``hop_length``, ``win_length``,
        ``window``, ``center``, ``pad_mode``, ``power``, ``n_iter``, ``length``,
        ``dtype``) and mel bank options (``fmin``, ``fmax``, ``htk``, ``norm`` cannot be
        passed: it names the DCT normalization here).

    Returns
    -------
    np.ndarray [shape=(..., n)]
        The reconstructed signal.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), duration=0.5)
    >>> mfcc = melforge.feature.mfcc(y=y, sr=sr)
    >>> melforge.feature.inverse.mfcc_to_audio(mfcc, sr=sr, n_iter=4).ndim
    1
    """
    _check_keys("mfcc_to_audio", kwargs, _AUDIO_KEYS | (_MEL_KEYS - {"norm"}))
    mel_spec = mfcc_to_mel(
        mfcc, n_mels=n_mels, dct_type=dct_type, norm=norm, ref=ref, lifter=lifter
    )
    return mel_to_audio(mel_spec, **kwargs)
