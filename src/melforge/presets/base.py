"""The :class:`Preset` base class: a frozen, serializable, callable feature recipe."""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any, ClassVar

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import any_tensor, is_tensor
from melforge._validate import check_sr
from melforge.feature._clips import _as_signal

__all__ = ["Preset", "FEATURES_X_FRAMES", "FRAMES_X_FEATURES", "SAMPLES"]

#: ``preset(y, sr)`` layouts (per clip); a batch adds a leading axis.
FEATURES_X_FRAMES = "(n_features, n_frames)"
FRAMES_X_FEATURES = "(n_frames, n_features)"
SAMPLES = "(n_samples,)"

#: Resampler used when ``sr`` differs from the preset's rate.
RES_TYPE = "soxr_hq"

Batch = np.ndarray | list[np.ndarray]


def _check_int(name: str, value: Any, *, minimum: int = 1) -> None:
    if (
        not isinstance(value, (numbers.Integral, np.integer))
        or isinstance(value, bool)
        or value < minimum
    ):
        raise ParameterError(f"{name}={value!r} must be an integer >= {minimum}")


def _check_float(name: str, value: Any, *, minimum: float = 0.0, strict: bool = False) -> None:
    ok = isinstance(value, (numbers.Real, np.floating)) and not isinstance(value, bool)
    ok = ok and bool(np.isfinite(value)) and (value > minimum if strict else value >= minimum)
    if not ok:
        op = ">" if strict else ">="
        raise ParameterError(f"{name}={value!r} must be a finite number {op} {minimum}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name}={value!r} must be True or False")


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named feature recipe: frozen, printable, JSON-serializable and callable.

    Subclasses hold the recipe's parameters as dataclass fields and implement
    :meth:`_compute` on a float32 batch ``(batch, n)`` at :attr:`sample_rate`.

    Attributes
    ----------
    name : str
        The registry name (``"whisper-80"`` ...); kept by :meth:`to_dict`.
    sample_rate : int
        The rate (Hz) the recipe works at; other rates are resampled with soxr
        (``soxr_hq``) by :meth:`__call__` and :meth:`frames`.
    layout : str
        The per-clip layout returned by :meth:`__call__` (a class attribute).
    kind : str
        The recipe family, used by :meth:`to_dict` / :func:`from_dict` (a class attribute).
    reference : str
        The implementation the recipe reproduces (a class attribute).
    deviation : str
        The largest deviation from it measured by the tests (a class attribute).

    Examples
    --------
    Every preset is called the same way; its ``layout`` says what it returns:

    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"), sr=16000)
    >>> p = melforge.presets.get("librosa-mel")
    >>> p.sample_rate, p.layout  # y is resampled to 22.05 kHz first
    (22050, '(n_features, n_frames)')
    >>> p(y, sr).shape, p.frames(y, sr).shape
    ((128, 415), (415, 128))
    >>> import dataclasses
    >>> small = dataclasses.replace(p, name="mel-64", n_mels=64)  # a variant: still frozen
    >>> small(y, sr).shape
    (64, 415)
    >>> melforge.presets.from_dict(small.to_dict()) == small
    True
    """

    name: str
    sample_rate: int

    kind: ClassVar[str] = ""
    layout: ClassVar[str] = FEATURES_X_FRAMES
    #: What the recipe reproduces, and the largest deviation the tests measured
    #: (shown by ``melforge presets show``).
    reference: ClassVar[str] = ""
    deviation: ClassVar[str] = ""
    #: True when :meth:`_compute_tensor` runs the recipe in torch (on the tensor's
    #: device); False when tensors are computed by the numpy recipe and copied back.
    torch_native: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(f"name={self.name!r} must be a non-empty string")
        _check_int("sample_rate", self.sample_rate)

    # -- what a consumer needs to know -------------------------------------------------
    @property
    def n_features(self) -> int:
        """Feature dimension: the size of the feature axis of each frame."""
        raise NotImplementedError

    @property
    def hop_length(self) -> int:
        """Samples between frames at :attr:`sample_rate` (1 for waveform presets)."""
        raise NotImplementedError

    @property
    def frame_rate(self) -> float:
        """Frames per second of the output."""
        return self.sample_rate / self.hop_length

    def recipe(self) -> Any:
        """Return the front end as a declarative :class:`~melforge.feature.recipe.Recipe`.

        The spectrogram steps a clip goes through (framing, window, FFT, mel bank, log,
        normalization, stacking); batch rules (padding, masks) are the preset's own.
        None for presets that compute no spectrogram (waveform presets).  The preset's
        fast kernel is tested against ``melforge.feature.recipe.run`` of this recipe.
        """
        return None

    # -- computing ------------------------------------------------------------------------
    def _compute(self, y: np.ndarray) -> np.ndarray:
        """Features of a float32 batch ``(batch, n)`` in :attr:`layout`, batch first."""
        raise NotImplementedError

    def _compute_tensor(self, y: Any) -> Any:
        """Features of a float tensor batch ``(batch, n)``, a tensor on its device.

        The default computes :meth:`_compute` on a host copy (``torch_native`` False);
        families with a torch recipe override it.
        """
        from melforge.presets._tensor import numpy_fallback

        return numpy_fallback(self, y)

    def _to_frames(self, native: np.ndarray) -> np.ndarray:
        """Convert output from :attr:`layout` to ``(..., n_frames, n_features)``."""
        if self.layout == FRAMES_X_FEATURES:
            return native
        if self.layout == SAMPLES:
            return native[..., None]
        return np.ascontiguousarray(np.swapaxes(native, -1, -2))

    def _prepare(self, y: Any, sr: Any, resample: bool) -> tuple[Batch, bool]:
        """Check input, convert to float32, resample; return (2-D array or list, is_list)."""
        sr_value = check_sr(sr)
        if sr_value != self.sample_rate and not resample:
            raise ParameterError(
                f"sr={sr!r} differs from the {self.name} preset's sample_rate="
                f"{self.sample_rate} and resample=False; resample the audio to "
                f"{self.sample_rate} Hz first, or pass resample=True"
            )
        if isinstance(y, (list, tuple)):
            if len(y) == 0:
                raise ParameterError("y is an empty list; pass at least one clip")
            if isinstance(y[0], (numbers.Number, np.generic)):
                raise ParameterError(
                    f"y is a {type(y).__name__} of numbers, but a list means several clips; "
                    "pass one clip as an array (np.asarray(y, dtype=np.float32))"
                )
            clips = []
            for i, clip in enumerate(y):
                clip = _as_signal(clip, name=f"y[{i}]", batch=False)[0]
                clips.append(self._resample(clip, sr_value))
            return clips, True
        y2 = _as_signal(y, name="y", batch=True)
        return self._resample(y2, sr_value), False

    def _resample(self, y: np.ndarray, sr: float) -> np.ndarray:
        if sr == self.sample_rate:
            return y
        from melforge.resampling import resample

        out = resample(y, orig_sr=sr, target_sr=self.sample_rate, res_type=RES_TYPE)
        return np.asarray(out, dtype=np.float32)

    def _run(self, y: Any, sr: Any, resample: bool, frames: bool) -> Any:
        if is_tensor(y) or any_tensor(y):
            from melforge.presets._tensor import run_tensor

            return run_tensor(self, y, sr, resample, frames)
        data, is_list = self._prepare(y, sr, resample)
        convert = self._to_frames if frames else (lambda a: a)
        if is_list:
            # Clips of equal length are computed together, as one 2-D batch.
            out_list: list[np.ndarray | None] = [None] * len(data)
            by_length: dict[int, list[int]] = {}
            for i, clip in enumerate(data):
                by_length.setdefault(clip.shape[-1], []).append(i)
            for idx in by_length.values():
                batch = self._compute(np.stack([data[i] for i in idx]))
                for i, feats in zip(idx, batch, strict=True):
                    out_list[i] = convert(feats)
            return out_list
        out = self._compute(data)  # type: ignore[arg-type]
        if frames:
            out = self._to_frames(out)
        return out[0] if np.ndim(y) == 1 else out

    def __call__(self, y: Any, sr: float, *, resample: bool = True) -> Any:
        """Compute the features in the reference extractor's :attr:`layout`.

        Parameters
        ----------
        y : np.ndarray [shape=(n,) or (batch, n)] or list of np.ndarray [shape=(n_i,)]
            Mono float audio: one clip, a batch of equal-length clips, or a list of
            clips of any lengths.  A ``torch.Tensor`` ``(..., n)`` (float32/float64,
            any device) or a list of 1-D tensors gives tensors on the same device and
            dtype (see :attr:`torch_native`).
        sr : float
            Sample rate of ``y`` in Hz.
        resample : bool
            If True (default), audio at another rate is resampled to
            :attr:`sample_rate` with soxr (``soxr_hq``); if False, a different rate
            raises :class:`~melforge.ParameterError`.

        Returns
        -------
        np.ndarray or list of np.ndarray, float32
            One array in :attr:`layout` for a 1-D ``y``; the same with a leading batch
            axis for a 2-D ``y``; a list (one array per clip) for a list ``y``.
        """
        return self._run(y, sr, resample, frames=False)

    def frames(self, y: Any, sr: float, *, resample: bool = True) -> Any:
        """Compute the features as a table of frames ``(n_frames, n_features)``.

        The same computation as :meth:`__call__`, with each clip laid out frames x
        features (time first), the layout of Kaldi and of melforge's datasets.

        Parameters
        ----------
        y : np.ndarray [shape=(n,) or (batch, n)] or list of np.ndarray [shape=(n_i,)]
            Mono float audio, as for :meth:`__call__`.
        sr : float
            Sample rate of ``y`` in Hz.
        resample : bool
            Resample audio at another rate (see :meth:`__call__`).

        Returns
        -------
        np.ndarray [shape=(n_frames, n_features) or (batch, n_frames, n_features)] or list
            float32, C-contiguous; a list of ``(n_frames_i, n_features)`` for a list ``y``.
        """
        return self._run(y, sr, resample, frames=True)

    # -- serialization ----------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """Return the recipe's parameters (every field but ``name``) as a plain dict."""
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "name"
        }

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable description: name, kind, melforge version, params.

        Returns
        -------
        dict
            ``{"name": ..., "kind": ..., "melforge_version": ..., "params": {...}}``;
            :func:`melforge.presets.from_dict` rebuilds an equal preset from it.
        """
        from melforge import __version__

        return {
            "name": self.name,
            "kind": self.kind,
            "melforge_version": __version__,
            "params": self.params(),
        }

    @classmethod
    def _from_params(cls, name: str, params: dict[str, Any]) -> Preset:
        known = {f.name for f in dataclasses.fields(cls)} - {"name"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ParameterError(
                f"unknown parameter(s) {unknown} for a {cls.kind!r} preset; "
                f"known: {sorted(known)}"
            )
        return cls(name=name, **params)

