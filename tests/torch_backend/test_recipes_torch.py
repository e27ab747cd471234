"""Whisper, Kaldi fbank, wav2vec2 and every preset on tensors == the numpy path."""

import numpy as np
import pytest
import torch
from conftest import max_dev

import melforge.presets as presets
from melforge import ParameterError
from melforge.feature import kaldi_fbank, normalize_waveform, whisper_log_mel
from melforge.feature.nemo import nemo_log_mel

pytestmark = pytest.mark.torch

LOG_TOL = 1e-4  # log features
LIN_TOL = 1e-5  # linear features (waveforms)


def _t(x, device, dtype=torch.float32):
    return torch.as_tensor(np.asarray(x), device=device).to(dtype)


@pytest.mark.parametrize(
    "opts",
    [dict(), dict(n_mels=128), dict(pad_or_trim=True), dict(padding=480), dict(n_mels=128)],
)
def test_whisper_log_mel(speech16, device, opts):
    batch = np.stack([speech16, 0.1 * speech16[::-1]])
    ref = whisper_log_mel(batch, **opts)
    out = whisper_log_mel(_t(batch, device), **opts)
    assert out.device.type == device and out.dtype == torch.float32
    assert max_dev(out, ref) <= LOG_TOL
    one = whisper_log_mel(_t(batch[1], device, torch.float64), **opts)
    assert one.dtype == torch.float64 and max_dev(one, ref[1]) <= LOG_TOL


@pytest.mark.parametrize(
    "opts",
    [
        dict(),
        dict(snip_edges=False, num_mel_bins=40),
        dict(use_energy=True, window="hamming", preemphasis=0.0),
        dict(use_power=False, remove_dc_offset=False, low_freq=0.0, high_freq=-400.0),
        dict(use_log_fbank=False, waveform_scale=1.0),
    ],
)
def test_kaldi_fbank(speech16, device, opts):
    batch = np.stack([speech16, speech16[::-1]])
    ref = kaldi_fbank(batch, **opts)
    out = kaldi_fbank(_t(batch, device), **opts)
    assert out.dtype == torch.float32 and tuple(out.shape) == ref.shape
    got = out.cpu().numpy()
    if opts.get("use_log_fbank", True):
        # Bins far below their frame's peak hold float32 FFT noise, which two FFT
        # libraries do not share (the numpy path differs from kaldi-native-fbank there
        # too): 1e-4 within 60 dB of each frame's peak, 1e-2 anywhere.
        db_per_neper = (10 if opts.get("use_power", True) else 20) / np.log(10)
        depth_db = (ref.max(axis=-1, keepdims=True) - ref) * db_per_neper
        if opts.get("use_energy"):
            depth_db[..., 0] = 0.0
        assert np.abs(got - ref)[depth_db <= 60].max() <= LOG_TOL
        assert np.abs(got - ref).max() <= 1e-2
    else:
        assert np.abs(got - ref).max() <= LIN_TOL * np.abs(ref).max()


@pytest.mark.parametrize(
    "opts", [dict(), dict(normalize=None), dict(normalize="all_features", n_mels=64, n_fft=400)]
)
def test_nemo_log_mel(speech16, device, opts):
    batch = np.stack([speech16, 0.2 * speech16[::-1]])
    ref = nemo_log_mel(batch, **opts)
    out = nemo_log_mel(_t(batch, device), **opts)
    assert out.dtype == torch.float32 and tuple(out.shape) == ref.shape
    if "normalize" in opts and opts["normalize"] is None:
        # natural log of the power: float32 FFT noise in bins far below a frame's peak
        dev = np.abs(out.cpu().numpy() - ref)
        depth_db = (ref.max(axis=-2, keepdims=True) - ref) * 10 / np.log(10)
        assert dev[depth_db <= 60].max() <= LOG_TOL and dev.max() <= 1e-3
    else:
        assert max_dev(out, ref) <= LOG_TOL


def test_kaldi_dither_is_seeded(speech16, device):
    a = kaldi_fbank(_t(speech16, device), dither=1.0, seed=5)
    b = kaldi_fbank(_t(speech16, device), dither=1.0, seed=5)
    assert torch.equal(a, b)


def test_normalize_waveform(speech16, device):
    batch = np.stack([speech16, 0.5 * speech16 + 0.1])
    assert max_dev(normalize_waveform(_t(batch, device)), normalize_waveform(batch)) <= LIN_TOL
    mask = np.ones(batch.shape, dtype=np.int32)
    mask[1, 30000:] = 0
    ref = normalize_waveform(batch, attention_mask=mask)
    out = normalize_waveform(_t(batch, device), attention_mask=torch.as_tensor(mask))
    assert max_dev(out, ref) <= LIN_TOL


