"""Bundled example clips: ``ex(name)`` returns a local path, nothing is ever downloaded.

======== ======================================================= ============================
name     content                                                 format
======== ======================================================= ============================
speech   spoken English sentence (espeak-ng synthesizer), 9.6 s  FLAC, 22.05 kHz, mono, 16-bit
music    melody with harmonics, a chord and drum hits, 6 s       Ogg Vorbis, 44.1 kHz, stereo
chirp    log chirp 50 Hz - 8 kHz (3 s), then 440/1000/3000 Hz    FLAC, 22.05 kHz, mono, 24-bit
======== ======================================================= ============================

Licenses and provenance are in ``PROVENANCE.md`` next to this module; the script that
made the clips is :mod:`melforge.examples.make_clips`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from melforge._errors import ParameterError

__all__ = ["ExampleClip", "ex", "list_examples", "describe_example"]

_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ExampleClip:
    """One bundled clip: its key, file name and a one-line description."""

    name: str
    filename: str
    description: str


_CLIPS: tuple[ExampleClip, ...] = (
    ExampleClip(
        "speech",
        "speech.flac",
        "Spoken English sentence (espeak-ng), 9.6 s, 22.05 kHz mono 16-bit FLAC",
    ),
    ExampleClip(
        "music",
        "music.ogg",
        "Synthesized melody, chord and drum hits, 6 s, 44.1 kHz stereo Ogg Vorbis",
    ),
    ExampleClip(
        "chirp",
        "chirp.flac",
        "Test signal: log chirp 50 Hz-8 kHz then 440/1000/3000 Hz tones, 5 s, "
        "22.05 kHz mono 24-bit FLAC",
    ),
)
_BY_NAME = {clip.name: clip for clip in _CLIPS}


def list_examples() -> list[str]:
    """Return the names of the bundled example clips, for :func:`ex`.

    Returns
    -------
    list of str
        ``["speech", "music", "chirp"]``.  Use :func:`describe_example` for a
        one-line description of each.

    Notes
    -----
    ``librosa.util.list_examples()`` prints a table and returns None; this returns the
    names so code can iterate over them.
    """
    return [clip.name for clip in _CLIPS]


def _lookup(name: str) -> ExampleClip:
    clip = _BY_NAME.get(name) if isinstance(name, str) else None
    if clip is None:
        known = ", ".join(repr(n) for n in list_examples())
        raise ParameterError(f"unknown example {name!r}; the bundled examples are {known}")
    return clip


def describe_example(name: str) -> str:
    """Return a one-line description of the example clip ``name``.

    Parameters
    ----------
    name : str
        One of :func:`list_examples`.

    Returns
    -------
    str
        Content, duration, sample rate, channels and format.

    Raises
    ------
    ParameterError
        If ``name`` is not a bundled example.
    """
    return _lookup(name).description


def ex(key: str, *, hq: bool = False) -> str:
    """Return the local path of a bundled example clip.

    Parameters
    ----------
    key : str
        One of ``"speech"``, ``"music"``, ``"chirp"`` (see :func:`list_examples`).
    hq : bool
        Accepted for librosa compatibility and ignored: each clip ships in one quality
        only (FLAC is lossless already).

    Returns
    -------
    str
        Absolute path of the clip inside the installed package.

    Raises
    ------
    ParameterError
        If ``key`` is not a bundled example; the message lists the known names.
        librosa's example names (``"trumpet"``, ``"pistachio"``, ...) are not
        bundled and raise too: melforge never downloads anything.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))  # doctest: +SKIP
    """
    del hq
    clip = _lookup(key)
    return str(_DATA / clip.filename)
