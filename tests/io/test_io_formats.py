"""Decoding every supported format through melforge.load / melforge.info.

Files are generated here (<= 1 s): libsndfile writes the WAV/AIFF/FLAC/OGG/MP3 family,
FFmpeg (PyAV) writes M4A/AAC, WebM/Opus, MKV/FLAC and an MP4 audio track.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import soundfile as sf

import melforge
from melforge.io._ffmpeg import encode

#: Set when tests/io/test_io_private_paths.py reruns this module without soundfile's
#: private handles: MP3 and unknown-length files then decode with FFmpeg.
PUBLIC_SF = "soundfile" in os.environ.get("MELFORGE_TEST_PUBLIC_FALLBACK", "")


SR = 16000


def _signal(sr: int = SR, seconds: float = 0.5, channels: int = 1) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    rows = [0.5 * np.sin(2 * np.pi * (330 + 110 * c) * t) for c in range(channels)]
    return np.array(rows, dtype=np.float64).squeeze()


# (extension, soundfile format, subtype, bits for exact comparison or None for lossy)
SF_CASES = [
    ("wav", "WAV", "PCM_U8", 8),
    ("wav", "WAV", "PCM_16", 16),
    ("wav", "WAV", "PCM_24", 24),
    ("wav", "WAV", "PCM_32", 32),
    ("wav", "WAV", "FLOAT", "float"),
    ("wav", "WAV", "DOUBLE", "float"),
    ("wav", "WAVEX", "PCM_16", 16),
    ("wav", "RIFX", "PCM_24", 24),  # big-endian WAV (via endian="BIG")
    ("aiff", "AIFF", "PCM_16", 16),
    ("flac", "FLAC", "PCM_24", 24),
    ("ogg", "OGG", "VORBIS", None),
    ("opus", "OGG", "OPUS", None),
    ("mp3", "MP3", "MPEG_LAYER_III", None),
]


def _write_sf(path, y, sr, fmt, subtype):
    if fmt == "RIFX":
        sf.write(path, y.T, sr, format="WAV", subtype=subtype, endian="BIG")
    else:
        sf.write(path, y.T, sr, format=fmt, subtype=subtype)


@pytest.mark.parametrize(("ext", "fmt", "subtype", "bits"), SF_CASES)
def test_libsndfile_formats_decode(tmp_path, ext, fmt, subtype, bits):
    if PUBLIC_SF and fmt == "MP3":
        pytest.skip("without soundfile's private handles MP3 decodes with FFmpeg")
    sr = 48000 if subtype == "OPUS" else SR
    y = _signal(sr, 0.5, channels=2)
    if isinstance(bits, int):
        y = melforge.quantize(y, bits)  # exact levels: libsndfile's write rounding is moot
    path = tmp_path / f"x_{fmt}_{subtype}.{ext}"
    _write_sf(path, y, sr, fmt, subtype)
    out, sr_out = melforge.load(path, sr=None, mono=False)
    assert sr_out == sr
    assert out.dtype == np.float32 and out.shape[0] == 2 and out.flags.c_contiguous
    if bits == "float":
        np.testing.assert_array_equal(out, y.astype(np.float32))
    elif bits is not None:
        # libsndfile's scaling: k / 2**(N-1); our quantize gives the same levels exactly
        assert out.shape == y.shape
        np.testing.assert_array_equal(out, y.astype(np.float32))
    else:
        # lossy: same length (gapless) and close waveform (after codec delay removal)
        n = min(out.shape[1], y.shape[1])
        err = out[:, :n] - y[:, :n]
        snr = 10 * np.log10(np.sum(y[:, :n] ** 2) / np.sum(err**2))
        assert snr > 10, f"{subtype} SNR {snr:.1f} dB"
    info = melforge.info(path)
    assert info.backend == "libsndfile"
    assert (info.samplerate, info.channels) == (sr, 2)
    assert info.frames == out.shape[1]
    assert info.duration == pytest.approx(out.shape[1] / sr)
    expected_bits = {"float": 32 if subtype == "FLOAT" else 64}.get(bits, bits)  # type: ignore[arg-type]
    assert info.bit_depth == expected_bits


AV_CASES = [
    ("m4a", "aac", "mp4", 44100, "aac"),
    ("webm", "libopus", "webm", 48000, "opus"),
    ("mkv", "flac", "matroska", 48000, "flac"),
    ("mp4", "aac", "mp4", 22050, "aac"),
    ("wma", "wmav2", "asf", 44100, "wmav2"),
]


@pytest.mark.parametrize(
    ("ext", "codec", "container", "sample_format", "bits"),
    [
        ("mkv", "flac", "matroska", "s32", 24),  # FFmpeg decodes 24-bit FLAC to s32
        ("mka", "pcm_s24le", "matroska", "s32", 24),
        ("m4a", "alac", "ipod", "s32p", 24),
        ("m4a", "alac", "ipod", "s16p", 16),
        ("mov", "pcm_s16be", "mov", "s16", 16),
    ],
)
def test_ffmpeg_lossless_bit_depth(tmp_path, ext, codec, container, sample_format, bits):
    """info().bit_depth is the stored depth, not the decoder's sample format; samples exact."""
    sr = 48000
    y = melforge.quantize(_signal(sr, 0.25, channels=2), bits)
    path = tmp_path / f"x_{codec}_{bits}.{ext}"
    encode(path, y, sr, codec=codec, format=container, sample_format=sample_format)
    i = melforge.info(path)
    assert (i.backend, i.codec, i.bit_depth) == ("ffmpeg", codec, bits)
    out, _ = melforge.load(path, sr=None, mono=False, dtype=np.float64)
    np.testing.assert_array_equal(out[:, : y.shape[1]], y)  # lossless: exact


