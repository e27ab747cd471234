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

import threading
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge._validate import check_audio_array, check_nonnegative_int, check_positive_int
from melforge.feature._clips import _as_signal, _for_each_clip
from melforge.feature._kernel import _frames, _mel_bands, _MelKernel, _periodic_hann

__all__ = ["whisper_log_mel"]

SAMPLE_RATE = 16000  # Hz
N_FFT = 400  # samples: 25 ms
HOP_LENGTH = 160  # samples: 10 ms
CHUNK_SECONDS = 30  # s
N_SAMPLES = CHUNK_SECONDS * SAMPLE_RATE  # 480000 samples in a 30 s chunk
N_FRAMES = N_SAMPLES // HOP_LENGTH  # 3000 frames in a 30 s chunk
_LOG_FLOOR = 1e-10  # mel power floor before log10
_BASIS_SCALE = 1e4  # mel basis factor: +4 in log10, Whisper's (x + 4) / 4 offset


def _recipe(
    n_mels: int, sr: int = SAMPLE_RATE, n_fft: int = N_FFT, hop: int = HOP_LENGTH
) -> Any:
    """Whisper's front end as a :class:`~melforge.feature.recipe.Recipe`.

    Reflect padding by ``n_fft // 2``, periodic Hann of ``n_fft`` samples, power, Slaney
    mel from 0 to 8000 Hz whatever ``sr`` (transformers' rule), the last frame dropped,
    ``log10(max(m, 1e-10))`` clamped 8 decades below the clip's peak, ``x / 4 + 1``.
    float32, as this module computes (and openai-whisper's torch code).  Padding or
    cutting to 30 s and a batch-wide clamp are the callers' batch rules.
    """
    from melforge.feature.recipe import Recipe

    return Recipe(
        sample_rate=sr, center=True, pad_mode="reflect", frame_length=n_fft,
        hop_length=hop, n_fft=n_fft, drop_last=True, window="hann", periodic=True,
        power=2.0, n_mels=n_mels, fmin=0.0, fmax=8000.0, mel_bank="slaney",
        mel_norm="slaney", log="log10", mel_floor=_LOG_FLOOR, dynamic_range=8.0,
        log_scale=0.25, log_offset=1.0, precision="float32",
    )  # fmt: skip


