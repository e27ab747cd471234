"""SeamlessM4T / w2v-BERT 2.0 input: stacked, per-bin normalized Kaldi filterbanks.

Reproduces transformers' ``SeamlessM4TFeatureExtractor`` (SeamlessM4T v1/v2,
``facebook/w2v-bert-2.0``): Kaldi fbank of the waveform x 32768 (80 bins, Povey
window; see :mod:`melforge.presets.hf._fbank`), each clip normalized per mel bin
(mean, and the ``ddof=1`` standard deviation with ``+ 1e-7`` under the root) *before*
padding, padded (``pad_to_multiple_of=2`` by default), cut to a multiple of ``stride``
frames, then ``stride`` consecutive frames stacked into one 160-dim vector; the
attention mask keeps every ``stride``-th entry from index 1 (``mask[:, 1::2]``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature.kaldi import Moments
from melforge.feature.recipe import Recipe
from melforge.presets._padding import pad_plan
from melforge.presets.base import FRAMES_X_FEATURES, _check_float, _check_int
from melforge.presets.hf._fbank import (
    HOP,
    check_clips,
    config_int,
    config_padding,
    config_rate,
    fbank_recipe,
    fbank_rows,
    fbank_tensors,
    padded_output,
    too_short,
)
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["SeamlessM4TFamily"]


@dataclasses.dataclass(frozen=True)
class SeamlessM4TFamily(PretrainedPreset):
    """transformers' ``SeamlessM4TFeatureExtractor``: stacked Kaldi filterbanks.

    ``preset(y, sr)`` returns the clip's ``(n_frames // stride, num_mel_bins * stride)``
    features; ``preset.batch(clips, sr)`` returns ``{"input_features": (batch, t, 160),
    "attention_mask": (batch, t)}`` as the extractor does with its defaults
    (``padding=True``, ``pad_to_multiple_of=2``).

    Attributes
    ----------
    num_mel_bins : int
        Mel bins per frame (80).
    stride : int
        Frames stacked into one output vector (2).
    padding_value : float
        Value of padded frames (they are padded after normalization).
    padding_side : {"right", "left"}
        Where padding goes.
    feature_size : int
        transformers' padding feature size (must be > 1: frames are padded as vectors).
    """

    sample_rate: int = 16000
    num_mel_bins: int = 80
    stride: int = 2
    padding_value: float = 0.0
    padding_side: str = "right"
    feature_size: int = 80

    kind: ClassVar[str] = "hf-seamless-m4t"
    reference: ClassVar[str] = "transformers 5.25.0 SeamlessM4TFeatureExtractor (live)"
    deviation: ClassVar[str] = (
        "7e-6 on the normalized features (target 1e-4 within 80 dB of each frame's peak)"
    )
    layout: ClassVar[str] = FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("SeamlessM4TFeatureExtractor",)
    main_input: ClassVar[str] = "input_features"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("num_mel_bins", self.num_mel_bins)
        _check_int("stride", self.stride)
        _check_int("feature_size", self.feature_size, minimum=2)
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        if self.padding_side not in ("right", "left"):
            raise ParameterError(f"padding_side={self.padding_side!r} must be 'right' or 'left'")

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        return {
            "sample_rate": config_rate(config),
            "num_mel_bins": config_int(config, "num_mel_bins", 80),
            "stride": config_int(config, "stride", 2),
            **config_padding(config),
        }

    @property
    def n_features(self) -> int:
        """Feature dimension: ``num_mel_bins * stride`` (160)."""
        return self.num_mel_bins * self.stride

    @property
    def hop_length(self) -> int:
        """Samples between output vectors: ``160 * stride`` (320 = 20 ms)."""
        return HOP * self.stride

    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = True,
        pad_to_multiple_of: Optional[int] = 2,
        max_length: Optional[int] = None,
        truncation: bool = False,
        return_attention_mask: Optional[bool] = None,
        do_normalize_per_mel_bins: Optional[bool] = True,
    ) -> dict[str, Any]:
        counts = check_clips(clips)
        lengths, target, stacked = pad_plan(
            counts, padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, padding_side=self.padding_side,
        )  # fmt: skip
        if not stacked or target is None:
            raise ParameterError(
                "clips of different lengths need padding (padding=True, 'longest' or "
                "'max_length'): the SeamlessM4T extractor stacks frames of one array "
                "(transformers fails on this call too)"
            )
        # Normalized (over all of a clip's frames, before truncation, as transformers
        # does) in float64 and written straight into the padded output.
        width = int(target)
        values, fill = padded_output((len(clips), width, self.num_mel_bins), self.padding_value)
        mask = np.zeros((len(clips), width), dtype=np.int32)
        left = self.padding_side == "left"

        def place(i: int, rows: np.ndarray, moments: Optional[Moments]) -> None:
            m = lengths[i]
            real, pad = (slice(width - m, None), slice(0, width - m)) if left else (
                slice(0, m), slice(m, None))  # fmt: skip
            kept = rows[:m]
            if moments is None:
                values[i, real] = kept
            else:  # (x - mean) / sqrt(var(ddof=1) + 1e-7), NaN for one frame (as transformers)
                mean, m2 = moments
                np.subtract(kept, mean, out=kept)
                with np.errstate(invalid="ignore", divide="ignore"):
                    scale = 1.0 / np.sqrt(m2 / (rows.shape[0] - 1) + 1e-7)
                    np.multiply(kept, scale, out=values[i, real], casting="same_kind")
            if fill:
                values[i, pad] = self.padding_value
            mask[i, real] = 1

        # The statistics cover all of a clip's frames, truncated or not.
        fbank_rows(
            clips, place, num_mel_bins=self.num_mel_bins, window="povey",
            waveform_scale=32768.0, stats_rows=counts if do_normalize_per_mel_bins else None,
        )  # fmt: skip
        values, usable = self._stack(values)
        out: dict[str, Any] = {"input_features": np.ascontiguousarray(values)}
        if return_attention_mask is None or return_attention_mask:
            keep = np.arange(usable) % self.stride == 1  # transformers' rule (none if stride 1)
            out["attention_mask"] = np.ascontiguousarray(mask[:, :usable][:, keep])
        return out

    def _stack(self, values: Any) -> tuple[Any, int]:
        """Stack ``stride`` padded frames per vector (an array or a tensor).

        Returns ``(batch, usable // stride, num_mel_bins * stride)`` and ``usable``, the
        frames kept (the tail short of a whole ``stride`` is dropped, as transformers).
        """
        batch, n_frames, n_bins = values.shape
        usable = n_frames - n_frames % self.stride
        stacked = values[:, :usable].reshape(batch, usable // self.stride, n_bins * self.stride)
        return stacked, usable

    def recipe(self) -> Recipe:
        """Return one clip's features as a :class:`~melforge.feature.recipe.Recipe`.

        The shared Kaldi fbank (:func:`~melforge.presets.hf._fbank.fbank_recipe`, Povey,
        x 32768), per-bin CMVN over the clip's frames (``ddof=1``, ``+ 1e-7`` under the
        root) and ``stride`` frames stacked: ``preset(y, sr)`` for one clip when no
        frame padding is needed.  In a batch the frames are padded (after CMVN, before
        stacking) by the family.
        """
        base = fbank_recipe(
            num_mel_bins=self.num_mel_bins, window="povey", waveform_scale=32768.0
        )
        return dataclasses.replace(
            base, normalize="per_bin", norm_ddof=1, norm_eps=1e-7, norm_eps_in_sqrt=True,
            stack=self.stride,
        )  # fmt: skip

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = True,
        pad_to_multiple_of: Optional[int] = 2,
        max_length: Optional[int] = None,
        truncation: bool = False,
        return_attention_mask: Optional[bool] = None,
        do_normalize_per_mel_bins: Optional[bool] = True,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors, in torch (float64) on their device (same rules).

        Calls the numpy path refuses (a clip shorter than one frame, ragged clips
        without padding) are sent to it, so that it raises its own error.
        """
        from melforge.presets._tensor import pad_tensor_sequences

        options = dict(
            padding=padding, pad_to_multiple_of=pad_to_multiple_of, max_length=max_length,
            truncation=truncation, return_attention_mask=return_attention_mask,
            do_normalize_per_mel_bins=do_normalize_per_mel_bins,
        )  # fmt: skip
        recipe = dataclasses.replace(self.recipe(), stack=1)
        if not do_normalize_per_mel_bins:
            recipe = dataclasses.replace(recipe, normalize="none")
        if too_short(clips):
            return super()._batch_tensor(clips, **options)
        _, _, stacked = pad_plan(
            [recipe.n_frames(int(y.shape[-1])) for y in clips], padding=padding,
            max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, padding_side=self.padding_side,
        )  # fmt: skip
        if not stacked:
            return super()._batch_tensor(clips, **options)
        padded = pad_tensor_sequences(
            fbank_tensors(clips, recipe), padding=padding, max_length=max_length,
            truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
            return_attention_mask=True, padding_value=self.padding_value,
            padding_side=self.padding_side,
        )  # fmt: skip
        values, mask = padded.values, padded.mask
        values, usable = self._stack(values)
        out: dict[str, Any] = {"input_features": values.to(clips[0].dtype).contiguous()}
        if return_attention_mask is None or return_attention_mask:
            import torch

            keep = torch.arange(usable, device=mask.device) % self.stride == 1  # see _batch
            out["attention_mask"] = mask[:, :usable][:, keep].contiguous()
        return out
