"""Unit conversions: samples, frames and seconds; Hz and mel (HTK and Slaney).

Every function mirrors the librosa 0.11 function of the same name (same argument
names, defaults and return values).  Scalars in give numpy scalars out; arrays in
give arrays out.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from melforge._validate import check_positive_int, check_sr

__all__ = [
    "hz_to_mel",
    "mel_to_hz",
    "fft_frequencies",
    "mel_frequencies",
    "frames_to_samples",
    "samples_to_frames",
    "frames_to_time",
    "time_to_frames",
    "samples_to_time",
    "time_to_samples",
    "times_like",
    "samples_like",
    "blocks_to_frames",
    "blocks_to_samples",
    "blocks_to_time",
]

# Slaney's auditory toolbox mel scale: linear below 1 kHz (3 mels per 200/3 Hz ...),
# logarithmic above, with 27 steps per factor 6.4 in frequency.
_F_SP = 200.0 / 3  # Hz per mel in the linear region
_MIN_LOG_HZ = 1000.0  # start of the log region, Hz
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP  # the same point in mels (15.0)
_LOGSTEP = np.log(6.4) / 27.0  # natural-log step per mel in the log region


def hz_to_mel(frequencies: Any, *, htk: bool = False) -> Any:
    """Convert frequencies in Hz to mels.

    Parameters
    ----------
    frequencies : number or np.ndarray [shape=(...)]
        Frequencies in Hz.
    htk : bool
        If True use the HTK formula ``2595 * log10(1 + f / 700)``; otherwise (default)
        the Slaney auditory-toolbox scale, linear below 1 kHz and logarithmic above.

    Returns
    -------
    np.floating or np.ndarray [shape=(...)]
        The frequencies in mels.

    Examples
    --------
    >>> import melforge
    >>> float(melforge.hz_to_mel(440.0))  # Slaney: linear below 1 kHz
    6.6
    >>> round(float(melforge.hz_to_mel(440.0, htk=True)), 2)
    549.64
    """
    f = np.asanyarray(frequencies)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    mels = f / _F_SP
    if f.ndim:
        high = f >= _MIN_LOG_HZ
        mels[high] = _MIN_LOG_MEL + np.log(f[high] / _MIN_LOG_HZ) / _LOGSTEP
    elif f >= _MIN_LOG_HZ:
        mels = _MIN_LOG_MEL + np.log(f / _MIN_LOG_HZ) / _LOGSTEP
    return mels


def mel_to_hz(mels: Any, *, htk: bool = False) -> Any:
    """Convert mels to frequencies in Hz (the inverse of :func:`hz_to_mel`).

    Parameters
    ----------
    mels : number or np.ndarray [shape=(...)]
        Mel values.
    htk : bool
        Use the HTK formula instead of the Slaney scale (default).

    Returns
    -------
    np.floating or np.ndarray [shape=(...)]
        Frequencies in Hz.

    Examples
    --------
    >>> import melforge
    >>> float(melforge.mel_to_hz(6.6))
    440.0
    >>> round(float(melforge.mel_to_hz(549.64, htk=True)), 1)
    440.0
    """
    m = np.asanyarray(mels)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    freqs = _F_SP * m
    if m.ndim:
        high = m >= _MIN_LOG_MEL
        freqs[high] = _MIN_LOG_HZ * np.exp(_LOGSTEP * (m[high] - _MIN_LOG_MEL))
    elif m >= _MIN_LOG_MEL:
        freqs = _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL))
    return freqs


def fft_frequencies(*, sr: float = 22050, n_fft: int = 2048) -> np.ndarray:
    """Return the centre frequencies of the ``1 + n_fft // 2`` real-FFT bins.

    Parameters
    ----------
    sr : float > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT size in samples (2048 is 93 ms at 22.05 kHz).

    Returns
    -------
    np.ndarray [shape=(1 + n_fft // 2,), dtype=float64]
        Frequencies ``0, sr / n_fft, ..., sr / 2`` in Hz.

    Examples
    --------
    >>> import melforge
    >>> melforge.fft_frequencies(sr=16000, n_fft=8)
    array([   0., 2000., 4000., 6000., 8000.])
    """
    sr = check_sr(sr)
    n_fft = check_positive_int("n_fft", n_fft)
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sr)


def mel_frequencies(
    n_mels: int = 128, *, fmin: float = 0.0, fmax: float = 11025.0, htk: bool = False
) -> np.ndarray:
    """Return ``n_mels`` frequencies in Hz, equally spaced on the mel scale.

    Parameters
    ----------
    n_mels : int >= 0
        Number of frequencies.
    fmin, fmax : float >= 0
        Lowest and highest frequency in Hz.
    htk : bool
        Use the HTK mel formula instead of Slaney's.

    Returns
    -------
    np.ndarray [shape=(n_mels,), dtype=float64]
        Frequencies in Hz from ``fmin`` to ``fmax``.

    Examples
    --------
    >>> import melforge
    >>> melforge.mel_frequencies(n_mels=5, fmax=8000).round(1)
    array([   0. ,  754.1, 1688.9, 3675.8, 8000. ])
    """
    lo = hz_to_mel(fmin, htk=htk)
    hi = hz_to_mel(fmax, htk=htk)
    return mel_to_hz(np.linspace(lo, hi, n_mels), htk=htk)


def _offset(n_fft: Optional[int]) -> int:
    return int(n_fft // 2) if n_fft else 0


def frames_to_samples(frames: Any, *, hop_length: int = 512, n_fft: Optional[int] = None) -> Any:
    """Convert frame indices to the sample index where each frame starts (or is centred).

    Parameters
    ----------
    frames : int or np.ndarray [shape=(...)]
        Frame indices.
    hop_length : int > 0
        Samples between successive frames.
    n_fft : int or None
        If given, add ``n_fft // 2`` to compensate for uncentred windows
        (librosa's convention).

    Returns
    -------
    int or np.ndarray [shape=(...), dtype=int]
        Sample indices ``frames * hop_length + n_fft // 2``.

    Examples
    --------
    >>> import melforge
    >>> melforge.frames_to_samples([0, 1, 2], hop_length=512)
    array([   0,  512, 1024])
    """
    return (np.asanyarray(frames) * hop_length + _offset(n_fft)).astype(int)


def samples_to_frames(samples: Any, *, hop_length: int = 512, n_fft: Optional[int] = None) -> Any:
    """Convert sample indices to the index of the frame that holds them.

    Parameters
    ----------
    samples : int or np.ndarray [shape=(...)]
        Sample indices.
    hop_length : int > 0
        Samples between successive frames.
    n_fft : int or None
        If given, subtract ``n_fft // 2`` first (librosa's convention).

    Returns
    -------
    int or np.ndarray [shape=(...), dtype=int]
        ``floor((samples - n_fft // 2) / hop_length)``.

    Examples
    --------
    >>> import melforge
    >>> melforge.samples_to_frames([0, 511, 512, 22050], hop_length=512)
    array([ 0,  0,  1, 43])
    """
    s = np.asanyarray(samples)
    return np.asarray(np.floor((s - _offset(n_fft)) // hop_length), dtype=int)


def samples_to_time(samples: Any, *, sr: float = 22050) -> Any:
    """Convert sample indices to time in seconds.

    Parameters
    ----------
    samples : int or np.ndarray [shape=(...)]
        Sample indices.
    sr : float > 0
        Sample rate in Hz.

    Returns
    -------
    float or np.ndarray [shape=(...)]
        ``samples / sr`` in seconds.

    Examples
    --------
    >>> import melforge
    >>> melforge.samples_to_time([0, 11025, 22050], sr=22050)
    array([0. , 0.5, 1. ])
    """
    return np.asanyarray(samples) / float(sr)


def time_to_samples(times: Any, *, sr: float = 22050) -> Any:
    """Convert times in seconds to sample indices (truncated towards zero).

    Parameters
    ----------
    times : float or np.ndarray [shape=(...)]
        Times in seconds.
    sr : float > 0
        Sample rate in Hz.

    Returns
    -------
    int or np.ndarray [shape=(...), dtype=int]
        ``int(times * sr)``.

    Examples
    --------
    >>> import melforge
    >>> melforge.time_to_samples([0.0, 0.5, 1.0], sr=16000)
    array([    0,  8000, 16000])
    """
    return (np.asanyarray(times) * sr).astype(int)


def frames_to_time(
    frames: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: Optional[int] = None
) -> Any:
    """Convert frame indices to time in seconds.

    Parameters
    ----------
    frames : int or np.ndarray [shape=(...)]
        Frame indices.
    sr : float > 0
        Sample rate in Hz.
    hop_length : int > 0
        Samples between successive frames (512 is 23 ms at 22.05 kHz).
    n_fft : int or None
        If given, offset by ``n_fft // 2`` samples (see :func:`frames_to_samples`).

    Returns
    -------
    float or np.ndarray [shape=(...)]
        Times in seconds.

    Examples
    --------
    >>> import melforge
    >>> melforge.frames_to_time([0, 1, 100], sr=22050, hop_length=512).round(4)
    array([0.    , 0.0232, 2.322 ])
    """
    return samples_to_time(frames_to_samples(frames, hop_length=hop_length, n_fft=n_fft), sr=sr)


def time_to_frames(
    times: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: Optional[int] = None
) -> Any:
    """Convert times in seconds to frame indices.

    Parameters
    ----------
    times : float or np.ndarray [shape=(...)]
        Times in seconds.
    sr : float > 0
        Sample rate in Hz.
    hop_length : int > 0
        Samples between successive frames.
    n_fft : int or None
        If given, offset by ``n_fft // 2`` samples (see :func:`samples_to_frames`).

    Returns
    -------
    int or np.ndarray [shape=(...), dtype=int]
        Frame indices.

    Examples
    --------
    >>> import melforge
    >>> melforge.time_to_frames([0.0, 1.0, 2.0], sr=22050, hop_length=512)
    array([ 0, 43, 86])
    """
    return samples_to_frames(time_to_samples(times, sr=sr), hop_length=hop_length, n_fft=n_fft)


def samples_like(
    X: Any,  # noqa: N803 - librosa's name
    *,
    hop_length: int = 512,
    n_fft: Optional[int] = None,
    axis: int = -1,
) -> np.ndarray:
    """Return the sample index of each frame of a feature array (or of ``X`` frames).

    Parameters
    ----------
    X : np.ndarray [shape=(..., n_frames, ...)] or int
        A feature matrix (e.g. an STFT), whose ``axis`` counts frames, or the number of
        frames itself.
    hop_length : int > 0
        Samples between successive frames.
    n_fft : int or None
        If given, offset by ``n_fft // 2`` (see :func:`frames_to_samples`).
    axis : int
        Frame axis of ``X``.

    Returns
    -------
    np.ndarray [shape=(n_frames,), dtype=int]
        ``frames_to_samples(np.arange(n_frames), ...)``.

    Examples
    --------
    >>> import melforge
    >>> melforge.samples_like(4)
    array([   0,  512, 1024, 1536])
    """
    frames = np.arange(X) if np.isscalar(X) else np.arange(np.shape(X)[axis])  # type: ignore[arg-type]
    result: np.ndarray = frames_to_samples(frames, hop_length=hop_length, n_fft=n_fft)
    return result


def times_like(
    X: Any,  # noqa: N803 - librosa's name
    *,
    sr: float = 22050,
    hop_length: int = 512,
    n_fft: Optional[int] = None,
    axis: int = -1,
) -> np.ndarray:
    """Return the time in seconds of each frame of a feature array (or of ``X`` frames).

    Parameters
    ----------
    X : np.ndarray [shape=(..., n_frames, ...)] or int
        A feature matrix whose ``axis`` counts frames, or the number of frames.
    sr : float > 0
        Sample rate in Hz.
    hop_length : int > 0
        Samples between successive frames (512 is 23 ms at 22.05 kHz).
    n_fft : int or None
        If given, offset by ``n_fft // 2`` samples.
    axis : int
        Frame axis of ``X``.

    Returns
    -------
    np.ndarray [shape=(n_frames,), dtype=float64]
        Seconds, ``samples_like(X, ...) / sr``.

    Examples
    --------
    >>> import melforge
    >>> melforge.times_like(3, sr=16000, hop_length=160)
    array([0.  , 0.01, 0.02])
    """
    samples = samples_like(X, hop_length=hop_length, n_fft=n_fft, axis=axis)
    result: np.ndarray = samples_to_time(samples, sr=sr)
    return result


def blocks_to_frames(blocks: Any, *, block_length: int) -> Any:
    """Convert block indices (of :func:`melforge.stream`) to the first frame of each block.

    Parameters
    ----------
    blocks : int or np.ndarray [shape=(...)]
        Block indices.
    block_length : int > 0
        Frames per block.

    Returns
    -------
    int or np.ndarray [shape=(...)]
        ``blocks * block_length``.

    Examples
    --------
    >>> import melforge
    >>> melforge.blocks_to_frames([0, 1, 2], block_length=16)
    array([ 0, 16, 32])
    """
    return block_length * np.asanyarray(blocks)


def blocks_to_samples(blocks: Any, *, block_length: int, hop_length: int) -> Any:
    """Convert block indices to the first sample of each block.

    Parameters
    ----------
    blocks : int or np.ndarray [shape=(...)]
        Block indices.
    block_length : int > 0
        Frames per block.
    hop_length : int > 0
        Samples between successive frames.

    Returns
    -------
    int or np.ndarray [shape=(...), dtype=int]
        ``blocks * block_length * hop_length``.

    Examples
    --------
    >>> import melforge
    >>> int(melforge.blocks_to_samples(2, block_length=16, hop_length=512))
    16384
    """
    frames = blocks_to_frames(blocks, block_length=block_length)
    return frames_to_samples(frames, hop_length=hop_length)


def blocks_to_time(blocks: Any, *, block_length: int, hop_length: int, sr: float) -> Any:
    """Convert block indices to the time in seconds where each block starts.

    Parameters
    ----------
    blocks : int or np.ndarray [shape=(...)]
        Block indices.
    block_length : int > 0
        Frames per block.
    hop_length : int > 0
        Samples between successive frames.
    sr : float > 0
        Sample rate in Hz.

    Returns
    -------
    float or np.ndarray [shape=(...)]
        Seconds.

    Examples
    --------
    >>> import melforge
    >>> float(melforge.blocks_to_time(1, block_length=16, hop_length=512, sr=16384))
    0.5
    """
    samples = blocks_to_samples(blocks, block_length=block_length, hop_length=hop_length)
    return samples_to_time(samples, sr=sr)
