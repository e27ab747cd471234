"""Short-time Fourier transform: ``stft``, ``istft`` and ``magphase`` (librosa 0.11 semantics).

The forward transform runs over cache-sized blocks of frames: each block is a strided
view of the signal, multiplied by the window into one reusable buffer and sent to
:func:`scipy.fft.rfft` along its contiguous axis.  float32 input is transformed in
float32 (complex64 out); float64 input in float64.  Only the frames that touch the
edges are built from a padded copy, so a long signal is never copied whole.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge._validate import check_audio_array, check_positive_int
from melforge.spectral import _fft
from melforge.spectral.framing import PadMode, frame_blocks, n_frames
from melforge.spectral.windows import WindowSpec, padded_window

__all__ = ["stft", "istft", "magphase"]

#: Bytes of windowed frames per block: fits the L2 cache with room for the FFT output.
BLOCK_BYTES = 1 << 20

_BAD_PAD_MODES = ("wrap", "maximum", "mean", "median", "minimum")


def _check_finite(y: np.ndarray) -> None:
    """Raise if ``y`` holds NaN or Inf: one sum (NaN/Inf propagate; overflow costs a rescan)."""
    if y.size and not np.isfinite(np.add.reduce(y, axis=None)):
        check_audio_array(y, finite=True)


def _stft_params(
    y: Any,
    n_fft: Any,
    hop_length: Any,
    win_length: Any,
    center: bool,
    pad_mode: PadMode,
    finite: bool = True,
) -> tuple[np.ndarray, int, int, int]:
    """Validate the common STFT arguments; return ``(y, n_fft, hop_length, win_length)``.

    ``finite=False`` leaves the NaN/Inf check to :func:`run_frames` (``check_finite``).
    """
    y = check_audio_array(y, finite=False)
    if finite:
        _check_finite(y)
    n_fft = check_positive_int("n_fft", n_fft)
    win_length = n_fft if win_length is None else check_positive_int("win_length", win_length)
    if win_length > n_fft:
        raise ParameterError(f"win_length={win_length} must be at most n_fft={n_fft}")
    if hop_length is None:
        hop_length = win_length // 4
        if hop_length < 1:
            raise ParameterError(
                f"hop_length=None gives win_length // 4 = 0 for {win_length=}; pass hop_length"
            )
    hop_length = check_positive_int("hop_length", hop_length)
    n = y.shape[-1]
    if n == 0 or y.size == 0:
        raise ParameterError(f"y must contain at least one sample, got shape={y.shape}")
    if center:
        if isinstance(pad_mode, str) and pad_mode in _BAD_PAD_MODES:
            raise ParameterError(f"pad_mode={pad_mode!r} is not supported by stft")
        if n_fft > n:
            warnings.warn(
                f"n_fft={n_fft} is too large for input signal of length={n}; "
                "pass a smaller n_fft or a longer signal",
                stacklevel=3,
            )
    elif n_fft > n:
        raise ParameterError(
            f"n_fft={n_fft} is too large for uncentered analysis of input signal of length={n}"
        )
    return y, n_fft, hop_length, win_length


def _real_dtype(y: np.ndarray, want: Optional[np.dtype] = None) -> np.dtype:
    """float64 when the input or the requested output is double precision, else float32."""
    if y.dtype == np.float64 or (want is not None and want.itemsize >= 16):
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def run_frames(
    y: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    window: np.ndarray,
    center: bool,
    pad_mode: PadMode,
    emit: Callable[[slice, slice, np.ndarray], None],
    dest: Optional[Callable[[slice, slice], Optional[np.ndarray]]] = None,
    check_finite: bool = False,
) -> int:
    """Compute the windowed rFFT of every frame, block by block, and hand each block on.

    Parameters
    ----------
    y : np.ndarray [shape=(B, n)]
        Validated signals, one per row.
    n_fft, hop_length : int
        Frame length and hop in samples.
    window : np.ndarray [shape=(n_fft,)]
        Padded window in the compute dtype.
    center : bool
        librosa's centred framing.
    pad_mode : str or callable
        Padding for ``center``.
    emit : callable
        ``emit(items, frames, X)`` receives ``X`` of shape ``(b, k, 1 + n_fft // 2)`` for
        the rows ``items`` and the frames ``frames``; it must consume ``X`` immediately.
        With several workers (``scipy.fft.set_workers``) and several groups of rows,
        ``emit`` is called from several threads at once, for disjoint ``items``.
    dest : callable or None
        ``dest(items, frames)`` may return the array the FFT should write into
        (matching complex precision), sparing a copy; ``emit`` then sees that array.
    check_finite : bool
        Check each group of rows for NaN/Inf just before it is framed (while it is in
        cache, and in the worker threads), raising as :func:`_check_finite` would for
        the whole of ``y``.  For callers whose output is their own: ``emit`` may have
        run for earlier groups when the error is raised.

    Returns
    -------
    int
        The total number of frames.
    """
    b_total, n = y.shape
    total = n_frames(n, n_fft=n_fft, hop_length=hop_length, center=center)
    itemsize = window.dtype.itemsize
    frame_bytes = n_fft * itemsize
    per_item = total * frame_bytes
    if per_item <= BLOCK_BYTES:
        bb, k = max(1, BLOCK_BYTES // per_item), total
    else:
        bb, k = 1, max(1, BLOCK_BYTES // frame_bytes)
    groups = range(0, b_total, bb)
    workers = _fft._workers()

    def work(starts: range, fft_workers: int) -> None:
        buf = np.empty((min(bb, b_total), k, n_fft), dtype=window.dtype)
        # one zero-padded copy of a group of short clips, reused by every group
        padded = None
        if center and bb > 1:
            padded = np.empty((min(bb, b_total), n + 2 * (n_fft // 2)), dtype=y.dtype)
        for b0 in starts:
            items = slice(b0, min(b0 + bb, b_total))
            if check_finite and not np.isfinite(np.add.reduce(y[items], axis=None)):
                check_audio_array(y, finite=True)  # the whole signal: the error's count
            blocks = frame_blocks(
                y[items], n_fft=n_fft, hop_length=hop_length, center=center,
                pad_mode=pad_mode, block_frames=k, scratch=padded,
            )  # fmt: skip
            for t, rows in blocks:
                w = buf[: rows.shape[0], : rows.shape[1]]
                np.multiply(rows, window, out=w)
                frames = slice(t, t + rows.shape[1])
                target = dest(items, frames) if dest is not None else None
                emit(items, frames, _fft.rfft(w, out=target, workers=fft_workers))

    if workers == 1 or len(groups) == 1:
        work(groups, workers)  # one group (a long signal): pocketfft splits its rows
    else:
        _in_threads(work, groups, min(workers, len(groups)))
    return total


def _in_threads(work: Callable[[range, int], None], groups: range, workers: int) -> None:
    """Run ``work(chunk, 1)`` over ``workers`` contiguous chunks of ``groups``, in threads.

    Many small blocks (a batch of short clips) gain nothing from pocketfft splitting
    each block's rows over threads; whole blocks per thread do (pocketfft, the numpy
    ufuncs and matmul release the GIL).  The blocks are the same as on one thread, so
    the result is bit-identical.
    """
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, len(groups), workers + 1).astype(int)
    chunks = [groups[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work, chunk, 1) for chunk in chunks]:
            future.result()


def stft(
    y: np.ndarray,
    *,
    n_fft: int = 2048,
    hop_length: Optional[int] = None,
    win_length: Optional[int] = None,
    window: WindowSpec = "hann",
    center: bool = True,
    dtype: Any = None,
    pad_mode: PadMode = "constant",
    out: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Short-time Fourier transform, as :func:`librosa.stft`.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor [shape=(..., n), real floating point]
        Signal(s); leading axes are kept (channels, batch).  A float32/float64 tensor
        (any device) is transformed with ``torch.fft`` and gives a complex tensor on
        its device.
    n_fft : int > 0
        FFT size in samples (2048 is 93 ms at 22.05 kHz).
    hop_length : int > 0 or None
        Samples between frames; ``win_length // 4`` if None.
    win_length : int <= n_fft or None
        Window length in samples; the window is zero-padded (centred) to ``n_fft``.
        ``n_fft`` if None.
    window : str, tuple, number, callable or np.ndarray
        See :func:`get_window`.  The periodic ("fftbins") form is used.
    center : bool
        If True, pad ``n_fft // 2`` samples at both ends so frame ``t`` is centred on
        sample ``t * hop_length``.
    dtype : complex dtype or None
        Output dtype; complex64 for float32 input and complex128 for float64 if None.
    pad_mode : str or callable
        :func:`numpy.pad` mode for ``center=True`` (``"constant"`` pads zeros).
    out : np.ndarray [shape=(..., 1 + n_fft // 2, >= n_frames)] or None
        Optional pre-allocated complex output; only its first ``n_frames`` columns are
        written.  The result is ``out`` itself when it has exactly ``n_frames`` columns,
        else the view ``out[..., :n_frames]`` (as librosa).

    Returns
    -------
    np.ndarray [shape=(..., 1 + n_fft // 2, n_frames), complex]
        ``D[..., f, t]`` is the DFT of frame ``t`` at frequency ``f * sr / n_fft`` Hz.
        ``n_frames = 1 + (n + 2 * (n_fft // 2) - n_fft) // hop_length`` when centred.

    Raises
    ------
    ParameterError
        On non-float or non-finite ``y``, invalid sizes, unsupported ``pad_mode``, a real
        ``dtype`` (librosa would silently drop the imaginary part) or a mismatched ``out``.

    Notes
    -----
    float32 input is windowed and transformed in float32, where librosa 0.11 multiplies
    by a float64 window and transforms in float64 before rounding to complex64.  The
    measured difference is below 1e-6 of the spectrum's peak (see ``docs/spectral.md``).
    The result's last two axes are a transposed view of a C-ordered
    ``(..., n_frames, n_freq)`` array (Fortran order for 2-D, as librosa's).
    One thread unless the caller raises scipy's worker count
    (``with scipy.fft.set_workers(n): ...``): a batch is then shared among ``n``
    threads, a single signal's FFTs split by pocketfft; the result is bit-identical.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("chirp"))
    >>> D = melforge.stft(y)  # 2048-sample windows (93 ms at 22050 Hz), hop 512
    >>> D.shape, D.dtype
    ((1025, 216), dtype('complex64'))
    >>> melforge.stft(y, n_fft=400, hop_length=160).shape  # 25 ms / 10 ms at 16 kHz
    (201, 690)
    """
    if is_tensor(y):
        return _stft_tensor(y, n_fft, hop_length, win_length, window, center, dtype, pad_mode, out)
    y, n_fft, hop_length, win_length = _stft_params(
        y, n_fft, hop_length, win_length, center, pad_mode
    )
    if dtype is None:
        out_dtype = np.dtype(np.complex128 if y.dtype == np.float64 else np.complex64)
    else:
        out_dtype = np.dtype(dtype)
        if out_dtype.kind != "c":
            raise ParameterError(f"dtype={out_dtype} must be a complex dtype (e.g. np.complex64)")
    rdt = _real_dtype(y, out_dtype)
    win = padded_window(window, win_length, n_fft, rdt)
    lead, n = y.shape[:-1], y.shape[-1]
    total = n_frames(n, n_fft=n_fft, hop_length=hop_length, center=center)
    n_freq = 1 + n_fft // 2
    if out is None:
        result = np.empty((*lead, total, n_freq), dtype=out_dtype).swapaxes(-1, -2)
    else:
        result = _check_out(out, (*lead, n_freq, total))
    target = result.swapaxes(-1, -2)  # (..., n_frames, n_freq)
    flat = target.reshape(-1, total, n_freq)  # a view unless `out` has odd strides
    copy_back = not np.shares_memory(flat, target)

    direct = flat.dtype == np.result_type(rdt, np.complex64)

    def dest(items: slice, frames: slice) -> Optional[np.ndarray]:
        return flat[items, frames] if direct else None

    def emit(items: slice, frames: slice, spec: np.ndarray) -> None:
        if not direct:
            flat[items, frames] = spec

    run_frames(
        y.reshape(-1, n), n_fft=n_fft, hop_length=hop_length, window=win, center=center,
        pad_mode=pad_mode, emit=emit, dest=dest,
    )  # fmt: skip
    if copy_back:
        target[...] = flat.reshape(target.shape)
    return result


