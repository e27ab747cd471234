"""stream(): per-block framewise features tile exactly into the whole file's; memory is bounded.

Frame features are computed here with numpy striding (frame RMS, center=False), so the
test does not depend on melforge's STFT.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings, strategies as st

import melforge
from melforge.io._ffmpeg import encode

SR = 8000


def frame_rms(y: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    """RMS of each full frame, frames starting every hop_length samples (time last)."""
    if y.shape[-1] < frame_length:
        return np.zeros(y.shape[:-1] + (0,), dtype=y.dtype)
    windows = np.lib.stride_tricks.sliding_window_view(y, frame_length, axis=-1)
    frames = windows[..., ::hop_length, :]
    return np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=-1))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    rng = np.random.default_rng(0)
    y = (0.3 * rng.standard_normal((2, int(0.7 * SR)))).astype(np.float32)
    sf.write(d / "s.wav", y.T, SR, subtype="FLOAT")
    sf.write(d / "s.flac", y.T, SR, subtype="PCM_16")
    encode(d / "s.mkv", y, 48000, codec="flac", format="matroska")
    return {"wav": d / "s.wav", "flac": d / "s.flac", "mkv": d / "s.mkv"}


_FIXTURE_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(
    kind=st.sampled_from(["wav", "flac", "mkv"]),
    block_length=st.integers(1, 6),
    frame_length=st.integers(1, 700),
    hop_frac=st.floats(0.05, 3.0),  # above 1: hop_length > frame_length, gaps skipped
    mono=st.booleans(),
    offset=st.sampled_from([0.0, 0.013, 0.2]),
    duration=st.sampled_from([None, 0.05, 0.31, 5.0]),
)
def test_stream_blocks_tile_whole_file(
    files, kind, block_length, frame_length, hop_frac, mono, offset, duration
):
    hop_length = max(1, int(frame_length * hop_frac))
    path = files[kind]
    whole, sr = melforge.load(path, sr=None, mono=mono, offset=offset, duration=duration)
    blocks = list(
        melforge.stream(
            path,
            block_length=block_length,
            frame_length=frame_length,
            hop_length=hop_length,
            mono=mono,
            offset=offset,
            duration=duration,
        )
    )
    feats = [frame_rms(b, frame_length, hop_length) for b in blocks]
    for b in blocks:
        assert b.dtype == np.float32 and b.shape[:-1] == whole.shape[:-1]
        assert b.shape[-1] <= frame_length + (block_length - 1) * hop_length
    # all but the last block hold exactly block_length frames
    assert all(f.shape[-1] == block_length for f in feats[:-1])
    tiled = np.concatenate(feats, axis=-1) if feats else frame_rms(whole[..., :0], 1, 1)
    np.testing.assert_array_equal(tiled, frame_rms(whole, frame_length, hop_length))
    # and the blocks are the whole signal's samples, block k starting at k*block_length*hop
    step = block_length * hop_length
    for k, b in enumerate(blocks):
        np.testing.assert_array_equal(b, whole[..., k * step : k * step + b.shape[-1]])


@settings(max_examples=20, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(
    block_length=st.integers(1, 5),
    frame_length=st.integers(64, 600),
    hop_length=st.integers(16, 600),
    fill_value=st.sampled_from([0.0, -1.0]),
    duration=st.sampled_from([None, 0.1, 2.0]),
)
def test_stream_fill_value_pads_every_block(
    files, block_length, frame_length, hop_length, fill_value, duration
):
    whole, _ = melforge.load(files["flac"], sr=None, mono=True)
    blocksize = frame_length + (block_length - 1) * hop_length
    blocks = list(
        melforge.stream(
            files["flac"],
            block_length=block_length,
            frame_length=frame_length,
            hop_length=hop_length,
            fill_value=fill_value,
            duration=duration,
        )
    )
    n_virtual = whole.size if duration is None else int(duration * SR)
    padded = np.full(max(n_virtual, 0) + len(blocks) * blocksize + 1, fill_value, np.float32)
    real = min(whole.size, n_virtual)
    padded[:real] = whole[:real]
    step = block_length * hop_length
    assert blocks, "at least one block"
    for k, b in enumerate(blocks):
        assert b.shape == (blocksize,)
        np.testing.assert_array_equal(b, padded[k * step : k * step + blocksize])
    # the last block starts before the end of the (virtual) segment
    assert (len(blocks) - 1) * step < n_virtual


def test_stream_hop_longer_than_frame_skips_the_gaps(files):
    """hop_length > frame_length: block k still starts at k * block_length * hop_length.

    librosa 0.11 hands soundfile.blocks a negative overlap, which it treats as a positive
    one (blocks advance by less than a frame), so its blocks do not tile; ours do.
    """
    whole, _ = melforge.load(files["wav"], sr=None)
    kw = {"block_length": 2, "frame_length": 100, "hop_length": 300}
    blocks = list(melforge.stream(files["wav"], **kw))
    assert len(blocks) == -(-whole.size // 600)  # one per start k * 600 inside the file
    for k, b in enumerate(blocks):
        assert b.shape[-1] <= 400
        np.testing.assert_array_equal(b, whole[k * 600 : k * 600 + b.shape[-1]])
    tiled = np.concatenate([frame_rms(b, 100, 300) for b in blocks], axis=-1)
    np.testing.assert_array_equal(tiled, frame_rms(whole, 100, 300))


def test_stream_duration_zero_yields_nothing(files):
    """duration=0 means zero samples, as in load (librosa's stream reads the whole file)."""
    kw = {"block_length": 2, "frame_length": 256, "hop_length": 128, "duration": 0}
    assert list(melforge.stream(files["flac"], **kw)) == []
    assert list(melforge.stream(files["flac"], fill_value=0.0, **kw)) == []
    assert melforge.load(files["flac"], sr=None, duration=0)[0].shape == (0,)


def test_stream_matches_soundfile_blocks_semantics(files):
    """Same blocks as soundfile.blocks (librosa.stream's engine), including the tail."""
    kw = {"block_length": 3, "frame_length": 400, "hop_length": 160}
    ours = list(melforge.stream(files["flac"], mono=False, **kw))
    with sf.SoundFile(files["flac"]) as f:
        ref = [b.T for b in f.blocks(blocksize=400 + 2 * 160, overlap=240, dtype="float32")]
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "minutes"), [("flac", 10), ("m4a", 2)])
def test_stream_memory_is_bounded(tmp_path, kind, minutes):
    """Streaming minutes of audio holds about one block, not the file (tracemalloc peak)."""
    sr = 8000
    n = minutes * 60 * sr
    t = np.arange(n, dtype=np.float64) / sr
    y = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    path = tmp_path / f"long.{kind}"
    if kind == "flac":
        sf.write(path, y, sr, subtype="PCM_16")
    else:
        encode(path, y, sr, codec="aac", format="mp4")
    del t, y
    kw = {"block_length": 64, "frame_length": 512, "hop_length": 256}
    block_bytes = (512 + 63 * 256) * 4
    tracemalloc.start()
    try:
        count = 0
        for block in melforge.stream(path, **kw):
            count += block.shape[-1]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > n * 0.98
    # a few blocks plus decoder buffers; load() would hold n * 4 bytes (3.8-19 MB)
    assert peak < 4 * block_bytes + (256 << 10), f"peak {peak / 2**10:.0f} KiB"
