"""The output location: a local folder, or an fsspec URL (``s3://...``, ``gs://...``).

Only the handful of operations the pipeline needs.  Completed files appear under
their final name in one step: written to a temporary name starting with ``.`` (which
``pyarrow.dataset``, pandas and DuckDB globs skip) and renamed when complete.
"""

from __future__ import annotations

import os
import uuid
from typing import IO, Any

__all__ = ["Store", "open_store"]


class Store:
    """A folder on the local filesystem."""

    def __init__(self, root: str) -> None:
        self.root = root

    def url(self, name: str) -> str:
        """Return the full path of ``name`` inside the folder."""
        return os.path.join(self.root, name)

    def makedirs(self, name: str = "") -> None:
        """Create the folder (and ``name`` under it)."""
        os.makedirs(self.url(name) if name else self.root, exist_ok=True)

    def listdir(self) -> list[str]:
        """Return the names in the folder (empty if it does not exist)."""
        try:
            return sorted(os.listdir(self.root))
        except FileNotFoundError:
            return []

    def exists(self, name: str) -> bool:
        """Return whether ``name`` exists."""
        return os.path.exists(self.url(name))

    def open_read(self, name: str) -> IO[bytes]:
        """Open ``name`` for reading."""
        return open(self.url(name), "rb")

    def open_write(self, name: str) -> IO[bytes]:
        """Open ``name`` for writing (truncating); parent folders are created."""
        path = self.url(name)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return open(path, "wb")

    def rename(self, src: str, dst: str) -> None:
        """Atomically replace ``dst`` with ``src``."""
        os.replace(self.url(src), self.url(dst))

    def remove(self, name: str) -> None:
        """Remove ``name`` if it exists."""
        try:
            os.remove(self.url(name))
        except FileNotFoundError:
            pass

    def size(self, name: str) -> int:
        """Return the size of ``name`` in bytes."""
        return os.path.getsize(self.url(name))

    def write_bytes_atomic(self, name: str, data: bytes) -> None:
        """Write ``data`` to ``name`` through a temporary name and a rename."""
        tmp = temp_name(name)
        with self.open_write(tmp) as f:
            f.write(data)
            f.flush()
            try:
                os.fsync(f.fileno())
            except (AttributeError, OSError, ValueError):  # not a local file
                pass
        self.rename(tmp, name)

    def read_bytes(self, name: str) -> bytes:
        """Return the contents of ``name``."""
        with self.open_read(name) as f:
            return f.read()

    def __reduce__(self) -> tuple[Any, ...]:
        return (open_store, (self.root,))


class FsspecStore(Store):
    """A folder behind an fsspec URL (object stores rename by copy + delete)."""

    def __init__(self, root: str) -> None:
        from fsspec.core import url_to_fs

        self.fs, path = url_to_fs(root)
        self.path = path.rstrip("/")
        super().__init__(root)

    def url(self, name: str) -> str:  # noqa: D102
        return f"{self.path}/{name}" if name else self.path

    def makedirs(self, name: str = "") -> None:  # noqa: D102
        self.fs.makedirs(self.url(name), exist_ok=True)

    def listdir(self) -> list[str]:  # noqa: D102
        try:
            paths = self.fs.ls(self.path, detail=False)
        except FileNotFoundError:
            return []
        return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in paths)

    def exists(self, name: str) -> bool:  # noqa: D102
        return bool(self.fs.exists(self.url(name)))

    def open_read(self, name: str) -> IO[bytes]:  # noqa: D102
        return self.fs.open(self.url(name), "rb")  # type: ignore[no-any-return]

    def open_write(self, name: str) -> IO[bytes]:  # noqa: D102
        return self.fs.open(self.url(name), "wb")  # type: ignore[no-any-return]

    def rename(self, src: str, dst: str) -> None:  # noqa: D102
        self.fs.mv(self.url(src), self.url(dst))

    def remove(self, name: str) -> None:  # noqa: D102
        if self.fs.exists(self.url(name)):
            self.fs.rm(self.url(name))

    def size(self, name: str) -> int:  # noqa: D102
        return int(self.fs.size(self.url(name)))


def temp_name(name: str) -> str:
    """Return a unique hidden temporary name next to ``name``."""
    head, _, tail = name.rpartition("/")
    tmp = f".{tail}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    return f"{head}/{tmp}" if head else tmp


def open_store(out: str | os.PathLike[str]) -> Store:
    """Return the store for a local folder or an fsspec URL."""
    s = os.fspath(out)
    if "://" in s and not s.startswith("file://"):
        return FsspecStore(s)
    if s.startswith("file://"):
        s = s[len("file://") :]
    return Store(os.path.abspath(s))
