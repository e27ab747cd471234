"""Load and stream audio files: decode (:mod:`melforge.io`) then resample, as librosa does.

``load``, ``stream``, ``get_duration`` and ``get_samplerate`` take librosa 0.11's
arguments with librosa's defaults and give librosa's numbers.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge._validate import (
    check_nonnegative_number,
    check_positive_int,
    check_sr,
)

__all__ = ["load", "stream", "get_duration", "get_samplerate", "to_mono"]


def _check_float_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise ParameterError(f"{dtype=} is not a numpy dtype") from e
    if dt not in (np.float32, np.float64):
        raise ParameterError(f"dtype={dt} must be a floating-point dtype (float32 or float64)")
    return dt


#: Up to this many channels numpy's mean adds them one after the other, starting from
#: +0.0 (its pairwise summation only unrolls from 8 terms on); the column sum below
#: repeats exactly that, so it gives ``np.mean``'s bits, signed zeros included.
_SEQUENTIAL_CHANNELS = 7
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def to_mono(y: np.ndarray) -> np.ndarray:
    """Average all leading axes (channels) of ``y`` [shape=(..., n)] into shape (n,).

    Bit-identical to librosa's ``np.mean(y, axis=tuple(range(y.ndim - 1)))``.

    Notes
    -----
    For a float ``(channels, n)`` array with at most 7 channels the channel rows are
    added in order into one contiguous accumulator and divided by the channel count:
    on the transposed view of an interleaved decode buffer numpy's reduction runs its
    inner loop over the 2-element channel axis, about 9x slower (305 vs 35 ms for 10
    minutes of 44.1 kHz stereo).  Other inputs take ``np.mean`` itself.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("music"), sr=None, mono=False)
    >>> y.shape
    (2, 264600)
    >>> melforge.to_mono(y).shape
    (264600,)
    """
    if y.ndim == 1:
        return y
    channels = y.shape[0]
    if y.ndim == 2 and 1 < channels <= _SEQUENTIAL_CHANNELS and y.dtype in _FLOATS:
        # 0.0 + y[0] as numpy's reduction does: an all -0.0 column averages to +0.0
        acc = np.add(y[0], y.dtype.type(0.0))
        for c in range(1, channels):
            acc += y[c]
        acc /= channels  # true division, as np.mean (not * (1 / channels))
        return acc
    return np.mean(y, axis=tuple(range(y.ndim - 1)))


def load(
    path: str | os.PathLike[str] | Any,
    *,
    sr: float | None = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
    res_type: str = "soxr_hq",
) -> tuple[np.ndarray, float]:
    """Load an audio file as a floating-point signal, resampled to ``sr``.

    Parameters
    ----------
    path : str, os.PathLike, binary file object, soundfile.SoundFile or int
        WAV (PCM 8/16/24/32-bit, float 32/64, WAVE_FORMAT_EXTENSIBLE, RIFX), AIFF, FLAC,
        OGG Vorbis, Opus and MP3 are decoded by libsndfile; anything else FFmpeg can read
        (M4A/AAC, WebM/Opus, WMA, the audio track of MP4/MKV video) by FFmpeg.  A file
        object or descriptor is read from its current position; an open
        ``soundfile.SoundFile`` too when ``offset`` is 0 (as librosa).  Neither is closed.
    sr : number > 0 or None
        Target sampling rate in Hz; default 22050.  None keeps the file's native rate.
    mono : bool
        If True (default), average the channels into one.
    offset : float >= 0
        Where to start reading, in seconds (frame ``int(offset * native_sr)``).  The
        decoder seeks there; the audio before it is not decoded.  Past the end of the
        file the result is empty.
    duration : float >= 0 or None
        How much to read, in seconds (``int(duration * native_sr)`` frames); None reads to
        the end.
    dtype : numpy float dtype
        Output dtype, float32 by default.
    res_type : str
        Resampling method, see :func:`melforge.resample`; ``"soxr_hq"`` by default.

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)]
        The signal.  Integer PCM is scaled as libsndfile does (16-bit: ``/32768``).
    sr : number > 0
        The sampling rate of ``y``: the ``sr`` you passed, or the native rate.

    Raises
    ------
    AudioFileNotFoundError, UnreadableFileError
        Missing file, directory, permission denied.
    UnsupportedFormatError
        No decoder recognizes the file (both decoders' reasons are in the message).
    CorruptAudioError
        Empty, zero-frame, truncated or undecodable file, a header sample rate that is
        not a finite number > 0, a channel count outside 1..1024, an MP3 tag that
        promises more frames than the file holds, or NaN/Inf samples.
    AudioTooLargeError
        The result would need more memory than this process may use: counted after
        down-mixing and resampling, in ``dtype``, against the cgroup memory limit,
        ``RLIMIT_AS``, the available memory and ``melforge.io.reading.MAX_DECODED_BYTES``
        when set; also a ``MemoryError``.
    ParameterError
        Invalid ``sr``, ``offset``, ``duration``, ``dtype`` or ``res_type``.

    Notes
    -----
    Same numbers as ``librosa.load`` 0.11 (same libsndfile decode, same mono mean, same
    soxr call and length fix): the tests find max abs difference 0.0.  Differences:
    NaN/Inf samples raise CorruptAudioError instead of passing through; a WAV whose
    header declares more data than the file holds raises instead of loading silently
    shortened; files that libsndfile cannot open are decoded by FFmpeg (PyAV) with
    sample-exact seeking rather than audioread; negative ``offset`` or ``duration`` raise;
    an ``offset`` past the end gives an empty array (librosa raises).

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("chirp"), sr=16000)
    >>> y.shape, y.dtype, sr
    ((80000,), dtype('float32'), 16000)
    """
    from melforge.io.reading import read_native
    from melforge.resampling import check_res_type, resample

    if sr is not None:
        check_sr(sr)
    offset = check_nonnegative_number("offset", offset)
    if duration is not None:
        check_nonnegative_number("duration", duration)
    dt = _check_float_dtype(dtype)
    check_res_type(res_type)

    y, sr_native = read_native(
        path, offset=offset, duration=duration, dtype=dt, target_sr=sr, mono=mono
    )
    if mono:
        y = to_mono(y)
    if sr is not None:
        y = resample(y, orig_sr=sr_native, target_sr=sr, res_type=res_type)
    else:
        sr = sr_native
    if y.ndim > 1 and not y.flags.c_contiguous:
        y = np.ascontiguousarray(y)
    return y, sr


def stream(
    path: str | os.PathLike[str] | Any,
    *,
    block_length: int,
    frame_length: int,
    hop_length: int,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    fill_value: float | None = None,
    dtype: Any = np.float32,
) -> Generator[np.ndarray, None, None]:
    """Stream a file in blocks of ``block_length`` frames, at its native sampling rate.

    Each block holds ``frame_length + (block_length - 1) * hop_length`` samples and
    starts ``block_length * hop_length`` samples after the previous one, so blocks
    overlap by ``frame_length - hop_length`` samples and framewise features computed on
    each block with ``center=False`` tile exactly into those of the whole signal.

    Parameters
    ----------
    path : str, os.PathLike, binary file object, soundfile.SoundFile or int
        The file (any format :func:`load` reads).  Blocks start at ``offset`` (from the
        file's start, also for an open SoundFile, as librosa); the caller's SoundFile or
        descriptor is left open.
    block_length : int > 0
        Frames per block.
    frame_length : int > 0
        Samples per frame (e.g. ``n_fft``).
    hop_length : int > 0
        Samples between frames.
    mono : bool
        If True (default), average the channels.
    offset : float >= 0
        Start, in seconds (frame ``int(offset * sr)``); the decoder seeks there.
    duration : float >= 0 or None
        Length in seconds; None streams to the end of the file.
    fill_value : float or None
        None: the last block is shorter.  A number: every block is padded to the full
        block size with it, and when ``duration`` runs past the end of the file the
        missing samples are ``fill_value`` too (as librosa/soundfile).
    dtype : numpy float dtype
        Output dtype, float32 by default.

    Yields
    ------
    y : np.ndarray [shape=(n,) or (channels, n)]
        One block, a fresh array each time.

    Raises
    ------
    AudioError
        As :func:`load`, when the file cannot be opened (raised at the call, not at the
        first ``next``), or CorruptAudioError when a block is undecodable or non-finite.

    Notes
    -----
    Memory is one block plus the decoder's buffers, whatever the file's length.
    Differences from librosa 0.11: the blocks come from libsndfile or FFmpeg (librosa
    streams libsndfile formats only); ``duration=0`` yields nothing, as ``load`` reads
    nothing (librosa tests ``if duration:`` and streams the whole file);
    ``hop_length > frame_length`` skips the samples between blocks, so block ``k``
    still starts at ``k * block_length * hop_length`` (librosa passes a negative
    overlap to ``soundfile.blocks``, which then advances by less than a frame and the
    blocks do not tile); arguments are checked at the call.

    Examples
    --------
    >>> import melforge
    >>> for y_block in melforge.stream(
    ...     melforge.ex("speech"), block_length=256, frame_length=2048, hop_length=512
    ... ):
    ...     S = melforge.stft(y_block, n_fft=2048, hop_length=512, center=False)
    ...     print(S.shape)  # up to 256 frames per block
    (1025, 256)
    (1025, 155)
    """
    from melforge.io.reading import iter_blocks, open_reader

    block_length = check_positive_int("block_length", block_length)
    frame_length = check_positive_int("frame_length", frame_length)
    hop_length = check_positive_int("hop_length", hop_length)
    offset = check_nonnegative_number("offset", offset)
    if duration is not None:
        check_nonnegative_number("duration", duration)
    if fill_value is not None and (
        isinstance(fill_value, bool) or not np.isfinite(np.asarray(fill_value, dtype=float))
    ):
        raise ParameterError(f"{fill_value=} must be None or a finite number")
    dt = _check_float_dtype(dtype)

    reader, src = open_reader(path)
    sr = reader.samplerate
    if reader.frames == 0:
        reader.close()
        from melforge._errors import CorruptAudioError

        raise CorruptAudioError(
            "the file contains no audio frames (empty, or cut before its first one)",
            path=src.path,
        )
    blocks = iter_blocks(
        reader,
        src.path,
        start=int(offset * sr) if offset else 0,
        frames=int(duration * sr) if duration is not None else -1,
        blocksize=frame_length + (block_length - 1) * hop_length,
        advance=block_length * hop_length,
        fill_value=fill_value,
        dtype=dt,
    )
    return _shape_blocks(blocks, mono)


def _shape_blocks(blocks: Any, mono: bool) -> Generator[np.ndarray, None, None]:
    try:
        for block in blocks:  # (n, channels)
            if block.shape[1] == 1:
                yield block[:, 0]
            elif mono:
                yield to_mono(block.T)
            else:
                yield np.ascontiguousarray(block.T)
    finally:
        blocks.close()


def get_duration(
    *,
    y: np.ndarray | None = None,
    sr: float = 22050,
    S: np.ndarray | None = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    center: bool = True,
    path: str | os.PathLike[str] | Any | None = None,
    filename: str | os.PathLike[str] | Any | None = None,
) -> float:
    """Duration in seconds of a signal, a spectrogram, or a file (from its header).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None
        Audio signal.
    sr : number > 0
        Sampling rate of ``y`` or ``S``, in Hz (default 22050).
    S : np.ndarray [shape=(..., d, t)] or None
        STFT-like matrix; its duration is exact only to the frame.
    n_fft : int > 0
        FFT size used for ``S`` (default 2048 samples).
    hop_length : int > 0
        Hop used for ``S`` (default 512 samples).
    center : bool
        Whether ``S`` was computed with centered frames.
    path : str, os.PathLike, binary file object, soundfile.SoundFile or None
        A file; when given, everything else is ignored and the header is read without
        decoding the audio.
    filename : str, os.PathLike or None
        Deprecated alias of ``path`` (as in librosa 0.10-0.11, which removes it in 1.0);
        using it warns ``FutureWarning``.

    Returns
    -------
    float
        Seconds.

    Raises
    ------
    ParameterError
        None of ``y``, ``S``, ``path`` is given, or both ``path`` and ``filename`` are.

    Notes
    -----
    As librosa 0.11: ``path`` takes precedence over ``S``, and ``S`` over ``y``.  For
    FFmpeg-decoded files, see :class:`melforge.AudioInfo` for how ``frames`` is found.

    Examples
    --------
    >>> import melforge
    >>> melforge.get_duration(path=melforge.ex("chirp"))
    5.0
    >>> y, sr = melforge.load(melforge.ex("chirp"))
    >>> melforge.get_duration(y=y, sr=sr)
    5.0
    """
    if filename is not None:
        if path is not None:
            raise ParameterError("give path= only; filename= is its deprecated alias")
        warnings.warn(
            "get_duration(filename=...) is deprecated (librosa 0.10 renamed it and removes "
            "it in 1.0); use path= instead",
            FutureWarning,
            stacklevel=2,
        )
        path = filename
    if path is not None:
        from melforge.io.headers import info

        return info(path).duration
    check_sr(sr)
    if y is None:
        if S is None:
            raise ParameterError("At least one of (y, sr), S, or path must be provided")
        n_frames = S.shape[-1]
        n_samples = n_fft + hop_length * (n_frames - 1)
        if center:
            n_samples = n_samples - 2 * int(n_fft // 2)
    else:
        n_samples = y.shape[-1]
    return float(n_samples) / sr


def get_samplerate(path: str | os.PathLike[str] | Any) -> int:
    """Native sampling rate of a file in Hz, from its header.

    Parameters
    ----------
    path : str, os.PathLike, binary file object, soundfile.SoundFile or int
        The file.

    Returns
    -------
    int
        Sampling rate in Hz.

    Examples
    --------
    >>> import melforge
    >>> melforge.get_samplerate(melforge.ex("music"))
    44100
    """
    from melforge.io.headers import info

    return info(path).samplerate
