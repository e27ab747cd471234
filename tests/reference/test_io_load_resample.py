"""melforge.load / melforge.resample against librosa 0.11 (the oracle, test-only).

Tolerances: load and soxr resampling must be bit-identical (max abs diff 0.0), because
they make the same libsndfile and soxr calls; scipy-based resampling ("polyphase",
"fft") within 1e-6 of the signal's peak (in practice also 0.0).
"""

from __future__ import annotations

import io
import itertools
import warnings

import numpy as np
import pytest
import soundfile as sf

import melforge

librosa = pytest.importorskip("librosa")


def _signal(sr: int, seconds: float, channels: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    rows = []
    for c in range(channels):
        chirp = np.sin(2 * np.pi * (100 * t + 2000 * t**2 / seconds))
        rows.append(0.4 * chirp + 0.1 * rng.standard_normal(t.size) + 0.05 * (c + 1))
    return np.array(rows).squeeze()


FILES = {
    # name: (sr, channels, format, subtype)
    "stereo44k.wav": (44100, 2, "WAV", "PCM_16"),
    "mono48k.flac": (48000, 1, "FLAC", "PCM_24"),
    "stereo22k_float.wav": (22050, 2, "WAV", "FLOAT"),
    "mono16k.ogg": (16000, 1, "OGG", "VORBIS"),
    "stereo32k.mp3": (32000, 2, "MP3", "MPEG_LAYER_III"),
    "tri8k.wav": (8000, 3, "WAV", "PCM_U8"),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ref_io")
    out = {}
    for i, (name, (sr, ch, fmt, subtype)) in enumerate(FILES.items()):
        y = _signal(sr, 0.8, ch, seed=i)
        sf.write(d / name, y.T, sr, format=fmt, subtype=subtype)
        out[name] = d / name
    return out


def _librosa_load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return librosa.load(path, **kw)


LOAD_ARGS = [
    {},
    {"sr": None},
    {"sr": None, "mono": False},
    {"sr": 16000},
    {"sr": 44100, "mono": False},
    {"sr": 22050, "offset": 0.1, "duration": 0.33},
    {"sr": None, "offset": 0.25},
    {"sr": 8000, "duration": 0.5, "res_type": "polyphase"},
    {"sr": 12345, "res_type": "soxr_vhq"},
    {"sr": 11025, "res_type": "soxr_lq", "mono": False},
    {"sr": 16000, "res_type": "fft"},
    {"sr": 24000, "dtype": np.float64},
]


@pytest.mark.parametrize(("name", "kw"), list(itertools.product(FILES, LOAD_ARGS)))
def test_load_matches_librosa(files, name, kw):
    ours, sr_ours = melforge.load(files[name], **kw)
    ref, sr_ref = _librosa_load(files[name], **kw)
    assert sr_ours == sr_ref
    assert ours.shape == ref.shape and ours.dtype == ref.dtype
    tol = 1e-6 * max(np.abs(ref).max(), 1e-12) if kw.get("res_type") == "fft" else 0.0
    # max abs difference: 0.0 (same decoder, same mean, same soxr/scipy call)
    assert np.abs(ours - ref).max(initial=0.0) <= tol


@pytest.mark.parametrize("name", ["stereo44k.wav", "stereo32k.mp3", "mono48k.flac"])
def test_load_file_object_matches_librosa(files, name):
    data = files[name].read_bytes()
    ours, _ = melforge.load(io.BytesIO(data), sr=16000, offset=0.2, duration=0.4)
    ref, _ = _librosa_load(io.BytesIO(data), sr=16000, offset=0.2, duration=0.4)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() == 0.0


def test_get_duration_and_samplerate_match_librosa(files):
    for path in files.values():
        assert melforge.get_duration(path=path) == librosa.get_duration(path=path)
        assert melforge.get_samplerate(path) == librosa.get_samplerate(path)
    y = np.zeros(12345, np.float32)
    S = np.zeros((1025, 37), np.float32)
    assert melforge.get_duration(y=y, sr=8000) == librosa.get_duration(y=y, sr=8000)
    for center in (True, False):
        assert melforge.get_duration(S=S, sr=16000, hop_length=256, center=center) == (
            librosa.get_duration(S=S, sr=16000, hop_length=256, center=center)
        )


RATES = [(44100, 16000), (48000, 22050), (16000, 44100), (22050, 8000), (8000, 8001)]
RES_TYPES = ["soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq", "polyphase", "fft", "scipy"]


@pytest.mark.parametrize(("rates", "res_type"), list(itertools.product(RATES, RES_TYPES)))
@pytest.mark.parametrize("shape", [(1000,), (2, 999), (3, 2, 517)])
def test_resample_matches_librosa(rates, res_type, shape):
    orig, target = rates
    rng = np.random.default_rng(orig + target)
    y = rng.standard_normal(shape).astype(np.float32)
    ours = melforge.resample(y, orig_sr=orig, target_sr=target, res_type=res_type)
    ref = librosa.resample(y, orig_sr=orig, target_sr=target, res_type=res_type)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype == np.float32
    tol = 0.0 if res_type.startswith("soxr") else 1e-6 * np.abs(ref).max()
    assert np.abs(ours - ref).max() <= tol


@pytest.mark.parametrize(
    "kw",
    [
        {"fix": False},
        {"scale": True},
        {"axis": 0},
        {"fix": True, "mode": "edge"},
        {"res_type": "polyphase", "axis": 0, "scale": True},
    ],
)
def test_resample_options_match_librosa(kw):
    y = np.random.default_rng(3).standard_normal((777, 2))
    args = {"orig_sr": 44100, "target_sr": 16000, **kw}
    if "axis" not in kw:
        y = np.ascontiguousarray(y.T)
    ours = melforge.resample(y, **args)
    ref = librosa.resample(y, **args)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype == np.float64
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_resample_identity_returns_input():
    y = np.ones(10, np.float32)
    assert melforge.resample(y, orig_sr=16000, target_sr=16000) is y
    assert librosa.resample(y, orig_sr=16000, target_sr=16000) is y


def test_resample_float_rates():
    y = np.random.default_rng(4).standard_normal(3000).astype(np.float32)
    ours = melforge.resample(y, orig_sr=44100.0, target_sr=22050.5)
    ref = librosa.resample(y, orig_sr=44100.0, target_sr=22050.5)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() == 0.0


@pytest.mark.parametrize("name", ["stereo44k.wav", "mono48k.flac", "tri8k.wav"])
@pytest.mark.parametrize(
    "kw",
    [
        {"block_length": 4, "frame_length": 2048, "hop_length": 512},
        {"block_length": 1, "frame_length": 1000, "hop_length": 1000, "mono": False},
        {"block_length": 3, "frame_length": 512, "hop_length": 128, "offset": 0.11,
         "duration": 0.4, "fill_value": 0.0},
    ],
)
def test_stream_matches_librosa(files, name, kw):
    ours = list(melforge.stream(files[name], **kw))
    ref = list(librosa.stream(files[name], **kw))
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert np.abs(a - b).max() == 0.0
