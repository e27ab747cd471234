"""``from_pretrained``: a model's saved feature-extractor config → an exact preset.

A pretrained audio model ships its front end as a JSON config (transformers'
``preprocessor_config.json``, or ``processor_config.json`` with a nested
``"feature_extractor"`` or ``"audio_processor"`` entry).  :func:`from_pretrained` reads
it from a folder, a file, a dict, or the local Hugging Face cache (never the network),
picks the recipe family by its ``feature_extractor_type`` and returns a frozen
:class:`PretrainedPreset`.

Strict by default: a config key that would change the numbers but is not implemented,
or an unknown ``feature_extractor_type``, raises :class:`~melforge.ParameterError`
naming the key (or listing the supported types).  The one set of keys left aside is
an image processor's in a combined config (see :func:`from_pretrained`): transformers'
audio extractor never reads them either.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Optional

import numpy as np

from melforge._errors import ParameterError
from melforge._tensors import any_tensor, is_tensor
from melforge.presets._combined import IMAGE_PROCESSOR_KEYS, image_processor_keys
from melforge.presets.base import Preset

__all__ = [
    "PretrainedPreset",
    "from_pretrained",
    "load_config",
    "supported_types",
    "INERT_KEYS",
]

#: transformers ``feature_extractor_type`` -> "module:Class" of the family that
#: reproduces it.  Modules are imported on first use.  One line per extractor class.
_FAMILIES: dict[str, str] = {
    "Wav2Vec2FeatureExtractor": "melforge.presets.hf.wav2vec2:Wav2Vec2Family",
    "SeamlessM4TFeatureExtractor": "melforge.presets.hf.seamless_m4t:SeamlessM4TFamily",
    "Speech2TextFeatureExtractor": "melforge.presets.hf.speech2text:Speech2TextFamily",
    "ASTFeatureExtractor": "melforge.presets.hf.ast:ASTFamily",
    "WhisperFeatureExtractor": "melforge.presets.hf.whisper:WhisperFamily",
    "EncodecFeatureExtractor": "melforge.presets.hf.codecs:EncodecFamily",
    "DacFeatureExtractor": "melforge.presets.hf.codecs:DacFamily",
    "DiaFeatureExtractor": "melforge.presets.hf.codecs:DiaFamily",
    "SpeechT5FeatureExtractor": "melforge.presets.hf.speecht5:SpeechT5Family",
    "ClapFeatureExtractor": "melforge.presets.hf.clap:ClapFamily",
    "Gemma3nAudioFeatureExtractor": "melforge.presets.hf.gemma:Gemma3nFamily",
    "Gemma4AudioFeatureExtractor": "melforge.presets.hf.gemma:Gemma4Family",
    "ParakeetFeatureExtractor": "melforge.presets.hf.parakeet:ParakeetFamily",
    "Phi4MultimodalFeatureExtractor": "melforge.presets.hf.phi4:Phi4MultimodalFamily",
    "GraniteSpeechFeatureExtractor": "melforge.presets.hf.granite:GraniteSpeechFamily",
    "GraniteSpeech5FeatureExtractor": "melforge.presets.hf.granite:GraniteSpeech5Family",
    "LasrFeatureExtractor": "melforge.presets.hf.lasr:LasrFamily",
}

#: Config keys that never change the numbers (bookkeeping written by transformers).
INERT_KEYS = frozenset(
    {
        "feature_extractor_type",
        "processor_class",
        "auto_map",
        "transformers_version",
        "_processor_class",
        "model_input_names",
    }
)

CONFIG_NAMES = ("processor_config.json", "preprocessor_config.json")


def supported_types() -> list[str]:
    """Return the transformers ``feature_extractor_type`` names from_pretrained reads.

    Returns
    -------
    list of str
        Sorted class names, e.g. ``["Wav2Vec2FeatureExtractor", "WhisperFeatureExtractor"]``.

    Examples
    --------
    >>> from melforge.presets import supported_types
    >>> "Wav2Vec2FeatureExtractor" in supported_types()
    True
    """
    return sorted(_FAMILIES)


def family_class(extractor_type: str) -> type[PretrainedPreset]:
    """Return the preset class for a ``feature_extractor_type`` (imports its module)."""
    target = _FAMILIES.get(extractor_type)
    if target is None:
        raise ParameterError(
            f"feature_extractor_type={extractor_type!r} is not supported; supported: "
            f"{', '.join(supported_types())}"
        )
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


def family_kinds() -> dict[str, str]:
    """Return ``{kind: "module:Class"}`` for every family (for ``presets.from_dict``)."""
    out = {}
    for target in set(_FAMILIES.values()):
        module, _, cls = target.partition(":")
        kind = getattr(importlib.import_module(module), cls).kind
        out[kind] = target
    return out


# -- finding the config -------------------------------------------------------------------


def _hub_cache() -> Path:
    """Return the Hugging Face hub cache folder (huggingface_hub's environment rules)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def _snapshot(model_id: str, revision: str) -> Path:
    """Return the cached snapshot folder of ``model_id`` at ``revision`` (ref or commit)."""
    cache = _hub_cache()
    repo = cache / ("models--" + model_id.replace("/", "--"))
    if not repo.is_dir():
        raise ParameterError(
            f"model {model_id!r} is not in the local Hugging Face cache ({cache}); melforge "
            "never downloads: fetch it first, e.g. `huggingface-cli download "
            f"{model_id} preprocessor_config.json`, or pass the config's folder or file"
        )
    ref = repo / "refs" / revision
    commit = ref.read_text().strip() if ref.is_file() else revision
    folder = repo / "snapshots" / commit
    if not folder.is_dir():
        snapshots = sorted(p for p in (repo / "snapshots").glob("*") if p.is_dir())
        if revision == "main" and len(snapshots) == 1:
            return snapshots[0]
        raise ParameterError(
            f"revision={revision!r} of {model_id!r} is not in the local Hugging Face cache "
            f"({repo}); cached snapshots: {[p.name for p in snapshots]}"
        )
    return folder


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ParameterError(f"cannot read config {str(path)!r}: {e.strerror or e}") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParameterError(f"config {str(path)!r} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise ParameterError(f"config {str(path)!r} holds a {type(data).__name__}, not an object")
    return data


#: The nested entries of a processor config that hold the audio feature extractor, in
#: transformers' order of preference (``get_feature_extractor_dict``).
NESTED_KEYS = ("feature_extractor", "audio_processor")


def _extractor_entry(
    data: Mapping[str, Any], *, nested_only: bool = False
) -> Optional[dict[str, Any]]:
    """Return the feature-extractor config in ``data`` (a nested entry, or itself)."""
    for key in NESTED_KEYS:
        nested = data.get(key)
        if isinstance(nested, Mapping):
            return dict(nested)
    if "feature_extractor_type" in data and not nested_only:
        return dict(data)
    return None


def _from_folder(folder: Path) -> tuple[dict[str, Any], str]:
    # transformers' order: a nested entry of processor_config.json ("feature_extractor",
    # then "audio_processor"), then the whole preprocessor_config.json.
    for name in CONFIG_NAMES:
        path = folder / name
        if path.is_file():
            entry = _extractor_entry(_read_json(path), nested_only=name == "processor_config.json")
            if entry is not None:
                return entry, str(path)
    raise ParameterError(
        f"no feature-extractor config in {str(folder)!r}: looked for a 'feature_extractor' "
        "or 'audio_processor' entry in processor_config.json, then preprocessor_config.json"
    )


def load_config(source: Any, *, revision: str = "main") -> tuple[dict[str, Any], str]:
    """Find and read a feature-extractor config.

    Parameters
    ----------
    source : dict, str or os.PathLike
        A config mapping; a folder holding ``processor_config.json`` (with a nested
        ``"feature_extractor"`` or ``"audio_processor"``) or ``preprocessor_config.json``
        (read whole); a path to such a JSON
        file; or a model id ``"org/name"`` (optionally written ``"hf:org/name"``),
        resolved only from the local Hugging Face cache (``HF_HUB_CACHE``, else
        ``HF_HOME/hub``, else ``~/.cache/huggingface/hub``).
    revision : str
        Branch, tag or commit of a cached model id.

    Returns
    -------
    config : dict
        The feature extractor's config.
    origin : str
        Where it came from (a path, or ``"<dict>"``).

    Raises
    ------
    ParameterError
        Nothing found, unreadable or invalid JSON, or no feature-extractor entry.
    """
    if isinstance(source, Mapping):
        entry = _extractor_entry(source)
        if entry is None:
            raise ParameterError(
                "the config dict has no 'feature_extractor_type' (nor a nested "
                "'feature_extractor' or 'audio_processor' entry)"
            )
        return entry, "<dict>"
    if not isinstance(source, (str, os.PathLike)):
        raise ParameterError(
            f"source={source!r} must be a dict, a path to a config file or folder, or a "
            "model id 'org/name'"
        )
    text = os.fspath(source)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if text.startswith("hf:"):
        return _from_folder(_snapshot(text[3:], revision))
    path = Path(text).expanduser()
    if path.is_dir():
        return _from_folder(path)
    if path.is_file():
        entry = _extractor_entry(_read_json(path))
        if entry is None:
            raise ParameterError(
                f"config {text!r} has no 'feature_extractor_type' (nor a nested "
                "'feature_extractor' or 'audio_processor' entry)"
            )
        return entry, str(path)
    if text.count("/") == 1 and not text.startswith((".", "/", "~")):
        return _from_folder(_snapshot(text, revision))
    raise ParameterError(
        f"source={text!r} is neither a config file, a folder, nor a model id 'org/name'"
    )


def config_sha256(config: Mapping[str, Any]) -> str:
    """SHA-256 of a config's canonical JSON (sorted keys): tells two configs apart."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- the base class ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PretrainedPreset(Preset):
    """A preset built from a transformers feature-extractor config.

    Subclasses (one per family) declare how the config's keys map to their fields
    (:meth:`_fields_from_config`) and implement :meth:`_batch`, the family's whole
    ``__call__``: padding, masks, features.  Everything else is shared:

    - ``preset(y, sr)`` — one clip → the model's features for a batch of one, without
      the batch axis, with the config's default options;
    - ``preset.batch(clips, sr, **options)`` — a list of clips → a dict with the keys,
      shapes, dtypes and masks that the transformers extractor returns with
      ``return_tensors="np"``; unpadded ragged results are lists of arrays;
    - ``to_dict()`` holds the resolved parameters and ``config_sha256``, the hash of
      the source config, so two configs never look alike.

    Attributes
    ----------
    config_sha256 : str
        SHA-256 of the source config's canonical JSON, less the image processor's keys
        of a combined config ("" when built by hand).

    Examples
    --------
    >>> import numpy as np
    >>> from melforge.presets import from_pretrained
    >>> p = from_pretrained({"feature_extractor_type": "Wav2Vec2FeatureExtractor",
    ...                      "return_attention_mask": True})
    >>> clips = [np.ones(16000, np.float32), np.ones(8000, np.float32)]
    >>> out = p.batch(clips, 16000, padding=True)
    >>> out["input_values"].shape, out["attention_mask"].sum(axis=1).tolist()
    ((2, 16000), [16000, 8000])
    """

    config_sha256: str = ""

    #: transformers class names this family reproduces.
    extractor_types: ClassVar[tuple[str, ...]] = ()
    #: The model's main input key (``"input_features"`` or ``"input_values"``).
    main_input: ClassVar[str] = "input_features"

    # -- building from a config ----------------------------------------------------------
    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Pop the keys this family understands from ``config``; return field values.

        Keys left in ``config`` afterwards that are not in :data:`INERT_KEYS` are
        refused by :meth:`from_config`.  A key whose *value* the family cannot
        reproduce raises :class:`~melforge.ParameterError` here, naming it.
        """
        raise NotImplementedError

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], *, name: str, sha256: Optional[str] = None
    ) -> PretrainedPreset:
        """Build the preset from a feature-extractor config (strict: see module doc)."""
        remaining = dict(config)
        fields = cls._fields_from_config(remaining)
        # The family reads its own keys first (an image key of the same name, such as
        # do_normalize, reaches transformers' audio extractor too); what is left of the
        # named image processor's keys is set aside.
        image = {k for k in image_processor_keys(config) if k in remaining}
        unknown = sorted(k for k in remaining if k not in INERT_KEYS and k not in image)
        if unknown:
            owner = config.get("image_processor_type")
            hint = (
                f"; image_processor_type={owner!r} is not an image processor whose keys "
                f"melforge knows ({', '.join(sorted(IMAGE_PROCESSOR_KEYS))})"
                if owner is not None and not image
                else ""
            )
            raise ParameterError(
                f"{config.get('feature_extractor_type', cls.__name__)} config key(s) "
                f"{unknown} are not implemented by melforge's {cls.kind!r} recipe and may "
                f"change the features; remove them from the config if they are unused{hint}"
            )
        audio = {k: v for k, v in config.items() if k not in image}
        digest = sha256 if sha256 is not None else config_sha256(audio)
        return cls(name=name, config_sha256=digest, **fields)

    # -- computing -----------------------------------------------------------------------
    def _batch(self, clips: list[np.ndarray]) -> dict[str, Any]:
        """Run the family's extractor call on float32 clips at :attr:`sample_rate`.

        Subclasses add the call's options as keyword-only parameters with the
        config's defaults; :meth:`batch` accepts exactly those names.
        """
        raise NotImplementedError

    def _batch_tensor(self, clips: list[Any], **options: Any) -> dict[str, Any]:
        """:meth:`_batch` on 1-D tensors at :attr:`sample_rate`; tensor values.

        The default runs :meth:`_batch` on host copies and returns its arrays as
        tensors on the clips' device (float values in the clips' dtype, masks int32);
        families with a torch recipe override it (and set ``torch_native``).
        """
        host = [np.ascontiguousarray(c.detach().cpu().numpy(), dtype=np.float32) for c in clips]
        return _to_torch(self._batch(host, **options), like=clips[0])

    def _tensor_clips(self, clips: Any, sr: Any, resample: bool) -> list[Any]:
        """Return checked 1-D tensor clips at :attr:`sample_rate` for :meth:`_batch_tensor`."""
        from melforge.presets._tensor import tensor_clips

        return tensor_clips(self, clips, sr, resample)

    def _compute(self, y: np.ndarray) -> np.ndarray:
        out = self._batch(list(y))[self.main_input]
        return np.asarray(np.stack(out) if isinstance(out, list) else out, dtype=np.float32)

    def _compute_tensor(self, y: Any) -> Any:
        out = self._batch_tensor(list(y))[self.main_input]
        if isinstance(out, list):
            import torch

            out = torch.stack(out)
        return out

    def batch(
        self, clips: Any, sr: float, *, resample: bool = True, **options: Any
    ) -> dict[str, Any]:
        """Compute a batch exactly as the transformers extractor's ``__call__`` does.

        Parameters
        ----------
        clips : list of np.ndarray [shape=(n_i,)] or np.ndarray [shape=(batch, n)]
            The clips, at ``sr``; or 1-D ``torch.Tensor`` clips (or a 2-D tensor), any
            device, float32/float64.
        sr : float
            Their sample rate in Hz; resampled to :attr:`sample_rate` with soxr
            (``soxr_hq``) when it differs and ``resample`` is True.
        resample : bool
            If False, a different ``sr`` raises :class:`~melforge.ParameterError`.
        **options
            The extractor's call options (``padding``, ``max_length``, ``truncation``,
            ``pad_to_multiple_of``, ``return_attention_mask`` and the family's own);
            defaults are the config's.  An unknown option raises ``TypeError``.
            ``return_tensors``: ``"np"`` (numpy arrays), ``"pt"`` (torch tensors, as
            transformers; needs padding when clip lengths differ) or None (default:
            the kind of the input, so tensor clips give tensors on their device).

        Returns
        -------
        dict
            The transformers keys (``input_features``/``input_values``, masks ...);
            padded results are stacked arrays (or tensors), ragged ones lists.
        """
        tensors = options.pop("return_tensors", None)
        if tensors not in ("np", "pt", None):
            raise ParameterError(f"return_tensors={tensors!r} must be 'np', 'pt' or None")
        if tensors == "pt" and importlib.util.find_spec("torch") is None:
            raise ParameterError(
                "return_tensors='pt' needs PyTorch: pip install 'melforge[torch]'"
            )
        allowed = [
            p.name
            for p in inspect.signature(self._batch).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.batch() got unknown option(s) {unknown}; "
                f"known: {allowed + ['return_tensors']}"
            )
        if is_tensor(clips) or any_tensor(clips):
            out = self._batch_tensor(self._tensor_clips(clips, sr, resample), **options)
            return _to_numpy(out) if tensors == "np" else _check_pt(out, tensors)
        if isinstance(clips, np.ndarray) and clips.ndim == 2:
            clips = list(clips)
        if not isinstance(clips, (list, tuple)):
            raise ParameterError(
                f"clips must be a list of 1-D arrays (or a 2-D array), got {type(clips).__name__}"
            )
        data, _ = self._prepare(list(clips), sr, resample)
        call: Callable[..., dict[str, Any]] = self._batch
        result = call(list(data), **options)
        if tensors == "pt":
            import torch

            return _check_pt(_to_torch(result, like=torch.empty(0)), tensors)
        return result


