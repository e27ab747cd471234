"""Boundary checks shared by the model-exact front ends (the batch loop is in ``_kernel``).

Used by :mod:`melforge.feature.whisper`, :mod:`~melforge.feature.kaldi`,
:mod:`~melforge.feature.nemo`, :mod:`~melforge.feature.wav2vec2` and the presets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_audio_array
from melforge.feature._kernel import _for_each_clip  # noqa: F401 - moved; old imports work


def _as_signal(
    y: Any, *, name: str = "y", batch: bool = True, finite: bool = True
) -> np.ndarray:
    """Check mono audio ``(n,)`` or a batch ``(batch, n)``; return 2-D float32.

    Integer arrays, NaN/Inf (unless ``finite=False``: the caller then checks them
    itself, more cheaply), more than two dimensions and arrays that look like
    ``(samples, channels)`` multichannel audio are refused with a ParameterError.
    """
    y = check_audio_array(y, name=name, finite=finite)
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
