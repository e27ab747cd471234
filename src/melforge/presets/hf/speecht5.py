"""SpeechT5's inputs: transformers' ``SpeechT5FeatureExtractor``, ``audio=`` and ``audio_target=``.

The ``input_values`` side of the extractor (``audio=``) is the wav2vec2 recipe (pad,
then optional per-clip zero-mean unit-variance normalization with the same padding
quirk) with other defaults: ``do_normalize=False`` and ``return_attention_mask=True``.

The ``audio_target=`` side gives the spectrogram decoder's targets: per clip, a log10
mel spectrogram of magnitudes, frames first ``(1 + n // hop, num_mel_bins)``:

- frames of ``win_length`` ms (``win_length * sr // 1000`` samples, 1024 at 16 kHz)
  every ``hop_length`` ms (256), centred: the clip is reflect-padded by half a frame;
- a periodic ``win_function`` window (Hann), zero-padded to the next power of two for
  the FFT; magnitude ``|X|`` (not power);
- Slaney-scale, Slaney-normalized mel filters over ``fmin``-``fmax`` (80-7600 Hz);
- ``log10(max(mel, mel_floor))``, float32.

The frames are then padded as the ``audio`` side is (``padding``, ``max_length``,
``truncation`` and ``pad_to_multiple_of`` count frames there), with a frame mask.

``torch.Tensor`` clips compute both sides in torch on their device (``torch_native``):
the waveform as wav2vec2's tensor path, the targets as ``run(recipe(), ...)`` (float64,
clips of equal length in one call) padded in torch; values in the clips' dtype.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import any_tensor, is_tensor
from melforge.feature._kernel import _frames, _mel_bands, _project
from melforge.feature.recipe import Recipe, run
from melforge.presets._padding import pad_sequences
from melforge.presets._tensor import by_length, pad_tensor_sequences
from melforge.presets.base import _check_float, _check_int
from melforge.presets.hf.wav2vec2 import Wav2Vec2Family
from melforge.spectral import _fft
from melforge.spectral.windows import get_window

__all__ = ["SpeechT5Family"]

#: transformers' ``window_function`` names -> the Recipe's (periodic) window.
_RECIPE_WINDOWS = {
    "hann": "hann", "hann_window": "hann", "hamming": "hamming",
    "hamming_window": "hamming", "boxcar": "rectangular", "povey": "povey",
}  # fmt: skip

#: transformers' ``window_function`` names -> melforge's (periodic) window and exponent.
_WINDOWS = {
    "hann": ("hann", 1.0), "hann_window": ("hann", 1.0),
    "hamming": ("hamming", 1.0), "hamming_window": ("hamming", 1.0),
    "boxcar": ("boxcar", 1.0), "povey": ("hann", 0.85),
}  # fmt: skip

_BLOCK = 512  # frames per FFT block (4 MB of float64 scratch at 1024 points)


def _pop_int(config: dict[str, Any], key: str, default: int) -> int:
    value = config.pop(key, default)
    _check_int(f"config {key}", value)
    return int(value)


def _pop_number(config: dict[str, Any], key: str, default: float) -> float:
    value = config.pop(key, default)
    _check_float(f"config {key}", value, minimum=-np.inf)
    return float(value)


@functools.lru_cache(maxsize=8)
def _window(name: str, length: int) -> np.ndarray:
    """Return transformers' periodic ``window_function(length, name)`` (float64, read-only)."""
    base, exponent = _WINDOWS[name]
    w = get_window(base, length, fftbins=True)
    if exponent != 1.0:
        w = w**exponent
    w.flags.writeable = False
    return w


