"""Mel and DCT filter banks, computed once per parameter set and cached read-only."""

from __future__ import annotations

import functools
import numbers
import warnings
from typing import Any, Optional, Union

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_nonnegative_number, check_positive_int, check_sr
from melforge.convert import fft_frequencies, mel_frequencies

__all__ = ["mel", "mel_basis_cached", "dct", "dct_basis_cached"]

Norm = Union[str, float, None]


def _normalize_rows(w: np.ndarray, norm: float) -> np.ndarray:
    """Librosa ``util.normalize(w, norm=norm, axis=-1)`` for a finite 2-D ``w``."""
    mag = np.abs(w).astype(float)
    if norm == np.inf:
        length = np.max(mag, axis=-1, keepdims=True)
    elif norm == -np.inf:
        length = np.min(mag, axis=-1, keepdims=True)
    elif norm == 0:
        length = np.sum(mag > 0, axis=-1, keepdims=True, dtype=mag.dtype)
    else:
        length = np.sum(mag**norm, axis=-1, keepdims=True) ** (1.0 / norm)
    length[length < np.finfo(w.dtype).tiny] = 1.0
    out = np.empty_like(w)
    out[:] = w / length
    return out


def _check_norm(norm: Any) -> Norm:
    if norm is None or norm == "slaney":
        return norm
    if isinstance(norm, str):
        raise ParameterError(f"Unsupported norm={norm!r}: use 'slaney', None or a number")
    if not isinstance(norm, numbers.Real) or isinstance(norm, bool):
        raise ParameterError(f"Unsupported norm={norm!r}: use 'slaney', None or a number")
    value = float(norm)
    if not (value > 0 or value == 0 or value == -np.inf):
        raise ParameterError(f"Unsupported norm={norm!r}: a number must be >= 0 or +-inf")
    return value


@functools.lru_cache(maxsize=64)
def _mel_cached(
    sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float, htk: bool, norm: Norm, dt: str
) -> tuple[np.ndarray, bool]:
    dtype = np.dtype(dt)
    fftfreqs = fft_frequencies(sr=sr, n_fft=n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax, htk=htk)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper)).astype(dtype)  # row-wise cast, as librosa
    if norm == "slaney":
        weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    elif norm is not None:
        weights = _normalize_rows(weights, float(norm))
    empty = bool(not np.all((mel_f[:-2] == 0) | (weights.max(axis=1) > 0)))
    weights.flags.writeable = False
    return weights, empty


def mel_basis_cached(
    *,
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    htk: bool = False,
    norm: Norm = "slaney",
    dtype: Any = np.float32,
) -> np.ndarray:
    """Return the mel filter bank of :func:`mel` as a shared, read-only cached array.

    Same parameters and values as :func:`mel`; use this inside feature code so that
    the bank is built once per parameter set.  Do not modify the result (it is
    read-only); call :func:`mel` for a private writable copy.

    Parameters
    ----------
    sr : float > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT size in samples.
    n_mels : int > 0
        Number of mel bands.
    fmin : float >= 0
        Lowest band edge in Hz.
    fmax : float > fmin or None
        Highest band edge in Hz; ``sr / 2`` if None.
    htk : bool
        HTK mel formula instead of Slaney's.
    norm : {"slaney", None} or number
        Band normalization (see :func:`mel`).
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    np.ndarray [shape=(n_mels, 1 + n_fft // 2)]
        The filter bank, read-only.

    Examples
    --------
    >>> from melforge.filters import mel_basis_cached
    >>> basis = mel_basis_cached(sr=16000, n_fft=400, n_mels=80)
    >>> basis.shape, basis.flags.writeable
    ((80, 201), False)
    """
    sr = check_sr(sr)
    n_fft = check_positive_int("n_fft", n_fft)
    n_mels = check_positive_int("n_mels", n_mels)
    fmin = check_nonnegative_number("fmin", fmin)
    fmax = sr / 2 if fmax is None else check_nonnegative_number("fmax", fmax)
    if fmax <= fmin:
        raise ParameterError(f"fmax={fmax!r} must be greater than fmin={fmin!r}")
    norm = _check_norm(norm)
    weights, empty = _mel_cached(
        sr, n_fft, n_mels, fmin, fmax, bool(htk), norm, np.dtype(dtype).str
    )
    if empty:
        warnings.warn(
            "Empty filters detected in mel frequency basis. Some channels will produce "
            "empty responses. Try increasing your sampling rate (and fmax) or reducing n_mels.",
            stacklevel=3,
        )
    return weights


