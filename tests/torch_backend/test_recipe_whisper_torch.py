"""Whisper and Granite Speech families on tensors, in torch: the numpy path's numbers.

``preset.batch(tensor_clips)`` (mixed lengths, the families' padding options and masks)
against ``preset.batch(numpy_clips)``: 1e-4 on the log features, masks equal, the
clips' device and dtype kept; ``preset(tensor)`` too.
"""

import dataclasses

import numpy as np
import pytest
import torch
from conftest import max_dev

import melforge
from melforge.presets import WhisperPreset, from_pretrained

pytestmark = pytest.mark.torch

LOG_TOL = 1e-4  # log features


def _clips(sr: int = 16000) -> list[np.ndarray]:
    y, _ = melforge.load(melforge.ex("speech"), sr=sr)
    rng = np.random.default_rng(3)
    return [
        np.ascontiguousarray(y[:sr], dtype=np.float32),
        (0.1 * rng.standard_normal(sr // 2)).astype(np.float32),
        np.ascontiguousarray(y[3000 : 3000 + 37123 * sr // 16000], dtype=np.float32),
    ]


def _tensors(clips, device, dtype):
    return [torch.as_tensor(c, device=device).to(dtype) for c in clips]


def _same(out, ref, device, dtype):
    """Every key: same keys, shapes; float features within LOG_TOL; masks equal."""
    assert set(out) == set(ref)
    for key, want in ref.items():
        got = out[key]
        if isinstance(want, list):  # audio_embed_sizes: plain ints
            assert got == want, key
            continue
        assert torch.is_tensor(got) and got.device.type == device, key
        if np.issubdtype(want.dtype, np.floating):
            assert got.dtype == dtype, key
            assert max_dev(got, want) <= LOG_TOL, key
        else:  # masks: the numpy path's dtype, exactly
            assert got.dtype == torch.from_numpy(want).dtype, key
            assert np.array_equal(got.cpu().numpy(), want), key


def _whisper(config, **fields):
    p = from_pretrained({"feature_extractor_type": "WhisperFeatureExtractor", **config})
    return dataclasses.replace(p, **fields) if fields else p


WHISPER = {
    "whisper-small": {},
    "large-v3-mask": {"feature_size": 128, "return_attention_mask": True, "chunk_length": 3},
    "left-padding": {"padding_side": "left", "padding_value": 0.25, "chunk_length": 2},
    "other-stft": {"n_fft": 512, "hop_length": 128, "sampling_rate": 24000, "chunk_length": 2},
}
OPTIONS = [
    {},
    {"padding": "longest", "return_attention_mask": True},
    {"padding": True, "pad_to_multiple_of": 1000, "return_attention_mask": True},
    {"do_normalize": True},  # a per-sample mask comes back (transformers' quirk)
    {"do_normalize": True, "padding": "longest", "return_attention_mask": True},
    {"max_length": 20000, "return_attention_mask": True},  # truncation
    {"clamp": "batch", "padding": "longest"},
]


@pytest.mark.parametrize("config", list(WHISPER))
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_whisper_batch(device, config, options):
    p = _whisper(WHISPER[config])
    clips = _clips(p.sample_rate)
    ref = p.batch(clips, p.sample_rate, **options)
    out = p.batch(_tensors(clips, device, torch.float32), p.sample_rate, **options)
    _same(out, ref, device, torch.float32)


@pytest.mark.parametrize("clamp", ["clip", "batch"])
def test_whisper_openai_convention(device, clamp):
    p = _whisper({"chunk_length": 2}, convention="openai")
    rng = np.random.default_rng(2)
    clips = [_clips()[0], (0.1 * rng.standard_normal(50000)).astype(np.float32)]
    ref = p.batch(clips, 16000, clamp=clamp)
    out = p.batch(_tensors(clips, device, torch.float64), 16000, clamp=clamp)
    _same(out, ref, device, torch.float64)


def test_whisper_one_clip_and_float64(device):
    p = _whisper({"feature_size": 128})
    y = _clips()[2]
    ref = p(y, 16000)
    for dtype in (torch.float32, torch.float64):
        out = p(torch.as_tensor(y, device=device).to(dtype), 16000)
        assert out.dtype == dtype and out.device.type == device
        assert max_dev(out, ref) <= LOG_TOL


def test_whisper_dither_runs_on_the_host_with_numpys_draws(device):
    p = _whisper({"chunk_length": 2}, dither=1e-3, seed=5)
    clips = _clips()[:2]
    ref = p.batch(clips, 16000)
    out = p.batch(_tensors(clips, device, torch.float32), 16000)
    _same(out, ref, device, torch.float32)


@pytest.mark.parametrize("n_mels", [80, 128])
def test_named_whisper_presets(device, n_mels):
    p = WhisperPreset(name=f"whisper-{n_mels}", n_mels=n_mels)
    y = _clips()[0]
    out = p(torch.as_tensor(y, device=device), 16000)
    assert out.device.type == device and max_dev(out, p(y, 16000)) <= LOG_TOL


def _granite(version, **config):
    kind = "GraniteSpeechFeatureExtractor" if version == 3 else "GraniteSpeech5FeatureExtractor"
    return from_pretrained({"feature_extractor_type": kind, **config})


GRANITE = [
    (3, {}, {}),
    (3, {"n_mels": 64, "hop_length": 128, "projector_window_size": 10,
         "projector_downsample_rate": 2}, {}),
    (5, {}, {}),
    (5, {}, {"padding": "max_length", "max_length": 16000, "truncation": True}),
    (5, {}, {"padding": "max_length", "max_length": 5000, "truncation": True,
             "pad_to_multiple_of": 512}),
    (5, {}, {"return_attention_mask": False}),
    (5, {"num_mel_bins": 64, "delta_win_length": 5, "logmel_floor_db": 6.0,
         "padding_value": 0.05}, {}),
]  # fmt: skip


@pytest.mark.parametrize(("version", "config", "options"), GRANITE, ids=str)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_granite_batch(device, version, config, options, dtype):
    p = _granite(version, **config)
    clips = _clips()
    ref = p.batch(clips, 16000, **options)
    out = p.batch(_tensors(clips, device, dtype), 16000, **options)
    _same(out, ref, device, dtype)


@pytest.mark.parametrize("version", [3, 5])
def test_granite_one_clip(device, version):
    p = _granite(version)
    y = _clips()[2]
    out = p(torch.as_tensor(y, device=device), 16000)
    assert out.device.type == device and out.dtype == torch.float32
    assert max_dev(out, p(y, 16000)) <= LOG_TOL


def test_families_are_torch_native():
    for p in (_whisper({}), _granite(3), _granite(5), WhisperPreset(name="whisper-80")):
        assert type(p).torch_native and p.recipe() is not None
