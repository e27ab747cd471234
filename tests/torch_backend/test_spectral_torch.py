"""stft, istft, the dB functions, melspectrogram and mfcc on tensors == the numpy path."""

import numpy as np
import pytest
import torch
from conftest import max_dev

import melforge
from melforge import ParameterError

pytestmark = pytest.mark.torch


def _t(x, device, dtype=torch.float32):
    return torch.as_tensor(np.asarray(x), device=device).to(dtype)


@pytest.mark.parametrize(
    "opts",
    [
        dict(n_fft=512, hop_length=128),
        dict(n_fft=400, hop_length=160, window="hamming", pad_mode="reflect"),
        dict(n_fft=256, win_length=200, center=False),
        dict(n_fft=512, pad_mode="edge"),
    ],
)
def test_stft_matches_numpy(noise, device, opts):
    ref = melforge.stft(noise, **opts)
    out = melforge.stft(_t(noise, device), **opts)
    assert out.device.type == device and out.dtype == torch.complex64
    assert tuple(out.shape) == ref.shape
    # linear values: 1e-5 relative to the spectrum's peak (float32 FFT rounding)
    assert max_dev(out, ref) <= 1e-5 * np.abs(ref).max()


def test_stft_float64_and_istft_round_trip(noise, device):
    y = noise[0]
    ref = melforge.stft(y.astype(np.float64), n_fft=512)
    D = melforge.stft(_t(y, device, torch.float64), n_fft=512)
    assert D.dtype == torch.complex128
    assert max_dev(D, ref) <= 1e-10
    back = melforge.istft(D, length=y.shape[-1])
    assert back.dtype == torch.float64 and back.device.type == device
    assert max_dev(back, melforge.istft(ref, length=y.shape[-1])) <= 1e-10
    D32 = melforge.stft(_t(y, device), n_fft=512, hop_length=100)
    y32 = melforge.istft(D32, hop_length=100)
    ref32 = melforge.istft(melforge.stft(y, n_fft=512, hop_length=100), hop_length=100)
    assert y32.dtype == torch.float32 and max_dev(y32, ref32) <= 1e-5


def test_db_functions_match_numpy(noise, device):
    S = np.abs(melforge.stft(noise[0, 0], n_fft=512)) ** 2
    St = _t(S, device)
    for ref in (1.0, np.max):
        assert max_dev(melforge.power_to_db(St, ref=ref), melforge.power_to_db(S, ref=ref)) <= 1e-4
        A, At = np.sqrt(S), St.sqrt()
        assert max_dev(melforge.amplitude_to_db(At, ref=ref),
                       melforge.amplitude_to_db(A, ref=ref)) <= 1e-4  # fmt: skip
    dB = melforge.power_to_db(S, top_db=None)
    assert max_dev(melforge.power_to_db(St, top_db=None), dB) <= 1e-4
    back = melforge.db_to_power(_t(dB, device))
    assert max_dev(back, melforge.db_to_power(dB)) <= 1e-5 * S.max()
    back = melforge.db_to_amplitude(_t(dB, device))
    assert max_dev(back, melforge.db_to_amplitude(dB)) <= 1e-5 * np.sqrt(S.max())
    with pytest.warns(UserWarning, match="phase information"):
        melforge.power_to_db(torch.ones(3, dtype=torch.complex64, device=device))


@pytest.mark.parametrize("opts", [dict(), dict(n_mels=40, fmax=6000, htk=True, power=1.0)])
def test_melspectrogram_matches_numpy(noise, device, opts):
    ref = melforge.feature.melspectrogram(y=noise, sr=16000, n_fft=512, **opts)
    out = melforge.feature.melspectrogram(y=_t(noise, device), sr=16000, n_fft=512, **opts)
    assert out.dtype == torch.float32 and tuple(out.shape) == ref.shape
    assert max_dev(out, ref) <= 1e-5 * ref.max()
    S = np.abs(melforge.stft(noise, n_fft=512)) ** 2
    ref_s = melforge.feature.melspectrogram(S=S, sr=16000)
    out_s = melforge.feature.melspectrogram(S=_t(S, device), sr=16000)
    assert max_dev(out_s, ref_s) <= 1e-5 * ref_s.max()


@pytest.mark.parametrize(
    "opts", [dict(), dict(n_mfcc=13, lifter=22), dict(dct_type=3, norm=None), dict(dct_type=1)]
)
def test_mfcc_matches_numpy(noise, device, opts):
    ref = melforge.feature.mfcc(y=noise, sr=16000, n_fft=512, **opts)
    out = melforge.feature.mfcc(y=_t(noise, device), sr=16000, n_fft=512, **opts)
    assert out.dtype == torch.float32 and tuple(out.shape) == ref.shape
    scale = max(1.0, float(np.abs(ref).max()) / 100)  # unnormalized DCTs grow with n_mels
    assert max_dev(out, ref) <= 1e-4 * scale * 10


def test_tensor_errors(device):
    with pytest.raises(ParameterError, match="float32 or float64 tensor"):
        melforge.stft(torch.ones(1000, dtype=torch.int16, device=device))
    with pytest.raises(ParameterError, match="NaN or Inf"):
        melforge.stft(torch.full((1000,), float("nan"), device=device))
    with pytest.raises(ParameterError, match="out= is not supported"):
        melforge.stft(torch.ones(1000, device=device), out=np.empty((1025, 2), np.complex64))
    with pytest.raises(ParameterError, match="callable pad_mode"):
        melforge.stft(torch.ones(4000, device=device), pad_mode=np.pad)
    with pytest.raises(ParameterError, match="too large for uncentered"):
        melforge.stft(torch.ones(100, device=device), center=False)
