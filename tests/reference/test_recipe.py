"""The declarative recipe, run by numpy, against transformers' numpy extractors (live).

Two recipes far apart (Whisper: centred, periodic Hann, Slaney mel, log10 clamp;
SeamlessM4T: snip edges, x32768, DC removal, pre-emphasis, Povey, Kaldi mel space,
ln, per-bin CMVN, stacking) show that one description covers both conventions.
"""

import numpy as np
import pytest

from melforge.feature.recipe import Recipe, run

transformers = pytest.importorskip("transformers")

WHISPER = Recipe(
    center=True, drop_last=True, fmax=8000.0, dynamic_range=8.0, log_scale=0.25, log_offset=1.0
)
SEAMLESS = Recipe(
    waveform_scale=32768.0, n_fft=512, remove_dc=True, preemphasis=0.97, window="povey",
    periodic=False, mel_bank="kaldi", mel_norm=None, fmin=20.0, log="ln",
    mel_floor=float(np.finfo(np.float32).eps), normalize="per_bin", norm_ddof=1,
    norm_eps=1e-7, stack=2,
)  # fmt: skip


@pytest.fixture(scope="module")
def clip():
    rng = np.random.default_rng(7)
    t = np.arange(3 * 16000) / 16000
    y = 0.3 * np.sin(2 * np.pi * 440 * t * (1 + t)) + 0.01 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def test_whisper_recipe_matches_transformers(clip):
    ref = transformers.WhisperFeatureExtractor()([clip], sampling_rate=16000, return_tensors="np")
    padded = np.zeros((1, 480000), np.float32)
    padded[0, : clip.size] = clip
    out = run(WHISPER, padded)[0].T
    assert out.shape == ref["input_features"][0].shape
    assert np.abs(out - ref["input_features"][0]).max() < 1e-5


def test_seamless_recipe_matches_transformers(clip):
    fe = transformers.SeamlessM4TFeatureExtractor()
    ref = fe([clip], sampling_rate=16000, return_tensors="np", pad_to_multiple_of=None)
    out = run(SEAMLESS, clip[None])[0]
    expected = ref["input_features"][0]
    assert out.shape == expected.shape
    assert np.abs(out - expected).max() < 1e-4


def test_recipe_round_trips_and_batches(clip):
    again = Recipe(**SEAMLESS.to_dict())
    assert again == SEAMLESS and hash(again) == hash(SEAMLESS)
    batch = np.stack([clip, clip[::-1].copy()])
    both = run(WHISPER, batch)
    for row, y in zip(both, batch, strict=True):
        np.testing.assert_allclose(row, run(WHISPER, y[None])[0], atol=1e-12)
    assert both.shape == (2, WHISPER.n_frames(clip.size), WHISPER.n_features)