def _stft_tensor(
    y: Any, n_fft: Any, hop_length: Any, win_length: Any, window: Any, center: bool,
    dtype: Any, pad_mode: Any, out: Any,
) -> Any:  # fmt: skip
    """:func:`stft` of a ``torch.Tensor``: the same checks, then :mod:`melforge._torch`."""
    from melforge._torch import spectral as torch_spectral

    if out is not None:
        raise ParameterError("out= is not supported with a tensor y; leave it None")
    n_fft, hop_length, win_length = _tensor_stft_params(
        y, n_fft, hop_length, win_length, center, pad_mode
    )
    return torch_spectral.stft(
        y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
        center=center, pad_mode=pad_mode, dtype=dtype,
    )  # fmt: skip


def _tensor_stft_params(
    y: Any, n_fft: Any, hop_length: Any, win_length: Any, center: bool, pad_mode: Any
) -> tuple[int, int, int]:
    """:func:`_stft_params` for a tensor ``y``: ``(n_fft, hop_length, win_length)``."""
    n_fft = check_positive_int("n_fft", n_fft)
    win_length = n_fft if win_length is None else check_positive_int("win_length", win_length)
    if win_length > n_fft:
        raise ParameterError(f"win_length={win_length} must be at most n_fft={n_fft}")
    if hop_length is None:
        hop_length = win_length // 4
    hop_length = check_positive_int("hop_length", hop_length)
    n = int(y.shape[-1]) if y.ndim else 0
    if not center and n_fft > n:
        raise ParameterError(
            f"n_fft={n_fft} is too large for uncentered analysis of input signal of length={n}"
        )
    if center and isinstance(pad_mode, str) and pad_mode in _BAD_PAD_MODES:
        raise ParameterError(f"pad_mode={pad_mode!r} is not supported by stft")
    return n_fft, hop_length, win_length


