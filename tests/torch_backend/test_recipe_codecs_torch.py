"""Codec and SpeechT5 from_pretrained families on tensors: torch path == numpy path.

EnCodec (24 kHz, MusicGen, Mimi, 48 kHz stereo with its chunk grid), DAC, X-codec and
Dia pad tensor clips in torch on their device; SpeechT5 normalizes ``input_values`` and
computes its ``audio_target`` log-mel with ``run(recipe)`` in torch.  ``p.batch(tensor
clips)`` must give the numpy path's keys, shapes and values (waveforms 1e-5, log-mel
targets 1e-4), masks exactly equal and of the same dtype, values in the clips' dtype on
their device.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import melforge
from melforge import ParameterError
from melforge.presets import from_pretrained

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

WAVE_ATOL = 1e-5  # waveforms (padding copies samples; normalization in float32)
LOG_ATOL = 1e-4  # SpeechT5's log10 mel targets

CODECS = {
    "encodec-24khz": ("EncodecFeatureExtractor", {"sampling_rate": 24000}),
    "mimi": ("EncodecFeatureExtractor", {"sampling_rate": 24000, "feature_size": 1}),
    "musicgen": ("EncodecFeatureExtractor", {"sampling_rate": 32000}),
    "encodec-48khz-stereo": (
        "EncodecFeatureExtractor",
        {"sampling_rate": 48000, "feature_size": 2, "chunk_length_s": 1.0, "overlap": 0.01},
    ),
    "encodec-chunked-mono": (
        "EncodecFeatureExtractor",
        {"sampling_rate": 24000, "chunk_length_s": 0.25, "overlap": 0.1, "padding_value": 0.5},
    ),
    "dac-44khz": ("DacFeatureExtractor", {"sampling_rate": 44100, "hop_length": 512}),
    "xcodec": ("DacFeatureExtractor", {"sampling_rate": 16000, "hop_length": 320}),
    "dac-left": ("DacFeatureExtractor", {"padding_side": "left", "padding_value": -0.25}),
    "dia": ("DiaFeatureExtractor", {"sampling_rate": 44100, "hop_length": 512}),
    "dia-stereo": ("DiaFeatureExtractor", {"sampling_rate": 44100, "feature_size": 2}),
}
CODEC_OPTIONS = [
    {},
    {"padding": True},
    {"padding": "max_length", "max_length": 60000},
    {"padding": False, "truncation": True, "max_length": 7000},
    {"truncation": True, "max_length": 7000},  # refused: padding and truncation
    {"truncation": True},  # the chunk grid's length that fits the shortest clip
    {"padding": "longest", "max_length": 9000, "truncation": False},
    {"padding": False},  # ragged: one tensor per clip
]

SPEECHT5 = {
    "default": {},
    "normalized": {"do_normalize": True},
    "hamming-25ms": {"num_mel_bins": 40, "hop_length": 10, "win_length": 25,
                     "win_function": "hamming_window", "fmin": 0, "fmax": 8000,
                     "mel_floor": 1e-5, "padding_value": -0.5, "do_normalize": True},
    "povey-22khz": {"sampling_rate": 22050, "win_function": "povey", "fmax": 11025.0},
}  # fmt: skip
SPEECHT5_OPTIONS = [
    {"padding": True},
    {"padding": True, "return_attention_mask": False},  # normalizes padding too (quirk)
    {"padding": "max_length", "max_length": 90, "truncation": True},
    {"padding": True, "pad_to_multiple_of": 8},
    {"padding": False},  # ragged
]


def _clips(sr: int, channels: int) -> list[np.ndarray]:
    """Mixed lengths (two equal ones, sharing a run), music and noise; Dia mixes mono in."""
    rng = np.random.default_rng(7)
    music, _ = melforge.load(melforge.ex("music"), sr=sr, mono=channels == 1)
    lengths = (int(0.75 * sr), int(0.4 * sr) + 17, int(1.3 * sr) + 5, int(0.4 * sr) + 17)
    out = []
    for i, n in enumerate(lengths):
        if i == 1:
            shape = (channels, n) if channels > 1 else (n,)
            out.append((0.1 * rng.standard_normal(shape)).astype(np.float32))
        else:
            out.append(np.ascontiguousarray(music[..., 1000 * (i + 1) : 1000 * (i + 1) + n],
                                            dtype=np.float32))  # fmt: skip
    return out


def _tensors(clips, device, dtype=None):
    return [torch.as_tensor(c, device=device, dtype=dtype or torch.float32) for c in clips]


def assert_same(got: dict, ref: dict, *, device: str, dtype, atol_by_key=None) -> float:
    """Same keys and layout; masks equal (same dtype); values within tolerance, ``dtype``."""
    assert set(got) == set(ref), (sorted(got), sorted(ref))
    worst = 0.0
    for key, r in ref.items():
        g = got[key]
        assert isinstance(g, list) == isinstance(r, list), key
        pairs = list(zip(g, r, strict=True)) if isinstance(r, list) else [(g, r)]
        atol = (atol_by_key or {}).get(key, WAVE_ATOL)
        for a, b in pairs:
            assert torch.is_tensor(a) and a.device.type == device, (key, type(a))
            assert tuple(a.shape) == b.shape, (key, tuple(a.shape), b.shape)
            host = a.detach().cpu().numpy()
            if b.dtype.kind in "iub":
                assert host.dtype == b.dtype, (key, host.dtype, b.dtype)
                np.testing.assert_array_equal(host, b, err_msg=key)
            else:
                assert a.dtype == dtype, (key, a.dtype)
                diff = float(np.max(np.abs(host - b))) if b.size else 0.0
                assert diff <= atol, f"{key}: {diff:.3g}"
                worst = max(worst, diff)
    return worst


def _codec(name):
    extractor, config = CODECS[name]
    return from_pretrained({"feature_extractor_type": extractor, **config})


def _codec_clips(name, preset):
    clips = _clips(preset.sample_rate, 2 if name.endswith("stereo") else 1)
    if name == "dia-stereo":  # Dia takes mono clips beside stereo ones
        clips[2] = np.ascontiguousarray(clips[2][0])
    return clips


@pytest.mark.parametrize("options", CODEC_OPTIONS, ids=str)
@pytest.mark.parametrize("name", list(CODECS))
def test_codec_batch_tensor_matches_numpy(name, options, device):
    preset = _codec(name)
    assert type(preset).torch_native
    clips = _codec_clips(name, preset)
    try:
        ref = preset.batch(clips, preset.sample_rate, **options)
    except ParameterError:
        with pytest.raises(ParameterError):
            preset.batch(_tensors(clips, device), preset.sample_rate, **options)
        return
    got = preset.batch(_tensors(clips, device), preset.sample_rate, **options)
    assert_same(got, ref, device=device, dtype=torch.float32)
    assert "padding_mask" in got or options.get("padding") is False or name != "dia"


@pytest.mark.parametrize("name", ["encodec-48khz-stereo", "dia-stereo", "dac-44khz"])
def test_codec_float64_and_return_tensors(name, device):
    preset = _codec(name)
    clips = _codec_clips(name, preset)
    ref = preset.batch(clips, preset.sample_rate, padding=True)
    got = preset.batch(_tensors(clips, device, torch.float64), preset.sample_rate, padding=True)
    assert_same(got, ref, device=device, dtype=torch.float64)
    host = preset.batch(_tensors(clips, device), preset.sample_rate, padding=True,
                        return_tensors="np")  # fmt: skip
    assert isinstance(host["input_values"], np.ndarray)
    np.testing.assert_array_equal(host["input_values"], ref["input_values"])


@pytest.mark.parametrize("name", ["encodec-48khz-stereo", "encodec-chunked-mono", "dia",
                                  "dia-stereo"])  # fmt: skip
def test_codec_call_and_frames(name, device):
    preset = _codec(name)
    clips = _codec_clips(name, preset)
    y = clips[0]
    ref = preset(y, preset.sample_rate)
    got = preset(torch.as_tensor(y, device=device), preset.sample_rate)
    assert got.device.type == device and got.dtype == torch.float32
    np.testing.assert_array_equal(got.cpu().numpy(), ref)
    same = [clips[1], clips[3]]  # equal lengths
    ref_frames = preset.frames(same, preset.sample_rate)
    got_frames = preset.frames(_tensors(same, device), preset.sample_rate)
    assert isinstance(got_frames, list) and len(got_frames) == 2
    for g, r in zip(got_frames, ref_frames, strict=True):
        np.testing.assert_array_equal(g.cpu().numpy(), r)
    if name.endswith("stereo"):  # a (batch, 2, n) tensor is a batch of stereo clips
        stacked = torch.as_tensor(np.stack(same), device=device)
        out = preset(stacked, preset.sample_rate)
        np.testing.assert_array_equal(out.cpu().numpy(), np.stack(preset(same, preset.sample_rate)))
        batch = preset.batch(stacked, preset.sample_rate, padding=True)
        ref_batch = preset.batch(same, preset.sample_rate, padding=True)
        assert_same(batch, ref_batch, device=device, dtype=torch.float32)


def test_stereo_tensor_shapes_are_checked():
    preset = _codec("encodec-48khz-stereo")
    with pytest.raises(ParameterError, match="channels first"):
        preset.batch([torch.zeros(3, 100)], 48000)
    with pytest.raises(ParameterError, match="channels first"):
        preset.batch([torch.zeros(100)], 48000)
    with pytest.raises(ParameterError, match="batch, 2"):
        preset.batch(torch.zeros(2, 100), 48000)


def test_stereo_tensor_resampled_per_channel():
    preset = _codec("encodec-48khz-stereo")
    y = _clips(48000, 2)[0]
    half = np.ascontiguousarray(y[:, ::2])
    got = preset(torch.as_tensor(half), 24000)
    ref = preset(half, 24000)
    assert tuple(got.shape) == ref.shape == (2, 48000)
    assert float(np.max(np.abs(got.numpy() - ref))) <= WAVE_ATOL


# -- SpeechT5 ------------------------------------------------------------------------------
def _speecht5(name):
    return from_pretrained({"feature_extractor_type": "SpeechT5FeatureExtractor",
                            **SPEECHT5[name]})  # fmt: skip


def _speech_clips(sr):
    rng = np.random.default_rng(3)
    speech, _ = melforge.load(melforge.ex("speech"), sr=sr)
    music, _ = melforge.load(melforge.ex("music"), sr=sr)
    n = int(0.45 * sr) + 7
    return [np.ascontiguousarray(speech[: int(1.2 * sr)], dtype=np.float32),
            np.ascontiguousarray(music[1000 : 1000 + n], dtype=np.float32),
            (0.1 * rng.standard_normal(300)).astype(np.float32),  # shorter than half a frame
            np.ascontiguousarray(speech[5000 : 5000 + n], dtype=np.float32)]  # fmt: skip


TARGET_TOL = {"input_values": LOG_ATOL, "labels": LOG_ATOL}


@pytest.mark.parametrize("options", SPEECHT5_OPTIONS, ids=str)
@pytest.mark.parametrize("name", list(SPEECHT5))
def test_speecht5_input_values(name, options, device):
    preset = _speecht5(name)
    assert type(preset).torch_native
    clips = _speech_clips(preset.sample_rate)
    ref = preset.batch(clips, preset.sample_rate, **options)
    got = preset.batch(_tensors(clips, device), preset.sample_rate, **options)
    assert_same(got, ref, device=device, dtype=torch.float32)


@pytest.mark.parametrize("options", SPEECHT5_OPTIONS, ids=str)
@pytest.mark.parametrize("name", list(SPEECHT5))
def test_speecht5_targets_only(name, options, device):
    preset = _speecht5(name)
    clips = _speech_clips(preset.sample_rate)
    ref = preset.batch(clips, preset.sample_rate, audio_target=True, **options)
    got = preset.batch(_tensors(clips, device), preset.sample_rate, audio_target=True, **options)
    assert_same(got, ref, device=device, dtype=torch.float32, atol_by_key=TARGET_TOL)


@pytest.mark.parametrize("options", SPEECHT5_OPTIONS[:4], ids=str)
@pytest.mark.parametrize("name", list(SPEECHT5))
def test_speecht5_audio_and_targets(name, options, device):
    preset = _speecht5(name)
    clips = _speech_clips(preset.sample_rate)
    targets = [clips[2], clips[0], clips[1], clips[3]]
    ref = preset.batch(clips, preset.sample_rate, audio_target=targets, **options)
    got = preset.batch(_tensors(clips, device), preset.sample_rate,
                       audio_target=_tensors(targets, device), **options)  # fmt: skip
    assert {"labels", "input_values"} <= set(got)
    assert_same(got, ref, device=device, dtype=torch.float32, atol_by_key=TARGET_TOL)
    # numpy targets beside tensor clips: moved to the clips' device
    mixed = preset.batch(_tensors(clips, device), preset.sample_rate, audio_target=targets,
                         **options)  # fmt: skip
    assert_same(mixed, ref, device=device, dtype=torch.float32, atol_by_key=TARGET_TOL)


@pytest.mark.parametrize("name", ["default", "povey-22khz"])
def test_speecht5_float64_and_call(name, device):
    preset = _speecht5(name)
    clips = _speech_clips(preset.sample_rate)
    ref = preset.batch(clips, preset.sample_rate, audio_target=True, padding=True)
    got = preset.batch(_tensors(clips, device, torch.float64), preset.sample_rate,
                       audio_target=True, padding=True)  # fmt: skip
    assert_same(got, ref, device=device, dtype=torch.float64, atol_by_key=TARGET_TOL)
    y = clips[0]
    out = preset(torch.as_tensor(y, device=device), preset.sample_rate)
    assert out.device.type == device and out.dtype == torch.float32
    assert float(np.max(np.abs(out.cpu().numpy() - preset(y, preset.sample_rate)))) <= WAVE_ATOL


@pytest.mark.parametrize(("kind", "name"), [("codec", n) for n in CODECS]
                         + [("speecht5", n) for n in SPEECHT5])  # fmt: skip
def test_tensors_never_take_the_host_path(kind, name, monkeypatch):
    preset = _codec(name) if kind == "codec" else _speecht5(name)

    for method in ("_batch", "log_mel_target"):
        original = getattr(type(preset), method, None)
        if original is None:
            continue

        @functools.wraps(original)  # batch() reads the options from _batch's signature
        def host(*args, **kwargs):
            raise AssertionError("the numpy path ran on tensor clips")

        monkeypatch.setattr(type(preset), method, host)
    clips = _tensors(_codec_clips(name, preset) if kind == "codec"
                     else _speech_clips(preset.sample_rate), "cpu")  # fmt: skip
    extra = {"audio_target": True} if kind == "speecht5" else {}
    preset.batch(clips, preset.sample_rate, padding=True, **extra)
    preset(clips[0], preset.sample_rate)
