"""Presets on ``torch.Tensor`` input: checks, resampling and batching for tensors.

:meth:`Preset.__call__` and :meth:`Preset.frames` send tensors (or lists of tensors)
here.  Each preset computes a batch ``(batch, n)`` with its ``_compute_tensor``: the
families with a torch recipe run it on the tensor's device; the others (marked
``torch_native = False``) compute with numpy and copy the result back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge._validate import check_sr
from melforge.presets.base import FRAMES_X_FEATURES, RES_TYPE, SAMPLES

if TYPE_CHECKING:
    from melforge.presets.base import Preset

__all__ = [
    "run_tensor", "tensor_clips", "numpy_fallback", "to_frames", "pad_tensor_sequences",
    "by_length",
]


def _check(y: Any, name: str, *, max_ndim: int | None = None) -> Any:
    from melforge._torch.core import check_signal

    if not is_tensor(y):
        raise ParameterError(f"{name} must be a torch.Tensor like the other clips")
    check_signal(y, name=name)
    if max_ndim is not None and y.ndim > max_ndim:
        raise ParameterError(f"{name} must be a 1-D clip, got shape={tuple(y.shape)}")
    return y


def resample_tensor(preset: Preset, y: Any, sr: float) -> Any:
    """Resample a tensor to the preset's rate (soxr on the host; back to its device)."""
    if sr == preset.sample_rate:
        return y
    from melforge._torch.core import to_tensor
    from melforge.resampling import resample

    host = y.detach().cpu().numpy()
    out = resample(host, orig_sr=sr, target_sr=preset.sample_rate, res_type=RES_TYPE)
    return to_tensor(out, like=y)


def _check_rate(preset: Preset, sr: Any, resample: bool) -> float:
    sr_value = check_sr(sr)
    if sr_value != preset.sample_rate and not resample:
        raise ParameterError(
            f"sr={sr!r} differs from the {preset.name} preset's sample_rate="
            f"{preset.sample_rate} and resample=False; resample the audio to "
            f"{preset.sample_rate} Hz first, or pass resample=True"
        )
    return sr_value


def tensor_clips(preset: Preset, clips: Any, sr: Any, resample: bool) -> list[Any]:
    """Return checked, resampled 1-D tensors from a list of tensors or a 2-D tensor."""
    sr_value = _check_rate(preset, sr, resample)
    if is_tensor(clips):
        if clips.ndim != 2:
            raise ParameterError(
                f"clips must be a list of 1-D tensors or a 2-D tensor, got shape="
                f"{tuple(clips.shape)}"
            )
        clips = list(clips)
    if len(clips) == 0:
        raise ParameterError("clips is empty; pass at least one clip")
    return [
        resample_tensor(preset, _check(c, f"clips[{i}]", max_ndim=1), sr_value)
        for i, c in enumerate(clips)
    ]


def to_frames(preset: Preset, native: Any) -> Any:
    """Return a tensor in the preset's layout as ``(..., n_frames, n_features)``."""
    if preset.layout == FRAMES_X_FEATURES:
        return native
    if preset.layout == SAMPLES:
        return native.unsqueeze(-1)
    return native.transpose(-1, -2).contiguous()


def run_tensor(preset: Preset, y: Any, sr: Any, resample: bool, frames: bool) -> Any:
    """:meth:`Preset.__call__` / :meth:`Preset.frames` for a tensor or a list of tensors."""
    sr_value = _check_rate(preset, sr, resample)
    convert = (lambda a: to_frames(preset, a)) if frames else (lambda a: a)
    if isinstance(y, (list, tuple)):
        clips = [
            resample_tensor(preset, _check(c, f"y[{i}]", max_ndim=1), sr_value)
            for i, c in enumerate(y)
        ]
        return [convert(feats) for feats in by_length(clips, preset._compute_tensor)]
    _check(y, "y")
    lead = tuple(y.shape[:-1])
    flat = resample_tensor(preset, y.reshape(-1, y.shape[-1]), sr_value)
    result = preset._compute_tensor(flat)
    result = result.reshape(*lead, *result.shape[1:])
    return convert(result)


def by_length(items: list[Any], compute: Any) -> list[Any]:
    """Return ``compute``'s rows for 1-D tensors, one call per group of equal length.

    Items of the same length, device and dtype are stacked into one ``(k, n)`` batch
    for ``compute``; row ``j`` of its result belongs to the group's ``j``-th item.  The
    returned list is in the items' order.
    """
    import torch

    out: list[Any] = [None] * len(items)
    groups: dict[tuple[int, Any, Any], list[int]] = {}
    for i, x in enumerate(items):
        groups.setdefault((int(x.shape[-1]), x.device, x.dtype), []).append(i)
    for idx in groups.values():
        rows = compute(torch.stack([items[i] for i in idx]))
        for i, row in zip(idx, rows, strict=True):
            out[i] = row
    return out


def numpy_fallback(preset: Preset, y: Any) -> Any:
    """``preset._compute`` on the host copy of a tensor batch, copied back to its device."""
    from melforge._torch.core import to_tensor

    host = np.ascontiguousarray(y.detach().cpu().numpy(), dtype=np.float32)
    return to_tensor(preset._compute(host), like=y)


def pad_tensor_sequences(
    items: list[Any],
    *,
    padding: Any = True,
    max_length: Any = None,
    truncation: bool = False,
    pad_to_multiple_of: Any = None,
    return_attention_mask: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Any:
    """:func:`~melforge.presets._padding.pad_sequences` for tensors (time first), in torch.

    Same options, rules and :class:`~melforge.presets._padding.PadResult`; values and
    int32 masks are tensors on the items' device (a list when the result is ragged).
    """
    import torch

    from melforge.presets._padding import PadResult, pad_plan

    lengths, target, stacked = pad_plan(
        [int(x.shape[0]) for x in items], padding=padding, max_length=max_length,
        truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
        padding_side=padding_side,
    )  # fmt: skip
    if stacked and target is not None:  # one output tensor, filled in place
        first = items[0]
        dtype = first.dtype
        for x in items[1:]:
            dtype = torch.promote_types(dtype, x.dtype)
        out_values: Any = torch.full(
            (len(items), target, *first.shape[1:]), padding_value, dtype=dtype,
            device=first.device,
        )  # fmt: skip
        out_mask: Any = torch.zeros((len(items), target), dtype=torch.int32, device=first.device)
        for i, (x, n) in enumerate(zip(items, lengths, strict=True)):
            real = slice(target - n, target) if padding_side == "left" else slice(0, n)
            out_values[i, real] = x[:n]
            out_mask[i, real] = 1
        return PadResult(
            values=out_values, mask=out_mask if return_attention_mask else None,
            lengths=np.asarray(lengths, np.int64),
        )  # fmt: skip
    values, masks = [], []
    for x, n in zip(items, lengths, strict=True):
        x = x[:n]
        extra = 0 if target is None else max(0, target - n)
        before = extra if padding_side == "left" else 0
        if extra:
            shape = (extra, *x.shape[1:])
            fill = torch.full(shape, padding_value, dtype=x.dtype, device=x.device)
            x = torch.cat([fill, x] if before else [x, fill])
        values.append(x)
        mask = torch.zeros(n + extra, dtype=torch.int32, device=x.device)
        mask[before : before + n] = 1
        masks.append(mask)
    out_values = values
    out_mask = masks if return_attention_mask else None
    return PadResult(values=out_values, mask=out_mask, lengths=np.asarray(lengths, np.int64))
