"""Pieces shared by the from_pretrained families: config readers and a float64 kernel."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature.kaldi import _preemphasize
from melforge.presets._padding import PadResult, pad_sequences
from melforge.spectral import _fft

_BLOCK_FRAMES = 512  # frames per block of the float64 kernel (~2.5 MB of scratch)


def _pop_int(config: dict[str, Any], key: str, default: int) -> int:
    value = config.pop(key, default)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ParameterError(f"config {key}={value!r} must be a positive integer")
    return int(value)


def _pop_side(config: dict[str, Any]) -> None:
    side = config.pop("padding_side", "right")
    if side != "right":
        # transformers pads on the left but masks the pre-emphasis and the frames as if
        # the clip started at sample 0; not reproduced.
        raise ParameterError(
            f"config padding_side={side!r}: only 'right' is implemented for this family"
        )


def _pop_number(config: dict[str, Any], key: str, default: float) -> float:
    value = config.pop(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ParameterError(f"config {key}={value!r} must be a number")
    return float(value)


def _pad_stacked(clips: list[np.ndarray], **options: Any) -> PadResult:
    """:func:`pad_sequences` ``(clips, **options)``, whose ``values`` must be one array.

    Raises ``ParameterError`` when the clips still differ in length after padding
    (transformers' extractors stack them and fail).
    """
    padded = pad_sequences(clips, **options)
    if isinstance(padded.values, list):
        raise ParameterError(
            "the clips have different lengths after padding (padding=False, or a clip longer "
            "than max_length without truncation=True); transformers cannot stack them"
        )
    return padded


def _clip_lengths(clips: list[Any]) -> np.ndarray:
    """Return the clips' lengths in samples (1-D arrays or tensors), int64 ``(batch,)``."""
    return np.array([int(c.shape[0]) for c in clips], dtype=np.int64)


def _pad_float32(clips: list[Any], **options: Any) -> Any:
    """``pad_tensor_sequences(clips, **options)`` of 1-D tensors rounded to float32.

    The torch paths round as the host paths' float32 copies do, then pad on the device.
    """
    import torch

    from melforge.presets._tensor import pad_tensor_sequences

    return pad_tensor_sequences([c.to(torch.float32) for c in clips], **options)


class _Kernel:
    """Float64 framed log-mel by blocks: [pre-emphasis (float32), scale,] window, FFT, mel, log.

    ``preemphasis=None`` skips the pre-emphasis and the scaling (LASR); otherwise each
    frame is pre-emphasized in float32 (``x[0] -= c x[0]``, as Phi-4) and scaled by
    ``scale``.  ``log(max(mel, floor))`` (or ``log(mel + guard)`` when ``guard`` is
    set, Parakeet) is written to ``out``.  The window covers the frame's samples and the
    FFT input is zero-tailed (a window centred in the FFT frame only shifts the phase).
    """

    def __init__(
        self, bands: tuple[Any, ...], window: np.ndarray, n_fft: int, *, floor: float,
        preemphasis: Optional[float] = None, scale: float = 1.0, guard: float = 0.0,
    ) -> None:  # fmt: skip
        self.bands = tuple((j0, j1, k0, k1, w.astype(np.float64)) for j0, j1, k0, k1, w in bands)
        self.window = window.astype(np.float64)
        self.floor = floor
        self.guard = guard
        self.preemphasis = preemphasis
        self.scale = np.float32(scale)
        self.n_mels = bands[-1][1]
        win = window.size
        self.buf = np.empty((_BLOCK_FRAMES, win), dtype=np.float32)
        self.tmp = np.empty((_BLOCK_FRAMES, win), dtype=np.float32)
        self.padded = np.zeros((_BLOCK_FRAMES, n_fft), dtype=np.float64)
        self.power = np.empty((_BLOCK_FRAMES, n_fft // 2 + 1), dtype=np.float64)
        self.mel = np.empty((_BLOCK_FRAMES, self.n_mels), dtype=np.float64)

    def __call__(self, frames: np.ndarray, out: np.ndarray) -> None:
        """``log(max(mel, floor))`` of ``frames`` ``(m, win)`` into ``out`` ``(m, n_mels)``."""
        for start in range(0, frames.shape[0], _BLOCK_FRAMES):
            stop = min(start + _BLOCK_FRAMES, frames.shape[0])
            m = stop - start
            frame = self.padded[:m]
            if self.preemphasis is None:
                np.multiply(frames[start:stop], self.window, out=frame[:, : self.window.size])
            else:
                buf = self.buf[:m]
                np.copyto(buf, frames[start:stop])
                _preemphasize(buf, np.float32(self.preemphasis), self.tmp[:m])
                if self.scale != 1.0:
                    buf *= self.scale  # Phi-4's 32768: a power of two, exact
                np.multiply(buf, self.window, out=frame[:, : buf.shape[1]])  # tail stays 0
            spec = _fft.rfft(frame, workers=1)
            squares = spec.view(np.float64)
            np.square(squares, out=squares)
            power = self.power[:m]
            np.add(squares[:, 0::2], squares[:, 1::2], out=power)
            mel = self.mel[:m]
            for j0, j1, k0, k1, weights in self.bands:
                np.matmul(power[:, k0:k1], weights, out=mel[:, j0:j1])
            if self.guard:
                mel += self.guard
            else:
                np.maximum(mel, self.floor, out=mel)
            np.log(mel, out=out[start:stop])
