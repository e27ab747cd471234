"""librosa's example recordings: where they come from, where they are cached, how they are checked.

librosa keeps its example recordings on a web server and downloads each one on first use
with `pooch <https://www.fatiando.org/pooch/>`_, checking it against a SHA-256 sum that
ships with librosa.  melforge ships the same catalogue (key, file name, description and
SHA-256 of every file, in ``librosa_examples.json``; a test keeps it equal to the
installed librosa's) and fetches the same files from the same place the same way.

Environment variables (read at each call, so they can be set after ``import melforge``):

=========================== ===========================================================
``MELFORGE_DATA_DIR``       folder where downloads are cached
                            (default: ``pooch.os_cache("melforge")``, e.g.
                            ``~/.cache/melforge`` on Linux)
``LIBROSA_DATA_DIR``        librosa's cache folder (default: ``pooch.os_cache("librosa")``);
                            a file already there with the right SHA-256 is used in place,
                            nothing is downloaded or copied
``MELFORGE_EXAMPLES_URL``   base URL to download from instead of librosa's server (a
                            mirror holding the same file names, e.g. inside an air-gapped
                            cluster); a trailing ``/`` is added if missing
``MELFORGE_EXAMPLES_REGISTRY`` a text file in pooch's registry format (librosa's
                            ``registry.txt`` format): one ``FILENAME SHA256`` per line;
                            its hashes replace or extend the shipped ones, for a mirror
                            that serves re-encoded or newer files
=========================== ===========================================================
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from melforge._errors import AudioError, CorruptAudioError, ParameterError

__all__ = [
    "ExampleUnavailableError",
    "LibrosaExample",
    "librosa_examples",
    "fetch_file",
    "base_url",
]

_CATALOGUE = Path(__file__).resolve().parent / "librosa_examples.json"
_TIMEOUT_S = 60  # per request, as a stalled mirror should fail rather than hang


class ExampleUnavailableError(AudioError, ConnectionError):
    """A librosa example is neither cached nor downloadable (offline, mirror down, 404).

    ``.path`` is the URL that was tried; ``.key`` the example's key.
    """

    def __init__(self, message: str, *, key: str, url: str) -> None:
        self.key = key
        self.url = url
        super().__init__(message, path=url)


class LibrosaExample:
    """One of librosa's example recordings (read-only): key, file stem, description."""

    __slots__ = ("key", "stem", "description")

    def __init__(self, key: str, stem: str, description: str) -> None:
        self.key = key
        self.stem = stem
        self.description = description

    def filename(self, *, hq: bool = False, license: bool = False) -> str:  # noqa: A002
        """Return the file name on the server: ``STEM.ogg``, ``STEM.hq.ogg`` or ``STEM.txt``."""
        if license:
            return f"{self.stem}.txt"
        return f"{self.stem}.hq.ogg" if hq else f"{self.stem}.ogg"


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_CATALOGUE.read_text(encoding="utf-8"))
    return data


def librosa_examples() -> dict[str, LibrosaExample]:
    """Return librosa 0.11's examples by key, in key order."""
    return {
        key: LibrosaExample(key, entry["stem"], entry["description"])
        for key, entry in _catalogue()["examples"].items()
    }


def base_url() -> str:
    """Return the download base URL: ``MELFORGE_EXAMPLES_URL`` or librosa's server."""
    url = os.environ.get("MELFORGE_EXAMPLES_URL") or _catalogue()["base_url"]
    return url if url.endswith("/") else url + "/"


def _registry() -> dict[str, str]:
    """Return file name -> SHA-256: the shipped sums, then ``MELFORGE_EXAMPLES_REGISTRY``'s."""
    sums: dict[str, str] = dict(_catalogue()["sha256"])
    extra = os.environ.get("MELFORGE_EXAMPLES_REGISTRY")
    if extra:
        try:
            lines = Path(extra).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ParameterError(
                f"MELFORGE_EXAMPLES_REGISTRY={extra!r} must name a readable file ({e})"
            ) from e
        for number, line in enumerate(lines, start=1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            digest = words[1].lower().removeprefix("sha256:") if len(words) >= 2 else ""
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ParameterError(
                    f"MELFORGE_EXAMPLES_REGISTRY={extra!r} line {number} must be "
                    f"'FILENAME SHA256' (64 hex digits), got {line!r}"
                )
            sums[words[0]] = digest
    return sums


def _cache_dir(variable: str, app: str) -> Path:
    value = os.environ.get(variable)
    if value:
        return Path(value).expanduser()
    import pooch

    return Path(pooch.os_cache(app))


def _sha256(path: Path) -> str:
    import pooch

    return str(pooch.file_hash(str(path), alg="sha256"))


def fetch_file(key: str, filename: str) -> str:
    """Return a local, checked copy of ``filename`` of the example ``key``.

    Looks in ``MELFORGE_DATA_DIR``, then in librosa's cache; downloads into
    ``MELFORGE_DATA_DIR`` only when neither holds a copy whose SHA-256 matches.

    Raises
    ------
    ExampleUnavailableError
        Nothing cached and the download failed (offline, HTTP error).
    CorruptAudioError
        The downloaded bytes do not have the registered SHA-256 (nothing is kept).
    """
    digest = _registry()[filename]
    ours = _cache_dir("MELFORGE_DATA_DIR", "melforge")
    theirs = _cache_dir("LIBROSA_DATA_DIR", "librosa")
    for folder in (ours, theirs):
        candidate = folder / filename
        if candidate.is_file() and _sha256(candidate) == digest:
            return str(candidate)
    url = base_url() + filename
    return _download(key, url, digest, ours, filename)


def _download(key: str, url: str, digest: str, folder: Path, filename: str) -> str:
    import pooch

    try:
        return str(
            pooch.retrieve(
                url,
                known_hash=f"sha256:{digest}",
                fname=filename,
                path=folder,
                downloader=pooch.HTTPDownloader(progressbar=False, timeout=_TIMEOUT_S),
            )
        )
    except ValueError as e:  # pooch: the SHA-256 of the download does not match
        raise CorruptAudioError(
            f"example {key!r}: the downloaded file does not have the registered SHA-256 "
            f"{digest} and was discarded; the server or mirror serves a different file "
            f"(pooch: {e})",
            path=url,
        ) from e
    except OSError as e:  # requests' errors are OSErrors: offline, refused, 404, timeout
        message = _offline_message(key, url, folder, filename, e)
        raise ExampleUnavailableError(message, key=key, url=url) from e


def _offline_message(key: str, url: str, folder: Path, filename: str, error: Exception) -> str:
    return (
        f"example {key!r} is not cached and could not be downloaded ({type(error).__name__}: "
        f"{error}). To pre-fetch it, run `python -c \"import melforge; melforge.ex({key!r})\"` "
        f"on a machine with network access and copy the file into {folder} (or point "
        f"MELFORGE_DATA_DIR at a folder holding {filename}); or download {url} there "
        "yourself; or set MELFORGE_EXAMPLES_URL to a mirror that serves it; a librosa cache "
        "(LIBROSA_DATA_DIR) holding it is used as is"
    )
