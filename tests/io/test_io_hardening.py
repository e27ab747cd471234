"""Hostile headers through the real entry points: lying lengths, placeholder sizes, memory.

Each file is generated here from a valid one with one header field patched.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import soundfile as sf

import melforge
from melforge import AudioError, CorruptAudioError
from melforge.io import AudioTooLargeError

pytestmark = pytest.mark.timeout(120)

SR = 22050


def _noise(seconds: float, channels: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.3 * rng.standard_normal((int(SR * seconds), channels))).astype(np.float32)


def _all_entry_points(path) -> tuple[int, np.ndarray, int]:
    """(info frames, load at the native rate, frames streamed) for one file."""
    frames = melforge.info(path).frames
    y, _ = melforge.load(path, sr=None, mono=False)
    streamed = sum(
        b.shape[-1]
        for b in melforge.stream(path, block_length=8, frame_length=4096, hop_length=4096)
    )
    return frames, y, streamed


# ---------------------------------------------------------------- MP3 whose tag lies


def _mp3_with_xing_frames(tmp_path, value: int):
    good = tmp_path / "good.mp3"
    sf.write(good, _noise(2.0), SR, format="MP3")
    raw = bytearray(good.read_bytes())
    i = raw.find(b"Xing")
    assert i > 0 and raw[i + 7] & 1  # the frames field is present
    raw[i + 8 : i + 12] = struct.pack(">I", value)
    path = tmp_path / f"xing_{value}.mp3"
    path.write_bytes(bytes(raw))
    return good, path


@pytest.mark.parametrize("claimed", [0, 1, 2, 3])
def test_mp3_tag_claiming_too_few_frames_decodes_the_real_stream(tmp_path, claimed):
    """libsndfile believes the tag (0 frames, 6405, "unknown", or refuses the file);
    melforge decodes the whole stream instead of returning a short or empty array."""
    good, path = _mp3_with_xing_frames(tmp_path, claimed)
    ref, _ = melforge.load(good, sr=None)
    frames, y, streamed = _all_entry_points(path)
    assert y.dtype == np.float32 and np.isfinite(y).all()
    # FFmpeg decodes it (the tag's gapless trim is unusable): within 2 MPEG frames
    assert abs(y.shape[-1] - ref.shape[-1]) <= 2 * 1152, (y.shape, ref.shape)
    assert frames == y.shape[-1] == streamed


def test_mp3_tag_claiming_too_many_frames_raises(tmp_path):
    _, path = _mp3_with_xing_frames(tmp_path, 0xFFFFFFFF)
    pattern = (
        re.escape(str(path)) + r": .*the MP3 header \(Xing/Info tag\) declares \d+ (frames|samples)"
    )
    for call in (
        lambda: melforge.info(path),
        lambda: melforge.load(path),
        lambda: list(melforge.stream(path, block_length=2, frame_length=512, hop_length=512)),
    ):
        with pytest.raises(CorruptAudioError, match=pattern):
            call()


# ---------------------------------------------------------------- WAV placeholder sizes


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_U8", "FLOAT", "PCM_24"])
@pytest.mark.parametrize("placeholder", [0, 0xFFFFFFFF])
def test_wav_placeholder_size_reads_to_the_end(tmp_path, subtype, placeholder):
    """libsndfile reads a data size of 0 as 0 frames; melforge reads to the end of the file."""
    good = tmp_path / "good.wav"
    sf.write(good, _noise(0.5, 2), SR, subtype=subtype)
    raw = bytearray(good.read_bytes())
    i = raw.find(b"data")
    raw[i + 4 : i + 8] = struct.pack("<I", placeholder)
    raw[4:8] = struct.pack("<I", placeholder)  # the RIFF size too, as recorders leave it
    path = tmp_path / "streamed.wav"
    path.write_bytes(bytes(raw))
    ref, _ = melforge.load(good, sr=None, mono=False)
    frames, y, streamed = _all_entry_points(path)
    np.testing.assert_array_equal(y, ref)
    assert frames == streamed == ref.shape[-1]


def test_wav_placeholder_beyond_2_31_frames(tmp_path, monkeypatch):
    """A sparse 4 GiB 8-bit WAV with the 0xFFFFFFFF placeholder holds 2**32 + 8192 frames:
    libsndfile stops at the 32-bit size (2**32 - 1); info counts them all, stream and load
    reach the true end, and a whole load is refused by the memory guard instead of being
    cut short."""
    path = tmp_path / "long.wav"
    rate, n = 8000, 2**32 + 8192
    tail = (np.arange(4096) % 200 + 28).astype(np.uint8)  # recognizable last samples
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 0xFFFFFFFF, b"WAVE", b"fmt ", 16,
                         1, 1, rate, rate, 1, 8, b"data", 0xFFFFFFFF)  # fmt: skip
    with open(path, "wb") as fh:
        fh.write(header)
        fh.truncate(len(header) + n - len(tail))
        fh.seek(0, 2)
        fh.write(tail.tobytes())
    assert melforge.info(path).frames == n
    with sf.SoundFile(path) as f:  # what libsndfile alone says
        assert f.frames == 2**32 - 1
    start = (n - 8192) / rate
    y, _ = melforge.load(path, sr=None, offset=start, duration=2.0)
    assert y.shape == (8192,)
    np.testing.assert_array_equal(y[-4096:], (tail.astype(np.float32) - 128) / 128)
    blocks = list(melforge.stream(path, block_length=1, frame_length=1024, hop_length=1024,
                                  offset=start))  # fmt: skip
    assert sum(b.size for b in blocks) == 8192
    np.testing.assert_array_equal(np.concatenate(blocks), y)
    from melforge.io import reading

    monkeypatch.setattr(reading, "MAX_DECODED_BYTES", 8 << 30)
    with pytest.raises(AudioTooLargeError, match=re.escape(str(path)) + r": loading needs 16"):
        melforge.load(path, sr=None)


# ---------------------------------------------------------------- memory guard


def _one_hz_flac(tmp_path, seconds_at_22k: float = 4.0):
    """A valid FLAC whose STREAMINFO rate field is patched to 1 Hz."""
    path = tmp_path / "one_hz.flac"
    sf.write(path, _noise(seconds_at_22k), SR, subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    # STREAMINFO body at 8; sample rate: 20 bits from byte 18
    raw[18] = 0
    raw[19] = 0
    raw[20] = (raw[20] & 0x0F) | (1 << 4)
    path.write_bytes(bytes(raw))
    assert melforge.info(path).samplerate == 1
    return path


def test_memory_guard_counts_the_resampled_output(tmp_path, monkeypatch):
    """88200 frames at 1 Hz are 344 KiB decoded but 7.2 GiB resampled to 22050 Hz."""
    from melforge.io import reading

    path = _one_hz_flac(tmp_path)
    monkeypatch.setattr(reading, "MAX_DECODED_BYTES", 2 << 30)
    pattern = (re.escape(str(path)) + r": loading needs 7.2\d* GiB .*counted after down-mixing "
               r"and resampling.* but melforge.io.reading.MAX_DECODED_BYTES allows 2 GiB")  # fmt: skip  # noqa: E501
    with pytest.raises(AudioTooLargeError, match=pattern):
        melforge.load(path)  # sr=22050
    y, sr = melforge.load(path, sr=None)  # the native rate fits
    assert sr == 1 and y.shape == (4 * SR,)
    # float64 counts twice as much as float32; stereo without mono twice the mono size
    assert reading.bytes_per_frame(1, 1, 4, target_sr=22050, mono=True) == 4 * 22051
    assert reading.bytes_per_frame(2, 100, 8, target_sr=None, mono=False) == 32


def test_memory_guard_reads_rlimit_as(tmp_path):
    """Under RLIMIT_AS the guard refuses before decoding and names that limit."""
    path = _one_hz_flac(tmp_path)
    code = textwrap.dedent(f"""
        import resource, melforge
        from melforge.io import AudioTooLargeError
        from melforge.io.reading import memory_limit
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        room, why = memory_limit()
        assert why.startswith("RLIMIT_AS (3 GiB"), why
        try:
            melforge.load({str(path)!r})
        except AudioTooLargeError as e:
            print(e)
        else:
            raise SystemExit("no AudioTooLargeError")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert re.match(re.escape(str(path)) + r": loading needs 7.2\d* GiB .* but RLIMIT_AS "
                    r"\(3 GiB, [\d.]+ GiB mapped\) allows [\d.]+ [MG]iB", out.stdout), out.stdout  # fmt: skip  # noqa: E501


