"""CLAP's audio input: transformers' ``ClapFeatureExtractor`` (``laion/clap-htsat-*``).

Per clip, at 48 kHz, for ``max_length = max_length_s * sampling_rate`` samples:

- longer clips: ``truncation="rand_trunc"`` takes a random ``max_length`` crop and its
  Slaney log-mel (one channel); ``"fusion"`` takes the HTK log-mel of the whole clip and
  stacks its time-shrunk copy (bilinear) with three random crops of ``max_length //
  hop + 1`` frames from the front, middle and back thirds (four channels);
  ``is_longer`` is True;
- shorter clips: ``padding="repeatpad"`` repeats the clip ``int(max_length / n)``
  times then zero-pads, ``"repeat"`` repeats it past ``max_length`` and cuts, ``"pad"``
  zero-pads; then the HTK log-mel stacked four times (``"fusion"``) or the Slaney
  log-mel (otherwise);
- with ``"fusion"`` and no longer clip in the batch, one random clip gets
  ``is_longer=True``.

The log-mel is ``10 log10(max(mel_power, 1e-10))`` (dB, no clamp) of a centred,
reflect-padded STFT (Hann, ``fft_window_size`` samples, ``hop_length`` hop),
``1 + n // hop`` frames, laid out frames x mels.

The random draws follow transformers' order, from ``np.random.RandomState(seed)``
instead of numpy's global RNG: ``np.random.seed(seed)`` before transformers' call
gives the same crops.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature.clap import mel_db, shrink_frames
from melforge.feature.recipe import Recipe
from melforge.presets.base import _check_float, _check_int
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["ClapFamily"]

#: ``preset(y, sr)`` layout: channels (1, or 4 with fusion) x frames x mels.
CHANNELS_X_FRAMES_X_FEATURES = "(n_channels, n_frames, n_features)"
_TRUNCATIONS = ("fusion", "rand_trunc")
_PADDINGS = ("repeatpad", "repeat", "pad")


@dataclasses.dataclass(frozen=True)
class ClapFamily(PretrainedPreset):
    """transformers' ``ClapFeatureExtractor``: 4-channel fusion or 1-channel log-mel (dB).

    ``preset(y, sr)`` returns ``(4 or 1, 1001, 64)`` for a 10 s window;
    ``preset.batch(clips, sr)`` returns ``{"input_features": (batch, 4 or 1, 1001, 64),
    "is_longer": (batch, 1) bool}``.

    Attributes
    ----------
    feature_size : int
        Mel bands (64).
    fft_window_size : int
        FFT size and Hann window in samples (1024 = 21 ms at 48 kHz).
    hop_length : int
        Samples between frames (480 = 10 ms).
    max_length_s : int
        Seconds per input window (10).
    frequency_min, frequency_max : float
        Mel band edges in Hz (50 and 14000 for the laion checkpoints).
    truncation : {"fusion", "rand_trunc"}
        Longer clips: fusion (HTK mel) or a random crop (Slaney mel).
    padding : {"repeatpad", "repeat", "pad"}
        Shorter clips: repeat then zero-pad, repeat, or zero-pad.
    seed : int
        Seed of the random crops and of fusion's ``is_longer`` pick (melforge's; see
        the module docstring).
    """

    sample_rate: int = 48000
    feature_size: int = 64
    fft_window_size: int = 1024
    hop_length: int = 480  # type: ignore[assignment]  # a field shadowing Preset's property
    max_length_s: int = 10
    frequency_min: float = 0.0
    frequency_max: float = 14000.0
    truncation: str = "fusion"
    padding: str = "repeatpad"
    seed: int = 0

    kind: ClassVar[str] = "hf-clap"
    reference: ClassVar[str] = (
        "transformers 5.25.0 ClapFeatureExtractor (golden outputs; live in make test-"
        "torch)"
    )
    deviation: ClassVar[str] = "7.6e-6 dB (target 1e-4)"
    layout: ClassVar[str] = CHANNELS_X_FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("ClapFeatureExtractor",)
    main_input: ClassVar[str] = "input_features"
    #: tensors run :meth:`recipe` in torch; the random crops are drawn on the host
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        for key in ("feature_size", "fft_window_size", "hop_length", "max_length_s"):
            _check_int(key, getattr(self, key))
        _check_int("seed", self.seed, minimum=0)
        _check_float("frequency_min", self.frequency_min)
        _check_float("frequency_max", self.frequency_max, minimum=self.frequency_min, strict=True)
        if self.fft_window_size % 2:
            raise ParameterError(f"fft_window_size={self.fft_window_size!r} must be even")
        if self.truncation not in _TRUNCATIONS:
            raise ParameterError(f"truncation={self.truncation!r} must be one of {_TRUNCATIONS}")
        if self.padding not in _PADDINGS:
            raise ParameterError(f"padding={self.padding!r} must be one of {_PADDINGS}")

    @property
    def n_features(self) -> int:
        """Mel bands per frame: ``feature_size``."""
        return self.feature_size

    @property
    def max_samples(self) -> int:
        """Samples per input window: ``max_length_s * sample_rate``."""
        return self.max_length_s * self.sample_rate

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        def pop_int(key: str, default: int) -> int:
            value = config.pop(key, default)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            _check_int(f"config {key}", value)
            return int(value)

        rate = pop_int("sampling_rate", 48000)
        fft = pop_int("fft_window_size", 1024)
        hop = pop_int("hop_length", 480)
        seconds = pop_int("max_length_s", 10)
        # Never read by transformers' CLAP numpy code: it calls no pad() (padding_value,
        # padding_side, return_attention_mask) and never applies top_db.
        for key in ("padding_value", "padding_side", "return_attention_mask", "top_db"):
            config.pop(key, None)
        # Derived or legacy keys, unused by transformers: accepted when consistent.
        derived = {
            "nb_frequency_bins": fft // 2 + 1,
            "nb_max_samples": seconds * rate,
            "n_fft": fft,
            "chunk_length_s": seconds,
            "nb_max_frames": seconds * rate // hop,
        }
        for key, value in derived.items():
            saved = config.pop(key, value)
            if saved != value:
                raise ParameterError(
                    f"config {key}={saved!r} disagrees with the recipe's {value!r} (from "
                    "fft_window_size, hop_length, max_length_s, sampling_rate); fix or "
                    f"remove {key!r}"
                )
        return {
            "sample_rate": rate,
            "feature_size": pop_int("feature_size", 64),
            "fft_window_size": fft,
            "hop_length": hop,
            "max_length_s": seconds,
            "frequency_min": float(config.pop("frequency_min", 0.0)),
            "frequency_max": float(config.pop("frequency_max", 14000.0)),
            "truncation": config.pop("truncation", "fusion"),
            "padding": config.pop("padding", "repeatpad"),
        }

    def _to_frames(self, native: np.ndarray) -> np.ndarray:
        return native  # already frames x mels in each channel

    # -- computing -------------------------------------------------------------------------
    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        truncation: Optional[str] = None,
        padding: Any = None,
        max_length: Optional[int] = None,
    ) -> dict[str, Any]:
        truncation, padding, limit = self._options(truncation, padding, max_length)
        rng = np.random.RandomState(self.seed)
        channels = 4 if truncation == "fusion" else 1
        shape = (len(clips), channels, limit // self.hop_length + 1, self.feature_size)
        features = np.empty(shape, dtype=np.float32)  # each clip's channels written in place
        longer = [self._clip(clip, limit, truncation, padding, rng, features[i])
                  for i, clip in enumerate(clips)]  # fmt: skip
        _pick_longer(longer, truncation, rng)
        return {
            "input_features": features,
            "is_longer": np.array([[v] for v in longer], dtype=bool),
        }

    def _options(
        self, truncation: Optional[str], padding: Any, max_length: Optional[int]
    ) -> tuple[str, Any, int]:
        """Return the call's checked ``truncation``, ``padding`` and window in samples."""
        truncation = self.truncation if truncation is None else truncation
        if truncation not in _TRUNCATIONS:
            raise ParameterError(f"truncation={truncation!r} must be one of {_TRUNCATIONS}")
        if padding is True or padding is None:
            padding = self.padding
        if padding is not False and padding not in _PADDINGS:
            raise ParameterError(f"padding={padding!r} must be True, False or one of {_PADDINGS}")
        limit = max_length or self.max_samples
        if max_length is not None:
            _check_int("max_length", max_length)
        return truncation, padding, limit

    def _check_reflect(self, n: int) -> None:
        """Refuse a window of ``n`` samples too short for the reflect padding."""
        if n <= self.fft_window_size // 2:
            raise ParameterError(
                f"a clip of {n} samples is too short for CLAP's reflect padding "
                f"(needs more than {self.fft_window_size // 2})"
            )

    def _mel(
        self, y: np.ndarray, htk: bool, out: Optional[np.ndarray] = None, zero_from: Any = None
    ) -> np.ndarray:
        self._check_reflect(y.shape[-1])
        return mel_db(
            y, n_mels=self.feature_size, sr=self.sample_rate, n_fft=self.fft_window_size,
            hop=self.hop_length, fmin=self.frequency_min, fmax=self.frequency_max, htk=htk,
            out=out, zero_from=zero_from,
        )  # fmt: skip

    def _clip(
        self, y: np.ndarray, limit: int, truncation: str, padding: Any, rng: Any,
        out: np.ndarray,
    ) -> bool:  # fmt: skip
        """One clip's channels into ``out`` ``(channels, frames, mels)``; its ``is_longer``."""
        fusion = truncation == "fusion"
        n = y.shape[-1]
        if n > limit:
            if not fusion:
                start = rng.randint(0, n - limit + 1)
                self._mel(y[start : start + limit], htk=False, out=out[0])
                return True
            mel = self._mel(y, htk=True)
            chunk = limit // self.hop_length + 1
            total = mel.shape[0]
            if chunk == total:
                out[:] = mel
                return False
            starts = _fusion_starts(total, chunk, rng)
            out[0] = shrink_frames(mel, chunk)
            for channel, s in enumerate(starts, 1):
                out[channel] = mel[s : s + chunk]
            return True
        zero_from = None
        if n < limit:
            if padding == "repeat":
                y = np.tile(y, int(limit / n) + 1)[:limit]
            elif padding == "repeatpad":
                y = np.tile(y, int(limit / n))
            zero_from = y.shape[-1]
            y = np.pad(y, (0, limit - y.shape[-1]))
        self._mel(y, htk=fusion, out=out[0], zero_from=zero_from)
        out[1:] = out[0]
        return False

    # -- the declarative recipe and its torch run ------------------------------------------
    def recipe(self) -> Recipe:
        """Return one window's log-mel as a :class:`~melforge.feature.recipe.Recipe`.

        Centred reflect-padded STFT (periodic Hann of ``fft_window_size``), power
        spectrum, HTK mel without norm (``truncation="fusion"``) or Slaney-normalized
        Slaney mel (``"rand_trunc"``), ``10 log10(max(mel, 1e-10))`` with no clamp, in
        float64.  The batch rules stay in the family: repeat/pad of shorter clips,
        random crops, fusion's shrunk and cropped channels, ``is_longer``.
        """
        return self._recipe_for(self.truncation)

    def _recipe_for(self, truncation: str) -> Recipe:
        htk = truncation == "fusion"
        return Recipe(
            sample_rate=self.sample_rate, center=True, pad_mode="reflect",
            frame_length=self.fft_window_size, hop_length=self.hop_length,
            n_fft=self.fft_window_size, window="hann", periodic=True, power=2.0,
            n_mels=self.feature_size, fmin=self.frequency_min, fmax=self.frequency_max,
            mel_bank="htk" if htk else "slaney", mel_norm=None if htk else "slaney",
            log="db", mel_floor=1e-10, floor_mode="max", precision="float64",
        )  # fmt: skip

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        truncation: Optional[str] = None,
        padding: Any = None,
        max_length: Optional[int] = None,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors, in torch on their device (same rules and draws).

        The random crop positions (and fusion's ``is_longer`` pick) are drawn on the
        host from ``np.random.RandomState(seed)`` in :meth:`_batch`'s order, so they are
        the numpy path's; the waveforms, the recipe (:meth:`recipe`, float64, one
        ``(batch, n)`` run per window length), fusion's bilinear shrink
        (``torch.nn.functional.interpolate``, in float32) and the crops are
        computed in torch on the clips' device.  Features come back in the first clip's
        dtype, ``is_longer`` as a bool tensor.
        """
        import torch

        truncation, padding, limit = self._options(truncation, padding, max_length)
        dtype = clips[0].dtype
        rng = np.random.RandomState(self.seed)
        plans = [self._plan_tensor(c.to(dtype), limit, truncation, padding, rng) for c in clips]
        longer = [plan[2] for plan in plans]
        _pick_longer(longer, truncation, rng)
        recipe = self._recipe_for(truncation)
        from melforge.feature.recipe import run
        from melforge.presets._tensor import by_length

        def mel(batch: Any) -> Any:
            self._check_reflect(int(batch.shape[-1]))
            return run(recipe, batch).to(dtype)

        mels = by_length([plan[0] for plan in plans], mel)
        feats = [self._channels_tensor(mel, plan[1]) for mel, plan in zip(mels, plans, strict=True)]
        flags = torch.tensor([[v] for v in longer], dtype=torch.bool, device=clips[0].device)
        return {"input_features": torch.stack(feats), "is_longer": flags}

    def _plan_tensor(
        self, y: Any, limit: int, truncation: str, padding: Any, rng: Any
    ) -> tuple[Any, Any, bool]:
        """One clip's window (a tensor), its channel rule and ``is_longer`` (draws: _clip's)."""
        import torch

        fusion = truncation == "fusion"
        n = int(y.shape[-1])
        if n > limit:
            if not fusion:
                start = rng.randint(0, n - limit + 1)
                return y[start : start + limit], "one", True
            chunk = limit // self.hop_length + 1
            total = n // self.hop_length + 1  # the recipe's frames of the whole clip
            if chunk == total:
                return y, "four", False
            starts = _fusion_starts(total, chunk, rng)
            return y, (chunk, starts), True
        if n < limit:
            if padding == "repeat":
                y = y.repeat(int(limit / n) + 1)[:limit]
            elif padding == "repeatpad":
                y = y.repeat(int(limit / n))
            y = torch.nn.functional.pad(y, (0, limit - int(y.shape[-1])))
        return y, "four" if fusion else "one", False

    @staticmethod
    def _channels_tensor(mel: Any, rule: Any) -> Any:
        """``(channels, frames, mels)`` of one clip's log-mel ``(frames, mels)``."""
        import torch

        if rule == "one":
            return mel[None]
        if rule == "four":
            return torch.stack([mel] * 4)
        chunk, starts = rule
        # torch's bilinear resize along time (shrink_frames mirrors it) on the float32
        # mel, as transformers: its source positions are float32 arithmetic, which a
        # float64 resize moves by up to 1e-3 dB
        shrunk = torch.nn.functional.interpolate(
            mel[None, None].float(), size=(chunk, mel.shape[-1]), mode="bilinear",
            align_corners=False,
        )[0, 0].to(mel.dtype)  # fmt: skip
        return torch.stack([shrunk, *(mel[s : s + chunk] for s in starts)])


def _fusion_starts(total: int, chunk: int, rng: Any) -> list[int]:
    """Draw fusion's three crop starts (front, middle, back thirds) of ``total`` frames."""
    ranges = np.array_split(list(range(0, total - chunk + 1)), 3)
    return [int(rng.choice(r if len(r) else [0])) for r in ranges]


def _pick_longer(longer: list[bool], truncation: str, rng: Any) -> None:
    """Mark one clip ``is_longer`` at random when fusion found none (transformers' rule)."""
    if truncation == "fusion" and not any(longer):
        longer[rng.randint(0, len(longer))] = True
