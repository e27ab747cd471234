"""Turn a user's ``path`` argument into something the decoders can open, with early checks.

The checks here give the precise errors the decoders would blur: a missing file, a
directory, an unreadable file, an empty file.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import Any

from melforge._errors import (
    AudioFileNotFoundError,
    CorruptAudioError,
    ParameterError,
    UnreadableFileError,
)


@dataclass
class Source:
    """A checked input: ``obj`` is a filesystem path (str) or a seekable binary file."""

    obj: Any
    path: Any  # what error messages name
    size: int | None

    @property
    def is_file_object(self) -> bool:
        """Whether ``obj`` is an open file object rather than a path."""
        return not isinstance(self.obj, str)

    def rewind(self) -> None:
        """Put a file object back at its start (before handing it to another decoder)."""
        if self.is_file_object:
            self.obj.seek(0)


def check_source(path: Any) -> Source:
    """Validate ``path`` (str, os.PathLike or binary file object) and return a Source.

    Raises
    ------
    AudioFileNotFoundError
        The path does not exist.
    UnreadableFileError
        The path is a directory or cannot be read.
    CorruptAudioError
        The file is empty.
    ParameterError
        ``path`` is neither a path nor a binary file object.
    """
    if isinstance(path, (str, os.PathLike)):
        fspath = os.fspath(path)
        if isinstance(fspath, bytes):
            fspath = os.fsdecode(fspath)
        if not os.path.exists(fspath):
            raise AudioFileNotFoundError("no such file", path=fspath)
        if os.path.isdir(fspath):
            raise UnreadableFileError("is a directory, not an audio file", path=fspath)
        if not os.access(fspath, os.R_OK):
            raise UnreadableFileError("permission denied", path=fspath)
        try:
            size = os.path.getsize(fspath)
        except OSError as e:
            raise UnreadableFileError(f"cannot stat the file: {e}", path=fspath) from e
        if size == 0:
            raise CorruptAudioError("empty file (0 bytes)", path=fspath)
        return Source(fspath, fspath, size)
    if not hasattr(path, "read"):
        raise ParameterError(
            f"path must be a str, os.PathLike or binary file object, got {type(path).__name__}"
        )
    obj = path
    seekable = getattr(obj, "seekable", lambda: hasattr(obj, "seek"))
    try:
        is_seekable = bool(seekable())
    except (OSError, ValueError):
        is_seekable = False
    try:
        if not is_seekable:
            # Decoders need random access; buffer a pipe or socket in memory.
            obj = io.BytesIO(obj.read())
        start = obj.tell()
        size = obj.seek(0, os.SEEK_END) - start
        obj.seek(start)
    except (OSError, ValueError) as e:
        raise UnreadableFileError(f"cannot read the file object: {e}", path=path) from e
    if start != 0:
        # Decoders seek absolutely; hand them a view that starts at the current position.
        obj = io.BytesIO(obj.read())
    probe = obj.read(1)
    if isinstance(probe, str):
        raise ParameterError("path is a text-mode file object; open the file in binary mode ('rb')")
    obj.seek(0)
    if size == 0:
        raise CorruptAudioError("empty file (0 bytes)", path=path)
    return Source(obj, path, size)
