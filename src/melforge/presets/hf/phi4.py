"""Phi-4-multimodal audio input: log-mel frames, embed sizes and a frame mask.

Reproduces transformers' ``Phi4MultimodalFeatureExtractor``: pad the waveforms
(transformers' ``pad()``), cut frames of ``win_length`` every ``hop_length`` samples
from the padded batch (no centring), pre-emphasis inside each frame
(``x[i] - 0.97 x[i - 1]``, ``x[0] - 0.97 x[0]``), ×32768, symmetric Hamming window,
``n_fft``-point power spectrum, Kaldi-scale mel triangles (in mel space, no
normalization) over ``mel_min_frequency``–``mel_max_frequency`` (0–7690 Hz),
``log(max(mel, 1))``.  In a batch, frames ``(n - win_length) // hop + 1`` up to (not
including) ``n // hop - 1`` of each clip shorter than the longest are zeroed before the
spectrum, so their features are 0 (with the defaults, one frame or none); the other
frames across its end and over its padding are computed from the padded signal.
The pre-emphasis runs in float32 as transformers' does (its rounding matters on
low-frequency bins); window (float64, as transformers' ``torch.hamming_window``), FFT,
power and mel product in float64 (transformers windows and transforms in float64, then
rounds the spectrum to complex64).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature._clips import _for_each_clip
from melforge.feature.kaldi import _bank_bands, _frame_view, _window
from melforge.feature.recipe import Recipe, run
from melforge.presets.base import FRAMES_X_FEATURES, _check_float, _check_int
from melforge.presets.hf._common import (
    _clip_lengths,
    _Kernel,
    _pad_float32,
    _pad_stacked,
    _pop_int,
    _pop_number,
    _pop_side,
)
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["Phi4MultimodalFamily"]

_SCALE = np.float32(32768.0)


@dataclasses.dataclass(frozen=True)
class Phi4MultimodalFamily(PretrainedPreset):
    """transformers' ``Phi4MultimodalFeatureExtractor``: Kaldi-style log-mel, frames first.

    ``preset(y, sr)`` returns ``((n - win_length) // hop_length + 1, feature_size)``
    float32; ``preset.batch(clips, sr)`` returns ``{"audio_input_features": (batch,
    frames, feature_size) float32, "audio_embed_sizes": (batch,) int64,
    "audio_attention_mask": (batch, max valid frames) bool}`` (the mask only for more
    than one clip, as transformers).

    Attributes
    ----------
    feature_size : int
        Mel bands (80).
    n_fft, win_length, hop_length : int
        FFT size, symmetric Hamming window length and hop, in samples.
    preemphasis : float
        In-frame pre-emphasis coefficient.
    padding_value : float
        Value of padded samples (frames over a clip's padding see it).
    mel_min_frequency, mel_max_frequency : float
        Mel filter bank range in Hz.
    audio_compression_rate, audio_downsample_rate, audio_feat_stride : int
        The model's frame reductions, for ``audio_embed_sizes``.
    """

    sample_rate: int = 16000
    feature_size: int = 80
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160  # type: ignore[assignment]
    preemphasis: float = 0.97
    padding_value: float = 0.0
    mel_min_frequency: float = 0.0
    mel_max_frequency: float = 7690.0
    audio_compression_rate: int = 8
    audio_downsample_rate: int = 1
    audio_feat_stride: int = 1

    kind: ClassVar[str] = "hf-phi4-multimodal"
    reference: ClassVar[str] = (
        "transformers 5.25.0 Phi4MultimodalFeatureExtractor, torch 2.13.0 (golden "
        "outputs; live in make test-torch)"
    )
    deviation: ClassVar[str] = "1.9e-6 (target 1e-4)"
    layout: ClassVar[str] = FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("Phi4MultimodalFeatureExtractor",)
    main_input: ClassVar[str] = "audio_input_features"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("sample_rate", "feature_size", "n_fft", "win_length", "hop_length",
                     "audio_compression_rate", "audio_downsample_rate", "audio_feat_stride"):
            _check_int(name, getattr(self, name))  # fmt: skip
        if not 2 <= self.win_length <= self.n_fft:
            raise ParameterError(
                f"win_length={self.win_length} must be in [2, n_fft={self.n_fft}]"
            )
        _check_float("preemphasis", self.preemphasis)
        _check_float("padding_value", self.padding_value, minimum=-np.inf)
        _check_float("mel_min_frequency", self.mel_min_frequency)
        # Validates the range (and that no mel bin is empty) now, not at the first call.
        _bank_bands(self.feature_size, self.n_fft, float(self.sample_rate),
                    self.mel_min_frequency, self.mel_max_frequency)  # fmt: skip

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        _pop_side(config)
        # The call's return_attention_mask defaults to True whatever the config says.
        config.pop("return_attention_mask", None)
        fields: dict[str, Any] = {
            key: _pop_int(config, key, default)
            for key, default in (
                ("feature_size", 80), ("n_fft", 512), ("win_length", 400),
                ("hop_length", 160), ("audio_compression_rate", 8),
                ("audio_downsample_rate", 1), ("audio_feat_stride", 1),
            )
        }  # fmt: skip
        fields["sample_rate"] = _pop_int(config, "sampling_rate", 16000)
        fields["preemphasis"] = _pop_number(config, "preemphasis", 0.97)
        fields["padding_value"] = _pop_number(config, "padding_value", 0.0)
        fields["mel_min_frequency"] = _pop_number(config, "mel_min_frequency", 0.0)
        fields["mel_max_frequency"] = _pop_number(config, "mel_max_frequency", 7690.0)
        return fields

    @property
    def n_features(self) -> int:
        """Feature dimension: ``feature_size``."""
        return self.feature_size

    def recipe(self) -> Recipe:
        """Return the extractor's front end as a :class:`~melforge.feature.recipe.Recipe`.

        Run it on the padded batch; the frames a batch zeroes (those straddling the end
        of a clip shorter than the longest) are the family's rule, not the recipe's.
        """
        return Recipe(
            sample_rate=self.sample_rate, frame_length=self.win_length,
            hop_length=self.hop_length, n_fft=self.n_fft, preemphasis=self.preemphasis,
            preemphasis_style="kaldi", frame_scale=float(_SCALE), preemphasis_float32=True,
            window="hamming", periodic=False, power=2.0, n_mels=self.feature_size,
            fmin=self.mel_min_frequency, fmax=self.mel_max_frequency, mel_bank="kaldi",
            mel_norm=None, log="ln", mel_floor=1.0, floor_mode="max", precision="float64",
        )  # fmt: skip

    def _zeroed_frames(self, orig: np.ndarray) -> list[tuple[int, int]]:
        """Frames ``[start, stop)`` a batch zeroes in each clip's features.

        transformers zeroes, in a batch of more than one clip, the frames
        ``(n - win_length) // hop + 1`` up to ``n // hop - 1`` of each clip shorter than
        the longest (``n`` its untruncated length): those straddling its end.
        """
        win, hop = self.win_length, self.hop_length
        out = []
        for n in orig.tolist():
            down, up = (n - win) // hop + 1, n // hop - 1
            if len(orig) > 1 and n != int(orig.max()) and up > down:
                out.append((max(down, 0), up))
            else:
                out.append((0, 0))
        return out

    def _feature_lengths(self, orig: np.ndarray) -> np.ndarray:
        """Return the mask's lengths: the unpadded clips' frames x ``audio_feat_stride``."""
        return ((orig - self.win_length) // self.hop_length + 1) * self.audio_feat_stride

    def _embed_sizes(self, frames: np.ndarray) -> np.ndarray:
        """Return the audio embed sizes (transformers' ``_compute_audio_embed_size``)."""
        sizes = -(-frames // self.audio_compression_rate)
        return -(-sizes // self.audio_downsample_rate)  # type: ignore[no-any-return]

    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = True,
    ) -> dict[str, Any]:
        if not clips:
            raise ParameterError("clips is empty; need at least one clip")
        win, hop = self.win_length, self.hop_length
        # transformers' audio_lengths are taken before truncation; its masks use them.
        orig = _clip_lengths(clips)
        if int(orig.min()) < win:
            short = int(np.argmin(orig))
            raise ParameterError(
                f"clip {short} has {int(orig[short])} samples; this extractor needs at least "
                f"win_length={win} (transformers fails or indexes from the end)"
            )
        padded = _pad_stacked(
            clips, padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of, padding_value=self.padding_value,
        )  # fmt: skip
        total = padded.values.shape[1]
        n_frames = 0 if total < win else (total - win) // hop + 1
        bands = _bank_bands(self.feature_size, self.n_fft, float(self.sample_rate),
                            self.mel_min_frequency, self.mel_max_frequency)  # fmt: skip
        window = _window("hamming", win, dtype=np.float64)
        out = np.zeros((len(clips), n_frames, self.feature_size), dtype=np.float32)
        masked = len(clips) > 1
        zeroed = self._zeroed_frames(orig)

        def work(rows: range) -> None:
            kernel = _Kernel(bands, window, self.n_fft, floor=1.0,
                             preemphasis=self.preemphasis, scale=_SCALE)  # fmt: skip
            for b in rows:
                frames = _frame_view(padded.values[b], win, hop, True)
                count = n_frames
                if self.padding_value == 0.0:  # frames wholly over zeros give log(1) = 0
                    live = int(min(padded.lengths[b], total))
                    count = min(n_frames, -(-live // hop))
                kernel(frames[:count], out[b, :count])
                out[b, zeroed[b][0] : zeroed[b][1]] = 0.0

        _for_each_clip(len(clips), work)
        lengths = self._feature_lengths(orig)
        result: dict[str, Any] = {
            "audio_input_features": out,
            "audio_embed_sizes": self._embed_sizes(lengths),
        }
        if masked and return_attention_mask:
            result["audio_attention_mask"] = (
                np.arange(int(lengths.max()))[None, :] < lengths[:, None]
            )
        return result

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = True,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors: :meth:`recipe` run in torch on their device.

        The clips are rounded to float32 first (as the host path's copies are); the
        result is in the first clip's dtype.  Calls :meth:`_batch` refuses (too short,
        unstackable) go to the host path, which raises its error.
        """
        import torch

        options = dict(padding=padding, max_length=max_length, truncation=truncation,
                       pad_to_multiple_of=pad_to_multiple_of)  # fmt: skip
        want = return_attention_mask
        win = self.win_length
        orig = _clip_lengths(clips)
        if not clips or int(orig.min()) < win:
            return super()._batch_tensor(clips, **options, return_attention_mask=want)
        padded = _pad_float32(clips, padding_value=self.padding_value, **options)
        if isinstance(padded.values, list) or padded.values.shape[1] < win:
            return super()._batch_tensor(clips, **options, return_attention_mask=want)
        feats = run(self.recipe(), padded.values)
        keep = torch.ones(feats.shape[:2], dtype=torch.bool, device=feats.device)
        for b, (start, stop) in enumerate(self._zeroed_frames(orig)):
            keep[b, start:stop] = False
        feats = torch.where(keep[..., None], feats, torch.zeros((), dtype=feats.dtype,
                                                                device=feats.device))  # fmt: skip
        lengths = self._feature_lengths(orig)
        device = feats.device
        result: dict[str, Any] = {
            "audio_input_features": feats.to(clips[0].dtype),
            "audio_embed_sizes": torch.as_tensor(self._embed_sizes(lengths), device=device),
        }
        if len(clips) > 1 and return_attention_mask:
            frames = torch.arange(int(lengths.max()), device=device)
            result["audio_attention_mask"] = frames[None, :] < torch.as_tensor(
                lengths, device=device
            )[:, None]
        return result
