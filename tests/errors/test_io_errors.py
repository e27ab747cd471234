"""The bad-input list: every broken file raises the right melforge error, naming the file.

Each case is generated in the test.  Each asserts the exception class, that the
message names the file, and what the message says.  None may hang (pytest-timeout), crash,
allocate what a lying header claims, or leak a raw decoder exception.
"""

from __future__ import annotations

import io
import os
import re
import struct
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

import melforge
from melforge import (
    AudioError,
    AudioFileNotFoundError,
    CorruptAudioError,
    ParameterError,
    UnreadableFileError,
    UnsupportedFormatError,
)

#: Set when tests/io/test_io_private_paths.py reruns this module without soundfile's
#: private handles: MP3 and unknown-length files then decode with FFmpeg.
PUBLIC_SF = "soundfile" in os.environ.get("MELFORGE_TEST_PUBLIC_FALLBACK", "")


SR = 16000
pytestmark = pytest.mark.timeout(60)


def _tone(seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def _good(tmp_path, ext: str, **kw) -> bytes:
    path = tmp_path / f"good.{ext}"
    sf.write(path, _tone(), SR, **kw)
    return path.read_bytes()


def _make(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _flac_claiming(tmp_path, total: int) -> bytes:
    """A valid FLAC whose STREAMINFO claims ``total`` samples (36-bit field)."""
    raw = bytearray(_good(tmp_path, "flac"))
    assert raw[:4] == b"fLaC"
    # STREAMINFO body starts at byte 8; total samples: low 4 bits of byte 13, bytes 14..17
    raw[8 + 13] = (raw[8 + 13] & 0xF0) | ((total >> 32) & 0x0F)
    raw[8 + 14 : 8 + 18] = struct.pack(">I", total & 0xFFFFFFFF)
    return bytes(raw)


def _wav_with_data_size(tmp_path, size: int) -> bytes:
    raw = bytearray(_good(tmp_path, "wav"))
    i = raw.find(b"data")
    raw[i + 4 : i + 8] = struct.pack("<I", size)
    return bytes(raw)


def _id3_tagged_mp3(tmp_path) -> bytes:
    """A 0.5 s MP3 behind a 300 kB ID3v2 tag (cover art size), cut in half."""
    mp3 = _good(tmp_path, "mp3", format="MP3")
    pad = 300_000
    size = bytes((pad >> s) & 0x7F for s in (21, 14, 7, 0))  # syncsafe
    return (b"ID3\x03\x00\x00" + size + bytes(pad) + mp3)[: 10 + pad + len(mp3) // 2]


def _with_rate(tmp_path, ext: str, rate: int) -> bytes:
    """A valid WAV/AIFF whose header's sample rate field is replaced by ``rate``."""
    raw = bytearray(_good(tmp_path, ext))
    if ext == "wav":
        i = raw.find(b"fmt ") + 8 + 4  # fmt body: format, channels, rate (uint32 LE)
        raw[i : i + 4] = struct.pack("<I", rate % 2**32)
    else:
        i = raw.find(b"COMM") + 8 + 8  # COMM body: channels, frames, bits, rate (80-bit)
        raw[i] |= 0x80 if rate < 0 else 0  # negate the extended float
        if rate == 0:
            raw[i : i + 10] = bytes(10)
    return bytes(raw)


def _zero_frames(tmp_path) -> bytes:
    sf.write(tmp_path / "z.wav", np.zeros(0, np.float32), SR)
    return (tmp_path / "z.wav").read_bytes()


# name -> (file bytes builder, expected class, regex the message must contain)
BAD_FILES = {
    "empty.wav": (lambda p: b"", CorruptAudioError, r"empty file \(0 bytes\)"),
    "zero_frames.wav": (
        lambda p: _zero_frames(p),
        CorruptAudioError,
        r"contains no audio frames",
    ),
    "truncated.wav": (
        lambda p: _good(p, "wav")[:5000],
        CorruptAudioError,
        r"WAV header declares 8000 frames of audio but the file holds only 2478 \(truncated",
    ),
    "truncated.flac": (
        lambda p: _good(p, "flac")[: len(_good(p, "flac")) // 2],
        CorruptAudioError,
        r"libsndfile failed to decode audio .*corrupt or truncated",
    ),
    "truncated.mp3": (
        lambda p: _good(p, "mp3", format="MP3")[: len(_good(p, "mp3", format="MP3")) // 2],
        CorruptAudioError,
        r"the MP3 header \(Xing/Info tag\) declares (8000 frames|9216 samples) but the file "
        r"holds MPEG frames for only about \d+ \(truncated",
    ),
    "truncated_id3.mp3": (
        _id3_tagged_mp3,
        CorruptAudioError,
        r"declares (8000 frames|9216 samples) but the file holds MPEG frames for only about "
        r"\d+ \(truncated",
    ),
    "truncated.aiff": (
        lambda p: _good(p, "aiff")[:6000],
        CorruptAudioError,
        r"AIFF header declares 8000 frames of audio but the file holds only \d+ \(truncated",
    ),
    "truncated.ogg": (
        lambda p: _good(p, "ogg")[: int(len(_good(p, "ogg")) * 0.9)],
        CorruptAudioError,
        r"the Ogg stream ends without its end-of-stream page \(truncated file\?\)",
    ),
    "truncated.opus": (
        lambda p: _good(p, "opus", format="OGG", subtype="OPUS")[:-300],
        CorruptAudioError,
        r"the Ogg stream ends without its end-of-stream page",
    ),
    "header_only.wav": (
        lambda p: _good(p, "wav")[:30],
        CorruptAudioError,
        r"corrupt or truncated audio \(libsndfile: .*; FFmpeg: .*\)",
    ),
    "zero_rate.wav": (
        lambda p: _with_rate(p, "wav", 0),
        CorruptAudioError,
        r"WAV header declares a sample rate of 0 Hz \(samplerate field\); a sample rate must "
        r"be a finite number > 0",
    ),
    "negative_rate.wav": (
        lambda p: _with_rate(p, "wav", -1),
        CorruptAudioError,
        r"WAV header declares a sample rate of -1 Hz",
    ),
    "negative_rate.aiff": (
        lambda p: _with_rate(p, "aiff", -1),
        CorruptAudioError,
        r"AIFF header declares a sample rate of -16000 Hz",
    ),
    "zero_rate.aiff": (
        lambda p: _with_rate(p, "aiff", 0),
        CorruptAudioError,
        r"AIFF header declares a sample rate of 0 Hz",
    ),
    "random.wav": (
        lambda p: np.random.default_rng(0).bytes(4096),
        UnsupportedFormatError,
        r"unrecognized or unsupported audio format \(libsndfile: format not recognised; FFmpeg",
    ),
    "random.mp3": (
        lambda p: np.random.default_rng(1).bytes(4096),
        UnsupportedFormatError,
        r"unrecognized or unsupported audio format",
    ),
    "random.flac": (
        lambda p: np.random.default_rng(2).bytes(4096),
        UnsupportedFormatError,
        r"unrecognized or unsupported audio format",
    ),
    "text.wav": (
        lambda p: b"this is a text file, not audio\n" * 40,
        UnsupportedFormatError,
        r"unrecognized or unsupported audio format",
    ),
    "more_frames_than_present.wav": (
        lambda p: _wav_with_data_size(p, 2 * 8000 * 2),
        CorruptAudioError,
        r"declares 16000 frames of audio but the file holds only 8000",
    ),
    "hostile_huge.wav": (
        lambda p: _wav_with_data_size(p, 0xFFFFFFF0),
        CorruptAudioError,
        r"declares 2147483640 frames",
    ),
    "hostile_huge.flac": (
        lambda p: _flac_claiming(p, 2**36 - 1),
        CorruptAudioError,
        r"decoding stopped at frame 8000 but the header declares 68719476735 frames",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_load(tmp_path, name):
    build, cls, pattern = BAD_FILES[name]
    if PUBLIC_SF and name == "hostile_huge.flac":
        pattern = "libsndfile failed to decode audio at frame 0"  # soundfile's seek fails
    path = _make(tmp_path, name, build(tmp_path))
    tracemalloc.start()
    try:
        with pytest.raises(cls, match=re.escape(str(path)) + ": .*" + pattern) as exc:
            melforge.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert exc.value.path == str(path)
    assert peak < 64 << 20, f"{peak / 2**20:.0f} MiB allocated for a small file"
    # no raw decoder exception escapes: the cause is kept, the error is ours
    assert isinstance(exc.value, AudioError)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_stream_and_file_object(tmp_path, name):
    build, cls, _ = BAD_FILES[name]
    data = build(tmp_path)
    path = _make(tmp_path, name, data)
    with pytest.raises(cls, match=re.escape(str(path))):
        for _ in melforge.stream(path, block_length=4, frame_length=512, hop_length=256):
            pass
    with open(path, "rb") as fh, pytest.raises(cls, match=re.escape(str(path))):
        melforge.load(fh)


def test_nan_and_inf_in_float_wav(tmp_path):
    y = _tone(0.1)
    y[[3, 50, 51]] = [np.nan, np.inf, -np.inf]
    path = tmp_path / "nan.wav"
    sf.write(path, y, SR, subtype="FLOAT")
    msg = re.escape(str(path)) + r": 3 of 1600 samples are NaN or infinite"
    with pytest.raises(CorruptAudioError, match=msg):
        melforge.load(path)
    with pytest.raises(CorruptAudioError, match=r"NaN or infinite"):
        list(melforge.stream(path, block_length=2, frame_length=256, hop_length=128))
    # the header is still readable: info describes the file without decoding it
    assert melforge.info(path).frames == 1600


def test_missing_file(tmp_path):
    path = tmp_path / "nope.wav"
    for call in (melforge.load, melforge.info, melforge.get_samplerate):
        with pytest.raises(AudioFileNotFoundError, match=re.escape(str(path)) + ": no such file"):
            call(path)
    with pytest.raises(FileNotFoundError):  # stdlib base kept
        melforge.load(str(path))


def test_directory(tmp_path):
    d = tmp_path / "folder.wav"
    d.mkdir()
    with pytest.raises(UnreadableFileError, match=re.escape(str(d)) + ": is a directory"):
        melforge.load(d)
    with pytest.raises(OSError, match="is a directory"):
        melforge.info(d)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path):
    path = tmp_path / "locked.wav"
    sf.write(path, _tone(0.1), SR)
    path.chmod(0)
    with pytest.raises(UnreadableFileError, match="permission denied"):
        melforge.load(path)


def test_zero_frame_info_is_fine(tmp_path):
    path = tmp_path / "z.wav"
    sf.write(path, np.zeros(0, np.float32), SR)
    i = melforge.info(path)
    assert (i.frames, i.duration) == (0, 0.0)


def test_video_without_audio_is_unsupported(tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "silent_film.mkv"
    with av.open(str(path), "w", format="matroska") as c:
        s = c.add_stream("ffv1", rate=1)
        s.width, s.height, s.pix_fmt = 16, 16, "yuv420p"
        for i in range(2):
            f = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
            f.pts = i
            for pkt in s.encode(f):
                c.mux(pkt)
        for pkt in s.encode(None):
            c.mux(pkt)
    pattern = re.escape(str(path)) + ": the file has no audio"
    with pytest.raises(UnsupportedFormatError, match=pattern):
        melforge.load(path)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"sr": 0}, r"sr=0 must be a positive sample rate in Hz"),
        ({"sr": -8000}, r"sr=-8000 must be a positive sample rate in Hz"),
        ({"sr": float("nan")}, r"sr=nan must be a positive sample rate"),
        ({"offset": -1.0}, r"offset=-1.0 must be a finite number >= 0"),
        ({"duration": -0.5}, r"duration=-0.5 must be a finite number >= 0"),
        ({"dtype": np.int16}, r"dtype=int16 must be a floating-point dtype"),
        ({"dtype": np.float16}, r"dtype=float16 must be a floating-point dtype \(float32 or"),
        ({"res_type": "kaiser_best"}, r"res_type='kaiser_best' is not supported \(librosa "),
        ({"res_type": "bogus"}, r"res_type='bogus' is not supported; choose one of soxr_vhq"),
    ],
)
def test_load_parameter_errors(tmp_path, kwargs, pattern):
    path = tmp_path / "ok.wav"
    sf.write(path, _tone(0.1), SR)
    with pytest.raises(ParameterError, match=pattern):
        melforge.load(path, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"block_length": 0}, r"block_length=0 must be a positive integer"),
        ({"frame_length": 1.5}, r"frame_length=1.5 must be a positive integer"),
        ({"hop_length": -1}, r"hop_length=-1 must be a positive integer"),
        ({"fill_value": float("nan")}, r"fill_value=nan must be None or a finite number"),
        ({"offset": -2}, r"offset=-2 must be a finite number >= 0"),
    ],
)
def test_stream_parameter_errors(tmp_path, kwargs, pattern):
    path = tmp_path / "ok.wav"
    sf.write(path, _tone(0.1), SR)
    args = {"block_length": 2, "frame_length": 256, "hop_length": 128, **kwargs}
    with pytest.raises(ParameterError, match=pattern):
        melforge.stream(path, **args)  # raised at the call, not at the first next()