def _check_out(out: Any, shape: tuple[int, ...]) -> np.ndarray:
    if not isinstance(out, np.ndarray) or not np.iscomplexobj(out):
        raise ParameterError(
            f"out with dtype={getattr(out, 'dtype', type(out).__name__)} is not of complex type"
        )
    if out.shape[:-1] != shape[:-1] or out.shape[-1] < shape[-1]:
        raise ParameterError(
            f"Shape mismatch for provided output array out.shape={out.shape} "
            f"and target shape={list(shape)}"
        )
    # librosa returns `out` itself when it fits exactly, else a view of its first columns
    return out if out.shape[-1] == shape[-1] else out[..., : shape[-1]]


def _overlap_add(frames: np.ndarray, hop: int, length: int) -> np.ndarray:
    """Sum ``frames[..., t, :]`` into a signal at offsets ``t * hop``; shape ``(..., length)``."""
    lead, count, width = frames.shape[:-2], frames.shape[-2], frames.shape[-1]
    full = np.zeros((*lead, max(length, (count - 1) * hop + width)), dtype=frames.dtype)
    step = full.strides[-1]
    for i in range(0, width, hop):
        w = min(hop, width - i)
        if count == 0:
            break
        # frames never overlap inside one chunk of <= hop columns: a strided view is safe
        dest = np.lib.stride_tricks.as_strided(
            full[..., i:],
            shape=(*lead, count, w),
            strides=(*full.strides[:-1], hop * step, step),
        )
        dest += frames[..., i : i + w]
    return full


