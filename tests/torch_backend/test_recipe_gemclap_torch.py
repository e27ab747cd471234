"""Gemma 3n / Gemma 4 audio and CLAP on tensors: torch recipe on the device == numpy path."""

import numpy as np
import pytest
import torch
from conftest import max_dev

import melforge
from melforge.presets.hf.clap import ClapFamily
from melforge.presets.hf.gemma import Gemma3nFamily, Gemma4Family

pytestmark = pytest.mark.torch

LOG_TOL = 1e-4  # log features (ln for Gemma, dB for CLAP)
DTYPES = [torch.float32, torch.float64]


def _clips(sr, lengths, seed=3):
    y, _ = melforge.load(melforge.ex("speech"), sr=sr)
    rng = np.random.default_rng(seed)
    out = [np.ascontiguousarray(y[: lengths[0]], dtype=np.float32)]
    out += [(0.1 * rng.standard_normal(n)).astype(np.float32) for n in lengths[1:]]
    return out


def _tensors(clips, device, dtype):
    return [torch.as_tensor(c, device=device).to(dtype) for c in clips]


def _same(got, ref, device, dtype):
    """Same keys; tensors on ``device``; features within LOG_TOL; masks exactly equal."""
    assert sorted(got) == sorted(ref)
    for key, value in ref.items():
        pairs = (
            list(zip(got[key], value, strict=True))
            if isinstance(value, list)
            else [(got[key], value)]
        )
        for g, r in pairs:
            assert torch.is_tensor(g) and g.device.type == device
            assert tuple(g.shape) == r.shape
            if r.dtype == bool:
                assert g.dtype == torch.bool
                np.testing.assert_array_equal(g.cpu().numpy(), r)
            else:
                assert g.dtype == dtype and max_dev(g, r) <= LOG_TOL


GEMMA = [
    (Gemma3nFamily, {}),
    (Gemma3nFamily, {"preemphasis_htk_flavor": False, "preemphasis": 0.9,
                     "padding_side": "left", "padding_value": 0.01}),
    (Gemma3nFamily, {"fft_overdrive": False, "input_scale_factor": 2.0,
                     "per_bin_stddev": tuple(np.linspace(0.5, 2, 128))}),
    (Gemma4Family, {}),
    (Gemma4Family, {"preemphasis": 0.97, "feature_size": 80, "frame_length_ms": 25.0,
                    "padding_side": "left"}),
]  # fmt: skip
GEMMA_OPTIONS = [
    {},
    {"padding": "do_not_pad"},
    {"max_length": 20000},
    {"padding": "max_length", "max_length": 40000, "pad_to_multiple_of": None},
]


@pytest.mark.parametrize(("cls", "fields"), GEMMA, ids=[f"gemma{i}" for i in range(len(GEMMA))])
@pytest.mark.parametrize("options", GEMMA_OPTIONS, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_gemma_batch(device, cls, fields, options, dtype):
    p = cls(name="test", **fields)
    assert type(p).torch_native
    clips = _clips(16000, [30000, 12345, 30000, 700])  # 700: fewer samples than a frame
    ref = p.batch(clips, 16000, **options)
    _same(p.batch(_tensors(clips, device, dtype), 16000, **options), ref, device, dtype)


@pytest.mark.parametrize("cls", [Gemma3nFamily, Gemma4Family])
def test_gemma_call_and_2d_batch(device, cls):
    p = cls(name="test")
    clips = _clips(16000, [24000, 24000])
    one = p(torch.as_tensor(clips[0], device=device), 16000)
    assert one.device.type == device and max_dev(one, p(clips[0], 16000)) <= LOG_TOL
    both = p(torch.as_tensor(np.stack(clips), device=device, dtype=torch.float64), 16000)
    assert both.dtype == torch.float64
    assert max_dev(both, p(np.stack(clips), 16000)) <= LOG_TOL


def test_gemma_dither_runs_on_the_host_with_numpys_draws(device):
    p = Gemma3nFamily(name="test", dither=1e-3, seed=4)
    clips = _clips(16000, [20000, 9000])
    ref = p.batch(clips, 16000)
    _same(p.batch(_tensors(clips, device, torch.float32), 16000), ref, device, torch.float32)


def test_gemma_mask_option_refused_as_numpy(device):
    p = Gemma4Family(name="test")
    clip = torch.zeros(4000, device=device)
    with pytest.raises(melforge.ParameterError, match="return_attention_mask=False"):
        p.batch([clip], 16000, return_attention_mask=False)


CLAP_CASES = [
    ("fusion", "repeatpad", [150000, 50000, 30000]),  # one longer: crops + shrink
    ("fusion", "repeat", [50000, 30001]),  # none longer: a random is_longer pick
    ("fusion", "pad", [96000, 96479, 40000]),  # exactly the window; one frame longer
    ("rand_trunc", "repeatpad", [150000, 50000, 100000]),
    ("rand_trunc", "pad", [200001, 20000]),
]


@pytest.mark.parametrize(("truncation", "padding", "lengths"), CLAP_CASES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_clap_batch(device, truncation, padding, lengths, dtype):
    p = ClapFamily(name="test", max_length_s=2, seed=9)
    assert type(p).torch_native
    clips = _clips(48000, lengths)
    options = {"truncation": truncation, "padding": padding}
    ref = p.batch(clips, 48000, **options)
    _same(p.batch(_tensors(clips, device, dtype), 48000, **options), ref, device, dtype)


def test_clap_call_max_length_and_seed(device):
    p = ClapFamily(name="test", max_length_s=2, seed=2)
    clips = _clips(48000, [130000, 70000])
    tensors = _tensors(clips, device, torch.float32)
    for clip, t in zip(clips, tensors, strict=True):
        got = p(t, 48000)
        assert got.device.type == device and max_dev(got, p(clip, 48000)) <= LOG_TOL
    ref = p.batch(clips, 48000, max_length=60000)
    _same(p.batch(tensors, 48000, max_length=60000), ref, device, torch.float32)


def test_clap_errors_as_numpy(device):
    p = ClapFamily(name="test", max_length_s=2)
    clip = torch.zeros(3000, device=device)
    with pytest.raises(melforge.ParameterError, match="truncation="):
        p.batch([clip], 48000, truncation="crop")
    short = clip[:300]  # padded to a 400-sample window: too short to reflect-pad
    with pytest.raises(melforge.ParameterError, match="too short"):
        p.batch([short.cpu().numpy()], 48000, max_length=400, padding="pad")
    with pytest.raises(melforge.ParameterError, match="too short"):
        p.batch([short], 48000, max_length=400, padding="pad")
