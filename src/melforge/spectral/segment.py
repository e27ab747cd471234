"""The textbook spectrum of one segment: ``spectrum()`` and the ``Spectrum`` result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_audio_array, check_positive_int, check_sr
from melforge.spectral import _fft
from melforge.spectral.decibel import amplitude_to_db
from melforge.spectral.windows import WindowSpec, _window_array

__all__ = ["Spectrum", "spectrum"]


@dataclass(frozen=True)
class Spectrum:
    """The frequency spectrum of one windowed segment (see :func:`spectrum`).

    Attributes
    ----------
    values : np.ndarray [shape=(..., 1 + n_fft // 2), complex]
        The real DFT of the windowed segment (read-only).
    frequencies : np.ndarray [shape=(1 + n_fft // 2,)]
        Bin centre frequencies in Hz, ``k * sr / n_fft`` (read-only).
    sr : float
        Sample rate in Hz.
    n_fft : int
        DFT size in samples (the segment is zero-padded to it).

    Examples
    --------
    >>> import numpy as np, melforge
    >>> y, sr = melforge.load(melforge.ex("chirp"))
    >>> s = melforge.spectrum(y[:4096], sr=sr)
    >>> s.values.shape, s.magnitude.shape, s.frequencies.shape
    ((2049,), (2049,), (2049,))
    >>> float(s.db(ref=np.max).max())  # dB relative to the peak bin
    0.0
    """

    values: np.ndarray
    frequencies: np.ndarray
    sr: float
    n_fft: int

    @property
    def magnitude(self) -> np.ndarray:
        """``|values|``, shape ``(..., 1 + n_fft // 2)``, real (float32 for float32 input)."""
        return np.abs(self.values)

    @property
    def power(self) -> np.ndarray:
        """``|values| ** 2``, shape ``(..., 1 + n_fft // 2)``."""
        return np.square(self.magnitude)

    def db(
        self,
        ref: Union[float, Callable[[np.ndarray], Any]] = 1.0,
        *,
        amin: float = 1e-5,
        top_db: Optional[float] = 80.0,
    ) -> np.ndarray:
        """Return the magnitude in dB: ``amplitude_to_db(magnitude, ref=ref, ...)``.

        Parameters
        ----------
        ref : float or callable
            Reference amplitude (``np.max`` puts the peak at 0 dB).
        amin : float > 0
            Floor on the magnitude (1e-5 is -100 dB).
        top_db : float >= 0 or None
            Dynamic range below the peak that is kept.

        Returns
        -------
        np.ndarray [shape=(..., 1 + n_fft // 2)]
            Magnitude in dB.
        """
        return amplitude_to_db(self.magnitude, ref=ref, amin=amin, top_db=top_db)


def spectrum(
    y: np.ndarray, *, sr: float, n_fft: Optional[int] = None, window: WindowSpec = "hann"
) -> Spectrum:
    """Return the spectrum of one segment: the real DFT of ``window * y``.

    This is the textbook computation ``np.fft.rfft(np.hanning(len(y)) * y, n_fft)``,
    with frequencies in Hz attached.  Unlike :func:`stft` there is no framing: the
    whole segment is one window.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n), real floating point]
        The segment (time is the last axis).
    sr : float > 0
        Sample rate in Hz.
    n_fft : int >= n or None
        DFT size; the windowed segment is zero-padded to it.  ``n`` if None.
    window : str, tuple, number, callable or np.ndarray [shape=(n,)]
        Window over the ``n`` samples, evaluated **symmetric**
        (``get_window(window, n, fftbins=False)``), so ``"hann"`` equals
        ``np.hanning(n)``, not the periodic Hann window that :func:`stft` uses.

    Returns
    -------
    Spectrum
        With ``.values`` (complex64 for float32 input), ``.frequencies`` (Hz),
        ``.magnitude``, ``.power`` and ``.db()``.

    Raises
    ------
    ParameterError
        If ``y`` is not floating point or empty, or ``n_fft < n``.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("chirp"))
    >>> s = melforge.spectrum(y[:4096], sr=sr)  # 186 ms, Hann window, one DFT
    >>> s.values.shape, float(s.frequencies[-1])  # 1 + n_fft // 2 bins up to Nyquist
    ((2049,), 11025.0)
    >>> float(s.frequencies[1])  # bin spacing sr / n_fft, in Hz
    5.38330078125
    """
    y = check_audio_array(y)
    sr = check_sr(sr)
    n = y.shape[-1]
    if n == 0:
        raise ParameterError(f"y must contain at least one sample, got shape={y.shape}")
    n_fft = n if n_fft is None else check_positive_int("n_fft", n_fft)
    if n_fft < n:
        raise ParameterError(f"n_fft={n_fft} must be at least the segment length n={n}")
    win = _window_array(window, n, False).astype(y.dtype, copy=False)
    seg = np.zeros((*y.shape[:-1], n_fft), dtype=np.result_type(y.dtype, np.float32))
    np.multiply(y, win, out=seg[..., :n])
    values = _fft.rfft(seg)
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    values.flags.writeable = False
    freqs.flags.writeable = False
    return Spectrum(values=values, frequencies=freqs, sr=sr, n_fft=n_fft)
