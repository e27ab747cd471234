"""Waveform normalization for wav2vec2 / HuBERT style models."""

from __future__ import annotations

from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge.feature._clips import _as_signal

__all__ = ["normalize_waveform"]

#: Variance guard of transformers' ``Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm``.
_VAR_EPS = 1e-7


def normalize_waveform(y: Any, *, attention_mask: Any = None) -> np.ndarray:
    """Zero-mean, unit-variance waveform, as wav2vec2 / HuBERT / WavLM expect.

    Each clip becomes ``(y - mean) / sqrt(var + 1e-7)``, the recipe (and epsilon) of
    transformers' ``Wav2Vec2FeatureExtractor(do_normalize=True)``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,) or (batch, n)] or torch.Tensor [shape=(..., n)], floating point
        Mono audio (16 kHz for the published models), or a batch of clips padded to
        a common length.  A tensor gives a tensor on its device, in its dtype
        (statistics in float64; a tensor ``attention_mask`` goes with it).
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
    if is_tensor(y):
        from melforge._torch import recipes
        from melforge._torch.core import check_signal

        check_signal(y)
        mask = None
        if attention_mask is not None:
            mask = attention_mask
            if tuple(mask.shape) != tuple(y.shape):
                raise ParameterError(
                    f"attention_mask has shape={tuple(mask.shape)}, must match y's "
                    f"shape={tuple(y.shape)}"
                )
            if bool((mask.reshape(-1, y.shape[-1]) != 0).sum(-1).eq(0).any()):
                raise ParameterError("attention_mask marks no real sample in at least one clip")
        return recipes.normalize_waveform(y, mask, eps=_VAR_EPS)
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