@pytest.mark.parametrize(("ext", "codec", "container", "sr", "codec_name"), AV_CASES)
def test_ffmpeg_formats_decode(tmp_path, ext, codec, container, sr, codec_name):
    y = _signal(sr, 1.0, channels=2).astype(np.float32)
    path = tmp_path / f"x.{ext}"
    encode(path, y, sr, codec=codec, format=container, bit_rate=128000)
    out, sr_out = melforge.load(path, sr=None, mono=False)
    assert sr_out == sr and out.dtype == np.float32 and out.shape[0] == 2
    # codecs may pad the end to a whole frame (FFmpeg's WMA drops the last partial one)
    lo = y.shape[1] - (2048 if codec == "wmav2" else 0)
    assert lo <= out.shape[1] <= y.shape[1] + 2048
    info = melforge.info(path)
    assert info.backend == "ffmpeg" and info.codec == codec_name
    assert (info.samplerate, info.channels) == (sr, 2)
    # container duration metadata: within a codec frame of the decoded length
    assert abs(info.frames - out.shape[1]) <= 2048
    if codec == "flac":
        assert info.bit_depth == 16
        np.testing.assert_array_equal(out[:, : y.shape[1]], melforge.quantize(y, 16))
    else:
        assert info.bit_depth is None
        # sanity: the decoded signal carries the sine's energy
        assert 0.5 < np.sqrt(np.mean(out**2)) / np.sqrt(np.mean(y**2)) < 1.5
    mono, _ = melforge.load(path, sr=None)
    np.testing.assert_allclose(mono, out.mean(axis=0), atol=1e-7)


