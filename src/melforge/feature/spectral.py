"""librosa-compatible spectral features: ``melspectrogram`` and ``mfcc``.

``melspectrogram`` from a signal never materialises the STFT: each cache-sized block
of frames is windowed, transformed, squared and projected onto the mel bank before
the next block is read.  Only the columns of the bank where a group of bands is
non-zero take part in the projection (the bank is ~98% zeros).
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge.filters.banks import dct_basis_cached, mel_basis_cached
from melforge.spectral.decibel import power_to_db
from melforge.spectral.fourier import (
    _real_dtype,
    _stft_params,
    _tensor_stft_params,
    run_frames,
)
from melforge.spectral.framing import PadMode, n_frames
from melforge.spectral.windows import WindowSpec, padded_window

__all__ = ["melspectrogram", "mfcc"]

_MEL_KEYS = frozenset({"n_mels", "fmin", "fmax", "htk", "norm", "dtype"})
_MELSPEC_KEYS = frozenset(
    {"n_fft", "hop_length", "win_length", "window", "center", "pad_mode", "power"}
)


def _check_kwargs(func: str, kwargs: dict[str, Any], allowed: frozenset[str]) -> None:
    for key in kwargs:
        if key not in allowed:
            raise TypeError(f"{func}() got an unexpected keyword argument {key!r}")


#: Rows of the power spectrogram per matrix product.  With ``_GEMM_MNK`` below
#: OpenBLAS's threading threshold (65536 * 4 multiply-adds) every product runs on the
#: calling thread: no thread start-up per block, no oversubscription in process pools.
_ROWS = 128
_GEMM_MNK = 1 << 18

#: (id of a cached read-only bank) -> (the bank, its band groups)
_GROUPS: dict[int, tuple[np.ndarray, list[tuple[int, int, int, int, np.ndarray]]]] = {}


def _band_groups(basis: np.ndarray) -> list[tuple[int, int, int, int, np.ndarray]]:
    """Split a (read-only, cached) mel bank into groups of consecutive bands.

    Each group is ``(m0, m1, lo, hi, W)`` with ``W = basis[m0:m1, lo:hi].T`` holding
    every non-zero weight of bands ``m0:m1``.  Bands are added to a group while
    ``_ROWS * (hi - lo) * (m1 - m0)`` stays within ``_GEMM_MNK``.
    """
    entry = _GROUPS.get(id(basis))
    if entry is not None and entry[0] is basis:
        return entry[1]
    nz = basis != 0
    spans = []
    for row in nz:
        cols = np.flatnonzero(row)
        spans.append((int(cols[0]), int(cols[-1]) + 1) if cols.size else None)
    budget = _GEMM_MNK // _ROWS
    groups = []
    m0 = 0
    while m0 < basis.shape[0]:
        lo, hi = basis.shape[1], 0
        m1 = m0
        while m1 < basis.shape[0]:
            span = spans[m1]
            nlo, nhi = (min(lo, span[0]), max(hi, span[1])) if span else (lo, hi)
            if m1 > m0 and max(nhi - nlo, 0) * (m1 + 1 - m0) > budget:
                break
            lo, hi, m1 = nlo, nhi, m1 + 1
        lo, hi = (lo, hi) if hi > lo else (0, 0)
        groups.append((m0, m1, lo, hi, np.ascontiguousarray(basis[m0:m1, lo:hi].T)))
        m0 = m1
    if len(_GROUPS) > 32:
        _GROUPS.clear()
    if not basis.flags.writeable:
        _GROUPS[id(basis)] = (basis, groups)
    return groups


def _spectrogram_n_fft(S: Any, n_fft: Optional[int]) -> int:  # noqa: N803
    """Check that ``S`` (array or tensor) has ``(..., freq, time)`` axes; return its FFT size.

    ``n_fft`` when it gives ``S``'s number of rows, else ``2 * (rows - 1)``.
    """
    if S.ndim < 2:
        raise ParameterError(f"S must have at least 2 dimensions, got shape={tuple(S.shape)}")
    if n_fft is None or n_fft // 2 + 1 != S.shape[-2]:
        n_fft = 2 * (S.shape[-2] - 1)
    return n_fft


def _check_dct_options(dct_type: Any, norm: Any, lifter: Any, what: str) -> None:
    """Validate MFCC's ``dct_type``, ``norm`` and ``lifter`` (``what`` opens the lifter error)."""
    if dct_type not in (1, 2, 3, 4) or isinstance(dct_type, bool):
        raise ParameterError(f"dct_type={dct_type!r} must be 1, 2, 3 or 4")
    if norm not in (None, "ortho", "backward", "forward"):
        raise ParameterError(f"norm={norm!r} must be None, 'ortho', 'backward' or 'forward'")
    if (
        isinstance(lifter, bool)
        or not isinstance(lifter, (int, float, np.number))
        or not np.isfinite(lifter)
        or lifter < 0
    ):
        raise ParameterError(f"{what} lifter={lifter!r} must be a non-negative number and finite")


