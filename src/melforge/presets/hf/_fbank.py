"""What the Kaldi-fbank families (SeamlessM4T, Speech2Text, AST) share.

transformers' numpy path for these extractors is one recipe: 400-sample frames every
160 samples (snip edges), float64 arithmetic, DC removal, pre-emphasis 0.97, a
symmetric window, a 512-point power spectrum, a Kaldi-scale mel bank triangular in mel
space from 20 Hz to Nyquist (bins that cover no FFT bin kept at zero), and
``log(max(mel, 1.1920929e-07))``.  :func:`melforge.feature.kaldi_fbank` computes it
with ``precision="float64"`` and ``keep_empty_bins=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, cast

import numpy as np

from melforge._errors import ParameterError
from melforge.feature.kaldi import Moments, _fbank_float64_clips, _moments, kaldi_fbank
from melforge.feature.recipe import Recipe, run

__all__ = [
    "check_clips", "config_bool", "config_int", "config_float", "config_padding",
    "fbank_features", "fbank_rows", "padded_output",
]  # fmt: skip

FRAME_LENGTH = 400  # samples (25 ms at 16 kHz); transformers fixes it in samples
HOP = 160  # samples (10 ms)


def config_bool(config: dict[str, Any], key: str, default: bool) -> bool:
    """Pop ``key`` (a JSON boolean) from ``config``."""
    value = config.pop(key, default)
    if not isinstance(value, bool):
        raise ParameterError(f"config {key}={value!r} must be true or false")
    return value


def config_int(config: dict[str, Any], key: str, default: int, *, minimum: int = 1) -> int:
    """Pop ``key`` (an integer >= ``minimum``) from ``config``."""
    value = config.pop(key, default)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ParameterError(f"config {key}={value!r} must be an integer >= {minimum}")
    return int(value)


def config_float(config: dict[str, Any], key: str, default: float) -> float:
    """Pop ``key`` (a finite number) from ``config``."""
    value = config.pop(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value):
        raise ParameterError(f"config {key}={value!r} must be a finite number")
    return float(value)


def config_padding(config: dict[str, Any]) -> dict[str, Any]:
    """Pop the padded-frame fields (``padding_value``, ``padding_side``, ``feature_size``).

    Also pops ``return_attention_mask``: the SeamlessM4T and Speech2Text extractors'
    ``__init__`` overwrites it with True whatever the config says (the call option decides).
    """
    fields = {
        "padding_value": config_float(config, "padding_value", 0.0),
        "padding_side": config.pop("padding_side", "right"),
        "feature_size": config_int(config, "feature_size", 80, minimum=2),
    }
    config_bool(config, "return_attention_mask", True)
    return fields


def config_rate(config: dict[str, Any]) -> int:
    """Pop ``sampling_rate``: 16000 only (the frames are fixed at 400/160 samples)."""
    rate = config.pop("sampling_rate", 16000)
    if rate != 16000:
        raise ParameterError(
            f"config sampling_rate={rate!r}: this recipe is implemented at 16000 Hz only "
            "(transformers fixes its frames at 400 samples every 160, its mel bank at the "
            "configured rate)"
        )
    return 16000


def check_clips(clips: list[np.ndarray]) -> list[int]:
    """Return each clip's frame count.

    Raises
    ------
    ParameterError
        A clip shorter than one 400-sample frame (transformers fails on it too).
    """
    for i, y in enumerate(clips):
        if y.shape[-1] < FRAME_LENGTH:
            raise ParameterError(
                f"clip {i} has {y.shape[-1]} samples; this recipe needs at least "
                f"{FRAME_LENGTH} (one 25 ms frame at 16 kHz)"
            )
    return [1 + (y.shape[-1] - FRAME_LENGTH) // HOP for y in clips]


def padded_output(shape: tuple[int, ...], padding_value: float) -> tuple[np.ndarray, bool]:
    """Return a float32 output array for padded features, and whether to write its padding.

    With a padding value of +0.0 the array comes from ``np.zeros``: large arrays are
    fresh zero pages from the OS, so the padding (about half of a batch of mixed
    lengths) is never written, nor its pages touched here.
    """
    if padding_value == 0.0 and not np.signbit(padding_value):
        return np.zeros(shape, dtype=np.float32), False
    return np.empty(shape, dtype=np.float32), True


def fbank_features(
    clips: list[np.ndarray],
    *,
    num_mel_bins: int,
    window: str,
    waveform_scale: float,
    dither: float = 0.0,
    seed: Optional[int] = None,
) -> list[np.ndarray]:
    """Log-mel filterbanks ``(n_frames_i, num_mel_bins)`` float32 of each 16 kHz clip.

    Raises
    ------
    ParameterError
        A clip shorter than one 400-sample frame (transformers fails on it too).
    """
    check_clips(clips)
    if dither == 0.0:  # the clips were checked by the preset: skip kaldi_fbank's checks
        feats = _fbank_float64_clips(
            clips, num_mel_bins=num_mel_bins, window=window, waveform_scale=waveform_scale
        )
        return cast(list[np.ndarray], feats)  # a list without consume
    rng = np.random.default_rng(seed)
    return [
        kaldi_fbank(
            y, sr=16000, num_mel_bins=num_mel_bins, window=window, dither=dither,
            waveform_scale=waveform_scale, seed=rng, keep_empty_bins=True,
            precision="float64",
        )  # fmt: skip
        for y in clips
    ]


_EPS32 = float(np.finfo(np.float32).eps)  # the log floor of the recipe


def fbank_recipe(*, num_mel_bins: int, window: str, waveform_scale: float) -> Recipe:
    """Return this module's recipe as a :class:`~melforge.feature.recipe.Recipe`.

    Parameters
    ----------
    num_mel_bins : int
        Mel bins per frame.
    window : {"povey", "hanning"}
        transformers' ``window_function`` name (both symmetric, over 399 samples).
    waveform_scale : float
        Gain of the waveform first (32768 for SeamlessM4T and Speech2Text, 1 for AST).

    Returns
    -------
    Recipe
        Log filterbanks ``(n_frames, num_mel_bins)``, without normalization (the families
        add theirs).  ``precision="float64"``: transformers' numpy path computes in
        float64, and a float32 FFT moves the quietest bands by more than 1e-4.
    """
    return Recipe(
        waveform_scale=waveform_scale, frame_length=FRAME_LENGTH, hop_length=HOP,
        n_fft=1 << (FRAME_LENGTH - 1).bit_length(), remove_dc=True, preemphasis=0.97,
        preemphasis_style="kaldi", window="hann" if window == "hanning" else window,
        periodic=False, power=2.0, n_mels=num_mel_bins, fmin=20.0, fmax=None,
        mel_bank="kaldi", mel_norm=None, log="ln", mel_floor=_EPS32, floor_mode="max",
        precision="float64",
    )  # fmt: skip


def too_short(clips: list[Any]) -> bool:
    """Return True when a clip (1-D array or tensor) is shorter than one 400-sample frame."""
    return any(int(y.shape[-1]) < FRAME_LENGTH for y in clips)


def fbank_tensors(clips: list[Any], recipe: Recipe) -> list[Any]:
    """:func:`~melforge.feature.recipe.run` of ``recipe`` on each 1-D tensor, in torch.

    Clips of equal length (and device and dtype) run as one ``(batch, n)`` call.

    Returns
    -------
    list of torch.Tensor [shape=(n_frames_i, recipe.n_features)]
        In the recipe's compute dtype (float64 here); callers cast.
    """
    from melforge.presets._tensor import by_length

    return by_length(clips, lambda batch: run(recipe, batch))


def fbank_rows(
    clips: list[np.ndarray],
    consume: Callable[[int, np.ndarray, Optional[Moments]], None],
    *,
    num_mel_bins: int,
    window: str,
    waveform_scale: float,
    dither: float = 0.0,
    seed: Optional[int] = None,
    stats_rows: Optional[list[int]] = None,
) -> None:
    """Call ``consume(i, rows, moments)`` with each clip's float64 log filterbanks, unrounded.

    ``rows`` is ``(n_frames_i, num_mel_bins)`` float64 in a buffer reused for the next
    clip: ``consume`` writes what it keeps into its own (padded) output, so the
    families normalize and pad without an intermediate float32 array per clip (with
    dither, the rows are the float32 features, widened).  The clips must have passed
    :func:`check_clips`.  ``consume`` may run on several threads at once (scipy.fft's
    worker count), on different clips.  With ``stats_rows``, ``moments`` is the per-bin
    ``(mean, sum of squared deviations)`` of the clip's first ``stats_rows[i]`` rows
    (float64, reused for the next clip); else None.
    """
    if dither == 0.0:
        _fbank_float64_clips(
            clips, num_mel_bins=num_mel_bins, window=window, waveform_scale=waveform_scale,
            consume=consume, stats_rows=stats_rows,
        )  # fmt: skip
        return
    feats = fbank_features(
        clips, num_mel_bins=num_mel_bins, window=window, waveform_scale=waveform_scale,
        dither=dither, seed=seed,
    )  # fmt: skip
    for i, x in enumerate(feats):
        rows = x.astype(np.float64)
        consume(i, rows, None if stats_rows is None else _moments(rows[: stats_rows[i]]))
