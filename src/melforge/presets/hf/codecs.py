"""Raw-waveform codec inputs: transformers' EnCodec, DAC and Dia feature extractors.

These extractors compute no features: they pad the waveform and say which samples are
real.  ``EncodecFeatureExtractor`` serves EnCodec (24 kHz mono, 48 kHz **stereo** with
1 s chunks and 1 % overlap), MusicGen and Mimi; ``DacFeatureExtractor`` serves DAC and
X-codec; ``DiaFeatureExtractor`` serves Dia.  The output per clip is ``(channels,
n_samples)`` (``input_values``), with ``padding_mask`` ``(batch, n_samples)`` when
padded.

- EnCodec: padding (default ``True``) to the longest clip, or, with ``chunk_length_s``
  and ``overlap``, to the chunk grid ``(k - 1) * stride + chunk`` that covers the
  longest clip (``truncation=True``: the grid's shortest length that fits in the
  shortest clip).  Stereo clips are passed channels first, ``(2, n)``, and kept stereo.
- DAC: padding (default ``True``) to a multiple of ``hop_length``.
- Dia: as DAC, with ``padding_mask`` always returned; ``feature_size=2`` mixes stereo
  clips down to mono (transformers' mean over the channels).

``torch.Tensor`` clips (``(n,)``, or ``(2, n)`` for the stereo families) are padded in
torch on their device (``torch_native``): same keys, shapes and mask dtype, values in
the clips' dtype.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import any_tensor, is_tensor
from melforge._validate import check_audio_array, check_sr
from melforge.presets._padding import pad_sequences
from melforge.presets.base import FEATURES_X_FRAMES, Batch, _check_float, _check_int
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["EncodecFamily", "DacFamily", "DiaFamily"]


def _pop_int(config: dict[str, Any], key: str, default: int) -> int:
    value = config.pop(key, default)
    _check_int(f"config {key}", value)
    return int(value)


@dataclasses.dataclass(frozen=True)
class _CodecFamily(PretrainedPreset):
    """Shared parts: fields, stereo input, padding and the output layout.

    ``preset(y, sr)`` returns one clip's ``(channels, n_samples)`` input values: mono
    ``y`` is ``(n,)``; with ``feature_size=2`` a clip is ``(2, n)`` (channels first)
    and a list of such clips (or a ``(batch, 2, n)`` array) is a batch.
    """

    sample_rate: int = 24000
    feature_size: int = 1
    padding_value: float = 0.0
    padding_side: str = "right"

    layout: ClassVar[str] = FEATURES_X_FRAMES
    main_input: ClassVar[str] = "input_values"
    torch_native: ClassVar[bool] = True
    #: whether a feature_size=2 family also takes mono (1-D) clips
    _mono_ok: ClassVar[bool] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.feature_size not in (1, 2):
            raise ParameterError(
                f"feature_size={self.feature_size!r} must be 1 (mono) or 2 (stereo)"
            )
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        if self.padding_side not in ("right", "left"):
            raise ParameterError(f"padding_side={self.padding_side!r} must be 'right' or 'left'")

    @classmethod
    def _common_fields(cls, config: dict[str, Any], rate: int) -> dict[str, Any]:
        # The call passes return_attention_mask itself (from `padding`): the config's
        # value never reaches the output.
        config.pop("return_attention_mask", None)
        return {
            "sample_rate": _pop_int(config, "sampling_rate", rate),
            "feature_size": _pop_int(config, "feature_size", 1),
            "padding_value": float(config.pop("padding_value", 0.0)),
            "padding_side": config.pop("padding_side", "right"),
        }

    @property
    def n_features(self) -> int:
        """Channels of ``input_values`` per clip (1 mono, 2 stereo)."""
        return self.feature_size

    @property
    def hop_length(self) -> int:
        """Samples between frames: 1 (the waveform)."""
        return 1

    # -- input ----------------------------------------------------------------------------
    def _prepare(self, y: Any, sr: Any, resample: bool) -> tuple[Batch, bool]:
        if self.feature_size == 1:
            return super()._prepare(y, sr, resample)
        sr_value = check_sr(sr)
        if sr_value != self.sample_rate and not resample:
            raise ParameterError(
                f"sr={sr!r} differs from the {self.name} preset's sample_rate="
                f"{self.sample_rate} and resample=False; resample the audio first"
            )
        if not isinstance(y, (list, tuple)) or len(y) == 0:
            raise ParameterError("clips must be a non-empty list of (2, n_samples) arrays")
        clips = []
        for i, clip in enumerate(y):
            a = self._check_channels(check_audio_array(clip, name=f"y[{i}]"), f"y[{i}]")
            clips.append(self._resample(np.asarray(a, dtype=np.float32), sr_value))
        return clips, True

    def _check_channels(self, a: Any, name: str) -> Any:
        """Return ``a`` (array or tensor) if it is a stereo ``(2, n)`` clip (or mono, if taken)."""
        stereo = a.ndim == 2 and a.shape[0] == 2
        if not (stereo or (a.ndim == 1 and self._mono_ok)) or a.shape[-1] == 0:
            raise ParameterError(
                f"{name} has shape={tuple(a.shape)}; the {self.name} preset (feature_size=2) "
                "takes stereo clips shaped (2, n_samples), channels first"
            )
        return a

    def _tensor_clips(self, clips: Any, sr: Any, resample: bool) -> list[Any]:
        """Return checked, resampled tensor clips: 1-D, or ``(2, n)`` if ``feature_size=2``."""
        if self.feature_size == 1:
            return super()._tensor_clips(clips, sr, resample)
        from melforge.presets._tensor import _check, _check_rate, resample_tensor

        sr_value = _check_rate(self, sr, resample)
        if is_tensor(clips):
            if clips.ndim != 3:
                raise ParameterError(
                    "clips must be a list of (2, n_samples) tensors or a (batch, 2, "
                    f"n_samples) tensor, got shape={tuple(clips.shape)}"
                )
            clips = list(clips)
        if not isinstance(clips, (list, tuple)) or len(clips) == 0:
            raise ParameterError("clips must be a non-empty list of (2, n_samples) tensors")
        return [
            resample_tensor(self, self._check_channels(_check(c, name, max_ndim=2), name), sr_value)
            for i, c in enumerate(clips)
            for name in [f"clips[{i}]"]
        ]

    def _run(self, y: Any, sr: Any, resample: bool, frames: bool) -> Any:
        if self.feature_size == 1:
            return super()._run(y, sr, resample, frames)
        many = isinstance(y, (list, tuple)) or np.ndim(y) == 3
        if is_tensor(y) or any_tensor(y):
            return self._run_stereo_tensor(y, sr, resample, frames, many)
        data, _ = self._prepare(list(y) if many else [y], sr, resample)
        outs = [self._batch([clip])["input_values"][0] for clip in data]
        if frames:
            outs = [self._to_frames(o) for o in outs]
        if isinstance(y, (list, tuple)):
            return outs
        return np.stack(outs) if many else outs[0]

    def _run_stereo_tensor(self, y: Any, sr: Any, resample: bool, frames: bool, many: bool) -> Any:
        """:meth:`_run` of ``feature_size=2`` on tensors: one clip at a time, in torch."""
        import torch

        data = self._tensor_clips(list(y) if many else [y], sr, resample)
        outs = [self._batch_tensor([clip])["input_values"][0] for clip in data]
        if frames:  # (channels, n) -> (n, channels)
            outs = [o.transpose(-1, -2).contiguous() for o in outs]
        if isinstance(y, (list, tuple)):
            return outs
        return torch.stack(outs) if many else outs[0]

    def batch(self, clips: Any, sr: float, *, resample: bool = True, **options: Any) -> Any:
        """Pad a batch exactly as the transformers extractor's ``__call__`` does.

        Parameters
        ----------
        clips : list of np.ndarray [shape=(n_i,) or (2, n_i)]
            Mono clips, or stereo clips channels first when ``feature_size=2``.
        sr : float
            Their sample rate in Hz (resampled with soxr when it differs).
        resample : bool
            If False, a different ``sr`` raises :class:`~melforge.ParameterError`.
        **options
            ``padding``, ``truncation``, ``max_length`` (transformers' defaults).

        Returns
        -------
        dict
            ``input_values`` ``(batch, channels, n)`` (a list when unpadded and ragged)
            and ``padding_mask`` ``(batch, n)`` int32 when padded.
        """
        if self.feature_size == 2 and isinstance(clips, np.ndarray) and clips.ndim == 3:
            clips = list(clips)
        return super().batch(clips, sr, resample=resample, **options)

    # -- the call: each family's padding options, one body per backend ---------------------
    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = None,
        truncation: Optional[bool] = False,
        max_length: Optional[int] = None,
    ) -> dict[str, Any]:
        options = self._pad_options(clips, padding, truncation, max_length)
        return self._pad(self._mix_down(clips), **options)

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = None,
        truncation: Optional[bool] = False,
        max_length: Optional[int] = None,
    ) -> dict[str, Any]:
        """:meth:`_batch` on tensor clips, in torch on their device (same rules)."""
        options = self._pad_options(clips, padding, truncation, max_length)
        return self._pad_tensor(self._mix_down_tensor(clips), **options)

    def _pad_options(
        self, clips: list[Any], padding: Any, truncation: Optional[bool],
        max_length: Optional[int],
    ) -> dict[str, Any]:  # fmt: skip
        """Return :meth:`_pad`'s keywords for the call's options (checked; per family)."""
        raise NotImplementedError

    def _mix_down(self, clips: list[np.ndarray]) -> list[np.ndarray]:
        """Return the clips as :meth:`_pad` takes them (as they are unless overridden)."""
        return clips

    def _mix_down_tensor(self, clips: list[Any]) -> list[Any]:
        """:meth:`_mix_down` for tensor clips."""
        return clips

    # -- output ---------------------------------------------------------------------------
    def _pad(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any,
        max_length: Optional[int],
        truncation: bool,
        mask: bool,
        multiple: Optional[int] = None,
    ) -> dict[str, Any]:
        """Pad as transformers' ``pad()`` (time first), then lay out ``(channels, n)`` per clip.

        The padding plan (lengths, target, mask) comes from :func:`pad_sequences` on
        empty ``(n, 0)`` stand-ins; a stacked result is then written channels first
        straight into the output (one copy of the audio).
        """
        options = {
            "padding": padding,
            "max_length": max_length,
            "truncation": truncation,
            "pad_to_multiple_of": multiple,
            "return_attention_mask": mask,
            "padding_value": self.padding_value,
            "padding_side": self.padding_side,
        }
        plan = pad_sequences([np.empty((c.shape[-1], 0), np.float32) for c in clips], **options)
        out: dict[str, Any] = {}
        if mask:
            out["padding_mask"] = plan.mask
        if not isinstance(plan.values, np.ndarray):  # ragged: one array per clip
            padded = pad_sequences([c.T for c in clips], **options)
            out["input_values"] = [np.ascontiguousarray(np.atleast_2d(v.T)) for v in padded.values]
            return out
        target = plan.values.shape[1]
        values = np.empty((len(clips), self.n_features, target), dtype=np.float32)
        for row, clip, n in zip(values, clips, plan.lengths, strict=True):
            n = int(n)
            left = self.padding_side == "left"
            real = slice(target - n, target) if left else slice(0, n)
            row[:, real] = clip[..., :n]
            row[:, slice(0, target - n) if left else slice(n, target)] = self.padding_value
        out["input_values"] = values
        return out

    def _pad_tensor(
        self,
        clips: list[Any],
        *,
        padding: Any,
        max_length: Optional[int],
        truncation: bool,
        mask: bool,
        multiple: Optional[int] = None,
    ) -> dict[str, Any]:
        """:meth:`_pad` for tensor clips ``(n,)`` or ``(2, n)``, in torch on their device."""
        from melforge.presets._tensor import pad_tensor_sequences

        padded = pad_tensor_sequences(
            [c.transpose(0, 1) if c.ndim == 2 else c for c in clips], padding=padding,
            max_length=max_length, truncation=truncation, pad_to_multiple_of=multiple,
            return_attention_mask=mask, padding_value=self.padding_value,
            padding_side=self.padding_side,
        )  # fmt: skip
        out: dict[str, Any] = {}
        if mask:
            out["padding_mask"] = padded.mask
        values = padded.values
        if isinstance(values, list):  # ragged: (channels, n_i) per clip
            out["input_values"] = [
                v.transpose(0, 1).contiguous() if v.ndim == 2 else v.unsqueeze(0) for v in values
            ]
        elif values.ndim == 3:  # (batch, n, 2) -> (batch, 2, n)
            out["input_values"] = values.transpose(1, 2).contiguous()
        else:
            out["input_values"] = values.unsqueeze(1)
        return out

    @staticmethod
    def _check_padding_truncation(padding: Any, truncation: Any) -> Any:
        if padding and truncation:
            raise ParameterError(
                "padding and truncation were both set; transformers refuses this too: choose one"
            )
        return True if padding is None else padding


@dataclasses.dataclass(frozen=True)
class EncodecFamily(_CodecFamily):
    """transformers' ``EncodecFeatureExtractor`` (EnCodec, MusicGen, Mimi).

    Attributes
    ----------
    feature_size : int
        1 (mono; EnCodec 24 kHz, MusicGen, Mimi) or 2 (stereo; EnCodec 48 kHz).
    chunk_length_s : float or None
        Chunk length in seconds (EnCodec 48 kHz: 1.0); with ``overlap``, padding goes
        to the chunk grid.
    overlap : float or None
        Fraction of a chunk shared by consecutive chunks (EnCodec 48 kHz: 0.01).
    """

    chunk_length_s: Optional[float] = None
    overlap: Optional[float] = None

    kind: ClassVar[str] = "hf-encodec"
    reference: ClassVar[str] = "transformers 5.25.0 EncodecFeatureExtractor (live)"
    deviation: ClassVar[str] = "0 (samples copied; target 1e-5)"
    extractor_types: ClassVar[tuple[str, ...]] = ("EncodecFeatureExtractor",)

    def __post_init__(self) -> None:
        super().__post_init__()
        for key in ("chunk_length_s", "overlap"):
            value = getattr(self, key)
            if value is not None:
                _check_float(key, value, strict=True)

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        fields = cls._common_fields(config, 24000)
        for key in ("chunk_length_s", "overlap"):
            value = config.pop(key, None)
            fields[key] = None if value is None else float(value)
        return fields

    @property
    def chunk_length(self) -> Optional[int]:
        """Samples per chunk (``int(chunk_length_s * sample_rate)``), or None."""
        if self.chunk_length_s is None:
            return None
        return int(self.chunk_length_s * self.sample_rate)

    @property
    def chunk_stride(self) -> Optional[int]:
        """Samples between chunk starts (``max(1, int((1 - overlap) * chunk))``), or None."""
        if self.chunk_length is None or self.overlap is None:
            return None
        return max(1, int((1.0 - self.overlap) * self.chunk_length))

    def _plan(
        self, lengths: list[int], padding: Any, truncation: Any, max_length: Optional[int]
    ) -> tuple[Any, Optional[int]]:
        """Return the ``padding`` and ``max_length`` to pad with, the chunk grid applied.

        With ``chunk_length_s`` and ``overlap`` (and no ``max_length``), padding goes to
        the grid's length that covers the longest clip (truncation: that fits in the
        shortest); unpadded calls are left ragged.
        """
        padding = self._check_padding_truncation(padding, truncation)
        stride, chunk = self.chunk_stride, self.chunk_length
        if stride is None or chunk is None or max_length is not None:
            return padding, max_length
        if truncation:
            steps = math.floor(min(lengths) / stride)
        elif padding:
            steps = math.ceil(max(lengths) / stride)
            padding = "max_length"
        else:
            return False, None
        max_length = (steps - 1) * stride + chunk
        if max_length < 1:
            raise ParameterError(
                f"truncation to the chunk grid leaves {max_length} samples: the "
                f"shortest clip ({min(lengths)} samples) is shorter than a chunk stride "
                f"({stride})"
            )
        return padding, max_length

    def _pad_options(
        self, clips: list[Any], padding: Any, truncation: Optional[bool],
        max_length: Optional[int],
    ) -> dict[str, Any]:  # fmt: skip
        padding, max_length = self._plan([int(c.shape[-1]) for c in clips], padding,
                                         truncation, max_length)  # fmt: skip
        return {"padding": padding, "max_length": max_length,
                "truncation": bool(truncation), "mask": bool(padding)}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class DacFamily(_CodecFamily):
    """transformers' ``DacFeatureExtractor`` (DAC, X-codec): padded to a hop multiple.

    Attributes
    ----------
    codec_hop_length : int
        The config's ``hop_length``: padding rounds up to a multiple of it.
    """

    sample_rate: int = 16000
    codec_hop_length: int = 512

    kind: ClassVar[str] = "hf-dac"
    reference: ClassVar[str] = "transformers 5.25.0 DacFeatureExtractor (live)"
    deviation: ClassVar[str] = "0 (samples copied; target 1e-5)"
    extractor_types: ClassVar[tuple[str, ...]] = ("DacFeatureExtractor",)
    #: Dia returns the mask whatever the padding
    _always_mask: ClassVar[bool] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("codec_hop_length", self.codec_hop_length)
        if self.feature_size == 2 and not self._mono_ok:
            raise ParameterError(
                "feature_size=2: transformers' DacFeatureExtractor refuses stereo audio"
            )

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        fields = cls._common_fields(config, 16000)
        fields["codec_hop_length"] = _pop_int(config, "hop_length", 512)
        return fields

    @property
    def n_features(self) -> int:
        """Channels of ``input_values`` per clip: 1 (Dia mixes stereo down)."""
        return 1

    def _pad_options(
        self, clips: list[Any], padding: Any, truncation: Optional[bool],
        max_length: Optional[int],
    ) -> dict[str, Any]:  # fmt: skip
        padding = self._check_padding_truncation(padding, truncation)
        return {"padding": padding, "max_length": max_length, "truncation": bool(truncation),
                "mask": self._always_mask or bool(padding),
                "multiple": self.codec_hop_length}  # fmt: skip

    def _mix_down(self, clips: list[Any]) -> list[Any]:
        # Dia mixes stereo clips down to mono (float32 mean of the channels)
        return [c.mean(axis=0, dtype=np.float32) if c.ndim == 2 else c for c in clips]

    def _mix_down_tensor(self, clips: list[Any]) -> list[Any]:
        return [c.mean(dim=0) if c.ndim == 2 else c for c in clips]


@dataclasses.dataclass(frozen=True)
class DiaFamily(DacFamily):
    """transformers' ``DiaFeatureExtractor``: DAC's padding, mask always, stereo mixed down."""

    kind: ClassVar[str] = "hf-dia"
    reference: ClassVar[str] = "transformers 5.25.0 DiaFeatureExtractor (live)"
    deviation: ClassVar[str] = "0 mono, 3e-8 stereo mixed down (target 1e-5)"
    extractor_types: ClassVar[tuple[str, ...]] = ("DiaFeatureExtractor",)
    _mono_ok: ClassVar[bool] = True
    _always_mask: ClassVar[bool] = True
