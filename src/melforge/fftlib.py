"""``get_fftlib`` / ``set_fftlib``: the FFT module that librosa-style helpers call.

librosa 0.11 routes its FFTs through a swappable module (``scipy.fft`` by default, or
e.g. ``pyfftw.interfaces.numpy_fft``) and deprecates the switch (removed in 1.0).
melforge keeps the two functions for code that calls them.  The module set here is
used by :func:`melforge.autocorrelate`; melforge's STFT, mel and model features always
use pocketfft (the engine of ``scipy.fft``), which gives the same numbers as
``scipy.fft`` and ignores this setting.
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Optional

__all__ = ["get_fftlib", "set_fftlib"]

_FFTLIB: Optional[ModuleType] = None


def set_fftlib(lib: Optional[ModuleType] = None) -> None:
    """Set the FFT module used by :func:`get_fftlib`'s callers (None: ``scipy.fft``).

    Parameters
    ----------
    lib : module or None
        A module with ``numpy.fft``'s interface (``rfft``, ``irfft``, ``fft``, ``ifft``
        taking ``n=`` and ``axis=``).  None restores ``scipy.fft``.

    Warns
    -----
    FutureWarning
        Always, as librosa 0.11 does: the function is deprecated there and gone in
        librosa 1.0.  Call the FFT module you want directly instead.

    Notes
    -----
    Affects :func:`melforge.autocorrelate` only; :func:`melforge.stft` and the features
    built on it always use pocketfft (see the module docstring).

    Examples
    --------
    >>> import numpy as np, melforge, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     melforge.set_fftlib(np.fft)
    ...     melforge.set_fftlib()
    """
    global _FFTLIB
    warnings.warn(
        "set_fftlib is deprecated since librosa 0.11 and removed in librosa 1.0; "
        "it affects melforge.autocorrelate only. Call the FFT module directly instead.",
        FutureWarning,
        stacklevel=2,
    )
    _FFTLIB = lib


def get_fftlib() -> ModuleType:
    """Return the FFT module set by :func:`set_fftlib` (``scipy.fft`` by default).

    Returns
    -------
    module
        A module with ``numpy.fft``'s interface.

    Examples
    --------
    >>> import melforge
    >>> melforge.get_fftlib().__name__
    'scipy.fft'
    """
    if _FFTLIB is not None:
        return _FFTLIB
    import scipy.fft

    return scipy.fft
