"""Array helpers with librosa 0.11's names and contracts (``librosa.util``).

Each function returns what its librosa namesake returns on the same input (values,
dtype, shape and memory layout); only the error messages differ (melforge's
:class:`~melforge.ParameterError`, naming the parameter).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import DTypeLike

from melforge._errors import ParameterError
from melforge._validate import check_positive_int

__all__ = [
    "frame",
    "pad_center",
    "fix_length",
    "fix_frames",
    "normalize",
    "valid_audio",
    "stack",
    "expand_to",
    "tiny",
    "buf_to_float",
]


def frame(
    x: np.ndarray,
    *,
    frame_length: int,
    hop_length: int,
    axis: int = -1,
    writeable: bool = False,
    subok: bool = False,
) -> np.ndarray:
    """Slice an array into overlapping frames, as a strided view (no copy).

    Parameters
    ----------
    x : np.ndarray [shape=(..., n, ...)]
        Array to frame, along ``axis``.
    frame_length : int > 0
        Samples per frame (2048 samples is 93 ms at 22.05 kHz).
    hop_length : int > 0
        Samples between the starts of consecutive frames.
    axis : int
        Axis to frame.  The new within-frame axis is placed just before it
        (``axis < 0``) or just after it (``axis >= 0``).
    writeable : bool
        If False (default) the view is read-only: frames overlap, so a write would
        change several frames.
    subok : bool
        Pass ndarray subclasses through.

    Returns
    -------
    np.ndarray
        ``axis=-1``: shape ``(..., frame_length, n_frames)``; ``axis=0``: shape
        ``(n_frames, frame_length, ...)``, with ``n_frames = 1 + (n - frame_length) //
        hop_length``.  Frame ``t`` holds ``x[t * hop_length : t * hop_length +
        frame_length]``.

    Raises
    ------
    ParameterError
        If ``x`` is shorter than ``frame_length`` along ``axis``, or a length is not a
        positive integer.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.frame(np.arange(6), frame_length=3, hop_length=2)
    array([[0, 2],
           [1, 3],
           [2, 4]])
    """
    check_positive_int("frame_length", frame_length)
    check_positive_int("hop_length", hop_length)
    x = np.asanyarray(x) if subok else np.asarray(x)
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis={axis!r} must index a dimension of x.shape={x.shape}")
    if x.shape[axis] < frame_length:
        raise ParameterError(
            f"x is too short (n={x.shape[axis]}) for frame_length={frame_length}"
        )
    xw = sliding_window_view(x, frame_length, axis=axis, subok=subok, writeable=writeable)
    xw = np.moveaxis(xw, -1, axis - 1 if axis < 0 else axis + 1)
    slices = [slice(None)] * xw.ndim
    slices[axis] = slice(0, None, hop_length)
    return xw[tuple(slices)]


def _pad_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs.setdefault("mode", "constant")
    return kwargs


def pad_center(data: np.ndarray, *, size: int, axis: int = -1, **kwargs: Any) -> np.ndarray:
    """Pad an array to ``size`` along ``axis``, centred (left gets ``(size - n) // 2``).

    Parameters
    ----------
    data : np.ndarray [shape=(..., n, ...)]
        Array to pad.
    size : int >= n
        Length after padding.
    axis : int
        Axis to pad.
    **kwargs
        Passed to :func:`numpy.pad`; ``mode`` defaults to ``"constant"`` (zeros).

    Returns
    -------
    np.ndarray [shape=(..., size, ...)]
        A new array.

    Raises
    ------
    ParameterError
        If ``size`` is smaller than ``data.shape[axis]``.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.pad_center(np.ones(3), size=6)
    array([0., 1., 1., 1., 0., 0.])
    """
    data = np.asanyarray(data)
    n = data.shape[axis]
    lpad = int((size - n) // 2)
    if lpad < 0:
        raise ParameterError(f"size={size!r} must be at least the input length {n}")
    lengths = [(0, 0)] * data.ndim
    lengths[axis] = (lpad, int(size - n - lpad))
    return np.pad(data, lengths, **_pad_kwargs(kwargs))


def fix_length(data: np.ndarray, *, size: int, axis: int = -1, **kwargs: Any) -> np.ndarray:
    """Trim or pad (at the end) an array to exactly ``size`` along ``axis``.

    Parameters
    ----------
    data : np.ndarray [shape=(..., n, ...)]
        Array to fix.
    size : int >= 0
        Target length.
    axis : int
        Axis to fix.
    **kwargs
        Passed to :func:`numpy.pad` when padding; ``mode`` defaults to ``"constant"``.

    Returns
    -------
    np.ndarray [shape=(..., size, ...)]
        ``data`` itself when ``n == size``, a view when trimming, a new array when padding.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.fix_length(np.arange(5), size=3)
    array([0, 1, 2])
    """
    data = np.asanyarray(data)
    n = data.shape[axis]
    if n > size:
        slices = [slice(None)] * data.ndim
        slices[axis] = slice(0, size)
        return data[tuple(slices)]
    if n < size:
        lengths = [(0, 0)] * data.ndim
        lengths[axis] = (0, size - n)
        return np.pad(data, lengths, **_pad_kwargs(kwargs))
    return data


def fix_frames(
    frames: Sequence[int] | np.ndarray,
    *,
    x_min: Optional[int] = 0,
    x_max: Optional[int] = None,
    pad: bool = True,
) -> np.ndarray:
    """Sort, de-duplicate and bound a list of frame indices (e.g. onsets or beats).

    Parameters
    ----------
    frames : array of int >= 0 [shape=(n,)]
        Frame indices.
    x_min, x_max : int or None
        Bounds; indices outside are dropped (``pad=False``) or clipped (``pad=True``).
    pad : bool
        If True, clip to the bounds and add ``x_min`` and ``x_max`` themselves.

    Returns
    -------
    np.ndarray [shape=(m,), int]
        Sorted unique indices.

    Raises
    ------
    ParameterError
        If an index is negative.

    Examples
    --------
    >>> import melforge
    >>> melforge.util.fix_frames([3, 1, 9], x_min=0, x_max=6)
    array([0, 1, 3, 6])
    """
    index = np.asarray(frames)
    if np.any(index < 0):
        raise ParameterError("frames must be >= 0: a negative frame index was given")
    if pad and (x_min is not None or x_max is not None):
        index = np.clip(index, x_min, x_max)
    if pad:
        bounds = [b for b in (x_min, x_max) if b is not None]
        index = np.concatenate((np.asarray(bounds), index))
    if x_min is not None:
        index = index[index >= x_min]
    if x_max is not None:
        index = index[index <= x_max]
    return np.unique(index).astype(int)


def normalize(
    S: np.ndarray,  # noqa: N803 - librosa's name
    *,
    norm: Optional[float] = np.inf,
    axis: Optional[int] = 0,
    threshold: Optional[float] = None,
    fill: Optional[bool] = None,
) -> np.ndarray:
    """Scale an array so each slice along ``axis`` has unit ``norm``.

    Parameters
    ----------
    S : np.ndarray [shape=(...)], finite
        Array to normalize (real or complex).
    norm : {np.inf, -np.inf, 0, float > 0, None}
        ``inf``: max absolute value; ``-inf``: min absolute value; ``0``: number of
        non-zeros; ``p > 0``: the ``p``-norm; None: no normalization (``S`` returned).
    axis : int or None
        Axis along which to compute the norm; None: over the whole array.
    threshold : float > 0 or None
        Slices whose norm is below this are "small" (default :func:`tiny` of ``S``).
    fill : None, bool
        Small slices: None leaves them unchanged; False sets them to 0; True fills them
        with the value giving unit norm (not for ``norm=0``).

    Returns
    -------
    np.ndarray [shape=S.shape, dtype=S.dtype]
        The normalized array.

    Raises
    ------
    ParameterError
        Non-finite ``S``, ``threshold <= 0``, an unsupported ``norm`` or ``fill``.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.normalize(np.array([[1.0, -4.0], [2.0, 2.0]]))
    array([[ 0.5, -1. ],
           [ 1. ,  0.5]])
    """
    S = np.asarray(S)
    if threshold is None:
        threshold = tiny(S)
    elif threshold <= 0:
        raise ParameterError(f"threshold={threshold!r} must be strictly positive")
    if fill not in (None, False, True):
        raise ParameterError(f"fill={fill!r} must be None or a bool")
    if not np.all(np.isfinite(S)):
        raise ParameterError("S must be finite everywhere")
    if norm is None:
        return S
    length, fill_norm = _norm(np.abs(S).astype(float), norm, axis, fill)
    small = length < threshold
    out = np.empty_like(S)
    if fill is None:
        length[small] = 1.0
        out[:] = S / length
    elif fill:
        length[small] = np.nan
        out[:] = S / length
        out[np.isnan(out)] = fill_norm
    else:
        length[small] = np.inf
        out[:] = S / length
    return out


def _norm(
    mag: np.ndarray, norm: float, axis: Optional[int], fill: Optional[bool]
) -> tuple[np.ndarray, float]:
    """Return the norm of each slice (keepdims) and the fill value giving unit norm."""
    if norm == np.inf:
        return np.max(mag, axis=axis, keepdims=True), 1.0
    if norm == -np.inf:
        return np.min(mag, axis=axis, keepdims=True), 1.0
    if norm == 0:
        if fill is True:
            raise ParameterError("norm=0 cannot be combined with fill=True")
        return np.sum(mag > 0, axis=axis, keepdims=True, dtype=mag.dtype), 1.0
    if np.issubdtype(type(norm), np.number) and norm > 0:
        count = mag.size if axis is None else mag.shape[axis]
        length = np.asarray(np.sum(mag**norm, axis=axis, keepdims=True) ** (1.0 / norm))
        return length, float(count ** (-1.0 / norm))
    raise ParameterError(f"norm={norm!r} must be np.inf, -np.inf, 0, a number > 0 or None")


def valid_audio(y: np.ndarray) -> bool:
    """Check that ``y`` is an audio buffer: a floating-point ndarray, >= 1-D, finite.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Candidate audio.

    Returns
    -------
    bool
        True (otherwise an exception is raised).

    Raises
    ------
    ParameterError
        Naming what is wrong: not an ndarray, not floating point, 0-d, not finite.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.valid_audio(np.zeros((2, 100), dtype=np.float32))
    True
    """
    if not isinstance(y, np.ndarray):
        raise ParameterError(f"y must be a numpy.ndarray, got {type(y).__name__}")
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"y must be floating-point, got dtype {y.dtype}")
    if y.ndim == 0:
        raise ParameterError(f"y must be at least one-dimensional, got y.shape={y.shape}")
    if not np.isfinite(y).all():
        raise ParameterError("y must be finite everywhere (it holds NaN or inf)")
    return True


def stack(arrays: list[np.ndarray], *, axis: int = 0) -> np.ndarray:
    """Stack equally-shaped arrays into a new axis; ``axis=0`` gives a Fortran-ordered result.

    Parameters
    ----------
    arrays : list of np.ndarray, all of one shape
        Arrays to stack (e.g. the channels of a multichannel signal).
    axis : int
        Position of the new axis.

    Returns
    -------
    np.ndarray [shape=(len(arrays), ...) for axis=0]
        With ``axis=0`` the result is Fortran-contiguous, so each ``result[i]`` is
        contiguous in the layout librosa's multichannel functions expect.

    Raises
    ------
    ParameterError
        If the list is empty or the shapes differ.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.stack([np.zeros(4), np.ones(4)]).flags["F_CONTIGUOUS"]
    True
    """
    shapes = {np.shape(arr) for arr in arrays}
    if len(shapes) > 1:
        raise ParameterError(f"arrays must all have the same shape, got {sorted(shapes)}")
    if not shapes:
        raise ParameterError("arrays must hold at least one array")
    if axis != 0:
        return np.stack(arrays, axis=axis)
    shape = (len(arrays), *shapes.pop())
    result = np.empty(shape, dtype=np.result_type(*arrays), order="F")
    np.stack(arrays, axis=0, out=result)
    return result


def expand_to(
    x: np.ndarray, *, ndim: int, axes: Union[int, slice, Sequence[int], Sequence[slice]]
) -> np.ndarray:
    """Reshape ``x`` to ``ndim`` dimensions, placing its axes at ``axes`` (size 1 elsewhere).

    Parameters
    ----------
    x : np.ndarray
        Array to expand.
    ndim : int >= x.ndim
        Dimensions of the result.
    axes : int or sequence of int
        Destination of each axis of ``x``, one entry per axis.

    Returns
    -------
    np.ndarray [ndim dimensions]
        A view of ``x``, ready to broadcast against an ``ndim``-dimensional array.

    Raises
    ------
    ParameterError
        If ``len(axes) != x.ndim`` or ``ndim < x.ndim``.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.expand_to(np.arange(3), ndim=3, axes=1).shape
    (1, 3, 1)
    """
    try:
        axes_tup = tuple(axes)  # type: ignore[arg-type]
    except TypeError:
        axes_tup = (axes,)
    if len(axes_tup) != x.ndim:
        raise ParameterError(f"axes={axes_tup} must have one entry per axis of x.shape={x.shape}")
    if ndim < x.ndim:
        raise ParameterError(f"ndim={ndim} must be at least x.ndim for x.shape={x.shape}")
    shape = [1] * ndim
    for i, axi in enumerate(axes_tup):
        shape[axi] = x.shape[i]  # type: ignore[call-overload,index]
    return x.reshape(shape)


def tiny(x: Union[float, np.ndarray]) -> Any:
    """Return the smallest positive normal number of ``x``'s floating dtype.

    Parameters
    ----------
    x : number or np.ndarray
        Value whose precision matters; integer and other input use float32's.

    Returns
    -------
    np.floating
        ``np.finfo(dtype).tiny``: about 1.2e-38 for float32/complex64, 2.2e-308 for
        float64/complex128.  Used to guard divisions.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> float(melforge.util.tiny(np.float32(1)))
    1.1754943508222875e-38
    """
    arr = np.asarray(x)
    floating = np.issubdtype(arr.dtype, np.floating) or np.issubdtype(
        arr.dtype, np.complexfloating
    )
    return np.finfo(arr.dtype if floating else np.dtype(np.float32)).tiny


def buf_to_float(x: Any, *, n_bytes: int = 2, dtype: DTypeLike = np.float32) -> np.ndarray:
    """Convert little-endian signed-integer PCM bytes to floats in [-1, 1).

    Parameters
    ----------
    x : bytes-like or np.ndarray
        Buffer of ``n_bytes``-byte signed little-endian integers.
    n_bytes : int in {1, 2, 4, 8}
        Bytes per sample (2: 16-bit PCM).
    dtype : numeric type
        Output type (default float32).

    Returns
    -------
    np.ndarray [shape=(len(x) // n_bytes,)]
        Samples scaled by ``1 / 2 ** (8 * n_bytes - 1)``.

    Examples
    --------
    >>> import numpy as np, melforge
    >>> melforge.util.buf_to_float(np.array([16384, -32768], dtype="<i2").tobytes())
    array([ 0.5, -1. ], dtype=float32)
    """
    if n_bytes not in (1, 2, 4, 8):
        raise ParameterError(f"n_bytes={n_bytes!r} must be 1, 2, 4 or 8")
    scale = 1.0 / float(1 << ((8 * n_bytes) - 1))
    return scale * np.frombuffer(x, f"<i{n_bytes:d}").astype(dtype)