def test_featurize_workers_use_the_same_guard(tmp_path):
    """featurize loads each file with melforge.load: the 1 Hz file becomes an error row."""

    folder = tmp_path / "in"
    folder.mkdir()
    path = _one_hz_flac(folder, 60.0)  # 1.3M frames at 1 Hz: 12 GiB at 16 kHz
    sf.write(folder / "ok.wav", _noise(1.0), SR)
    out = tmp_path / "out"
    code = ("import resource, melforge; "
            "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)); "
            f"melforge.featurize({str(folder)!r}, {str(out)!r}, preset='whisper-80', workers=1)")  # fmt: skip  # noqa: E501
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = (out / "_errors.jsonl").read_text().splitlines()
    errors = [json.loads(line) for line in lines if line.strip()]
    assert len(errors) == 1, errors
    text = " ".join(str(v) for v in errors[0].values())
    assert "AudioTooLargeError" in text and str(path) in text and "loading needs" in text


# ---------------------------------------------------------------- one error contract


def test_stream_and_info_wrap_a_raw_decoder_exception_as_load_does(tmp_path, monkeypatch):
    """Fault injection: FFmpeg's sample conversion raising ValueError mid-file."""
    from melforge.io import _ffmpeg

    path = tmp_path / "clip.m4a"
    _ffmpeg.encode(path, _noise(1.0)[:, 0], SR, codec="aac", format="mp4")

    def broken(frame):
        raise ValueError("cannot convert sample format 'xyz'")

    monkeypatch.setattr(_ffmpeg.AvReader, "_frame_array", staticmethod(broken))
    pattern = re.escape(str(path)) + r": decoding failed: ValueError: cannot convert sample format"
    with pytest.raises(CorruptAudioError, match=pattern):
        melforge.load(path)
    with pytest.raises(CorruptAudioError, match=pattern):
        list(melforge.stream(path, block_length=2, frame_length=1024, hop_length=512))
    assert melforge.info(path).frames > 0  # the header alone is fine


