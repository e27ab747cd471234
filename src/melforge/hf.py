"""Hugging Face ``datasets`` integration: a function for ``dataset.map(..., batched=True)``.

``datasets`` is not imported here: :func:`map_fn` returns a plain function of a batch
(a dict of column lists), which ``datasets`` calls.  Audio values are decoded by
melforge, so an ``Audio`` column read with ``decode=False`` (``{"bytes", "path"}``)
works without ``torchcodec``, which recent ``datasets`` versions need to decode audio
themselves.  To featurize a whole ``datasets.Dataset`` into Parquet shards, pass it to
:func:`melforge.featurize`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np

from melforge._errors import AudioError, ParameterError

__all__ = ["map_fn", "decode_value"]


def decode_value(value: Any, *, sr: int) -> np.ndarray:
    """Return one audio value of a dataset row as mono float32 at ``sr`` Hz.

    Parameters
    ----------
    value : dict, str or decoder
        ``{"array", "sampling_rate"}`` (decoded audio), ``{"bytes", "path"}`` (an
        ``Audio`` column with ``decode=False``), a file path, or an object with
        ``get_all_samples()`` (the ``torchcodec`` decoder ``datasets`` 4+ returns).
    sr : int
        Target rate (Hz); other rates are resampled with soxr (``soxr_hq``).

    Returns
    -------
    np.ndarray [shape=(n,)]
    """
    from melforge.audio import load, to_mono
    from melforge.resampling import resample

    if isinstance(value, str):
        return load(value, sr=sr, mono=True)[0]
    if callable(getattr(value, "get_all_samples", None)):  # torchcodec AudioDecoder
        samples = value.get_all_samples()
        value = {"array": samples.data.numpy(), "sampling_rate": samples.sample_rate}
    if isinstance(value, dict) and "array" in value:
        y = np.asarray(value["array"], dtype=np.float32)
        if y.ndim == 2:
            y = to_mono(y)
        orig = int(value["sampling_rate"])
        if orig != sr:
            y = resample(y, orig_sr=orig, target_sr=sr)
        return np.ascontiguousarray(y, dtype=np.float32)
    if isinstance(value, dict) and ("bytes" in value or "path" in value):
        data, path = value.get("bytes"), value.get("path")
        if data is not None:
            try:
                return load(io.BytesIO(data), sr=sr, mono=True)[0]
            except AudioError as e:
                raise AudioError(e.reason, path=path or "<audio bytes>") from e
        if path:
            return load(path, sr=sr, mono=True)[0]
    raise ParameterError(
        f"cannot read audio from a value of type {type(value).__name__}: expected "
        "{'array', 'sampling_rate'}, {'bytes', 'path'}, a path, or a torchcodec decoder"
    )


def map_fn(
    preset: Any,
    *,
    audio_column: str = "audio",
    output_column: str = "input_features",
    **batch_options: Any,
) -> Callable[[dict[str, list[Any]]], dict[str, list[Any]]]:
    """Return a function for ``dataset.map(fn, batched=True)`` that adds model inputs.

    Parameters
    ----------
    preset : str, path, dict or preset
        As :func:`melforge.presets.resolve` takes it.  A preset built by
        :func:`melforge.presets.from_pretrained` gives what its transformers extractor
        gives: the columns of ``preset.batch(clips, sr, **batch_options)``
        (``input_features`` or ``input_values``, ``attention_mask`` where the extractor
        returns one), one row per clip.  Any other preset gives one column,
        ``output_column``, with ``preset(y, sr)`` per clip (its ``layout``).
    audio_column : str
        The column holding the audio (see :func:`decode_value` for the forms read).
    output_column : str
        Column name for presets that are not from ``from_pretrained``.
    **batch_options
        Passed to ``preset.batch`` (``from_pretrained`` presets only), e.g.
        ``padding="longest"``, ``return_attention_mask=True``.

    Returns
    -------
    callable
        ``fn(batch: dict of lists) -> dict of lists``; it pickles, so
        ``dataset.map(fn, batched=True, num_proc=4)`` works.

    Examples
    --------
    >>> import melforge.hf
    >>> fn = melforge.hf.map_fn("kaldi-fbank-80")
    >>> import numpy as np
    >>> y = np.zeros(16000, dtype=np.float32)
    >>> out = fn({"audio": [{"array": y, "sampling_rate": 16000}]})
    >>> out["input_features"][0].shape
    (98, 80)
    """
    from melforge import presets

    resolved = presets.resolve(preset)
    if batch_options and not callable(getattr(resolved, "batch", None)):
        raise ParameterError(
            f"options {sorted(batch_options)} are for preset.batch, which {resolved!r} lacks "
            "(only presets from melforge.presets.from_pretrained have it)"
        )
    return _MapFn(resolved, audio_column, output_column, dict(batch_options))


class _MapFn:
    """The function :func:`map_fn` returns (a class, so that it pickles)."""

    def __init__(self, preset: Any, audio_column: str, output_column: str,
                 options: dict[str, Any]) -> None:  # fmt: skip
        self.preset = preset
        self.audio_column = audio_column
        self.output_column = output_column
        self.options = options

    def __repr__(self) -> str:
        return f"melforge.hf.map_fn({self.preset!r}, audio_column={self.audio_column!r})"

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if self.audio_column not in batch:
            raise ParameterError(
                f"audio_column={self.audio_column!r} is not in the batch "
                f"(columns: {', '.join(batch)})"
            )
        sr = int(self.preset.sample_rate)
        clips = [decode_value(v, sr=sr) for v in batch[self.audio_column]]
        if callable(getattr(self.preset, "batch", None)):
            out = self.preset.batch(clips, sr, **self.options)
            return {k: list(v) for k, v in dict(out).items()}
        return {self.output_column: [self.preset(y, sr) for y in clips]}
