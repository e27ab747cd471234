"""A real HTTP server on 127.0.0.1 standing in for librosa's data server (no network)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Server:
    """Files served from ``root`` at ``url``; ``requests`` lists every path asked for."""

    root: Path
    url: str
    requests: list[str] = field(default_factory=list)

    def put(self, name: str, data: bytes) -> str:
        """Serve ``data`` as ``name``; return its SHA-256."""
        (self.root / name).write_bytes(data)
        return hashlib.sha256(data).hexdigest()


def serve(www: Path, root: Path) -> Iterator[Server]:
    """Serve ``www`` over HTTP until the generator is closed; files go into ``root``."""
    log: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(www), **kwargs)

        def do_GET(self):  # noqa: N802 - the stdlib's name
            log.append(self.path)
            super().do_GET()

        def log_message(self, *args):  # keep test output quiet
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        port = httpd.server_address[1]
        yield Server(root, f"http://127.0.0.1:{port}/{root.relative_to(www).as_posix()}/", log)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "www" / "data" / "audio"
    root.mkdir(parents=True)
    yield from serve(tmp_path / "www", root)


@pytest.fixture
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty melforge and librosa cache folders; no registry override, default URL."""
    ours, theirs = tmp_path / "melforge-cache", tmp_path / "librosa-cache"
    ours.mkdir()
    theirs.mkdir()
    monkeypatch.setenv("MELFORGE_DATA_DIR", str(ours))
    monkeypatch.setenv("LIBROSA_DATA_DIR", str(theirs))
    monkeypatch.delenv("MELFORGE_EXAMPLES_URL", raising=False)
    monkeypatch.delenv("MELFORGE_EXAMPLES_REGISTRY", raising=False)
    return {"melforge": ours, "librosa": theirs}
