"""save() round trips and its clipping rules; to_int / to_float / quantize."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import soundfile as sf

import melforge

#: Set when tests/io/test_io_private_paths.py reruns this module without soundfile's
#: private handles: MP3 and unknown-length files then decode with FFmpeg.
PUBLIC_SF = "soundfile" in os.environ.get("MELFORGE_TEST_PUBLIC_FALLBACK", "")


SR = 16000


def _sine(n: int = 4000, amp: float = 0.5, channels: int = 1) -> np.ndarray:
    t = np.arange(n) / SR
    y = np.array([amp * np.sin(2 * np.pi * (440 + 100 * c) * t) for c in range(channels)])
    return y.squeeze().astype(np.float32)


@pytest.mark.parametrize(
    ("subtype", "bits"),
    [("PCM_U8", 8), ("PCM_S8", 8), ("PCM_16", 16), ("PCM_24", 24), ("PCM_32", 32)],
)
def test_save_integer_subtypes_store_quantize_levels(tmp_path, subtype, bits):
    y = _sine(channels=2)
    ext = "aiff" if subtype == "PCM_S8" else "wav"
    path = tmp_path / f"x.{ext}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no clipping, no warning
        melforge.save(path, y, SR, subtype=subtype)
    back, sr = melforge.load(path, sr=None, mono=False, dtype=np.float64)
    assert sr == SR and back.shape == y.shape
    np.testing.assert_array_equal(back, melforge.quantize(y.astype(np.float64), bits))
    assert melforge.info(path).bit_depth == bits


def test_save_default_subtypes_and_formats(tmp_path):
    if PUBLIC_SF:
        pytest.skip("without soundfile's private handles MP3 decodes with FFmpeg (subtype mp3float)")  # noqa: E501
    y = _sine()
    for ext, fmt, subtype in [
        ("wav", "WAV", "PCM_16"),
        ("flac", "FLAC", "PCM_16"),
        ("ogg", "OGG", "VORBIS"),
        ("mp3", "MP3", "MPEG_LAYER_III"),
    ]:
        path = tmp_path / f"x.{ext}"
        melforge.save(path, y, SR)
        i = melforge.info(path)
        assert (i.format, i.subtype, i.samplerate, i.channels) == (fmt, subtype, SR, 1)
        back, _ = melforge.load(path, sr=None)
        assert abs(back.shape[0] - y.shape[0]) <= 1152


def test_save_clips_integer_subtypes_with_a_counted_warning(tmp_path):
    y = np.array([0.0, 0.5, 1.0, 1.5, -1.0, -2.0, 0.99999], dtype=np.float32)
    path = tmp_path / "loud.wav"
    pattern = r"4 sample\(s\) beyond the 16-bit range \[-1, 0.999969\] were clipped when "
    with pytest.warns(UserWarning, match=pattern + r"writing PCM_16 to .*loud\.wav"):
        melforge.save(path, y, SR)
    back, _ = sf.read(path, dtype="int16")
    # 1.0, 1.5 and 0.99999 (rounds to 32768) -> 32767, -2.0 -> -32768: saturation, no wrap
    np.testing.assert_array_equal(back, [0, 16384, 32767, 32767, -32768, -32768, 32767])


def test_save_float_keeps_values_above_one(tmp_path):
    y = np.array([0.0, 1.5, -3.25, 0.1], dtype=np.float32)
    path = tmp_path / "hot.wav"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        melforge.save(path, y, SR, subtype="FLOAT")
    back, _ = melforge.load(path, sr=None)
    np.testing.assert_array_equal(back, y)


def test_save_float16_is_written_as_float32(tmp_path):
    y = np.array([0.0, 0.5, -0.25, 1.5], dtype=np.float16)
    for subtype in ("FLOAT", "PCM_16"):
        path = tmp_path / f"half_{subtype}.wav"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 1.5 clips in PCM_16
            melforge.save(path, y, SR, subtype=subtype)
        back, _ = melforge.load(path, sr=None)
        want = y.astype(np.float32) if subtype == "FLOAT" else [0.0, 0.5, -0.25, 32767 / 32768]
        np.testing.assert_array_equal(back, np.asarray(want, np.float32))


def test_save_lossy_warns_above_full_scale(tmp_path):
    y = _sine(amp=1.4)
    with pytest.warns(UserWarning, match=r"peak 1\.400 exceeds 1\.0; VORBIS stores it"):
        melforge.save(tmp_path / "hot.ogg", y, SR)


def test_save_stereo_layout(tmp_path):
    y = _sine(channels=2)
    path = tmp_path / "st.flac"
    melforge.save(path, y.astype(np.float64), SR, subtype="PCM_24")
    raw, _ = sf.read(path, dtype="float64")
    assert raw.shape == (y.shape[1], 2)
    np.testing.assert_array_equal(raw.T, melforge.quantize(y.astype(np.float64), 24))


# -- pcm -------------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [8, 16, 24, 32])
def test_to_int_to_float_round_trip(bits):
    rng = np.random.default_rng(bits)
    hi = 2 ** (bits - 1)
    dtype = {8: np.int8, 16: np.int16, 24: np.int32, 32: np.int32}[bits]
    x = rng.integers(-hi, hi, size=1000, endpoint=False).astype(dtype)
    x[:2] = [-hi, hi - 1]
    y = melforge.to_float(x, bits, dtype=np.float64)
    assert y.min() >= -1.0 and y.max() < 1.0
    np.testing.assert_array_equal(melforge.to_int(y, bits), x)
    assert melforge.to_int(y, bits).dtype == dtype


def test_to_float_matches_libsndfile(tmp_path):
    """Read an integer file as int and as float: to_float maps one onto the other."""
    rng = np.random.default_rng(0)
    for subtype, dt, bits in [("PCM_16", "int16", 16), ("PCM_32", "int32", 32),
                              ("PCM_24", "int32", 32), ("PCM_U8", "int16", 16)]:
        path = tmp_path / f"{subtype}.wav"
        sf.write(path, rng.uniform(-1, 1, 500), SR, subtype=subtype)
        as_int, _ = sf.read(path, dtype=dt)
        for dtype in (np.float32, np.float64):
            as_float, _ = sf.read(path, dtype=np.dtype(dtype).name)
            np.testing.assert_array_equal(melforge.to_float(as_int, bits, dtype=dtype), as_float)
    u8 = np.array([0, 128, 255], dtype=np.uint8)
    np.testing.assert_array_equal(melforge.to_float(u8), [-1.0, 0.0, 127 / 128])


def test_to_int_clips_with_warning():
    with pytest.warns(UserWarning, match=r"2 sample\(s\) outside the 16-bit range were clipped"):
        x = melforge.to_int(np.array([1.0, -1.5, 0.25]), 16)
    np.testing.assert_array_equal(x, [32767, -32768, 8192])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        melforge.to_int(np.array([2.0]), 16, warn=False)


@pytest.mark.parametrize("bits", [6, 8, 12, 16, 20, 24])
def test_quantize_full_scale_sine_snr(bits):
    """SNR of an N-bit quantized full-scale sine is 6.02 N + 1.76 dB (within 0.5 dB)."""
    n = 1 << 16
    amp = 1.0 - 2.0 ** (1 - bits)  # the largest sine that does not clip
    y = amp * np.sin(2 * np.pi * 997.0 / 48000 * np.arange(n) + 0.3)
    q = melforge.quantize(y, bits)
    assert q.dtype == np.float64
    noise = q - y
    snr = 10 * np.log10(np.mean(y**2) / np.mean(noise**2))
    assert abs(snr - (6.02 * bits + 1.76)) < 0.5, f"{bits} bits: {snr:.2f} dB"
    # levels are exactly those of an N-bit integer file
    k = q * 2 ** (bits - 1)
    np.testing.assert_array_equal(k, np.round(k))


def test_quantize_tpdf_dither():
    n = 1 << 15
    y = 0.5 * np.sin(2 * np.pi * 0.0123 * np.arange(n))
    q = melforge.quantize(y, 8, dither="tpdf", seed=1)
    np.testing.assert_array_equal(q, melforge.quantize(y, 8, dither="tpdf", seed=1))
    err = q - y
    lsb = 2.0**-7
    # TPDF dither: total error power = LSB^2/12 (rounding) + LSB^2/6 (dither) = LSB^2/4
    assert np.mean(err**2) == pytest.approx(lsb**2 / 4, rel=0.05)
    assert np.abs(err).max() <= 1.5 * lsb
    # the error is uncorrelated with the signal
    assert abs(np.corrcoef(err, y)[0, 1]) < 0.02


def test_quantize_keeps_dtype_and_shape():
    y = np.random.default_rng(0).uniform(-1, 1, (2, 3, 50)).astype(np.float32)
    q = melforge.quantize(y, 16)
    assert q.dtype == np.float32 and q.shape == y.shape
    assert np.abs(q - y).max() <= 2.0**-16 + 1e-9
