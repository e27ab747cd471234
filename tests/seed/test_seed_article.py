"""The seed article's program runs unchanged on melforge and gives librosa's numbers.

Its first line is ``librosa.load(librosa.ex('pistachio'))``: a recording melforge, like
librosa, downloads on first use.  Tests never use the network, so the download comes
from a real HTTP server on 127.0.0.1 through the two documented switches a mirror uses:
``MELFORGE_EXAMPLES_URL`` (the server) and ``MELFORGE_EXAMPLES_REGISTRY`` (a
``FILENAME SHA256`` file).  The real pistachio recording is not available offline and
its published SHA-256 cannot be forged, so the server holds a stand-in under
pistachio's file name (melforge's bundled ``music`` clip, CC0) and the registry file
names the stand-in's SHA-256: the download, the hash check and the cache are the real
code path, only the expected hash comes from the test.
"""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

ARTICLE = Path(__file__).with_name("article.py").read_text()
PISTACHIO = "442789__lena-orsa__happy-music-pistachio-ice-cream-ragtime.ogg"


def _run(code: str) -> dict:
    namespace: dict = {"__name__": "seed_article"}
    exec(compile(code, "article.py", "exec"), namespace)  # noqa: S102
    plt.close("all")
    return namespace


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A local HTTP server holding the stand-in; env vars pointing melforge at it."""
    import melforge

    root = tmp_path_factory.mktemp("seed")
    www = root / "www"
    www.mkdir()
    shutil.copyfile(melforge.ex("music"), www / PISTACHIO)
    digest = hashlib.sha256((www / PISTACHIO).read_bytes()).hexdigest()
    (root / "registry.txt").write_text(f"{PISTACHIO} {digest}\n")
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(www), **kwargs)

        def do_GET(self):  # noqa: N802 - the stdlib's name
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MELFORGE_EXAMPLES_URL", f"http://127.0.0.1:{httpd.server_address[1]}/")
        mp.setenv("MELFORGE_EXAMPLES_REGISTRY", str(root / "registry.txt"))
        mp.setenv("MELFORGE_DATA_DIR", str(root / "cache"))
        mp.setenv("LIBROSA_DATA_DIR", str(root / "librosa-cache"))
        yield {"requests": requests, "cache": root / "cache", "served": www / PISTACHIO}
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def both(mirror):
    import melforge

    assert "import melforge as librosa\n" in ARTICLE
    assert "librosa.load(librosa.ex('pistachio'))" in ARTICLE  # the article's own line
    ours = _run(ARTICLE)
    path = melforge.ex("pistachio")  # now from the cache
    reference_code = ARTICLE.replace(
        "import melforge as librosa\n", "import librosa\nimport librosa.display\n"
    ).replace("librosa.ex('pistachio')", repr(path))
    theirs = _run(reference_code)
    return ours, theirs


def test_pistachio_came_through_the_mirror_once_and_is_cached(both, mirror):
    cached = mirror["cache"] / PISTACHIO
    assert mirror["requests"] == [f"/{PISTACHIO}"]
    assert cached.read_bytes() == mirror["served"].read_bytes()


def test_article_runs_on_melforge(both):
    ours, _ = both
    assert ours["sampling_rate"] == 22050
    assert ours["audio"].dtype == np.float32
    assert ours["audio"].ndim == 1  # the stereo stand-in is loaded as mono, as librosa does
    assert ours["MelSpectogram_dB"].shape[0] == 128


def test_article_waveform_and_axis_match_librosa(both):
    ours, theirs = both
    # Same decoder (libsndfile), the same soxr_hq call and the same downmix: identical up
    # to float32 rounding.
    np.testing.assert_allclose(ours["audio"], theirs["audio"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["frequency"], theirs["frequency"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["amplitude_dB", "spectogram_to_dB", "MelSpectogram_dB"])
def test_article_decibels_match_librosa(both, name):
    ours, theirs = both
    a, b = np.asarray(ours[name], dtype=np.float64), np.asarray(theirs[name], dtype=np.float64)
    assert a.shape == b.shape
    # All three are in dB relative to their maximum (ref=np.max), floored at -80 dB.
    # Back in linear units the difference is at most 1e-5 of the peak (float32 FFTs) ...
    scale = 20.0 if name != "MelSpectogram_dB" else 10.0
    np.testing.assert_allclose(10 ** (a / scale), 10 ** (b / scale), rtol=0, atol=1e-5)
    # ... and within 0.001 dB wherever the level is above -60 dB.
    loud = b > -60.0
    np.testing.assert_allclose(a[loud], b[loud], rtol=0, atol=1e-3)
