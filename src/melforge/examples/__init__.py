"""Example recordings: ``ex(name)`` returns a local path.

Three clips ship inside the package (never downloaded):

======== ======================================================= ============================
name     content                                                 format
======== ======================================================= ============================
speech   spoken English sentence (espeak-ng synthesizer), 9.6 s  FLAC, 22.05 kHz, mono, 16-bit
music    melody with harmonics, a chord and drum hits, 6 s       Ogg Vorbis, 44.1 kHz, stereo
chirp    log chirp 50 Hz - 8 kHz (3 s), then 440/1000/3000 Hz    FLAC, 22.05 kHz, mono, 24-bit
======== ======================================================= ============================

Licenses and provenance are in ``PROVENANCE.md`` next to this module; the script that
made the clips is :mod:`melforge.examples.make_clips`.

librosa 0.11's example keys (``"pistachio"``, ``"trumpet"``, ``"brahms"``, ``"libri1"``, ...)
work too: as in librosa, the recording is downloaded on first use from librosa's server
with pooch, checked against librosa's published SHA-256 and cached.  A copy already in
librosa's cache is used without downloading; see :mod:`melforge.examples._download` for
the cache folders, the mirror URL and the registry override (environment variables).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Union

from melforge._errors import ParameterError
from melforge.examples._download import (
    ExampleUnavailableError,
    LibrosaExample,
    fetch_file,
    librosa_examples,
)

__all__ = [
    "ExampleClip",
    "ExampleUnavailableError",
    "ex",
    "example",
    "example_info",
    "list_examples",
    "describe_example",
]

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


#: librosa hides this one from its listing (``list_examples``) but accepts the key.
_UNLISTED = frozenset({"pibble"})


def list_examples() -> list[str]:
    """Print a table of the example recordings and return their keys, for :func:`ex`.

    Returns
    -------
    list of str
        The bundled clips ``"speech"``, ``"music"``, ``"chirp"``, then librosa's keys
        in alphabetical order (``"brahms"``, ``"choice"``, ..., ``"vibeace"``).

    Notes
    -----
    Like ``librosa.util.list_examples()`` this prints one line per key with its
    description (librosa's keys are marked as downloaded on first use).  librosa returns
    None; this also returns the keys so code can iterate over them.  As in librosa,
    ``"pibble"`` is accepted by :func:`ex` but not listed.

    Examples
    --------
    >>> import melforge
    >>> keys = melforge.list_examples()
    AVAILABLE EXAMPLES
    ---...
    speech    	Spoken English sentence (espeak-ng), 9.6 s, 22.05 kHz mono 16-bit FLAC (bundled)
    ...
    vibeace   	Kevin MacLeod - Vibe Ace (librosa; downloaded on first use)
    >>> keys[:3]
    ['speech', 'music', 'chirp']
    """
    remote = {k: v for k, v in librosa_examples().items() if k not in _UNLISTED}
    print("AVAILABLE EXAMPLES")
    print("-" * 68)
    for clip in _CLIPS:
        print(f"{clip.name:10}\t{clip.description} (bundled)")
    for key, entry in remote.items():
        print(f"{key:10}\t{entry.description} (librosa; downloaded on first use)")
    return [clip.name for clip in _CLIPS] + list(remote)


def _lookup(name: str) -> Union[ExampleClip, LibrosaExample]:
    clip: Union[ExampleClip, LibrosaExample, None] = None
    if isinstance(name, str):
        clip = _BY_NAME.get(name) or librosa_examples().get(name)
    if clip is None:
        known = ", ".join(repr(c.name) for c in _CLIPS)
        theirs = ", ".join(repr(k) for k in librosa_examples() if k not in _UNLISTED)
        raise ParameterError(
            f"unknown example {name!r}; the bundled examples are {known}; "
            f"librosa's (downloaded on first use) are {theirs}"
        )
    return clip


def describe_example(name: str) -> str:
    """Return a one-line description of the example ``name``.

    Parameters
    ----------
    name : str
        One of :func:`list_examples`.

    Returns
    -------
    str
        For a bundled clip: content, duration, sample rate, channels and format.  For
        a librosa example: librosa's description, e.g. ``"The Piano Lady - Pistachio
        Ice Cream Ragtime"``.

    Raises
    ------
    ParameterError
        If ``name`` is not a known example.
    """
    return _lookup(name).description


def ex(key: str, *, hq: bool = False) -> str:
    """Return the local path of an example recording, downloading librosa's on first use.

    Parameters
    ----------
    key : str
        A bundled clip (``"speech"``, ``"music"``, ``"chirp"``) or one of librosa 0.11's
        example keys (``"pistachio"``, ``"trumpet"``, ``"brahms"``, ``"nutcracker"``,
        ``"libri1"``, ...); see :func:`list_examples`.
    hq : bool
        For librosa's examples, the high-quality version (``.hq.ogg``: the original
        sample rate and channels) instead of the 22.05 kHz mono one.  Ignored for the
        bundled clips, which ship in one quality only.

    Returns
    -------
    str
        Absolute path of the file: inside the installed package for a bundled clip, in
        the cache folder for a librosa example.

    Raises
    ------
    ParameterError
        If ``key`` is not a known example; the message lists the known keys.
    ExampleUnavailableError
        A librosa example that is not cached and cannot be downloaded (offline); the
        message names the key, the URL and how to pre-fetch the file.
    CorruptAudioError
        The downloaded file does not have librosa's registered SHA-256 (it is discarded).

    Notes
    -----
    librosa's files come from ``https://librosa.org/data/audio/`` (librosa's own
    location) and are checked against the SHA-256 sums librosa 0.11 publishes.  They
    are cached in ``MELFORGE_DATA_DIR`` (default ``pooch.os_cache("melforge")``); a
    valid copy in librosa's cache (``LIBROSA_DATA_DIR``, default
    ``pooch.os_cache("librosa")``) is used in place.  ``MELFORGE_EXAMPLES_URL`` names a
    mirror; ``MELFORGE_EXAMPLES_REGISTRY`` a ``FILENAME SHA256`` file whose sums replace
    the shipped ones (for a mirror with different files).  Unlike librosa, which reads
    ``LIBROSA_DATA_DIR`` once at import, the variables are read at each call.

    Examples
    --------
    >>> import melforge
    >>> y, sr = melforge.load(melforge.ex("speech"))
    >>> sr
    22050
    """
    clip = _lookup(key)
    if isinstance(clip, ExampleClip):
        return str(_DATA / clip.filename)
    return fetch_file(clip.key, clip.filename(hq=hq))


#: librosa's name for :func:`ex`.
example = ex


def example_info(key: str) -> None:
    """Print the description and license of an example recording.

    Parameters
    ----------
    key : str
        One of :func:`list_examples`.

    Raises
    ------
    ParameterError
        If ``key`` is not a known example.
    ExampleUnavailableError
        For a librosa example whose license file is neither cached nor downloadable.

    Notes
    -----
    For librosa's examples this prints the license text librosa publishes next to the
    recording (downloaded, checked and cached like the audio), as
    ``librosa.util.example_info`` does; for the bundled clips, the description and the
    CC0 dedication from ``PROVENANCE.md``.

    Examples
    --------
    >>> import melforge
    >>> melforge.example_info("speech")  # doctest: +ELLIPSIS
    speech ...
    """
    clip = _lookup(key)
    print(f"{key:10s}\t{clip.description:s}")
    print("-" * 68)
    if isinstance(clip, ExampleClip):
        print(f"{clip.filename}: generated for melforge, CC0 1.0 (see PROVENANCE.md)")
        return
    license_file = fetch_file(clip.key, clip.filename(license=True))
    with open(license_file, encoding="utf-8") as text:
        for line in text:
            print(line)