def test_info_wraps_decoder_errors(tmp_path):
    """An MP3 whose tag says "2 frames": libsndfile calls the length unknown and its
    seek used to leak soundfile's "Seek attempted on unseekable file type" from info."""
    _, path = _mp3_with_xing_frames(tmp_path, 2)
    assert melforge.info(path).frames > 40000


@pytest.mark.parametrize(
    ("field", "value", "pattern"),
    [
        ("rate", b"\x7f\xff\x80" + bytes(7), r"sample rate of inf Hz"),
        ("rate", b"\x7f\xff\xc0" + bytes(7), r"sample rate of nan Hz"),
        ("rate", b"\x7f\xfe\xff" + bytes(7), r"sample rate of inf Hz"),  # 2**16383: too big
        ("rate", bytes(9) + b"\x01", r"sample rate of 0 Hz"),  # the smallest denormal
        ("channels", b"\x00\x00", r"channels=0; a channel count must be between 1 and 1024"),
        ("channels", b"\xff\xff", r"channels=65535"),
    ],
)
def test_aiff_header_fields_at_extremes(tmp_path, field, value, pattern):
    good = tmp_path / "good.aiff"
    sf.write(good, _noise(0.2), SR)
    raw = bytearray(good.read_bytes())
    body = raw.find(b"COMM") + 8
    at = body + 8 if field == "rate" else body
    raw[at : at + len(value)] = value
    path = tmp_path / "bad.aiff"
    path.write_bytes(bytes(raw))
    for call in (melforge.info, melforge.load, lambda p: next(melforge.stream(
            p, block_length=1, frame_length=64, hop_length=64))):  # fmt: skip
        with pytest.raises(
            CorruptAudioError, match=re.escape(str(path)) + ": AIFF header declares .*" + pattern
        ):
            call(path)


@pytest.mark.parametrize(("channels", "rate"), [(0, 22050), (2000, 22050), (1, 0), (1, 2**32 - 1)])
def test_wav_header_fields_at_extremes(tmp_path, channels, rate):
    good = tmp_path / "good.wav"
    sf.write(good, _noise(0.2), SR)
    raw = bytearray(good.read_bytes())
    body = raw.find(b"fmt ") + 8
    raw[body + 2 : body + 8] = struct.pack("<HI", channels, rate)
    path = tmp_path / "bad.wav"
    path.write_bytes(bytes(raw))
    for call in (melforge.info, melforge.load):
        with pytest.raises(
            CorruptAudioError, match=re.escape(str(path)) + ": WAV header declares"
        ) as e:
            call(path)
        assert isinstance(e.value, AudioError) and e.value.path == str(path)


@pytest.mark.parametrize(("rate", "seconds"), [(16000, 2.1), (22050, 2.1), (8000, 0.3)])
def test_mp3_without_a_tag_is_read_to_its_end(tmp_path, rate, seconds):
    """Without a Xing/Info tag libsndfile estimates the length from the bit rate and stops
    decoding there (16 kHz, 2.1 s: 33048 of 35712 samples); melforge counts the MPEG
    frames, and info, load and stream agree on all of them."""
    x = 0.2 * np.random.default_rng(0).standard_normal((int(rate * seconds), 2))
    path = tmp_path / "untagged.mp3"
    sf.write(path, x, rate, format="MP3")
    raw = bytearray(path.read_bytes())
    i = raw.find(b"Xing")
    raw[i : i + 4] = b"Xxxx"  # no tag: no exact count, no gapless trim
    path.write_bytes(bytes(raw))
    spf = 1152 if rate >= 32000 else 576
    frames, y, streamed = _all_entry_points(path)
    assert frames == y.shape[-1] == streamed
    assert y.shape[-1] % spf == 0 and y.shape[-1] >= len(x)  # whole MPEG frames, none lost
