"""The spectrogram kernel shared by the model-exact front ends (private).

One place for the pieces every recipe (:mod:`~melforge.feature.whisper`,
:mod:`~melforge.feature.kaldi`, :mod:`~melforge.feature.nemo` and the
``from_pretrained`` families) runs on:

- :func:`_cut_bands` / :func:`_mel_bands`: a filterbank cut into bands of 8 filters with
  their FFT-bin support, so the product skips the zeros of the triangles;
- :func:`_frames`: frames as a read-only strided view;
- :func:`_copy_frames` / :func:`_apply_window`: frames of several segments copied into
  scratch, then windowed in place as long flat runs;
- :func:`_power_spectrum` and :func:`_project`: FFT → power → banded mel product, in
  place in caller-held scratch, in either layout (bins x frames or frames x bins);
- :class:`_MelKernel`: windowing + the above for blocks of frames, with its scratch;
- :func:`_thread_cached`: per-thread scratch kept between calls;
- :func:`_for_each_clip`: the thread splitter (scipy.fft's worker count).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

from melforge.spectral import _fft

_BLOCK_FRAMES = 1024  # frames per FFT block (fewer calls; measured best of 96-3000)
_WINDOW_TILE_ROWS = 64  # frames windowed per flat multiply (100 kB of window copies)
_MELS_PER_BAND = 8  # mel filters per block of the banded mel product
_FLOAT32_MAX = float(np.finfo(np.float32).max)

Bands = tuple[tuple[int, int, int, int, np.ndarray], ...]
T = TypeVar("T")


def _cut_bands(basis: np.ndarray, per_band: int = _MELS_PER_BAND) -> Bands:
    """Cut a filterbank ``(n_bins, n_filters)`` into bands of filters with their support.

    Each entry is ``(j0, j1, k0, k1, weights)`` with ``weights`` the read-only block
    ``basis[k0:k1, j0:j1]`` (contiguous, in ``basis``'s dtype): filters ``j0:j1`` are
    zero outside FFT bins ``k0:k1``.  Multiplying by these blocks skips the zeros of
    the triangular filters (about 4x fewer operations than the dense product; the sums
    differ from it only in rounding, ~2e-7 relative).  A band of filters that are all
    zero keeps one bin (``k0:k1 = 0:1``) of zero weights.  A band holds ``per_band``
    filters (the last one the rest).
    """
    nonzero = basis != 0
    bands = []
    for j0 in range(0, basis.shape[1], per_band):
        j1 = min(j0 + per_band, basis.shape[1])
        rows = np.flatnonzero(nonzero[:, j0:j1].any(axis=1))
        k0, k1 = (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, 1)
        block = np.ascontiguousarray(basis[k0:k1, j0:j1])
        block.flags.writeable = False
        bands.append((j0, j1, k0, k1, block))
    return tuple(bands)


@functools.lru_cache(maxsize=8)
def _mel_bands(
    n_mels: int,
    sr: float = 16000,
    n_fft: int = 400,
    fmin: float = 0.0,
    fmax: float | None = None,
    scale: float = 1.0,
    htk: bool = False,
    norm: str | None = "slaney",
    dtype: Any = np.float32,
) -> Bands:
    """Return a mel basis (times ``scale``), transposed, cut by :func:`_cut_bands`.

    The basis is :func:`melforge.filters.mel`'s (Slaney scale and norm by default;
    ``htk``/``norm`` as there), in ``dtype``.
    """
    from melforge.filters import mel_basis_cached

    basis = mel_basis_cached(
        sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm,
        dtype=dtype,
    ).T  # fmt: skip
    if scale != 1.0:
        basis = basis * basis.dtype.type(scale)
    return _cut_bands(basis)


@functools.lru_cache(maxsize=8)
def _periodic_hann(length: int) -> np.ndarray:
    """Periodic Hann window of ``length`` samples (``torch.hann_window``), read-only."""
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length)).astype(np.float32)
    w.flags.writeable = False
    return w


def _frames(padded: np.ndarray, length: int = 400, hop: int = 160) -> np.ndarray:
    """Frames of ``length`` samples every ``hop`` samples (a read-only strided view).

    ``as_strided`` directly: ``sliding_window_view`` costs ~10 us of Python per call.
    """
    step = padded.strides[-1]
    count = max(0, (padded.shape[-1] - length) // hop + 1)
    return np.lib.stride_tricks.as_strided(
        padded, shape=(count, length), strides=(hop * step, step), writeable=False
    )


def _copy_frames(segments: list[np.ndarray], start: int, stop: int, buf: np.ndarray) -> None:
    """Copy frames ``start:stop`` of the concatenated ``segments`` into ``buf[:stop - start]``.

    ``segments`` are frame arrays ``(k, length)`` (a clip's padded edges and its interior,
    say) taken as one sequence; numpy's strided copy of overlapping frames is fast.
    """
    offset = 0
    for seg in segments:
        lo, hi = max(start, offset), min(stop, offset + seg.shape[0])
        if lo < hi:
            np.copyto(buf[lo - start : hi - start], seg[lo - offset : hi - offset])
        offset += seg.shape[0]


def _apply_window(buf: np.ndarray, window: np.ndarray, window_tile: np.ndarray) -> None:
    """Multiply every row of ``buf`` ``(m, window.size)`` by ``window``, in place.

    ``window_tile`` is ``np.tile(window, rows)``: whole groups of ``rows`` frames are
    multiplied as long flat runs, as numpy multiplies a 2-D block by a broadcast row
    about twice as slowly; the remaining frames by the window itself.
    """
    m = buf.shape[0]
    whole = m - m % (window_tile.size // window.size)
    if whole:
        flat = buf[:whole].reshape(-1, window_tile.size)
        np.multiply(flat, window_tile, out=flat)
    if whole < m:
        np.multiply(buf[whole:], window, out=buf[whole:])


def _power_spectrum(
    frames: np.ndarray, n_fft: int, out: np.ndarray, spec: np.ndarray | None = None
) -> np.ndarray:
    """Power spectrum of windowed ``frames`` ``(m, length)`` into ``out`` ``(m, n_fft//2+1)``.

    The frames are zero-padded at their end to ``n_fft`` by the FFT.  Re and im are
    squared in place in the FFT's own output and summed into ``out``; returns ``out``.
    float32 frames give a float32 power, float64 frames a float64 one (``out``'s dtype).
    ``spec`` (complex, ``(m, n_fft//2+1)``, optional) receives the FFT: with ``frames``
    already ``n_fft`` wide, a caller-held ``spec`` spares a fresh ~1 MB array per block,
    whose page faults cost more than the float64 FFT itself.
    """
    if spec is not None and frames.shape[-1] == n_fft:
        spec = _fft.rfft(frames, out=spec, workers=1)
    else:
        spec = _fft.rfft(frames, n=n_fft, workers=1)
    squares = spec.view(out.dtype)  # re, im interleaved; squared in place
    np.square(squares, out=squares)
    np.add(squares[:, 0::2], squares[:, 1::2], out=out)
    return out


def _project(power: np.ndarray, bands: Bands, out: np.ndarray, *, bins_first: bool) -> None:
    """Banded filterbank product of ``power`` ``(m, n_bins)`` into ``out``.

    ``out`` is ``(n_filters, m)`` when ``bins_first`` (librosa's layout), else
    ``(m, n_filters)`` (Kaldi's).
    """
    if bins_first:
        for j0, j1, k0, k1, weights in bands:
            np.matmul(weights.T, power[:, k0:k1].T, out=out[j0:j1])
    else:
        for j0, j1, k0, k1, weights in bands:
            np.matmul(power[:, k0:k1], weights, out=out[:, j0:j1])


class _MelKernel:
    """Windowed FFT, power and banded mel product for blocks of frames, with scratch.

    ``window`` defaults to the periodic Hann window of ``n_fft`` samples (Whisper's).

    With ``track_peak=True`` the largest mel value seen is kept in :attr:`peak`
    (Whisper's clamp needs each clip's maximum), and :attr:`finite` turns False when a
    block holds NaN or Inf (non-finite input reaches every mel value of its frames, so
    the small output is checked, not the input).
    """

    def __init__(
        self,
        bands: Bands,
        window: np.ndarray | None = None,
        n_fft: int = 400,
        *,
        track_peak: bool = False,
        dtype: Any = np.float32,
        block_frames: int = _BLOCK_FRAMES,
    ) -> None:
        self.bands = bands
        self.window = _periodic_hann(n_fft) if window is None else window
        if self.window.dtype != dtype:  # float64 recipes
            self.window = self.window.astype(dtype)
        self.n_fft = n_fft
        self.track_peak = track_peak
        self.peak = 0.0
        self.finite = True
        # Dither: Gaussian noise of this standard deviation added to every frame before
        # the window, drawn from ``rng`` frame after frame (transformers' order).
        self.dither = 0.0
        self.rng: np.random.RandomState | None = None
        self.magnitude = False  # |X| instead of |X|^2 (Gemma's magnitude mel)
        self.block = block_frames  # frames per FFT call: keep buf and spectrum in cache
        self.buf = np.empty((block_frames, self.window.size), dtype=dtype)
        self.window_tile = np.tile(self.window, _WINDOW_TILE_ROWS)  # rows of windows, flat
        self.power = np.empty((block_frames, n_fft // 2 + 1), dtype=dtype)

    def _window_rows(self, segments: list[np.ndarray], start: int, stop: int) -> None:
        """Windowed frames ``start:stop`` of the concatenated ``segments`` into ``buf``.

        The overlapping frames are first copied (numpy's strided copy is fast), then
        windowed in place as long flat runs of ``_WINDOW_TILE_ROWS`` frames: numpy
        multiplies a strided 2-D view row by row, which took twice as long.
        """
        _copy_frames(segments, start, stop, self.buf)
        m = stop - start
        if self.rng is not None and self.dither != 0.0:
            noise = self.rng.standard_normal((m, self.window.size))
            noise *= self.dither
            self.buf[:m] += noise
        _apply_window(self.buf[:m], self.window, self.window_tile)

    def __call__(self, frames: np.ndarray | list[np.ndarray], out: np.ndarray) -> None:
        """Mel power of ``frames`` ``(m, window.size)`` into ``out`` ``(n_mels, m)``.

        ``frames`` may be a list of frame arrays, taken as one concatenated sequence
        (a clip's padded edges and its interior), so that blocks span them.  The
        windowed frame is zero-padded at its end to ``n_fft``; a centred window
        (torch's) only differs by a circular shift, which leaves the power unchanged.
        """
        segments = frames if isinstance(frames, list) else [frames]
        total = sum(seg.shape[0] for seg in segments)
        for start in range(0, total, self.block):
            stop = min(start + self.block, total)
            m = stop - start
            self._window_rows(segments, start, stop)
            power = _power_spectrum(self.buf[:m], self.n_fft, self.power[:m])
            if self.magnitude:
                np.sqrt(power, out=power)
            block = out[:, start:stop]
            _project(power, self.bands, block, bins_first=True)
            if self.track_peak:
                top = float(block.max())  # in cache: cheap
                self.peak = max(self.peak, top)
                if not top <= _FLOAT32_MAX:  # NaN or Inf
                    self.finite = False


_LOCAL = threading.local()


def _thread_cached(
    slot: str, key: Hashable, build: Callable[[], T], fits: Callable[[T], bool] | None = None
) -> T:
    """Return the calling thread's object in ``slot`` under ``key``, built on first use.

    Scratch is kept between calls (a few MB each): re-allocating it for every clip made
    glibc return the pages and fault them in again, which one-clip calls (the featurize
    pipeline's) paid for every time.  With ``fits``, the slot holds one object, rebuilt
    when ``key`` changes or ``fits(held)`` is False (scratch that has grown too small).
    """
    if fits is None:
        cache = _LOCAL.__dict__.setdefault(slot, {})
        held = cache.get(key)
        if held is None:
            held = cache[key] = build()
        return held  # type: ignore[no-any-return]
    pair = _LOCAL.__dict__.get(slot)
    if pair is None or pair[0] != key or not fits(pair[1]):
        pair = _LOCAL.__dict__[slot] = (key, build())
    return pair[1]  # type: ignore[no-any-return]


def _for_each_clip(n_clips: int, work: Callable[[range], None]) -> None:
    """Run ``work(range_of_clips)`` over ``range(n_clips)``, split across threads.

    The thread count is scipy.fft's worker setting (1 unless the caller raises it with
    ``scipy.fft.set_workers(n)``), so batched front ends use several cores only when
    asked to.  Each chunk of clips runs in one thread with its own scratch buffers;
    numpy and pocketfft release the GIL in the heavy calls.
    """
    workers = max(1, min(_fft._workers(), n_clips))
    if workers == 1:
        work(range(n_clips))
        return
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, n_clips, workers + 1).astype(int)
    chunks = [range(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work, chunk) for chunk in chunks]:
            future.result()
