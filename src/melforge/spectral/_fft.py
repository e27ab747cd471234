"""Real FFTs along the last axis, via the pocketfft that scipy.fft is built on.

``import scipy.fft`` costs ~0.3 s (it pulls in scipy.special and the array-API
layer), which would dominate a cold ``import melforge`` + first spectrogram.  The
transforms are the compiled ``scipy.fft._pocketfft.pypocketfft`` extension that
:func:`scipy.fft.rfft` itself calls, so results are bit-identical to scipy.fft; this
module loads that extension alone under a private name (never touching
``sys.modules``, so a later ``import scipy.fft`` is unaffected) and falls back to
:mod:`scipy.fft` if anything about that private layout changes.
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
    """Return the pypocketfft extension module, or None to use scipy.fft."""
    mod = sys.modules.get(_NAME)
    if mod is not None:
        return mod
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
                if not (hasattr(mod, "r2c") and hasattr(mod, "c2r")):
                    return None
                return mod
    except Exception:  # noqa: BLE001 - any failure: use the public scipy.fft instead
        return None
    return None


def _get() -> Any:
    global _backend
    if _backend is None:
        _backend = _load() or False
    return _backend


def rfft(x: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Real FFT of each row (last axis) of float32/float64 ``x``, unnormalized.

    Parameters
    ----------
    x : np.ndarray [shape=(..., n), float32 or float64]
        Real input.
    out : np.ndarray [shape=(..., n // 2 + 1), complex] or None
        Optional destination of the matching complex precision (may be strided).

    Returns
    -------
    np.ndarray [shape=(..., n // 2 + 1)]
        complex64 for float32 input, complex128 for float64.
    """
    mod = _get()
    if mod:
        return mod.r2c(x, axes=[x.ndim - 1], forward=True, inorm=0, out=out, nthreads=1)
    import scipy.fft

    res = scipy.fft.rfft(x, axis=-1)
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
        Output length.

    Returns
    -------
    np.ndarray [shape=(..., n)]
        float32 for complex64 input, float64 for complex128.
    """
    mod = _get()
    if mod:
        return mod.c2r(spec, axes=[spec.ndim - 1], lastsize=n, forward=False, inorm=2, nthreads=1)
    import scipy.fft

    return scipy.fft.irfft(spec, n=n, axis=-1)