def _close(kind, out, ref):
    """The parity each preset family holds on CPU and CUDA (numbers in the assert)."""
    got = out.detach().cpu().numpy()
    assert got.shape == ref.shape
    dev = np.abs(got.astype(np.float64) - ref)
    if kind in ("wav2vec2", "hf-wav2vec2"):
        assert dev.max() <= LIN_TOL
    elif kind in ("librosa-mel", "mfcc"):
        # dB-valued features: 1e-4 in log10 units is 1e-3 dB
        assert dev.max() <= 1e-3, dev.max()
    elif kind == "kaldi-fbank":
        # frames x bins, natural log: 1e-4 within 50 dB of each frame's peak
        depth = (ref.max(axis=-1, keepdims=True) - ref) * 10 / np.log(10)
        assert dev[depth <= 50].max() <= LOG_TOL and dev.max() <= 1e-2
    else:
        assert dev.max() <= LOG_TOL, (kind, dev.max())


@pytest.mark.parametrize("name", presets.names())
def test_every_preset(name, speech16, device):
    p = presets.get(name)
    clips = [speech16, 0.3 * speech16[5000:40000]]
    for y in clips:
        out = p(_t(y, device), 16000)
        assert out.device.type == device and out.dtype == torch.float32
        _close(p.kind, out, p(y, 16000))
        _close(p.kind, p.frames(_t(y, device), 16000), p.frames(y, 16000))
    ref_list = p([clips[0], clips[1], clips[0]], 16000)
    out_list = p([_t(c, device) for c in (clips[0], clips[1], clips[0])], 16000)
    for o, r in zip(out_list, ref_list, strict=True):
        _close(p.kind, o, r)
    batch = np.stack([clips[0][:32000], clips[1][:32000]])
    out_b = p(_t(batch, device, torch.float64), 16000)
    assert out_b.dtype == torch.float64
    _close(p.kind, out_b, p(batch, 16000))


def test_preset_resamples_and_keeps_leading_axes(speech16, device):
    p = presets.get("whisper-80")
    y8 = speech16[::2].copy()  # 8 kHz
    assert max_dev(p(_t(y8, device), 8000), p(y8, 8000)) <= LOG_TOL
    stack = np.stack([speech16[:32000]] * 4).reshape(2, 2, 32000)
    out = p(_t(stack, device), 16000)
    assert tuple(out.shape) == (2, 2, 80, 3000)
    with pytest.raises(ParameterError, match="resample=False"):
        p(_t(y8, device), 8000, resample=False)


W2V = {"feature_extractor_type": "Wav2Vec2FeatureExtractor", "return_attention_mask": True}


@pytest.mark.parametrize(
    "config, options",
    [
        (W2V, dict(padding=True)),
        (W2V, dict(padding="max_length", max_length=50000, pad_to_multiple_of=512)),
        (W2V, dict(padding=True, truncation=True, max_length=30000)),
        (dict(W2V, padding_side="left"), dict(padding=True)),
        (dict(W2V, return_attention_mask=False), dict(padding=True)),
        (W2V, dict()),
    ],
)
def test_pretrained_wav2vec2_batch(speech16, device, config, options):
    p = presets.from_pretrained(config)
    clips = [speech16, speech16[:40000] * 0.2]
    ref = p.batch(clips, 16000, **options)
    out = p.batch([_t(c, device) for c in clips], 16000, **options)
    assert set(out) == set(ref)
    for key in ref:
        r, o = ref[key], out[key]
        if isinstance(r, list):
            assert all(max_dev(a, b) <= LIN_TOL for a, b in zip(o, r, strict=True))
        else:
            assert o.device.type == device and max_dev(o, r) <= LIN_TOL
            assert o.dtype == (torch.int32 if key == "attention_mask" else torch.float32)
    if all(not isinstance(v, list) for v in ref.values()):
        pt = p.batch(clips, 16000, return_tensors="pt", **options)  # numpy in, tensors out
        assert all(isinstance(v, torch.Tensor) for v in pt.values())
        assert max_dev(pt[p.main_input], ref[p.main_input]) == 0.0
    host = p.batch([_t(c, device) for c in clips], 16000, return_tensors="np", **options)
    assert all(not isinstance(v, torch.Tensor) for v in host.values())


def test_pretrained_call_and_pt_errors(speech16, device):
    p = presets.from_pretrained(W2V)
    assert max_dev(p(_t(speech16, device), 16000), p(speech16, 16000)) <= LIN_TOL
    with pytest.raises(ParameterError, match="padding=True"):
        p.batch([speech16, speech16[:100]], 16000, return_tensors="pt")
    with pytest.raises(ParameterError, match="1-D clip"):
        p.batch([_t(np.ones((2, 100)), device)], 16000)


def test_return_tensors_pt_matches_transformers(speech16):
    transformers = pytest.importorskip("transformers")
    fe = transformers.Wav2Vec2FeatureExtractor(return_attention_mask=True)
    p = presets.from_pretrained(fe.to_dict())
    clips = [speech16, speech16[:40000] * 0.2]
    ref = fe(clips, sampling_rate=16000, padding=True, return_tensors="pt")
    out = p.batch([torch.from_numpy(c) for c in clips], 16000, padding=True, return_tensors="pt")
    assert set(out) == set(ref.keys())
    for key in out:
        assert out[key].dtype == ref[key].dtype and out[key].shape == ref[key].shape, key
    assert torch.equal(out["attention_mask"], ref["attention_mask"])
    assert float((out["input_values"] - ref["input_values"]).abs().max()) <= LIN_TOL
