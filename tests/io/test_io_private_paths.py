"""The two private fast paths, each shown necessary, and the public fallbacks run.

1. ``melforge.io._soundfile`` reads through soundfile's private cffi handles because
   soundfile's public ``read`` seeks to the current position after every call, and for
   MP3 each seek restarts libmpg123 without its bit reservoir.  ``data/noise_22050_mono.mp3``
   (3 s of seeded white noise at 22.05 kHz written by libsndfile 1.2.2 / LAME) shows it:
   a chunked public read, and librosa's ``offset`` load, come out wrong for a few hundred
   samples; melforge's are within float rounding of one full decode.
2. ``melforge.spectral._fft`` loads scipy's pocketfft extension by path because
   ``import scipy.fft`` pulls in scipy.special and the array-API layer.

Each public fallback is forced (MELFORGE_TEST_PUBLIC_FALLBACK, read in tests/conftest.py)
and the relevant test modules are rerun on it in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import melforge

DATA = Path(__file__).parent / "data"
MP3 = DATA / "noise_22050_mono.mp3"
ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.timeout(300)


def test_public_soundfile_reads_restart_the_mp3_decoder():
    full = sf.read(MP3, dtype="float32")[0]
    with sf.SoundFile(MP3) as f:
        chunks = [f.read(4096, dtype="float32") for _ in range(len(full) // 4096 + 1)]
    err = np.abs(np.concatenate(chunks) - full)
    assert err.max() > 0.05 and np.count_nonzero(err > 1e-4) > 100  # the claim
    blocks = melforge.stream(MP3, block_length=1, frame_length=4096, hop_length=4096)
    np.testing.assert_allclose(np.concatenate(list(blocks)), full, rtol=0, atol=1.2e-7)


def test_librosa_offset_after_an_mp3_seek_is_wrong_for_hundreds_of_samples():
    librosa = pytest.importorskip("librosa")
    full, _ = melforge.load(MP3, sr=None)
    wrong = []
    for offset in (1.0, 1.5, 2.0):
        k = int(offset * 22050)
        theirs, _ = librosa.load(MP3, sr=None, offset=offset, duration=0.5)
        ours, _ = melforge.load(MP3, sr=None, offset=offset, duration=0.5)
        np.testing.assert_allclose(ours, full[k : k + len(ours)], rtol=0, atol=1.2e-7)
        bad = np.nonzero(np.abs(theirs - full[k : k + len(theirs)]) > 1e-4)[0]
        wrong.append(len(bad))
        assert len(bad) == 0 or bad[-1] < 1152  # only the first MPEG frame after the seek
    assert max(wrong) > 100, wrong  # measured: 248, 180, 102


def test_scipy_fft_import_pulls_in_what_the_private_load_avoids():
    code = (
        "import sys, melforge as mf, numpy as np\n"
        "mf.stft(np.ones(4096, np.float32))\n"
        "before = set(sys.modules)\n"
        "assert 'scipy.fft' not in before and 'scipy.special' not in before\n"
        "import scipy.fft\n"
        "new = set(sys.modules) - before\n"
        "assert 'scipy.special' in new, sorted(new)\n"
        "print(len(new))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 50  # modules import scipy.fft adds after melforge's stft


def _rerun(which: str, modules: list[str]) -> None:
    env = {**os.environ, "MELFORGE_TEST_PUBLIC_FALLBACK": which}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-x",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        *modules,
    ]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_io_and_stft_modules_pass_on_the_public_fallbacks():
    """One subprocess (one interpreter start) for both fallbacks: the decoding modules
    without soundfile's private handles, the STFT reference module on scipy.fft."""
    _rerun("soundfile,fft", ["tests/io/test_io_formats.py", "tests/io/test_io_segments.py",
                             "tests/errors/test_io_errors.py",
                             "tests/reference/test_spectral_stft.py"])  # fmt: skip


def test_pyav_planar_crash_input_is_refused_not_fatal():
    """A Vorbis header patched to 255 channels (found by tests/fuzz) made PyAV segfault."""
    path = Path(__file__).parents[1] / "fuzz" / "data" / "vorbis_255_planar_channels.ogg"
    code = (
        "import melforge, sys\n"
        f"try: melforge.load({str(path)!r}, sr=None, mono=False)\n"
        "except melforge.UnsupportedFormatError as e: print(e)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "more than 8 planar channels" in run.stdout


def test_librosa_offset_on_a_speech_mp3_is_right(tmp_path):
    """The fault needs the bit reservoir: on the bundled speech clip librosa is exact."""
    librosa = pytest.importorskip("librosa")
    y, sr = melforge.load(melforge.ex("speech"), sr=None)
    path = tmp_path / "speech.mp3"
    sf.write(path, y, sr, format="MP3")
    full, _ = melforge.load(path, sr=None)
    for offset in (1.0, 2.5, 5.0):
        k = int(offset * sr)
        theirs, _ = librosa.load(path, sr=None, offset=offset, duration=0.5)
        np.testing.assert_allclose(theirs, full[k : k + len(theirs)], rtol=0, atol=1.2e-7)