def _to_torch(result: dict[str, Any], *, like: Any) -> dict[str, Any]:
    """Arrays (or lists of arrays) of a batch dict as tensors on ``like``'s device."""
    from melforge._torch.core import to_tensor

    def one(value: Any) -> Any:
        return to_tensor(value, like=like) if isinstance(value, np.ndarray) else value

    return {
        key: [one(v) for v in value] if isinstance(value, list) else one(value)
        for key, value in result.items()
    }


def _to_numpy(result: dict[str, Any]) -> dict[str, Any]:
    """Tensors (or lists of tensors) of a batch dict as numpy arrays (host copies)."""

    def one(value: Any) -> Any:
        return value.detach().cpu().numpy() if is_tensor(value) else value

    return {
        key: [one(v) for v in value] if isinstance(value, list) else one(value)
        for key, value in result.items()
    }


def _check_pt(result: dict[str, Any], tensors: Any) -> dict[str, Any]:
    """With ``return_tensors="pt"`` every value must be one tensor, as in transformers."""
    if tensors == "pt":
        ragged = sorted(key for key, value in result.items() if isinstance(value, list))
        if ragged:
            raise ParameterError(
                f"return_tensors='pt' needs one tensor per key, but {ragged} hold clips of "
                "different lengths; pass padding=True (or 'max_length')"
            )
    return result


