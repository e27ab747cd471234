"""CLAP's log-mel (dB) spectrogram and its time-axis shrink (private kernels).

transformers' ``ClapFeatureExtractor`` frames a float64 waveform with ``center=True``
reflect padding, a periodic Hann window of ``n_fft`` samples every ``hop`` samples,
takes the power spectrum (rounded to complex64 per bin), projects it on an HTK mel basis
without norm (``truncation="fusion"``) or a Slaney-normalized Slaney basis (otherwise),
floors at 1e-10 and converts to dB (``10 log10``), with no clamp.  With no clamp the
quiet bands, 100 dB and more below a frame's peak, are kept: a float32 FFT's rounding
noise (relative to the frame's energy) would move them by up to 2 dB, so this kernel
windows and transforms in float64 (:class:`_ClapKernel`); after the FFT, where every
step sums positive terms, float32 keeps the relative precision.
"""

from __future__ import annotations

import threading
from typing import Optional

import numpy as np

from melforge.feature._kernel import _apply_window, _copy_frames, _cut_bands
from melforge.feature.whisper import _reflect_edges
from melforge.spectral import _fft

__all__: list[str] = []

_KERNELS = threading.local()
_MEL_FLOOR = 1e-10  # power floor before dB
_BLOCK = 128  # frames per FFT call (a 1024-point float64 block stays in L2)
_TILE_ROWS = 16  # frames windowed per flat product (128 kB of window copies)
_MELS_PER_BAND = 16  # mel filters per matmul (as Gemma's kernel: fewer ~3 us calls)


