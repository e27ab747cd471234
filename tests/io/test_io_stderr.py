"""C decoder diagnostics: one stderr line per failed file, folded into our message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import soundfile as sf

import melforge
from melforge.io._stderr import capture_stderr

#: The installed ``melforge`` console script of this interpreter's environment.
MELFORGE = Path(sys.executable).with_name("melforge")


def _bad_mp3s(folder):
    """Three MP3s that fail (libmpg123 prints on each) and one that decodes with chatter."""
    x = (0.3 * np.random.default_rng(0).standard_normal(22050 * 2)).astype(np.float32)
    sf.write(folder / "good.mp3", x, 22050, format="MP3")
    raw = (folder / "good.mp3").read_bytes()
    (folder / "cut.mp3").write_bytes(raw[: len(raw) // 2])
    (folder / "noise.mp3").write_bytes(np.random.default_rng(2).bytes(5000))
    (folder / "header_only.mp3").write_bytes(raw[:600])
    bad = [folder / "cut.mp3", folder / "noise.mp3", folder / "header_only.mp3"]
    return bad, folder / "good.mp3"


def test_melforge_info_prints_one_line_per_failed_file(tmp_path):
    bad, good = _bad_mp3s(tmp_path)
    files = [str(p) for p in [bad[0], good, bad[1], bad[2]]]
    run = subprocess.run(
        [str(MELFORGE), "info", *files],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == len(bad), run.stderr
    for line, path in zip(lines, bad, strict=True):
        assert str(path) in line
    # libmpg123's own words are folded into the message of the file they concern
    assert "[decoder: Illegal Audio-MPEG-Header" in lines[1]
    assert "libmpg123" not in run.stderr  # its source-position prefixes are gone


def test_capture_keeps_python_stderr_and_nests_across_threads(capfd):
    """While descriptor 2 is captured, Python's writes to sys.stderr still reach stderr."""
    barrier = threading.Barrier(2)
    texts = {}

    def worker(k):
        with capture_stderr() as diag:
            barrier.wait()
            os.write(2, f"Note: C-level chatter {k}\n".encode())
            print(f"python line {k}", file=sys.stderr)
            barrier.wait()
        texts[k] = diag.text

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = capfd.readouterr()
    assert "python line 0" in out.err and "python line 1" in out.err
    assert "chatter" not in out.err
    for k in range(2):
        assert f"C-level chatter {k}" in texts[k]
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"  # descriptor 2 is restored


def test_load_error_carries_the_decoder_text(tmp_path):
    bad, _ = _bad_mp3s(tmp_path)
    try:
        melforge.load(bad[1])
    except melforge.UnsupportedFormatError as e:
        assert "Illegal Audio-MPEG-Header" in str(e) and "\n" not in str(e)
    else:
        raise AssertionError("no error")


def test_capture_passes_on_text_that_is_not_a_decoder_diagnostic(capfd):
    """A logging handler made before the capture holds the old sys.stderr (descriptor 2):
    its line is written out when the capture ends; libmpg123's lines are not."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    log = logging.getLogger("melforge-test-capture")
    log.addHandler(handler)
    try:
        with capture_stderr() as diag:
            log.warning("our own line")
            handler.flush()
            os.write(2, b"Note: Illegal Audio-MPEG-Header 0x00000000 at offset 4996.\n")
            os.write(2, b"[src/libmpg123/layer3.c:INT123_do_layer3():1804] error: ")
            os.write(2, b"dequantization failed!\n")
    finally:
        log.removeHandler(handler)
    err = capfd.readouterr().err
    assert "our own line" in err and "MPEG" not in err and "dequantization" not in err
    assert diag.lines()[-2:] == [
        "Illegal Audio-MPEG-Header 0x00000000 at offset 4996.",
        "dequantization failed!",
    ]


def test_a_fork_during_another_threads_capture_gets_its_stderr_back(capfd):
    """featurize forks workers; a worker must not inherit a captured descriptor 2."""
    started, done = threading.Event(), threading.Event()

    def hold():
        with capture_stderr():
            started.set()
            done.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    started.wait(10)
    pid = os.fork()
    if pid == 0:  # the child: its stderr must be the real one again
        os.write(2, b"child line\n")
        os._exit(0)
    os.waitpid(pid, 0)
    done.set()
    t.join()
    assert "child line" in capfd.readouterr().err
