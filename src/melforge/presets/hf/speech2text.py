"""Speech2Text input: Kaldi filterbanks with utterance-level CMVN.

Reproduces transformers' ``Speech2TextFeatureExtractor`` (``facebook/s2t-*``) on its
numpy path, the one it takes when torchaudio is not installed: Kaldi fbank of the
waveform x 32768 (80 bins, Povey window; see :mod:`melforge.presets.hf._fbank`),
padded, then each clip's first ``n`` frames (``n`` from the attention mask when padding,
else all) give the per-bin mean and population standard deviation; padded frames are
reset to ``padding_value``.  With torchaudio installed transformers calls
``torchaudio.compliance.kaldi.fbank`` instead (float32 arithmetic), which differs from
its numpy path in the deep bins.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge.feature.kaldi import Moments, _moments
from melforge.feature.recipe import Recipe
from melforge.presets._padding import pad_plan, pad_sequences, padding_strategy
from melforge.presets.base import FRAMES_X_FEATURES, _check_bool, _check_float, _check_int
from melforge.presets.hf._fbank import (
    HOP,
    check_clips,
    config_bool,
    config_float,
    config_int,
    config_padding,
    config_rate,
    fbank_features,
    fbank_recipe,
    fbank_rows,
    fbank_tensors,
    padded_output,
    too_short,
)
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["Speech2TextFamily"]


@dataclasses.dataclass(frozen=True)
class Speech2TextFamily(PretrainedPreset):
    """transformers' ``Speech2TextFeatureExtractor``: fbank + utterance CMVN.

    ``preset(y, sr)`` returns the clip's ``(n_frames, num_mel_bins)`` features;
    ``preset.batch(clips, sr, padding=True)`` returns ``{"input_features": (batch, t,
    80), "attention_mask": (batch, t)}``; unpadded calls return lists.

    Attributes
    ----------
    num_mel_bins : int
        Mel bins per frame (80).
    do_ceptral_normalize, normalize_means, normalize_vars : bool
        Utterance CMVN switches (transformers' names, typo included).
    dither : float
        Gaussian noise std added to each frame in int16 units (0 = off).  Seeded with the
        ``seed`` option of :meth:`batch`; transformers draws from numpy's global
        generator, so dithered output is reproducible but not equal to transformers'.
    padding_value : float
        Value of padded frames.
    padding_side : {"right", "left"}
        Where padding goes.
    feature_size : int
        transformers' padding feature size (must be > 1: frames are padded as vectors).
    """

    sample_rate: int = 16000
    num_mel_bins: int = 80
    do_ceptral_normalize: bool = True
    normalize_means: bool = True
    normalize_vars: bool = True
    dither: float = 0.0
    padding_value: float = 0.0
    padding_side: str = "right"
    feature_size: int = 80

    kind: ClassVar[str] = "hf-speech2text"
    reference: ClassVar[str] = "transformers 5.25.0 Speech2TextFeatureExtractor (numpy path, live)"
    deviation: ClassVar[str] = (
        "1.5e-5 (target 1e-4 within 80 dB of each frame's peak)"
    )
    layout: ClassVar[str] = FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("Speech2TextFeatureExtractor",)
    main_input: ClassVar[str] = "input_features"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("num_mel_bins", self.num_mel_bins)
        _check_int("feature_size", self.feature_size, minimum=2)
        for name in ("do_ceptral_normalize", "normalize_means", "normalize_vars"):
            _check_bool(name, getattr(self, name))
        _check_float("dither", self.dither)
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        if self.padding_side not in ("right", "left"):
            raise ParameterError(f"padding_side={self.padding_side!r} must be 'right' or 'left'")

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        return {
            "sample_rate": config_rate(config),
            "num_mel_bins": config_int(config, "num_mel_bins", 80),
            "do_ceptral_normalize": config_bool(config, "do_ceptral_normalize", True),
            "normalize_means": config_bool(config, "normalize_means", True),
            "normalize_vars": config_bool(config, "normalize_vars", True),
            "dither": config_float(config, "dither", 0.0),
            **config_padding(config),
        }

    @property
    def n_features(self) -> int:
        """Feature dimension: ``num_mel_bins`` (80)."""
        return self.num_mel_bins

    @property
    def hop_length(self) -> int:
        """Samples between frames: 160 (10 ms)."""
        return HOP

    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = False,
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
        seed: Optional[int] = None,
    ) -> dict[str, Any]:
        want_mask, pads, refused = self._mask_rule(return_attention_mask, padding, max_length)
        if refused:
            raise ParameterError(
                "padding with return_attention_mask=False: the Speech2Text extractor takes "
                "the CMVN lengths from the attention mask (transformers fails on this call)"
            )
        counts = check_clips(clips)
        lengths, target, stacked = pad_plan(
            counts, padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, padding_side=self.padding_side,
        )  # fmt: skip
        if stacked and target is not None and (
            self.padding_side == "right" or not self.do_ceptral_normalize
        ):
            return self._batch_stacked(clips, lengths, int(target), want_mask, seed)
        # Ragged output, or the left-padding quirk (statistics over the first rows of
        # the padded array, padding included): pad first, then normalize.
        feats = fbank_features(
            clips, num_mel_bins=self.num_mel_bins, window="povey", waveform_scale=32768.0,
            dither=self.dither, seed=seed,
        )  # fmt: skip
        padded = pad_sequences(
            feats, padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, return_attention_mask=want_mask,
            padding_value=self.padding_value, padding_side=self.padding_side,
        )  # fmt: skip
        values = padded.values
        if self.do_ceptral_normalize:
            real = padded.lengths if pads else [x.shape[0] for x in values]
            for x, n in zip(values, real, strict=True):
                self._cmvn(x, int(n))  # in place: the padded values are fresh arrays
        out: dict[str, Any] = {"input_features": values}
        if want_mask:
            out["attention_mask"] = padded.mask
        return out

    def _mask_rule(
        self, return_attention_mask: Optional[bool], padding: Any, max_length: Optional[int]
    ) -> tuple[bool, bool, bool]:
        """Return whether the mask is returned, whether the call pads, and whether it is refused.

        Padding without the mask is refused with CMVN (its lengths come from the mask).
        """
        want_mask = True if return_attention_mask is None else bool(return_attention_mask)
        pads = padding_strategy(padding, max_length) != "do_not_pad"
        return want_mask, pads, bool(pads and not want_mask and self.do_ceptral_normalize)

    def _batch_stacked(
        self,
        clips: list[np.ndarray],
        lengths: list[int],
        target: int,
        want_mask: bool,
        seed: Optional[int],
    ) -> dict[str, Any]:
        """One padded array: each clip normalized in float64 and written into it.

        The statistics are those of the clip's first ``lengths[i]`` frames, its real
        frames here (padding on the right, or no CMVN), as with the padded path.
        """
        values, fill = padded_output((len(clips), target, self.num_mel_bins), self.padding_value)
        mask = np.zeros((len(clips), target), dtype=np.int32)
        left = self.padding_side == "left"

        def place(i: int, rows: np.ndarray, moments: Optional[Moments]) -> None:
            m = lengths[i]
            real, pad = (slice(target - m, None), slice(0, target - m)) if left else (
                slice(0, m), slice(m, None))  # fmt: skip
            self._cmvn_into(rows[:m], moments, values[i, real])
            if fill:
                values[i, pad] = self.padding_value
            mask[i, real] = 1

        fbank_rows(
            clips, place, num_mel_bins=self.num_mel_bins, window="povey",
            waveform_scale=32768.0, dither=self.dither, seed=seed,
            stats_rows=lengths if self.do_ceptral_normalize else None,
        )  # fmt: skip
        out: dict[str, Any] = {"input_features": values}
        if want_mask:
            out["attention_mask"] = mask
        return out

    def _cmvn_into(
        self, x64: np.ndarray, moments: Optional[Moments], out: np.ndarray
    ) -> None:
        """``utterance_cmvn`` of ``x64`` (float64, changed) into ``out`` (float32).

        ``moments`` are the per-bin mean and sum of squared deviations of all of
        ``x64``'s rows (None: no normalization, ``x64`` is copied).  A bin with zero
        deviation gives NaN/Inf, as in transformers.
        """
        if moments is None:
            out[...] = x64
            return
        mean, m2 = moments
        if self.normalize_means:
            np.subtract(x64, mean, out=x64)
        if not self.normalize_vars:
            out[...] = x64
            return
        with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 -> NaN, as there
            scale = 1.0 / np.sqrt(m2 / x64.shape[0])  # the population deviation
            np.multiply(x64, scale, out=out, casting="same_kind")

    def _cmvn(self, x: np.ndarray, length: int) -> None:
        """Apply transformers' ``utterance_cmvn`` with the first ``length`` frames' statistics.

        In place on ``x`` (float32), computed in float64 (transformers: float32).  A bin
        that is constant over the clip has zero deviation: NaN/Inf, as in transformers.
        """
        x64 = x[:length].astype(np.float64)
        self._cmvn_into(x64, _moments(x64), x[:length])
        x[length:] = self.padding_value

    def recipe(self) -> Optional[Recipe]:
        """Return one clip's features as a :class:`~melforge.feature.recipe.Recipe`.

        The shared Kaldi fbank (:func:`~melforge.presets.hf._fbank.fbank_recipe`, Povey,
        x 32768) and, with ``do_ceptral_normalize``, per-bin CMVN over the clip's frames
        (population deviation, no epsilon): ``preset(y, sr)`` for one clip.  None when
        only one of ``normalize_means`` / ``normalize_vars`` is set (a recipe
        standardizes both or neither).  ``dither`` is not part of the recipe (it
        describes the features without dither).  In a padded batch the statistics come
        from each row's first ``n`` frames, as the family applies them.
        """
        base = fbank_recipe(
            num_mel_bins=self.num_mel_bins, window="povey", waveform_scale=32768.0
        )
        if not self.do_ceptral_normalize:
            return base
        if not (self.normalize_means and self.normalize_vars):
            return None
        return dataclasses.replace(base, normalize="per_bin", norm_ddof=0, norm_eps=0.0)

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = False,
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
        seed: Optional[int] = None,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors, in torch (float64) on their device (same rules).

        Dithered presets run on the host (the noise is numpy's generator's draws, which
        torch cannot reproduce), and calls the numpy path refuses (a clip shorter than
        one frame, padding without a mask) are sent to it, so that it raises its own
        error.
        """
        from melforge.presets._tensor import pad_tensor_sequences

        options = dict(
            padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, return_attention_mask=return_attention_mask,
            seed=seed,
        )  # fmt: skip
        want_mask, pads, refused = self._mask_rule(return_attention_mask, padding, max_length)
        if self.dither > 0.0 or refused or too_short(clips):
            return super()._batch_tensor(clips, **options)
        recipe = fbank_recipe(
            num_mel_bins=self.num_mel_bins, window="povey", waveform_scale=32768.0
        )
        padded = pad_tensor_sequences(
            fbank_tensors(clips, recipe), padding=padding, max_length=max_length,
            truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
            return_attention_mask=want_mask, padding_value=self.padding_value,
            padding_side=self.padding_side,
        )  # fmt: skip
        values = padded.values
        rows = list(values) if is_tensor(values) else values
        if self.do_ceptral_normalize:
            lengths = padded.lengths if pads else [x.shape[0] for x in rows]
            rows = [self._cmvn_tensor(x, int(n)) for x, n in zip(rows, lengths, strict=True)]
        rows = [x.to(clips[0].dtype) for x in rows]
        out: dict[str, Any] = {"input_features": rows}
        if is_tensor(values):
            import torch

            out["input_features"] = torch.stack(rows)
        if want_mask:
            out["attention_mask"] = padded.mask
        return out

    def _cmvn_tensor(self, x: Any, length: int) -> Any:
        """:meth:`_cmvn` on a float64 tensor ``(t, bins)`` (same rules, a new tensor)."""
        if self.normalize_means:
            x = x - x[:length].mean(dim=0)
        if self.normalize_vars:
            x = x / x[:length].std(dim=0, correction=0)
        if length < x.shape[0]:
            x = x.clone()
            x[length:] = self.padding_value
        return x
