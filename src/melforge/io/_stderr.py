"""Capture what C decoder libraries write to stderr while melforge decodes.

libmpg123 (inside libsndfile) and FFmpeg print their own diagnostics to file descriptor
2 ("Illegal Audio-MPEG-Header 0x... at offset ...", "dequantization failed!"), so a
command that fails on N files would print many more than N lines.  While a decoder runs,
:func:`capture_stderr` points descriptor 2 at an unlinked temporary file; the text that
arrived meanwhile is folded, condensed, into the error melforge raises (and dropped when
decoding succeeds).

Python's own writes are not lost: while descriptor 2 is redirected, ``sys.stderr`` (when
it writes to descriptor 2) is swapped for a stream on a duplicate of the original
descriptor, so warnings and other threads' output reach the real stderr directly; text
that still lands in the capture (a logging handler holding the old ``sys.stderr``, another
library's C code) is written to the real stderr when the last capture ends, except the
lines that are decoder diagnostics (:data:`_DECODER_LINE`).

Threads: captures nest and overlap.  The first one in redirects, the last one out
restores (a lock guards that state); each capture reads the bytes written between its
own start and end, which, while several threads decode at once, may include another
thread's diagnostics.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["capture_stderr", "Diagnostics"]

_LOCK = threading.Lock()
_state: dict[str, Any] = {
    "depth": 0, "saved": -1, "tmp": -1, "pid": -1, "py": None, "py_old": None
}  # fmt: skip

#: Most characters of decoder text folded into one error message.
_MAX_CHARS = 240

#: Lines the C decoders print: libmpg123's "[src/libmpg123/...:func():line] error: ...",
#: "Note: Illegal Audio-MPEG-Header ...", "Warning: Xing stream size off ...", FFmpeg's
#: "[mp3 @ 0x55d0c0] ...".  Anything else captured is passed on to the real stderr.
_DECODER_LINE = re.compile(
    r"^\s*(\[src/[^\]]*\]|\[[\w.-]+ @ 0x[0-9a-f]+\]|Note: |Warning: |error: |warning: )"
)

# "[src/libmpg123/layer3.c:INT123_do_layer3():1774] error: " and similar prefixes
_PREFIX = re.compile(r"^\s*(\[[^\]]*\]\s*)?((error|warning|note)\s*:\s*)?", re.IGNORECASE)


class Diagnostics:
    """The decoder text one capture saw; :meth:`suffix` condenses it for a message."""

    def __init__(self) -> None:
        self.text = ""

    def lines(self) -> list[str]:
        """Distinct non-empty lines, prefixes (source position, "error:") removed, in order."""
        seen: dict[str, None] = {}
        for raw in self.text.splitlines():
            line = _PREFIX.sub("", raw).strip()
            line = re.sub(r"\s+", " ", line)
            if line:
                seen.setdefault(line, None)
        return list(seen)

    def suffix(self) -> str:
        """``" [decoder: line1; line2 (+k more)]"``, or ``""`` when nothing was written."""
        lines = self.lines()
        if not lines:
            return ""
        shown: list[str] = []
        total = 0
        for line in lines:
            if total + len(line) > _MAX_CHARS and shown:
                break
            shown.append(line[:_MAX_CHARS])
            total += len(line) + 2
        more = f" (+{len(lines) - len(shown)} more)" if len(lines) > len(shown) else ""
        return " [decoder: " + "; ".join(shown) + more + "]"


def _fd2_is_stderr(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.fileno() == 2)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


def _scratch() -> int:
    """Return this process's unlinked scratch file for captured text (made once per pid)."""
    if _state["tmp"] < 0 or _state["pid"] != os.getpid():
        fd, name = tempfile.mkstemp(prefix="melforge-stderr-")
        os.unlink(name)
        _state.update(tmp=fd, pid=os.getpid())
    return int(_state["tmp"])


def _enter() -> int:
    """Redirect descriptor 2 (first capture only); return the capture's start offset."""
    with _LOCK:
        tmp = _scratch()
        if _state["depth"] == 0:
            try:
                sys.stderr.flush()
            except Exception:  # noqa: BLE001 - a closed or odd sys.stderr
                pass
            saved = os.dup(2)
            os.dup2(tmp, 2)
            _state["saved"] = saved
            if _fd2_is_stderr(sys.stderr):
                py = io.TextIOWrapper(
                    io.FileIO(saved, "w", closefd=False),
                    encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                    errors="backslashreplace",
                    write_through=True,
                )
                _state.update(py=py, py_old=sys.stderr)
                sys.stderr = py
        _state["depth"] += 1
        return os.lseek(tmp, 0, os.SEEK_END)


def _leave(start: int) -> str:
    """Read this capture's bytes; restore descriptor 2 when the last capture leaves."""
    with _LOCK:
        tmp = _state["tmp"]
        if _state["depth"] <= 0 or tmp < 0:
            return ""  # this process forked inside the capture: the child has no capture
        end = os.lseek(tmp, 0, os.SEEK_END)
        first = max(start, end - 16384)
        data = os.pread(tmp, end - first, first) if end > first else b""
        _state["depth"] -= 1
        if _state["depth"] == 0:
            if _state["py"] is not None:
                if sys.stderr is _state["py"]:
                    sys.stderr = _state["py_old"]
                _state["py"].flush()
                _state.update(py=None, py_old=None)
            os.dup2(_state["saved"], 2)
            os.close(_state["saved"])
            _state["saved"] = -1
            if end:
                _pass_on(os.pread(tmp, end, 0))
                os.ftruncate(tmp, 0)
    return data.decode("utf-8", "replace")


def _after_fork_in_child() -> None:
    """Give a child forked during another thread's capture its own stderr back."""
    global _LOCK
    _LOCK = threading.Lock()
    if _state["depth"] > 0 and _state["saved"] >= 0:
        os.dup2(_state["saved"], 2)
        os.close(_state["saved"])
        if _state["py"] is not None and sys.stderr is _state["py"]:
            sys.stderr = _state["py_old"]
    if _state["tmp"] >= 0:
        os.close(_state["tmp"])
    _state.update(depth=0, saved=-1, tmp=-1, pid=-1, py=None, py_old=None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _pass_on(data: bytes) -> None:
    """Write the captured lines that are not decoder diagnostics to descriptor 2."""
    keep = [
        line
        for line in data.splitlines(keepends=True)
        if line.strip() and not _DECODER_LINE.match(line.decode("utf-8", "replace"))
    ]
    if keep:
        try:
            os.write(2, b"".join(keep))
        except OSError:
            pass


@contextmanager
def capture_stderr(enabled: bool = True) -> Iterator[Diagnostics]:
    """Capture descriptor 2 for the duration of the block; the text lands in ``.text``.

    ``enabled=False`` captures nothing (for decoders known to stay quiet, in hot loops).
    """
    diag = Diagnostics()
    if not enabled:
        yield diag
        return
    try:
        start = _enter()
    except OSError:  # no descriptor 2 to redirect (a daemon): capture nothing
        yield diag
        return
    try:
        yield diag
    finally:
        diag.text = _leave(start)