def from_pretrained(
    source: Any, *, name: Optional[str] = None, revision: str = "main"
) -> PretrainedPreset:
    """Build the exact preset of a pretrained model from its saved config.

    Parameters
    ----------
    source : dict, str or os.PathLike
        The model's config: a dict, a JSON file, a folder holding
        ``processor_config.json``/``preprocessor_config.json``, or a model id
        ``"org/name"`` (or ``"hf:org/name"``) found in the local Hugging Face cache.
        Nothing is ever downloaded.
    name : str, optional
        The preset's name; default: the model id, the config's folder name, or the
        ``feature_extractor_type`` of a dict.
    revision : str
        Branch, tag or commit of a cached model id (default ``"main"``).

    Returns
    -------
    PretrainedPreset
        Frozen, hashable and JSON round-trippable; ``preset(y, sr)`` gives one clip's
        features, ``preset.batch(clips, sr, **options)`` transformers' output dict.

    Raises
    ------
    ParameterError
        No config found, an unknown ``feature_extractor_type`` (the message lists the
        supported ones), or a config key melforge does not implement (named).

    Notes
    -----
    Combined configs of multimodal models are read as transformers reads them:

    - ``processor_config.json`` with nested entries (``{"feature_extractor": {...},
      "image_processor": {...}, ...}``): the ``"feature_extractor"`` entry, else the
      ``"audio_processor"`` one (Phi-4-multimodal, Granite Speech); the other entries
      and the processor's own keys are not read.  Without such an entry the folder's
      ``preprocessor_config.json`` is used.
    - A flat ``preprocessor_config.json`` holding the audio keys and an image
      processor's (Qwen2.5-Omni, Gemma 3n, Phi-4-multimodal): the audio family reads its
      keys first; the keys left that belong to the class named by
      ``image_processor_type`` (Qwen2-VL, SigLIP or Phi-4-multimodal image processors)
      are set aside, as transformers' audio extractor ignores them.  Any other key is
      still refused, and so are image keys when ``image_processor_type`` is missing or
      names a class melforge does not know.  The set-aside keys are not part of
      ``config_sha256``.

    Examples
    --------
    >>> import melforge.presets as presets
    >>> p = presets.from_pretrained({"feature_extractor_type": "Wav2Vec2FeatureExtractor"})
    >>> p.kind, p.sample_rate, p.layout
    ('hf-wav2vec2', 16000, '(n_samples,)')
    """
    config, origin = load_config(source, revision=revision)
    kind = config.get("feature_extractor_type")
    if not isinstance(kind, str):
        raise ParameterError(
            f"config {origin} has no 'feature_extractor_type'; supported: "
            f"{', '.join(supported_types())}"
        )
    cls = family_class(kind)
    if name is None:
        if isinstance(source, Mapping):
            name = kind
        else:
            text = os.fspath(source)
            text = text.decode() if isinstance(text, bytes) else text
            text = text[3:] if text.startswith("hf:") else text
            path = Path(text).expanduser()
            if path.is_dir():
                name = path.resolve().name
            elif path.is_file():
                name = path.resolve().parent.name
            else:
                name = text
    return cls.from_config(config, name=name or kind)