def mel(
    *,
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    htk: bool = False,
    norm: Norm = "slaney",
    dtype: Any = np.float32,
) -> np.ndarray:
    """Build a mel filter bank, as :func:`librosa.filters.mel`.

    Band ``m`` is a triangle on the linear-frequency axis rising from mel frequency
    ``m`` to ``m + 1`` and falling to ``m + 2`` of ``n_mels + 2`` frequencies equally
    spaced on the mel scale between ``fmin`` and ``fmax``; its weight at each FFT bin is
    the triangle's value at the bin's centre frequency.

    Parameters
    ----------
    sr : float > 0
        Sample rate of the audio in Hz.
    n_fft : int > 0
        FFT size in samples (the bank has ``1 + n_fft // 2`` columns).
    n_mels : int > 0
        Number of mel bands.
    fmin : float >= 0
        Lowest frequency in Hz.
    fmax : float > fmin or None
        Highest frequency in Hz; ``sr / 2`` if None.
    htk : bool
        Use the HTK mel formula instead of the Slaney auditory-toolbox scale.
    norm : {"slaney", None} or number
        ``"slaney"`` divides each triangle by its width in Hz / 2 (constant energy per
        band); a number p normalizes each band to unit p-norm (``np.inf`` max-norm);
        None leaves the peaks at 1.
    dtype : numpy dtype
        Output dtype (float32 by default).

    Returns
    -------
    np.ndarray [shape=(n_mels, 1 + n_fft // 2)]
        The filter bank, a fresh writable array.

    Warns
    -----
    UserWarning
        If some bands contain no FFT bin (too many bands for ``n_fft``).

    Examples
    --------
    >>> import melforge
    >>> M = melforge.filters.mel(sr=16000, n_fft=400, n_mels=80)  # (n_mels, 1 + n_fft // 2)
    >>> M.shape, M.dtype
    ((80, 201), dtype('float32'))
    >>> y, sr = melforge.load(melforge.ex("speech"), sr=16000)
    >>> S = abs(melforge.stft(y, n_fft=400, hop_length=160)) ** 2
    >>> (M @ S).shape  # a mel power spectrogram
    (80, 963)
    """
    return mel_basis_cached(
        sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm,
        dtype=dtype,
    ).copy()  # fmt: skip


@functools.lru_cache(maxsize=32)
def dct_basis_cached(n_filters: int, n_input: int, dtype: str = "<f8") -> np.ndarray:
    """Return the orthonormal DCT-II basis of :func:`dct`, cached and read-only.

    Parameters
    ----------
    n_filters : int > 0
        Number of output coefficients (rows).
    n_input : int > 0
        Input length (columns).
    dtype : str
        numpy dtype string of the result.

    Returns
    -------
    np.ndarray [shape=(n_filters, n_input)]
        Read-only basis.

    Examples
    --------
    >>> from melforge.filters import dct_basis_cached
    >>> dct_basis_cached(13, 40).shape
    (13, 40)
    """
    k = np.arange(n_filters)[:, None]
    samples = np.arange(1, 2 * n_input, 2)[None, :] * np.pi / (2.0 * n_input)
    basis = np.cos(k * samples) * np.sqrt(2.0 / n_input)
    basis[0, :] = 1.0 / np.sqrt(n_input)
    out = basis.astype(dtype)
    out.flags.writeable = False
    return out


def dct(n_filters: int, n_input: int, *, dtype: Any = np.float64) -> np.ndarray:
    """Return the orthonormal DCT-II basis, as librosa's former ``filters.dct``.

    ``dct(n, m) @ x`` equals ``scipy.fft.dct(x, type=2, norm="ortho")[:n]`` for a
    length-``m`` vector ``x``; this is the matrix :func:`melforge.feature.mfcc` applies
    to log-mel frames.

    Parameters
    ----------
    n_filters : int > 0
        Number of coefficients (rows), at most ``n_input`` to be meaningful.
    n_input : int > 0
        Input dimension (e.g. the number of mel bands).
    dtype : numpy dtype
        Output dtype (float64, as librosa's was).

    Returns
    -------
    np.ndarray [shape=(n_filters, n_input)]
        ``basis[k, j] = sqrt(2 / n_input) * cos(pi * k * (2 j + 1) / (2 n_input))``, with
        row 0 equal to ``1 / sqrt(n_input)``.  A fresh writable array.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> B = melforge.filters.dct(13, 40)  # 13 coefficients of 40 inputs
    >>> B.shape
    (13, 40)
    >>> bool(np.allclose(B @ B.T, np.eye(13)))  # orthonormal rows
    True
    """
    n_filters = check_positive_int("n_filters", n_filters)
    n_input = check_positive_int("n_input", n_input)
    return dct_basis_cached(n_filters, n_input, np.dtype(dtype).str).copy()
