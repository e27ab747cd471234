"""wav2vec2-family input: the padded, normalized 16 kHz waveform.

Reproduces transformers' ``Wav2Vec2FeatureExtractor``, used as is by wav2vec2, HuBERT,
WavLM, data2vec-audio, MMS and Moonshine: pad (transformers' ``pad()`` rules), then
``(x - mean) / sqrt(var + 1e-7)`` per clip.  The statistics are taken over each clip's
real samples when an attention mask is returned; with padding and
``return_attention_mask=False`` transformers normalizes the padded vector, padding
included — a documented quirk reproduced here.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature._kernel import _thread_cached
from melforge.feature.wav2vec2 import _VAR_EPS
from melforge.presets._padding import pad_plan, pad_sequences, padding_strategy
from melforge.presets.base import SAMPLES, _check_bool, _check_float, _check_int
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["Wav2Vec2Family"]


def _config_bool(config: dict[str, Any], key: str, default: bool) -> bool:
    value = config.pop(key, default)
    if not isinstance(value, bool):
        raise ParameterError(f"config {key}={value!r} must be true or false")
    return value


@dataclasses.dataclass(frozen=True)
class Wav2Vec2Family(PretrainedPreset):
    """transformers' ``Wav2Vec2FeatureExtractor``: the waveform, padded and normalized.

    ``preset(y, sr)`` returns the clip's ``(n_samples,)`` input values;
    ``preset.batch(clips, sr, padding=True, return_attention_mask=True)`` returns
    ``{"input_values": (batch, n_max), "attention_mask": (batch, n_max)}``.

    Attributes
    ----------
    do_normalize : bool
        Zero mean, unit variance per clip (the config's ``do_normalize``).
    return_attention_mask : bool
        Default of the ``return_attention_mask`` option (the config's).
    padding_value : float
        Value of padded samples.
    padding_side : {"right", "left"}
        Where padding goes.
    """

    sample_rate: int = 16000
    do_normalize: bool = True
    return_attention_mask: bool = False
    padding_value: float = 0.0
    padding_side: str = "right"

    kind: ClassVar[str] = "hf-wav2vec2"
    layout: ClassVar[str] = SAMPLES
    extractor_types: ClassVar[tuple[str, ...]] = ("Wav2Vec2FeatureExtractor",)
    main_input: ClassVar[str] = "input_values"
    reference: ClassVar[str] = "transformers 5.25.0 Wav2Vec2FeatureExtractor (live)"
    deviation: ClassVar[str] = "0: bit-identical with numpy >= 2 (target 1e-5)"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bool("do_normalize", self.do_normalize)
        _check_bool("return_attention_mask", self.return_attention_mask)
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        if self.padding_side not in ("right", "left"):
            raise ParameterError(f"padding_side={self.padding_side!r} must be 'right' or 'left'")

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        feature_size = config.pop("feature_size", 1)
        if feature_size != 1:
            raise ParameterError(
                f"config feature_size={feature_size!r}: the wav2vec2 family takes the raw "
                "waveform (feature_size 1)"
            )
        rate = config.pop("sampling_rate", 16000)
        _check_int("sampling_rate", rate)
        return {
            "sample_rate": int(rate),
            "do_normalize": _config_bool(config, "do_normalize", True),
            "return_attention_mask": _config_bool(config, "return_attention_mask", False),
            "padding_value": float(config.pop("padding_value", 0.0)),
            "padding_side": config.pop("padding_side", "right"),
        }

    @property
    def n_features(self) -> int:
        """Feature dimension: 1 (one sample per frame)."""
        return 1

    @property
    def hop_length(self) -> int:
        """Samples between frames: 1."""
        return 1

    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = False,
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
    ) -> dict[str, Any]:
        want_mask = self.return_attention_mask
        if return_attention_mask is not None:
            want_mask = bool(return_attention_mask)
        options = dict(
            padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, padding_side=self.padding_side,
        )  # fmt: skip
        pads = padding_strategy(padding, max_length) != "do_not_pad"
        lengths, target, stacked = pad_plan([int(c.shape[0]) for c in clips], **options)
        # The common case, in one pass per clip: statistics from the clip itself, the
        # normalized values written straight into the padded output.  Left padding, and
        # padding without a mask, take statistics over padding too (below).
        if stacked and (
            not self.do_normalize or self.padding_side == "right" and (want_mask or not pads)
        ):
            values, mask = _pad_normalized(
                clips, lengths, int(target),  # type: ignore[arg-type]
                left=self.padding_side == "left", padding_value=self.padding_value,
                normalize=self.do_normalize, want_mask=want_mask,
            )  # fmt: skip
            out: dict[str, Any] = {"input_values": values}
            if want_mask:
                out["attention_mask"] = mask
            return out
        padded = pad_sequences(
            clips, return_attention_mask=want_mask, padding_value=self.padding_value, **options
        )
        values = padded.values
        if self.do_normalize:
            rows = list(values) if isinstance(values, np.ndarray) else values
            for x, n in zip(rows, padded.lengths, strict=True):
                _normalize_in_place(x, int(n) if pads and want_mask else None, self.padding_value)
        out = {"input_values": values}
        if want_mask:
            out["attention_mask"] = padded.mask
        return out

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = False,
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors, in torch on their device (same rules)."""
        import torch

        want_mask = self.return_attention_mask
        if return_attention_mask is not None:
            want_mask = bool(return_attention_mask)
        lengths, target, stacked = pad_plan(
            [int(c.shape[-1]) for c in clips], padding=padding, max_length=max_length,
            truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
            padding_side=self.padding_side,
        )  # fmt: skip
        pads = padding_strategy(padding, max_length) != "do_not_pad"
        values, masks = [], []
        for clip, n in zip(clips, lengths, strict=True):
            x = clip[:n]
            extra = 0 if target is None else max(0, target - n)
            side = (extra, 0) if self.padding_side == "left" else (0, extra)
            x = torch.nn.functional.pad(x, side, value=self.padding_value)
            mask = torch.nn.functional.pad(
                torch.ones(n, dtype=torch.int32, device=x.device), side
            )
            if self.do_normalize:
                x = _normalize_tensor(x, n if pads and want_mask else None, self.padding_value)
            values.append(x)
            masks.append(mask)
        out: dict[str, Any] = {"input_values": torch.stack(values) if stacked else values}
        if want_mask:
            out["attention_mask"] = torch.stack(masks) if stacked else masks
        return out


def _normalize_tensor(x: Any, length: Optional[int], padding_value: float) -> Any:
    """:func:`_normalize_in_place` for a 1-D tensor (statistics in float64), a new tensor."""
    import torch

    from melforge._torch.recipes import normalize_waveform

    n = x.shape[0] if length is None else length
    head = normalize_waveform(x[:n].unsqueeze(0), eps=_VAR_EPS)[0]
    if n == x.shape[0]:
        return head
    return torch.cat([head, torch.full_like(x[n:], padding_value)])


def _pad_normalized(
    clips: list[np.ndarray],
    lengths: list[int],
    target: int,
    *,
    left: bool,
    padding_value: float,
    normalize: bool,
    want_mask: bool,
) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Pad (and normalize) float32 clips into one new ``(batch, target)`` array.

    Each clip's first ``lengths[i]`` samples are read twice, for the statistics and for
    the values written into the output (see :func:`_normalize_into`); padding is
    written only when ``padding_value`` is not +0.0 (``np.zeros`` pages that are never
    written cost nothing here).  Returns the values and the int32 attention mask (1 on
    real samples), or None for the mask when not ``want_mask``.
    """
    zero = padding_value == 0.0 and not np.signbit(padding_value)
    values = (np.zeros if zero else np.empty)((len(clips), target), dtype=np.float32)
    mask = np.zeros((len(clips), target), dtype=np.int32) if want_mask else None
    for i, (clip, n) in enumerate(zip(clips, lengths, strict=True)):
        start = target - n if left else 0
        row = values[i, start : start + n]
        if normalize:
            _normalize_into(clip[:n], row)
        else:
            row[...] = clip[:n]
        if not zero:
            values[i, :start] = padding_value
            values[i, start + n :] = padding_value
        if mask is not None:
            mask[i, start : start + n] = 1
    return values, mask


def _normalize_into(seg: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Write transformers' ``(seg - mean) / sqrt(var + 1e-7)`` of ``seg`` into ``out``.

    ``out`` (same shape, float32) may be ``seg`` itself.  Bit-identical to transformers:
    the statistics are numpy's float32 ``mean`` and ``var`` computed step by step as
    numpy computes them (pairwise float32 sums of the whole clip), with the deviations
    ``seg - mean`` that ``var`` needs written straight into ``out`` (they are also the
    numerator of the result), so five passes over the clip instead of seven and no
    temporary the size of the clip (its squares go to per-thread scratch).  Returns ``out``.
    """
    n = seg.shape[0]
    mean = np.add.reduce(seg[None, :], axis=1)  # numpy's var: sum, then divide in place
    np.true_divide(mean, n, out=mean, casting="unsafe")
    np.subtract(seg, mean, out=out)
    squares = _thread_cached(
        "wav2vec2-squares", "scratch", lambda: np.empty(n, np.float32), lambda b: b.size >= n
    )[:n]
    np.multiply(out, out, out=squares)
    var = np.add.reduce(squares) / n
    np.divide(out, np.sqrt(var + _VAR_EPS), out=out)
    return out


def _normalize_in_place(x: np.ndarray, length: Optional[int], padding_value: float) -> None:
    """Apply transformers' ``zero_mean_unit_var_norm`` to one float32 row, in place.

    Statistics over the first ``length`` samples (all when None); transformers takes the
    *first* ``length`` samples and overwrites the rest with ``padding_value`` whatever
    the padding side, so with ``padding_side="left"`` the statistics include padding and
    the clip's end is overwritten: reproduced.
    """
    n = x.shape[0] if length is None else length
    _normalize_into(x[:n], x[:n])
    if n < x.shape[0]:
        x[n:] = padding_value
