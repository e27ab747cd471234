"""to_mono's fast channel sum gives np.mean's exact bits (librosa's down-mix), load and stream too.

``melforge.to_mono`` adds the channel rows of a float ``(channels, n)`` array in order
instead of calling ``np.mean`` (9x faster on an interleaved decode buffer); these tests
hold it to the bits of ``np.mean``, signed zeros included, on every layout it may meet.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import soundfile as sf

import melforge

SPECIAL = [0.0, -0.0, 1.0, -1.0, 3e-38, -7e-39, 1e38, -1e38, 0.1, 1 / 3]


def _bits(x: np.ndarray) -> np.ndarray:
    """The raw bytes of ``x`` as unsigned integers: equality here is bit-identity."""
    return np.ascontiguousarray(x).view(np.uint8)


def _layouts(interleaved: np.ndarray) -> list[np.ndarray]:
    """(channels, n) views: transposed decode buffer, C order, F order, strided."""
    y = interleaved.T
    return [y, np.ascontiguousarray(y), np.asfortranarray(y), np.repeat(y, 2, axis=1)[:, ::2]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels", [2, 3, 4])
def test_to_mono_special_values_bit_identical(dtype, channels):
    combos = np.array(list(itertools.product(SPECIAL, repeat=channels)), dtype=dtype)
    for y in _layouts(combos):
        with np.errstate(over="ignore"):  # 1e38 + 1e38 overflows float32 in both
            got, want = melforge.to_mono(y), np.mean(y, axis=0)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(_bits(got), _bits(want))  # tolerance: bit-identical


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 2, 3, 5, 6, 7, 8, 9, 12])
def test_to_mono_random_bit_identical(dtype, channels):
    rng = np.random.default_rng(channels)
    n = 50_001
    scale = rng.choice([1e-6, 1e-3, 1.0, 1e3], size=(n, channels))
    buf = (rng.standard_normal((n, channels)) * scale).astype(dtype)
    buf[rng.random(buf.shape) < 0.05] = 0.0
    buf[rng.random(buf.shape) < 0.05] = -0.0
    buf[: n // 10] = -0.0  # whole columns of -0.0 (mean: +0.0)
    for y in _layouts(buf):
        got, want = melforge.to_mono(y), np.mean(y, axis=0)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(_bits(got), _bits(want))  # tolerance: bit-identical


def test_to_mono_other_shapes_match_mean():
    rng = np.random.default_rng(1)
    y3 = rng.standard_normal((2, 3, 1000)).astype(np.float32)
    np.testing.assert_array_equal(melforge.to_mono(y3), np.mean(y3, axis=(0, 1)))
    yi = rng.integers(-100, 100, size=(2, 1000), dtype=np.int16)
    np.testing.assert_array_equal(melforge.to_mono(yi), np.mean(yi, axis=0))
    yb = rng.standard_normal((2, 1000)).astype(">f4")
    np.testing.assert_array_equal(melforge.to_mono(yb), np.mean(yb, axis=0))
    y1 = rng.standard_normal(1000).astype(np.float32)
    assert melforge.to_mono(y1) is y1


@pytest.mark.parametrize("channels", [2, 6])
def test_load_and_stream_mono_bit_identical_to_mean(tmp_path, channels):
    rng = np.random.default_rng(channels)
    data = (0.3 * rng.standard_normal((12_345, channels))).astype(np.float32)
    data[:100] = -0.0
    path = tmp_path / "multi.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    decoded, _ = sf.read(path, dtype="float32", always_2d=True)
    want = np.mean(decoded.T, axis=0)  # librosa.to_mono on librosa's (channels, n) view
    got, _ = melforge.load(path, sr=None)
    np.testing.assert_array_equal(_bits(got), _bits(want))  # tolerance: bit-identical
    blocks = list(melforge.stream(path, block_length=3, frame_length=512, hop_length=256))
    assert len(blocks) > 2
    for k, block in enumerate(blocks):  # block k starts at frame 3 * k (blocks overlap)
        start = 3 * k * 256
        np.testing.assert_array_equal(_bits(block), _bits(want[start : start + block.size]))
