"""Parakeet / Canary (NeMo) input: normalized log-mel frames with an attention mask.

Reproduces transformers' ``ParakeetFeatureExtractor`` (NVIDIA Parakeet CTC/TDT/RNNT and
Canary configs name it), which restates NeMo's ``AudioToMelSpectrogramPreprocessor``:
pad the waveforms (transformers' ``pad()``), pre-emphasis with the samples from each
clip's length on set to 0, a centred STFT with zero padding, symmetric Hann window,
power, Slaney mel, ``log(mel + 2**-24)``, then per-feature mean and unbiased standard
deviation over each clip's ``n // hop_length`` valid frames, ``(x - mean) / (std + 1e-5)``
and the frames from there on set to 0: :func:`melforge.feature.nemo.nemo_log_mel`'s
recipe, with the window, FFT and mel product in float64 (half the deviation of the
float32 kernel from transformers' float32 ``torch.stft``, whose own rounding moves the
weakest mel bands).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature._clips import _for_each_clip
from melforge.feature._kernel import _frames
from melforge.feature.nemo import (
    LOG_GUARD,
    STD_GUARD,
    _mel_bands,
    _normalize,
    _preemphasize,
)
from melforge.feature.recipe import Recipe, run, window as _window
from melforge.presets.base import FRAMES_X_FEATURES, _check_float, _check_int
from melforge.presets.hf._common import (
    _clip_lengths,
    _Kernel,
    _pad_float32,
    _pad_stacked,
    _pop_int,
    _pop_side,
)
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["ParakeetFamily"]


@dataclasses.dataclass(frozen=True)
class ParakeetFamily(PretrainedPreset):
    """transformers' ``ParakeetFeatureExtractor``: normalized log-mel, frames first.

    ``preset(y, sr)`` returns ``(1 + n // hop_length, feature_size)`` float32 with the
    last frame(s) 0; ``preset.batch(clips, sr)`` returns ``{"input_features": (batch,
    frames, feature_size) float32, "attention_mask": (batch, frames) bool}`` padded to
    the longest clip (the extractor's default).

    Attributes
    ----------
    feature_size : int
        Mel bands (80 for Parakeet v2 / Canary-1B, 128 for parakeet-tdt-0.6b-v3).
    n_fft, win_length, hop_length : int
        FFT size, symmetric Hann window length (centred in the FFT frame) and hop, in
        samples.
    preemphasis : float
        Pre-emphasis coefficient (0 disables the filter, not the masking).
    """

    sample_rate: int = 16000
    feature_size: int = 80
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160  # type: ignore[assignment]
    preemphasis: float = 0.97

    kind: ClassVar[str] = "hf-parakeet"
    reference: ClassVar[str] = (
        "transformers 5.25.0 ParakeetFeatureExtractor, torch 2.13.0 (golden outputs; live"
        " in make test-torch)"
    )
    deviation: ClassVar[str] = (
        "5.1e-5; on a chirp no further from the float64 recipe than transformers (2.2e-4)"
    )
    layout: ClassVar[str] = FRAMES_X_FEATURES
    extractor_types: ClassVar[tuple[str, ...]] = ("ParakeetFeatureExtractor",)
    main_input: ClassVar[str] = "input_features"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("sample_rate", "feature_size", "n_fft", "win_length", "hop_length"):
            _check_int(name, getattr(self, name))
        if self.win_length > self.n_fft:
            raise ParameterError(f"win_length={self.win_length} must be <= n_fft={self.n_fft}")
        _check_float("preemphasis", self.preemphasis)

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        preemphasis = config.pop("preemphasis", 0.97)
        padding_value = config.pop("padding_value", 0.0)
        if preemphasis is None:
            # transformers then skips the filter and the masking: padded samples keep
            # padding_value, which only changes nothing when it is 0.
            if padding_value != 0:
                raise ParameterError(
                    f"config preemphasis=None with padding_value={padding_value!r} is not "
                    "implemented (padded samples would enter the frames)"
                )
            preemphasis = 0.0
        # padding_value is otherwise overwritten by the pre-emphasis mask (always 0).
        if not isinstance(preemphasis, (int, float)) or not 0.0 <= preemphasis < 1.0:
            raise ParameterError(f"config preemphasis={preemphasis!r} must be in [0, 1)")
        _pop_side(config)
        # Always returned by this extractor, whatever the flag says.
        config.pop("return_attention_mask", None)
        fields = {
            "sample_rate": _pop_int(config, "sampling_rate", 16000),
            "feature_size": _pop_int(config, "feature_size", 80),
            "n_fft": _pop_int(config, "n_fft", 512),
            "win_length": _pop_int(config, "win_length", 400),
            "hop_length": _pop_int(config, "hop_length", 160),
            "preemphasis": float(preemphasis),
        }
        if fields["win_length"] > fields["n_fft"]:
            raise ParameterError(
                f"config win_length={fields['win_length']} must be <= n_fft={fields['n_fft']}"
            )
        return fields

    @property
    def n_features(self) -> int:
        """Feature dimension: ``feature_size``."""
        return self.feature_size

    def recipe(self) -> Recipe:
        """Return the extractor's front end as a :class:`~melforge.feature.recipe.Recipe`.

        Run it with ``lengths`` (the clips' unpadded lengths) on the zero-padded batch:
        the pre-emphasized samples past each length are masked, the statistics taken
        over ``n // hop_length`` frames and the frames after set to 0.
        """
        return Recipe(
            sample_rate=self.sample_rate, waveform_preemphasis=self.preemphasis,
            mask_samples=True, preemphasis_float32=True, center=True, pad_mode="constant",
            frame_length=self.win_length, hop_length=self.hop_length, n_fft=self.n_fft,
            window="hann", periodic=False, power=2.0, n_mels=self.feature_size,
            mel_bank="slaney", mel_norm="slaney", log="ln", mel_floor=LOG_GUARD,
            floor_mode="add", normalize="per_bin", norm_ddof=1, norm_eps=STD_GUARD,
            norm_eps_in_sqrt=False, zero_invalid=True, precision="float64",
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
        do_normalize: Optional[bool] = None,
    ) -> dict[str, Any]:
        # return_attention_mask and do_normalize are accepted and ignored, as by
        # transformers: the mask is always returned, the features always normalized.
        del return_attention_mask, do_normalize
        if not clips:
            raise ParameterError("clips is empty; need at least one clip")
        orig = _clip_lengths(clips)
        padded = _pad_stacked(
            clips, padding=padding, max_length=max_length, truncation=truncation,
            pad_to_multiple_of=pad_to_multiple_of,
        )  # fmt: skip
        total = padded.values.shape[1]
        hop = self.hop_length
        n_frames = 1 + total // hop
        # transformers' audio_lengths are the lengths *before* truncation: its masks and
        # statistics use them (a truncated clip divides by more frames than it has).
        valid = (orig + (self.n_fft // 2) * 2 - self.n_fft) // hop
        if int(valid.min()) < 2:
            short = int(np.argmin(valid))
            raise ParameterError(
                f"clip {short} has {int(orig[short])} samples: this extractor needs at "
                f"least {2 * hop} (two frames of {hop}) for its standard deviation "
                "(transformers returns NaN)"
            )
        bands = _mel_bands(self.feature_size, self.sample_rate, self.n_fft, 0.0, None)
        window = _window("hann", self.win_length, False)  # float64, as the recipe's
        out = np.zeros((len(clips), n_frames, self.feature_size), dtype=np.float32)

        win = self.win_length
        left = self.n_fft // 2 - (self.n_fft - win) // 2  # frame 0's first window sample

        def work(rows: range) -> None:
            kernel = _Kernel(bands, window, self.n_fft, floor=0.0, guard=LOG_GUARD)
            scratch = np.empty((n_frames, self.feature_size), dtype=np.float64)
            for b in rows:
                live = int(min(padded.lengths[b], total))
                wanted = int(min(valid[b], n_frames))
                # The pre-emphasized clip, zeros around it (torch.stft's constant padding).
                signal = np.zeros(left + max(live, (wanted - 1) * hop + win), np.float32)
                signal[left : left + live] = _preemphasize(padded.values[b, :live],
                                                           self.preemphasis)  # fmt: skip
                kernel(_frames(signal, win, hop)[:wanted], scratch[:wanted])
                out[b, :wanted] = _normalize(
                    scratch[:wanted].T, "per_feature", wanted, count=int(valid[b]),
                    nan_std=None,
                ).T  # fmt: skip

        _for_each_clip(len(clips), work)
        mask = np.arange(n_frames)[None, :] < valid[:, None]
        return {"input_features": out, "attention_mask": mask}

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: Optional[bool] = None,
        do_normalize: Optional[bool] = None,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors: :meth:`recipe` run in torch on their device.

        The clips are rounded to float32 first (as the host path's copies are); the
        features come in the first clip's dtype, the mask as a bool tensor.  The host
        path takes the calls the recipe does not describe: a clip truncated by
        ``max_length`` (transformers then divides its statistics by the untruncated
        frame count), an odd ``n_fft`` (``(n - 1) // hop`` valid frames), and the calls
        :meth:`_batch` refuses (it raises their error).
        """
        import torch

        options = dict(padding=padding, max_length=max_length, truncation=truncation,
                       pad_to_multiple_of=pad_to_multiple_of)  # fmt: skip
        hop = self.hop_length
        orig = _clip_lengths(clips)
        host = not clips or self.n_fft % 2 == 1 or int((orig // hop).min()) < 2
        padded = None
        if not host:
            padded = _pad_float32(clips, **options)
            host = isinstance(padded.values, list) or bool((orig > padded.values.shape[1]).any())
        if host or padded is None:
            return super()._batch_tensor(
                clips, **options, return_attention_mask=return_attention_mask,
                do_normalize=do_normalize,
            )  # fmt: skip
        feats = run(self.recipe(), padded.values, lengths=orig.tolist())
        valid = torch.as_tensor(orig // hop, device=feats.device)
        mask = torch.arange(feats.shape[1], device=feats.device)[None, :] < valid[:, None]
        return {"input_features": feats.to(clips[0].dtype), "attention_mask": mask}
