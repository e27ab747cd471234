"""Gemma 3n / Gemma 4 audio log-mel (private kernel for the from_pretrained family).

transformers' ``Gemma3nAudioFeatureExtractor`` frames the signal without padding
(``frame_length + 1`` samples every ``hop`` samples), applies pre-emphasis *inside each
frame* (HTK flavour: the frame's first sample times ``1 - p``, then ``x[k] - p x[k-1]``;
otherwise ``x[k+1] - p x[k]``, which uses the extra sample), a periodic Hann window of
``frame_length`` samples, an FFT of ``fft_length`` (the next power of two, doubled with
``fft_overdrive``), the *magnitude* spectrum, an HTK mel basis without norm, then
``log(max(mel, floor))`` (Gemma 3n) or ``log(mel + floor)`` (Gemma 4).
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np

from melforge.feature._kernel import _mel_bands, _MelKernel
from melforge.spectral import _fft

__all__: list[str] = []

_KERNELS = threading.local()


class _PreemphasisKernel(_MelKernel):
    """:class:`_MelKernel` on frames of ``frame_length + 1`` samples, pre-emphasized in frame."""

    def __init__(
        self, bands: Any, window: np.ndarray, n_fft: int, preemphasis: float, htk: bool
    ) -> None:
        super().__init__(bands, window, n_fft, block_frames=256)
        self.coef = np.float32(preemphasis)
        self.first = np.float32(1.0 - preemphasis)  # rounded from float64, as transformers
        self.htk = htk
        self.magnitude = True
        # float64 frames with their zero tail up to n_fft (no padded copy per FFT call)
        self.buf64 = np.zeros((self.block, n_fft), dtype=np.float64)

    def _window_rows(self, segments: list[np.ndarray], start: int, stop: int) -> None:
        (frames,) = segments  # (n_frames, frame_length + 1)
        x = frames[start:stop]
        m = stop - start
        buf = self.buf[:m]
        f = self.window.size
        if self.coef == 0.0:
            np.copyto(buf, x[:, :f])
        elif self.htk:
            np.multiply(x[:, : f - 1], -self.coef, out=buf[:, 1:])
            buf[:, 1:] += x[:, 1:f]
            np.multiply(x[:, 0], self.first, out=buf[:, 0])
        else:
            np.multiply(x[:, :f], -self.coef, out=buf)
            buf += x[:, 1 : f + 1]
        buf *= self.window

    def __call__(self, frames: Any, out: np.ndarray) -> None:
        """Mel magnitude of ``[frames]`` into ``out`` ``(n_mels, m)`` (float64).

        The frames are pre-emphasized and windowed in float32, as transformers does,
        then transformed in float64: numpy's float32 ``rfft`` (transformers' FFT) is
        accurate to float32 rounding of the exact transform, which a float64 FFT
        reproduces (measured 9.5e-7 in log units), while pocketfft's single-precision
        transform rounds relative to a frame's energy and moved the quietest bands
        (100 dB down) by up to 0.45.  numpy's own FFT would match too but runs ~10x
        slower on a block of frames.  The magnitudes go through the mel basis in
        float64, as transformers' ``matmul`` with its float64 basis does.
        """
        total = frames[0].shape[0]
        for start in range(0, total, self.block):
            stop = min(start + self.block, total)
            m = stop - start
            self._window_rows(frames, start, stop)
            np.copyto(self.buf64[:m, : self.window.size], self.buf[:m])
            magnitude = np.abs(_fft.rfft(self.buf64[:m], workers=1))
            block = out[:, start:stop]
            for j0, j1, k0, k1, weights in self.bands:
                np.matmul(weights.T, magnitude[:, k0:k1].T, out=block[j0:j1])


def _kernel(
    n_mels: int, sr: int, frame_length: int, fft_length: int, fmin: float, fmax: float,
    preemphasis: float, htk_flavor: bool, float64_window: bool,
) -> _PreemphasisKernel:  # fmt: skip
    key = (n_mels, sr, frame_length, fft_length, fmin, fmax, preemphasis, htk_flavor,
           float64_window)  # fmt: skip
    kernels = _KERNELS.__dict__.setdefault("by_key", {})
    if key not in kernels:
        with warnings.catch_warnings():
            # 128 bands on a 512-point FFT leave the lowest filters empty (no FFT bin
            # under them): the models were trained so (their log is the floor)
            warnings.simplefilter("ignore", UserWarning)
            bands = _mel_bands(n_mels, sr, fft_length, fmin, fmax, 1.0, True, None, np.float64)
        if float64_window:  # Gemma 4: transformers' window_function, rounded to float32
            window = np.hanning(frame_length + 1)[:-1].astype(np.float32)
        else:  # Gemma 3n: the same formula evaluated in float32
            n = np.arange(frame_length, dtype=np.float32)
            window = (0.5 * (1 - np.cos(2 * np.pi * n / frame_length))).astype(np.float32)
        kernels[key] = _PreemphasisKernel(bands, window, fft_length, preemphasis, htk_flavor)
    return kernels[key]  # type: ignore[no-any-return]


def log_mel(
    x: np.ndarray,
    *,
    n_mels: int,
    sr: int,
    frame_length: int,
    hop: int,
    fft_length: int,
    fmin: float,
    fmax: float,
    preemphasis: float,
    htk_flavor: bool,
    floor: float,
    add_floor: bool,
) -> np.ndarray:
    """Log mel magnitude of one float32 signal, ``(n_frames, n_mels)`` float64.

    ``n_frames = (n - frame_length - 1) // hop + 1`` (no padding; 0 when shorter).
    ``add_floor`` selects Gemma 4: ``log(mel + floor)`` and its float64-computed window;
    else Gemma 3n's ``log(max(mel, floor))`` and float32-computed window.
    """
    size = frame_length + 1
    count = max(0, (x.shape[-1] - size) // hop + 1)
    out = np.empty((n_mels, count), dtype=np.float64)
    if count:
        step = x.strides[-1]
        frames = np.lib.stride_tricks.as_strided(
            x, shape=(count, size), strides=(hop * step, step), writeable=False
        )
        kernel = _kernel(n_mels, sr, frame_length, fft_length, fmin, fmax, preemphasis,
                         htk_flavor, add_floor)  # fmt: skip
        kernel([frames], out)
    mel = out.T
    if add_floor:
        mel += floor
    else:
        np.maximum(mel, floor, out=mel)
    return np.log(mel, out=mel)
