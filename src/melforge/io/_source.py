"""Turn a user's ``path`` argument into something the decoders can open, with early checks.

The checks here give the precise errors the decoders would blur: a missing file, a
directory, an unreadable file, an empty file.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from dataclasses import dataclass
from typing import Any

from melforge._errors import (
    AudioError,
    AudioFileNotFoundError,
    CorruptAudioError,
    ParameterError,
    UnreadableFileError,
)


@dataclass
class Source:
    """A checked input.

    ``obj`` is a filesystem path (str), a seekable binary file object, or an open
    :class:`soundfile.SoundFile` that the caller owns (``is_soundfile``; then
    ``header`` is its file name when it has one, for the header checks).
    """

    obj: Any
    path: Any  # what error messages name
    size: int | None
    is_soundfile: bool = False
    header: str | None = None

    @property
    def is_file_object(self) -> bool:
        """Whether ``obj`` is an open file object rather than a path."""
        return not isinstance(self.obj, str) and not self.is_soundfile

    def rewind(self) -> None:
        """Put a file object back at its start (before handing it to another decoder)."""
        if self.is_file_object:
            self.obj.seek(0)


def is_soundfile(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`soundfile.SoundFile` (without importing soundfile)."""
    sf = sys.modules.get("soundfile")
    return sf is not None and isinstance(obj, sf.SoundFile)


def _soundfile_source(sfo: Any) -> Source:
    """Check an open ``soundfile.SoundFile``, to be read in place (as librosa does)."""
    name = sfo.name
    if sfo.closed:
        raise UnreadableFileError("the soundfile.SoundFile is closed", path=sfo)
    if "r" not in sfo.mode and "+" not in sfo.mode:
        raise ParameterError(
            f"the soundfile.SoundFile is open for writing only (mode={sfo.mode!r}); "
            "open it with mode='r'",
            path=sfo,
        )
    header = os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else None
    size = None
    if header is not None:
        try:
            size = os.path.getsize(header)
        except OSError:
            header = None
    return Source(sfo, sfo, size, is_soundfile=True, header=header)


def _fd_label(fd: int) -> str:
    """Return the file behind a descriptor, for messages (Linux), else ``<fd N>``."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return f"<fd {fd}>"


def _fd_source(fd: int) -> Source:
    """Check an integer file descriptor, to be read from its current position."""
    label = _fd_label(fd)
    try:
        is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
    except OSError as e:
        raise UnreadableFileError(f"cannot read file descriptor {fd}: {e}", path=label) from e
    if is_dir:
        raise UnreadableFileError("is a directory, not an audio file", path=label)
    try:
        fh = open(fd, "rb", closefd=False)  # noqa: SIM115 - the caller owns the descriptor
    except OSError as e:
        raise UnreadableFileError(f"cannot read file descriptor {fd}: {e}", path=label) from e
    try:
        src = check_source(fh)
    except AudioError as e:
        raise type(e)(e.reason, path=label) from e
    src.path = label
    return src


def check_source(path: Any) -> Source:
    """Validate ``path`` and return a Source.

    ``path`` may be a str or os.PathLike, a binary file object (read from its current
    position), an open ``soundfile.SoundFile`` (read in place, left open), or an integer
    file descriptor (read from its current position, left open).

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
    if is_soundfile(path):
        return _soundfile_source(path)
    if isinstance(path, int) and not isinstance(path, bool):
        return _fd_source(path)
    if not hasattr(path, "read"):
        raise ParameterError(
            "path must be a str, os.PathLike, binary file object, soundfile.SoundFile or "
            f"file descriptor, got {type(path).__name__}"
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
