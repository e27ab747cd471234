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
from typing import Optional

import numpy as np

from melforge.feature._kernel import _cut_bands
from melforge.spectral import _fft

__all__: list[str] = []

_KERNELS = threading.local()
_BLOCK = 128  # frames per FFT call (a 1024-point float64 block stays in L2; measured 64-256)
_MELS_PER_BAND = 16  # mel filters per matmul (each call costs ~3 us: measured 8-64)


class _GemmaKernel:
    """Pre-emphasis, window, float64 FFT, magnitude and banded mel per block; floor, log.

    Arithmetic follows transformers': pre-emphasis and window in float32 (their frames
    are float32), then a float64 FFT: numpy's float32 ``rfft`` (transformers' FFT) is
    accurate to float32 rounding of the exact transform, which a float64 FFT reproduces
    (measured 9.5e-7 in log units), while pocketfft's single-precision transform rounds
    relative to a frame's energy and moved the quietest bands (100 dB down) by up to
    0.45.  numpy's own FFT would match too but runs ~2x slower on a block of frames.

    After the FFT every step sums positive terms, so float32 keeps a relative
    precision of ~1e-7 whatever the level: the spectrum is rounded to complex64 (as
    transformers' is), its magnitude goes through the mel basis (float32, banded: only
    the FFT bins under each group of filters) straight into the float32 output rows,
    then ``log(max(mel, floor))`` or ``log(mel + floor)`` in float32 (transformers: mel,
    floor and log in float64 from float32 magnitudes; measured 1.9e-6 in log units
    either way).  With per-band statistics the floor, log and standardization run in
    float64 on the float32 mel (a small ``stddev`` would magnify a float32 log's error).

    Only the FFT bins under the mel basis (:attr:`k0` to :attr:`k1`) are turned into
    magnitudes.  Scratch is held by the instance (one per thread).
    """

    def __init__(
        self, basis: np.ndarray, window: np.ndarray, n_fft: int, preemphasis: float, htk: bool
    ) -> None:
        self.window = window  # float32, frame_length samples
        self.coef = np.float32(preemphasis)
        self.first = np.float32(1.0 - preemphasis)  # rounded from float64, as transformers
        self.htk = htk
        bands = _cut_bands(basis, _MELS_PER_BAND)  # float32, (bins, mels)
        self.k0 = min(band[2] for band in bands)
        self.k1 = max(band[3] for band in bands)
        self.bands = tuple((j0, j1, k0 - self.k0, k1 - self.k0, w) for j0, j1, k0, k1, w in bands)
        self.n_mels = basis.shape[1]
        width = self.k1 - self.k0
        block = _BLOCK
        # float64 frames with their zero tail up to n_fft (written in place, tail kept)
        self.frames = np.zeros((block, n_fft), dtype=np.float64)
        self.spectrum = np.empty((block, n_fft // 2 + 1), dtype=np.complex128)
        self.narrow = np.empty((block, width), dtype=np.complex64)
        self.magnitude = np.empty((block, width), dtype=np.float32)

    def _views(self, x: np.ndarray, hop: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Strided views of the ``count`` frames: window columns ``1:`` and column 0's sample.

        The pre-emphasis of sample ``k`` (``x[k] - p x[k-1]``) is the same in every frame
        that holds it, so it is computed once on the samples (frames overlap
        ``frame_length / hop`` times) and the frames read it through a strided view.
        HTK flavour: column ``j >= 1`` of a frame starting at ``s`` holds ``x[s+j] - p
        x[s+j-1] = e[s+j-1]`` and column 0 holds ``x[s] (1 - p)``; otherwise column
        ``j`` holds ``x[s+j+1] - p x[s+j] = e[s+j]``.
        """
        f = self.window.size
        n = (count - 1) * hop + f + 1
        heads = x[: (count - 1) * hop + 1 : hop]
        if self.coef == 0.0:
            e = x
        else:
            e = np.multiply(x[: n - 1], -self.coef)  # x[k+1] - p x[k] as (-p x[k]) + x[k+1]
            e += x[1:n]
        if self.coef != 0.0 and self.htk:
            width = f - 1
            if self.window[0] == 0.0:  # Hann: column 0 is x[s] (1 - p) 0 = 0 (frames' zeros)
                heads = heads[:0]
        else:
            width, heads = f, heads[:0]
        step = e.strides[-1]
        rest = np.lib.stride_tricks.as_strided(e, (count, width), (hop * step, step))
        return rest, heads

    def _window(self, rest: np.ndarray, heads: np.ndarray) -> None:
        """Windowed frames (see :meth:`_views`) into ``frames[:m]`` (float64).

        The window product is rounded to float32 (transformers' arithmetic) while
        written to the float64 frames.
        """
        m, width = rest.shape
        f = self.window.size
        dest = self.frames[:m, f - width : f]
        np.multiply(rest, self.window[f - width :], out=dest, dtype=np.float32)
        if heads.size:  # HTK pre-emphasis: column 0 is x[s] (1 - p)
            head = np.multiply(heads, self.first)
            np.multiply(head, self.window[0], out=self.frames[:m, 0], dtype=np.float32)

    def __call__(
        self,
        x: np.ndarray,
        hop: int,
        out: np.ndarray,
        floor: float,
        add_floor: bool,
        mean: Optional[np.ndarray],
        stddev: Optional[np.ndarray],
    ) -> None:
        """Log mel of the ``out.shape[0]`` frames of float32 ``x`` into ``out`` (float32).

        ``out`` is ``(n_frames, n_mels)``; frame ``i`` reads ``x[i * hop : i * hop +
        frame_length + 1]``.
        """
        total = out.shape[0]
        rest, heads = self._views(x, hop, total)
        for start in range(0, total, _BLOCK):
            m = min(_BLOCK, total - start)
            self._window(rest[start : start + m], heads[start : start + m])
            spectrum = _fft.rfft(self.frames[:m], out=self.spectrum[:m], workers=1)
            narrow = self.narrow[:m]
            np.copyto(narrow, spectrum[:, self.k0 : self.k1], casting="same_kind")
            magnitude = np.abs(narrow, out=self.magnitude[:m])
            rows = out[start : start + m]
            for j0, j1, k0, k1, weights in self.bands:
                np.matmul(magnitude[:, k0:k1], weights, out=rows[:, j0:j1])
        if mean is None and stddev is None:
            mel = out
            floor = np.float32(floor)
        else:
            mel = out.astype(np.float64)
        if add_floor:
            mel += floor
        else:
            np.maximum(mel, floor, out=mel)
        np.log(mel, out=mel)
        if mel is not out:
            if mean is not None:
                mel -= mean
            if stddev is not None:
                mel /= stddev
            np.copyto(out, mel, casting="same_kind")


def _kernel(
    n_mels: int, sr: int, frame_length: int, fft_length: int, fmin: float, fmax: float,
    preemphasis: float, htk_flavor: bool, float64_window: bool,
) -> _GemmaKernel:  # fmt: skip
    key = (n_mels, sr, frame_length, fft_length, fmin, fmax, preemphasis, htk_flavor,
           float64_window)  # fmt: skip
    kernels = _KERNELS.__dict__.setdefault("by_key", {})
    if key not in kernels:
        from melforge.filters import mel_basis_cached

        with warnings.catch_warnings():
            # 128 bands on a 512-point FFT leave the lowest filters empty (no FFT bin
            # under them): the models were trained so (their log is the floor)
            warnings.simplefilter("ignore", UserWarning)
            basis = mel_basis_cached(sr=sr, n_fft=fft_length, n_mels=n_mels, fmin=fmin,
                                     fmax=fmax, htk=True, norm=None, dtype=np.float64)  # fmt: skip
        if float64_window:  # Gemma 4: transformers' window_function, rounded to float32
            window = np.hanning(frame_length + 1)[:-1].astype(np.float32)
        else:  # Gemma 3n: the same formula evaluated in float32
            n = np.arange(frame_length, dtype=np.float32)
            window = (0.5 * (1 - np.cos(2 * np.pi * n / frame_length))).astype(np.float32)
        kernels[key] = _GemmaKernel(basis.T.astype(np.float32), window, fft_length,
                                    preemphasis, htk_flavor)  # fmt: skip
    return kernels[key]  # type: ignore[no-any-return]


def log_mel(
    x: np.ndarray,
    out: np.ndarray,
    *,
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
    mean: Optional[np.ndarray] = None,
    stddev: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Log mel magnitude of the frames of float32 ``x`` into ``out``; returns ``out``.

    ``out`` is ``(n_frames, n_mels)`` float32 (a row of a batch's stacked array, say):
    frame ``i`` reads ``x[i * hop : i * hop + frame_length + 1]`` (no padding), so ``x``
    needs ``(n_frames - 1) * hop + frame_length + 1`` samples.  ``add_floor`` selects
    Gemma 4: ``log(mel + floor)`` and its float64-computed window; else Gemma 3n's
    ``log(max(mel, floor))`` and float32-computed window.  ``mean`` and ``stddev``
    (float64, one per band) standardize the log mel.
    """
    if out.shape[0]:
        kernel = _kernel(out.shape[1], sr, frame_length, fft_length, fmin, fmax, preemphasis,
                         htk_flavor, add_floor)  # fmt: skip
        kernel(np.ascontiguousarray(x, dtype=np.float32), hop, out, floor, add_floor, mean,
               stddev)  # fmt: skip
    return out
