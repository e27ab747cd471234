"""The preset families: Whisper, Kaldi fbank, wav2vec2, librosa mel and MFCC."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import is_tensor
from melforge.feature.kaldi import _WINDOWS as _KALDI_WINDOWS, kaldi_fbank
from melforge.feature.nemo import (
    _NORMALIZE as _NEMO_NORMALIZE,
    LOG_GUARD as _NEMO_LOG_GUARD,
    STD_GUARD as _NEMO_STD_GUARD,
    nemo_log_mel,
)
from melforge.feature.recipe import Recipe
from melforge.feature.wav2vec2 import normalize_waveform
from melforge.feature.whisper import (
    HOP_LENGTH,
    SAMPLE_RATE,
    _recipe as _whisper_recipe,
    whisper_log_mel,
)
from melforge.presets.base import (
    FEATURES_X_FRAMES,
    FRAMES_X_FEATURES,
    SAMPLES,
    Preset,
    _check_bool,
    _check_float,
    _check_int,
)

__all__ = [
    "WhisperPreset",
    "KaldiFbankPreset",
    "Wav2Vec2Preset",
    "LibrosaMelPreset",
    "MfccPreset",
    "NemoPreset",
    "TorchaudioFbankPreset",
]


@dataclasses.dataclass(frozen=True)
class WhisperPreset(Preset):
    """Whisper's log-mel input, as transformers' ``WhisperFeatureExtractor``.

    ``preset(y, sr)`` returns ``(n_mels, n_frames)`` per clip (3000 frames when
    ``pad_or_trim``, the model's 30 s input); see
    :func:`melforge.feature.whisper_log_mel` for the recipe.

    Attributes
    ----------
    n_mels : int
        80 (Whisper tiny ... large-v2) or 128 (large-v3).
    pad_or_trim : bool
        Zero-pad or cut every clip to 30 s first, as transformers does by default.

    Examples
    --------
    >>> import melforge
    >>> from melforge.presets import WhisperPreset
    >>> y, sr = melforge.load(melforge.ex("speech"), sr=16000)
    >>> WhisperPreset(name="whisper-80")(y, sr).shape  # 30 s of 10 ms frames
    (80, 3000)
    >>> WhisperPreset(name="whisper-128", n_mels=128, pad_or_trim=False)(y, sr).shape
    (128, 962)
    """

    sample_rate: int = SAMPLE_RATE
    n_mels: int = 80
    pad_or_trim: bool = True

    kind: ClassVar[str] = "whisper"
    reference: ClassVar[str] = "transformers WhisperFeatureExtractor (numpy path)"
    deviation: ClassVar[str] = "3.5e-5 (80 mels), 4.5e-5 (128 mels); target 1e-4"
    layout: ClassVar[str] = FEATURES_X_FRAMES

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.sample_rate != SAMPLE_RATE:
            raise ParameterError(
                f"sample_rate={self.sample_rate!r}: Whisper features are defined at "
                f"{SAMPLE_RATE} Hz only"
            )
        _check_int("n_mels", self.n_mels)
        _check_bool("pad_or_trim", self.pad_or_trim)

    @property
    def n_features(self) -> int:
        """Feature dimension: ``n_mels``."""
        return self.n_mels

    @property
    def hop_length(self) -> int:
        """Samples between frames: 160 (10 ms)."""
        return HOP_LENGTH

    torch_native: ClassVar[bool] = True

    def recipe(self) -> Recipe:
        """Whisper's log-mel steps (see :meth:`Preset.recipe`); ``pad_or_trim`` is applied first."""
        return _whisper_recipe(self.n_mels)

    def _compute(self, y: np.ndarray) -> np.ndarray:
        return whisper_log_mel(y, n_mels=self.n_mels, pad_or_trim=self.pad_or_trim)

    def _compute_tensor(self, y: Any) -> Any:
        return whisper_log_mel(y, n_mels=self.n_mels, pad_or_trim=self.pad_or_trim)


@dataclasses.dataclass(frozen=True)
class KaldiFbankPreset(Preset):
    """Kaldi ``compute-fbank-feats`` log mel filterbanks (kaldi-native-fbank).

    ``preset(y, sr)`` returns Kaldi's layout ``(n_frames, num_mel_bins)`` per clip.
    The fields are :func:`melforge.feature.kaldi_fbank`'s options.

    Examples
    --------
    >>> import melforge
    >>> from melforge.presets import KaldiFbankPreset
    >>> y, sr = melforge.load(melforge.ex("speech"), sr=16000)
    >>> fbank = KaldiFbankPreset(name="fbank-40", num_mel_bins=40)
    >>> fbank.layout, fbank(y, sr).shape  # 25 ms frames every 10 ms, snip_edges
    ('(n_frames, n_features)', (960, 40))
    """

    sample_rate: int = 16000
    num_mel_bins: int = 80
    frame_length_ms: float = 25.0
    frame_shift_ms: float = 10.0
    dither: float = 0.0
    preemphasis: float = 0.97
    remove_dc_offset: bool = True
    window: str = "povey"
    snip_edges: bool = True
    low_freq: float = 20.0
    high_freq: float = 0.0
    use_energy: bool = False
    energy_floor: float = 0.0
    use_log_fbank: bool = True
    use_power: bool = True
    waveform_scale: float = 32768.0
    seed: Optional[int] = None

    kind: ClassVar[str] = "kaldi-fbank"
    reference: ClassVar[str] = "kaldi-native-fbank OnlineFbank (dither 0)"
    deviation: ClassVar[str] = "3.3e-4 within 70 dB of each frame's peak, 5.6e-4 within 76 dB"
    layout: ClassVar[str] = FRAMES_X_FEATURES

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_int("num_mel_bins", self.num_mel_bins)
        for name in ("frame_length_ms", "frame_shift_ms", "waveform_scale"):
            _check_float(name, getattr(self, name), strict=True)
        for name in ("dither", "preemphasis", "low_freq", "energy_floor"):
            _check_float(name, getattr(self, name))
        _check_float("high_freq", self.high_freq, minimum=-np.inf)
        for name in ("remove_dc_offset", "snip_edges", "use_energy", "use_log_fbank"):
            _check_bool(name, getattr(self, name))
        _check_bool("use_power", self.use_power)
        if self.window not in _KALDI_WINDOWS:
            raise ParameterError(f"window={self.window!r} must be one of {_KALDI_WINDOWS}")
        if self.seed is not None:
            _check_int("seed", self.seed, minimum=0)

    @property
    def n_features(self) -> int:
        """Feature dimension: ``num_mel_bins``, plus one when ``use_energy``."""
        return self.num_mel_bins + int(self.use_energy)

    @property
    def hop_length(self) -> int:
        """Samples between frames (``frame_shift_ms`` at ``sample_rate``)."""
        return int(self.sample_rate * 0.001 * self.frame_shift_ms)

    torch_native: ClassVar[bool] = True

    def recipe(self) -> Optional[Recipe]:
        """Return the front end as a :class:`~melforge.feature.recipe.Recipe`.

        Kaldi's steps under the recipe's names (symmetric window, ``2 ** ceil(log2)``
        point FFT, Kaldi mel bank with ``high_freq <= 0`` resolved from Nyquist, ln
        floored at float32 epsilon), in float64 (:func:`~melforge.feature.kaldi_fbank`'s
        float32 rounding, Kaldi's, is not part of the description).  ``dither`` is left
        out (the recipe describes the features without noise).  None when the features
        hold a step a recipe has no field for: the energy column (``use_energy``) or the
        ``"sine"`` window.
        """
        if self.use_energy or self.window == "sine":
            return None
        sr = self.sample_rate
        frame_length = int(sr * 0.001 * self.frame_length_ms)
        nyquist = 0.5 * sr
        return Recipe(
            sample_rate=sr, waveform_scale=self.waveform_scale,
            frame_length=frame_length, hop_length=self.hop_length,
            n_fft=1 << (frame_length - 1).bit_length(), snip_edges=self.snip_edges,
            remove_dc=self.remove_dc_offset, preemphasis=self.preemphasis,
            preemphasis_style="kaldi", window="hann" if self.window == "hanning" else self.window,
            periodic=False, power=2.0 if self.use_power else 1.0, n_mels=self.num_mel_bins,
            fmin=self.low_freq,
            fmax=self.high_freq if self.high_freq > 0.0 else nyquist + self.high_freq,
            mel_bank="kaldi", mel_norm=None, log="ln" if self.use_log_fbank else "none",
            mel_floor=float(np.finfo(np.float32).eps), floor_mode="max", precision="float64",
        )  # fmt: skip

    def _compute(self, y: np.ndarray) -> np.ndarray:
        options = self.params()
        sr = options.pop("sample_rate")
        return kaldi_fbank(y, sr=sr, **options)

    def _compute_tensor(self, y: Any) -> Any:
        return self._compute(y)  # kaldi_fbank runs tensors in torch


@dataclasses.dataclass(frozen=True)
class Wav2Vec2Preset(Preset):
    """wav2vec2 / HuBERT input: the 16 kHz waveform, zero mean and unit variance.

    ``preset(y, sr)`` returns the waveform ``(n_samples,)``; :meth:`frames` gives
    ``(n_samples, 1)``.  Each clip of a list is normalized on its own samples only,
    as transformers' extractor does with ``return_attention_mask=True``.

    Attributes
    ----------
    do_normalize : bool
        Apply :func:`melforge.feature.normalize_waveform`; False passes the
        (resampled) waveform through.

    Examples
    --------
    >>> import melforge
    >>> from melforge.presets import Wav2Vec2Preset
    >>> y, sr = melforge.load(melforge.ex("speech"))  # 22.05 kHz: resampled to 16 kHz
    >>> x = Wav2Vec2Preset(name="wav2vec2")(y, sr)
    >>> x.shape, round(float(x.mean()), 4), round(float(x.std()), 2)
    ((153997,), 0.0, 1.0)
    """

    sample_rate: int = 16000
    do_normalize: bool = True

    kind: ClassVar[str] = "wav2vec2"
    reference: ClassVar[str] = "transformers Wav2Vec2FeatureExtractor(do_normalize=True)"
    deviation: ClassVar[str] = "9.5e-7"
    layout: ClassVar[str] = SAMPLES

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bool("do_normalize", self.do_normalize)

    @property
    def n_features(self) -> int:
        """Feature dimension: 1 (one sample per frame)."""
        return 1

    @property
    def hop_length(self) -> int:
        """Samples between frames: 1."""
        return 1

    torch_native: ClassVar[bool] = True

    def _compute(self, y: np.ndarray) -> np.ndarray:
        return normalize_waveform(y) if self.do_normalize else np.array(y, dtype=np.float32)

    def _compute_tensor(self, y: Any) -> Any:
        return normalize_waveform(y) if self.do_normalize else y.clone()


def _to_db(S: Any, power: float, *, amin: float, top_db: Optional[float]) -> Any:  # noqa: N803
    """Per-clip dB of a batch ``(batch, n_mels, t)`` (librosa clamps to one max per call)."""
    from melforge.spectral import amplitude_to_db, power_to_db

    if is_tensor(S):
        import torch

        to_db = amplitude_to_db if power == 1.0 else power_to_db
        return torch.stack([to_db(S[b], ref=1.0, amin=amin, top_db=top_db)
                            for b in range(S.shape[0])])  # fmt: skip
    out = np.empty_like(S)
    for b in range(S.shape[0]):
        if power == 1.0:
            out[b] = amplitude_to_db(S[b], ref=1.0, amin=amin, top_db=top_db)
        else:
            out[b] = power_to_db(S[b], ref=1.0, amin=amin, top_db=top_db)
    return out


@dataclasses.dataclass(frozen=True)
class LibrosaMelPreset(Preset):
    """librosa's mel spectrogram with its defaults, in dB.

    ``power_to_db(melspectrogram(y=y, sr=22050), ref=1.0, top_db=80)`` per clip:
    ``(n_mels, n_frames)`` with ``n_frames = 1 + n // hop_length``.

    Examples
    --------
    >>> import melforge
    >>> from melforge.presets import LibrosaMelPreset
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> S_db = LibrosaMelPreset(name="mel")(y, sr)
    >>> S_db.shape, float(S_db.max() - S_db.min()) <= 80.0
    ((128, 415), True)
    """

    sample_rate: int = 22050
    n_fft: int = 2048
    hop_length: int = 512  # type: ignore[assignment]
    win_length: Optional[int] = None
    window: str = "hann"
    center: bool = True
    pad_mode: str = "constant"
    power: float = 2.0
    n_mels: int = 128
    fmin: float = 0.0
    fmax: Optional[float] = None
    htk: bool = False
    norm: Optional[str] = "slaney"
    to_db: bool = True
    amin: float = 1e-10
    top_db: Optional[float] = 80.0

    kind: ClassVar[str] = "librosa-mel"
    reference: ClassVar[str] = "librosa power_to_db(feature.melspectrogram(y=y, sr=22050))"
    deviation: ClassVar[str] = "7.5e-4 dB"
    layout: ClassVar[str] = FEATURES_X_FRAMES

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("n_fft", "hop_length", "n_mels"):
            _check_int(name, getattr(self, name))
        if self.win_length is not None:
            _check_int("win_length", self.win_length)
        if self.power not in (1.0, 2.0):
            raise ParameterError(f"power={self.power!r} must be 1.0 (magnitude) or 2.0 (power)")
        _check_float("fmin", self.fmin)
        if self.fmax is not None:
            _check_float("fmax", self.fmax, strict=True)
        _check_float("amin", self.amin, strict=True)
        if self.top_db is not None:
            _check_float("top_db", self.top_db)
        for name in ("center", "htk", "to_db"):
            _check_bool(name, getattr(self, name))

    @property
    def n_features(self) -> int:
        """Feature dimension: ``n_mels``."""
        return self.n_mels

    torch_native: ClassVar[bool] = True

    def recipe(self) -> Optional[Recipe]:
        """Return the front end as a :class:`~melforge.feature.recipe.Recipe`.

        librosa's centred STFT (window of ``win_length`` centred in ``n_fft``), power or
        magnitude, Slaney/HTK mel, then ``power_to_db`` (``10 log10``) or
        ``amplitude_to_db`` (``20 log10``) with ``ref=1.0``, ``amin`` and ``top_db``
        below each clip's peak, in float32.  None for a window the recipe has no name
        for (anything but ``"hann"``, ``"hamming"``, ``"blackman"``, ``"boxcar"``).
        """
        names = {"hann": "hann", "hamming": "hamming", "blackman": "blackman",
                 "boxcar": "rectangular"}  # fmt: skip
        if self.window not in names:
            return None
        if not self.to_db:
            log: dict[str, Any] = {"log": "none"}
        elif self.power == 1.0:  # amplitude_to_db: 20 log10, top_db in decades * 20
            rng = None if self.top_db is None else self.top_db / 20.0
            log = {"log": "log10", "log_scale": 20.0, "dynamic_range": rng}
        else:
            log = {"log": "db", "dynamic_range": self.top_db}
        return Recipe(
            sample_rate=self.sample_rate, center=self.center, pad_mode=self.pad_mode,
            frame_length=self.win_length or self.n_fft, hop_length=self.hop_length,
            n_fft=self.n_fft, window=names[self.window], periodic=True, power=self.power,
            n_mels=self.n_mels, fmin=self.fmin, fmax=self.fmax,
            mel_bank="htk" if self.htk else "slaney", mel_norm=self.norm,
            mel_floor=self.amin, floor_mode="max", precision="float32", **log,
        )  # fmt: skip

    def _mel(self, y: Any) -> Any:
        from melforge.feature.spectral import melspectrogram

        return melspectrogram(
            y=y, sr=self.sample_rate, n_fft=self.n_fft, hop_length=self.hop_length,
            win_length=self.win_length, window=self.window, center=self.center,
            pad_mode=self.pad_mode, power=self.power, n_mels=self.n_mels, fmin=self.fmin,
            fmax=self.fmax, htk=self.htk, norm=self.norm, dtype=np.float32,
        )  # fmt: skip

    def _compute(self, y: np.ndarray) -> np.ndarray:
        S = self._mel(y)
        if self.to_db:
            S = _to_db(S, self.power, amin=self.amin, top_db=self.top_db)
        return S.astype(np.float32, copy=False)

    def _compute_tensor(self, y: Any) -> Any:
        S = self._mel(y)  # noqa: N806
        if self.to_db:
            S = _to_db(S, self.power, amin=self.amin, top_db=self.top_db)  # noqa: N806
        return S


@dataclasses.dataclass(frozen=True)
class MfccPreset(Preset):
    """librosa MFCCs with deltas: ``n_mfcc`` coefficients, then their deltas.

    Per clip: ``M = mfcc(y=y, sr=22050, n_mfcc=13)`` (librosa's defaults: 128 mels,
    dB with ``top_db=80``, orthonormal DCT-II), then ``delta(M, width=9, order=k)``
    for ``k = 1 .. n_deltas``, stacked on the feature axis:
    ``(n_mfcc * (1 + n_deltas), n_frames)``.  Clips need at least ``delta_width``
    frames.

    Examples
    --------
    >>> import melforge
    >>> from melforge.presets import MfccPreset
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> MfccPreset(name="mfcc-13")(y, sr).shape  # 13 MFCCs, deltas, delta-deltas
    (39, 415)
    >>> MfccPreset(name="mfcc-20", n_mfcc=20, n_deltas=0)(y, sr).shape
    (20, 415)
    """

    sample_rate: int = 22050
    n_mfcc: int = 13
    n_fft: int = 2048
    hop_length: int = 512  # type: ignore[assignment]
    n_mels: int = 128
    fmin: float = 0.0
    fmax: Optional[float] = None
    htk: bool = False
    dct_type: int = 2
    dct_norm: Optional[str] = "ortho"
    lifter: float = 0.0
    top_db: Optional[float] = 80.0
    n_deltas: int = 2
    delta_width: int = 9

    kind: ClassVar[str] = "mfcc"
    reference: ClassVar[str] = "librosa.feature.mfcc(n_mfcc=13) with delta and delta(order=2)"
    deviation: ClassVar[str] = "6.7e-4"
    layout: ClassVar[str] = FEATURES_X_FRAMES

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("n_mfcc", "n_fft", "hop_length", "n_mels", "dct_type"):
            _check_int(name, getattr(self, name))
        _check_int("n_deltas", self.n_deltas, minimum=0)
        _check_int("delta_width", self.delta_width, minimum=3)
        if self.delta_width % 2 == 0:
            raise ParameterError(f"delta_width={self.delta_width!r} must be odd")
        _check_float("fmin", self.fmin)
        _check_float("lifter", self.lifter)
        if self.fmax is not None:
            _check_float("fmax", self.fmax, strict=True)
        if self.top_db is not None:
            _check_float("top_db", self.top_db)
        _check_bool("htk", self.htk)

    @property
    def n_features(self) -> int:
        """Feature dimension: ``n_mfcc * (1 + n_deltas)``."""
        return self.n_mfcc * (1 + self.n_deltas)

    torch_native: ClassVar[bool] = True

    def _compute_tensor(self, y: Any) -> Any:
        import torch

        from melforge._torch.recipes import delta as torch_delta
        from melforge.feature.spectral import melspectrogram, mfcc
        from melforge.feature.utils import _savgol

        self._check_length(int(y.shape[-1]))
        S = melspectrogram(
            y=y, sr=self.sample_rate, n_fft=self.n_fft, hop_length=self.hop_length,
            n_mels=self.n_mels, fmin=self.fmin, fmax=self.fmax, htk=self.htk,
            dtype=np.float32,
        )  # fmt: skip
        S_db = _to_db(S, 2.0, amin=1e-10, top_db=self.top_db)
        M = mfcc(S=S_db, n_mfcc=self.n_mfcc, dct_type=self.dct_type, norm=self.dct_norm,
                 lifter=self.lifter)  # fmt: skip
        parts = [M]
        for k in range(1, self.n_deltas + 1):
            taps, edge = _savgol(int(self.delta_width), k, k, 1.0)
            parts.append(torch_delta(M, taps, edge, k))
        return torch.cat(parts, dim=-2)

    def _check_length(self, n: int) -> None:
        n_frames = 1 + n // self.hop_length  # centred frames
        if self.n_deltas and n_frames < self.delta_width:
            need = (self.delta_width - 1) * self.hop_length
            raise ParameterError(
                f"the {self.name} preset needs at least {self.delta_width} frames for its "
                f"deltas (delta_width={self.delta_width}), i.e. {need} samples at "
                f"{self.sample_rate} Hz; got {n} samples ({n_frames} frames)"
            )

    def _compute(self, y: np.ndarray) -> np.ndarray:
        from melforge.feature.spectral import melspectrogram, mfcc
        from melforge.feature.utils import delta

        n_frames = 1 + y.shape[-1] // self.hop_length  # centred frames
        if self.n_deltas and n_frames < self.delta_width:
            need = (self.delta_width - 1) * self.hop_length
            raise ParameterError(
                f"the {self.name} preset needs at least {self.delta_width} frames for its "
                f"deltas (delta_width={self.delta_width}), i.e. {need} samples at "
                f"{self.sample_rate} Hz; got {y.shape[-1]} samples ({n_frames} frames)"
            )
        S = melspectrogram(
            y=y, sr=self.sample_rate, n_fft=self.n_fft, hop_length=self.hop_length,
            n_mels=self.n_mels, fmin=self.fmin, fmax=self.fmax, htk=self.htk,
            dtype=np.float32,
        )  # fmt: skip
        S_db = _to_db(S, 2.0, amin=1e-10, top_db=self.top_db)
        M = mfcc(S=S_db, n_mfcc=self.n_mfcc, dct_type=self.dct_type, norm=self.dct_norm,
                 lifter=self.lifter)  # fmt: skip
        parts = [M] + [
            delta(M, width=self.delta_width, order=k, axis=-1)
            for k in range(1, self.n_deltas + 1)
        ]
        return np.concatenate(parts, axis=-2).astype(np.float32, copy=False)


@dataclasses.dataclass(frozen=True)
class NemoPreset(Preset):
    """NeMo's ``AudioToMelSpectrogramPreprocessor`` log-mel features, normalized.

    ``preset(y, sr)`` returns ``(n_mels, n_frames)`` per clip with
    ``n_frames = 1 + n // hop_length``; see :func:`melforge.feature.nemo.nemo_log_mel`.
    The defaults are NeMo's Conformer / FastConformer settings (80 mels, 25 ms
    window, 10 ms hop, 512-point FFT, pre-emphasis 0.97, per-feature normalization).

    Examples
    --------
    >>> import melforge
    >>> from melforge.presets import NemoPreset
    >>> y, sr = melforge.load(melforge.ex("speech"), sr=16000)
    >>> x = NemoPreset(name="nemo-80")(y, sr)
    >>> x.shape  # 1 + 153997 // 160 frames
    (80, 963)
    >>> bool(abs(x.mean(axis=1)).max() < 1e-3)  # each mel bin normalized over the clip
    True
    """

    sample_rate: int = 16000
    n_mels: int = 80
    n_fft: int = 512
    win_length: int = 400
    hop_length: int = 160  # type: ignore[assignment]
    preemphasis: float = 0.97
    normalize: Optional[str] = "per_feature"

    kind: ClassVar[str] = "nemo"
    reference: ClassVar[str] = (
        "NeMo AudioToMelSpectrogramPreprocessor: transformers ParakeetFeatureExtractor "
        "(golden outputs); kaldi-native-fbank OnlineNemoFbank before normalization"
    )
    deviation: ClassVar[str] = (
        "2.3e-5 normalized (vs Parakeet); 5.3e-4 unnormalized (vs OnlineNemoFbank)"
    )
    layout: ClassVar[str] = FEATURES_X_FRAMES

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("n_mels", "n_fft", "win_length", "hop_length"):
            _check_int(name, getattr(self, name))
        if self.win_length > self.n_fft:
            raise ParameterError(f"win_length={self.win_length} must be <= n_fft={self.n_fft}")
        _check_float("preemphasis", self.preemphasis)
        if self.normalize not in _NEMO_NORMALIZE:
            raise ParameterError(f"normalize={self.normalize!r} must be one of {_NEMO_NORMALIZE}")

    @property
    def n_features(self) -> int:
        """Feature dimension: ``n_mels``."""
        return self.n_mels

    torch_native: ClassVar[bool] = True

    def recipe(self) -> Recipe:
        """Return NeMo's front end as a :class:`~melforge.feature.recipe.Recipe`.

        Run it with ``lengths=[n] * batch``: the statistics cover the first
        ``n // hop_length`` frames and the frames after are set to 0.  float32, as the
        numpy kernel and the torch path compute.
        """
        normalize = {"per_feature": "per_bin", "all_features": "per_clip", None: "none"}
        return Recipe(
            sample_rate=self.sample_rate, waveform_preemphasis=self.preemphasis,
            center=True, pad_mode="constant", frame_length=self.win_length,
            hop_length=self.hop_length, n_fft=self.n_fft, window="hann", periodic=False,
            power=2.0, n_mels=self.n_mels, mel_bank="slaney", mel_norm="slaney",
            log="ln", mel_floor=_NEMO_LOG_GUARD, floor_mode="add",
            normalize=normalize[self.normalize], norm_ddof=1, norm_eps=_NEMO_STD_GUARD,
            norm_eps_in_sqrt=False, zero_invalid=True, precision="float32",
        )  # fmt: skip

    def _compute(self, y: np.ndarray) -> np.ndarray:
        options = self.params()
        sr = options.pop("sample_rate")
        return nemo_log_mel(y, sr=sr, **options)

    def _compute_tensor(self, y: Any) -> Any:
        return self._compute(y)  # nemo_log_mel runs tensors in torch

@dataclasses.dataclass(frozen=True)
class TorchaudioFbankPreset(KaldiFbankPreset):
    """``torchaudio.compliance.kaldi.fbank``'s conventions, under Kaldi's option names.

    The differences from :class:`KaldiFbankPreset` (``compute-fbank-feats``) are
    torchaudio's defaults: the waveform is used as given (``waveform_scale=1.0``; recipes
    that feed int16-range audio, such as WeNet's, multiply by 32768 first and should set
    ``waveform_scale=32768.0``), ``energy_floor=1.0`` (it only acts with
    ``use_energy``), and mel bins that cover no FFT bin are kept (``keep_empty_bins``)
    instead of refused.  Everything else — Povey window, ``snip_edges=True``,
    ``low_freq=20``, ``high_freq=0`` (Nyquist), dither 0, pre-emphasis 0.97, DC removal,
    log floored at float32 epsilon — is Kaldi's and torchaudio's alike.

    torchaudio computes in float32; this preset computes in float64
    (``precision="float64"``), so it is closer to the exact recipe than torchaudio
    itself: the differences from torchaudio are torchaudio's own float32 rounding (see
    ``docs/presets.md``).

    Attributes
    ----------
    keep_empty_bins : bool
        Keep mel bins that cover no FFT bin (torchaudio's behaviour).
    precision : {"float32", "float64"}
        Arithmetic of :func:`melforge.feature.kaldi_fbank`.

    Examples
    --------
    >>> import numpy as np
    >>> import melforge.presets
    >>> p = melforge.presets.get("torchaudio-fbank-80")
    >>> p(np.zeros(16000, np.float32), 16000).shape  # (n_frames, num_mel_bins)
    (98, 80)
    """

    waveform_scale: float = 1.0
    energy_floor: float = 1.0
    keep_empty_bins: bool = True
    precision: str = "float64"

    kind: ClassVar[str] = "torchaudio-fbank"
    torch_native: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_bool("keep_empty_bins", self.keep_empty_bins)
        if self.precision not in ("float32", "float64"):
            raise ParameterError(f"precision={self.precision!r} must be 'float32' or 'float64'")

    def _compute_tensor(self, y: Any) -> Any:
        """float64: :func:`~melforge.feature.recipe.run` of :meth:`recipe` in torch.

        Dither (numpy's draws) and the steps a recipe has no field for (energy column,
        sine window) compute on a host copy; float32 runs kaldi_fbank's torch path.
        """
        if self.precision == "float32":
            return self._compute(y)
        recipe = self.recipe()
        if recipe is None or self.dither != 0.0:
            return Preset._compute_tensor(self, y)
        from melforge.feature.recipe import run

        if y.shape[-1] < recipe.span and recipe.snip_edges:
            return Preset._compute_tensor(self, y)  # the numpy path's error message
        return run(recipe, y).to(y.dtype)