@dataclasses.dataclass(frozen=True)
class SpeechT5Family(Wav2Vec2Family):
    """transformers' ``SpeechT5FeatureExtractor``: ``input_values``, and log-mel targets.

    ``preset.batch(clips, sr, padding=True)`` returns ``{"input_values": (batch, n_max),
    "attention_mask": (batch, n_max)}`` (see :class:`Wav2Vec2Family` for the options).
    The ``audio_target`` option adds the decoder's targets, as transformers' call with
    ``audio_target=``:

    - ``audio_target=targets`` (clips at ``sr``, like ``clips``): adds ``"labels"``
      ``(batch, frames, num_mel_bins)`` float32 and ``"decoder_attention_mask"``
      ``(batch, frames)`` int32 (when masks are returned);
    - ``audio_target=True``: ``clips`` are the targets; returns ``{"input_values":
      (batch, frames, num_mel_bins), "attention_mask": (batch, frames)}``.

    Attributes
    ----------
    num_mel_bins : int
        Mel bands of the targets (80).
    target_hop_ms, target_win_ms : int
        The config's ``hop_length`` and ``win_length``, in milliseconds (16, 64).
    win_function : str
        The window's name (``"hann_window"``; also ``"hamming_window"``, ``"boxcar"``,
        ``"povey"``).
    fmin, fmax : float
        Mel range in Hz (80, 7600).
    mel_floor : float
        Floor under the mel magnitudes before the log (1e-10).
    """

    do_normalize: bool = False
    return_attention_mask: bool = True
    num_mel_bins: int = 80
    target_hop_ms: int = 16
    target_win_ms: int = 64
    win_function: str = "hann_window"
    fmin: float = 80.0
    fmax: float = 7600.0
    mel_floor: float = 1e-10

    kind: ClassVar[str] = "hf-speecht5"
    reference: ClassVar[str] = "transformers 5.25.0 SpeechT5FeatureExtractor (live)"
    deviation: ClassVar[str] = (
        "input_values 0, bit-identical with numpy >= 2 (target 1e-5); "
        "audio_target log-mel 4.8e-7 (target 1e-4)"
    )
    extractor_types: ClassVar[tuple[str, ...]] = ("SpeechT5FeatureExtractor",)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("num_mel_bins", self.num_mel_bins)
        _check_int("target_hop_ms", self.target_hop_ms)
        _check_int("target_win_ms", self.target_win_ms)
        if self.win_function not in _WINDOWS:
            raise ParameterError(
                f"win_function={self.win_function!r} must be one of {sorted(_WINDOWS)}"
            )
        _check_float("fmin", self.fmin)
        _check_float("mel_floor", self.mel_floor, strict=True)
        if not self.fmin < self.fmax <= self.sample_rate / 2:
            raise ParameterError(
                f"fmin={self.fmin} and fmax={self.fmax} must satisfy fmin < fmax <= "
                f"sample_rate / 2 = {self.sample_rate / 2}"
            )
        if self.target_frame_length < 2 or self.target_hop_length < 1:
            raise ParameterError(
                f"target_win_ms={self.target_win_ms} and target_hop_ms={self.target_hop_ms} "
                f"give {self.target_frame_length} and {self.target_hop_length} samples at "
                f"{self.sample_rate} Hz: a frame needs 2 samples or more, a hop 1 or more"
            )

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        target = {
            "num_mel_bins": _pop_int(config, "num_mel_bins", 80),
            "target_hop_ms": _pop_int(config, "hop_length", 16),
            "target_win_ms": _pop_int(config, "win_length", 64),
            "win_function": config.pop("win_function", "hann_window"),
            "fmin": _pop_number(config, "fmin", 80.0),
            "fmax": _pop_number(config, "fmax", 7600.0),
            "mel_floor": _pop_number(config, "mel_floor", 1e-10),
        }
        config.setdefault("do_normalize", False)
        config.setdefault("return_attention_mask", True)
        return {**super()._fields_from_config(config), **target}

    # -- the targets' geometry -------------------------------------------------------------
    @property
    def target_frame_length(self) -> int:
        """Samples per target frame: ``target_win_ms * sample_rate // 1000``."""
        return self.target_win_ms * self.sample_rate // 1000

    @property
    def target_hop_length(self) -> int:
        """Samples between target frames: ``target_hop_ms * sample_rate // 1000``."""
        return self.target_hop_ms * self.sample_rate // 1000

    @property
    def target_n_fft(self) -> int:
        """FFT size: the frame length rounded up to a power of two."""
        return 1 << (self.target_frame_length - 1).bit_length()

    def recipe(self) -> Recipe:
        """Return the ``audio_target`` log-mel as a :class:`~melforge.feature.recipe.Recipe`.

        The ``audio`` side (``input_values``) is a waveform and has no recipe; this is
        :meth:`log_mel_target`: frames of :attr:`target_frame_length` samples centred
        on their window (``center_frame``, reflect padding), :attr:`target_n_fft`-point
        FFT, magnitude, Slaney mel, ``log10(max(mel, mel_floor))``, float64.
        """
        return Recipe(
            sample_rate=float(self.sample_rate), center=True, center_frame=True,
            pad_mode="reflect", frame_length=self.target_frame_length,
            hop_length=self.target_hop_length, n_fft=self.target_n_fft,
            window=_RECIPE_WINDOWS[self.win_function], periodic=True, power=1.0,
            n_mels=self.num_mel_bins, fmin=self.fmin, fmax=self.fmax, mel_bank="slaney",
            mel_norm="slaney", log="log10", mel_floor=self.mel_floor, floor_mode="max",
            precision="float64",
        )  # fmt: skip

    def log_mel_target(self, y: np.ndarray) -> np.ndarray:
        """One clip's target: ``log10(max(mel(|STFT|), mel_floor))``.

        Parameters
        ----------
        y : np.ndarray [shape=(n,)]
            float32 samples at :attr:`sample_rate`.

        Returns
        -------
        np.ndarray [shape=(1 + n // target_hop_length, num_mel_bins), dtype=float32]
            Frames first, as transformers' ``labels``.
        """
        length, hop, n_fft = self.target_frame_length, self.target_hop_length, self.target_n_fft
        padded = np.pad(np.asarray(y, dtype=np.float64), length // 2, mode="reflect")
        frames = _frames(padded, length, hop)
        window = _window(self.win_function, length)
        bands = _mel_bands(self.num_mel_bins, float(self.sample_rate), n_fft, self.fmin,
                           self.fmax, dtype=np.float64)  # fmt: skip
        out = np.empty((frames.shape[0], self.num_mel_bins), dtype=np.float32)
        mel = np.empty((min(_BLOCK, frames.shape[0]), self.num_mel_bins), dtype=np.float64)
        for start in range(0, frames.shape[0], _BLOCK):
            block = frames[start : start + _BLOCK] * window
            magnitude = np.abs(_fft.rfft(block, n=n_fft, workers=1))
            m = mel[: block.shape[0]]
            _project(magnitude, bands, m, bins_first=False)
            np.maximum(m, self.mel_floor, out=m)
            np.log10(m, out=m)
            out[start : start + block.shape[0]] = m
        return out

    # -- the call ----------------------------------------------------------------------------
    def batch(self, clips: Any, sr: float, *, resample: bool = True, **options: Any) -> Any:
        """:meth:`Wav2Vec2Family.batch`, with the ``audio_target`` option (see the class).

        Target clips (``audio_target=[...]``) are checked and resampled as ``clips`` are;
        with tensor ``clips`` they are taken as tensors (numpy targets on the first
        clip's device), with numpy ``clips`` as host arrays.
        """
        target = options.get("audio_target")
        if target is not None and not isinstance(target, bool):
            if is_tensor(target):
                target = list(target)
            if isinstance(target, np.ndarray) and target.ndim == 2:
                target = list(target)
            if not isinstance(target, (list, tuple)):
                raise ParameterError(
                    "audio_target must be True (the clips are the targets) or a list of "
                    f"1-D target clips, got {type(target).__name__}"
                )
            if is_tensor(clips) or any_tensor(clips):
                import torch

                like = clips if is_tensor(clips) else next(c for c in clips if is_tensor(c))
                as_tensors = [
                    t if is_tensor(t) else torch.as_tensor(np.asarray(t), device=like.device)
                    for t in target
                ]
                options["audio_target"] = self._tensor_clips(as_tensors, sr, resample)
            else:
                host = [t.detach().cpu().numpy() if is_tensor(t) else t for t in target]
                prepared, _ = self._prepare(host, sr, resample)
                options["audio_target"] = list(prepared)
        return super().batch(clips, sr, resample=resample, **options)

    def _batch(  # type: ignore[override]
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = False,
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
        audio_target: Any = None,
    ) -> dict[str, Any]:
        return self._with_targets(
            clips, audio_target, super()._batch, self._targets, padding=padding,
            max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, return_attention_mask=return_attention_mask,
        )  # fmt: skip

    def _targets(
        self, clips: list[np.ndarray], *, return_attention_mask: Optional[bool], **pads: Any
    ) -> dict[str, Any]:
        """Compute and pad the targets as transformers' ``_process_audio(is_target=True)``."""
        feats = [self.log_mel_target(c) for c in clips]
        return self._pad_targets(feats, pad_sequences, return_attention_mask, pads)

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = False,
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
        audio_target: Any = None,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors, in torch on their device (same rules)."""
        return self._with_targets(
            clips, audio_target, super()._batch_tensor, self._targets_tensor, padding=padding,
            max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, return_attention_mask=return_attention_mask,
        )  # fmt: skip

    def _targets_tensor(
        self, clips: list[Any], *, return_attention_mask: Optional[bool], **pads: Any
    ) -> dict[str, Any]:
        """:meth:`_targets` on 1-D tensors: ``run(recipe())`` per length, padded in torch."""
        recipe = self.recipe()
        feats = by_length(clips, lambda batch: run(recipe, batch).to(batch.dtype))
        return self._pad_targets(feats, pad_tensor_sequences, return_attention_mask, pads)

    # -- one body for both backends ----------------------------------------------------------
    def _with_targets(
        self,
        clips: list[Any],
        audio_target: Any,
        waveform: Callable[..., dict[str, Any]],
        targets: Callable[..., dict[str, Any]],
        **pads: Any,
    ) -> dict[str, Any]:
        """Run the call on one backend: ``waveform`` pads ``clips``, ``targets`` makes targets.

        ``audio_target=True`` returns the targets of ``clips`` under the waveform's keys;
        target clips add ``"labels"`` (and ``"decoder_attention_mask"``) to the waveform's.
        """
        if audio_target is True:
            return targets(clips, **pads)
        out = waveform(clips, **pads)
        if audio_target is not None and audio_target is not False:
            padded = targets(audio_target, **pads)
            out["labels"] = padded["input_values"]
            if "attention_mask" in padded:
                out["decoder_attention_mask"] = padded["attention_mask"]
        return out

    def _pad_targets(
        self,
        feats: list[Any],
        pad: Callable[..., Any],
        return_attention_mask: Optional[bool],
        pads: dict[str, Any],
    ) -> dict[str, Any]:
        """Pad per-clip targets ``(frames, num_mel_bins)`` with ``pad`` (numpy or torch's)."""
        want_mask = self.return_attention_mask
        if return_attention_mask is not None:
            want_mask = bool(return_attention_mask)
        padded = pad(
            feats, return_attention_mask=want_mask, padding_value=self.padding_value,
            padding_side=self.padding_side, **pads,
        )  # fmt: skip
        out: dict[str, Any] = {"input_values": padded.values}
        if want_mask:
            out["attention_mask"] = padded.mask
        return out
