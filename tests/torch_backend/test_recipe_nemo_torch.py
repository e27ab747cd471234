"""Parakeet, LASR, Phi-4-multimodal and nemo-80 on tensors == the numpy path.

The from_pretrained families compute tensors natively (their recipe run in torch on
the tensor's device): ``p.batch(tensors)`` against ``p.batch(arrays)`` with mixed
lengths and the families' padding options, masks exactly equal, dtype and device kept.
"""

import numpy as np
import pytest
import torch
from conftest import max_dev

import melforge
from melforge.presets import NemoPreset, from_pretrained

pytestmark = pytest.mark.torch

LOG_TOL = 1e-4

OPTIONS = [{}, {"pad_to_multiple_of": 1000}, {"padding": "max_length", "max_length": 30000}]
FAMILIES = [
    ("ParakeetFeatureExtractor", {}),
    ("ParakeetFeatureExtractor", {"feature_size": 64, "win_length": 320, "hop_length": 128,
                                  "preemphasis": 0.9}),
    ("LasrFeatureExtractor", {}),
    ("LasrFeatureExtractor", {"padding_value": 0.25, "padding_side": "left"}),
    ("Phi4MultimodalFeatureExtractor", {}),
    ("Phi4MultimodalFeatureExtractor", {"feature_size": 64, "win_length": 320,
                                        "padding_value": 0.1}),
]  # fmt: skip
IDS = ["parakeet", "parakeet-edited", "lasr", "lasr-left", "phi4", "phi4-edited"]


@pytest.fixture(scope="module")
def clips():
    speech, _ = melforge.load(melforge.ex("speech"), sr=16000)
    chirp, _ = melforge.load(melforge.ex("chirp"), sr=16000)
    rng = np.random.default_rng(3)
    return [
        np.ascontiguousarray(speech[3000:27000], np.float32),
        np.ascontiguousarray(chirp[20000:32345], np.float32),
        (0.1 * rng.standard_normal(6789)).astype(np.float32),
    ]


def _check(out, ref, device, dtype):
    assert sorted(out) == sorted(ref)
    for key, expected in ref.items():
        got = out[key]
        assert torch.is_tensor(got) and got.device.type == device, key
        if np.issubdtype(expected.dtype, np.floating):
            assert got.dtype == dtype, key
            assert max_dev(got, expected) <= LOG_TOL, key
        else:
            assert got.cpu().numpy().dtype == expected.dtype, key
            np.testing.assert_array_equal(got.cpu().numpy(), expected, err_msg=key)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("options", OPTIONS, ids=["longest", "multiple", "max_length"])
@pytest.mark.parametrize("family", FAMILIES, ids=IDS)
def test_batch(clips, device, family, options, dtype):
    kind, config = family
    p = from_pretrained({"feature_extractor_type": kind, **config})
    assert p.torch_native
    extra = {} if kind.startswith("Parakeet") else {"return_attention_mask": True}
    ref = p.batch(clips, 16000, **options, **extra)
    tensors = [torch.as_tensor(c, device=device).to(dtype) for c in clips]
    _check(p.batch(tensors, 16000, **options, **extra), ref, device, dtype)


@pytest.mark.parametrize("family", FAMILIES, ids=IDS)
def test_one_clip(clips, device, family):
    kind, config = family
    p = from_pretrained({"feature_extractor_type": kind, **config})
    ref = p(clips[1], 16000)
    out = p(torch.as_tensor(clips[1], device=device), 16000)
    assert out.device.type == device and out.dtype == torch.float32
    assert max_dev(out, ref) <= LOG_TOL
    # equal-length clips: one (batch, n) call
    same = np.stack([clips[0][:9000], clips[1][:9000]])
    out = p(torch.as_tensor(same, device=device), 16000)
    assert max_dev(out, p(same, 16000)) <= LOG_TOL


def test_host_fallbacks(clips, device):
    """Calls the recipes do not describe take the host path: same numbers and errors."""
    p = from_pretrained({"feature_extractor_type": "ParakeetFeatureExtractor"})
    opts = {"padding": "max_length", "max_length": 8000, "truncation": True}
    ref = p.batch(clips, 16000, **opts)  # truncated: transformers' untruncated counts
    _check(p.batch([torch.as_tensor(c, device=device) for c in clips], 16000, **opts), ref,
           device, torch.float32)  # fmt: skip
    with pytest.raises(melforge.ParameterError, match="different lengths"):
        p.batch([torch.as_tensor(c, device=device) for c in clips], 16000, padding=False)
    with pytest.raises(melforge.ParameterError, match="samples"):
        p.batch([torch.zeros(100, device=device)], 16000)
    phi4 = from_pretrained({"feature_extractor_type": "Phi4MultimodalFeatureExtractor"})
    with pytest.raises(melforge.ParameterError, match="win_length"):
        phi4.batch([torch.zeros(300, device=device)], 16000)


@pytest.mark.parametrize("normalize", ["per_feature", "all_features", None])
def test_nemo80(clips, device, normalize):
    p = NemoPreset(name="nemo-80", normalize=normalize)
    # Not the chirp: nemo-80 computes in float32 on both paths, and normalizing a mel
    # band of small spread there turns their rounding into 1.3e-4.
    for y in (clips[0], clips[2]):
        out = p(torch.as_tensor(y, device=device), 16000)
        assert out.device.type == device and max_dev(out, p(y, 16000)) <= LOG_TOL
