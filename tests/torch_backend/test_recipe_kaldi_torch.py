"""Kaldi-fbank from_pretrained families on tensors: torch recipe == numpy path.

SeamlessM4T, Speech2Text and AST compute tensor clips with ``run(recipe)`` in torch
(float64) on the clips' device; ``p.batch(tensor_clips)`` must give the numpy path's
keys, shapes and values (1e-4 on log features; measured about 3e-6), masks exactly
equal, values in the clips' dtype on their device.
"""

from __future__ import annotations

import numpy as np
import pytest

import melforge
from melforge import ParameterError
from melforge.presets import from_pretrained

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

SR = 16000
ATOL = 1e-4


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    """Mixed lengths, two of them equal (one torch call for both)."""
    rng = np.random.default_rng(3)
    speech, _ = melforge.load(melforge.ex("speech"), sr=SR)
    return [
        np.ascontiguousarray(speech[:16000], dtype=np.float32),
        (0.1 * rng.standard_normal(8123)).astype(np.float32),
        np.ascontiguousarray(speech[5000:17345], dtype=np.float32),
        np.ascontiguousarray(speech[20000:28123], dtype=np.float32),
    ]


def _as_tensors(clips, device, dtype=None):
    return [torch.as_tensor(c, device=device, dtype=dtype or torch.float32) for c in clips]


def assert_same(got: dict, ref: dict, *, device: str, dtype) -> float:
    """Same keys and layout; masks equal; values within ATOL in ``dtype`` on ``device``."""
    assert set(got) == set(ref), (sorted(got), sorted(ref))
    worst = 0.0
    for key, r in ref.items():
        g = got[key]
        pairs = list(zip(g, r, strict=True)) if isinstance(r, list) else [(g, r)]
        assert isinstance(g, list) == isinstance(r, list), key
        for a, b in pairs:
            assert torch.is_tensor(a) and a.device.type == device, (key, type(a))
            assert tuple(a.shape) == b.shape, (key, tuple(a.shape), b.shape)
            host = a.detach().cpu().numpy()
            if b.dtype.kind in "iub":
                assert host.dtype == b.dtype, (key, host.dtype, b.dtype)
                np.testing.assert_array_equal(host, b, err_msg=key)
            else:
                assert a.dtype == dtype, (key, a.dtype)
                # NaN where the numpy path has NaN (Speech2Text's left-padding quirk)
                np.testing.assert_array_equal(np.isnan(host), np.isnan(b), err_msg=key)
                finite = ~np.isnan(b)
                diff = float(np.max(np.abs(host - b)[finite])) if finite.any() else 0.0
                assert diff <= ATOL, f"{key}: {diff:.3g}"
                worst = max(worst, diff)
    return worst


SEAMLESS = [
    ({}, {}),
    ({}, {"padding": "longest", "pad_to_multiple_of": None}),
    ({}, {"padding": "max_length", "max_length": 130}),
    ({}, {"padding": "max_length", "max_length": 61, "truncation": True, "pad_to_multiple_of": 4}),
    ({}, {"return_attention_mask": False}),
    ({}, {"do_normalize_per_mel_bins": False}),
    ({"padding_value": 1.5, "padding_side": "left"}, {"pad_to_multiple_of": 8}),
    ({"stride": 3}, {}),
    ({"stride": 1}, {"padding": "max_length", "max_length": 100}),
    ({"num_mel_bins": 64, "feature_size": 64}, {}),
]

SPEECH2TEXT = [
    ({}, {}),
    ({}, {"padding": True}),
    ({}, {"padding": "max_length", "max_length": 120, "truncation": True}),
    ({"padding_side": "left", "padding_value": -1.0}, {"padding": "longest"}),
    ({"do_ceptral_normalize": False}, {"padding": True, "return_attention_mask": False}),
    ({"normalize_vars": False}, {"padding": True, "pad_to_multiple_of": 16}),
    ({"normalize_means": False}, {}),
    ({"dither": 2.0}, {"padding": True, "seed": 5}),  # host fallback (numpy's RNG)
]

AST = [({}, {}), ({"max_length": 70}, {}), ({"do_normalize": False, "num_mel_bins": 64}, {})]

FAMILIES = ["SeamlessM4TFeatureExtractor", "Speech2TextFeatureExtractor", "ASTFeatureExtractor"]

CASES = (
    [("SeamlessM4TFeatureExtractor", c, o) for c, o in SEAMLESS]
    + [("Speech2TextFeatureExtractor", c, o) for c, o in SPEECH2TEXT]
    + [("ASTFeatureExtractor", c, o) for c, o in AST]
)


def _preset(extractor, config):
    return from_pretrained({"feature_extractor_type": extractor, **config})


@pytest.mark.parametrize(("extractor", "config", "options"), CASES, ids=str)
def test_batch_tensor_matches_numpy(extractor, config, options, clips, device):
    preset = _preset(extractor, config)
    assert type(preset).torch_native
    ref = preset.batch(clips, SR, **options)
    got = preset.batch(_as_tensors(clips, device), SR, **options)
    assert_same(got, ref, device=device, dtype=torch.float32)


@pytest.mark.parametrize("extractor", FAMILIES)
def test_call_and_float64(extractor, clips, device):
    preset = _preset(extractor, {})
    y = clips[0]
    out = preset(torch.as_tensor(y, device=device), SR)
    assert out.device.type == device and out.dtype == torch.float32
    assert float(np.abs(out.cpu().numpy() - preset(y, SR)).max()) <= ATOL
    options = {} if extractor == "ASTFeatureExtractor" else {"padding": True}
    wide = preset.batch(_as_tensors(clips[:2], device, torch.float64), SR, **options)
    ref = preset.batch(clips[:2], SR, **options)
    assert_same(wide, ref, device=device, dtype=torch.float64)


def test_torch_path_runs_on_the_device(clips, device, monkeypatch):
    """No host round trip: the numpy path is not called for a plain batch."""
    preset = _preset("SeamlessM4TFeatureExtractor", {})

    def refuse(*args, **kwargs):
        raise AssertionError("numpy path called")

    monkeypatch.setattr(type(preset), "_batch", refuse)
    preset.batch(_as_tensors(clips, device), SR)


@pytest.mark.parametrize("extractor", FAMILIES)
def test_refusals_are_the_numpy_paths(extractor, clips, device):
    preset = _preset(extractor, {})
    short = [clips[0], clips[1][:399]]
    with pytest.raises(ParameterError) as ref:
        preset.batch(short, SR)
    with pytest.raises(ParameterError) as got:
        preset.batch(_as_tensors(short, device), SR)
    assert str(got.value) == str(ref.value)
    if extractor == "SeamlessM4TFeatureExtractor":  # ragged without padding
        with pytest.raises(ParameterError) as ref:
            preset.batch(clips, SR, padding=False)
        with pytest.raises(ParameterError) as got:
            preset.batch(_as_tensors(clips, device), SR, padding=False)
        assert str(got.value) == str(ref.value)