def istft(
    stft_matrix: np.ndarray,
    *,
    hop_length: Optional[int] = None,
    win_length: Optional[int] = None,
    n_fft: Optional[int] = None,
    window: WindowSpec = "hann",
    center: bool = True,
    dtype: Any = None,
    length: Optional[int] = None,
    out: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Inverse STFT by weighted overlap-add, as :func:`librosa.istft`.

    Parameters
    ----------
    stft_matrix : np.ndarray or torch.Tensor [shape=(..., 1 + n_fft // 2, t), complex]
        STFT as returned by :func:`stft`; a tensor gives a real tensor on its device
        (``dtype`` is then the tensor's real dtype).
    hop_length : int > 0 or None
        Samples between frames; ``win_length // 4`` if None.
    win_length : int <= n_fft or None
        Window length; ``n_fft`` if None.
    n_fft : int or None
        FFT size; ``2 * (stft_matrix.shape[-2] - 1)`` if None.
    window : str, tuple, number, callable or np.ndarray
        The analysis window used by :func:`stft`.
    center : bool
        Whether the STFT was centred (the padding is then removed).
    dtype : real dtype or None
        Output dtype; float32 for complex64 input, float64 for complex128 if None.
    length : int > 0 or None
        If given, the output is zero-padded or trimmed to exactly ``length`` samples.
    out : np.ndarray or None
        Optional pre-allocated output of the exact result shape.

    Returns
    -------
    np.ndarray [shape=(..., n)]
        The signal: ``n = length`` if given, else ``n_fft + hop_length * (t - 1)`` minus
        ``2 * (n_fft // 2)`` when centred.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("chirp"))
    >>> D = melforge.stft(y)
    >>> y_back = melforge.istft(D, length=len(y))
    >>> y_back.shape, bool(np.max(np.abs(y_back - y)) < 1e-5)
    ((110250,), True)
    """
    if is_tensor(stft_matrix):
        d: Any = stft_matrix
        if out is not None:
            raise ParameterError("out= is not supported with a tensor stft_matrix; leave it None")
    else:
        d = np.asarray(stft_matrix)
    if d.ndim < 2:
        raise ParameterError(f"stft_matrix must have at least 2 dimensions, got shape={d.shape}")
    if n_fft is None:
        n_fft = 2 * (d.shape[-2] - 1)
    n_fft = check_positive_int("n_fft", n_fft)
    win_length = n_fft if win_length is None else check_positive_int("win_length", win_length)
    if win_length > n_fft:
        raise ParameterError(f"win_length={win_length} must be at most n_fft={n_fft}")
    hop_length = check_positive_int(
        "hop_length", win_length // 4 if hop_length is None else hop_length
    )
    if length is not None:
        length = check_positive_int("length", length)
    if is_tensor(d):
        from melforge._torch import spectral as torch_spectral

        return torch_spectral.istft(
            d, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
            center=center, length=length,
        )  # fmt: skip
    if dtype is None:
        dtype = np.float64 if d.dtype in (np.complex128, np.float64) else np.float32
    dtype = np.dtype(dtype)
    rdt = np.float64 if dtype == np.float64 or d.dtype == np.complex128 else np.float32
    win = padded_window(window, win_length, n_fft, rdt)
    count = d.shape[-1]
    if length:
        padded = length + 2 * (n_fft // 2) if center else length
        count = min(count, -(-padded // hop_length))
    expected = n_fft + hop_length * (count - 1)
    if length:
        expected = length
    elif center:
        expected -= 2 * (n_fft // 2)
    expected = max(expected, 0)
    shape = (*d.shape[:-2], expected)
    if out is not None and (not isinstance(out, np.ndarray) or out.shape != shape):
        raise ParameterError(
            f"Shape mismatch for provided output array out.shape={getattr(out, 'shape', None)} "
            f"!= {list(shape)}"
        )
    spec = d[..., :count].swapaxes(-1, -2)
    cdt = np.complex128 if rdt == np.float64 else np.complex64
    frames = _fft.irfft(spec.astype(cdt, copy=False), n_fft)
    frames = frames.astype(rdt, copy=False)
    frames *= win
    start = n_fft // 2 if center else 0
    full = _overlap_add(frames, hop_length, start + expected)
    del frames  # the largest temporary: free it before the normalization
    wss = _overlap_add(np.broadcast_to(win * win, (count, n_fft)), hop_length, start + expected)
    y = full[..., start : start + expected]
    norm = wss[start : start + expected]
    # divide where the window power is not ~0 (librosa's rule), in place: no fancy-index copies
    np.divide(y, norm, out=y, where=norm > np.finfo(norm.dtype).tiny)
    if out is None:
        return np.ascontiguousarray(y, dtype=dtype)
    out[...] = y
    return out


def magphase(D: np.ndarray, *, power: float = 1) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
    """Split a complex spectrogram into magnitude and unit-modulus phase, as librosa.

    Parameters
    ----------
    D : np.ndarray [shape=(..., d, t), complex]
        Complex-valued spectrogram.
    power : float > 0
        Exponent for the magnitude: 1 for magnitude, 2 for power.

    Returns
    -------
    D_mag : np.ndarray [shape=(..., d, t), real]
        ``|D| ** power``.
    D_phase : np.ndarray [shape=(..., d, t), complex]
        ``exp(1j * angle(D))``; bins where ``D == 0`` get phase 1.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("chirp"))
    >>> D = melforge.stft(y)
    >>> S, P = melforge.magphase(D)
    >>> S.dtype, P.dtype
    (dtype('float32'), dtype('complex64'))
    >>> bool(np.allclose(S * P, D, atol=1e-5))
    True
    """
    d = np.asarray(D)
    mag = np.abs(d)
    zeros = mag == 0
    safe = mag + zeros
    cdt = np.result_type(d.dtype, np.complex64)
    phase = np.empty(d.shape, dtype=cdt)
    phase.real = d.real / safe + zeros
    phase.imag = d.imag / safe if np.iscomplexobj(d) else 0.0
    mag **= power
    return mag, phase