@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"orig_sr": 0, "target_sr": 8000}, ParameterError, r"orig_sr=0 must be a positive"),
        ({"orig_sr": 8000, "target_sr": -1}, ParameterError, r"target_sr=-1 must be a positive"),
        ({"orig_sr": 8000.5, "target_sr": 16000, "res_type": "polyphase"}, ParameterError,
         r"res_type='polyphase' needs integer sample rates"),
        ({"orig_sr": 8000, "target_sr": 16000, "res_type": "linear"}, ParameterError,
         r"res_type='linear' is not supported \(librosa implements it with the samplerate"),
        ({"orig_sr": 8000, "target_sr": 16000, "foo": 1}, TypeError,
         r"unexpected keyword argument 'foo'"),
        ({"orig_sr": 8000, "target_sr": 16000, "axis": 3}, ParameterError,
         r"axis=3 is out of range"),
    ],
)
def test_resample_errors(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        melforge.resample(np.zeros(100, np.float32), **kwargs)


def test_resample_rejects_bad_arrays():
    with pytest.raises(ParameterError, match=r"y contains 1 non-finite value"):
        melforge.resample(np.array([0.0, np.nan]), orig_sr=2, target_sr=1)
    with pytest.raises(ParameterError, match=r"y must be floating-point audio, got dtype=int16"):
        melforge.resample(np.zeros(4, np.int16), orig_sr=2, target_sr=1)


def test_save_errors(tmp_path):
    y = _tone(0.1)
    with pytest.raises(UnsupportedFormatError, match=r"x\.xyz: cannot write 'XYZ'"):
        melforge.save(tmp_path / "x.xyz", y, SR)
    with pytest.raises(ParameterError, match=r"subtype='VORBIS' is not valid for WAV files"):
        melforge.save(tmp_path / "x.wav", y, SR, subtype="VORBIS")
    with pytest.raises(ParameterError, match=r"sr=0 must be a positive integer sample rate"):
        melforge.save(tmp_path / "x.wav", y, 0)
    with pytest.raises(ParameterError, match=r"y contains 1 non-finite"):
        melforge.save(tmp_path / "x.wav", np.array([np.nan], np.float32), SR)
    with pytest.raises(ParameterError, match=r"y must have shape \(n,\) or \(channels, n\)"):
        melforge.save(tmp_path / "x.wav", np.zeros((1, 2, 3), np.float32), SR)
    with pytest.raises(ParameterError, match=r"y.shape=\(1000, 2\) reads as 1000 channels of 2 "):
        melforge.save(tmp_path / "x.wav", np.zeros((1000, 2), np.float32), SR)  # (n, ch)
    with pytest.raises(UnreadableFileError, match=r"the directory does not exist"):
        melforge.save(tmp_path / "no" / "x.wav", y, SR)
    with pytest.raises(UnsupportedFormatError, match=r"libsndfile cannot write OGG/OPUS"):
        melforge.save(tmp_path / "x.opus", y, 44100)


def test_pcm_errors():
    with pytest.raises(ParameterError, match=r"bit_depth=12 must be one of 8, 16, 24, 32"):
        melforge.to_int(np.zeros(3, np.float32), 12)
    with pytest.raises(ParameterError, match=r"bit_depth=1 must be an integer in \[2, 32\]"):
        melforge.quantize(np.zeros(3, np.float32), 1)
    with pytest.raises(ParameterError, match=r"dither='rect' must be None or 'tpdf'"):
        melforge.quantize(np.zeros(3, np.float32), 8, dither="rect")
    with pytest.raises(ParameterError, match=r"x must be an integer numpy array, got float32"):
        melforge.to_float(np.zeros(3, np.float32))
    with pytest.raises(ParameterError, match=r"bit_depth=24 does not fit in x.dtype=int16"):
        melforge.to_float(np.zeros(3, np.int16), 24)


def test_path_type_errors():
    pattern = r"path must be a str, os.PathLike, binary file object, soundfile.SoundFile or"
    with pytest.raises(ParameterError, match=pattern + r" file descriptor, got float"):
        melforge.load(12.5)
    with pytest.raises(ParameterError, match=r"text-mode file object"):
        melforge.load(io.StringIO("RIFF...."))


def test_get_duration_needs_input():
    with pytest.raises(ParameterError, match=r"At least one of \(y, sr\), S, or path"):
        melforge.get_duration()


def test_soundfile_object_and_descriptor_errors(tmp_path):
    path = tmp_path / "ok.wav"
    sf.write(path, _tone(0.1), SR)
    closed = sf.SoundFile(path)
    closed.close()
    with pytest.raises(UnreadableFileError, match=re.escape(str(path)) + r": the soundfile\."):
        melforge.load(closed)
    with sf.SoundFile(tmp_path / "w.wav", "w", samplerate=SR, channels=1) as w:
        with pytest.raises(ParameterError, match=r"w\.wav: the soundfile.SoundFile is open for "):
            melforge.load(w)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        with pytest.raises(UnreadableFileError, match=re.escape(str(tmp_path)) + ": is a dir"):
            melforge.load(fd)
    finally:
        os.close(fd)
    (tmp_path / "empty.wav").write_bytes(b"")
    fd = os.open(tmp_path / "empty.wav", os.O_RDONLY)
    try:
        with pytest.raises(CorruptAudioError, match=r"empty\.wav: empty file \(0 bytes\)"):
            melforge.load(fd)
    finally:
        os.close(fd)
    with pytest.raises(ParameterError, match=r"give path= only; filename= is its deprecated"):
        melforge.get_duration(path=path, filename=path)


@pytest.mark.parametrize(("ext", "codec"), [("flac", None), ("webm", "libopus")])
def test_decoded_size_is_capped(tmp_path, monkeypatch, ext, codec):
    """A small file that decodes to more than MAX_DECODED_BYTES raises, naming the file.

    10 s of silence: FLAC (header count: refused before decoding) and WebM/Opus (no
    count: refused once decoding passes the limit, ~1 chunk later at most).
    """
    from melforge.io import reading
    from melforge.io._ffmpeg import encode

    sr = 48000
    path = tmp_path / f"silence.{ext}"
    if codec is None:
        sf.write(path, np.zeros(10 * sr, np.float32), sr)
    else:
        encode(path, np.zeros(10 * sr, np.float32), sr, codec=codec, format=ext)
    monkeypatch.setattr(reading, "MAX_DECODED_BYTES", 1 << 20)  # 1 MiB; the file needs 1.8
    pattern = re.escape(str(path)) + r": loading needs "
    pattern += r"1.83\d* MiB \(the header's length" if codec is None else r"1 MiB \(the audio decoded so far"  # noqa: E501
    pattern += r".*but melforge.io.reading.MAX_DECODED_BYTES allows 1 MiB"
    with pytest.raises(reading.AudioTooLargeError, match=pattern) as exc:
        melforge.load(path, sr=None)
    assert isinstance(exc.value, AudioError) and isinstance(exc.value, MemoryError)
    y, _ = melforge.load(path, sr=None, offset=2.0, duration=5.0)  # a part fits
    assert y.shape == (5 * sr,)
    blocks = melforge.stream(path, block_length=64, frame_length=2048, hop_length=2048)
    assert sum(b.size for b in blocks) >= 10 * sr  # stream is not limited
