"""CLAP's log-mel (dB) spectrogram and its time-axis shrink (private kernels).

transformers' ``ClapFeatureExtractor`` frames a float64 waveform with ``center=True``
reflect padding, a periodic Hann window of ``n_fft`` samples every ``hop`` samples,
takes the power spectrum (rounded to complex64 per bin), projects it on an HTK mel basis
without norm (``truncation="fusion"``) or a Slaney-normalized Slaney basis (otherwise),
floors at 1e-10 and converts to dB (``10 log10``), with no clamp.  With no clamp the
quiet bands, 100 dB and more below a frame's peak, are kept: a float32 FFT's rounding
noise (relative to the frame's energy) would move them by up to 2 dB, so this kernel
computes in float64 (:class:`~melforge.feature.whisper._MelKernel` with
``dtype=float64``).
"""

from __future__ import annotations

import threading

import numpy as np

from melforge.feature._kernel import _mel_bands, _MelKernel
from melforge.feature.whisper import _reflect_edges

__all__: list[str] = []

_KERNELS = threading.local()
_MEL_FLOOR = 1e-10  # power floor before dB


def _kernel(n_mels: int, sr: int, n_fft: int, fmin: float, fmax: float, htk: bool) -> _MelKernel:
    """Return the calling thread's float64 kernel for this basis (scratch kept)."""
    key = (n_mels, sr, n_fft, fmin, fmax, htk)
    kernels = _KERNELS.__dict__.setdefault("by_key", {})
    if key not in kernels:
        norm = None if htk else "slaney"
        bands = _mel_bands(n_mels, sr, n_fft, fmin, fmax, 1.0, htk, norm, np.float64)
        # the periodic Hann window in float64 (transformers' window_function): a float32
        # window's rounding leaks ~-120 dB of a frame's peak into its quietest bands
        window = np.hanning(n_fft + 1)[:-1]
        window.flags.writeable = False
        kernels[key] = _MelKernel(bands, window, n_fft, dtype=np.float64, block_frames=128)
    return kernels[key]  # type: ignore[no-any-return]


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
) -> np.ndarray:
    """Log-mel in dB of one clip, ``(1 + n // hop, n_mels)`` float32 (frames first).

    ``y`` is taken in float64, reflect-padded by ``n_fft // 2`` (it needs more than
    ``n_fft // 2`` samples).
    """
    x = np.asarray(y, dtype=np.float64)
    n_frames = x.shape[-1] // hop + 1
    out = np.empty((n_mels, n_frames), dtype=np.float64)
    _kernel(n_mels, sr, n_fft, float(fmin), float(fmax), htk)(
        _reflect_edges(x, n_frames, n_fft, hop), out
    )
    np.maximum(out, _MEL_FLOOR, out=out)
    np.log10(out, out=out)
    out *= 10.0
    return np.ascontiguousarray(out.T, dtype=np.float32)


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