def _signal_and_live_frames(
    y: np.ndarray,
    keep: int,
    total: int,
    n_frames: int,
    n_fft: int = N_FFT,
    hop: int = HOP_LENGTH,
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
    half = n_fft // 2
    n_live = min(n_frames, -(-(n + half) // hop))  # frames starting before n
    length = min(total, (n_live - 1) * hop + half + 1)  # no end reflection
    if n_live == n_frames:
        length = total  # the real end: reflect it as Whisper does
    x = np.zeros(max(length, n), dtype=np.float32)
    x[:n] = y[:n]
    return x, n_live


_KERNELS = threading.local()


def _thread_kernel(n_mels: int, sr: int = SAMPLE_RATE, n_fft: int = N_FFT) -> _MelKernel:
    """Return the calling thread's Whisper :class:`_MelKernel` for ``n_mels``, reset.

    ``sr`` and ``n_fft`` other than Whisper's 16 kHz / 400 give transformers'
    generalization (its mel basis always ends at 8 kHz).

    Kept between calls (~2.5 MB of scratch each): re-allocating it for every clip made
    glibc return the pages and fault them in again, which one-clip calls (the
    featurize pipeline's) paid for every time.
    """
    kernels = _KERNELS.__dict__.setdefault("by_n_mels", {})
    key = n_mels if (sr, n_fft) == (SAMPLE_RATE, N_FFT) else (n_mels, sr, n_fft)
    kernel = kernels.get(key)
    if kernel is None:
        if key == n_mels:
            bands = _mel_bands(n_mels, scale=_BASIS_SCALE)
        else:  # transformers: Slaney mel from 0 to 8000 Hz whatever the rate
            bands = _mel_bands(n_mels, sr, n_fft, 0.0, 8000.0, _BASIS_SCALE)
        kernel = kernels[key] = _MelKernel(bands, _periodic_hann(n_fft), n_fft, track_peak=True)
    kernel.peak, kernel.finite = 0.0, True
    kernel.rng, kernel.dither = None, 0.0
    return kernel


def _reflect_edges(
    y: np.ndarray, n_frames: int, n_fft: int = N_FFT, hop: int = HOP_LENGTH
) -> list[np.ndarray]:
    """Frames ``0:n_frames`` of ``y`` reflect-padded by ``n_fft // 2``, as segments.

    Only the few frames that reach into the padding are built from small padded
    copies (reflection without repeating the edge sample, ``np.pad(mode="reflect")``);
    the interior frames are a view of ``y``.
    """
    half = n_fft // 2
    n = y.shape[-1]
    first = -(-half // hop)  # first frame that lies inside y
    last = (n - half) // hop  # last frame that lies inside y
    if n < 4 * n_fft or last >= n_frames:
        return [_frames(np.pad(y, half, mode="reflect"), n_fft, hop)[:n_frames]]
    head_end = first * hop + half  # samples of y the head frames read
    head = np.concatenate([y[half:0:-1], y[:head_end]])
    tail_start = (last + 1) * hop - half
    tail = np.concatenate([y[tail_start:], y[n - 2 : n - 2 - half : -1]])
    body = y[first * hop - half :]
    return [
        _frames(head, n_fft, hop)[:first],
        _frames(body, n_fft, hop)[: last + 1 - first],
        _frames(tail, n_fft, hop)[: n_frames - last - 1],
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


def _log_mel_batch(
    items: list[tuple[np.ndarray, int]],
    n_out: int,
    *,
    n_mels: int,
    sr: int = SAMPLE_RATE,
    n_fft: int = N_FFT,
    hop: int = HOP_LENGTH,
    dither: float = 0.0,
    seed: int = 0,
    batch_clamp: bool = False,
) -> np.ndarray:
    """Whisper log-mel of clips given as ``(x, total)``: ``x`` zero-extended to ``total``.

    The recipe of :func:`whisper_log_mel` generalized as transformers' extractor
    allows (any ``sr``, ``n_fft``, ``hop``): clip ``b`` is ``x`` followed by zeros up to
    ``total`` samples, reflect-padded by ``n_fft // 2``, framed, and its first
    ``n_out`` frames of the ``total // hop`` are returned (``(batch, n_mels, n_out)``).
    Frames beyond ``total // hop`` hold the clip's floor.  The clamp uses each clip's
    maximum over all its frames, or the batch's maximum with ``batch_clamp``
    (openai-whisper's ``log_mel_spectrogram`` on a stacked batch).

    ``dither`` adds Gaussian noise of that standard deviation to every frame (zeros
    included) before the window, drawn from ``np.random.RandomState(seed)`` clip after
    clip, frame after frame, ``n_fft`` values per frame, one extra frame per clip (the
    dropped last frame): transformers' numpy path draws the same values from numpy's
    global RNG, so ``np.random.seed(seed)`` before its call gives the same noise.
    """
    out = np.empty((len(items), n_mels, n_out), dtype=np.float32)
    peaks = np.zeros(len(items))
    live = np.zeros(len(items), dtype=np.int64)
    rng = np.random.RandomState(seed) if dither else None

    def work(clips: range) -> None:
        kernel = _thread_kernel(n_mels, sr, n_fft)
        kernel.rng, kernel.dither = rng, float(dither)
        for b in clips:
            x, total = items[b]
            n_frames = total // hop
            if rng is not None:  # noise reaches every frame: all are computed
                signal = x if x.shape[-1] == total else np.zeros(total, dtype=np.float32)
                if signal is not x:
                    signal[: x.shape[-1]] = x
                n_live = n_frames
            else:
                signal, n_live = _signal_and_live_frames(
                    x, x.shape[-1], total, n_frames, n_fft, hop
                )
            kernel.peak = 0.0
            dest = out[b, :, :n_live] if n_live <= n_out else np.empty((n_mels, n_live), np.float32)
            kernel(_reflect_edges(signal, n_live, n_fft, hop), dest)
            if n_live > n_out:
                out[b] = dest[:, :n_out]
            if rng is not None:
                rng.standard_normal(n_fft)  # the noise of transformers' dropped last frame
            peaks[b], live[b] = kernel.peak, min(n_live, n_out)
            if not batch_clamp:
                _clamp_clip(out[b], int(live[b]), kernel.peak)

    if rng is not None:
        work(range(len(items)))  # one RNG stream, in clip order
    else:
        _for_each_clip(len(items), work)
    if batch_clamp:
        peak = float(peaks.max()) if len(items) else 0.0
        for b in range(len(items)):
            _clamp_clip(out[b], int(live[b]), peak)
    return out


def _clamp_clip(mel: np.ndarray, n_live: int, peak: float) -> None:
    """In place: log and clamp of frames ``:n_live``; later frames get the floor."""
    floor = _log_clamp(mel[:, :n_live], peak)
    if n_live < mel.shape[1]:
        mel[:, n_live:] = _log_quarter(floor)
