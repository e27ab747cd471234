"""The registry of named presets: one explicit table, no registration side effects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from melforge._errors import ParameterError
from melforge.presets.base import Preset
from melforge.presets.recipes import (
    KaldiFbankPreset,
    LibrosaMelPreset,
    MfccPreset,
    NemoPreset,
    TorchaudioFbankPreset,
    Wav2Vec2Preset,
    WhisperPreset,
)

__all__ = ["get", "names", "from_dict", "resolve"]

#: Recipe family -> class, for :func:`from_dict`.
_KINDS: dict[str, type[Preset]] = {
    cls.kind: cls
    for cls in (
        WhisperPreset, KaldiFbankPreset, Wav2Vec2Preset, LibrosaMelPreset, MfccPreset, NemoPreset,
        TorchaudioFbankPreset,
    )
}

#: Name -> preset.  Presets are frozen, so sharing one instance is safe.
_PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        WhisperPreset(name="whisper-80", n_mels=80),
        WhisperPreset(name="whisper-128", n_mels=128),
        KaldiFbankPreset(name="kaldi-fbank-80", num_mel_bins=80),
        Wav2Vec2Preset(name="wav2vec2"),
        LibrosaMelPreset(name="librosa-mel"),
        MfccPreset(name="mfcc-13", n_mfcc=13),
        NemoPreset(name="nemo-80", n_mels=80),
        TorchaudioFbankPreset(name="torchaudio-fbank-80", num_mel_bins=80),
        # lhotse's Fbank (1.x): torchaudio's mel banks and framing, its own defaults
        TorchaudioFbankPreset(
            name="lhotse-fbank-80", num_mel_bins=80, snip_edges=False, high_freq=-400.0,
            energy_floor=1e-10,
        ),  # fmt: skip
    )
}


def _pretrained_kind(kind: str) -> type[Preset] | None:
    """Return the from_pretrained family class of this ``kind`` (imported lazily)."""
    from melforge.presets.pretrained import family_kinds

    target = family_kinds().get(kind)
    if target is None:
        return None
    import importlib

    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def names() -> list[str]:
    """Return the names of the registered presets, sorted.

    Returns
    -------
    list of str
        E.g. ``["kaldi-fbank-80", "librosa-mel", "mfcc-13", ...]``.

    Examples
    --------
    >>> import melforge.presets
    >>> names = melforge.presets.names()
    >>> "whisper-80" in names and names == sorted(names)
    True
    """
    return sorted(_PRESETS)


def get(name: str) -> Preset:
    """Return the preset registered under ``name``.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    Preset
        A frozen, callable recipe; derive variants with ``dataclasses.replace``.

    Raises
    ------
    ParameterError
        If no preset has that name (the message lists the available ones).

    Examples
    --------
    >>> import melforge.presets
    >>> p = melforge.presets.get("whisper-80")
    >>> p.sample_rate, p.n_features
    (16000, 80)
    """
    try:
        return _PRESETS[name]
    except (KeyError, TypeError):
        raise ParameterError(
            f"unknown preset name={name!r}; available: {', '.join(names())}"
        ) from None


def from_dict(data: Mapping[str, Any]) -> Preset:
    """Rebuild a preset from :meth:`Preset.to_dict` output (e.g. read back from JSON).

    Parameters
    ----------
    data : mapping
        ``{"name", "kind", "params"}`` (``"melforge_version"`` is informative).  A
        mapping with only ``"name"`` returns the registered preset of that name.

    Returns
    -------
    Preset
        A preset equal to the one that was serialized.

    Raises
    ------
    ParameterError
        Unknown kind or parameter, a missing name, or invalid parameter values.

    Examples
    --------
    A recipe survives a trip through JSON:

    >>> import json
    >>> import melforge.presets
    >>> p = melforge.presets.get("kaldi-fbank-80")
    >>> text = json.dumps(p.to_dict())
    >>> melforge.presets.from_dict(json.loads(text)) == p
    True
    >>> melforge.presets.from_dict({"name": "whisper-80"}).n_mels  # a registered name
    80
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("name"), str):
        raise ParameterError("data must be a mapping with a string 'name' (see Preset.to_dict)")
    if "kind" not in data and "params" not in data:
        return get(data["name"])
    kind = data.get("kind")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None and isinstance(kind, str):
        cls = _pretrained_kind(kind)
    if cls is None:
        from melforge.presets.pretrained import family_kinds

        known = sorted(set(_KINDS) | set(family_kinds()))
        raise ParameterError(f"unknown preset kind={kind!r}; known: {', '.join(known)}")
    params = data.get("params", {})
    if not isinstance(params, Mapping):
        raise ParameterError(f"params must be a mapping, got {type(params).__name__}")
    return cls._from_params(data["name"], dict(params))


def resolve(spec: Any) -> Preset:
    """Return the preset a user means: a name, a model config, or a preset.

    Parameters
    ----------
    spec : str, os.PathLike, dict or Preset
        A registry name (:func:`names`); a path to a transformers feature-extractor config
        file or to the folder holding it; ``"hf:org/name"`` or ``"org/name"`` (a model in
        the local Hugging Face cache, never downloaded); a :meth:`Preset.to_dict` record
        or a config dict; or a preset, returned as is.

    Returns
    -------
    Preset
        The registered preset, or the one :func:`from_pretrained` builds.

    Raises
    ------
    ParameterError
        Nothing matches (the message lists the registry names and the other forms).

    Examples
    --------
    >>> import melforge.presets
    >>> melforge.presets.resolve("whisper-80").n_features
    80
    """
    import os

    from melforge.presets.pretrained import from_pretrained

    if isinstance(spec, Preset):
        return spec
    if isinstance(spec, Mapping):
        if "kind" in spec or ("name" in spec and "feature_extractor_type" not in spec):
            return from_dict(spec)
        return from_pretrained(spec)
    if isinstance(spec, str) and spec in _PRESETS:
        return _PRESETS[spec]
    if isinstance(spec, (str, os.PathLike)):
        text = os.fsdecode(spec)
        if text.startswith("hf:") or os.path.exists(text) or text.count("/") == 1:
            return from_pretrained(spec)
    raise ParameterError(
        f"unknown preset {spec!r}: give a name ({', '.join(names())}), a path to a "
        "model's preprocessor_config.json or its folder, or hf:org/name (local Hugging "
        "Face cache)"
    )
