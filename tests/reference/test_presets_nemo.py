"""nemo-80 vs kaldi-native-fbank OnlineNemoFbank (unnormalized) and NeMo normalize_batch.

After normalization nemo-80 is also compared with transformers' ParakeetFeatureExtractor
(golden outputs): tests/reference/test_pretrained_parakeet.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import melforge
import melforge.presets
from melforge.feature.nemo import nemo_log_mel

knf = pytest.importorskip("kaldi_native_fbank")

TOL = 1e-3  # natural-log mel units


def _knf_nemo(y: np.ndarray) -> np.ndarray:
    f = knf.OnlineNemoFbank(knf.NemoFbankOptions())
    f.accept_waveform(16000, y)
    f.input_finished()
    frames, _ = f.get_frames(0, f.num_frames_ready, True)
    return np.asarray(frames)


def _nemo_normalize_batch(x: np.ndarray, valid: int) -> np.ndarray:
    """NeMo's normalize_batch(per_feature) over the valid frames, then its padding mask.

    Restated from NeMo's source, float64: statistics over frames ``0:valid``
    (``valid = n // hop``), unbiased std + 1e-5; frames from ``valid`` on become 0.
    """
    live = x[:, :valid]
    mean = live.mean(axis=1, keepdims=True)
    std = np.sqrt(((live - mean) ** 2).sum(axis=1, keepdims=True) / (valid - 1))
    out = np.zeros_like(x)
    out[:, :valid] = (live - mean) / (std + 1e-5)
    return out


@pytest.mark.parametrize("n", [400, 1000, 16000, 16037])
def test_log_mel_matches_knf(n, rng):
    y = (0.1 * rng.standard_normal(n)).astype(np.float32)
    ours = nemo_log_mel(y, normalize=None)
    ref = _knf_nemo(y)  # knf returns n // 160 frames; NeMo (torch.stft) has 1 + n // 160
    assert ours.shape == (80, 1 + n // 160)
    assert np.abs(ours.T[: len(ref)] - ref).max() <= TOL  # tolerance: 1e-3 absolute


def test_preset_normalizes_per_feature(rng):
    y = (0.1 * rng.standard_normal(16037)).astype(np.float32)
    raw = nemo_log_mel(y, normalize=None).astype(np.float64)
    ours = melforge.presets.get("nemo-80")(y, 16000)
    ref = _nemo_normalize_batch(raw, 16037 // 160)
    assert np.abs(ours - ref).max() <= 1e-4  # tolerance: 1e-4 absolute
    np.testing.assert_allclose(ours[:, :-1].mean(axis=1), 0.0, atol=1e-5)
    assert not ours[:, -1].any()  # the frame past n // hop is masked to 0


@pytest.mark.parametrize("clip", ["speech", "music", "chirp"])
def test_bundled_clips(clip):
    y, sr = sf.read(melforge.ex(clip), dtype="float32", always_2d=True)
    y = melforge.resample(y.mean(axis=1), orig_sr=sr, target_sr=16000, res_type="soxr_hq")
    ours = nemo_log_mel(y, normalize=None)
    ref = _knf_nemo(y)
    assert np.abs(ours.T[: len(ref)] - ref).max() <= TOL  # tolerance: 1e-3 absolute