class _ClapKernel:
    """Window, float64 FFT, power on the mel support and banded mel per block; dB.

    After the float64 FFT every step sums positive terms, so float32 keeps a relative
    precision of ~1e-7 whatever the level: the spectrum is rounded to complex64 (as
    transformers' is), squared and summed to a float32 power, which goes through the mel
    basis (float32, banded: only the FFT bins under each group of filters) straight into
    the float32 output rows.  The floor and ``10 log10`` run in float64 per clip (a
    float32 log10 would add up to ~1e-5 dB).  Only the FFT bins under the mel basis
    (:attr:`k0` to :attr:`k1`: 1 to 299 of 513 for the laion checkpoints' 50-14000 Hz
    at 48 kHz) are squared.  Scratch is held by the instance (one per thread).
    """

    def __init__(self, basis: np.ndarray, window: np.ndarray, n_fft: int) -> None:
        self.window = window  # float64
        bands = _cut_bands(basis, _MELS_PER_BAND)  # float32, (bins, mels)
        self.k0 = min(band[2] for band in bands)
        self.k1 = max(band[3] for band in bands)
        self.bands = tuple((j0, j1, k0 - self.k0, k1 - self.k0, w) for j0, j1, k0, k1, w in bands)
        width = self.k1 - self.k0
        self.frames = np.empty((_BLOCK, n_fft), dtype=np.float64)
        self.spectrum = np.empty((_BLOCK, n_fft // 2 + 1), dtype=np.complex128)
        self.narrow = np.empty((_BLOCK, width), dtype=np.complex64)
        self.power = np.empty((_BLOCK, width), dtype=np.float32)
        self.window_tile = np.tile(window, _TILE_ROWS)  # rows of windows, flat

    def _window(self, segments: list[np.ndarray], start: int, m: int) -> None:
        """Windowed frames ``start:start + m`` of the concatenated ``segments`` (float64).

        float32 samples are widened exactly by the product with the float64 window, so
        the frames equal transformers' (a float64 waveform times a float64 window).
        """
        _copy_frames(segments, start, start + m, self.frames)
        _apply_window(self.frames[:m], self.window, self.window_tile)

    def __call__(self, segments: list[np.ndarray], out: np.ndarray) -> None:
        """Log-mel (dB) of the frames in ``segments`` into ``out`` ``(n_frames, n_mels)``."""
        total = out.shape[0]
        for start in range(0, total, _BLOCK):
            m = min(_BLOCK, total - start)
            self._window(segments, start, m)
            spectrum = _fft.rfft(self.frames[:m], out=self.spectrum[:m], workers=1)
            narrow = self.narrow[:m]
            np.copyto(narrow, spectrum[:, self.k0 : self.k1], casting="same_kind")
            squares = narrow.view(np.float32)  # re, im interleaved
            np.square(squares, out=squares)
            power = np.add(squares[:, 0::2], squares[:, 1::2], out=self.power[:m])
            rows = out[start : start + m]
            for j0, j1, k0, k1, weights in self.bands:
                np.matmul(power[:, k0:k1], weights, out=rows[:, j0:j1])
        mel = out.astype(np.float64)
        np.maximum(mel, _MEL_FLOOR, out=mel)
        np.log10(mel, out=mel)
        mel *= 10.0
        np.copyto(out, mel, casting="same_kind")


def _kernel(n_mels: int, sr: int, n_fft: int, fmin: float, fmax: float, htk: bool) -> _ClapKernel:
    """Return the calling thread's kernel for this basis (scratch kept)."""
    key = (n_mels, sr, n_fft, fmin, fmax, htk)
    kernels = _KERNELS.__dict__.setdefault("by_key", {})
    if key not in kernels:
        from melforge.filters import mel_basis_cached

        basis = mel_basis_cached(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
                                 htk=htk, norm=None if htk else "slaney", dtype=np.float64)
        # the periodic Hann window in float64 (transformers' window_function): a float32
        # window's rounding leaks ~-120 dB of a frame's peak into its quietest bands
        window = np.hanning(n_fft + 1)[:-1]
        window.flags.writeable = False
        kernels[key] = _ClapKernel(basis.T.astype(np.float32), window, n_fft)
    return kernels[key]  # type: ignore[no-any-return]


def silence_db() -> np.float32:
    """Return the dB value of a silent frame: ``10 log10(1e-10)`` in float32 (-100)."""
    return np.float32(10.0 * np.log10(_MEL_FLOOR))


def mel_db(
    y: np.ndarray,
    *,
    n_mels: int,
    sr: int,
    n_fft: int,
    hop: int,
    fmin: float,
    fmax: float,
    htk: bool,
    out: Optional[np.ndarray] = None,
    zero_from: Optional[int] = None,
) -> np.ndarray:
    """Log-mel in dB of one clip, ``(1 + n // hop, n_mels)`` float32 (frames first).

    ``y`` (float32 or float64; the frames are computed in float64) is reflect-padded by
    ``n_fft // 2`` (it needs more than ``n_fft // 2`` samples).  The result is written
    to ``out`` when given.  ``zero_from``: ``y[zero_from:]`` is known to be zeros (a
    zero-padded clip); the frames that read only those zeros, and their reflection,
    are silent (:func:`silence_db`) and are not computed.
    """
    n = y.shape[-1]
    n_frames = n // hop + 1
    if out is None:
        out = np.empty((n_frames, n_mels), dtype=np.float32)
    half = n_fft // 2
    computed = n_frames
    if zero_from is not None and n - 1 - half >= zero_from:
        # the reflected tail reads y[n - 1 - half : n - 1], zeros too
        computed = min(n_frames, -(-(zero_from + half) // hop))
    kernel = _kernel(n_mels, sr, n_fft, float(fmin), float(fmax), htk)
    kernel(_reflect_edges(y, n_frames, n_fft, hop), out[:computed])
    out[computed:] = silence_db()
    return out


def shrink_frames(mel: np.ndarray, n_out: int) -> np.ndarray:
    """Resize ``(n_in, f)`` to ``(n_out, f)`` along time, bilinear, ``align_corners=False``.

    torch's ``interpolate(mode="bilinear")`` on a float32 image whose width is kept:
    source row ``(i + 0.5) * n_in / n_out - 0.5`` (clamped at 0), linear between its
    two neighbours, index arithmetic in float32 as torch's CPU kernel does.
    """
    n_in = mel.shape[0]
    scale = np.float32(n_in) / np.float32(n_out)
    # scale * (i + 0.5) - 0.5 rounded once (the fused multiply-add torch's compiled
    # kernel uses): exact in float64 for float32 operands, then rounded to float32
    half = np.arange(n_out, dtype=np.float32) + np.float32(0.5)
    src = (np.float64(scale) * half.astype(np.float64) - 0.5).astype(np.float32)
    src = np.maximum(src, np.float32(0.0))
    i0 = src.astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w1 = (src - i0.astype(np.float32))[:, None]
    w0 = np.float32(1.0) - w1
    return (w0 * mel[i0] + w1 * mel[i1]).astype(np.float32)
