"""Gemma 3n and Gemma 4 audio input (transformers' Gemma3n/Gemma4 audio extractors).

The classes are ``Gemma3nAudioFeatureExtractor`` and ``Gemma4AudioFeatureExtractor``.

A call pads the batch (transformers' ``pad()``; defaults: to the longest clip, at most
480000 samples, rounded up to a multiple of 128), then per clip: optional dither and
input scaling, frames of ``frame_length + 1`` samples every ``hop_length`` with no
centring, per-frame pre-emphasis, periodic Hann window, magnitude spectrum of
``fft_length`` points, HTK mel without norm, natural log with a floor, optional per-bin
standardization.  ``input_features_mask`` marks the frames of real audio.

Gemma 4 differs: 20 ms frames, 512-point FFT, no pre-emphasis, 0-8000 Hz,
``log(mel + 0.001)``, ``frame_length // 2`` zeros prepended (semicausal), a frame is
real only if its last sample is, and masked frames are zeroed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature.gemma import log_mel
from melforge.feature.recipe import Recipe
from melforge.presets._padding import pad_plan
from melforge.presets.base import FRAMES_X_FEATURES, _check_bool, _check_float, _check_int
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["Gemma3nFamily", "Gemma4Family"]


def _stats(value: Any, name: str, n: int) -> Optional[tuple[float, ...]]:
    if value is None:
        return None
    array = np.asarray(value, dtype=np.float64).reshape(-1)
    if array.size != n or not np.isfinite(array).all():
        raise ParameterError(f"{name} must hold {n} finite numbers (one per mel band)")
    if name == "per_bin_stddev" and not (array != 0).all():
        raise ParameterError("per_bin_stddev must not hold zeros")
    return tuple(float(v) for v in array)


@dataclasses.dataclass(frozen=True)
class Gemma3nFamily(PretrainedPreset):
    """transformers' ``Gemma3nAudioFeatureExtractor``: log mel magnitude, frames first.

    ``preset(y, sr)`` returns ``(n_frames, feature_size)``; ``preset.batch(clips, sr)``
    returns ``{"input_features": (batch, n_frames, 128), "input_features_mask":
    (batch, n_frames) bool}``.

    Attributes
    ----------
    feature_size : int
        Mel bands (128).
    frame_length_ms, hop_length_ms : float
        Frame and hop in milliseconds (32 and 10: 512 and 160 samples at 16 kHz).
    min_frequency, max_frequency : float
        Mel band edges in Hz.
    preemphasis : float
        Per-frame pre-emphasis coefficient (0 = none).
    preemphasis_htk_flavor : bool
        HTK's in-frame pre-emphasis (first sample times ``1 - p``).
    fft_overdrive : bool
        Double the FFT size (the next power of two of the frame).
    dither : float
        Standard deviation of Gaussian noise added to the padded waveform.
    input_scale_factor : float
        Waveform gain before framing.
    mel_floor : float
        Floor of the mel magnitude before the log.
    per_bin_mean, per_bin_stddev : tuple of float or None
        Per-band standardization of the log mel.
    padding_value : float
        Value of padded samples.
    padding_side : {"right", "left"}
        Where padding goes.
    return_attention_mask : bool
        The config's mask default (used when a call passes ``return_attention_mask=None``).
    seed : int
        Seed of the dither noise: ``np.random.RandomState(seed)`` draws what
        transformers draws from numpy's global RNG, clip after clip.
    """

    sample_rate: int = 16000
    feature_size: int = 128
    frame_length_ms: float = 32.0
    hop_length_ms: float = 10.0
    min_frequency: float = 125.0
    max_frequency: float = 7600.0
    preemphasis: float = 0.97
    preemphasis_htk_flavor: bool = True
    fft_overdrive: bool = True
    dither: float = 0.0
    input_scale_factor: float = 1.0
    mel_floor: float = 1e-5
    per_bin_mean: Optional[tuple[float, ...]] = None
    per_bin_stddev: Optional[tuple[float, ...]] = None
    padding_value: float = 0.0
    padding_side: str = "right"
    return_attention_mask: bool = True
    seed: int = 0

    kind: ClassVar[str] = "hf-gemma3n"
    reference: ClassVar[str] = "transformers 5.25.0 Gemma3nAudioFeatureExtractor (live)"
    deviation: ClassVar[str] = "1.9e-6 (target 1e-4)"
    layout: ClassVar[str] = FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("Gemma3nAudioFeatureExtractor",)
    main_input: ClassVar[str] = "input_features"
    #: Gemma 4's recipe changes (class constants, not config keys)
    _gemma4: ClassVar[bool] = False
    #: tensors run :meth:`recipe` in torch (dithered calls excepted: see _batch_tensor)
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("feature_size", self.feature_size)
        _check_int("seed", self.seed, minimum=0)
        for key in ("frame_length_ms", "hop_length_ms", "mel_floor"):
            _check_float(key, getattr(self, key), strict=True)
        for key in ("min_frequency", "preemphasis", "dither", "input_scale_factor"):
            _check_float(key, getattr(self, key))
        _check_float("max_frequency", self.max_frequency, minimum=self.min_frequency,
                     strict=True)  # fmt: skip
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        for key in ("preemphasis_htk_flavor", "fft_overdrive", "return_attention_mask"):
            _check_bool(key, getattr(self, key))
        if self.padding_side not in ("right", "left"):
            raise ParameterError(f"padding_side={self.padding_side!r} must be 'right' or 'left'")
        for key in ("per_bin_mean", "per_bin_stddev"):
            object.__setattr__(self, key, _stats(getattr(self, key), key, self.feature_size))
        if self.frame_length < 2 or self.hop_length < 1:
            raise ParameterError(
                f"frame_length_ms={self.frame_length_ms!r}, hop_length_ms="
                f"{self.hop_length_ms!r} give {self.frame_length} and {self.hop_length} "
                "samples; need at least 2 and 1"
            )

    # -- derived sizes (transformers' __init__) ---------------------------------------------
    @property
    def frame_length(self) -> int:
        """Frame length in samples: ``round(sample_rate * frame_length_ms / 1000)``."""
        return int(round(self.sample_rate * self.frame_length_ms / 1000.0))

    @property
    def hop_length(self) -> int:
        """Samples between frames: ``round(sample_rate * hop_length_ms / 1000)``."""
        return int(round(self.sample_rate * self.hop_length_ms / 1000.0))

    @property
    def fft_length(self) -> int:
        """FFT size: the next power of two of the frame, doubled with ``fft_overdrive``."""
        n = 2 ** math.ceil(math.log2(self.frame_length))
        return n * 2 if self.fft_overdrive else n

    @property
    def n_features(self) -> int:
        """Mel bands per frame: ``feature_size``."""
        return self.feature_size

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        fields: dict[str, Any] = {"sample_rate": config.pop("sampling_rate", 16000)}
        for key in ("feature_size", "frame_length_ms", "hop_length_ms", "min_frequency",
                    "max_frequency", "preemphasis", "preemphasis_htk_flavor", "fft_overdrive",
                    "dither", "input_scale_factor", "mel_floor", "per_bin_mean",
                    "per_bin_stddev", "padding_value", "padding_side",
                    "return_attention_mask"):  # fmt: skip
            fields[key] = config.pop(key, defaults[key])
        for key in ("frame_length_ms", "hop_length_ms", "min_frequency", "max_frequency",
                    "preemphasis", "dither", "input_scale_factor", "padding_value"):  # fmt: skip
            if isinstance(fields[key], int) and not isinstance(fields[key], bool):
                fields[key] = float(fields[key])
        floor = fields["mel_floor"]  # transformers saves np.array(mel_floor)
        fields["mel_floor"] = (
            float(np.asarray(floor).reshape(-1)[0]) if np.size(floor) == 1 else floor
        )
        _check_int("config sampling_rate", fields["sample_rate"])
        preset = cls(name="config", **fields)  # validates; gives the derived sizes
        # transformers recomputes these from the *_ms keys and fft_overdrive (the saved
        # values are overwritten): accepted when they agree, refused otherwise.
        for key in ("frame_length", "hop_length", "fft_length"):
            saved = config.pop(key, getattr(preset, key))
            if saved != getattr(preset, key):
                raise ParameterError(
                    f"config {key}={saved!r} disagrees with the {getattr(preset, key)} that "
                    "transformers derives from frame_length_ms/hop_length_ms/fft_overdrive "
                    f"and sampling_rate; fix or remove {key!r}"
                )
        return fields

    # -- computing -------------------------------------------------------------------------
    def _check_mask(self, return_attention_mask: Optional[bool]) -> None:
        """Refuse a call without the mask (``return_attention_mask``, else the config's)."""
        want_mask = (
            self.return_attention_mask
            if return_attention_mask is None
            else bool(return_attention_mask)
        )
        if not want_mask:
            raise ParameterError(
                "return_attention_mask=False: the Gemma extractors need the mask to build "
                "input_features_mask (transformers fails without it)"
            )

    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = 480_000,
        truncation: bool = True,
        pad_to_multiple_of: Optional[int] = 128,
        return_attention_mask: Optional[bool] = True,
    ) -> dict[str, Any]:
        self._check_mask(return_attention_mask)
        lengths, target, stacked_plan = pad_plan(
            [c.shape[-1] for c in clips], padding=padding, max_length=max_length,
            truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
            padding_side=self.padding_side,
        )  # fmt: skip
        rng = np.random.RandomState(self.seed) if self.dither > 0.0 else None
        totals = [n if target is None else max(n, target) for n in lengths]
        stacked: Optional[np.ndarray] = None  # padded batches: written in place
        if stacked_plan:  # one length: one stacked output
            count = self._n_frames(totals[0])
            # Gemma 4's padded frames are zeros: np.zeros' fresh pages need no writing
            stacked = (np.zeros if self._gemma4 else np.empty)(
                (len(clips), count, self.feature_size), dtype=np.float32
            )
        feats: list[np.ndarray] = []
        masks: list[np.ndarray] = []
        pad_row: list[np.ndarray] = []  # Gemma 3n's all-padding frame, computed once
        for i, (clip, n) in enumerate(zip(clips, lengths, strict=True)):
            total = totals[i]
            lead = total - n if self.padding_side == "left" else 0
            out = stacked[i] if stacked is not None else None
            f, m = self._clip(clip[:n], lead, total, rng, out, pad_row)
            feats.append(f)
            masks.append(m)
        if stacked is None:  # ragged (padding="do_not_pad")
            return {"input_features": feats, "input_features_mask": masks}
        return {"input_features": stacked, "input_features_mask": np.stack(masks)}

    def _n_frames(self, total: int) -> int:
        """Frames of a padded clip of ``total`` samples (after Gemma 4's semicausal zeros)."""
        shift = self.frame_length // 2 if self._gemma4 else 0
        return max(0, (shift + total - self.frame_length - 1) // self.hop_length + 1)

    def _signal(self, clip: np.ndarray, lead: int, total: int, s0: int, s1: int) -> np.ndarray:
        """Return samples ``s0:s1`` of the padded clip as the kernel reads it (float32).

        The padded clip is ``lead`` padding values, ``clip``, then padding up to
        ``total`` samples, after Gemma 4's ``frame_length // 2`` semicausal zeros.
        """
        shift = self.frame_length // 2 if self._gemma4 else 0
        x = np.empty(s1 - s0, dtype=np.float32)  # each sample written once
        zeros = max(0, min(shift, s1) - s0)
        x[:zeros] = 0.0
        lo, hi = max(s0, shift + lead), min(s1, shift + lead + clip.shape[0])
        lo, hi = max(lo, s0 + zeros), max(hi, lo)
        x[zeros : lo - s0] = self.padding_value
        x[lo - s0 : hi - s0] = clip[lo - shift - lead : hi - shift - lead]
        x[hi - s0 :] = self.padding_value
        return x

    def _log_mel(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Log mel (standardized if asked) of the frames of ``x`` into ``out``."""
        mean, stddev = self.per_bin_mean, self.per_bin_stddev
        return log_mel(
            x, out, sr=self.sample_rate, frame_length=self.frame_length, hop=self.hop_length,
            fft_length=self.fft_length, fmin=self.min_frequency, fmax=self.max_frequency,
            preemphasis=self.preemphasis, htk_flavor=self.preemphasis_htk_flavor,
            floor=self.mel_floor, add_floor=self._gemma4,
            mean=None if mean is None else np.asarray(mean),
            stddev=None if stddev is None else np.asarray(stddev),
        )  # fmt: skip

    def _scale(self, x: np.ndarray) -> np.ndarray:
        """Apply ``input_scale_factor`` to ``x`` in place (float32, as transformers)."""
        if self.input_scale_factor != 1.0:
            x *= np.float32(self.input_scale_factor)
        return x

    def _clip(
        self,
        clip: np.ndarray,
        lead: int,
        total: int,
        rng: Optional[np.random.RandomState],
        out: Optional[np.ndarray],
        pad_row: list[np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Features ``(n_frames, feature_size)`` and frame mask of one clip.

        ``clip`` (its ``n`` real samples) sits after ``lead`` padding samples in a
        padded clip of ``total`` samples.  Without dither, only the frames that read
        real samples go through the kernel: Gemma 4 zeroes the frames whose last sample
        is padding (so they are not computed), and a Gemma 3n frame lying wholly in the
        padding holds one constant value, computed once per batch (kept in ``pad_row``).
        """
        hop, size = self.hop_length, self.frame_length + 1
        count = self._n_frames(total)
        zeroed = out is not None and self._gemma4  # the stacked output is np.zeros
        if out is None:
            out = np.empty((count, self.feature_size), dtype=np.float32)
        # the sample that decides whether a frame is real (transformers' mask[::hop]; for
        # Gemma 4 the frame's last sample, before the semicausal shift)
        ends = np.arange(count) * hop
        if self._gemma4:
            ends += self.frame_length - self.frame_length // 2
        frame_mask = (ends >= lead) & (ends < lead + clip.shape[0])
        shift = self.frame_length // 2 if self._gemma4 else 0
        if rng is not None:  # dither: noise on every padded sample, in transformers' order
            x = self._signal(clip, lead, total, 0, shift + total)
            x[shift:] += self.dither * rng.randn(1, total).astype(np.float32)[0]
            self._log_mel(self._scale(x), out)
            if self._gemma4:
                out[~frame_mask] = 0.0
            return out, frame_mask
        if self._gemma4:
            real = np.flatnonzero(frame_mask)
            a, b = (int(real[0]), int(real[-1]) + 1) if real.size else (0, 0)
            if not zeroed:
                out[:a] = 0.0
                out[b:] = 0.0
        else:  # frames wholly in the leading / trailing padding are one constant frame
            first, stop = lead, lead + clip.shape[0]
            a = min(count, max(0, (first - size) // hop + 1))
            b = max(a, min(count, -(-stop // hop)))
            if a > 0 or b < count:
                if not pad_row:
                    pad = np.full(size, self.padding_value, dtype=np.float32)
                    row = np.empty((1, out.shape[1]), np.float32)
                    pad_row.append(self._log_mel(self._scale(pad), row))
                out[:a] = pad_row[0]
                out[b:] = pad_row[0]
        if a < b:
            x = self._signal(clip, lead, total, a * hop, (b - 1) * hop + size)
            self._log_mel(self._scale(x), out[a:b])
        return out, frame_mask

    # -- the declarative recipe and its torch run ------------------------------------------
    def recipe(self) -> Recipe:
        """Return one padded clip's front end as a :class:`~melforge.feature.recipe.Recipe`.

        Frames of ``frame_length + 1`` samples (``extra_sample``), in-frame pre-emphasis
        (HTK flavour, or look-ahead), periodic Hann, ``fft_length``-point magnitude
        spectrum, HTK mel without norm, ``ln`` with the floor (``max`` for Gemma 3n,
        ``add`` for Gemma 4) and the fixed per-bin statistics.  The batch rules stay in
        the family: padding, dither, Gemma 4's ``frame_length // 2`` leading zeros and
        its zeroed masked frames.
        """
        mean, std = self.per_bin_mean, self.per_bin_stddev
        fixed = mean is not None or std is not None
        n_mels = self.feature_size
        return Recipe(
            sample_rate=self.sample_rate, waveform_scale=self.input_scale_factor,
            frame_length=self.frame_length, hop_length=self.hop_length,
            n_fft=self.fft_length, extra_sample=True, preemphasis=self.preemphasis,
            preemphasis_style="htk" if self.preemphasis_htk_flavor else "lookahead",
            # Gemma 3n evaluates the Hann formula in float32, Gemma 4 rounds float64's
            window="hann" if self._gemma4 else "hann_float32", periodic=True, power=1.0,
            n_mels=n_mels,
            fmin=self.min_frequency, fmax=self.max_frequency, mel_bank="htk", mel_norm=None,
            log="ln", mel_floor=self.mel_floor, floor_mode="add" if self._gemma4 else "max",
            normalize="fixed" if fixed else "none",
            norm_mean=(mean or (0.0,) * n_mels) if fixed else None,
            norm_std=(std or (1.0,) * n_mels) if fixed else None,
            # float32 frames (their rounding sets the quiet bands, as in transformers),
            # float64 FFT (a float32 one moves those bands: see feature/gemma.py)
            frame_dtype="float32", precision="float64",
        )  # fmt: skip

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = 480_000,
        truncation: bool = True,
        pad_to_multiple_of: Optional[int] = 128,
        return_attention_mask: Optional[bool] = True,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors, in torch on their device (same rules).

        Clips of one padded length run as one ``(batch, n)`` :func:`~melforge.feature.
        recipe.run` of :meth:`recipe` (float64 arithmetic, features cast to the first
        clip's dtype; masks bool).  With ``dither > 0`` the call runs on the host
        (:meth:`_batch`, arrays copied back): the noise is numpy's draws from
        ``RandomState(seed)``, which torch cannot reproduce.
        """
        options = {
            "padding": padding, "max_length": max_length, "truncation": truncation,
            "pad_to_multiple_of": pad_to_multiple_of,
            "return_attention_mask": return_attention_mask,
        }  # fmt: skip
        if self.dither > 0.0:
            return super()._batch_tensor(clips, **options)
        self._check_mask(return_attention_mask)
        import torch

        from melforge.presets._tensor import pad_tensor_sequences

        dtype = clips[0].dtype
        plan = pad_tensor_sequences(
            [c.to(dtype) for c in clips], padding=padding, max_length=max_length,
            truncation=truncation, pad_to_multiple_of=pad_to_multiple_of,
            return_attention_mask=True, padding_value=self.padding_value,
            padding_side=self.padding_side,
        )  # fmt: skip
        if not isinstance(plan.values, list):  # one padded length: one run
            feats, frame_mask = self._run_tensor(plan.values, plan.mask)
            return {"input_features": feats, "input_features_mask": frame_mask}
        # ragged (padding="do_not_pad"): one run per clip length
        out: list[Any] = [None] * len(clips)
        groups: dict[int, list[int]] = {}
        for i, x in enumerate(plan.values):
            groups.setdefault(int(x.shape[-1]), []).append(i)
        for idx in groups.values():
            f, m = self._run_tensor(
                torch.stack([plan.values[i] for i in idx]),
                torch.stack([plan.mask[i] for i in idx]),
            )
            for j, i in enumerate(idx):
                out[i] = (f[j], m[j])
        return {
            "input_features": [f for f, _ in out],
            "input_features_mask": [m for _, m in out],
        }

    def _run_tensor(self, x: Any, mask: Any) -> tuple[Any, Any]:
        """Features ``(b, t, n_mels)`` (``x``'s dtype) and bool frame masks ``(b, t)``."""
        import torch

        recipe = self.recipe()
        if self._gemma4:  # semicausal: frame i centred at i * hop
            pad = self.frame_length // 2
            x = torch.nn.functional.pad(x, (pad, 0))
            mask = torch.nn.functional.pad(mask, (pad, 0))
        count = recipe.n_frames(int(x.shape[-1]))
        if count:
            from melforge.feature.recipe import run

            out = run(recipe, x).to(x.dtype)
        else:  # shorter than one frame: no frames, as the numpy kernel
            out = x.new_zeros((x.shape[0], 0, self.feature_size))
        if self._gemma4:  # a frame is real when its last sample is; masked frames zeroed
            ends = torch.arange(count, device=x.device) * self.hop_length + self.frame_length
            frame_mask = mask[:, ends].bool()
            out = out * frame_mask[..., None]
        else:
            frame_mask = mask[:, :: self.hop_length][:, :count].bool()
        return out, frame_mask


@dataclasses.dataclass(frozen=True)
class Gemma4Family(Gemma3nFamily):
    """transformers' ``Gemma4AudioFeatureExtractor`` (see the module docstring)."""

    frame_length_ms: float = 20.0
    min_frequency: float = 0.0
    max_frequency: float = 8000.0
    preemphasis: float = 0.0
    fft_overdrive: bool = False
    mel_floor: float = 1e-3

    kind: ClassVar[str] = "hf-gemma4"
    reference: ClassVar[str] = "transformers 5.25.0 Gemma4AudioFeatureExtractor (live)"
    deviation: ClassVar[str] = "1.9e-6 (target 1e-4)"
    extractor_types: ClassVar[tuple[str, ...]] = ("Gemma4AudioFeatureExtractor",)
    _gemma4: ClassVar[bool] = True
