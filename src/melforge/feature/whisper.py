"""Whisper's log-mel front end, identical to transformers' ``WhisperFeatureExtractor``.

Constants (all at 16 kHz)::

    SAMPLE_RATE = 16000          # Hz
    N_FFT       = 400            # samples = 25 ms window
    HOP_LENGTH  = 160            # samples = 10 ms hop
    CHUNK_SECONDS = 30           # s, one model input
    N_SAMPLES   = 480000         # CHUNK_SECONDS * SAMPLE_RATE
    N_FRAMES    = 3000           # N_SAMPLES // HOP_LENGTH

The recipe: reflect-pad the signal by ``N_FFT // 2`` on both sides, take a periodic
Hann window of 400 samples every 160 samples, the power spectrum of a 400-point FFT,
drop the last frame (so ``n // 160`` frames remain), project on the Slaney-normalized
Slaney-scale mel basis (librosa ``filters.mel(sr=16000, n_fft=400, n_mels=...)``),
``log10(max(mel, 1e-10))``, clamp to ``(max - 8)`` per clip, then ``(x + 4) / 4``.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge._validate import check_audio_array, check_nonnegative_int, check_positive_int
from melforge.feature._clips import _as_signal, _for_each_clip
from melforge.spectral import _fft

__all__ = ["whisper_log_mel"]

SAMPLE_RATE = 16000  # Hz
N_FFT = 400  # samples: 25 ms
HOP_LENGTH = 160  # samples: 10 ms
CHUNK_SECONDS = 30  # s
N_SAMPLES = CHUNK_SECONDS * SAMPLE_RATE  # 480000 samples in a 30 s chunk
N_FRAMES = N_SAMPLES // HOP_LENGTH  # 3000 frames in a 30 s chunk
_BLOCK_FRAMES = 1024  # frames per FFT block (fewer calls; measured best of 96-3000)
_WINDOW_TILE_ROWS = 64  # frames windowed per flat multiply (100 kB of window copies)
_MELS_PER_BAND = 8  # mel filters per block of the banded mel product
_LOG_FLOOR = 1e-10  # mel power floor before log10
_BASIS_SCALE = 1e4  # mel basis factor: +4 in log10, Whisper's (x + 4) / 4 offset
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@functools.lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    """Periodic Hann window of ``N_FFT`` samples (``torch.hann_window``), read-only."""
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    w.flags.writeable = False
    return w


@functools.lru_cache(maxsize=8)
def _mel_bands(
    n_mels: int,
    sr: float = SAMPLE_RATE,
    n_fft: int = N_FFT,
    fmin: float = 0.0,
    fmax: float | None = None,
    scale: float = 1.0,
) -> tuple[tuple[int, int, int, int, np.ndarray], ...]:
    """Cut the Slaney mel basis (times ``scale``) into bands of filters with their support.

    Each entry is ``(j0, j1, k0, k1, weights)`` with ``weights`` the read-only float32
    block ``(k1 - k0, j1 - j0)`` of the transposed basis: filters ``j0:j1`` are zero
    outside FFT bins ``k0:k1``.  Multiplying by these blocks skips the zeros of the
    triangular filters (about 4x fewer operations than the dense product).
    """
    from melforge.filters import mel_basis_cached

    basis = mel_basis_cached(
        sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, dtype=np.float32
    ).T
    if scale != 1.0:
        basis = basis * np.float32(scale)
    nonzero = basis != 0
    bands = []
    for j0 in range(0, n_mels, _MELS_PER_BAND):
        j1 = min(j0 + _MELS_PER_BAND, n_mels)
        rows = np.flatnonzero(nonzero[:, j0:j1].any(axis=1))
        k0, k1 = (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, 1)
        block = np.ascontiguousarray(basis[k0:k1, j0:j1])
        block.flags.writeable = False
        bands.append((j0, j1, k0, k1, block))
    return tuple(bands)


def _signal_and_live_frames(
    y: np.ndarray, keep: int, total: int, n_frames: int
) -> tuple[np.ndarray, int]:
    """Clip ``y`` zero-extended toward ``total`` samples, and its frames that see it.

    Whisper's signal is ``y[:keep]`` zero-padded to ``total`` samples (``pad_or_trim``
    cuts at 30 s, ``padding`` appends zeros).  Frames that lie wholly in the trailing zeros
    (and their reflection) have zero power, so only the first ``n_live`` frames are
    computed; the zeros are extended just far enough for those frames.

    Returns
    -------
    x : np.ndarray [shape=(m,)]
        The signal to frame (a view of ``y`` when no zeros are needed).
    n_live : int
        Frames ``0:n_live`` are computed from ``x``; the rest have zero mel power.
    """
    n = min(y.shape[-1], keep)
    if n == total:
        return y[:n], n_frames
    half = N_FFT // 2
    n_live = min(n_frames, -(-(n + half) // HOP_LENGTH))  # frames starting before n
    length = min(total, (n_live - 1) * HOP_LENGTH + half + 1)  # no end reflection
    if n_live == n_frames:
        length = total  # the real end: reflect it as Whisper does
    x = np.zeros(max(length, n), dtype=np.float32)
    x[:n] = y[:n]
    return x, n_live


class _MelKernel:
    """Windowed FFT, power and banded mel product for blocks of frames, with scratch.

    With ``track_peak=True`` the largest mel value seen is kept in :attr:`peak`
    (Whisper's clamp needs each clip's maximum; see :func:`_log_clamp`), and
    :attr:`finite` turns False when a block holds NaN or Inf (non-finite input reaches
    every mel value of its frames, so the small output is checked, not the input).
    """

    def __init__(
        self,
        bands: tuple[Any, ...],
        window: np.ndarray | None = None,
        n_fft: int = N_FFT,
        *,
        track_peak: bool = False,
    ) -> None:
        self.bands = bands
        self.window = _hann() if window is None else window
        self.n_fft = n_fft
        self.track_peak = track_peak
        self.peak = 0.0
        self.finite = True
        self.buf = np.empty((_BLOCK_FRAMES, self.window.size), dtype=np.float32)
        self.window_tile = np.tile(self.window, _WINDOW_TILE_ROWS)  # rows of windows, flat
        self.power = np.empty((_BLOCK_FRAMES, n_fft // 2 + 1), dtype=np.float32)

    def _window_rows(self, segments: list[np.ndarray], start: int, stop: int) -> None:
        """Windowed frames ``start:stop`` of the concatenated ``segments`` into ``buf``.

        The overlapping frames are first copied (numpy's strided copy is fast), then
        windowed in place as long flat runs of ``_WINDOW_TILE_ROWS`` frames: numpy
        multiplies a strided 2-D view row by row, which took twice as long.
        """
        offset = 0
        for seg in segments:
            lo, hi = max(start, offset), min(stop, offset + seg.shape[0])
            if lo < hi:
                np.copyto(self.buf[lo - start : hi - start], seg[lo - offset : hi - offset])
            offset += seg.shape[0]
        m = stop - start
        whole = m - m % _WINDOW_TILE_ROWS
        if whole:
            flat = self.buf[:whole].reshape(-1, self.window_tile.size)
            np.multiply(flat, self.window_tile, out=flat)
        if whole < m:
            np.multiply(self.buf[whole:m], self.window, out=self.buf[whole:m])

    def __call__(self, frames: np.ndarray | list[np.ndarray], out: np.ndarray) -> None:
        """Mel power of ``frames`` ``(m, window.size)`` into ``out`` ``(n_mels, m)``.

        ``frames`` may be a list of frame arrays, taken as one concatenated sequence
        (a clip's padded edges and its interior), so that blocks span them.  The
        windowed frame is zero-padded at its end to ``n_fft``; a centred window
        (torch's) only differs by a circular shift, which leaves the power unchanged.
        """
        segments = frames if isinstance(frames, list) else [frames]
        total = sum(seg.shape[0] for seg in segments)
        for start in range(0, total, _BLOCK_FRAMES):
            stop = min(start + _BLOCK_FRAMES, total)
            m = stop - start
            self._window_rows(segments, start, stop)
            spec = _fft.rfft(self.buf[:m], n=self.n_fft, workers=1)
            squares = spec.view(np.float32)  # re, im interleaved; squared in place
            np.square(squares, out=squares)
            power = self.power[:m]
            np.add(squares[:, 0::2], squares[:, 1::2], out=power)
            block = out[:, start:stop]
            for j0, j1, k0, k1, weights in self.bands:
                np.matmul(weights.T, power[:, k0:k1].T, out=block[j0:j1])
            if self.track_peak:
                top = float(block.max())  # in cache: cheap
                self.peak = max(self.peak, top)
                if not top <= _FLOAT32_MAX:  # NaN or Inf
                    self.finite = False


_KERNELS = threading.local()


def _thread_kernel(n_mels: int) -> _MelKernel:
    """Return the calling thread's Whisper :class:`_MelKernel` for ``n_mels``, reset.

    Kept between calls (~2.5 MB of scratch each): re-allocating it for every clip made
    glibc return the pages and fault them in again, which one-clip calls (the
    featurize pipeline's) paid for every time.
    """
    kernels = _KERNELS.__dict__.setdefault("by_n_mels", {})
    kernel = kernels.get(n_mels)
    if kernel is None:
        kernel = kernels[n_mels] = _MelKernel(
            _mel_bands(n_mels, scale=_BASIS_SCALE), track_peak=True
        )
    kernel.peak, kernel.finite = 0.0, True
    return kernel


def _frames(padded: np.ndarray, length: int = N_FFT, hop: int = HOP_LENGTH) -> np.ndarray:
    """Frames of ``length`` samples every ``hop`` samples (a read-only strided view).

    ``as_strided`` directly: ``sliding_window_view`` costs ~10 us of Python per call.
    """
    step = padded.strides[-1]
    count = max(0, (padded.shape[-1] - length) // hop + 1)
    return np.lib.stride_tricks.as_strided(
        padded, shape=(count, length), strides=(hop * step, step), writeable=False
    )


def _reflect_edges(y: np.ndarray, n_frames: int) -> list[np.ndarray]:
    """Frames ``0:n_frames`` of ``y`` reflect-padded by ``N_FFT // 2``, as segments.

    Only the few frames that reach into the padding are built from small padded
    copies (reflection without repeating the edge sample, ``np.pad(mode="reflect")``);
    the interior frames are a view of ``y``.
    """
    half = N_FFT // 2
    n = y.shape[-1]
    first = -(-half // HOP_LENGTH)  # first frame that lies inside y
    last = (n - half) // HOP_LENGTH  # last frame that lies inside y
    if n < 4 * N_FFT or last >= n_frames:
        return [_frames(np.pad(y, half, mode="reflect"))[:n_frames]]
    head_end = first * HOP_LENGTH + half  # samples of y the head frames read
    head = np.concatenate([y[half:0:-1], y[:head_end]])
    tail_start = (last + 1) * HOP_LENGTH - half
    tail = np.concatenate([y[tail_start:], y[n - 2 : n - 2 - half : -1]])
    body = y[first * HOP_LENGTH - half :]
    return [
        _frames(head)[:first],
        _frames(body)[: last + 1 - first],
        _frames(tail)[: n_frames - last - 1],
    ]


def _log_clamp(mel: np.ndarray, peak: float) -> np.float32:
    """In place: Whisper's log and clamp of ``mel``, which holds ``1e4 x`` mel power.

    transformers computes ``(max(log10(max(m, 1e-10)), L - 8) + 4) / 4`` with ``L``
    the clip's largest log value.  With the basis scaled by ``1e4`` (``+4`` in log10)
    and the clamp moved before the (monotone) log, that is
    ``log10(max(mel, T)) / 4`` with ``T = max(1e-6, peak * 1e-8)``: three passes
    instead of six.  (Taking the log block by block inside the kernel was slower:
    numpy walks a strided block row by row, and a clip's output fits in L2 anyway.)
    Returns the floor ``T`` (float32).
    """
    floor = np.float32(max(_LOG_FLOOR * _BASIS_SCALE, peak * 1e-8))
    np.maximum(mel, floor, out=mel)
    np.log10(mel, out=mel)
    mel *= np.float32(0.25)
    return floor


def _log_quarter(value: np.float32) -> np.float32:
    """``log10(value) / 4`` in float32, through the same numpy loop as :func:`_log_clamp`.

    A vector of copies goes through ``np.log10`` (not a numpy scalar, whose path may
    round differently), so the value is bit-equal to what the clamp gives an element
    equal to ``value``.
    """
    v = np.full(64, value, dtype=np.float32)
    np.log10(v, out=v)
    v *= np.float32(0.25)
    return v[0]


def _whisper_tensor(y: Any, n_mels: Any, padding: Any, pad_or_trim: bool) -> Any:
    """:func:`whisper_log_mel` of a tensor ``(..., n)``: the torch backend, batched."""
    from melforge._torch import recipes
    from melforge._torch.core import check_signal
    from melforge.filters import mel_basis_cached

    check_signal(y)
    n_mels = check_positive_int("n_mels", n_mels)
    padding = check_nonnegative_int("padding", padding)
    n = (N_SAMPLES if pad_or_trim else int(y.shape[-1])) + padding
    if n <= N_FFT // 2:
        raise ParameterError(
            f"y has {n} samples; Whisper's reflect padding needs more than {N_FFT // 2} "
            "(pass pad_or_trim=True to pad short clips to 30 s)"
        )
    basis = mel_basis_cached(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=n_mels, dtype=np.float32)
    flat = y.reshape(-1, y.shape[-1])
    out = recipes.whisper_log_mel(flat, basis, padding=padding, pad_or_trim=bool(pad_or_trim))
    return out.reshape(*y.shape[:-1], *out.shape[-2:])


def whisper_log_mel(
    y: Any, *, n_mels: int = 80, padding: int = 0, pad_or_trim: bool = False
) -> np.ndarray:
    """Whisper's log-mel spectrogram, as transformers' ``WhisperFeatureExtractor``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (batch, n)] or torch.Tensor [shape=(..., n)], floating point
        Mono audio at 16 kHz, or a batch of equal-length clips.  Resample first
        (``melforge.resample``) if it is at another rate; the presets do this for you.
        A float32/float64 tensor (any device, any leading axes) is computed with torch
        and gives a tensor on its device, in its dtype.
    n_mels : int
        80 for Whisper up to large-v2, 128 for large-v3.
    padding : int
        Zeros appended to the signal before the STFT (openai-whisper's ``padding``),
        in samples.
    pad_or_trim : bool
        If True, first zero-pad or cut the signal to 30 s (480000 samples), which
        gives exactly 3000 frames: the model's input.  transformers does this by
        default.

    Returns
    -------
    np.ndarray [shape=(n_mels, n_frames) or (batch, n_mels, n_frames)], float32
        Log-mel features with ``n_frames = n_samples // 160`` (after padding), each clip
        clamped to 8 below its own maximum and mapped by ``(x + 4) / 4``.

    Raises
    ------
    ParameterError
        Non-float or non-finite input, more than two dimensions, a signal of 200
        samples or fewer (too short for the reflect padding) without ``pad_or_trim``,
        or bad ``n_mels``/``padding``.

    Notes
    -----
    Computed in float32 (transformers' numpy path uses float64); the maximum absolute
    difference from transformers 5 is below 1e-4 (see ``docs/presets.md``).  The clamp
    uses the maximum of each clip, as transformers' numpy path does; openai-whisper and
    transformers' torch path clamp a batch to the maximum over the whole batch.
    Frames that see only the zeros of ``pad_or_trim``/``padding`` are not computed:
    their power is zero, so they hold the clip's floor value, as in transformers.

    A batch runs on one thread unless scipy.fft's worker count is raised
    (``with scipy.fft.set_workers(4): ...``); the clips are then shared among threads.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.zeros(16000, dtype=np.float32)
    >>> whisper_log_mel(y).shape
    (80, 100)
    >>> whisper_log_mel(y, pad_or_trim=True).shape
    (80, 3000)
    """
    if is_tensor(y):
        return _whisper_tensor(y, n_mels, padding, pad_or_trim)
    # NaN and Inf are found in the output (see _MelKernel), and in any samples cut off
    # by pad_or_trim here; the whole input is then checked for the error message.
    y2 = _as_signal(y, name="y", batch=True, finite=False)
    n_mels = check_positive_int("n_mels", n_mels)
    padding = check_nonnegative_int("padding", padding)
    keep = N_SAMPLES if pad_or_trim else y2.shape[-1]  # samples of y used
    n = keep + padding  # samples after zero padding
    if n <= N_FFT // 2:
        raise ParameterError(
            f"y has {n} samples; Whisper's reflect padding needs more than {N_FFT // 2} "
            "(pass pad_or_trim=True to pad short clips to 30 s)"
        )
    if keep < y2.shape[-1] and not np.isfinite(y2[:, keep:]).all():
        check_audio_array(y, name="y")
    n_frames = n // HOP_LENGTH
    out = np.empty((y2.shape[0], n_mels, n_frames), dtype=np.float32)
    finite = []

    def work(clips: range) -> None:
        kernel = _thread_kernel(n_mels)
        # Inf x 0 in a window or a basis zero is NaN: no warning before the error below.
        with np.errstate(invalid="ignore"):
            for b in clips:
                x, n_live = _signal_and_live_frames(y2[b], keep, n, n_frames)
                kernel.peak = 0.0
                kernel(_reflect_edges(x, n_live), out[b, :, :n_live])
                floor = _log_clamp(out[b, :, :n_live], kernel.peak)
                if n_live < n_frames:  # frames of zeros only: all clamped to the floor
                    out[b, :, n_live:] = _log_quarter(floor)
        finite.append(kernel.finite)

    _for_each_clip(y2.shape[0], work)
    if not all(finite):
        check_audio_array(y, name="y")  # raises, unless finite input overflowed float32
    return out[0] if np.ndim(y) == 1 else out