def _mel_from_signal(
    y: np.ndarray,
    basis: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int,
    window: WindowSpec,
    center: bool,
    pad_mode: PadMode,
    power: float,
) -> np.ndarray:
    rdt = _real_dtype(y)
    win = padded_window(window, win_length, n_fft, rdt)
    lead, n = y.shape[:-1], y.shape[-1]
    total = n_frames(n, n_fft=n_fft, hop_length=hop_length, center=center)
    n_mels = basis.shape[0]
    out_dtype = np.result_type(rdt, basis.dtype)
    # frames-major storage: each block's product lands in contiguous rows; the
    # result is returned as a transposed view, like stft's
    out = np.empty((*lead, total, n_mels), dtype=out_dtype)
    flat = out.reshape(-1, total, n_mels)
    groups = _band_groups(basis)
    local = threading.local()  # one scratch buffer per thread (run_frames may use several)

    def emit(items: slice, frames: slice, spec: np.ndarray) -> None:
        scratch = getattr(local, "scratch", None)
        if scratch is None or scratch.size < spec.size:
            scratch = local.scratch = np.empty(spec.size, dtype=rdt)
        mag = np.abs(spec, out=scratch[: spec.size].reshape(spec.shape))
        if power == 2.0:
            np.multiply(mag, mag, out=mag)
        elif power != 1.0:
            np.power(mag, power, out=mag)
        rows = mag.reshape(-1, mag.shape[-1])
        dest = flat[items, frames]
        mel = dest.reshape(-1, n_mels)
        for r0 in range(0, rows.shape[0], _ROWS):
            chunk, part = rows[r0 : r0 + _ROWS], mel[r0 : r0 + _ROWS]
            for m0, m1, lo, hi, w in groups:
                if hi > lo:
                    np.matmul(chunk[:, lo:hi], w, out=part[:, m0:m1])
                else:
                    part[:, m0:m1] = 0
        if not np.shares_memory(mel, dest):
            dest[...] = mel.reshape(dest.shape)

    run_frames(
        y.reshape(-1, n), n_fft=n_fft, hop_length=hop_length, window=win, center=center,
        pad_mode=pad_mode, emit=emit, check_finite=True,
    )  # fmt: skip
    return out.swapaxes(-1, -2)


