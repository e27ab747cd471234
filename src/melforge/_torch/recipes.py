"""Tensor versions of the model front ends: Whisper log-mel, Kaldi fbank, wav2vec2, deltas.

Each takes a float tensor ``(batch, n)`` (the public function flattens leading axes)
and the recipe's numpy constants (window, bank), and follows the numpy recipe step by
step; batches are computed as one tensor operation per step.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from melforge._torch.core import constant, frames, pad, torch

__all__ = ["whisper_log_mel", "kaldi_fbank", "normalize_waveform", "delta", "pad_clips"]

_WHISPER_N_FFT = 400
_WHISPER_HOP = 160
_WHISPER_SAMPLES = 480000
_EPS32 = float(np.finfo(np.float32).eps)


#: Frames per block on the CPU: one clip at a time, long clips cut in blocks of 4096
#: frames (whole-batch steps were memory-bound: 6x slower on Kaldi 100 x 10 s; 1024-frame
#: blocks cost more per-op overhead than they saved).  A GPU takes the whole batch.
_CPU_BLOCK_FRAMES = 4096


def blocks(fr: Any) -> list[tuple[Any, ...]]:
    """Index tuples cutting frames ``(batch, t, length)`` into blocks for the device."""
    if fr.device.type != "cpu":
        return [(slice(None),)]
    n_clips, n_frames = fr.shape[0], fr.shape[1]
    return [
        (b, slice(start, min(start + _CPU_BLOCK_FRAMES, n_frames)))
        for b in range(n_clips)
        for start in range(0, n_frames, _CPU_BLOCK_FRAMES)
    ]


def _hann_periodic(n: int, like: Any) -> Any:
    return torch.hann_window(n, periodic=True, dtype=torch.float64, device=like.device).to(
        like.dtype
    )


def whisper_log_mel(
    y: Any, basis: np.ndarray, *, padding: int = 0, pad_or_trim: bool = False
) -> Any:
    """Whisper log-mel ``(batch, n_mels, n // 160)`` of ``y`` ``(batch, n)``, per-clip clamp.

    ``basis`` is the Slaney mel basis ``(n_mels, 201)`` (float32, librosa's).
    """
    if pad_or_trim:
        n = y.shape[-1]
        y = y[..., :_WHISPER_SAMPLES] if n >= _WHISPER_SAMPLES else pad(y, 0, _WHISPER_SAMPLES - n)
    if padding:
        y = pad(y, 0, padding)
    half = _WHISPER_N_FFT // 2
    x = pad(y, half, half, "reflect")
    fr = frames(x, _WHISPER_N_FFT, _WHISPER_HOP)[..., :-1, :]  # Whisper drops the last frame
    window = _hann_periodic(_WHISPER_N_FFT, y)
    weights = constant(basis, device=y.device, dtype=y.dtype).T
    mel = y.new_empty((*fr.shape[:-1], basis.shape[0]))  # (batch, t, n_mels)
    for block in blocks(fr):
        spec = torch.fft.rfft(fr[block] * window, dim=-1)
        torch.matmul(spec.real.square() + spec.imag.square(), weights, out=mel[block])
    log = torch.log10(mel.clamp_min(1e-10))
    peak = log.amax(dim=(-1, -2), keepdim=True)
    log = torch.maximum(log, peak - 8.0)
    return ((log + 4.0) / 4.0).transpose(-1, -2)


def _kaldi_frames(y: Any, frame_length: int, frame_shift: int, snip_edges: bool) -> Any:
    n = y.shape[-1]
    if snip_edges:
        count = 0 if n < frame_length else 1 + (n - frame_length) // frame_shift
        return (
            frames(y, frame_length, frame_shift)[..., :count, :]
            if count
            else y.new_zeros((*y.shape[:-1], 0, frame_length))
        )
    count = (n + frame_shift // 2) // frame_shift
    if count == 0:
        return y.new_zeros((*y.shape[:-1], 0, frame_length))
    first = frame_shift // 2 - frame_length // 2
    last = (count - 1) * frame_shift + first + frame_length
    left, right = max(0, -first), max(0, last - n)
    x = pad(y, left, right, "symmetric")[..., first + left :]
    return frames(x, frame_length, frame_shift)[..., :count, :]


def _sum_in_order(fr: Any) -> Any:
    """Sum each frame left to right in its own dtype, as Kaldi (and the numpy path) does.

    The rounding of that float32 sum leaves a DC residue which dominates the bins far
    below a frame's peak, so it is reproduced: one vector add per sample of the frame.
    """
    cols = fr.movedim(-1, 0).contiguous()  # one copy: each column add is then contiguous
    acc = cols[0].clone()
    for j in range(1, cols.shape[0]):
        acc += cols[j]
    return acc


def kaldi_fbank(
    y: Any,
    *,
    window: np.ndarray,
    banks: np.ndarray,
    frame_length: int,
    frame_shift: int,
    n_fft: int,
    snip_edges: bool,
    scale: float,
    dither: float,
    seed: Optional[int],
    preemphasis: float,
    remove_dc_offset: bool,
    use_energy: bool,
    log_energy_floor: Optional[float],
    use_log_fbank: bool,
    use_power: bool,
) -> Any:
    """Kaldi fbank ``(batch, n_frames, n_bins)`` of ``y`` ``(batch, n)``.

    ``window`` is Kaldi's window ``(frame_length,)`` and ``banks`` the triangular bank
    ``(n_fft // 2 + 1, num_mel_bins)``.  Frame sums run left to right in the input's
    dtype, as in Kaldi and the numpy path.
    """
    fr = _kaldi_frames(y, frame_length, frame_shift, snip_edges)
    n_out = banks.shape[1] + int(use_energy)
    out = y.new_empty((*fr.shape[:-1], n_out))
    gen = None
    if dither > 0.0:
        gen = torch.Generator(device=fr.device)
        if seed is not None:
            gen.manual_seed(int(seed))
        else:
            gen.seed()
    win = constant(window, device=fr.device, dtype=fr.dtype)
    weights = constant(banks, device=fr.device, dtype=fr.dtype)
    for block in blocks(fr):
        x = fr[block]
        if scale != 1.0:
            x = x * scale
        if gen is not None:
            x = x + dither * torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
        if remove_dc_offset:
            x = x - (_sum_in_order(x) / x.shape[-1]).unsqueeze(-1)
        dest = out[block]
        if use_energy:
            e = x.to(torch.float64).square().sum(dim=-1)
            energy = torch.log(e.clamp_min(_EPS32))
            if log_energy_floor is not None:
                energy = energy.clamp_min(log_energy_floor)
            dest[..., 0] = energy
        if preemphasis != 0.0:
            x = torch.cat([x[..., :1] - preemphasis * x[..., :1],
                           x[..., 1:] - preemphasis * x[..., :-1]], dim=-1)  # fmt: skip
        spec = torch.fft.rfft(x * win, n=n_fft, dim=-1)
        power = spec.real.square() + spec.imag.square()
        if not use_power:
            power = power.sqrt()
        mel = dest[..., int(use_energy) :]
        if mel.is_contiguous():
            torch.matmul(power, weights, out=mel)
        else:  # energy in column 0
            mel.copy_(power @ weights)
        if use_log_fbank:
            mel.clamp_(min=_EPS32).log_()
    return out


def normalize_waveform(y: Any, mask: Any = None, *, eps: float = 1e-7) -> Any:
    """``(y - mean) / sqrt(var + eps)`` per row of ``y`` ``(batch, n)``; stats in float64.

    With a 0/1 ``mask`` of ``y``'s shape the statistics use the real samples only and
    padded positions become 0.
    """
    x = y.to(torch.float64)
    if mask is None:
        mean = x.mean(dim=-1, keepdim=True)
        centred = x - mean
        var = centred.square().mean(dim=-1, keepdim=True)
        return (centred / torch.sqrt(var + eps)).to(y.dtype)
    m = mask.to(device=y.device, dtype=torch.bool)
    count = m.sum(dim=-1, keepdim=True)
    mean = torch.where(m, x, 0.0).sum(dim=-1, keepdim=True) / count
    centred = torch.where(m, x - mean, 0.0)
    var = centred.square().sum(dim=-1, keepdim=True) / count
    return (centred / torch.sqrt(var + eps)).to(y.dtype)


def delta(x: Any, taps: np.ndarray, edge: np.ndarray, order: int) -> Any:
    """Savitzky-Golay derivative along the last axis with ``mode="interp"`` edges.

    ``taps`` (width,) and ``edge`` (width // 2, width) are
    :func:`melforge.feature.utils._savgol`'s arrays; ``x`` needs ``width`` frames.
    """
    width = taps.shape[0]
    h = width // 2
    n = x.shape[-1]
    t = constant(taps, device=x.device, dtype=x.dtype)
    e = constant(edge, device=x.device, dtype=x.dtype)
    win = frames(pad(x, h, h), width, 1)  # (..., n, width)
    out = torch.matmul(win, t)
    left = torch.matmul(x[..., :width], e.T)
    right = torch.matmul(x[..., n - width :].flip(-1), e.T) * ((-1.0) ** order)
    return torch.cat([left, out[..., h : n - h], right.flip(-1)], dim=-1)


def pad_clips(clips: list[Any], *, value: float = 0.0, side: str = "right") -> tuple[Any, Any]:
    """Stack 1-D tensors, padded to the longest: ``(values (b, n_max), lengths (b,))``."""
    lengths = torch.tensor([c.shape[-1] for c in clips], device=clips[0].device)
    longest = int(lengths.max())
    rows = []
    for c in clips:
        extra = longest - c.shape[-1]
        left, right = (extra, 0) if side == "left" else (0, extra)
        rows.append(torch.nn.functional.pad(c, (left, right), value=value))
    return torch.stack(rows), lengths


def nemo_log_mel(
    y: Any,
    basis: np.ndarray,
    window: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    preemphasis: float,
    normalize: Optional[str],
    log_guard: float,
    std_guard: float,
) -> Any:
    """NeMo log-mel ``(batch, n_mels, 1 + n // hop)`` of ``y`` ``(batch, n)``.

    ``basis`` is the Slaney mel basis ``(n_mels, n_fft // 2 + 1)`` and ``window`` the
    symmetric Hann window of ``win_length``, centred in the ``n_fft`` frame.
    """
    n = y.shape[-1]
    win_length = window.shape[0]
    n_frames = 1 + n // hop_length
    if preemphasis:
        y = torch.cat([y[..., :1], y[..., 1:] - preemphasis * y[..., :-1]], dim=-1)
    left = n_fft // 2 - (n_fft - win_length) // 2  # the window's first sample, frame 0
    right = max(0, (n_frames - 1) * hop_length - left + win_length - n)
    fr = frames(pad(y, left, right), win_length, hop_length)[..., :n_frames, :]
    win = constant(window, device=y.device, dtype=y.dtype)
    weights = constant(basis, device=y.device, dtype=y.dtype).T
    mel = y.new_empty((*fr.shape[:-1], basis.shape[0]))
    for block in blocks(fr):
        spec = torch.fft.rfft(fr[block] * win, n=n_fft, dim=-1)  # end-padded: same power
        torch.matmul(spec.real.square() + spec.imag.square(), weights, out=mel[block])
    out = torch.log(mel + log_guard).transpose(-1, -2)  # (batch, n_mels, t)
    # NeMo's normalize_batch over the valid frames (seq_len = n // hop), then the frames
    # from there on set to 0 (normalized or not), as feature/nemo.py does.
    valid = n // hop_length
    result = torch.zeros_like(out)
    if normalize is None:
        result[..., : max(valid, 0)] = out[..., : max(valid, 0)]
        return result
    if valid <= 0:
        return result
    x = out[..., :valid].to(torch.float64)
    dims = (-1,) if normalize == "per_feature" else (-1, -2)
    count = valid if normalize == "per_feature" else valid * x.shape[-2]
    mean = x.sum(dim=dims, keepdim=True) / count
    if count > 1:
        std = torch.sqrt((x - mean).square().sum(dim=dims, keepdim=True) / (count - 1))
    else:  # NeMo turns the NaN of a single frame into 0
        std = torch.zeros_like(mean)
    result[..., :valid] = ((x - mean) / (std + std_guard)).to(y.dtype)
    return result
