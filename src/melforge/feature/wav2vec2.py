"""Waveform normalization for wav2vec2 / HuBERT style models, and input checks.

Also holds :func:`_as_signal`, the boundary check shared by the model-exact front
ends (:mod:`melforge.feature.kaldi`, :mod:`melforge.feature.whisper`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_audio_array

__all__ = ["normalize_waveform"]

#: Variance guard of transformers' ``Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm``.
_VAR_EPS = 1e-7


def _as_signal(y: Any, *, name: str = "y", batch: bool = True) -> np.ndarray:
    """Check mono audio ``(n,)`` or a batch ``(batch, n)``; return 2-D float32.

    Integer arrays, NaN/Inf, more than two dimensions and arrays that look like
    ``(samples, channels)`` multichannel audio are refused with a ParameterError.
    """
    y = check_audio_array(y, name=name)
    if y.ndim > (2 if batch else 1):
        shapes = "(n,) or a batch (batch, n)" if batch else "(n,)"
        raise ParameterError(
            f"{name} must be mono audio of shape {shapes}, got shape={y.shape}; "
            "mix multichannel audio down first (e.g. y.mean(axis=0))"
        )
    if y.ndim == 2 and y.shape[1] <= 8 < y.shape[0]:
        raise ParameterError(
            f"{name} has shape={y.shape}, which looks like multichannel audio laid out as "
            "(samples, channels); melforge wants mono audio with time on the last axis "
            f"(mix down first, e.g. {name}.mean(axis=1))"
        )
    if y.shape[-1] == 0:
        raise ParameterError(f"{name} is empty (shape={y.shape}); need at least one sample")
    return np.atleast_2d(np.asarray(y, dtype=np.float32))


def _for_each_clip(n_clips: int, work: Callable[[range], None]) -> None:
    """Run ``work(range_of_clips)`` over ``range(n_clips)``, split across threads.

    The thread count is scipy.fft's worker setting (1 unless the caller raises it with
    ``scipy.fft.set_workers(n)``), so batched front ends use several cores only when
    asked to.  Each chunk of clips runs in one thread with its own scratch buffers;
    numpy and pocketfft release the GIL in the heavy calls.
    """
    import scipy.fft

    workers = max(1, min(int(scipy.fft.get_workers()), n_clips))
    if workers == 1:
        work(range(n_clips))
        return
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, n_clips, workers + 1).astype(int)
    chunks = [range(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(work, chunk) for chunk in chunks]:
            future.result()


def normalize_waveform(y: Any, *, attention_mask: Any = None) -> np.ndarray:
    """Zero-mean, unit-variance waveform, as wav2vec2 / HuBERT / WavLM expect.

    Each clip becomes ``(y - mean) / sqrt(var + 1e-7)``, the recipe (and epsilon) of
    transformers' ``Wav2Vec2FeatureExtractor(do_normalize=True)``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (batch, n)], floating point
        Mono audio (16 kHz for the published models), or a batch of clips padded to
        a common length.
    attention_mask : np.ndarray [shape=(n,) or (batch, n)] or None
        1 (or True) for real samples, 0 for padding.  The statistics are taken over
        the real samples only and padded positions are set to 0.0, so padding does
        not leak into the normalization.  None means every sample is real.

    Returns
    -------
    np.ndarray [shape=y.shape], float32
        The normalized waveform.

    Raises
    ------
    ParameterError
        Non-float, non-finite or empty input, more than two dimensions, or a mask
        whose shape differs from ``y``'s or whose values are not 0/1.

    Notes
    -----
    Statistics are accumulated in float64 and the result is float32; the maximum
    absolute difference from transformers 5 is below 1e-5 (see ``docs/presets.md``).
    transformers uses ``mask.sum()`` as a prefix length; here the mask selects the
    samples, which is the same for the usual prefix masks.

    Examples
    --------
    >>> import numpy as np
    >>> x = normalize_waveform(np.array([0.0, 0.5, 1.0], dtype=np.float32))
    >>> bool(abs(x.mean()) < 1e-6)
    True
    """
    y2 = _as_signal(y, name="y", batch=True)
    if attention_mask is None:
        out = np.empty(y2.shape, dtype=np.float32)
        for b in range(y2.shape[0]):  # one clip at a time: float64 scratch stays small
            row = y2[b].astype(np.float64)
            row -= row.mean()
            row /= np.sqrt(np.dot(row, row) / row.size + _VAR_EPS)
            out[b] = row
    else:
        mask = np.asarray(attention_mask)
        if mask.shape != np.shape(y):
            raise ParameterError(
                f"attention_mask has shape={mask.shape}, must match y's shape={np.shape(y)}"
            )
        if not np.isin(mask, (0, 1)).all():
            raise ParameterError("attention_mask must hold only 0/1 (or False/True) values")
        m = np.atleast_2d(mask).astype(bool)
        count = m.sum(axis=-1, keepdims=True)
        if (count == 0).any():
            raise ParameterError("attention_mask marks no real sample in at least one clip")
        mean = np.where(m, y2, 0.0).sum(axis=-1, keepdims=True, dtype=np.float64) / count
        centred = np.where(m, y2 - mean, 0.0)
        var = np.square(centred).sum(axis=-1, keepdims=True) / count
        out = (centred / np.sqrt(var + _VAR_EPS)).astype(np.float32)
    return out[0] if np.ndim(y) == 1 else out
