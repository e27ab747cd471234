"""Boundary checks and the batch loop shared by the model-exact front ends.

Used by :mod:`melforge.feature.whisper`, :mod:`~melforge.feature.kaldi`,
:mod:`~melforge.feature.nemo`, :mod:`~melforge.feature.wav2vec2` and the presets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import check_audio_array
from melforge.spectral import _fft


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
