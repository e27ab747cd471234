"""Kaldi-compatible log mel filterbank features (``compute-fbank-feats``).

Speaks Kaldi's option names, with units in the names (``frame_length_ms``).  The
output follows Kaldi's layout, **frames x bins**: ``(..., n_frames, num_mel_bins)``.

The recipe, per frame of ``frame_length_ms`` (400 samples at 16 kHz) every
``frame_shift_ms`` (160 samples):

1. scale by ``waveform_scale`` (32768 maps [-1, 1) audio to Kaldi's int16 range);
2. add ``dither`` x N(0, 1) noise (seeded generator, not Kaldi's RNG);
3. subtract the frame's mean (``remove_dc_offset``); the raw log energy is taken here;
4. pre-emphasis ``x[i] -= preemphasis * x[i - 1]``, with ``x[0] *= 1 - preemphasis``;
5. multiply by the window (Povey: ``(0.5 - 0.5 cos(2 pi i / (N - 1))) ** 0.85``);
6. zero-pad to the next power of two (512) and take the power (or magnitude) spectrum;
7. apply triangular filters, linear in the HTK mel scale ``1127 ln(1 + f / 700)``,
   evaluated at the FFT bin centres (the Nyquist bin is excluded, as in Kaldi);
8. natural log with a floor at float32 epsilon (1.1920929e-07).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge._validate import (
    check_nonnegative_number,
    check_positive_int,
    check_positive_number,
    check_sr,
)
from melforge.feature._clips import _as_signal
from melforge.feature._kernel import (
    _cut_bands,
    _for_each_clip,
    _frames,
    _power_spectrum,
    _project,
    _thread_cached,
)
from melforge.spectral import _fft

__all__ = ["kaldi_fbank"]

_EPS32 = float(np.finfo(np.float32).eps)
_WINDOWS = ("povey", "hanning", "hann", "hamming", "rectangular", "blackman", "sine")
Moments = tuple[np.ndarray, np.ndarray]  # per-bin mean and sum of squared deviations
_BLOCK_FRAMES = 1024  # frames per block: ~6 MB of scratch; faster than 2048 on long clips
_BLOCK_FRAMES64 = 256  # float64 clip path: 256 rows measured 6 % faster than 128, 40 % than 64
_SPAN_FRAMES64 = 4096  # frames pre-emphasized per pass (two float64 buffers of 5 MB)
_TILE_ROWS64 = 64  # frames windowed per flat product in the float64 clip path (256 kB)


def _mel_scale(freq: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(freq, dtype=np.float64) / 700.0)


@functools.lru_cache(maxsize=32)
def _window(
    kind: str, length: int, blackman_coeff: float = 0.42, dtype: Any = np.float32
) -> np.ndarray:
    """Kaldi's analysis windows (symmetric, over ``length - 1``), read-only ``dtype``."""
    i = np.arange(length, dtype=np.float64)
    a = 2.0 * np.pi / (length - 1) if length > 1 else 0.0
    if kind in ("hanning", "hann"):
        w = 0.5 - 0.5 * np.cos(a * i)
    elif kind == "povey":
        w = (0.5 - 0.5 * np.cos(a * i)) ** 0.85
    elif kind == "hamming":
        w = 0.54 - 0.46 * np.cos(a * i)
    elif kind == "sine":
        w = np.sin(0.5 * a * i)
    elif kind == "blackman":
        w = blackman_coeff - 0.5 * np.cos(a * i) + (0.5 - blackman_coeff) * np.cos(2 * a * i)
    else:  # rectangular
        w = np.ones(length)
    out = w.astype(dtype)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=32)