def _mux_video_and_audio(path, y, sr, *, container, vcodec, acodec):
    """A 0.5 s video track (10 fps, 32x32) muxed with ``y`` (2, n) as the audio track."""
    import av

    with av.open(str(path), "w", format=container) as c:
        video = c.add_stream(vcodec, rate=10)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = c.add_stream(acodec, rate=sr, layout="stereo")
        fmt = audio.codec_context.format.name
        size = audio.codec_context.frame_size or 1024
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i
            for pkt in video.encode(frame):
                c.mux(pkt)
        for i in range(0, y.shape[1], size):
            blk = np.ascontiguousarray(y[:, i : i + size])
            if fmt.rstrip("p") == "s16":
                blk = melforge.to_int(blk, 16)
            if not fmt.endswith("p"):
                blk = np.ascontiguousarray(blk.T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(blk, format=fmt, layout="stereo")
            frame.sample_rate, frame.pts = sr, i
            for pkt in audio.encode(frame):
                c.mux(pkt)
        for stream in (video, audio):
            for pkt in stream.encode(None):
                c.mux(pkt)


@pytest.mark.parametrize(
    ("ext", "container", "vcodec", "acodec"),
    [("mp4", "mp4", "mpeg4", "aac"), ("mkv", "matroska", "ffv1", "flac")],
)
def test_video_container_audio_track(tmp_path, ext, container, vcodec, acodec):
    """The audio track of a file that also holds video (the video stream comes first)."""
    sr = 48000
    y = melforge.quantize(_signal(sr, 0.5, channels=2).astype(np.float32), 16)
    path = tmp_path / f"film.{ext}"
    _mux_video_and_audio(path, y, sr, container=container, vcodec=vcodec, acodec=acodec)
    out, sr_out = melforge.load(path, sr=None, mono=False)
    assert sr_out == sr and out.shape[0] == 2
    i = melforge.info(path)
    assert (i.backend, i.codec, i.samplerate, i.channels) == ("ffmpeg", acodec, sr, 2)
    assert abs(i.frames - out.shape[1]) <= 2048  # container metadata vs decoded count
    if acodec == "flac":  # lossless: exact samples, bit depth from the codec
        assert i.bit_depth == 16
        np.testing.assert_array_equal(out, y)
    else:
        assert i.bit_depth is None
        assert y.shape[1] <= out.shape[1] <= y.shape[1] + 2048


def test_info_reads_headers_without_decoding(tmp_path, monkeypatch):
    """info() never decodes audio: every decode entry point raises while it runs."""
    if PUBLIC_SF:
        pytest.skip("without soundfile's private handles info counts MP3 frames with FFmpeg")
    from melforge.io import _ffmpeg, _soundfile

    y = _signal(SR, 0.5, channels=2).astype(np.float32)
    paths = []
    for ext, fmt, subtype in [("wav", "WAV", "PCM_24"), ("flac", "FLAC", "PCM_16"),
                              ("ogg", "OGG", "VORBIS"), ("mp3", "MP3", "MPEG_LAYER_III")]:
        paths.append(tmp_path / f"x.{ext}")
        sf.write(paths[-1], y.T, SR, format=fmt, subtype=subtype)
    for ext, codec, container in [("m4a", "aac", "mp4"), ("webm", "libopus", "webm")]:
        paths.append(tmp_path / f"x.{ext}")
        encode(paths[-1], y, 48000 if codec == "libopus" else SR, codec=codec, format=container)

    def no_decoding(*args, **kwargs):
        raise AssertionError("info() decoded audio")

    monkeypatch.setattr(_ffmpeg.AvReader, "_decode_next", no_decoding)
    monkeypatch.setattr(_soundfile.SoundfileReader, "readinto", no_decoding)
    monkeypatch.setattr(sf.SoundFile, "read", no_decoding)
    monkeypatch.setattr(sf.SoundFile, "buffer_read", no_decoding)
    for path in paths:
        i = melforge.info(path)
        assert i.channels == 2 and i.frames > 0, path


@pytest.mark.parametrize(("ext", "codec", "container", "sr"), [
    ("m4a", "aac", "mp4", 44100),
    ("webm", "libopus", "webm", 48000),
    ("mkv", "flac", "matroska", 48000),
    ("wma", "wmav2", "asf", 44100),
    ("ts", "aac", "mpegts", 44100),
    # no trustworthy timestamps after a demuxer seek (raw AC3: estimated from the byte
    # position; Ogg FLAC near the end: 4 frames late): decoded from the start
    ("ac3", "ac3", "ac3", 44100),
    ("oga", "flac", "ogg", 44100),
])
def test_ffmpeg_offset_is_sample_exact(tmp_path, ext, codec, container, sr):
    """A seek lands on the same samples as decoding from the start and slicing."""
    # a chirp: any misalignment shows; no noise, because AAC's perceptual noise
    # substitution draws from a decoder RNG whose state depends on where decoding began
    t = np.arange(4 * sr) / sr
    y = (0.4 * np.sin(2 * np.pi * (200 * t + 400 * t**2))).astype(np.float32)
    path = tmp_path / f"long.{ext}"
    encode(path, y, sr, codec=codec, format=container, bit_rate=128000)
    whole, _ = melforge.load(path, sr=None)
    for offset in (0.25, 2.6, 3.1234):  # 0.25: decode-and-skip; others: container seek
        seg, _ = melforge.load(path, sr=None, offset=offset, duration=0.5)
        k = int(offset * sr)
        ref = whole[k : k + seg.shape[0]]
        assert seg.shape == ref.shape == (int(0.5 * sr),)
        # sample-aligned; AAC/Opus decoders re-converge after the 0.5 s pre-roll to
        # within float rounding (aligned wrongly, the error would be ~0.5)
        assert np.abs(seg - ref).max() <= 1e-4, offset


def test_file_object_and_bytesio(tmp_path):
    y = _signal(SR, 0.5)
    path = tmp_path / "x.flac"
    sf.write(path, y, SR, subtype="PCM_16")
    ref, _ = melforge.load(path, sr=None)
    with open(path, "rb") as fh:
        a, _ = melforge.load(fh, sr=None)
    b, _ = melforge.load(io.BytesIO(path.read_bytes()), sr=None, offset=0.1, duration=0.2)
    np.testing.assert_array_equal(a, ref)
    np.testing.assert_array_equal(b, ref[1600:4800])
    # a file object positioned mid-stream reads from its current position
    buf = io.BytesIO(b"junk" + path.read_bytes())
    buf.seek(4)
    np.testing.assert_array_equal(melforge.load(buf, sr=None)[0], ref)
    # FFmpeg formats from memory too
    m4a = tmp_path / "x.m4a"
    encode(m4a, y.astype(np.float32), SR, codec="aac", format="mp4")
    c, _ = melforge.load(io.BytesIO(m4a.read_bytes()), sr=None)
    d, _ = melforge.load(m4a, sr=None)
    np.testing.assert_array_equal(c, d)
    assert melforge.info(io.BytesIO(m4a.read_bytes())).backend == "ffmpeg"


def test_offset_past_end_is_empty_and_dtype(tmp_path):
    path = tmp_path / "x.wav"
    sf.write(path, _signal(SR, 0.5), SR)
    y, sr = melforge.load(path, sr=None, offset=2.0)
    assert y.shape == (0,) and sr == SR
    y, sr = melforge.load(path, sr=8000, offset=2.0)
    assert y.shape == (0,)
    y64, _ = melforge.load(path, sr=8000, dtype=np.float64)
    assert y64.dtype == np.float64
    assert melforge.get_duration(path=path) == 0.5
    assert melforge.get_samplerate(path) == SR


def test_wav_placeholder_size_reads_to_end(tmp_path):
    """Recorders that never finalize the header write 0xFFFFFFFF: read to the end."""
    path = tmp_path / "stream.wav"
    y = melforge.quantize(_signal(SR, 0.25), 16)
    sf.write(path, y, SR, subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    i = raw.find(b"data")
    raw[i + 4 : i + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(raw))
    out, _ = melforge.load(path, sr=None)
    np.testing.assert_array_equal(out, y.astype(np.float32))


def test_flac_with_unknown_length_reads_whole(tmp_path):
    """STREAMINFO total samples 0 = "unknown" (streaming encoders): read to the end.

    libsndfile reports 2**63 - 1 frames; librosa 0.11 fails allocating them.
    """
    y = melforge.quantize(_signal(SR, 0.5, channels=2), 16)
    path = tmp_path / "streamed.flac"
    sf.write(path, y.T, SR, subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    raw[8 + 13] &= 0xF0  # STREAMINFO body at byte 8; total samples: 4 bits + bytes 14..17
    raw[8 + 14 : 8 + 18] = bytes(4)
    path.write_bytes(bytes(raw))
    out, _ = melforge.load(path, sr=None, mono=False)
    np.testing.assert_array_equal(out, y.astype(np.float32))
    part, _ = melforge.load(path, sr=None, mono=False, offset=0.25, duration=0.125)
    np.testing.assert_array_equal(part, out[:, 4000:6000])
    i = melforge.info(path)  # counted by decoding, since the header does not say
    assert (i.frames, i.duration, i.bit_depth) == (8000, 0.5, 16)
    blocks = list(melforge.stream(path, block_length=2, frame_length=500, hop_length=500))
    np.testing.assert_array_equal(np.concatenate(blocks), out.mean(axis=0))