def melspectrogram(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,  # noqa: N803
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: WindowSpec = "hann",
    center: bool = True,
    pad_mode: PadMode = "constant",
    power: float = 2.0,
    **kwargs: Any,
) -> np.ndarray:
    """Mel-scaled spectrogram, as :func:`librosa.feature.melspectrogram`.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor [shape=(..., n)] or None
        Audio signal(s), float.  Leading axes (channels, batch) are kept.  A tensor
        (float32/float64, any device) is computed with torch and gives a tensor on
        its device, in its dtype.
    sr : float > 0
        Sample rate in Hz.
    S : np.ndarray [shape=(..., 1 + n_fft // 2, t)] or None
        A precomputed (power) spectrogram, used instead of ``y``.
    n_fft : int > 0
        FFT size in samples (2048 is 93 ms at 22.05 kHz).
    hop_length : int > 0
        Samples between frames (512 is 23 ms at 22.05 kHz).
    win_length : int <= n_fft or None
        Window length; ``n_fft`` if None.
    window : str, tuple, number, callable or np.ndarray
        Analysis window (see :func:`melforge.get_window`).
    center : bool
        Centre frames on ``t * hop_length`` by padding ``n_fft // 2`` at both ends.
    pad_mode : str or callable
        Padding mode for ``center``.
    power : float > 0
        Exponent of the magnitude: 2 for power, 1 for magnitude.
    **kwargs
        Mel bank options passed to :func:`melforge.filters.mel`: ``n_mels``, ``fmin``,
        ``fmax``, ``htk``, ``norm``, ``dtype``.  Any other key raises ``TypeError``.

    Returns
    -------
    np.ndarray [shape=(..., n_mels, t)]
        Mel spectrogram; float32 for float32 input (C-ordered).

    Raises
    ------
    ParameterError
        If neither ``y`` nor ``S`` is given, or on invalid parameters.
    TypeError
        On an unknown keyword argument.

    Notes
    -----
    One thread unless the caller raises scipy's worker count
    (``with scipy.fft.set_workers(n): ...``): a batch of clips is then shared among
    ``n`` threads (bit-identical to one thread).

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> S = melforge.feature.melspectrogram(y=y, sr=sr, n_mels=128, fmax=8000)
    >>> S.shape, S.dtype
    ((128, 415), dtype('float32'))
    >>> S_db = melforge.power_to_db(S, ref=np.max)  # dB relative to the peak
    """
    _check_kwargs("melspectrogram", kwargs, _MEL_KEYS)
    if is_tensor(S) or (S is None and is_tensor(y)):
        return _melspectrogram_tensor(
            y, sr, S, n_fft, hop_length, win_length, window, center, pad_mode, power, kwargs
        )
    if S is not None:
        S = np.asarray(S)
        n_fft = _spectrogram_n_fft(S, n_fft)
        basis = mel_basis_cached(sr=sr, n_fft=n_fft, **kwargs)
        return np.matmul(basis, S)
    if y is None:
        raise ParameterError("Input signal must be provided to compute a spectrogram: pass y or S")
    y, n_fft, hop_length, win_length = _stft_params(
        y, n_fft, hop_length, win_length, center, pad_mode, finite=False
    )  # NaN/Inf: checked group by group in run_frames
    if isinstance(power, bool) or not isinstance(power, (int, float, np.number)) or power <= 0:
        raise ParameterError(f"power={power!r} must be a positive number")
    basis = mel_basis_cached(sr=sr, n_fft=n_fft, **kwargs)
    return _mel_from_signal(
        y, basis, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
        center=center, pad_mode=pad_mode, power=float(power),
    )  # fmt: skip


def _melspectrogram_tensor(
    y: Any, sr: float, S: Any, n_fft: Any, hop_length: Any, win_length: Any,  # noqa: N803
    window: Any, center: bool, pad_mode: Any, power: Any, kwargs: dict[str, Any],
) -> Any:  # fmt: skip
    """:func:`melspectrogram` of a tensor ``y`` or ``S``: the torch backend."""
    from melforge._torch import spectral as torch_spectral

    if S is not None:
        n_fft = _spectrogram_n_fft(S, n_fft)
        return torch_spectral.matmul_basis(mel_basis_cached(sr=sr, n_fft=n_fft, **kwargs), S)
    n_fft, hop_length, win_length = _tensor_stft_params(
        y, n_fft, hop_length, win_length, center, pad_mode
    )
    if isinstance(power, bool) or not isinstance(power, (int, float, np.number)) or power <= 0:
        raise ParameterError(f"power={power!r} must be a positive number")
    basis = mel_basis_cached(sr=sr, n_fft=n_fft, **kwargs)
    return torch_spectral.mel_from_signal(
        y, basis, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
        center=center, pad_mode=pad_mode, power=float(power),
    )  # fmt: skip