def _mel_banks(
    num_bins: int,
    n_fft: int,
    sr: float,
    low_freq: float,
    high_freq: float,
    keep_empty: bool = False,
    dtype: Any = np.float32,
) -> np.ndarray:
    """Kaldi's triangular mel banks, ``(n_fft // 2 + 1, num_bins)`` ``dtype``, read-only.

    The last row (the Nyquist bin) is zero: Kaldi's banks cover ``n_fft // 2`` bins.
    A bin that covers no FFT bin is refused, as Kaldi does, unless ``keep_empty``
    (torchaudio and transformers keep it: its filter is all zero).
    """
    nyquist = 0.5 * sr
    high = high_freq if high_freq > 0.0 else nyquist + high_freq
    if not 0.0 <= low_freq < nyquist:
        raise ParameterError(f"low_freq={low_freq!r} must be >= 0 and below Nyquist ({nyquist} Hz)")
    if not low_freq < high <= nyquist:
        raise ParameterError(
            f"high_freq={high_freq!r} gives an upper edge of {high} Hz, which must lie in "
            f"(low_freq={low_freq}, Nyquist={nyquist}] (values <= 0 count down from Nyquist)"
        )
    mel_low, mel_high = _mel_scale(low_freq), _mel_scale(high)
    delta = (mel_high - mel_low) / (num_bins + 1)
    mel = _mel_scale(np.arange(n_fft // 2) * (sr / n_fft))[:, None]
    left = mel_low + np.arange(num_bins) * delta
    centre, right = left + delta, left + 2 * delta
    up = (mel - left) / (centre - left)
    down = (right - mel) / (right - centre)
    weights = np.where(mel <= centre, up, down)
    weights = np.where((mel > left) & (mel < right), weights, 0.0)
    empty = np.flatnonzero(~weights.any(axis=0))
    if empty.size and not keep_empty:
        raise ParameterError(
            f"num_mel_bins={num_bins} is too large for a {n_fft}-point FFT between "
            f"{low_freq} and {high} Hz: mel bin {int(empty[0])} covers no FFT bin"
        )
    out = np.zeros((n_fft // 2 + 1, num_bins), dtype=dtype)
    out[:-1] = weights
    out.flags.writeable = False
    return out


def _n_frames(n: int, frame_length: int, frame_shift: int, snip_edges: bool) -> int:
    if snip_edges:
        return 0 if n < frame_length else 1 + (n - frame_length) // frame_shift
    return (n + frame_shift // 2) // frame_shift


def _framed_signal(
    y: np.ndarray, frame_length: int, frame_shift: int, snip_edges: bool
) -> tuple[np.ndarray, int]:
    """Return the 1-D signal whose frame ``t`` starts at ``t * frame_shift``, and ``n_frames``.

    ``y`` itself with ``snip_edges``; else ``y`` mirrored at its ends as Kaldi does.
    """
    n = y.shape[-1]
    n_frames = _n_frames(n, frame_length, frame_shift, snip_edges)
    if n_frames and not snip_edges:
        # Kaldi reflects out-of-range samples: s < 0 -> -s - 1, s >= n -> 2n - 1 - s.
        first = frame_shift // 2 - frame_length // 2
        last = (n_frames - 1) * frame_shift + first + frame_length
        left, right = max(0, -first), max(0, last - n)
        y = np.pad(y, (left, right), mode="symmetric")
        y = y[first + left :]
    return y, n_frames


def _frame_view(
    y: np.ndarray, frame_length: int, frame_shift: int, snip_edges: bool
) -> np.ndarray:
    """Frames of one 1-D signal as ``(n_frames, frame_length)`` (a view when possible)."""
    y, n_frames = _framed_signal(y, frame_length, frame_shift, snip_edges)
    if n_frames == 0:
        return np.empty((0, frame_length), dtype=y.dtype)
    windows = np.lib.stride_tricks.sliding_window_view(y, frame_length)
    return windows[: (n_frames - 1) * frame_shift + 1 : frame_shift]


def _frame_means(
    sig: np.ndarray, n_frames: int, frame_length: int, frame_shift: int
) -> np.ndarray:
    """Mean of each frame of ``sig`` (float64), from sums of chunks shared by the frames.

    Frames of 400 samples every 160 are unions of 80-sample chunks (the gcd): the chunk
    sums take one pass over the signal instead of 2.5 (each sample lies in 2.5 frames),
    then each frame adds its 5 chunk sums.  Other lengths with few chunks per frame do
    the same; the rest average the frames directly.
    """
    step = math.gcd(frame_length, frame_shift)
    per_frame = frame_length // step
    n_used = (n_frames - 1) * frame_shift + frame_length
    if per_frame > 16:
        return _frames(sig, frame_length, frame_shift)[:n_frames].mean(axis=1, dtype=np.float64)
    # a matrix-vector product (BLAS) sums the rows 5x faster than numpy's row sums
    chunks = sig[:n_used].reshape(-1, step) @ np.ones(step, dtype=sig.dtype)
    hop = frame_shift // step
    sums = chunks[: (n_frames - 1) * hop + 1 : hop].copy()
    for j in range(1, per_frame):
        sums += chunks[j : j + (n_frames - 1) * hop + 1 : hop]
    sums /= frame_length
    return sums


def _fbank_clip64(
    y: np.ndarray,
    *,
    scratch: _Scratch,
    window: np.ndarray,
    bands: tuple[tuple[int, int, int, int, np.ndarray], ...],
    n_fft: int,
    frame_length: int,
    frame_shift: int,
    snip_edges: bool,
    scale: float,
    preemphasis: float,
    remove_dc_offset: bool,
    use_log_fbank: bool,
    use_power: bool,
    out: np.ndarray,
    moments: Moments | None = None,
    stats_rows: int | None = None,
) -> None:
    """One clip's fbank rows in float64, without dither or energy, into ``out``.

    The frame steps are linear, so they are rearranged to touch each frame three times
    (a copy, the mean, the window) before the FFT:

    - pre-emphasis runs once over spans of up to ``_SPAN_FRAMES64`` frames (float64
      scratch: a few calls per span rather than a dozen per block), and each frame's
      first sample is then corrected to Kaldi's ``x[0] * (1 - c)``;
    - the frame's mean ``m`` is removed as ``(1 - c) m`` after pre-emphasis (that is
      what pre-emphasis makes of a constant ``m``); the means come from chunk sums,
      once per span;
    - ``scale`` rides on the window;
    - frames are copied ``n_fft`` samples wide, so that the buffer is contiguous and
      the window (zero past ``frame_length``) is one flat product: the samples past
      the frame are multiplied by zero, which is the FFT's zero padding.

    With a window whose first sample is zero (Povey, Hann) the first-sample
    correction is skipped: the windowed sample is zero either way.  With ``use_power``,
    ``bands`` must come from :func:`_bank_bands` with ``interleaved=True``: the filters
    then read the squared real and imaginary parts in place in the FFT's output (one
    pass fewer than summing them into a power array first).

    Equal to the step-by-step recipe up to float64 rounding (exactly, for a
    power-of-two ``scale`` such as 32768, up to the order of the filter sums).
    Everything stays in float64 until the log, rounded once into the float32 output:
    rounding the power or the mel energies to float32 first left the output slightly
    further from an exact computation than transformers' own output is.

    With ``moments`` (two float64 arrays ``(n_bins,)``, written), the per-bin mean and
    sum of squared deviations of the first ``stats_rows`` rows (all if None) are
    computed: per-bin sums and sums of squares (BLAS row sums), then
    ``m2 = q - s^2 / n``.  When that difference cancels to below 1e-6 of ``q`` in a
    bin (nearly constant over the clip: on speech and music ``m2 / q`` is about
    1e-2), the clip takes the two-pass formula over its rows instead, so that
    a constant bin gets zero exactly and no bin loses more than ~2e-10 of ``m2``.
    ``out`` must then be float64 (the rows the statistics describe).
    """
    sig, n_frames = _framed_signal(y, frame_length, frame_shift, snip_edges)
    if n_frames == 0:
        return
    c = preemphasis
    dc_gain = 1.0 - c  # pre-emphasis of a constant
    tile = scratch.window_tile(window, scale, n_fft)
    w0 = float(tile[0])
    rows = min(scratch.rows, _BLOCK_FRAMES64)
    limit = n_frames if stats_rows is None else min(stats_rows, n_frames)
    span = max(rows, _SPAN_FRAMES64 - _SPAN_FRAMES64 % rows)
    for s0 in range(0, n_frames, span):
        s1 = min(s0 + span, n_frames)
        # The span's samples in float64, pre-emphasized once (a few passes over up to
        # 4096 frames rather than a dozen small calls per block).
        a, n = s0 * frame_shift, (s1 - s0 - 1) * frame_shift + frame_length
        x, wide_signal = scratch.signals(n, n + n_fft - frame_length)
        np.copyto(x, sig[a : a + n])  # float64 once: mixed-dtype ufuncs run buffered
        emph = wide_signal[:n]
        if c != 0.0:
            np.multiply(x[:-1], c, out=emph[1:])
            np.subtract(x[1:], emph[1:], out=emph[1:])
            emph[0] = x[0]  # never read: each frame's first sample is rewritten below
        else:
            np.copyto(emph, x)
        wide_signal[n:] = 0.0  # read by the last frames, times the window's zeros
        frames = _frames(wide_signal, n_fft, frame_shift)
        if remove_dc_offset:
            means = _frame_means(x, s1 - s0, frame_length, frame_shift)
            dc = (dc_gain * means)[:, None]
        first = None
        if c != 0.0 and w0 != 0.0:  # a zero first window sample zeroes it anyway
            first = x[: (s1 - s0 - 1) * frame_shift + 1 : frame_shift]
            first = (first - means if remove_dc_offset else first) * (w0 * dc_gain)
        for start in range(s0, s1, rows):
            stop = min(start + rows, s1)
            lo, hi = start - s0, stop - s0
            _fbank_block64(
                frames[lo:hi], None if not remove_dc_offset else dc[lo:hi],
                None if first is None else first[lo:hi], scratch=scratch, tile=tile,
                bands=bands, n_fft=n_fft, use_log_fbank=use_log_fbank,
                use_power=use_power, out=out[start:stop],
            )  # fmt: skip
    if moments is not None and limit > 0:
        # Sums and sums of squares as BLAS row sums (a vector-matrix product), cheaper
        # than numpy's axis-0 reductions, or than accumulating them block by block;
        # the squares go to the clip's signal scratch, free by now.
        sums, squares = moments
        kept = out[:limit]
        ones = scratch.ones(limit)[:limit]
        np.matmul(ones, kept, out=sums)
        fits = x.size >= kept.size  # 80 bins: n >= 160 * n_frames samples
        squared = x[: kept.size].reshape(kept.shape) if fits else np.empty_like(kept)
        np.square(kept, out=squared)
        np.matmul(ones, squared, out=squares)
        # sum of squared deviations: q - s^2 / n; where that cancels down to rounding
        # (a bin nearly constant over the clip), the two-pass formula instead
        m2 = squares - sums * sums / limit
        sums /= limit
        if not (m2 > 1e-6 * squares).all():
            sums[...], m2 = _moments(kept)
        squares[...] = m2


def _moments(rows: np.ndarray) -> Moments:
    """Per-bin mean and sum of squared deviations of ``rows`` ``(n, bins)`` (two-pass)."""
    mean = rows.mean(axis=0)
    dev = rows - mean
    return mean, np.einsum("ij,ij->j", dev, dev)


def _fbank_block64(
    frames: np.ndarray,
    dc: np.ndarray | None,
    first: np.ndarray | None,
    *,
    scratch: _Scratch,
    tile: np.ndarray,
    bands: tuple[tuple[int, int, int, int, np.ndarray], ...],
    n_fft: int,
    use_log_fbank: bool,
    use_power: bool,
    out: np.ndarray,
) -> None:
    """One block of :func:`_fbank_clip64`: ``frames`` to filterbank rows in ``out``.

    ``frames`` ``(m, n_fft)`` are pre-emphasized and unwindowed; ``dc`` ``(m, 1)`` is
    subtracted from each (if given) and each frame's first windowed sample is set to
    ``first`` (if given); ``out`` is ``(m, n_bins)``.
    """
    m = frames.shape[0]
    buf = scratch.padded[:m]
    np.copyto(buf, frames)
    if dc is not None:
        np.subtract(buf, dc, out=buf)
    tile_rows = tile.size // n_fft
    for r in range(0, m, tile_rows):  # flat runs: numpy multiplies 2-D row by row
        flat = buf[r : r + tile_rows].reshape(-1)
        np.multiply(flat, tile[: flat.size], out=flat)
    if first is not None:
        buf[:, 0] = first
    wide = out if out.dtype == np.float64 else scratch.mel[:m]
    if use_power:  # re and im squared in place; the banks are interleaved to match
        squares_ri = _fft.rfft(buf, out=scratch.spec[:m], workers=1).view(np.float64)
        np.square(squares_ri, out=squares_ri)
        _project(squares_ri, bands, wide, bins_first=False)
    else:
        power = _power_spectrum(buf, n_fft, scratch.power[:m], scratch.spec[:m])
        np.sqrt(power, out=power)
        _project(power, bands, wide, bins_first=False)
    if use_log_fbank:
        if wide.min() < _EPS32:  # a reduction costs a third of the floor's pass
            np.maximum(wide, _EPS32, out=wide)
        np.log(wide, out=wide)
    if wide is not out:
        out[...] = wide


def _row_sums_in_order(buf: np.ndarray) -> np.ndarray:
    """Sum each row of a float32 block ``(m, k)`` left to right, in float32, as Kaldi does.

    numpy's own row sums are pairwise and round differently; reducing a transposed
    copy over its first axis adds the columns one after another.  Sub-blocks of 256
    rows keep the transposed copy in cache (this costs less than a float64 mean).
    """
    out = np.empty(buf.shape[0], dtype=np.float32)
    for start in range(0, buf.shape[0], 256):
        rows = buf[start : start + 256]
        np.add.reduce(np.ascontiguousarray(rows.T), axis=0, out=out[start : start + 256])
    return out


@functools.lru_cache(maxsize=32)
def _bank_bands(
    num_bins: int,
    n_fft: int,
    sr: float,
    low_freq: float,
    high_freq: float,
    keep_empty: bool = False,
    dtype: Any = np.float32,
    interleaved: bool = False,
) -> tuple[tuple[int, int, int, int, np.ndarray], ...]:
    """Cut :func:`_mel_banks` into bands of filters with their FFT-bin support.

    Each entry is ``(j0, j1, k0, k1, weights)``: filters ``j0:j1`` are zero outside bins
    ``k0:k1``, and ``weights`` is the read-only block ``banks[k0:k1, j0:j1]``.  The
    product by these blocks skips the zeros of the triangles (about 3.5x faster than
    the dense product; the sums differ from it only in rounding, ~2e-7 relative).

    ``interleaved``: each FFT bin's row twice, for the real and imaginary parts of a
    complex spectrum viewed as reals (rows ``2k`` and ``2k + 1`` weigh bin ``k``), so
    that the product of the squared parts gives the filterbank of the power.
    """
    banks = _mel_banks(num_bins, n_fft, sr, low_freq, high_freq, keep_empty, dtype)
    return _cut_bands(np.repeat(banks, 2, axis=0) if interleaved else banks)


class _Scratch:
    """Buffers for blocks of up to ``rows`` frames, reused from call to call.

    ``padded`` holds the windowed frames zero-padded to ``n_fft`` (its tail columns
    stay zero), so the FFT needs no padded copy.  Keeping the buffers between calls
    matters for one-clip calls: freeing and re-allocating a few MB per clip made
    glibc hand the pages back and fault them in again, which cost more than the
    arithmetic.
    """

    def __init__(
        self, rows: int, frame_length: int, n_fft: int, dtype: Any = np.float32
    ) -> None:
        self.key = (frame_length, n_fft)
        self.rows = rows
        self.buf = np.empty((rows, frame_length), dtype=dtype)
        self.tmp = np.empty((rows, frame_length), dtype=dtype)
        self.padded = np.zeros((rows, n_fft), dtype=dtype)
        self.power = np.empty((rows, n_fft // 2 + 1), dtype=dtype)
        self.spec = np.empty((rows, n_fft // 2 + 1), dtype=np.result_type(dtype, np.complex64))
        self.mel = np.empty((rows, 0), dtype=dtype)  # float64 filterbank rows, as needed
        self._signals = (np.empty(0, dtype=dtype), np.empty(0, dtype=dtype))
        self._tile: tuple[Any, float, np.ndarray] | None = None
        self._rows = np.empty(0, dtype=dtype)
        self._ones = np.ones(0, dtype=dtype)

    def log_rows(self, n: int, n_bins: int) -> np.ndarray:
        """Return a ``(n, n_bins)`` buffer for one clip's rows (grown as clips need)."""
        if self._rows.size < n * n_bins:
            self._rows = np.empty(max(n * n_bins, 2 * self._rows.size), dtype=self._rows.dtype)
        return self._rows[: n * n_bins].reshape(n, n_bins)

    def signals(self, n: int, n_wide: int) -> tuple[np.ndarray, np.ndarray]:
        """Return two buffers of ``n`` and ``n_wide`` samples (grown as clips need)."""
        a, b = self._signals
        if a.size < n or b.size < n_wide:
            grow = max(n_wide, 2 * b.size)
            a, b = self._signals = (np.empty(grow, dtype=a.dtype), np.empty(grow, dtype=b.dtype))
        return a[:n], b[:n_wide]

    def ones(self, n: int) -> np.ndarray:
        """Return ``n`` ones (at least; read-only by convention)."""
        if self._ones.size < n:
            self._ones = np.ones(n, dtype=self._ones.dtype)
        return self._ones

    def window_tile(self, window: np.ndarray, scale: float, n_fft: int) -> np.ndarray:
        """``window * scale`` zero-padded to ``n_fft``, repeated for 32 rows, flat."""
        held = self._tile
        if held is None or held[0] is not window or held[1] != scale:
            row = np.zeros(n_fft, dtype=self.padded.dtype)
            row[: window.size] = window * scale
            held = self._tile = (window, scale, np.tile(row, _TILE_ROWS64))
        return held[2]


def _scratch(rows: int, frame_length: int, n_fft: int, dtype: Any = np.float32) -> _Scratch:
    """Return the calling thread's :class:`_Scratch`, rebuilt if a call needs a bigger one."""
    return _thread_cached(
        "kaldi" if dtype is np.float32 else "kaldi64", (frame_length, n_fft),
        lambda: _Scratch(rows, frame_length, n_fft, dtype), lambda held: held.rows >= rows,
    )  # fmt: skip


def _preemphasize(buf: np.ndarray, coeff: np.float32, tmp: np.ndarray) -> None:
    """Kaldi's pre-emphasis of each row of ``buf`` in place, as flat passes.

    ``x[i] -= coeff * x[i - 1]`` (with the old ``x[i - 1]``) and ``x[0] -= coeff * x[0]``
    (Kaldi's rounding, not ``x[0] * (1 - coeff)``).  Run over the whole block as one
    flat array, the first sample of each row wrongly takes the previous row's last one;
    those are then rewritten from the saved products.
    """
    np.multiply(buf, coeff, out=tmp)
    first = buf[:, 0] - tmp[:, 0]
    flat, prods = buf.reshape(-1), tmp.reshape(-1)
    np.subtract(flat[1:], prods[:-1], out=flat[1:])
    buf[:, 0] = first


def _fbank_frames(
    frames: np.ndarray,
    *,
    scratch: _Scratch,
    window: np.ndarray,
    bands: tuple[tuple[int, int, int, int, np.ndarray], ...],
    n_fft: int,
    scale: float,
    dither: float,
    rng: np.random.Generator | None,
    preemphasis: float,
    remove_dc_offset: bool,
    use_energy: bool,
    log_energy_floor: float | None,
    use_log_fbank: bool,
    use_power: bool,
    out: np.ndarray,
) -> None:
    """Compute fbank rows for a block of frames ``(m, frame_length)`` into ``out``.

    The frames are copied once into a reused buffer (numpy copies strided rows fast)
    and every later step runs in place, as flat passes where the rows allow it.
    """
    m = frames.shape[0]
    buf = scratch.buf[:m]
    real = buf.dtype.type  # float32, or float64 for precision="float64"
    np.copyto(buf, frames)
    if scale != 1.0:
        buf *= real(scale)  # contiguous: one flat pass
    if dither > 0.0 and rng is not None:
        buf += real(dither) * rng.standard_normal(buf.shape, dtype=buf.dtype)
    if remove_dc_offset and real is np.float64:
        buf -= buf.mean(axis=1, keepdims=True)
    elif remove_dc_offset:
        # Kaldi sums each frame left to right in float32 (a row-by-row reduction over
        # the transposed block does the same); that sum's rounding leaves a DC residue
        # which dominates the bins far below the frame's peak, so it is reproduced.
        buf -= (_row_sums_in_order(buf) / np.float32(buf.shape[1]))[:, None]
    if use_energy:
        energy = np.einsum("ij,ij->i", buf, buf, dtype=np.float64)
        log_energy = np.log(np.maximum(energy, _EPS32))
        if log_energy_floor is not None:
            log_energy = np.maximum(log_energy, log_energy_floor)
        out[:, 0] = log_energy
    if preemphasis != 0.0:
        _preemphasize(buf, real(preemphasis), scratch.tmp[:m])
    frame = scratch.padded[:m]
    np.multiply(buf, window, out=frame[:, : buf.shape[1]])  # the tail stays zero
    power = _power_spectrum(scratch.padded[:m], n_fft, scratch.power[:m], scratch.spec[:m])
    if not use_power:
        np.sqrt(power, out=power)
    mel = out[:, 1:] if use_energy else out
    wide = scratch.mel[:m] if real is np.float64 else mel
    _project(power, bands, wide, bins_first=False)
    if use_log_fbank:
        np.maximum(wide, real(_EPS32), out=wide)
        np.log(wide, out=wide)
    if wide is not mel:
        mel[...] = wide


def kaldi_fbank(
    y: Any,
    *,
    sr: float = 16000,
    num_mel_bins: int = 80,
    frame_length_ms: float = 25.0,
    frame_shift_ms: float = 10.0,
    dither: float = 0.0,
    preemphasis: float = 0.97,
    remove_dc_offset: bool = True,
    window: str = "povey",
    snip_edges: bool = True,
    low_freq: float = 20.0,
    high_freq: float = 0.0,
    use_energy: bool = False,
    energy_floor: float = 0.0,
    use_log_fbank: bool = True,
    use_power: bool = True,
    waveform_scale: float = 32768.0,
    seed: int | np.random.Generator | None = None,
    keep_empty_bins: bool = False,
    precision: str = "float32",
) -> np.ndarray:
    """Kaldi-compatible log mel filterbank energies (``compute-fbank-feats``).

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (batch, n)] or torch.Tensor [shape=(..., n)], floating point
        Mono audio in [-1, 1) at ``sr`` Hz, or a batch of equal-length clips.  A
        float32/float64 tensor (any device, any leading axes) is computed with torch and
        gives a tensor on its device, in its dtype (frame means summed in float64, and
        dither drawn from a ``torch.Generator`` seeded with ``seed``).
    sr : float
        Sample rate of ``y`` in Hz (Kaldi's ``--sample-frequency``).
    num_mel_bins : int
        Number of triangular mel filters (Kaldi's default is 23; speech models use 80).
    frame_length_ms, frame_shift_ms : float
        Frame length and shift in milliseconds (25 ms = 400 samples and 10 ms = 160
        samples at 16 kHz).
    dither : float
        Standard deviation of Gaussian noise added to every frame, in the units of the
        scaled waveform (Kaldi's default is 1.0 in int16 units; 0.0 here, so that
        features are deterministic).
    preemphasis : float
        Pre-emphasis coefficient (Kaldi's ``--preemphasis-coefficient``).
    remove_dc_offset : bool
        Subtract each frame's mean before pre-emphasis.
    window : {"povey", "hanning", "hamming", "rectangular", "blackman", "sine"}
        Analysis window, as defined by Kaldi (symmetric; ``"hann"`` is an alias of
        ``"hanning"``).
    snip_edges : bool
        If True, only frames that fit entirely in the signal are output:
        ``1 + (n - frame_length) // frame_shift`` frames.  If False, there are
        ``round(n / frame_shift)`` frames centred on ``frame_shift * (t + 0.5)`` and the
        signal is mirrored at its edges.
    low_freq : float
        Lower edge of the first mel filter, in Hz.
    high_freq : float
        Upper edge of the last mel filter, in Hz; values <= 0 are offsets from Nyquist.
    use_energy : bool
        Prepend the log energy of each frame (computed after DC removal, before
        pre-emphasis and windowing, as Kaldi's ``--raw-energy=true``) as column 0.
    energy_floor : float
        Floor on the energy (not its log) when ``use_energy``; 0.0 means none.
    use_log_fbank : bool
        Take the natural log of the filterbank energies (floored at float32 epsilon).
    use_power : bool
        Use the power spectrum; if False, the magnitude spectrum.
    waveform_scale : float
        Factor applied to ``y`` first.  The default 32768 maps float audio in [-1, 1)
        to the int16 range that Kaldi tools read, so the output equals
        ``compute-fbank-feats`` on the same file.  Use 1.0 to feed samples as they are
        (``torchaudio.compliance.kaldi.fbank`` on a float waveform).
    seed : int, np.random.Generator or None
        Seed or generator for the dither noise; None draws fresh entropy.

    Other Parameters
    ----------------
    keep_empty_bins : bool
        Kaldi refuses ``num_mel_bins`` so large that a mel bin covers no FFT bin (128
        bins on a 512-point FFT from 20 Hz do).  ``torchaudio.compliance.kaldi.fbank``
        and transformers keep such bins: their filter is zero, so they hold the log
        floor (``log(1.1920929e-07)``).  True reproduces that.
    precision : {"float32", "float64"}
        Arithmetic of the frames, FFT and filterbank.  ``"float32"`` (default) follows
        Kaldi, including its float32 frame sum for the DC removal.  ``"float64"``
        computes as transformers' numpy extractors do (a float64 mean, a float64 FFT),
        about 1.3x slower (3.3 vs 2.5 us per 400-sample frame, one thread); the
        output is float32 either way.

    Returns
    -------
    np.ndarray [shape=(n_frames, n_bins) or (batch, n_frames, n_bins)], float32
        Kaldi's layout, frames x bins, with ``n_bins = num_mel_bins + use_energy``
        (energy first).  A signal shorter than one frame (with ``snip_edges=True``)
        gives zero frames.

    Raises
    ------
    ParameterError
        Bad option values, non-float or non-finite input, or more than two dimensions.

    Notes
    -----
    Computed in float32 with an FFT of ``2 ** ceil(log2(frame_length))`` points, with
    Kaldi's own float32 frame sum for the DC removal.  With dither off, the maximum
    absolute difference from ``kaldi-native-fbank`` 1.23 is below 6e-4 in bins within
    76 dB of their frame's peak and 3e-4 anywhere on noise; deeper bins hold the
    float32 FFT noise of both libraries (2.3e-3 on the bundled speech clip, more on
    pure tones), where neither is closer to a float64 computation than the other
    (see ``docs/presets.md``).  The dither noise
    comes from numpy's generator, so dithered output is reproducible with ``seed`` but
    not bit-equal to Kaldi's.  A batch runs on one thread unless scipy.fft's worker
    count is raised (``with scipy.fft.set_workers(4): ...``).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).uniform(-0.1, 0.1, 16000).astype(np.float32)
    >>> kaldi_fbank(y).shape
    (98, 80)
    """
    tensor = is_tensor(y)
    if tensor:
        from melforge._torch.core import check_signal

        check_signal(y)
    else:
        y2 = _as_signal(y, name="y", batch=True)
    sr = check_sr(sr)
    num_mel_bins = check_positive_int("num_mel_bins", num_mel_bins)
    frame_length_ms = check_positive_number("frame_length_ms", frame_length_ms)
    frame_shift_ms = check_positive_number("frame_shift_ms", frame_shift_ms)
    dither = check_nonnegative_number("dither", dither)
    energy_floor = check_nonnegative_number("energy_floor", energy_floor)
    waveform_scale = check_positive_number("waveform_scale", waveform_scale)
    if not isinstance(preemphasis, (int, float, np.floating)) or not 0.0 <= preemphasis <= 1.0:
        raise ParameterError(f"{preemphasis=} must be a number in [0, 1]")
    if window not in _WINDOWS:
        raise ParameterError(f"{window=} is not a Kaldi window; choose one of {_WINDOWS}")
    frame_length = int(sr * 0.001 * frame_length_ms)
    frame_shift = int(sr * 0.001 * frame_shift_ms)
    if frame_length < 2 or frame_shift < 1:
        raise ParameterError(
            f"{frame_length_ms=} and {frame_shift_ms=} give {frame_length} and {frame_shift} "
            f"samples at sr={sr}; need at least 2 and 1"
        )
    if precision not in ("float32", "float64"):
        raise ParameterError(f"{precision=} must be 'float32' or 'float64'")
    real = np.float64 if precision == "float64" else np.float32
    n_fft = 1 << (frame_length - 1).bit_length()
    if tensor:
        from melforge._torch import recipes

        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ParameterError(f"seed={seed!r} must be an int or None with a tensor y")
        if precision != "float32":
            raise ParameterError(f"{precision=}: a tensor y is computed in float32 only")
        flat = y.reshape(-1, y.shape[-1])
        feats = recipes.kaldi_fbank(
            flat, window=_window(window, frame_length),
            banks=_mel_banks(num_mel_bins, n_fft, sr, float(low_freq), float(high_freq),
                             bool(keep_empty_bins)),
            frame_length=frame_length, frame_shift=frame_shift, n_fft=n_fft,
            snip_edges=bool(snip_edges), scale=waveform_scale, dither=dither, seed=seed,
            preemphasis=float(preemphasis), remove_dc_offset=bool(remove_dc_offset),
            use_energy=bool(use_energy),
            log_energy_floor=float(np.log(energy_floor)) if energy_floor > 0.0 else None,
            use_log_fbank=bool(use_log_fbank), use_power=bool(use_power),
        )  # fmt: skip
        return feats.reshape(*y.shape[:-1], *feats.shape[-2:])
    bands = _bank_bands(num_mel_bins, n_fft, sr, float(low_freq), float(high_freq),
                        bool(keep_empty_bins), real)  # fmt: skip
    win = _window(window, frame_length, dtype=real)
    rng = np.random.default_rng(seed) if dither > 0.0 else None

    batch, n = y2.shape
    n_frames = _n_frames(n, frame_length, frame_shift, bool(snip_edges))
    n_out = num_mel_bins + bool(use_energy)
    out = np.empty((batch, n_frames, n_out), dtype=np.float32)
    options = dict(
        window=win,
        bands=bands,
        n_fft=n_fft,
        scale=waveform_scale,
        dither=dither,
        rng=rng,
        preemphasis=float(preemphasis),
        remove_dc_offset=bool(remove_dc_offset),
        use_energy=bool(use_energy),
        log_energy_floor=float(np.log(energy_floor)) if energy_floor > 0.0 else None,
        use_log_fbank=bool(use_log_fbank),
        use_power=bool(use_power),
    )

    fast64 = real is np.float64 and rng is None and not use_energy
    fast_bands = bands
    if fast64 and use_power:  # the float64 clip path reads interleaved banks
        fast_bands = _bank_bands(num_mel_bins, n_fft, sr, float(low_freq), float(high_freq),
                                 bool(keep_empty_bins), real, True)  # fmt: skip
    fast_options = dict(
        window=win, bands=fast_bands, n_fft=n_fft, frame_length=frame_length,
        frame_shift=frame_shift, snip_edges=bool(snip_edges), scale=waveform_scale,
        preemphasis=float(preemphasis), remove_dc_offset=bool(remove_dc_offset),
        use_log_fbank=bool(use_log_fbank), use_power=bool(use_power),
    )  # fmt: skip

    def work(clips: range) -> None:
        rows = min(n_frames, _BLOCK_FRAMES64 if fast64 else _BLOCK_FRAMES)
        scratch = _scratch(rows, frame_length, n_fft, real)
        if real is np.float64 and scratch.mel.shape[1] != num_mel_bins:
            scratch.mel = np.empty((scratch.rows, num_mel_bins), dtype=real)
        for b in clips:
            if fast64:
                _fbank_clip64(y2[b], scratch=scratch, out=out[b], **fast_options)  # type: ignore[arg-type]
                continue
            frames = _frame_view(y2[b], frame_length, frame_shift, bool(snip_edges))
            for start in range(0, n_frames, _BLOCK_FRAMES):
                stop = min(start + _BLOCK_FRAMES, n_frames)
                _fbank_frames(frames[start:stop], scratch=scratch, out=out[b, start:stop],
                              **options)  # type: ignore[arg-type]  # fmt: skip

    if rng is None:
        _for_each_clip(batch, work)
    else:  # one generator, drawn in clip order: stay on one thread
        work(range(batch))
    return out[0] if np.ndim(y) == 1 else out


def _fbank_float64_clips(
    clips: list[np.ndarray],
    *,
    num_mel_bins: int,
    window: str,
    waveform_scale: float,
    sr: int = 16000,
    keep_empty_bins: bool = True,
    consume: Callable[[int, np.ndarray, Moments | None], None] | None = None,
    stats_rows: list[int] | None = None,
) -> list[np.ndarray] | None:
    """``kaldi_fbank(y, precision="float64")`` of each clip, without checking the clips.

    For callers that have validated their clips (1-D, float32, finite, at least one
    frame long) and options: the ``from_pretrained`` Kaldi-fbank families.  Kaldi's
    other defaults (25 ms frames every 10 ms with snipped edges, DC removal,
    pre-emphasis 0.97, 20 Hz to Nyquist, power, log) and no dither.  Clips are split
    across threads as in :func:`kaldi_fbank`.

    With ``consume``, each clip's log filterbanks are handed over *in float64, before
    the float32 rounding*, as ``consume(i, rows, moments)`` with ``rows``
    ``(n_frames_i, num_mel_bins)`` in a buffer reused for the next clip (``consume``
    may change it in place, and must copy what it keeps; with threads it runs on
    several at once).  This spares a fresh float32 array per clip when the caller
    normalizes and pads them anyway: first touches of fresh memory cost about as much
    as the arithmetic.  With ``stats_rows``, ``moments`` is ``(mean, m2)``: the per-bin
    mean and sum of squared deviations of the clip's first ``stats_rows[i]`` rows
    (float64 ``(num_mel_bins,)``, reused for the next clip; see :func:`_fbank_clip64`);
    else None.

    Returns
    -------
    list of np.ndarray [shape=(n_frames_i, num_mel_bins)], float32, or None
        None with ``consume``.
    """
    frame_length, frame_shift = int(sr * 0.025), int(sr * 0.010)
    n_fft = 1 << (frame_length - 1).bit_length()
    bands = _bank_bands(
        num_mel_bins, n_fft, float(sr), 20.0, 0.0, keep_empty_bins, np.float64, True
    )
    win = _window(window, frame_length, dtype=np.float64)
    counts = [_n_frames(y.shape[-1], frame_length, frame_shift, True) for y in clips]
    outs = [] if consume else [np.empty((n, num_mel_bins), dtype=np.float32) for n in counts]

    def work(chunk: range) -> None:
        rows = min(max(counts[i] for i in chunk), _BLOCK_FRAMES64)
        scratch = _scratch(rows, frame_length, n_fft, np.float64)
        if scratch.mel.shape[1] != num_mel_bins:
            scratch.mel = np.empty((scratch.rows, num_mel_bins), dtype=np.float64)
        moments = None
        if consume and stats_rows is not None:
            moments = (np.empty(num_mel_bins), np.empty(num_mel_bins))
        for i in chunk:
            out = scratch.log_rows(counts[i], num_mel_bins) if consume else outs[i]
            _fbank_clip64(
                clips[i], scratch=scratch, window=win, bands=bands, n_fft=n_fft,
                frame_length=frame_length, frame_shift=frame_shift, snip_edges=True,
                scale=waveform_scale, preemphasis=0.97, remove_dc_offset=True,
                use_log_fbank=True, use_power=True, out=out, moments=moments,
                stats_rows=None if stats_rows is None else stats_rows[i],
            )  # fmt: skip
            if consume:
                consume(i, out, moments)

    _for_each_clip(len(clips), work)
    return None if consume else outs
