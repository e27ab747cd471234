"""Cell edges of a spectrogram image along each axis type.

Every row or column of ``data`` becomes a cell centred on its physical coordinate:

- time axes: frame ``t`` is centred at ``t * hop_length / sr`` seconds (librosa's
  ``center=True`` convention), so cells span ``(t -/+ 1/2) * hop_length / sr``;
- linear/log frequency axes: FFT bin ``k`` is centred at ``k * sr / n_fft`` Hz; the
  edges are half-way between bins, clipped to ``[0, sr / 2]``;
- mel axes: band ``k`` is centred on the peak of the ``k``-th triangular filter,
  ``mel_frequencies(n_mels + 2, fmin, fmax)[k + 1]``; the edges are half-way between
  centres in mels, and the outer edges are ``fmin`` and ``fmax``.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.display.ticks import FREQ_AXES, OFF_AXES, TIME_AXES

__all__ = ["axis_edges", "axis_centers"]


def _midpoint_edges(centers: np.ndarray, half: float = 0.5) -> np.ndarray:
    """Edges half-way between centres, the outer ones extrapolated by half a step.

    A single centre gets edges ``half`` either side of it.
    """
    c = np.asarray(centers, dtype=np.float64)
    if c.size == 1:
        return np.array([c[0] - half, c[0] + half])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _fft_centers(n: int, sr: float, n_fft: Optional[int]) -> np.ndarray:
    if n_fft is None:
        n_fft = 2 * (n - 1)
    if n_fft // 2 + 1 != n:
        raise ParameterError(
            f"data has {n} frequency rows but {n_fft=} gives {n_fft // 2 + 1}; "
            "pass the n_fft used to compute the spectrogram"
        )
    return np.arange(n) * (float(sr) / max(n_fft, 1))


def _mel_edges(
    n: int, fmin: Optional[float], fmax: Optional[float], sr: float, htk: bool
) -> tuple[np.ndarray, np.ndarray]:
    from melforge.convert import hz_to_mel, mel_to_hz

    lo = 0.0 if fmin is None else float(fmin)
    hi = 0.5 * float(sr) if fmax is None else float(fmax)
    if not 0 <= lo < hi:
        raise ParameterError(f"need 0 <= fmin < fmax for a mel axis; got {fmin=}, {fmax=}")
    m = np.linspace(hz_to_mel(lo, htk=htk), hz_to_mel(hi, htk=htk), n + 2)
    centers_mel = m[1:-1]
    edges_mel = _midpoint_edges(centers_mel)
    edges_mel[0], edges_mel[-1] = m[0], m[-1]
    return np.asarray(mel_to_hz(centers_mel, htk=htk)), np.asarray(mel_to_hz(edges_mel, htk=htk))


def axis_centers(ax_type: Optional[str], n: int, **params: Any) -> np.ndarray:
    """Return the physical coordinate of the centre of each of ``n`` rows/columns.

    Parameters
    ----------
    ax_type : str or None
        The axis type (see :func:`melforge.display.specshow`).
    n : int
        Number of rows (frequency axes) or columns (time axes).
    **params
        ``sr``, ``hop_length``, ``n_fft``, ``fmin``, ``fmax``, ``htk``.

    Returns
    -------
    np.ndarray [shape=(n,)]
        Seconds, Hz, or the index for ``"frames"`` and undecorated axes.
    """
    return _coords(ax_type, n, **params)[0]


def axis_edges(ax_type: Optional[str], n: int, **params: Any) -> np.ndarray:
    """Return the ``n + 1`` cell edges along one axis.

    Parameters
    ----------
    ax_type : str or None
        The axis type (see :func:`melforge.display.specshow`).
    n : int
        Number of rows (frequency axes) or columns (time axes).
    **params
        ``sr``, ``hop_length``, ``n_fft``, ``fmin``, ``fmax``, ``htk``.

    Returns
    -------
    np.ndarray [shape=(n + 1,)]
        Monotonically increasing edges in seconds, Hz, or index units.
    """
    return _coords(ax_type, n, **params)[1]


def _coords(
    ax_type: Optional[str],
    n: int,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    n_fft: Optional[int] = None,
    fmin: Optional[float] = None,
    fmax: Optional[float] = None,
    htk: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    if ax_type in TIME_AXES:
        centers = np.arange(n) * (float(hop_length) / float(sr))
        return centers, _midpoint_edges(centers, half=0.5 * hop_length / float(sr))
    if ax_type in ("linear", "hz", "fft", "log"):
        centers = _fft_centers(n, sr, n_fft)
        edges = np.clip(_midpoint_edges(centers), 0.0, 0.5 * float(sr))
        return centers, edges
    if ax_type == "mel":
        return _mel_edges(n, fmin, fmax, sr, htk)
    if ax_type == "frames" or ax_type in OFF_AXES:
        centers = np.arange(n, dtype=np.float64)
        return centers, np.arange(n + 1, dtype=np.float64) - 0.5
    raise ParameterError(
        f"axis type {ax_type!r} is not supported; use one of "
        f"{', '.join(repr(t) for t in TIME_AXES + FREQ_AXES + ('frames',))} or None"
    )


def coords_to_edges(coords: Any, n: int, name: str) -> np.ndarray:
    """Turn user-given coordinates (``n`` centres or ``n + 1`` edges) into edges.

    Parameters
    ----------
    coords : array_like [shape=(n,) or (n + 1,)]
        Centres of each row/column, or their edges.
    n : int
        Number of rows/columns of the data.
    name : str
        The parameter's name for the error message.

    Returns
    -------
    np.ndarray [shape=(n + 1,)]
        The edges.
    """
    c = np.asarray(coords, dtype=np.float64)
    if c.ndim != 1 or c.size not in (n, n + 1):
        raise ParameterError(
            f"{name} has shape {c.shape}; it must have {n} (centres) or {n + 1} (edges) values"
        )
    return c if c.size == n + 1 else _midpoint_edges(c)
