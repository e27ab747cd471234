"""The melforge exception tree.

Every error that concerns a file carries the file in ``.path`` and names it in the
message.  Each subclass also keeps a standard-library base so that existing
``except FileNotFoundError`` / ``except ValueError`` clauses keep working.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "AudioError",
    "AudioFileNotFoundError",
    "UnreadableFileError",
    "UnsupportedFormatError",
    "CorruptAudioError",
    "ParameterError",
    "AudioTooLargeError",
]


def _describe(path: Any) -> str:
    """Return a short printable name for a path or a file object."""
    if isinstance(path, (str, os.PathLike)):
        return os.fspath(path)  # type: ignore[return-value]
    name = getattr(path, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(path).__name__}>"


class AudioError(Exception):
    """Base class of every error melforge raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong, in one line.
    path : str, os.PathLike, file object or None
        The file concerned.  When given, the message is prefixed with its name.
    """

    def __init__(self, message: str, *, path: Any = None) -> None:
        self.path = _describe(path) if path is not None else None
        self.reason = message
        text = f"{self.path}: {message}" if self.path is not None else message
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class AudioFileNotFoundError(AudioError, FileNotFoundError):
    """The file does not exist."""


class UnreadableFileError(AudioError, OSError):
    """The path exists but cannot be read as a file (a directory, no permission, I/O error)."""


class UnsupportedFormatError(AudioError):
    """No decoder recognizes the file's format (or the format cannot be written)."""


class CorruptAudioError(AudioError):
    """The format is recognized but the data is damaged, truncated, empty or non-finite."""


class ParameterError(AudioError, ValueError):
    """An argument has an invalid value; the message names the parameter and the value."""


class AudioTooLargeError(AudioError, MemoryError):
    """The decoded audio would exceed ``melforge.io.reading.MAX_DECODED_BYTES``."""
