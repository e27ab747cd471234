"""AST input: torchaudio-style Kaldi filterbanks, fixed length, fixed statistics.

Reproduces transformers' ``ASTFeatureExtractor`` (``MIT/ast-finetuned-audioset-*``,
``MIT/ast-finetuned-speech-commands-v2``) on its numpy path (torch installed,
torchaudio not): Kaldi fbank of the *unscaled* waveform with a symmetric Hann window,
128 mel bins on a 512-point FFT (the lowest bins cover no FFT bin and are kept, as
torchaudio keeps them; see :mod:`melforge.presets.hf._fbank`), zero-padded or cut to
``max_length`` frames, then ``(x - mean) / (2 * std)`` with the config's AudioSet
statistics.  With torchaudio installed transformers calls
``torchaudio.compliance.kaldi.fbank(window_type="hanning")`` instead (float32).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from melforge.feature.recipe import Recipe
from melforge.presets.base import FRAMES_X_FEATURES, _check_bool, _check_float, _check_int
from melforge.presets.hf._fbank import (
    FRAME_LENGTH,
    HOP,
    check_clips,
    config_bool,
    config_float,
    config_int,
    config_rate,
    fbank_recipe,
    fbank_rows,
    fbank_tensors,
    too_short,
)
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["ASTFamily"]


@dataclasses.dataclass(frozen=True)
class ASTFamily(PretrainedPreset):
    """transformers' ``ASTFeatureExtractor``: ``(max_length, num_mel_bins)`` per clip.

    ``preset(y, sr)`` returns ``(1024, 128)`` features with the default config;
    ``preset.batch(clips, sr)`` returns ``{"input_values": (batch, 1024, 128)}``.  The
    extractor takes no call options (it ignores padding options: every clip is padded
    or cut to ``max_length`` frames), so :meth:`batch` accepts none.

    Attributes
    ----------
    num_mel_bins : int
        Mel bins per frame (128).
    max_length : int
        Frames per clip after zero-padding or cutting (1024 = 10.24 s).
    do_normalize : bool
        Apply ``(x - mean) / (2 * std)``.
    mean, std : float
        The normalization statistics (AudioSet's by default).
    """

    sample_rate: int = 16000
    num_mel_bins: int = 128
    max_length: int = 1024
    do_normalize: bool = True
    mean: float = -4.2677393
    std: float = 4.5689974

    kind: ClassVar[str] = "hf-ast"
    reference: ClassVar[str] = (
        "transformers 5.25.0 ASTFeatureExtractor (numpy path: golden outputs, torch "
        "2.13.0; torchaudio path live in make test-torch)"
    )
    deviation: ClassVar[str] = (
        "9.5e-7 vs the numpy path; vs the torchaudio path, no further from the float64 "
        "recipe than torchaudio within 80 dB of each frame's peak"
    )
    layout: ClassVar[str] = FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("ASTFeatureExtractor",)
    main_input: ClassVar[str] = "input_values"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("num_mel_bins", self.num_mel_bins)
        _check_int("max_length", self.max_length)
        _check_bool("do_normalize", self.do_normalize)
        _check_float("mean", self.mean, minimum=-np.inf)
        _check_float("std", self.std, strict=True)

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        fields = {
            "sample_rate": config_rate(config),
            "num_mel_bins": config_int(config, "num_mel_bins", 128),
            "max_length": config_int(config, "max_length", 1024),
            "do_normalize": config_bool(config, "do_normalize", True),
            "mean": config_float(config, "mean", -4.2677393),
            "std": config_float(config, "std", 4.5689974),
        }
        # Inert for AST: frames are padded with zeros (torch's ZeroPad2d), never with
        # padding_value; no attention mask is ever returned; feature_size and
        # padding_side only serve the base class's pad(), which AST does not call.
        config_float(config, "padding_value", 0.0)
        config_bool(config, "return_attention_mask", False)
        config_int(config, "feature_size", 1)
        config.pop("padding_side", None)
        return fields

    @property
    def n_features(self) -> int:
        """Feature dimension: ``num_mel_bins`` (128)."""
        return self.num_mel_bins

    @property
    def hop_length(self) -> int:
        """Samples between frames: 160 (10 ms)."""
        return HOP

    def _batch(self, clips: list[np.ndarray]) -> dict[str, Any]:
        # Frames past max_length are cut anyway, and frame t reads only samples
        # t * 160 ... t * 160 + 399: the samples after the last kept frame are not
        # computed (transformers computes every frame, then cuts).
        keep = (self.max_length - 1) * HOP + FRAME_LENGTH
        clips = [y[:keep] for y in clips]
        check_clips(clips)
        out = np.empty((len(clips), self.max_length, self.num_mel_bins), dtype=np.float32)
        # transformers' normalization, (x - mean) / (std * 2) in float64 of the float32
        # filterbanks, rounded to float32; the zero rows of short clips all give the
        # same value.
        fill = (0.0 - self.mean) / (self.std * 2) if self.do_normalize else 0.0

        def place(i: int, rows: np.ndarray, _moments: Any) -> None:
            n = rows.shape[0]  # <= max_length: the clip was cut to it
            if self.do_normalize:
                rows[...] = rows.astype(np.float32)  # the float32 features it normalizes
                rows -= self.mean
                rows /= self.std * 2
            out[i, :n] = rows
            out[i, n:] = fill

        fbank_rows(
            clips, place, num_mel_bins=self.num_mel_bins, window="hanning", waveform_scale=1.0
        )
        return {"input_values": out}

    def recipe(self) -> Recipe:
        """Return one clip's features as a :class:`~melforge.feature.recipe.Recipe`.

        The shared Kaldi fbank (:func:`~melforge.presets.hf._fbank.fbank_recipe`,
        symmetric Hann, unscaled waveform) and, with ``do_normalize``, the fixed
        statistics ``(x - mean) / (2 * std)``.  Cutting or zero-padding to
        ``max_length`` frames (padded frames are normalized too) is the family's.
        """
        base = fbank_recipe(num_mel_bins=self.num_mel_bins, window="hanning", waveform_scale=1.0)
        if not self.do_normalize:
            return base
        return dataclasses.replace(
            base, normalize="fixed", norm_mean=(self.mean,), norm_std=(2.0 * self.std,)
        )

    def _batch_tensor(self, clips: list[Any]) -> dict[str, Any]:  # type: ignore[override]
        """:meth:`_batch` on 1-D tensors, in torch (float64) on their device (same rules).

        A clip shorter than one frame is sent to the numpy path, which raises its error.
        """
        import torch

        if too_short(clips):
            return super()._batch_tensor(clips)
        keep = (self.max_length - 1) * HOP + FRAME_LENGTH  # frames past max_length: unused
        recipe = self.recipe()
        feats = fbank_tensors([y[:keep] for y in clips], recipe)
        # Padded frames hold zeros before normalization, so the normalized zero after it.
        fill = 0.0 if not self.do_normalize else (0.0 - self.mean) / (self.std * 2)
        out = torch.full(
            (len(feats), self.max_length, self.num_mel_bins), fill, dtype=feats[0].dtype,
            device=feats[0].device,
        )  # fmt: skip
        for b, x in enumerate(feats):
            out[b, : x.shape[0]] = x
        return {"input_values": out.to(clips[0].dtype)}
