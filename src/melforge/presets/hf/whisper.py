"""Whisper-family input: the log-mel spectrogram of transformers' ``WhisperFeatureExtractor``.

The class is shared by Whisper (80 mels, large-v3 128), Qwen2-Audio, Qwen2.5/3-Omni
(``chunk_length`` 300), Voxtral, AudioFlamingo3 and GLM-ASR (128 mels).  A call pads the
waveform (transformers' ``pad()``: by default to ``chunk_length`` seconds, cutting
longer clips), optionally normalizes it, then computes per clip: reflect padding by
``n_fft // 2``, periodic Hann, power spectrum, Slaney mel (0–8 kHz), the last frame
dropped, ``log10(max(m, 1e-10))``, clamp to the clip's maximum − 8, ``(x + 4) / 4``.
The attention mask is the sample mask taken every ``hop_length`` samples (its last
column dropped when the padded length is not a multiple of the hop).

``convention="openai"`` gives openai-whisper's ``transcribe`` input instead:
``log_mel_spectrogram(audio, padding=N_SAMPLES)[:, :N_FRAMES]`` (30 s of zeros appended
before the STFT, the clip never cut, the clamp over all its frames), and the batch
option ``clamp="batch"`` clamps every clip to the maximum over the batch, as
openai-whisper's ``log_mel_spectrogram`` does on a stacked batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature.recipe import Recipe, run
from melforge.feature.whisper import _log_mel_batch, _recipe
from melforge.presets._padding import pad_sequences
from melforge.presets.base import FEATURES_X_FRAMES, _check_bool, _check_float, _check_int
from melforge.presets.hf.wav2vec2 import _normalize_into
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["WhisperFamily"]

_CONVENTIONS = ("transformers", "openai")
_MEL_FILTERS_ATOL = 1e-6  # a saved basis must equal melforge's to float32 precision


def _pop_int(config: dict[str, Any], key: str, default: int) -> int:
    value = config.pop(key, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    _check_int(f"config {key}", value)
    return int(value)


@dataclasses.dataclass(frozen=True)
class WhisperFamily(PretrainedPreset):
    """transformers' ``WhisperFeatureExtractor``: padded log-mel features and mask.

    ``preset(y, sr)`` returns one clip's ``(feature_size, n_frames)`` features (3000
    frames for a 30 s chunk); ``preset.batch(clips, sr, padding="longest",
    return_attention_mask=True)`` returns ``{"input_features": (batch, feature_size,
    n_frames), "attention_mask": (batch, n_frames)}``.

    Attributes
    ----------
    feature_size : int
        Mel bands: 80 (Whisper up to large-v2), 128 (large-v3, Qwen2-Audio, Voxtral ...).
    n_fft : int
        FFT size and Hann window length in samples (400 = 25 ms at 16 kHz).
    hop_length : int
        Samples between frames (160 = 10 ms).
    chunk_length : int
        Seconds per model input; ``n_samples = chunk_length * sample_rate`` is the
        default ``max_length`` of padding and truncation.
    padding_value : float
        Value of padded samples.
    padding_side : {"right", "left"}
        Where padding goes.
    return_attention_mask : bool
        Default of the ``return_attention_mask`` option (the config's).
    dither : float
        Standard deviation of Gaussian noise added to every frame before the window
        (0 = none).
    seed : int
        Seed of the dither noise (melforge's; transformers draws from numpy's global
        RNG): the noise is ``np.random.RandomState(seed)``'s normals in transformers'
        drawing order, so every call gives the same features.
    convention : {"transformers", "openai"}
        ``"openai"``: openai-whisper's ``transcribe`` input (see the module docstring).
    """

    sample_rate: int = 16000
    feature_size: int = 80
    n_fft: int = 400
    hop_length: int = 160  # type: ignore[assignment]  # a field shadowing Preset's property
    chunk_length: int = 30
    padding_value: float = 0.0
    padding_side: str = "right"
    return_attention_mask: bool = False
    dither: float = 0.0
    seed: int = 0
    convention: str = "transformers"

    kind: ClassVar[str] = "hf-whisper"
    reference: ClassVar[str] = (
        "transformers 5.25.0 WhisperFeatureExtractor (numpy path, live); "
        'convention="openai": openai-whisper 20250625 (golden outputs)'
    )
    deviation: ClassVar[str] = "4.1e-5 over 6 configs x 9 options (target 1e-4)"
    layout: ClassVar[str] = FEATURES_X_FRAMES
    extractor_types: ClassVar[tuple[str, ...]] = ("WhisperFeatureExtractor",)
    main_input: ClassVar[str] = "input_features"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        for key in ("feature_size", "n_fft", "hop_length", "chunk_length"):
            _check_int(key, getattr(self, key))
        _check_int("seed", self.seed, minimum=0)
        if self.n_fft % 2:
            raise ParameterError(f"n_fft={self.n_fft!r} must be even (Whisper's framing)")
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        _check_float("dither", self.dither)
        _check_bool("return_attention_mask", self.return_attention_mask)
        if self.padding_side not in ("right", "left"):
            raise ParameterError(f"padding_side={self.padding_side!r} must be 'right' or 'left'")
        if self.convention not in _CONVENTIONS:
            raise ParameterError(f"convention={self.convention!r} must be one of {_CONVENTIONS}")
        if self.convention == "openai" and self.dither:
            raise ParameterError(
                f"dither={self.dither!r} with convention='openai': openai-whisper does not dither"
            )

    @property
    def n_samples(self) -> int:
        """Samples per model input: ``chunk_length * sample_rate``."""
        return self.chunk_length * self.sample_rate

    @property
    def n_features(self) -> int:
        """Feature dimension: ``feature_size`` mel bands."""
        return self.feature_size

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        rate = _pop_int(config, "sampling_rate", 16000)
        chunk = _pop_int(config, "chunk_length", 30)
        hop = _pop_int(config, "hop_length", 160)
        fields = {
            "sample_rate": rate,
            "feature_size": _pop_int(config, "feature_size", 80),
            "n_fft": _pop_int(config, "n_fft", 400),
            "hop_length": hop,
            "chunk_length": chunk,
            "padding_value": float(config.pop("padding_value", 0.0)),
            "padding_side": config.pop("padding_side", "right"),
            "return_attention_mask": config.pop("return_attention_mask", False),
            "dither": float(config.pop("dither", 0.0)),
        }
        # transformers derives both from chunk_length (saved values are overwritten):
        # accepted when consistent, refused otherwise so that a config never means two
        # different things.
        derived = {"n_samples": chunk * rate, "nb_max_frames": chunk * rate // hop}
        for key, value in derived.items():
            saved = config.pop(key, value)
            if saved != value:
                raise ParameterError(
                    f"config {key}={saved!r} disagrees with chunk_length={chunk} x "
                    f"sampling_rate={rate} (transformers uses {value}); fix or remove {key!r}"
                )
        if "mel_filters" in config:
            cls._check_mel_filters(config.pop("mel_filters"), fields)
        return fields

    @staticmethod
    def _check_mel_filters(saved: Any, fields: dict[str, Any]) -> None:
        """Old configs store the mel basis: accept it only if it is melforge's."""
        from melforge.filters import mel_basis_cached

        basis = mel_basis_cached(
            sr=fields["sample_rate"], n_fft=fields["n_fft"], n_mels=fields["feature_size"],
            fmin=0.0, fmax=8000.0, dtype=np.float64,
        ).T  # fmt: skip
        try:
            array = np.asarray(saved, dtype=np.float64)
        except (TypeError, ValueError):
            array = None
        if array is None or array.shape != basis.shape:
            shape = None if array is None else array.shape
            raise ParameterError(
                f"config mel_filters has shape {shape}; expected {basis.shape} "
                "(n_fft // 2 + 1, feature_size)"
            )
        worst = float(np.max(np.abs(array - basis)))
        if not worst <= _MEL_FILTERS_ATOL:
            raise ParameterError(
                f"config mel_filters differs from the Slaney mel basis (0-8000 Hz) by up to "
                f"{worst:.3g} (> {_MEL_FILTERS_ATOL:g}); melforge cannot reproduce a custom "
                "basis: remove 'mel_filters' only if the model did not use it"
            )

    def recipe(self) -> Recipe:
        """Whisper's log-mel steps for this config (see :meth:`Preset.recipe`).

        Per padded clip: reflect padding, periodic Hann, power, Slaney mel (0-8 kHz),
        last frame dropped, ``log10`` clamped 8 decades below the clip's peak, ``/ 4 + 1``.
        The batch rules stay here: padding/truncation (``chunk_length``), waveform
        normalization, the attention mask, ``convention="openai"``'s 30 s of zeros and
        its first ``n_samples // hop_length`` frames, and ``clamp="batch"``.  ``dither``
        (random noise per frame) is not part of the recipe.
        """
        return _recipe(self.feature_size, self.sample_rate, self.n_fft, self.hop_length)

    # -- computing -------------------------------------------------------------------------
    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        truncation: bool = True,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
        padding: Any = "max_length",
        max_length: Optional[int] = None,
        do_normalize: Optional[bool] = None,
        clamp: str = "clip",
    ) -> dict[str, Any]:
        if clamp not in ("clip", "batch"):
            raise ParameterError(f"clamp={clamp!r} must be 'clip' or 'batch'")
        if self.convention == "openai":
            options = (padding, max_length, truncation, pad_to_multiple_of,
                       return_attention_mask, do_normalize)  # fmt: skip
            return self._openai(clips, clamp, *options)
        # transformers asks pad() for a mask with `return_attention_mask or do_normalize`
        # (None falls back to the config) but rescales it to frames only when the call's
        # return_attention_mask is true: a sample-level mask can come back; reproduced.
        pad_mask = self._pad_mask(return_attention_mask, do_normalize)
        padded = pad_sequences(
            [np.empty((c.shape[-1], 0), dtype=np.float32) for c in clips],
            padding=padding, max_length=max_length or self.n_samples, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, return_attention_mask=pad_mask,
            padding_side=self.padding_side,
        )  # fmt: skip
        total = self._padded_total(padded.values)
        items = [self._signal(c, int(n), total, bool(do_normalize))
                 for c, n in zip(clips, padded.lengths, strict=True)]  # fmt: skip
        feats = self._features(items, total // self.hop_length, clamp)
        out: dict[str, Any] = {"input_features": feats}
        if pad_mask:
            out["attention_mask"] = self._mask(
                padded.mask, total, bool(return_attention_mask), np.ascontiguousarray
            )
        return out

    # -- the call's rules, shared by both backends -----------------------------------------
    def _pad_mask(
        self, return_attention_mask: Optional[bool], do_normalize: Optional[bool]
    ) -> bool:
        """Whether the padding's mask is kept (transformers' rule, see :meth:`_batch`)."""
        asked = return_attention_mask or do_normalize
        return self.return_attention_mask if asked is None else bool(asked)

    def _padded_total(self, values: Any) -> int:
        """Return the padded clips' length; refuse unstacked clips, or too short to reflect."""
        if isinstance(values, list):
            raise ParameterError(
                "padding='do_not_pad' on clips of different lengths: transformers' "
                "WhisperFeatureExtractor cannot stack them either; pad, or call per clip"
            )
        total = int(values.shape[1])
        if total <= self.n_fft // 2:
            raise ParameterError(
                f"the padded clips have {total} samples; the reflect padding needs more "
                f"than n_fft // 2 = {self.n_fft // 2}"
            )
        return total

    def _mask(self, mask: Any, total: int, frames: bool, contiguous: Callable[[Any], Any]) -> Any:
        """Return the sample mask, or per frame (last frame dropped) when ``frames``."""
        if not frames:
            return mask
        mask = mask[:, :: self.hop_length]
        if total % self.hop_length:
            mask = mask[:, :-1]
        return contiguous(mask)

    def _signal(
        self, clip: np.ndarray, n: int, total: int, normalize: bool
    ) -> tuple[np.ndarray, int]:
        """One clip as ``(x, total)``: ``x`` zero-extended to ``total`` is the padded signal."""
        x = clip[:n]
        if self.padding_value == 0.0 and self.padding_side == "right":
            if normalize:
                x = _normalize_into(x, np.empty_like(x))
            return x, total
        full = np.full(total, self.padding_value, dtype=np.float32)
        if self.padding_side == "right":
            full[:n] = x
        else:
            full[total - n :] = x
        if normalize:  # transformers: statistics of the first n samples, whatever the side;
            # the rest is overwritten with padding_value (the wav2vec2 quirk)
            _normalize_into(full[:n], full[:n])
            full[n:] = self.padding_value
        return full, total

    def _features(self, items: list[tuple[np.ndarray, int]], n_out: int, clamp: str) -> Any:
        return _log_mel_batch(
            items, n_out, n_mels=self.feature_size, sr=self.sample_rate, n_fft=self.n_fft,
            hop=self.hop_length, dither=self.dither, seed=self.seed,
            batch_clamp=clamp == "batch",
        )  # fmt: skip

    def _openai(self, clips: list[np.ndarray], clamp: str, *options: Any) -> dict[str, Any]:
        _check_openai_options(options)
        items = [(c, c.shape[-1] + self.n_samples) for c in clips]
        return {"input_features": self._features(items, self.n_samples // self.hop_length, clamp)}

    # -- torch ------------------------------------------------------------------------------
    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        truncation: bool = True,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
        padding: Any = "max_length",
        max_length: Optional[int] = None,
        do_normalize: Optional[bool] = None,
        clamp: str = "clip",
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors: :meth:`recipe` in torch on their device.

        Same options, rules, keys and shapes; features in the clips' dtype, masks int32
        tensors.  With ``dither`` the call runs on the host (the noise is numpy's
        ``RandomState(seed)`` draws, which torch cannot reproduce) and is copied back.
        """
        if self.dither:
            return super()._batch_tensor(
                clips, truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
                return_attention_mask=return_attention_mask, padding=padding,
                max_length=max_length, do_normalize=do_normalize, clamp=clamp,
            )  # fmt: skip
        if clamp not in ("clip", "batch"):
            raise ParameterError(f"clamp={clamp!r} must be 'clip' or 'batch'")
        if self.convention == "openai":
            _check_openai_options((padding, max_length, truncation, pad_to_multiple_of,
                                   return_attention_mask, do_normalize))  # fmt: skip
            import torch

            signals = [torch.nn.functional.pad(c, (0, self.n_samples)) for c in clips]
            feats = self._tensor_features(signals, self.n_samples // self.hop_length, clamp)
            return {"input_features": feats}
        from melforge.presets._tensor import pad_tensor_sequences

        pad_mask = self._pad_mask(return_attention_mask, do_normalize)
        padded = pad_tensor_sequences(
            clips, padding=padding, max_length=max_length or self.n_samples,
            truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
            return_attention_mask=True, padding_value=self.padding_value,
            padding_side=self.padding_side,
        )  # fmt: skip
        total = self._padded_total(padded.values)
        rows = list(padded.values)
        if do_normalize:
            rows = [self._normalize_tensor(x, int(n))
                    for x, n in zip(rows, padded.lengths, strict=True)]  # fmt: skip
        out: dict[str, Any] = {
            "input_features": self._tensor_features(rows, total // self.hop_length, clamp)
        }
        if pad_mask:
            out["attention_mask"] = self._mask(
                padded.mask, total, bool(return_attention_mask), lambda m: m.contiguous()
            )
        return out

    def _normalize_tensor(self, x: Any, n: int) -> Any:
        """Normalize a padded row as :meth:`_signal` does (transformers' rule).

        Statistics of the first ``n`` samples whatever the side; the rest is set to
        ``padding_value``.
        """
        import torch

        from melforge._torch.recipes import normalize_waveform as normalize_rows

        head = normalize_rows(x[:n].unsqueeze(0))[0]
        return torch.cat([head, torch.full_like(x[n:], self.padding_value)])

    def _tensor_features(self, signals: list[Any], n_out: int, clamp: str) -> Any:
        """Features ``(batch, feature_size, n_out)`` of padded 1-D signals, in torch.

        Signals of equal length run as one batch.  Each clip keeps its first ``n_out``
        frames, clamped 8 decades (2 after ``/ 4``) below its own peak over all its
        frames, or below the batch's peak with ``clamp="batch"``.
        """
        import torch

        from melforge.presets._tensor import by_length

        recipe = self.recipe()
        if clamp == "batch":  # the clamp moves out of the recipe, to the whole batch
            recipe = dataclasses.replace(recipe, dynamic_range=None)
        mels = by_length(signals, lambda batch: run(recipe, batch))
        out = torch.stack([mel[:n_out] for mel in mels])
        if clamp == "batch":  # the peak over every clip's frames, past n_out too
            floor = torch.stack([mel.amax() for mel in mels]).amax() - 8.0 * recipe.log_scale
            out = torch.maximum(out, floor)
        return out.transpose(-1, -2).to(signals[0].dtype).contiguous()


def _check_openai_options(options: tuple[Any, ...]) -> None:
    """``convention="openai"`` takes the call's default padding and mask options only."""
    if options != ("max_length", None, True, None, None, None):
        raise ParameterError(
            "convention='openai' takes no padding, truncation, mask or normalization "
            "options: openai-whisper appends 30 s of zeros to each clip and keeps the "
            "first 30 s of frames"
        )
