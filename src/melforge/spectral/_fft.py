"""Real FFTs along the last axis, via the pocketfft that scipy.fft is built on.

``import scipy.fft`` costs ~0.3 s (it pulls in scipy.special and the array-API
layer), which would dominate a cold ``import melforge`` + first spectrogram.  The
transforms are the compiled ``scipy.fft._pocketfft.pypocketfft`` extension that
:func:`scipy.fft.rfft` itself calls, so results are bit-identical to scipy.fft; this
module loads that extension alone under a private name (never touching
``sys.modules``, so a later ``import scipy.fft`` is unaffected) and falls back to
:mod:`scipy.fft` if anything about that private layout changes.

Safety: the extension is stateless (plain functions, no registered types), so a copy
loaded under a second name coexists with scipy's own, whichever is imported first
(if scipy's is already loaded it is used directly).  Before first use the loaded
module must reproduce :func:`numpy.fft.rfft` / :func:`numpy.fft.irfft` on a small
probe through the exact call made below; any exception or mismatch (a renamed
argument, a changed normalization) selects the :mod:`scipy.fft` fallback instead.
Concurrent calls from several Python threads are safe (the extension keeps no state).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from typing import Any, Optional

import numpy as np

__all__ = ["rfft", "irfft"]

_NAME = "scipy.fft._pocketfft.pypocketfft"
_PRIVATE = "melforge.spectral._pocketfft_ext.pypocketfft"
_backend: Any = None


def _load() -> Any:
    """Load the pypocketfft extension privately; None if absent or incompatible."""
    try:
        spec = importlib.util.find_spec("scipy")  # locates scipy without importing it
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = os.path.join(list(spec.submodule_search_locations)[0], "fft", "_pocketfft")
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "pypocketfft" + suffix)
            if os.path.exists(path):
                ext = importlib.util.spec_from_file_location(_PRIVATE, path)
                if ext is None or ext.loader is None:
                    return None
                mod = importlib.util.module_from_spec(ext)
                ext.loader.exec_module(mod)
                return mod if _works(mod) else None
    except Exception:  # noqa: BLE001 - any failure: use the public scipy.fft instead
        return None
    return None


def _works(mod: Any) -> bool:
    """Check ``mod`` against numpy's FFT on a probe, through the calls used below."""
    try:
        x = np.linspace(-1.0, 1.0, 12).reshape(2, 6) ** 3
        spec = np.empty((2, 4), dtype=np.complex128)
        got = mod.r2c(x, axes=[1], forward=True, inorm=0, out=spec, nthreads=1)
        back = mod.c2r(got, axes=[1], lastsize=6, forward=False, inorm=2, nthreads=1)
        return bool(
            got is spec
            and np.allclose(got, np.fft.rfft(x), rtol=0, atol=1e-12)
            and np.allclose(back, x, rtol=0, atol=1e-12)
        )
    except Exception:  # noqa: BLE001 - an incompatible extension: fall back
        return False


def _get() -> Any:
    """Return the extension module, or False to use :mod:`scipy.fft` (decided once)."""
    global _backend
    if _backend is None:
        mod = sys.modules.get(_NAME)  # scipy's own copy, if scipy.fft was imported first
        _backend = (mod if mod is not None and _works(mod) else _load()) or False
    return _backend


def _workers() -> int:
    """Return the caller's :func:`scipy.fft.set_workers` count (1 if scipy.fft is not loaded).

    melforge is single-threaded by default (process pools stay unsubscribed); a caller
    who wants threads says so the scipy way, ``with scipy.fft.set_workers(n): ...``,
    which also covers the fallback path.
    """
    fft = sys.modules.get("scipy.fft")
    if fft is None:
        return 1
    try:
        return max(1, int(fft.get_workers()))
    except Exception:  # noqa: BLE001 - an unexpected scipy: stay single-threaded
        return 1


def _fit(x: np.ndarray, n: int) -> np.ndarray:
    """Crop or zero-pad the last axis of ``x`` to ``n`` samples (scipy.fft's ``n=``)."""
    if n < x.shape[-1]:
        return x[..., :n]
    padded = np.zeros((*x.shape[:-1], n), dtype=x.dtype)
    padded[..., : x.shape[-1]] = x
    return padded


def rfft(
    x: np.ndarray,
    out: Optional[np.ndarray] = None,
    workers: Optional[int] = None,
    n: Optional[int] = None,
) -> np.ndarray:
    """Real FFT of each row (last axis) of float32/float64 ``x``, unnormalized.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n), float32 or float64]
        Real input.
    out : np.ndarray [shape=(..., n // 2 + 1), complex] or None
        Optional destination of the matching complex precision (may be strided).
    workers : int or None
        Threads pocketfft may split the rows over; the caller's ``set_workers`` count if None.
    n : int or None
        Transform length, as in :func:`scipy.fft.rfft`: rows are cropped or zero-padded at
        their end to ``n`` samples first.  None: ``x.shape[-1]``.

    Returns
    -------
    np.ndarray [shape=(..., n // 2 + 1)]
        complex64 for float32 input, complex128 for float64.
    """
    if n is not None and n != x.shape[-1]:
        x = _fit(x, n)
    mod = _get()
    if mod:
        return mod.r2c(
            x, axes=[x.ndim - 1], forward=True, inorm=0, out=out,
            nthreads=_workers() if workers is None else workers,
        )  # fmt: skip
    import scipy.fft

    res = scipy.fft.rfft(x, axis=-1, workers=workers)
    if out is None:
        return res
    out[...] = res
    return out


def irfft(spec: np.ndarray, n: int) -> np.ndarray:
    """Inverse real FFT of each row (last axis), normalized by ``1 / n``.

    Parameters
    ----------
    spec : np.ndarray [shape=(..., n // 2 + 1), complex64 or complex128]
        Half spectrum.
    n : int
        Output length.  As in :func:`scipy.fft.irfft`, the half spectrum is cropped or
        zero-padded to ``n // 2 + 1`` bins first.

    Returns
    -------
    np.ndarray [shape=(..., n)]
        float32 for complex64 input, float64 for complex128.
    """
    bins = n // 2 + 1
    if spec.shape[-1] > bins:
        spec = spec[..., :bins]
    elif spec.shape[-1] < bins:
        spec = np.concatenate(
            [spec, np.zeros((*spec.shape[:-1], bins - spec.shape[-1]), dtype=spec.dtype)], axis=-1
        )
    mod = _get()
    if mod:
        return mod.c2r(
            spec, axes=[spec.ndim - 1], lastsize=n, forward=False, inorm=2, nthreads=_workers()
        )
    import scipy.fft

    return scipy.fft.irfft(spec, n=n, axis=-1)
