"""Framing and centred padding, shared by the STFT and by other front ends.

``frame`` is librosa's ``util.frame`` (a strided, read-only view, frames along the
last axis).  ``center_pad`` pads ``n_fft // 2`` samples on each side as librosa's
``center=True`` does.  ``frame_blocks`` walks the frames of a (centred) signal in
cache-sized blocks; a long signal (over 4 MiB) is never padded or copied whole: only
the few frames that overlap its edges are built from a small padded copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Optional, Union

import numpy as np
from numpy.lib.stride_tricks import as_strided

from melforge._errors import ParameterError
from melforge._validate import check_positive_int

__all__ = ["frame", "center_pad", "n_frames", "frame_blocks", "PAD_MODES"]

PadMode = Union[str, Callable[..., Any]]

#: signals up to this size are padded whole (one block of frames, not head/middle/tail):
#: the copy is cheaper than three rounds of small transforms, e.g. for a batch of clips.
_SMALL_BYTES = 1 << 22

#: pad modes librosa's stft accepts (np.pad modes that depend only on the edges).
PAD_MODES = ("constant", "edge", "linear_ramp", "reflect", "symmetric", "empty")


def frame(y: np.ndarray, *, frame_length: int, hop_length: int) -> np.ndarray:
    """Slice ``y`` into overlapping frames along its last axis, without copying.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Signal.
    frame_length : int > 0
        Samples per frame.
    hop_length : int > 0
        Samples between the starts of successive frames.

    Returns
    -------
    np.ndarray [shape=(..., frame_length, n_frames)]
        A read-only strided view with ``n_frames = 1 + (n - frame_length) // hop_length``;
        ``frames[..., i]`` is ``y[..., i * hop_length : i * hop_length + frame_length]``
        (librosa's ``util.frame`` layout).  Use ``frames.swapaxes(-1, -2)`` for one
        contiguous frame per row.

    Raises
    ------
    ParameterError
        If ``y`` is shorter than ``frame_length`` or a length is not a positive integer.

    Examples
    --------
    >>> import numpy as np
    >>> from melforge.spectral import frame
    >>> frame(np.arange(10.0), frame_length=4, hop_length=2)  # frames are columns
    array([[0., 2., 4., 6.],
           [1., 3., 5., 7.],
           [2., 4., 6., 8.],
           [3., 5., 7., 9.]])
    """
    return _rows(y, frame_length, hop_length).swapaxes(-1, -2)


def _rows(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """Frames as rows: a read-only view of shape ``(..., n_frames, frame_length)``."""
    frame_length = check_positive_int("frame_length", frame_length)
    hop_length = check_positive_int("hop_length", hop_length)
    y = np.asarray(y)
    if y.ndim < 1:
        raise ParameterError(f"y must have at least one dimension, got shape={y.shape}")
    n = y.shape[-1]
    if n < frame_length:
        raise ParameterError(f"Input is too short (n={n}) for frame_length={frame_length}")
    count = 1 + (n - frame_length) // hop_length
    shape = (*y.shape[:-1], count, frame_length)
    strides = (*y.strides[:-1], y.strides[-1] * hop_length, y.strides[-1])
    return as_strided(y, shape=shape, strides=strides, writeable=False)


def center_pad(y: np.ndarray, *, n_fft: int, pad_mode: PadMode = "constant") -> np.ndarray:
    """Pad ``n_fft // 2`` samples on both sides of the last axis (librosa ``center=True``).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Signal.
    n_fft : int > 0
        FFT size; ``n_fft // 2`` samples are added at each end.
    pad_mode : str or callable
        Any :func:`numpy.pad` mode (``"constant"`` pads zeros).

    Returns
    -------
    np.ndarray [shape=(..., n + 2 * (n_fft // 2))]
        The padded signal (a new array).

    Examples
    --------
    >>> import numpy as np
    >>> from melforge.spectral import center_pad
    >>> center_pad(np.array([1.0, 2.0, 3.0, 4.0]), n_fft=4)  # n_fft // 2 on each side
    array([0., 0., 1., 2., 3., 4., 0., 0.])
    """
    pad = [(0, 0)] * (y.ndim - 1) + [(n_fft // 2, n_fft // 2)]
    return np.pad(y, pad, mode=pad_mode)  # type: ignore[call-overload]


def n_frames(n: int, *, n_fft: int, hop_length: int, center: bool) -> int:
    """Return the number of STFT frames of a signal of ``n`` samples (librosa's count).

    Parameters
    ----------
    n : int
        Signal length in samples.
    n_fft : int
        Frame length in samples.
    hop_length : int
        Samples between frames.
    center : bool
        Whether the signal is padded by ``n_fft // 2`` on each side first.

    Returns
    -------
    int
        ``1 + (n + 2 * (n_fft // 2) - n_fft) // hop_length`` when centred, else
        ``1 + (n - n_fft) // hop_length``.
    """
    total = n + 2 * (n_fft // 2) if center else n
    return 1 + (total - n_fft) // hop_length


def _edge_regions(
    y: np.ndarray, n_fft: int, hop: int, pad_mode: PadMode
) -> tuple[int, int, np.ndarray, np.ndarray]:
    """Split the centred frames into head / middle / tail.

    Returns ``(t0, t1, head_rows, tail_rows)``: frames ``[0, t0)`` come from
    ``head_rows``, ``[t0, t1)`` read ``y`` directly at ``t * hop - n_fft // 2``, and
    ``[t1, total)`` come from ``tail_rows``.
    """
    n = y.shape[-1]
    p = n_fft // 2
    total = n_frames(n, n_fft=n_fft, hop_length=hop, center=True)
    t0 = min(total, -(-p // hop))  # first frame that starts inside y
    t1 = max(t0, (n + p - n_fft) // hop + 1)  # first frame that ends past y
    t1 = min(t1, total)
    # head: padded samples [0, (t0 - 1) * hop + n_fft) need y[: that - p] (plus context)
    head_len = (t0 - 1) * hop + n_fft - p if t0 else 0
    ctx = max(head_len, p + 1)
    pad = [(0, 0)] * (y.ndim - 1)
    head = np.pad(y[..., :ctx], [*pad, (p, 0)], mode=pad_mode)  # type: ignore[call-overload]
    head_rows = _rows(head, n_fft, hop)[..., :t0, :]
    # tail: frames t1.. start at t1 * hop - p in y
    start = t1 * hop - p
    if t1 >= total:
        return t0, t1, head_rows, head_rows[..., :0, :]
    ctx_start = min(start, n - (p + 1))
    tail = np.pad(y[..., ctx_start:], [*pad, (0, p)], mode=pad_mode)  # type: ignore[call-overload]
    tail_rows = _rows(tail[..., start - ctx_start :], n_fft, hop)[..., : total - t1, :]
    return t0, t1, head_rows, tail_rows


def _pad_into(
    y: np.ndarray, n_fft: int, pad_mode: PadMode, scratch: Optional[np.ndarray]
) -> np.ndarray:
    """``center_pad(y)``, written into ``scratch`` when it fits and the padding is zeros.

    For a batch of short clips one reused buffer replaces a fresh ``np.pad`` per group
    of clips (its set-up costs more than the copy); the values are the same.
    """
    p = n_fft // 2
    b, n = y.shape[0], y.shape[-1]
    if (
        scratch is None
        or pad_mode != "constant"
        or y.ndim != 2
        or scratch.dtype != y.dtype
        or scratch.shape[0] < b
        or scratch.shape[1] != n + 2 * p
    ):
        return center_pad(y, n_fft=n_fft, pad_mode=pad_mode)
    out = scratch[:b]
    out[:, :p] = 0
    out[:, p + n :] = 0
    out[:, p : p + n] = y
    return out


def frame_blocks(
    y: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    center: bool,
    pad_mode: PadMode = "constant",
    block_frames: int = 64,
    scratch: Optional[np.ndarray] = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_frame, rows)`` blocks covering every STFT frame of ``y``.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Signal (validated by the caller).
    n_fft, hop_length : int
        Frame length and hop in samples.
    center : bool
        Pad ``n_fft // 2`` on both sides with ``pad_mode`` (librosa's convention).
    pad_mode : str or callable
        :func:`numpy.pad` mode used when ``center``.
    block_frames : int
        Maximum frames per block.
    scratch : np.ndarray [shape=(>= b, n + 2 * (n_fft // 2)), y.dtype] or None
        Optional reusable buffer for a short 2-D ``y`` of ``b`` rows, zero-padded in
        place when ``pad_mode="constant"``; the yielded rows may then be views of it.

    Yields
    ------
    first_frame : int
        Index of the block's first frame.
    rows : np.ndarray [shape=(..., k, n_fft)]
        Read-only views, one frame per row, ``k <= block_frames``.
    """
    n = y.shape[-1]
    if not center:
        segments = [(0, _rows(y, n_fft, hop_length))]
    elif isinstance(pad_mode, str) and n > 2 * (n_fft + hop_length) and y.nbytes > _SMALL_BYTES:
        t0, t1, head_rows, tail_rows = _edge_regions(y, n_fft, hop_length, pad_mode)
        p = n_fft // 2
        mid_start = t0 * hop_length - p
        mid = y[..., mid_start : (t1 - 1) * hop_length - p + n_fft]
        segments = [(0, head_rows)]
        if t1 > t0:
            segments.append((t0, _rows(mid, n_fft, hop_length)))
        segments.append((t1, tail_rows))
    else:
        segments = [(0, _rows(_pad_into(y, n_fft, pad_mode, scratch), n_fft, hop_length))]
    for first, rows in segments:
        count = rows.shape[-2]
        for s in range(0, count, block_frames):
            yield first + s, rows[..., s : s + block_frames, :]
