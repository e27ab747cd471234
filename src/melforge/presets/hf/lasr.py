"""LASR input: log-mel frames of the padded waveform (float64), optional frame mask.

Reproduces transformers' ``LasrFeatureExtractor``: pad the waveforms (transformers'
``pad()``, ``padding_value`` included in the frames), cut frames of ``win_length`` every
``hop_length`` samples (no centring), symmetric Hann window, ``n_fft``-point power
spectrum, a mel bank with triangles in Kaldi-scale mel space between 125 and 7500 Hz
(the DC bin excluded, no normalization; the JAX port's ``linear_to_mel_weight_matrix``),
``log(max(mel, 1e-5))``, all in float64, returned as float32.  The mask, when asked
for, is the sample mask at each frame's last sample (``mask[:, win_length - 1 :: hop]``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature._clips import _for_each_clip
from melforge.feature.kaldi import _frame_view
from melforge.feature.recipe import Recipe, _bands, run, window as recipe_window
from melforge.presets.base import FRAMES_X_FEATURES, _check_float, _check_int
from melforge.presets.hf._common import (
    _Kernel,
    _pad_float32,
    _pad_stacked,
    _pop_int,
    _pop_number,
)
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["LasrFamily"]

_LOWER_HZ, _UPPER_HZ = 125.0, 7500.0  # fixed in transformers' __init__


@dataclasses.dataclass(frozen=True)
class LasrFamily(PretrainedPreset):
    """transformers' ``LasrFeatureExtractor``: float64 log-mel frames, frames first.

    ``preset(y, sr)`` returns ``((n - win_length) // hop_length + 1, feature_size)``
    float32; ``preset.batch(clips, sr, return_attention_mask=True)`` adds a bool
    ``attention_mask`` ``(batch, frames)`` (only when asked for in the call, as
    transformers).

    Attributes
    ----------
    feature_size : int
        Mel bands (128).
    n_fft, win_length, hop_length : int
        FFT size, symmetric Hann window length and hop, in samples.
    padding_value : float
        Value of padded samples (frames over padding see it).
    padding_side : {"right", "left"}
        Where padding goes.
    """

    sample_rate: int = 16000
    feature_size: int = 128
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160  # type: ignore[assignment]
    padding_value: float = 0.0
    padding_side: str = "right"

    kind: ClassVar[str] = "hf-lasr"
    reference: ClassVar[str] = (
        "transformers 5.25.0 LasrFeatureExtractor (golden outputs; live in make test-"
        "torch)"
    )
    deviation: ClassVar[str] = "0 (both float64, rounded to float32)"
    layout: ClassVar[str] = FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("LasrFeatureExtractor",)
    main_input: ClassVar[str] = "input_features"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("sample_rate", "feature_size", "n_fft", "win_length", "hop_length"):
            _check_int(name, getattr(self, name))
        if not 2 <= self.win_length <= self.n_fft:
            raise ParameterError(f"win_length={self.win_length} must be in [2, n_fft={self.n_fft}]")
        if self.sample_rate / 2 < _UPPER_HZ:
            raise ParameterError(
                f"sample_rate={self.sample_rate}: the fixed 125-7500 Hz mel range needs a "
                "Nyquist frequency of at least 7500 Hz"
            )
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        if self.padding_side not in ("right", "left"):
            raise ParameterError(f"padding_side={self.padding_side!r} must be 'right' or 'left'")

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        # The config's return_attention_mask only decides whether pad() builds a mask;
        # the output has one only when the call passes return_attention_mask=True.
        config.pop("return_attention_mask", None)
        padding_value = _pop_number(config, "padding_value", 0.0)
        return {
            "sample_rate": _pop_int(config, "sampling_rate", 16000),
            "feature_size": _pop_int(config, "feature_size", 128),
            "n_fft": _pop_int(config, "n_fft", 512),
            "win_length": _pop_int(config, "win_length", 400),
            "hop_length": _pop_int(config, "hop_length", 160),
            "padding_value": padding_value,
            "padding_side": config.pop("padding_side", "right"),
        }

    @property
    def n_features(self) -> int:
        """Feature dimension: ``feature_size``."""
        return self.feature_size

    def recipe(self) -> Recipe:
        """Return the extractor's front end as a :class:`~melforge.feature.recipe.Recipe`.

        Run it on the padded batch (``padding_value`` included in the frames).
        """
        return Recipe(
            sample_rate=self.sample_rate, frame_length=self.win_length,
            hop_length=self.hop_length, n_fft=self.n_fft, window="hann", periodic=False,
            power=2.0, n_mels=self.feature_size, fmin=_LOWER_HZ, fmax=_UPPER_HZ,
            mel_bank="mel_space", mel_norm=None, log="ln", mel_floor=1e-5,
            floor_mode="max", precision="float64",
        )  # fmt: skip

    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
    ) -> dict[str, Any]:
        if not clips:
            raise ParameterError("clips is empty; need at least one clip")
        padded = _pad_stacked(
            clips, padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, return_attention_mask=True,
            padding_value=self.padding_value, padding_side=self.padding_side,
        )  # fmt: skip
        total = padded.values.shape[1]
        win, hop = self.win_length, self.hop_length
        if total < win:
            raise ParameterError(
                f"the batch's longest clip has {total} samples; this extractor needs at "
                f"least win_length={win}"
            )
        n_frames = (total - win) // hop + 1
        recipe = self.recipe()  # its bank and window are the kernel's
        bands = _bands(recipe)
        window = recipe_window(recipe.window, win, recipe.periodic)
        out = np.empty((len(clips), n_frames, self.feature_size), dtype=np.float32)
        # Frames wholly over zero padding on the right have log(max(0, 1e-5)): not computed.
        skip = self.padding_value == 0.0 and self.padding_side == "right"
        empty = np.float32(np.log(1e-5))

        def work(rows: range) -> None:
            kernel = _Kernel(bands, window, self.n_fft, floor=1e-5)
            scratch = np.empty((n_frames, self.feature_size), dtype=np.float64)
            for b in rows:
                # float32 frames: the kernel windows them into float64 (as transformers'
                # .to(float64) before the window).
                frames = _frame_view(padded.values[b], win, hop, True)
                count = n_frames
                if skip:
                    count = min(n_frames, -(-int(padded.lengths[b]) // hop))
                kernel(frames[:count], scratch[:count])
                out[b, :count] = scratch[:count]
                out[b, count:] = empty

        _for_each_clip(len(clips), work)
        result: dict[str, Any] = {"input_features": out}
        if return_attention_mask:
            result["attention_mask"] = padded.mask[:, win - 1 :: hop].astype(bool)
        return result

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors: :meth:`recipe` run in torch on their device.

        The clips are rounded to float32 first (as the host path's copies are); the
        features come in the first clip's dtype, the mask as a bool tensor.  Calls
        :meth:`_batch` refuses go to the host path, which raises their error.
        """
        options = dict(padding=padding, max_length=max_length, truncation=truncation,
                       pad_to_multiple_of=pad_to_multiple_of)  # fmt: skip
        padded = None
        if clips:
            padded = _pad_float32(
                clips, **options, return_attention_mask=True,
                padding_value=self.padding_value, padding_side=self.padding_side,
            )  # fmt: skip
        if (padded is None or isinstance(padded.values, list)
                or padded.values.shape[1] < self.win_length):  # fmt: skip
            return super()._batch_tensor(
                clips, **options, return_attention_mask=return_attention_mask
            )
        feats = run(self.recipe(), padded.values)
        result: dict[str, Any] = {"input_features": feats.to(clips[0].dtype)}
        if return_attention_mask:
            result["attention_mask"] = padded.mask[:, self.win_length - 1 :: self.hop_length].bool()
        return result
