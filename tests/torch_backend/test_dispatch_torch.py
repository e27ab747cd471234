"""Tensor detection, and the errors a tensor gets at the public boundary."""

import numpy as np
import pytest
import torch

import melforge
import melforge.presets as presets
from melforge import ParameterError
from melforge._tensors import any_tensor, is_tensor

pytestmark = pytest.mark.torch


def test_is_tensor():
    assert is_tensor(torch.zeros(3)) and is_tensor(torch.nn.Parameter(torch.zeros(3)))
    assert not is_tensor(np.zeros(3)) and not is_tensor([torch.zeros(3)])
    assert any_tensor([torch.zeros(3)]) and not any_tensor([np.zeros(3)]) and not any_tensor([])


def test_preset_errors_with_tensors(device):
    p = presets.get("whisper-80")
    with pytest.raises(ParameterError, match="float32 or float64 tensor"):
        p(torch.zeros(16000, dtype=torch.int16, device=device), 16000)
    with pytest.raises(ParameterError, match=r"y\[1\] must be a 1-D clip"):
        p([torch.zeros(16000, device=device), torch.zeros(2, 16000, device=device)], 16000)
    with pytest.raises(ParameterError, match=r"y\[1\] must be a torch.Tensor"):
        p([torch.zeros(16000, device=device), np.zeros(16000, np.float32)], 16000)
    with pytest.raises(ParameterError, match="NaN or Inf"):
        p(torch.full((16000,), float("inf"), device=device), 16000)


def test_tensor_results_stay_on_device_and_dtype(device):
    y = torch.rand(2, 16000, device=device, dtype=torch.float64) - 0.5
    for out in (
        melforge.feature.melspectrogram(y=y, sr=16000),
        melforge.feature.mfcc(y=y, sr=16000),
        melforge.power_to_db(y.abs()),
        melforge.istft(melforge.stft(y)),
        presets.get("kaldi-fbank-80")(y, 16000),
        presets.get("nemo-80").frames(y, 16000),
    ):
        assert out.device.type == device and out.dtype == torch.float64
    assert melforge.stft(y).dtype == torch.complex128
