"""One declarative description of a log-mel front end, and a backend-neutral run of it.

Every model front end melforge reproduces (Whisper, Kaldi fbank, NeMo, the
``from_pretrained`` families) is the same chain of steps with different settings:

1. **waveform**: gain (``waveform_scale``), whole-signal pre-emphasis, centring pad;
2. **frames**: ``frame_length`` samples every ``hop_length`` (optionally one extra
   sample per frame for look-ahead pre-emphasis), last frame dropped or not;
3. **per frame**: DC removal, pre-emphasis (three conventions), gain, window (zero
   padded at its end to ``n_fft``: a centred window only rotates the frame, which
   leaves the power unchanged);
4. **spectrum**: ``|X|`` or ``|X|^2``;
5. **mel**: a named bank (Slaney, HTK, Kaldi's mel-space triangles, ...);
6. **log**: ln / log10 / dB with a floor (``max`` or ``add``), a dynamic-range clamp
   relative to the clip's peak, then ``x * log_scale + log_offset``;
7. **normalization**: none, per mel bin (over the clip's valid frames), per clip, or
   fixed statistics; frames past the valid ones optionally zeroed;
8. **deltas and stacking**.

:class:`Recipe` holds those settings (frozen, hashable, JSON round-trippable through
:meth:`Recipe.to_dict`); :func:`run` computes them on a batch of equal-length clips
with numpy (float64 by default: the reference computation a family's fast kernel is
tested against) or, given a ``torch.Tensor``, with torch on the tensor's device.
Transformers' batch rules (padding, truncation, masks) are not part of a recipe: the
presets apply them around it.  Parameter names follow transformers'
``audio_utils.spectrogram`` where one fits (``frame_length``, ``hop_length``,
``fft_length`` is ``n_fft`` here, ``preemphasis``, ``remove_dc_offset``, ``mel_floor``,
``log_mel``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor

__all__ = ["Recipe", "run", "mel_bank", "window"]

_WINDOWS = ("hann", "hamming", "povey", "blackman", "rectangular", "hann_float32")
_BANKS = ("slaney", "htk", "kaldi", "mel_space")
_LOGS = ("none", "ln", "log10", "db")
_NORMALIZE = ("none", "per_bin", "per_clip", "fixed")
_PREEMPHASIS = ("kaldi", "htk", "lookahead")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A log-mel front end, step by step (see the module docstring for the order).

    Attributes
    ----------
    sample_rate : float
        Rate the recipe expects, in Hz.
    waveform_scale : float
        Gain applied to the waveform first (Kaldi recipes: 32768).
    waveform_preemphasis : float
        ``y[n] - p * y[n - 1]`` over the whole waveform (``y[0]`` kept), before framing.
    mask_samples : bool
        With ``lengths`` (see :func:`run`), set each clip's samples from its length on
        to 0 after the waveform gain and pre-emphasis (NeMo and transformers' Parakeet
        pre-emphasize the padded batch, then mask it), before the centring pad.
    center : bool
        Pad ``n_fft // 2`` samples on both sides before framing (librosa/torch ``center``):
        frame ``k`` is the ``n_fft`` samples centred on sample ``k * hop_length``, its
        window of ``frame_length`` centred in them (``torch.stft`` with
        ``win_length < n_fft``), ``1 + (n + 2 * (n_fft // 2) - n_fft) // hop_length``
        frames.
    center_frame : bool
        With ``center``, centre on the ``frame_length``-sample window instead: pad
        ``frame_length // 2`` samples on both sides, frame ``k`` starts at sample
        ``k * hop_length`` of the padded signal, ``1 + (n + 2 * (frame_length // 2) -
        frame_length) // hop_length`` frames (transformers'
        ``audio_utils.spectrogram(center=True)``, SpeechT5's targets).  The same frames
        as the default for an even ``frame_length``; they differ by one sample (and one
        frame) for an odd one.
    pad_mode : {"reflect", "constant"}
        How ``center`` pads.
    frame_length, hop_length : int
        Frame (= window) length and hop, in samples.
    n_fft : int
        FFT size (>= ``frame_length``; the windowed frame is zero padded at its end).
    drop_last : bool
        Drop the last frame (Whisper).
    snip_edges : bool
        Kaldi's option: True frames only whole windows inside the (padded) signal;
        False gives ``(n + hop // 2) // hop`` frames, frame ``t`` starting at
        ``t * hop + hop // 2 - frame_length // 2``, over the signal mirrored at its
        ends with the edge sample repeated (Kaldi, torchaudio, lhotse).  Needs
        ``center=False``.
    extra_sample : bool
        Frames span ``frame_length + 1`` samples whatever the pre-emphasis style, so
        the frame count is that of ``frame_length + 1``-sample frames; only look-ahead
        pre-emphasis reads the extra sample, the other styles drop it (transformers'
        Gemma 3n / Gemma 4 audio extractors).  Implied by ``"lookahead"``.
    remove_dc : bool
        Subtract each frame's mean (Kaldi ``remove_dc_offset``).
    preemphasis : float
        In-frame pre-emphasis coefficient (0 = none).
    preemphasis_style : {"kaldi", "htk", "lookahead"}
        First sample of a frame: ``x0 - p * x0`` (Kaldi), ``x0 * (1 - p)`` (HTK, as the
        float32 constant ``1 - p``), or frames of ``frame_length + 1`` samples with
        ``x[k + 1] - p * x[k]`` (look-ahead).
    frame_scale : float
        Gain applied after in-frame pre-emphasis (Phi-4: 32768).
    preemphasis_float32 : bool
        Run the pre-emphasis (waveform or in-frame; Kaldi's first sample as
        ``x0 - p * x0``) and ``frame_scale`` in float32 arithmetic on float32 samples,
        then widen to the run's precision: transformers' Phi-4 and Parakeet extractors
        pre-emphasize float32 audio, and that rounding moves the weak low bands by up to
        ~1e-3 in the log.
    window : {"hann", "hamming", "povey", "blackman", "rectangular", "hann_float32"}
        Analysis window of ``frame_length`` samples (``hann_float32``: the Hann formula
        evaluated in float32 arithmetic, as transformers' Gemma 3n computes it).
    periodic : bool
        Periodic (``torch.hann_window`` default) or symmetric window.
    power : float
        1 for the magnitude spectrum, 2 for the power spectrum.
    n_mels : int
        Mel bands.
    fmin, fmax : float
        Band edges in Hz (``fmax`` None: Nyquist).
    mel_bank : {"slaney", "htk", "kaldi", "mel_space"}
        Slaney or HTK scale with triangles in Hz (librosa/torchaudio; ``mel_norm``
        applies), Kaldi's triangles in mel space (Nyquist bin zero; empty bands kept),
        or triangles in Kaldi-scale mel space over the bins above DC
        (``linear_to_mel_weight_matrix``).
    mel_norm : {"slaney", None}
        Area normalization of the Slaney/HTK triangles.
    log : {"none", "ln", "log10", "db"}
        Log of the mel energies (``db`` is ``10 * log10``).
    mel_floor : float
        Floor of the mel energies before the log.
    floor_mode : {"max", "add"}
        ``log(max(m, floor))`` or ``log(m + floor)``.
    dynamic_range : float or None
        Clamp each clip to its peak minus this many log units (Whisper: 8 decades).
    log_scale, log_offset : float
        ``x * log_scale + log_offset`` after the log (Whisper: 0.25 and 1).
    normalize : {"none", "per_bin", "per_clip", "fixed"}
        Standardization: per mel bin over the valid frames, over the whole clip, or
        with fixed ``norm_mean``/``norm_std``.
    norm_ddof : int
        Delta degrees of freedom of the standard deviation.
    norm_eps : float
        Added to the variance inside the root (``norm_eps_in_sqrt``) or to the std.
    norm_eps_in_sqrt : bool
        Where ``norm_eps`` goes.
    norm_mean, norm_std : tuple of float or None
        Fixed statistics (``normalize="fixed"``): one value or one per band.
    zero_invalid : bool
        Set frames past each clip's valid frames to 0 after normalization (NeMo), or
        after the log when ``normalize="none"``.
    deltas : bool
        Append first-order deltas (edges repeated): ``(x[t+1] - x[t-1]) / 2`` with the
        default ``delta_window``.
    delta_window : int
        Odd window of the deltas' regression, ``2N + 1`` frames:
        ``sum_k k (x[t+k] - x[t-k]) / (2 sum_k k**2)`` for ``k = 1 .. N``
        (torchaudio's ``compute_deltas(win_length=...)``; 3 gives the two-point delta).
    stack : int
        Stack this many consecutive frames into one vector (an incomplete last group
        is dropped).
    precision : {"float64", "float32"}
        Arithmetic of the run.  float64 recipes (the Kaldi-fbank families, whose
        quietest bands a float32 FFT moves by more than 1e-4) also run in float64 on
        tensors; float32 recipes run on a tensor in its own dtype.
    frame_dtype : {None, "float32"}
        "float32": the waveform and per-frame steps (gain, pre-emphasis, window, its
        values rounded to float32) run in float32, as transformers' numpy extractors do
        on float32 audio, and the FFT and what follows in ``precision``.  Their
        rounding sets the quietest bands (Gemma: up to 6e-4 in ``ln`` units).
    """

    sample_rate: float = 16000
    waveform_scale: float = 1.0
    waveform_preemphasis: float = 0.0
    mask_samples: bool = False
    center: bool = False
    center_frame: bool = False
    pad_mode: str = "reflect"
    frame_length: int = 400
    hop_length: int = 160
    n_fft: int = 400
    drop_last: bool = False
    snip_edges: bool = True
    extra_sample: bool = False
    remove_dc: bool = False
    preemphasis: float = 0.0
    preemphasis_style: str = "kaldi"
    frame_scale: float = 1.0
    preemphasis_float32: bool = False
    window: str = "hann"
    periodic: bool = True
    power: float = 2.0
    n_mels: int = 80
    fmin: float = 0.0
    fmax: Optional[float] = None
    mel_bank: str = "slaney"
    mel_norm: Optional[str] = "slaney"
    log: str = "log10"
    mel_floor: float = 1e-10
    floor_mode: str = "max"
    dynamic_range: Optional[float] = None
    log_scale: float = 1.0
    log_offset: float = 0.0
    normalize: str = "none"
    norm_ddof: int = 0
    norm_eps: float = 0.0
    norm_eps_in_sqrt: bool = True
    norm_mean: Optional[tuple[float, ...]] = None
    norm_std: Optional[tuple[float, ...]] = None
    zero_invalid: bool = False
    deltas: bool = False
    delta_window: int = 3
    stack: int = 1
    precision: str = "float64"
    frame_dtype: Optional[str] = None

    def __post_init__(self) -> None:
        choices = {
            "pad_mode": ("reflect", "constant"), "preemphasis_style": _PREEMPHASIS,
            "window": _WINDOWS, "mel_bank": _BANKS, "mel_norm": ("slaney", None),
            "log": _LOGS, "floor_mode": ("max", "add"), "normalize": _NORMALIZE,
            "precision": ("float64", "float32"), "frame_dtype": (None, "float32"),
        }  # fmt: skip
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ParameterError(f"{name}={getattr(self, name)!r} must be one of {allowed}")
        for name in ("frame_length", "hop_length", "n_fft", "n_mels", "stack"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ParameterError(f"{name}={value!r} must be an integer >= 1")
        if self.delta_window < 3 or self.delta_window % 2 == 0:
            raise ParameterError(f"delta_window={self.delta_window!r} must be odd and >= 3")
        if self.n_fft < self.frame_length:
            raise ParameterError(
                f"n_fft={self.n_fft} must be >= frame_length={self.frame_length}"
            )
        if not self.snip_edges and self.center:
            raise ParameterError("snip_edges=False frames the signal itself: needs center=False")
        if self.power not in (1.0, 2.0):
            raise ParameterError(f"power={self.power!r} must be 1 (magnitude) or 2 (power)")
        if self.normalize == "fixed" and (self.norm_mean is None or self.norm_std is None):
            raise ParameterError("normalize='fixed' needs norm_mean and norm_std")
        for name in ("norm_mean", "norm_std"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(float(v) for v in np.ravel(value)))

    # -- description ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dict (``Recipe(**d)`` rebuilds the recipe)."""
        out = dataclasses.asdict(self)
        for name in ("norm_mean", "norm_std"):
            if out[name] is not None:
                out[name] = list(out[name])
        return out

    @property
    def n_bins(self) -> int:
        """FFT bins: ``n_fft // 2 + 1``."""
        return self.n_fft // 2 + 1

    @property
    def n_features(self) -> int:
        """Output vector size: ``n_mels``, doubled by deltas, times ``stack``."""
        return self.n_mels * (2 if self.deltas else 1) * self.stack

    @property
    def span(self) -> int:
        """Samples a frame reads: ``frame_length`` (+ 1: look-ahead or ``extra_sample``)."""
        extra = self.extra_sample or self.preemphasis_style == "lookahead"
        return self.frame_length + (1 if extra else 0)

    @property
    def frame_offset(self) -> int:
        """First sample of frame 0's window in the (centre-padded) signal.

        ``(n_fft - frame_length) // 2`` when centred (the window sits in the middle of
        the ``n_fft`` frame), else 0 (also with ``center_frame``).
        """
        if not self.center or self.center_frame:
            return 0
        return (self.n_fft - self.frame_length) // 2

    def n_frames(self, n: int) -> int:
        """Output frames for a clip of ``n`` samples (before stacking)."""
        span = self.span
        if self.center_frame and self.center:  # the window's frame must fit
            n = n + 2 * (self.frame_length // 2)
        elif self.center:  # the whole n_fft frame must fit in the padded signal
            n = n + 2 * (self.n_fft // 2)
            span = max(self.n_fft, self.frame_offset + span)
        count = max(0, (n - span) // self.hop_length + 1)
        if not self.snip_edges:
            count = (n + self.hop_length // 2) // self.hop_length
        if self.drop_last:
            count = max(0, count - 1)
        return count

    def valid_frames(self, n: int) -> int:
        """Frames that normalization counts for a clip of ``n`` real samples: ``n // hop``.

        NeMo's rule (and transformers' Parakeet port), used by ``normalize="per_bin"``
        when :func:`run` is given ``lengths``.
        """
        return n // self.hop_length


@functools.lru_cache(maxsize=32)
def window(kind: str, length: int, periodic: bool) -> np.ndarray:
    """Return the window of ``length`` samples, float64, read-only."""
    denom = length if periodic else max(length - 1, 1)
    phase = 2.0 * np.pi * np.arange(length) / denom
    if kind == "hann":
        w = 0.5 - 0.5 * np.cos(phase)
    elif kind == "povey":
        w = (0.5 - 0.5 * np.cos(phase)) ** 0.85
    elif kind == "hamming":
        w = 0.54 - 0.46 * np.cos(phase)
    elif kind == "blackman":
        w = 0.42 - 0.5 * np.cos(phase) + 0.08 * np.cos(2 * phase)
    elif kind == "hann_float32":
        n32 = np.arange(length, dtype=np.float32)
        w = (0.5 * (1 - np.cos(2 * np.pi * n32 / denom))).astype(np.float64)
    else:
        w = np.ones(length)
    w.flags.writeable = False
    return w


@functools.lru_cache(maxsize=32)
def _bank(recipe: Recipe) -> np.ndarray:
    sr, n_fft, n_mels = recipe.sample_rate, recipe.n_fft, recipe.n_mels
    fmax = sr / 2.0 if recipe.fmax is None else recipe.fmax
    if recipe.mel_bank in ("slaney", "htk"):
        import warnings

        from melforge.filters import mel

        with warnings.catch_warnings():  # empty bands are part of some models' recipes
            warnings.simplefilter("ignore", UserWarning)
            basis = mel(
                sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=recipe.fmin, fmax=fmax,
                htk=recipe.mel_bank == "htk", norm=recipe.mel_norm, dtype=np.float64,
            ).T  # fmt: skip
    elif recipe.mel_bank == "kaldi":
        from melforge.feature.kaldi import _mel_banks

        basis = _mel_banks(n_mels, n_fft, sr, recipe.fmin, fmax, True, np.float64)
    else:  # mel_space: Kaldi-scale triangles over the bins above DC
        from melforge.feature.kaldi import _mel_scale as to_mel

        bins = to_mel(np.linspace(0.0, sr / 2.0, recipe.n_bins)[1:])[:, None]
        edges = np.linspace(to_mel(recipe.fmin), to_mel(fmax), n_mels + 2)
        lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
        rising = (bins - lower) / (centre - lower)
        falling = (upper - bins) / (upper - centre)
        basis = np.zeros((recipe.n_bins, n_mels))
        basis[1:] = np.maximum(0.0, np.minimum(rising, falling))
    out = np.ascontiguousarray(basis, dtype=np.float64)
    out.flags.writeable = False
    return out


_BLOCK_VALUES = 1 << 18  # frame values per CPU block (256 k: a block stays in L2)


@functools.lru_cache(maxsize=32)
def _bands(recipe: Recipe) -> Any:
    """Return the recipe's mel bank cut into bands of filters with their support."""
    from melforge.feature._kernel import _cut_bands

    return _cut_bands(mel_bank(recipe))


def mel_bank(recipe: Recipe) -> np.ndarray:
    """Return the recipe's mel bank ``(n_fft // 2 + 1, n_mels)`` float64, read-only."""
    return _bank(recipe)


# -- backends ----------------------------------------------------------------------------
class _Numpy:
    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def asarray(self, y: Any) -> Any:
        return np.asarray(y, dtype=self.dtype)

    def empty(self, shape: tuple[int, ...], like: Any) -> Any:
        return np.empty(shape, dtype=self.dtype)

    def on_cpu(self, x: Any) -> bool:
        return True

    def const(self, a: np.ndarray, like: Any) -> Any:
        return a.astype(self.dtype, copy=False)

    def pad(self, x: Any, left: int, right: int, mode: str) -> Any:
        widths = [(0, 0)] * (x.ndim - 1) + [(left, right)]
        return np.pad(x, widths, mode=mode)  # type: ignore[call-overload]

    def frames(self, x: Any, length: int, hop: int) -> Any:
        return np.lib.stride_tricks.sliding_window_view(x, length, axis=-1)[..., ::hop, :]

    def power_spectrum(self, x: Any, n_fft: int, power: float) -> Any:
        from melforge.spectral import _fft

        spec = _fft.rfft(np.ascontiguousarray(x), n=n_fft)
        out = spec.real**2 + spec.imag**2
        return np.sqrt(out) if power == 1.0 else out

    def log(self, x: Any, kind: str) -> Any:
        return np.log(x) if kind == "ln" else np.log10(x)

    def maximum(self, x: Any, floor: Any) -> Any:
        return np.maximum(x, floor)

    def amax(self, x: Any, axes: tuple[int, ...]) -> Any:
        return x.max(axis=axes, keepdims=True)

    def mean(self, x: Any, axis: int) -> Any:
        return x.mean(axis=axis, keepdims=True)

    def var(self, x: Any, axis: int, ddof: int) -> Any:
        with np.errstate(invalid="ignore", divide="ignore"):
            return x.var(axis=axis, ddof=ddof, keepdims=True)

    def concat(self, parts: list[Any], axis: int) -> Any:
        return np.concatenate(parts, axis=axis)

    def sqrt(self, x: Any) -> Any:
        return np.sqrt(x)

    def narrow(self, x: Any) -> Any:
        return x.astype(np.float32)

    def widen(self, x: Any) -> Any:
        return x.astype(self.dtype)


class _Torch:
    def __init__(self, like: Any, precision: str) -> None:
        import torch

        self.torch = torch
        wide = like.dtype == torch.float64 or precision == "float64"
        self.dtype = torch.float64 if wide else torch.float32

    def asarray(self, y: Any) -> Any:
        return y.to(self.dtype)

    def empty(self, shape: tuple[int, ...], like: Any) -> Any:
        return self.torch.empty(shape, dtype=self.dtype, device=like.device)

    def on_cpu(self, x: Any) -> bool:
        return bool(x.device.type == "cpu")

    def const(self, a: np.ndarray, like: Any) -> Any:
        from melforge._torch.core import constant

        return constant(a, device=like.device, dtype=self.dtype)

    def pad(self, x: Any, left: int, right: int, mode: str) -> Any:
        from melforge._torch.core import pad

        return pad(x, left, right, mode)

    def frames(self, x: Any, length: int, hop: int) -> Any:
        return x.unfold(-1, length, hop)

    def power_spectrum(self, x: Any, n_fft: int, power: float) -> Any:
        spec = self.torch.fft.rfft(x, n=n_fft, dim=-1)
        out = spec.real.square() + spec.imag.square()
        return out.sqrt() if power == 1.0 else out

    def log(self, x: Any, kind: str) -> Any:
        return x.log() if kind == "ln" else x.log10()

    def maximum(self, x: Any, floor: Any) -> Any:
        if isinstance(floor, float):
            return x.clamp_min(floor)
        return self.torch.maximum(x, floor)

    def amax(self, x: Any, axes: tuple[int, ...]) -> Any:
        return x.amax(dim=axes, keepdim=True)

    def mean(self, x: Any, axis: int) -> Any:
        return x.mean(dim=axis, keepdim=True)

    def var(self, x: Any, axis: int, ddof: int) -> Any:
        return x.var(dim=axis, correction=ddof, keepdim=True)

    def concat(self, parts: list[Any], axis: int) -> Any:
        return self.torch.cat(parts, dim=axis)

    def sqrt(self, x: Any) -> Any:
        return x.sqrt()

    def narrow(self, x: Any) -> Any:
        return x.to(self.torch.float32)

    def widen(self, x: Any) -> Any:
        return x.to(self.dtype)


def _backend(y: Any, recipe: Recipe) -> Any:
    if is_tensor(y):
        return _Torch(y, recipe.precision)
    return _Numpy(np.float64 if recipe.precision == "float64" else np.float32)


def _frame_backend(ops: Any, recipe: Recipe) -> Any:
    """``ops`` for the waveform and per-frame steps: a float32 copy with ``frame_dtype``."""
    if recipe.frame_dtype is None:
        return ops
    narrow = copy.copy(ops)
    narrow.dtype = np.float32 if isinstance(ops, _Numpy) else ops.torch.float32
    return narrow


# -- the run ----------------------------------------------------------------------------
def _mirror_edges(r: Recipe, x: Any, ops: Any, count: int, span: int) -> Any:
    """Return the signal whose frame ``t`` starts at ``t * hop`` (``snip_edges=False``).

    Kaldi reads sample ``-s - 1`` for ``s < 0`` and ``2n - 1 - s`` for ``s >= n``: numpy's
    ``symmetric`` padding.
    """
    n = x.shape[-1]
    first = r.hop_length // 2 - r.frame_length // 2
    last = (count - 1) * r.hop_length + first + span
    left, right = max(0, -first), max(0, last - n)
    return ops.pad(x, left, right, "symmetric")[..., first + left :]


def _frame_step(r: Recipe, fr: Any, ops: Any, like: Any) -> Any:
    """DC removal, pre-emphasis, gain and window of frames ``(..., t, span)``."""
    if r.extra_sample and r.preemphasis_style != "lookahead":
        fr = fr[..., : r.frame_length]  # the extra sample only sets the frame count
    if r.remove_dc:
        fr = fr - ops.mean(fr, -1)
    p = r.preemphasis
    length = r.frame_length
    narrow = r.preemphasis_float32 and (p or r.frame_scale != 1.0)
    if narrow:  # python scalars stay weak: float32 arithmetic
        fr = ops.narrow(fr)
    if r.preemphasis_style == "lookahead":
        fr = fr[..., 1 : length + 1] - p * fr[..., :length] if p else fr[..., :length]
    elif p:
        if narrow and r.preemphasis_style == "kaldi":
            first = fr[..., :1] - p * fr[..., :1]  # Kaldi's float32 rounding
        else:
            first = fr[..., :1] * (1.0 - p)  # Kaldi's x0 - p*x0 and HTK's x0*(1-p) agree
        fr = ops.concat([first, fr[..., 1:] - p * fr[..., :-1]], -1)
    if r.frame_scale != 1.0:
        fr = fr * r.frame_scale
    if narrow:
        fr = ops.widen(fr)
    return fr * ops.const(window(r.window, length, r.periodic), like)


def _normalize(r: Recipe, x: Any, ops: Any, valid: Optional[list[int]]) -> Any:
    """Standardize ``x`` ``(batch, t, n_mels)`` as the recipe says."""
    if r.normalize == "fixed":
        mean = ops.const(np.asarray(r.norm_mean, dtype=np.float64), x)
        std = ops.const(np.asarray(r.norm_std, dtype=np.float64), x)
        return (x - mean) / std
    axes = -2 if r.normalize == "per_bin" else None
    rows = []
    for b in range(x.shape[0]):
        n = x.shape[-2] if valid is None else valid[b]
        seg = x[b, :n]
        if axes is None:
            seg_flat = seg.reshape(-1, 1)
            mean, var = ops.mean(seg_flat, 0).reshape(1, 1), ops.var(seg_flat, 0, r.norm_ddof)
            var = var.reshape(1, 1)
        else:
            mean, var = ops.mean(seg, axes), ops.var(seg, axes, r.norm_ddof)
        std = ops.sqrt(var + r.norm_eps) if r.norm_eps_in_sqrt else ops.sqrt(var) + r.norm_eps
        row = (x[b] - mean) / std
        if r.zero_invalid and n < x.shape[-2]:
            row = ops.concat([row[:n], row[n:] * 0.0], 0)
        rows.append(row[None])
    return ops.concat(rows, 0)


def _deltas(x: Any, ops: Any, window: int = 3) -> Any:
    """Regression deltas along frames over ``window`` frames, edge frames repeated."""
    half = (window - 1) // 2
    t = x.shape[-2]
    padded = ops.concat([x[..., :1, :]] * half + [x] + [x[..., -1:, :]] * half, -2)
    def diff(k: int) -> Any:  # x[t + k] - x[t - k]
        return padded[..., half + k : half + k + t, :] - padded[..., half - k : half - k + t, :]

    out = diff(1)
    for k in range(2, half + 1):
        out = out + k * diff(k)
    return out / float(half * (half + 1) * (2 * half + 1) / 3)


def run(recipe: Recipe, y: Any, *, lengths: Optional[list[int]] = None) -> Any:
    """Compute ``recipe`` on a batch of equal-length clips.

    Parameters
    ----------
    recipe : Recipe
        The front end.
    y : np.ndarray or torch.Tensor [shape=(batch, n)]
        Clips at ``recipe.sample_rate`` (a tensor runs in torch on its device, in its
        dtype or in float64 when the recipe's ``precision`` is float64).
    lengths : list of int, optional
        Real samples of each clip (the rest is padding): normalization statistics use
        :meth:`Recipe.valid_frames` of them, ``zero_invalid`` zeroes the frames after and
        ``mask_samples`` the samples after.

    Returns
    -------
    np.ndarray or torch.Tensor [shape=(batch, n_frames, n_features)]
        Frames first, in the compute dtype (see ``precision``); callers cast.

    Examples
    --------
    Whisper's log-mel (the model pads clips to 30 s first; here 1 s):

    >>> import numpy as np
    >>> from melforge.feature.recipe import Recipe, run
    >>> whisper = Recipe(center=True, drop_last=True, fmax=8000.0, dynamic_range=8.0,
    ...                  log_scale=0.25, log_offset=1.0, precision="float32")
    >>> run(whisper, np.zeros((2, 16000), np.float32)).shape
    (2, 100, 80)
    """
    r = recipe
    ops = _backend(y, r)
    if y.ndim != 2:
        raise ParameterError(f"y must be a (batch, n) batch of clips, got {y.ndim} axes")
    fops = _frame_backend(ops, r)
    x = fops.asarray(y)
    if r.waveform_scale != 1.0:
        x = x * r.waveform_scale
    if r.waveform_preemphasis:
        w = ops.narrow(x) if r.preemphasis_float32 else x
        w = ops.concat([w[..., :1], w[..., 1:] - r.waveform_preemphasis * w[..., :-1]], -1)
        x = ops.widen(w) if r.preemphasis_float32 else w
    if r.mask_samples and lengths is not None:
        keep = np.arange(x.shape[-1])[None, :] < np.asarray(lengths)[:, None]
        x = x * ops.const(keep.astype(np.float64), x)
    if r.center:
        half = (r.frame_length if r.center_frame else r.n_fft) // 2
        x = ops.pad(x, half, half, r.pad_mode)
    span = r.span
    count = r.n_frames(y.shape[-1])
    if count == 0:
        raise ParameterError(
            f"clips of {y.shape[-1]} samples are shorter than one frame of this recipe"
        )
    if not r.snip_edges:
        x = _mirror_edges(r, x, ops, count + int(r.drop_last), span)
    x = x[..., r.frame_offset :]
    fr = ops.frames(x, span, r.hop_length)[..., :count, :]
    mel = ops.empty((fr.shape[0], count, r.n_mels), x)
    if ops.on_cpu(x):
        # Blocks of frames that stay in cache, and the mel product on the filters'
        # nonzero bins only: whole-batch steps were memory-bound (6-10x slower).
        rows = max(64, _BLOCK_VALUES // r.n_fft)
        bands = [(j0, j1, k0, k1, ops.const(w, x)) for j0, j1, k0, k1, w in _bands(r)]
        for b in range(fr.shape[0]):
            for start in range(0, count, rows):
                stop = min(start + rows, count)
                out = mel[b, start:stop]
                seg = x[b, start * r.hop_length : (stop - 1) * r.hop_length + span]
                if not bool(seg.any()):  # padding: every step maps zeros to zeros
                    out[:] = 0.0
                    continue
                block = _frame_step(r, fr[b, start:stop], fops, x)
                spec = ops.power_spectrum(ops.asarray(block), r.n_fft, r.power)
                for j0, j1, k0, k1, w in bands:
                    out[:, j0:j1] = spec[:, k0:k1] @ w
    else:  # an accelerator takes the whole batch in one step each
        spec = ops.power_spectrum(ops.asarray(_frame_step(r, fr, fops, x)), r.n_fft, r.power)
        mel = spec @ ops.const(mel_bank(r), x)
    if r.log != "none":
        mel = ops.maximum(mel, r.mel_floor) if r.floor_mode == "max" else mel + r.mel_floor
        mel = ops.log(mel, "ln" if r.log == "ln" else "log10")
        if r.log == "db":
            mel = mel * 10.0
        if r.dynamic_range is not None:
            mel = ops.maximum(mel, ops.amax(mel, (-1, -2)) - r.dynamic_range)
        if r.log_scale != 1.0 or r.log_offset != 0.0:
            mel = mel * r.log_scale + r.log_offset
    valid = None if lengths is None else [min(r.valid_frames(n), count) for n in lengths]
    if r.normalize != "none":
        mel = _normalize(r, mel, ops, valid)
    elif r.zero_invalid and valid is not None:
        keep = np.arange(count)[None, :, None] < np.asarray(valid)[:, None, None]
        mel = mel * ops.const(keep.astype(np.float64), mel)
    if r.deltas:
        mel = ops.concat([mel, _deltas(mel, ops, r.delta_window)], -1)
    if r.stack > 1:
        usable = mel.shape[-2] - mel.shape[-2] % r.stack
        mel = mel[..., :usable, :].reshape(
            mel.shape[0], usable // r.stack, mel.shape[-1] * r.stack
        )
    return mel
