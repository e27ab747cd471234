"""NeMo's log-mel front end (``AudioToMelSpectrogramPreprocessor``), from its source defaults.

The recipe of NeMo's ``FilterbankFeatures`` in evaluation mode (dither is applied only
while training), with the 80-mel settings of the Conformer / FastConformer configs::

    SAMPLE_RATE = 16000     # Hz
    WIN_LENGTH  = 400       # samples = 25 ms (window_size: 0.025)
    HOP_LENGTH  = 160       # samples = 10 ms (window_stride: 0.01)
    N_FFT       = 512       # next power of two of WIN_LENGTH
    PREEMPH     = 0.97      # y[i] - 0.97 y[i-1]; y[0] kept
    LOG_GUARD   = 2 ** -24  # log(mel + guard)
    STD_GUARD   = 1e-5      # per-feature normalization: (x - mean) / (std + 1e-5)

Steps: pre-emphasis over the whole clip, a centred STFT with zero (``"constant"``)
padding of ``N_FFT // 2``, a symmetric Hann window of ``WIN_LENGTH`` centred in the
``N_FFT`` frame, the power spectrum, librosa's Slaney mel basis (``fmin=0``,
``fmax=sr/2``), ``log(mel + 2**-24)``, then per-feature normalization with the unbiased
(n - 1) standard deviation over the clip's **valid** frames, the first ``n // HOP_LENGTH``
(NeMo's ``get_seq_len``: ``(n + 2 * (N_FFT // 2) - N_FFT) // HOP_LENGTH``), and the frames
from there on (the last one) set to 0, NeMo's ``pad_value``.  ``1 + n // HOP_LENGTH``
frames.  transformers' ``ParakeetFeatureExtractor`` follows the same rule.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge._validate import check_positive_int, check_sr
from melforge.feature._clips import _as_signal
from melforge.feature._kernel import _for_each_clip, _frames, _mel_bands, _MelKernel

__all__ = ["nemo_log_mel"]

LOG_GUARD = 2.0**-24  # NeMo's log_zero_guard_value ("add")
STD_GUARD = 1e-5  # NeMo's normalize_batch CONSTANT
_NORMALIZE = ("per_feature", "all_features", None)


@functools.lru_cache(maxsize=8)
def _symmetric_hann(length: int) -> np.ndarray:
    """``torch.hann_window(length, periodic=False)``, read-only float32."""
    w = np.hanning(length).astype(np.float32)
    w.flags.writeable = False
    return w


def _normalize(
    x: np.ndarray,
    kind: str | None,
    valid: int | None = None,
    *,
    count: int | None = None,
    nan_std: float | None = 0.0,
) -> np.ndarray:
    """NeMo's ``normalize_batch`` on one clip ``(n_mels, t)``, then its padding mask.

    The statistics are taken over the first ``valid`` frames (all when None); frames
    from ``valid`` on are set to 0.  ``count`` is the number the sums are divided by
    (``valid`` unless given: transformers divides by the untruncated clip's frame count).
    The standard deviation is the unbiased one plus :data:`STD_GUARD`; NeMo turns the
    NaN of a single frame into 0 (``nan_std=0.0``), transformers keeps it (``None``).
    """
    t = x.shape[1]
    valid = t if valid is None else valid
    count = valid if count is None else count
    if kind is None or valid <= 0:
        out = x.copy() if kind is None else np.zeros_like(x)
        out[:, max(valid, 0) :] = 0.0
        return out
    live = x[:, : min(valid, t)].astype(np.float64)
    axis = 1 if kind == "per_feature" else None
    n = count if kind == "per_feature" else count * x.shape[0]
    mean = live.sum(axis=axis, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        std = np.sqrt(np.square(live - mean).sum(axis=axis, keepdims=True) / (n - 1))
    if nan_std is not None:
        std = np.where(np.isnan(std), nan_std, std)
    out = np.zeros_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, : live.shape[1]] = (live - mean) / (std + STD_GUARD)
    return out


def _log_mel(
    x: np.ndarray,
    n_frames: int,
    bands: tuple[Any, ...],
    window: np.ndarray,
    n_fft: int,
    hop_length: int,
    out: np.ndarray,
    kernel: _MelKernel | None = None,
) -> None:
    """``log(mel + 2**-24)`` of frames ``0:n_frames`` of ``x`` into ``out[:, :n_frames]``.

    ``x`` is the (pre-emphasized) signal, taken as zeros beyond its end and before its
    start (``torch.stft(center=True, pad_mode="constant")``): frame ``k`` is centred on
    sample ``k * hop_length``, its window centred in the ``n_fft`` frame.
    """
    win_length = window.size
    n = x.shape[0]
    left = n_fft // 2 - (n_fft - win_length) // 2  # the window's first sample, frame 0
    right = max(0, (n_frames - 1) * hop_length - left + win_length - n)
    padded = np.zeros(left + n + right, dtype=np.float32)
    padded[left : left + n] = x
    if kernel is None:
        kernel = _MelKernel(bands, window, n_fft)
    rows = out[:, :n_frames]
    kernel(_frames(padded, win_length, hop_length)[:n_frames], rows)
    rows += np.float32(LOG_GUARD)
    np.log(rows, out=rows)


def _preemphasize(y: np.ndarray, coefficient: float) -> np.ndarray:
    """``y[i] - coefficient * y[i - 1]`` with ``y[0]`` kept, float32 (a new array)."""
    x = np.array(y, dtype=np.float32)
    if coefficient:
        x[1:] -= np.float32(coefficient) * y[:-1]
    return x


def nemo_log_mel(
    y: Any,
    *,
    sr: float = 16000,
    n_mels: int = 80,
    n_fft: int = 512,
    win_length: int = 400,
    hop_length: int = 160,
    preemphasis: float = 0.97,
    normalize: str | None = "per_feature",
) -> np.ndarray:
    """NeMo's normalized log-mel features (``AudioToMelSpectrogramPreprocessor``).

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (batch, n)] or torch.Tensor [shape=(..., n)], floating point
        Mono audio in [-1, 1] at ``sr`` Hz, or a batch of equal-length clips.
        A float32/float64 tensor (any device) gives a tensor on its device, in its dtype.
    sr : float
        Sample rate in Hz (16 kHz for the published models).
    n_mels : int
        Mel bands (``features``: 80 for Conformer / FastConformer, 64 for QuartzNet).
    n_fft : int
        FFT size in samples (512 = 32 ms at 16 kHz).
    win_length : int
        Symmetric Hann window length in samples (400 = 25 ms), centred in ``n_fft``.
    hop_length : int
        Samples between frames (160 = 10 ms).
    preemphasis : float
        Pre-emphasis coefficient over the clip (0 disables it).
    normalize : {"per_feature", "all_features", None}
        Normalization over the clip's valid frames (the first ``n // hop_length``): per
        mel band (NeMo's default), over all values, or none.  The frames from
        ``n // hop_length`` on (the last one) are 0 in every case, as NeMo masks them.

    Returns
    -------
    np.ndarray [shape=(n_mels, n_frames) or (batch, n_mels, n_frames)], float32
        ``n_frames = 1 + n // hop_length``; the last frame is 0 (NeMo's padding mask).

    Raises
    ------
    ParameterError
        Bad input (see :func:`melforge.feature.whisper_log_mel`) or options.

    Notes
    -----
    Without normalization the output matches ``kaldi-native-fbank``'s
    ``OnlineNemoFbank`` to about 1e-3 (see ``docs/presets.md``).  NeMo's own
    ``pad_to=16`` (zero frames appended to a multiple of 16) and training-time dither
    are not applied.  A batch runs on one thread unless scipy.fft's worker count is
    raised.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).uniform(-0.1, 0.1, 16000).astype(np.float32)
    >>> nemo_log_mel(y).shape
    (80, 101)
    """
    tensor = is_tensor(y)
    if tensor:
        from melforge._torch.core import check_signal

        check_signal(y)
    else:
        y2 = _as_signal(y, name="y", batch=True)
    sr = check_sr(sr)
    n_mels = check_positive_int("n_mels", n_mels)
    n_fft = check_positive_int("n_fft", n_fft)
    win_length = check_positive_int("win_length", win_length)
    hop_length = check_positive_int("hop_length", hop_length)
    if win_length > n_fft:
        raise ParameterError(f"{win_length=} must be <= {n_fft=}")
    if not isinstance(preemphasis, (int, float, np.floating)) or not 0.0 <= preemphasis < 1.0:
        raise ParameterError(f"{preemphasis=} must be a number in [0, 1)")
    if normalize not in _NORMALIZE:
        raise ParameterError(f"{normalize=} must be one of {_NORMALIZE}")
    window = _symmetric_hann(win_length)
    if tensor:
        from melforge._torch import recipes
        from melforge.filters import mel_basis_cached

        basis = mel_basis_cached(sr=sr, n_fft=n_fft, n_mels=n_mels, dtype=np.float32)
        flat = y.reshape(-1, y.shape[-1])
        feats = recipes.nemo_log_mel(
            flat, basis, window, n_fft=n_fft, hop_length=hop_length,
            preemphasis=float(preemphasis), normalize=normalize, log_guard=LOG_GUARD,
            std_guard=STD_GUARD,
        )  # fmt: skip
        return feats.reshape(*y.shape[:-1], *feats.shape[-2:])
    bands = _mel_bands(n_mels, sr, n_fft, 0.0, None)
    n = y2.shape[-1]
    n_frames = 1 + n // hop_length
    valid = n // hop_length  # NeMo's seq_len: (n + 2 * (n_fft // 2) - n_fft) // hop
    out = np.empty((y2.shape[0], n_mels, n_frames), dtype=np.float32)

    def work(clips: range) -> None:
        kernel = _MelKernel(bands, window, n_fft)
        for b in clips:
            x = _preemphasize(y2[b], preemphasis)
            _log_mel(x, n_frames, bands, window, n_fft, hop_length, out[b], kernel)
            out[b] = _normalize(out[b], normalize, valid)

    _for_each_clip(y2.shape[0], work)
    return out[0] if np.ndim(y) == 1 else out
