"""Tensor versions of ``stft``, ``istft``, the dB conversions, mel and MFCC products.

Called by the public functions (which validate the options) when the data is a
``torch.Tensor``.  Each follows the numpy function's arithmetic: float32 input is
windowed and transformed in float32 (complex64 out), float64 in float64.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._torch.core import check_signal, constant, frames, pad, real_dtype, torch
from melforge.spectral.windows import padded_window

__all__ = [
    "stft",
    "istft",
    "power_to_db",
    "amplitude_to_db",
    "db_to_power",
    "db_to_amplitude",
    "mel_from_signal",
    "matmul_basis",
    "dct",
]


def _window(window: Any, win_length: int, n_fft: int, like: Any) -> Any:
    dt = real_dtype(like)
    w = padded_window(window, win_length, n_fft, np.float64 if dt == torch.float64 else np.float32)
    return constant(w, device=like.device, dtype=dt)


def _check_pad_mode(pad_mode: Any) -> str:
    if not isinstance(pad_mode, str):
        raise ParameterError(
            f"pad_mode={pad_mode!r}: a callable pad_mode works on numpy arrays only; pass "
            "'constant', 'reflect', 'symmetric', 'edge' or 'wrap' with a tensor"
        )
    return pad_mode


def stft(
    y: Any,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int,
    window: Any,
    center: bool,
    pad_mode: Any,
    dtype: Any = None,
) -> Any:
    """STFT of a float tensor ``(..., n)`` → complex ``(..., 1 + n_fft // 2, n_frames)``."""
    check_signal(y)
    if center:
        y = pad(y, n_fft // 2, n_fft // 2, _check_pad_mode(pad_mode))
    win = _window(window, win_length, n_fft, y)
    spec = torch.fft.rfft(frames(y, n_fft, hop_length) * win, dim=-1)
    if dtype is not None:
        spec = spec.to(_complex_dtype(dtype))
    return spec.transpose(-1, -2)


def _complex_dtype(dtype: Any) -> Any:
    if isinstance(dtype, torch.dtype):
        if not dtype.is_complex:
            raise ParameterError(f"dtype={dtype} must be a complex dtype (e.g. torch.complex64)")
        return dtype
    np_dtype = np.dtype(dtype)
    if np_dtype.kind != "c":
        raise ParameterError(f"dtype={np_dtype} must be a complex dtype (e.g. np.complex64)")
    return torch.complex128 if np_dtype.itemsize >= 16 else torch.complex64


def istft(
    d: Any,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int,
    window: Any,
    center: bool,
    length: Optional[int],
) -> Any:
    """Inverse STFT of a complex tensor ``(..., n_freq, t)`` by weighted overlap-add."""
    if not d.is_complex():
        d = d.to(torch.complex128 if d.dtype == torch.float64 else torch.complex64)
    count = d.shape[-1]
    if length:
        padded = length + 2 * (n_fft // 2) if center else length
        count = min(count, -(-padded // hop_length))
    expected = (
        length if length else n_fft + hop_length * (count - 1) - (2 * (n_fft // 2) if center else 0)
    )
    expected = max(expected, 0)
    win = _window(window, win_length, n_fft, d)
    lead = d.shape[:-2]
    spec = d[..., :count].transpose(-1, -2).reshape(-1, count, d.shape[-2])
    fr = torch.fft.irfft(spec, n=n_fft, dim=-1) * win  # (b, count, n_fft)
    start = n_fft // 2 if center else 0
    total = max(start + expected, (count - 1) * hop_length + n_fft)
    fold = torch.nn.functional.fold
    full = fold(fr.transpose(1, 2), output_size=(1, total), kernel_size=(1, n_fft),
                stride=(1, hop_length)).reshape(fr.shape[0], total)  # fmt: skip
    wss = (win * win).expand(1, count, n_fft).transpose(1, 2)
    norm = fold(wss, output_size=(1, total), kernel_size=(1, n_fft),
                stride=(1, hop_length)).reshape(total)  # fmt: skip
    y = full[:, start : start + expected]
    norm = norm[start : start + expected]
    tiny = torch.finfo(norm.dtype).tiny
    y = torch.where(norm > tiny, y / torch.where(norm > tiny, norm, 1.0), y)
    if y.shape[-1] < expected:  # length beyond the frames: zeros, as librosa
        y = torch.nn.functional.pad(y, (0, expected - y.shape[-1]))
    return y.reshape(*lead, expected)


# -- decibels -------------------------------------------------------------------------


def _ref_value(ref: Any, magnitude: Any) -> Any:
    if any(ref is f for f in (np.max, np.amax, max, torch.max, torch.amax)):
        return magnitude.amax() if magnitude.numel() else magnitude.new_tensor(0.0)
    if callable(ref):
        value = ref(magnitude)
    else:
        value = ref
    if isinstance(value, torch.Tensor):
        return value.to(magnitude.device, magnitude.dtype).abs()
    return torch.as_tensor(np.abs(np.asarray(value)), device=magnitude.device,
                           dtype=magnitude.dtype)  # fmt: skip


def _to_db(x: Any, ref_value: Any, amin: float, top_db: Optional[float]) -> Any:
    amin_t = torch.as_tensor(amin, dtype=x.dtype, device=x.device)
    log_spec = 10.0 * torch.log10(torch.maximum(x, amin_t))
    log_spec = log_spec - 10.0 * torch.log10(torch.maximum(ref_value, amin_t))
    if top_db is not None and log_spec.numel():
        log_spec = torch.maximum(log_spec, log_spec.amax() - top_db)
    return log_spec


def _magnitude(S: Any, func: str, hint: str) -> Any:  # noqa: N803
    if S.is_complex():
        warnings.warn(
            f"{func} was called on complex input so phase information will be discarded. "
            f"To suppress this warning, call {hint} instead.",
            stacklevel=4,
        )
        return S.abs()
    if not S.is_floating_point():
        return S.to(torch.float32)
    return S


def power_to_db(S: Any, *, ref: Any, amin: float, top_db: Optional[float]) -> Any:  # noqa: N803
    """``10 log10(S / ref)`` with librosa's floor and ``top_db`` clamp (one max per call)."""
    mag = _magnitude(S, "power_to_db", "power_to_db(D.abs()**2)")
    return _to_db(mag, _ref_value(ref, mag), amin, top_db)


def amplitude_to_db(S: Any, *, ref: Any, amin: float, top_db: Optional[float]) -> Any:  # noqa: N803
    """``20 log10(S / ref)``, as ``power_to_db(abs(S) ** 2, ref=ref ** 2, amin=amin ** 2)``."""
    mag = _magnitude(S, "amplitude_to_db", "amplitude_to_db(S.abs())").abs()
    ref_value = _ref_value(ref, mag)
    return _to_db(mag * mag, ref_value * ref_value, amin**2, top_db)


def db_to_power(S_db: Any, *, ref: float) -> Any:  # noqa: N803
    """``ref * 10 ** (S_db / 10)``."""
    return ref * torch.pow(10.0, S_db * 0.1)


def db_to_amplitude(S_db: Any, *, ref: float) -> Any:  # noqa: N803
    """``ref * 10 ** (S_db / 20)``."""
    return db_to_power(S_db, ref=ref**2) ** 0.5


# -- mel and DCT products ------------------------------------------------------------------


def matmul_basis(basis: np.ndarray, S: Any) -> Any:  # noqa: N803
    """``basis @ S`` with the (cached, numpy) basis copied to ``S``'s device and dtype."""
    dt = real_dtype(S) if S.is_floating_point() or S.is_complex() else torch.float32
    return torch.matmul(constant(basis, device=S.device, dtype=dt), S.to(dt))


def mel_from_signal(
    y: Any,
    basis: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int,
    window: Any,
    center: bool,
    pad_mode: Any,
    power: float,
) -> Any:
    """Mel spectrogram ``(..., n_mels, t)`` of a float tensor: STFT, ``|.|**power``, bank."""
    spec = stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                center=center, pad_mode=pad_mode)  # fmt: skip
    if power == 2.0:
        mag = spec.real.square() + spec.imag.square()
    elif power == 1.0:
        mag = spec.abs()
    else:
        mag = spec.abs().pow(power)
    return matmul_basis(basis, mag)


def dct(S: Any, basis: np.ndarray) -> Any:  # noqa: N803
    """DCT along the second-to-last axis by a precomputed ``(n_out, d)`` numpy basis."""
    return matmul_basis(basis, S)
