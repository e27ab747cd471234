"""Granite Speech input: clamped log10 mel frames stacked in pairs (v5: with deltas).

Reproduces transformers' ``GraniteSpeechFeatureExtractor`` (granite-speech 3.x) and
``GraniteSpeech5FeatureExtractor``.  Both compute ``torchaudio.transforms.MelSpectrogram``
with its defaults: a centred STFT with reflect padding of ``n_fft // 2``, a periodic
Hann window of ``win_length`` centred in the ``n_fft`` frame, power, an HTK-scale mel
bank without normalization (0 Hz to Nyquist); then ``log10(max(mel, 1e-10))`` floored
``logmel_floor_db`` (8) decades below each clip's maximum, ``/ 4 + 1``.  Clips are zero
padded to the longest first (the reflection at the batch's end mirrors that padding).

- v1 (3.x) drops an odd last frame and stacks frame pairs: ``(frames // 2, 2 * n_mels)``,
  and returns the projector's output sizes (``audio_embed_sizes``) and their mask.
- v5 extends the signal so that the frame count ``n // hop`` rounds up to even, appends
  torchaudio's ``compute_deltas`` (``(x[t+1] - x[t-1]) / 2``, edges repeated) to each
  frame, stacks pairs: ``(ceil((n // hop) / 2), 4 * n_mels)``, with an int64 mask.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge.feature._clips import _for_each_clip
from melforge.feature._kernel import _frames, _mel_bands, _MelKernel, _periodic_hann
from melforge.feature.recipe import Recipe, run
from melforge.presets._padding import padding_strategy
from melforge.presets.base import FRAMES_X_FEATURES, _check_float, _check_int
from melforge.presets.hf._common import _pop_int, _pop_side
from melforge.presets.pretrained import PretrainedPreset

__all__ = ["GraniteSpeechFamily", "GraniteSpeech5Family"]

_LOG_FLOOR = 1e-10


def _log_mel_batch(
    contents: list[np.ndarray],
    total: int,
    n_frames: int,
    *,
    n_mels: int,
    sr: int,
    n_fft: int,
    win_length: int,
    hop: int,
    floor_decades: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Clamped log10 mel ``(batch, n_frames, n_mels)`` of signals zero-extended to ``total``.

    Written into ``out`` (a view may be given, e.g. a slice of a wider array) or a new array.

    Signal ``b`` is ``contents[b]`` followed by zeros up to ``total`` samples (the clips
    are never copied into a padded batch).  Frames that see only zeros have zero power
    (log10 -10, then the floor), so they are not computed.
    """
    half = n_fft // 2
    # torchaudio's default mel bank: HTK scale, no norm, 0 Hz to Nyquist, float32.
    bands = _mel_bands(n_mels, sr, n_fft, 0.0, sr / 2, 1.0, True, None, np.float32)
    window = _periodic_hann(win_length)
    offset = (n_fft - win_length) // 2  # the window's first sample in the n_fft frame
    if out is None:
        out = np.empty((len(contents), n_frames, n_mels), dtype=np.float32)
    result = out

    def work(clips: range) -> None:
        kernel = _MelKernel(bands, window, n_fft)
        mel = np.empty((n_mels, n_frames), dtype=np.float32)
        for b in clips:
            content = contents[b]
            live = content.shape[0]
            if live > total - half - 1:  # the end's reflection reaches the content
                x = np.zeros(total, dtype=np.float32)
                x[:live] = content
                ext = np.pad(x, half, mode="reflect")
                count = n_frames
            else:
                count = min(n_frames, -(-(live + win_length // 2 + 1) // hop) + 1)
                ext = np.zeros(max((count - 1) * hop + n_fft, half + live), dtype=np.float32)
                ext[half : half + live] = content
                head = np.zeros(half + 1, dtype=np.float32)
                head[: min(live, half + 1)] = content[: half + 1]
                ext[:half] = head[half:0:-1]
            kernel(_frames(ext[offset:], win_length, hop)[:count], mel[:, :count])
            rows = mel[:, :count]
            np.maximum(rows, np.float32(_LOG_FLOOR), out=rows)
            np.log10(rows, out=rows)
            peak = max(float(rows.max()), np.log10(_LOG_FLOOR) if count < n_frames else -np.inf)
            floor = np.float32(peak) - np.float32(floor_decades)
            np.maximum(rows, floor, out=rows)
            target = result[b]
            target[:count] = rows.T
            target[count:] = max(np.float32(np.log10(np.float32(_LOG_FLOOR))), floor)
            target /= np.float32(4.0)
            target += np.float32(1.0)

    _for_each_clip(len(contents), work)
    return result


def _melspec_fields(config: dict[str, Any], n_mels_key: str) -> dict[str, Any]:
    fields = {
        "sample_rate": _pop_int(config, "sampling_rate", 16000),
        "n_fft": _pop_int(config, "n_fft", 512),
        "win_length": _pop_int(config, "win_length", 400),
        "hop_length": _pop_int(config, "hop_length", 160),
        "n_mels": _pop_int(config, n_mels_key, 80),
    }
    if fields["win_length"] > fields["n_fft"]:
        raise ParameterError(
            f"config win_length={fields['win_length']} must be <= n_fft={fields['n_fft']}"
        )
    return fields


@dataclasses.dataclass(frozen=True)
class _GraniteBase(PretrainedPreset):
    sample_rate: int = 16000
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160  # type: ignore[assignment]
    n_mels: int = 80

    layout: ClassVar[str] = FRAMES_X_FEATURES
    main_input: ClassVar[str] = "input_features"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("sample_rate", "n_fft", "win_length", "hop_length", "n_mels"):
            _check_int(name, getattr(self, name))
        if self.win_length > self.n_fft:
            raise ParameterError(f"win_length={self.win_length} must be <= n_fft={self.n_fft}")

    def _mel_recipe(self, floor_decades: float, **steps: Any) -> Recipe:
        """Torchaudio's ``MelSpectrogram`` defaults, then the clamped ``log10 / 4 + 1``.

        Centred STFT (reflect padding ``n_fft // 2``, a periodic Hann of ``win_length``
        centred in the ``n_fft`` frame), power, HTK mel without norm from 0 Hz to
        Nyquist, ``log10(max(m, 1e-10))`` clamped ``floor_decades`` below the clip's
        peak; float32 as torchaudio.  ``steps``: the version's deltas and stacking.
        """
        return Recipe(
            sample_rate=self.sample_rate, center=True, pad_mode="reflect",
            frame_length=self.win_length, hop_length=self.hop_length, n_fft=self.n_fft,
            window="hann", periodic=True, power=2.0, n_mels=self.n_mels, fmin=0.0,
            fmax=None, mel_bank="htk", mel_norm=None, log="log10", mel_floor=_LOG_FLOOR,
            dynamic_range=float(floor_decades), log_scale=0.25, log_offset=1.0,
            precision="float32", **steps,
        )  # fmt: skip

    def _log_mel(
        self, contents: list[np.ndarray], total: int, n_frames: int, floor_decades: float,
        out: np.ndarray | None = None,
    ) -> np.ndarray:  # fmt: skip
        _check_total(total, self.n_fft)
        return _log_mel_batch(
            contents, total, n_frames, n_mels=self.n_mels, sr=self.sample_rate,
            n_fft=self.n_fft, win_length=self.win_length, hop=self.hop_length,
            floor_decades=floor_decades, out=out,
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class GraniteSpeechFamily(_GraniteBase):
    """transformers' ``GraniteSpeechFeatureExtractor`` (granite-speech 3.x).

    ``preset(y, sr)`` returns ``((1 + n // hop) // 2, 2 * n_mels)`` float32;
    ``preset.batch(clips, sr)`` returns ``{"input_features": (batch, frames // 2,
    2 * n_mels) float32, "audio_embed_sizes": list of int, "input_features_mask":
    (batch, max(audio_embed_sizes)) bool}`` with the clips zero-padded to the longest
    (the extractor takes no padding options).

    Attributes
    ----------
    n_mels : int
        Mel bands.
    projector_window_size, projector_downsample_rate : int
        The projector's block and reduction, for ``audio_embed_sizes``.
    """

    projector_window_size: int = 15
    projector_downsample_rate: int = 5

    kind: ClassVar[str] = "hf-granite-speech"
    reference: ClassVar[str] = (
        "transformers 5.25.0 GraniteSpeechFeatureExtractor with torchaudio 2.11.1 (golden"
        " outputs; live in make test-torch)"
    )
    deviation: ClassVar[str] = "4.0e-5 (target 1e-4)"
    extractor_types: ClassVar[tuple[str, ...]] = ("GraniteSpeechFeatureExtractor",)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("projector_window_size", self.projector_window_size)
        _check_int("projector_downsample_rate", self.projector_downsample_rate)

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        fields = _melspec_fields(config, "n_mels")
        # feature_size only names n_mels in saved configs (transformers' __init__ takes
        # it as metadata); a different value would not change the features.
        size = config.pop("feature_size", None)
        if size is not None and size != fields["n_mels"]:
            raise ParameterError(
                f"config feature_size={size!r} differs from n_mels={fields['n_mels']}; "
                "transformers computes n_mels bands (ambiguous config)"
            )
        # melspec_kwargs is what to_dict() saves, but transformers' __init__ rebuilds it
        # from the top-level keys: a disagreeing entry is ignored by transformers, and
        # refused here so the config cannot mean two things.
        saved = config.pop("melspec_kwargs", None)
        if saved is not None:
            resolved = {"sample_rate": fields["sample_rate"], "n_fft": fields["n_fft"],
                        "win_length": fields["win_length"],
                        "hop_length": fields["hop_length"], "n_mels": fields["n_mels"]}  # fmt: skip
            if dict(saved) != resolved:
                raise ParameterError(
                    f"config melspec_kwargs={saved!r} differs from the top-level keys "
                    f"{resolved}; transformers uses the top-level keys (defaults when absent)"
                )
        value = config.pop("padding_value", 0.0)
        if value != 0.0:  # transformers pads with 0.0 whatever the config says
            raise ParameterError(
                f"config padding_value={value!r}: transformers ignores it (pads with 0)"
            )
        _pop_side(config)
        config.pop("return_attention_mask", None)  # unused by this extractor
        fields["projector_window_size"] = _pop_int(config, "projector_window_size", 15)
        fields["projector_downsample_rate"] = _pop_int(config, "projector_downsample_rate", 5)
        return fields

    @property
    def n_features(self) -> int:
        """Feature dimension: ``2 * n_mels`` (two stacked frames)."""
        return 2 * self.n_mels

    def _embed_sizes(self, lengths: np.ndarray) -> list[int]:
        """Return transformers' ``_get_num_audio_features`` (the projector's output sizes)."""
        window = self.projector_window_size
        effective = window // self.projector_downsample_rate
        sizes = []
        for n in lengths:
            encoder = (int(n) // self.hop_length + 1) // 2
            sizes.append(math.ceil(encoder / window) * effective)
        return sizes

    def recipe(self) -> Recipe:
        """Return the log-mel steps of one padded clip (see :meth:`Preset.recipe`).

        :meth:`_mel_recipe` with an 8-decade floor, frame pairs stacked (an odd last
        frame dropped after the clamp).  Zero padding to the batch's longest clip,
        ``audio_embed_sizes`` and the mask are the batch rules.
        """
        return self._mel_recipe(8.0, stack=2)

    def _batch(self, clips: list[np.ndarray]) -> dict[str, Any]:
        if not clips:
            raise ParameterError("clips is empty; need at least one clip")
        lengths = np.array([c.shape[0] for c in clips], dtype=np.int64)
        total = int(lengths.max())  # zero padding to the longest clip
        n_frames = 1 + total // self.hop_length
        logmel = self._log_mel(clips, total, n_frames, 8.0)
        even = n_frames - n_frames % 2  # an odd last frame is dropped after the clamp
        features = logmel[:, :even].reshape(len(clips), even // 2, 2 * self.n_mels)
        sizes = self._embed_sizes(lengths)
        mask = np.arange(max(sizes))[None, :] < np.asarray(sizes)[:, None]
        return {"input_features": features, "audio_embed_sizes": sizes,
                "input_features_mask": mask}  # fmt: skip

    def _batch_tensor(self, clips: list[Any]) -> dict[str, Any]:  # type: ignore[override]
        """:meth:`_batch` on 1-D tensors: :meth:`recipe` in torch on their device."""
        import torch

        if not clips:
            raise ParameterError("clips is empty; need at least one clip")
        lengths = np.array([int(c.shape[0]) for c in clips], dtype=np.int64)
        total = int(lengths.max())
        _check_total(total, self.n_fft)
        batch = torch.stack([torch.nn.functional.pad(c, (0, total - c.shape[0])) for c in clips])
        features = run(self.recipe(), batch).to(clips[0].dtype)
        sizes = self._embed_sizes(lengths)
        arange = torch.arange(max(sizes), device=batch.device)
        mask = arange[None, :] < torch.as_tensor(sizes, device=batch.device)[:, None]
        return {"input_features": features, "audio_embed_sizes": sizes,
                "input_features_mask": mask}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class GraniteSpeech5Family(_GraniteBase):
    """transformers' ``GraniteSpeech5FeatureExtractor`` (granite-speech 5).

    ``preset(y, sr)`` returns ``(ceil((n // hop) / 2), 4 * n_mels)`` float32 (each row:
    two frames of mel and delta); ``preset.batch(clips, sr)`` returns
    ``{"input_features": (batch, frames, 4 * n_mels) float32, "attention_mask": (batch,
    frames) int64}``.

    Attributes
    ----------
    n_mels : int
        Mel bands (the config's ``num_mel_bins``).
    delta_win_length : int
        Window of torchaudio's ``compute_deltas`` (odd, >= 3).
    logmel_floor_db : float
        Floor below each clip's maximum, in decades of power (8: 80 dB).
    padding_value : float
        Value of padded samples.
    """

    delta_win_length: int = 3
    logmel_floor_db: float = 8.0
    padding_value: float = 0.0

    kind: ClassVar[str] = "hf-granite-speech5"
    reference: ClassVar[str] = (
        "transformers 5.25.0 GraniteSpeech5FeatureExtractor with torchaudio 2.11.1 "
        "(golden outputs; live in make test-torch)"
    )
    deviation: ClassVar[str] = "2.0e-5 (target 1e-4)"
    extractor_types: ClassVar[tuple[str, ...]] = ("GraniteSpeech5FeatureExtractor",)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("delta_win_length", self.delta_win_length, minimum=3)
        _check_float("logmel_floor_db", self.logmel_floor_db)
        _check_float("padding_value", self.padding_value, minimum=-np.inf)

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        fields = _melspec_fields(config, "num_mel_bins")
        # feature_size is derived (num_mel_bins * 4) and popped by transformers' __init__.
        config.pop("feature_size", None)
        _pop_side(config)
        # The call's return_attention_mask defaults to True whatever the config says.
        config.pop("return_attention_mask", None)
        fields["delta_win_length"] = _pop_int(config, "delta_win_length", 3)
        for key, default in (("logmel_floor_db", 8.0), ("padding_value", 0.0)):
            value = config.pop(key, default)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ParameterError(f"config {key}={value!r} must be a number")
            fields[key] = float(value)
        return fields

    @property
    def n_features(self) -> int:
        """Feature dimension: ``4 * n_mels`` (mel and delta of two stacked frames)."""
        return 4 * self.n_mels

    def _deltas(self, x: np.ndarray, out: np.ndarray) -> None:
        """Write torchaudio's ``compute_deltas`` of ``x`` ``(b, t, f)`` over time into ``out``.

        ``sum_k k (x[t + k] - x[t - k]) / (2 sum_k k**2)`` with the edge frames repeated.
        """
        n = (self.delta_win_length - 1) // 2
        t = x.shape[1]
        # k = 1 from slices, straight into out; the edge frames by hand (any t >= 1).
        np.subtract(x[:, 2:], x[:, :-2], out=out[:, 1:-1])
        out[:, 0] = x[:, min(1, t - 1)] - x[:, 0]
        out[:, -1] = x[:, -1] - x[:, max(t - 2, 0)]
        index = np.arange(t)
        for k in range(2, n + 1):
            out += np.float32(k) * (
                x[:, np.minimum(index + k, t - 1)] - x[:, np.maximum(index - k, 0)]
            )
        out /= np.float32(n * (n + 1) * (2 * n + 1) / 3)

    def recipe(self) -> Recipe:
        """Return the log-mel steps of one padded clip (see :meth:`Preset.recipe`).

        :meth:`_mel_recipe` with the ``logmel_floor_db`` floor, then torchaudio's
        ``compute_deltas(win_length=delta_win_length)`` appended and frame pairs
        stacked.  Batch rules: the padding to ``length`` samples, the zeros that extend
        the signal so that ``length // hop`` rounds up to an even frame count, the first
        that many frames (:meth:`_frame_plan`: ``drop_last`` when the STFT gives one
        more) and the mask.
        """
        return self._mel_recipe(
            self.logmel_floor_db, deltas=True, delta_window=self.delta_win_length, stack=2
        )

    def _frame_plan(self, length: int) -> tuple[int, int, bool]:
        """``(n_frames, total, drop_last)`` of a batch padded to ``length`` samples.

        transformers keeps ``n_frames`` (``length // hop`` rounded up to even) frames
        of the STFT of the signal zero-extended to ``total`` samples (at least
        ``(n_frames - 1) * hop + 1``), whose ``1 + total // hop`` frames are one more
        when ``length // hop`` is even: that last frame is dropped before the clamp.
        """
        hop = self.hop_length
        mel_frames = length // hop
        n_frames = 2 * -(-mel_frames // 2)
        total = max(length, (n_frames - 1) * hop + 1)
        return n_frames, total, 1 + total // hop > n_frames

    def _plan(
        self, lengths: list[int], padding: Any, max_length: Optional[int], truncation: bool,
        pad_to_multiple_of: Optional[int],
    ) -> tuple[np.ndarray, int]:  # fmt: skip
        """Return the clips' kept lengths and the padded length (transformers' own rules).

        Not ``pad()``: truncation to ``max_length`` exactly (only with ``max_length``),
        then the target rounded up to ``pad_to_multiple_of``.
        """
        strategy = padding_strategy(padding, max_length)
        if truncation and max_length is not None:
            lengths = [min(n, int(max_length)) for n in lengths]
        kept = np.array(lengths, dtype=np.int64)
        length = int(max_length) if strategy == "max_length" else int(kept.max())  # type: ignore[arg-type]
        if strategy == "do_not_pad" and int(kept.min()) != length:
            raise ParameterError(
                "padding=False needs clips of equal length (transformers refuses the batch)"
            )
        if pad_to_multiple_of is not None:
            _check_int("pad_to_multiple_of", pad_to_multiple_of)
            length = -(-length // int(pad_to_multiple_of)) * int(pad_to_multiple_of)
        if int(kept.max()) > length:
            raise ParameterError(
                f"a clip of {int(kept.max())} samples does not fit max_length="
                f"{max_length}; pass truncation=True or a larger max_length"
            )
        return kept, length

    def _plan_clips(
        self, clips: list[Any], padding: Any, max_length: Optional[int], truncation: bool,
        pad_to_multiple_of: Optional[int],
    ) -> tuple[np.ndarray, int]:  # fmt: skip
        """:meth:`_plan` of the clips' lengths (arrays or tensors); refuse no clips."""
        if not clips:
            raise ParameterError("clips is empty; need at least one clip")
        return self._plan(
            [int(c.shape[0]) for c in clips], padding, max_length, truncation,
            pad_to_multiple_of,
        )  # fmt: skip

    def _mask_counts(self, lengths: np.ndarray) -> np.ndarray:
        """Return the mask's ones per clip: stacked frames of ``lengths // hop`` frames."""
        return -(-(lengths // self.hop_length) // 2)

    def _batch(
        self,
        clips: list[np.ndarray],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: bool = True,
    ) -> dict[str, Any]:
        lengths, length = self._plan_clips(
            clips, padding, max_length, truncation, pad_to_multiple_of
        )
        clips = [c[:n] for c, n in zip(clips, lengths, strict=True)]
        if self.padding_value != 0.0:
            fill = np.float32(self.padding_value)
            clips = [np.concatenate([c, np.full(length - c.shape[0], fill, np.float32)])
                     for c in clips]  # fmt: skip
        n_frames, total, _ = self._frame_plan(length)
        m = self.n_mels
        both = np.empty((len(clips), n_frames, 2 * m), dtype=np.float32)
        logmel = self._log_mel(clips, total, n_frames, self.logmel_floor_db, both[:, :, :m])
        self._deltas(logmel, both[:, :, m:])
        features = both.reshape(len(clips), n_frames // 2, 4 * m)
        out: dict[str, Any] = {"input_features": features}
        if return_attention_mask:
            counts = self._mask_counts(lengths)
            out["attention_mask"] = (
                np.arange(n_frames // 2)[None, :] < counts[:, None]
            ).astype(np.int64)
        return out

    def _batch_tensor(  # type: ignore[override]
        self,
        clips: list[Any],
        *,
        padding: Any = "longest",
        max_length: Optional[int] = None,
        truncation: bool = False,
        pad_to_multiple_of: Optional[int] = None,
        return_attention_mask: bool = True,
    ) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors: :meth:`recipe` in torch on their device."""
        import torch

        lengths, length = self._plan_clips(
            clips, padding, max_length, truncation, pad_to_multiple_of
        )
        n_frames, total, drop_last = self._frame_plan(length)
        _check_total(total, self.n_fft)
        pad = torch.nn.functional.pad
        batch = torch.stack([
            pad(pad(c[:n], (0, length - int(n)), value=self.padding_value), (0, total - length))
            for c, n in zip(clips, lengths, strict=True)
        ])  # fmt: skip
        recipe = dataclasses.replace(self.recipe(), drop_last=drop_last)
        out: dict[str, Any] = {"input_features": run(recipe, batch).to(clips[0].dtype)}
        if return_attention_mask:
            counts = torch.as_tensor(self._mask_counts(lengths), device=batch.device)
            arange = torch.arange(n_frames // 2, device=batch.device)
            out["attention_mask"] = (arange[None, :] < counts[:, None]).to(torch.int64)
        return out


def _check_total(total: int, n_fft: int) -> None:
    """Refuse a batch too short for the reflect padding of ``n_fft // 2`` samples."""
    if total <= n_fft // 2:
        raise ParameterError(
            f"the batch's longest clip has {total} samples; torchaudio's reflect "
            f"padding needs more than n_fft // 2 = {n_fft // 2}"
        )
