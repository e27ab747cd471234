"""Shared pieces of the torch backend: import, input checks, constants, padding, framing."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from melforge._errors import ParameterError

__all__ = ["torch", "check_signal", "constant", "pad", "frames", "to_tensor", "real_dtype"]


def _import_torch() -> Any:
    try:
        import torch as _torch
    except ImportError as e:  # pragma: no cover - a tensor cannot exist without torch
        raise ImportError(
            "melforge's tensor support needs PyTorch: pip install 'melforge[torch]'"
        ) from e
    return _torch


torch = _import_torch()

_FLOATS = (torch.float32, torch.float64)


def real_dtype(x: Any) -> Any:
    """Return the real dtype matching ``x`` (float32 for complex64, float64 for complex128)."""
    if x.dtype == torch.complex128:
        return torch.float64
    if x.dtype == torch.complex64:
        return torch.float32
    return x.dtype


def check_signal(y: Any, *, name: str = "y", finite: bool = True, min_ndim: int = 1) -> Any:
    """Check a float32/float64 tensor with time on the last axis; return it.

    Raises :class:`~melforge.ParameterError` naming ``name`` for other dtypes, empty
    input, fewer than ``min_ndim`` axes, or NaN/Inf (when ``finite``).
    """
    if y.dtype not in _FLOATS:
        raise ParameterError(
            f"{name} must be a float32 or float64 tensor, got dtype={y.dtype}; convert it "
            f"first (e.g. {name}.float())"
        )
    if y.ndim < min_ndim:
        raise ParameterError(f"{name} must have at least {min_ndim} dimension(s), got {y.ndim}")
    if y.numel() == 0 or y.shape[-1] == 0:
        raise ParameterError(f"{name} is empty (shape={tuple(y.shape)}); need at least one sample")
    # one sum (NaN and Inf propagate); only a non-finite sum (or an overflow) rescans
    if finite and not bool(torch.isfinite(y.sum())) and not bool(torch.isfinite(y).all()):
        raise ParameterError(f"{name} contains NaN or Inf; audio must be finite")
    return y


_CACHE: dict[tuple[int, str, Any], tuple[np.ndarray, Any]] = {}
_LOCK = threading.Lock()


def constant(array: np.ndarray, *, device: Any, dtype: Any) -> Any:
    """Return a cached read-only numpy ``array`` as a tensor on ``device`` in ``dtype``.

    Windows and filter banks come from melforge's numpy caches (read-only arrays that
    live as long as the cache); each is copied to a device once.  Writable arrays are
    converted on every call (they may change).
    """
    if array.flags.writeable:
        return torch.as_tensor(np.array(array), device=device, dtype=dtype)
    key = (id(array), str(device), dtype)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is array:
        return hit[1]
    value = torch.as_tensor(np.array(array), device=device, dtype=dtype)
    with _LOCK:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = (array, value)
    return value


def to_tensor(array: Any, *, like: Any) -> Any:
    """Return a numpy result as a tensor on ``like``'s device, in ``like``'s (real) dtype."""
    value = torch.as_tensor(np.ascontiguousarray(array))
    dtype = like.dtype if like.dtype in _FLOATS else torch.float32
    if value.is_complex():
        dtype = torch.complex128 if dtype == torch.float64 else torch.complex64
    elif not value.is_floating_point():
        dtype = value.dtype
    return value.to(device=like.device, dtype=dtype)


def _pad_index(n: int, left: int, right: int, mode: str, device: Any) -> Any:
    """Return indices into a length-``n`` signal that give ``np.pad(mode)`` by ``(left, right)``."""
    idx = torch.arange(-left, n + right, device=device)
    if mode == "reflect":
        if n == 1:
            return torch.zeros_like(idx)
        period = 2 * (n - 1)
        idx = idx.remainder(period)
        return torch.where(idx >= n, period - idx, idx)
    if mode == "symmetric":
        idx = idx.remainder(2 * n)
        return torch.where(idx >= n, 2 * n - 1 - idx, idx)
    if mode == "edge":
        return idx.clamp(0, n - 1)
    if mode == "wrap":
        return idx.remainder(n)
    raise ParameterError(
        f"pad_mode={mode!r} is not supported for tensors; use 'constant', 'reflect', "
        "'symmetric', 'edge' or 'wrap'"
    )


def pad(x: Any, left: int, right: int, mode: str = "constant") -> Any:
    """``np.pad`` of the last axis of ``x`` by ``(left, right)`` samples, in torch."""
    if left == 0 and right == 0:
        return x
    if mode == "constant":
        return torch.nn.functional.pad(x, (left, right))
    n = x.shape[-1]
    idx = _pad_index(n, left, right, mode, x.device)
    # gather only the padded edges; the body is one contiguous copy
    return torch.cat([x[..., idx[:left]], x, x[..., idx[left + n :]]], dim=-1)


def frames(x: Any, length: int, hop: int) -> Any:
    """Frames of ``length`` samples every ``hop`` on the last axis: ``(..., t, length)`` view."""
    return x.unfold(-1, length, hop)