def mfcc(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,  # noqa: N803
    n_mfcc: int = 20,
    dct_type: int = 2,
    norm: Optional[str] = "ortho",
    lifter: float = 0,
    mel_norm: Any = "slaney",
    **kwargs: Any,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients, as :func:`librosa.feature.mfcc`.

    ``S = power_to_db(melspectrogram(y=y, sr=sr, norm=mel_norm, **kwargs))``, then a
    DCT along the mel axis, keeping the first ``n_mfcc`` coefficients, then optional
    sinusoidal liftering ``M *= 1 + (lifter / 2) * sin(pi * (k + 1) / lifter)``.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor [shape=(..., n)] or None
        Audio signal(s); a tensor gives a tensor on its device, in its dtype.
    sr : float > 0
        Sample rate in Hz.
    S : np.ndarray [shape=(..., d, t)] or None
        A log-power mel spectrogram (dB), used instead of ``y``.
    n_mfcc : int > 0
        Number of coefficients.
    dct_type : {1, 2, 3, 4}
        DCT type (:func:`scipy.fft.dct`).
    norm : {None, "ortho", "backward", "forward"}
        DCT normalization (:func:`scipy.fft.dct`; None is "backward").
    lifter : float >= 0
        Liftering coefficient; 0 disables it.  NaN, infinite or negative values raise
        ``ParameterError`` (librosa 0.11 returns NaN for ``lifter=inf``).
    mel_norm : {"slaney", None} or number
        ``norm`` of the mel bank.
    **kwargs
        :func:`melspectrogram` options (``n_fft``, ``hop_length``, ``win_length``,
        ``window``, ``center``, ``pad_mode``, ``power``, ``n_mels``, ``fmin``, ``fmax``,
        ``htk``, ``dtype``).  Any other key raises ``TypeError``.

    Returns
    -------
    np.ndarray [shape=(..., n_mfcc, t)]
        MFCC sequence; float32 for float32 input.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), sr=16000)
    >>> C = melforge.feature.mfcc(y=y, sr=sr, n_mfcc=13, n_fft=400, hop_length=160, n_mels=40)
    >>> C.shape, C.dtype
    ((13, 963), dtype('float32'))
    """
    _check_kwargs("mfcc", kwargs, (_MEL_KEYS | _MELSPEC_KEYS) - {"norm"})
    n_mfcc = _positive_int("n_mfcc", n_mfcc)
    _check_dct_options(dct_type, norm, lifter, "MFCC")
    if S is None:
        S = power_to_db(melspectrogram(y=y, sr=sr, norm=mel_norm, **kwargs))
    if is_tensor(S):
        return _mfcc_tensor(S, n_mfcc, dct_type, norm, lifter)
    S = np.asarray(S)
    if S.ndim < 2:
        raise ParameterError(f"S must have at least 2 dimensions, got shape={S.shape}")
    if dct_type == 2 and norm == "ortho" and S.dtype in (np.float32, np.float64):
        n_mels = S.shape[-2]
        basis = dct_basis_cached(min(n_mfcc, n_mels), n_mels, S.dtype.str)
        M = np.matmul(basis, S)
    else:
        import scipy.fft

        M = scipy.fft.dct(S, axis=-2, type=dct_type, norm=norm)[..., :n_mfcc, :]
    if lifter > 0:
        k = np.arange(1, 1 + M.shape[-2], dtype=M.dtype)
        M *= (1 + (lifter / 2) * np.sin(np.pi * k / lifter))[:, None]
    return M


@functools.lru_cache(maxsize=16)
def _dct_matrix(n_out: int, n_in: int, dct_type: int, norm: Optional[str]) -> np.ndarray:
    """Return the ``(n_out, n_in)`` matrix of ``scipy.fft.dct`` (read-only float64)."""
    import scipy.fft

    m = scipy.fft.dct(np.eye(n_in), axis=0, type=dct_type, norm=norm)[:n_out]
    m.flags.writeable = False
    return m


def _mfcc_tensor(S: Any, n_mfcc: int, dct_type: int, norm: Any, lifter: float) -> Any:  # noqa: N803
    """Apply the DCT and liftering of :func:`mfcc` to a dB tensor ``S`` ``(..., d, t)``."""
    from melforge._torch import spectral as torch_spectral

    if S.ndim < 2:
        raise ParameterError(f"S must have at least 2 dimensions, got shape={tuple(S.shape)}")
    n_mels = int(S.shape[-2])
    if dct_type == 2 and norm == "ortho":
        basis = dct_basis_cached(min(n_mfcc, n_mels), n_mels, "<f8")
    else:
        basis = _dct_matrix(min(n_mfcc, n_mels), n_mels, dct_type, norm)
    M = torch_spectral.dct(S, basis)
    if lifter > 0:
        k = np.arange(1, 1 + M.shape[-2], dtype=np.float64)
        weights = (1 + (lifter / 2) * np.sin(np.pi * k / lifter))[:, None]
        M = M * torch_spectral.torch.as_tensor(weights, device=M.device, dtype=M.dtype)
    return M


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name}={value!r} must be a positive integer")
    return int(value)
