"""The output location: a local folder, or an fsspec URL (``s3://...``, ``gs://...``).

Only the handful of operations the pipeline needs.  Completed files appear under
their final name in one step: written to a temporary name starting with ``.`` (which
``pyarrow.dataset``, pandas and DuckDB globs skip) and renamed when complete.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable
from typing import IO, Any, TypeVar

from melforge.pipeline.errors import output_error

__all__ = ["Store", "open_store"]

F = TypeVar("F", bound=Callable[..., Any])


def _writes(doing: str) -> Callable[[F], F]:
    """Turn an OSError of a write operation on ``name`` into an OutputError naming it."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Store, name: str = "", *args: Any) -> Any:
            try:
                return method(self, name, *args)
            except OSError as e:
                target = args[0] if doing == "cannot rename" and args else name
                raise output_error(e, self.url(target) if target else self.root, doing) from e

        return wrapper  # type: ignore[return-value]

    return decorate


class Store:
    """A folder on the local filesystem."""

    def __init__(self, root: str) -> None:
        self.root = root

    def url(self, name: str) -> str:
        """Return the full path of ``name`` inside the folder."""
        return os.path.join(self.root, name)

    @_writes("cannot create the folder")
    def makedirs(self, name: str = "") -> None:
        """Create the folder (and ``name`` under it)."""
        os.makedirs(self.url(name) if name else self.root, exist_ok=True)

    def create_root(self) -> None:
        """Create the output folder itself; its parent folder must exist.

        Creating missing parents would hide a typo or an unmounted volume (the dataset
        would quietly land on another disk), so a missing parent is an error.
        """
        if os.path.isdir(self.root):
            return
        parent = os.path.dirname(self.root)
        if not os.path.isdir(parent):
            e = FileNotFoundError(2, "No such file or directory")
            raise output_error(e, self.root, f"cannot create the output folder: its parent "
                               f"{parent} does not exist")  # fmt: skip
        try:
            os.mkdir(self.root)
        except FileExistsError:
            pass
        except OSError as e:
            raise output_error(e, self.root, "cannot create the output folder") from e

    def listdir(self) -> list[str]:
        """Return the names in the folder (empty if it does not exist)."""
        try:
            return sorted(os.listdir(self.root))
        except FileNotFoundError:
            return []
        except OSError as e:  # no permission to read it, ...
            raise output_error(e, self.root, "cannot list the output folder") from e

    def exists(self, name: str) -> bool:
        """Return whether ``name`` exists."""
        return os.path.exists(self.url(name))

    def open_read(self, name: str) -> IO[bytes]:
        """Open ``name`` for reading."""
        return open(self.url(name), "rb")

    @_writes("cannot write")
    def open_write(self, name: str) -> IO[bytes]:
        """Open ``name`` for writing (truncating); parent folders are created."""
        path = self.url(name)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return open(path, "wb")

    @_writes("cannot rename")
    def rename(self, src: str, dst: str) -> None:
        """Atomically replace ``dst`` with ``src``."""
        os.replace(self.url(src), self.url(dst))

    @_writes("cannot remove")
    def remove(self, name: str) -> None:
        """Remove ``name`` if it exists."""
        try:
            os.remove(self.url(name))
        except FileNotFoundError:
            pass

    def size(self, name: str) -> int:
        """Return the size of ``name`` in bytes."""
        return os.path.getsize(self.url(name))

    @_writes("cannot write")
    def write_bytes_atomic(self, name: str, data: bytes) -> None:
        """Write ``data`` to ``name`` through a temporary name and a rename."""
        tmp = temp_name(name)
        with self.open_write(tmp) as f:
            f.write(data)
            f.flush()
            try:
                fileno = f.fileno()
            except (AttributeError, OSError, ValueError):  # not a local file
                fileno = None
            if fileno is not None:
                os.fsync(fileno)  # a full disk can show up only here
        self.rename(tmp, name)

    def write_bytes_if_changed(self, name: str, data: bytes) -> bool:
        """Write ``data`` to ``name`` (atomically) unless it already holds exactly that.

        Returns whether it wrote.  A run with nothing to do thus writes nothing, and
        succeeds on read-only storage.
        """
        try:
            if self.read_bytes(name) == data:
                return False
        except OSError:
            pass
        self.write_bytes_atomic(name, data)
        return True

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

    @_writes("cannot create the folder")
    def makedirs(self, name: str = "") -> None:  # noqa: D102
        self.fs.makedirs(self.url(name), exist_ok=True)

    def create_root(self) -> None:  # noqa: D102
        self.makedirs()

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

    @_writes("cannot write")
    def open_write(self, name: str) -> IO[bytes]:  # noqa: D102
        return self.fs.open(self.url(name), "wb")  # type: ignore[no-any-return]

    @_writes("cannot rename")
    def rename(self, src: str, dst: str) -> None:  # noqa: D102
        self.fs.mv(self.url(src), self.url(dst))

    @_writes("cannot remove")
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
