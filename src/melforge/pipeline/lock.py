"""One writer per output folder: an advisory lock that dies with its holder.

``featurize`` takes an exclusive ``flock`` on ``<out>/.melforge.lock`` for the whole
run and writes ``PID N on HOST`` into the file.  The kernel drops the lock when the
holder exits, however it exits (a SIGKILL included), so a killed run never leaves a
stale lock behind; the file itself stays, and the next run simply locks it again.
On Linux NFS, ``flock`` is carried out as a lock on the server, so runs on different
hosts exclude each other too.

Forked worker processes inherit the descriptor; they close it first thing (see
:func:`close_inherited`), so that only the run's main process holds the lock.
fsspec URLs (object stores) have no locks: there the folder is not locked.
"""

from __future__ import annotations

import errno
import os
import socket

from melforge.pipeline.errors import OutputInUseError, output_error

__all__ = ["LOCK_NAME", "OutputLock", "close_inherited"]

#: The lock file inside the output folder (hidden: no dataset reader lists it).
LOCK_NAME = ".melforge.lock"

_HELD: dict[str, int] = {}  # lock path -> descriptor, in this process


def close_inherited() -> None:
    """Close lock descriptors inherited from the parent (call in a forked worker)."""
    for fd in _HELD.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


class OutputLock:
    """The exclusive lock of one local output folder.

    Parameters
    ----------
    folder : str
        The output folder (it must exist, or be creatable by :meth:`acquire`'s caller).

    Attributes
    ----------
    read_only : bool
        True when the folder cannot be written (read-only storage, no permission): the
        lock could then not be taken, and the run may only read (a resume with nothing
        left to do).
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.path = os.path.join(folder, LOCK_NAME)
        self.fd: int | None = None
        self.read_only = False

    def acquire(self) -> OutputLock:
        """Take the lock, or raise :class:`OutputInUseError` naming its holder."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no flock, the folder is not locked
            return self

        if self.path in _HELD:
            raise OutputInUseError(
                f"output folder in use by PID {os.getpid()} on {socket.gethostname()} "
                "(another featurize run in this process)",
                path=self.folder, pid=os.getpid(), host=socket.gethostname(),
            )  # fmt: skip
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            if e.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise output_error(e, self.path, "cannot create the lock file") from e
            try:  # read-only storage: lock the existing file if there is one
                fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                self.read_only = True
                return self
            self.read_only = True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = _read_holder(fd)
            os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                pid, host = holder
                who = f"PID {pid} on {host}" if pid is not None else "another process"
                raise OutputInUseError(
                    f"output folder in use by {who} (another featurize run is writing "
                    "into it); wait for it to finish, or choose another folder",
                    path=self.folder, pid=pid, host=host,
                ) from None  # fmt: skip
            if e.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise output_error(e, self.path, "cannot lock") from e
            return self  # a filesystem without locks: go on unlocked
        self.fd = fd
        _HELD[self.path] = fd
        if not self.read_only:
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"PID {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
            except OSError as e:
                self.release()
                raise output_error(e, self.path) from e
        return self

    def release(self) -> None:
        """Drop the lock (the file stays; it is reused by the next run)."""
        if self.fd is not None:
            _HELD.pop(self.path, None)
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> tuple[int | None, str | None]:
    """Return (pid, host) that the holder wrote into the lock file, if readable."""
    try:
        text = os.pread(fd, 256, 0).decode("utf-8", "replace").split()
    except OSError:
        return None, None
    # "PID 123 on host"
    if len(text) >= 4 and text[0] == "PID" and text[1].isdigit() and text[2] == "on":
        return int(text[1]), text[3]
    return None, None
