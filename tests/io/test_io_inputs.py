"""What ``path`` may be: open soundfile.SoundFile objects and file descriptors (as librosa).

librosa 0.11 accepts both in load, stream and get_samplerate; so does melforge.  The
caller keeps ownership: neither is closed by melforge.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import soundfile as sf

import melforge

librosa = pytest.importorskip("librosa")
SR = 16000


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    y = (0.3 * rng.standard_normal((2, SR))).astype(np.float32)
    out = {}
    for ext in ("wav", "flac", "mp3"):
        sf.write(d / f"x.{ext}", y.T, SR)
        out[ext] = d / f"x.{ext}"
    return out


def _librosa(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3"])
@pytest.mark.parametrize(
    "kw",
    [{"sr": None}, {"sr": 8000, "mono": False}, {"sr": 22050, "offset": 0.3, "duration": 0.2}],
)
def test_load_soundfile_object_matches_librosa(files, ext, kw):
    with sf.SoundFile(files[ext]) as f:
        f.read(100)  # without offset, both read from the current position
        ours, sr = melforge.load(f, **kw)
        assert not f.closed  # the caller owns it (librosa closes it)
        f.seek(100)
        ref, sr_ref = _librosa(librosa.load, f, **kw)
    assert sr == sr_ref and ours.shape == ref.shape and ours.dtype == ref.dtype
    # max abs difference 0.0, except MP3 without offset: librosa's soundfile.read seeks
    # after each read and restarts the MP3 decoder cold (see docs/io.md): <= 1 float32 ulp
    tol = 2.0**-23 if ext == "mp3" else 0.0
    assert np.abs(ours - ref).max() <= tol


@pytest.mark.parametrize("ext", ["wav", "flac"])
def test_stream_info_samplerate_of_soundfile_object(files, ext):
    kw = {"block_length": 3, "frame_length": 512, "hop_length": 256, "offset": 0.1}
    with sf.SoundFile(files[ext]) as f:
        ours = list(melforge.stream(f, **kw))
        assert not f.closed
        i = melforge.info(f)
        assert melforge.get_samplerate(f) == _librosa(librosa.get_samplerate, f) == SR
    with sf.SoundFile(files[ext]) as f:
        ref = list(_librosa(librosa.stream, f, **kw))
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(a, b)  # exact
    assert (i.frames, i.channels, i.bit_depth, i.backend) == (SR, 2, 16, "libsndfile")


def test_file_descriptor(files):
    ref, _ = melforge.load(files["flac"], sr=None, mono=False)
    fd = os.open(files["flac"], os.O_RDONLY)
    try:
        y, sr = melforge.load(fd, sr=None, mono=False)
        os.fstat(fd)  # still open: the caller owns it
        np.testing.assert_array_equal(y, ref)
        os.lseek(fd, 0, os.SEEK_SET)
        assert melforge.info(fd).frames == SR
        os.lseek(fd, 0, os.SEEK_SET)
        blocks = list(melforge.stream(fd, block_length=2, frame_length=400, hop_length=400))
        np.testing.assert_array_equal(np.concatenate(blocks), ref.mean(axis=0))
    finally:
        os.close(fd)


def test_truncated_file_behind_a_soundfile_object_is_reported(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, np.zeros(8000, np.float32), SR)
    path.write_bytes(path.read_bytes()[:5000])
    with sf.SoundFile(path) as f, pytest.raises(melforge.CorruptAudioError, match="truncated"):
        melforge.load(f)


def test_get_duration_filename_alias(files):
    with pytest.warns(FutureWarning, match=r"use path= instead"):
        d = melforge.get_duration(filename=files["wav"])
    assert d == _librosa(librosa.get_duration, filename=files["wav"]) == 1.0
