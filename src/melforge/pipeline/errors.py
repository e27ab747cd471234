"""Errors of the output folder: in use by another run, or not writable.

Both are :class:`melforge.AudioError` (so one ``except AudioError`` catches every
deliberate melforge failure) and :class:`OSError` (so existing ``except OSError``
clauses keep working); both name the folder or file in their message.
"""

from __future__ import annotations

import errno as _errno
import os
from typing import Any

from melforge._errors import AudioError

__all__ = ["OutputError", "OutputInUseError", "output_error"]


class OutputError(AudioError, OSError):
    """The output could not be written: permission denied, read-only, disk full, ...

    ``errno`` is the operating system's error number (``errno.ENOSPC``, ...) when known.
    """

    def __init__(self, message: str, *, path: Any = None, errno: int | None = None) -> None:
        super().__init__(message, path=path)
        self.errno = errno  # type: ignore[misc]


class OutputInUseError(AudioError, BlockingIOError):
    """Another featurize run is writing into the same output folder.

    ``pid`` and ``host`` name the holder (as it recorded them; None when unknown).
    """

    def __init__(self, message: str, *, path: Any = None, pid: int | None = None,
                 host: str | None = None) -> None:  # fmt: skip
        super().__init__(message, path=path)
        self.pid = pid
        self.host = host


def describe_os_error(e: BaseException) -> str:
    """Return the operating system's words for ``e`` ("No space left on device")."""
    if isinstance(e, OSError) and e.errno is not None:
        return e.strerror or os.strerror(e.errno)
    return f"{type(e).__name__}: {e}"


def output_error(e: BaseException, path: str, doing: str = "cannot write") -> OutputError:
    """Return an :class:`OutputError` for ``e`` raised while writing ``path``.

    The message is one line: ``<path>: cannot write: <OS error> [Errno N]``.
    """
    if isinstance(e, OutputError):
        return e
    code = e.errno if isinstance(e, OSError) else None
    name = _errno.errorcode.get(code, "") if code is not None else ""
    detail = describe_os_error(e) + (f" ({name})" if name else "")
    return OutputError(f"{doing}: {detail}", path=path, errno=code)
