"""SpeechT5's ``audio_target`` log-mel is a Recipe: fast numpy targets == run(recipe).

The codec families (EnCodec, Mimi, DAC, X-codec, Dia) and SpeechT5's ``input_values``
pad the waveform and compute no spectrogram: their ``recipe()`` is None.  SpeechT5's
decoder targets (``labels``, or ``input_values`` with ``audio_target=True``) are checked
per clip against :func:`melforge.feature.recipe.run` of ``p.recipe()`` on the clip, on
generated signals and bundled clips, for the published config and edited ones (Hamming
25 ms frames; Povey at 22.05 kHz, whose 1411-sample frame is odd: ``center_frame``).
"""

from __future__ import annotations

import numpy as np
import pytest

import melforge
from melforge.feature.recipe import Recipe, run
from melforge.presets import from_pretrained

ATOL = 1e-4  # log10 mel targets (the bound)

CONFIGS = {
    "default": {},  # microsoft/speecht5_tts
    "hamming-25ms": {"num_mel_bins": 40, "hop_length": 10, "win_length": 25,
                     "win_function": "hamming_window", "fmin": 0, "fmax": 8000,
                     "mel_floor": 1e-5},
    "povey-22khz": {"sampling_rate": 22050, "win_function": "povey", "fmax": 11025.0},
    "boxcar": {"win_function": "boxcar", "num_mel_bins": 64},
}  # fmt: skip

CODECS = [
    ("EncodecFeatureExtractor", {}),
    ("EncodecFeatureExtractor", {"sampling_rate": 48000, "feature_size": 2,
                                 "chunk_length_s": 1.0, "overlap": 0.01}),
    ("DacFeatureExtractor", {"sampling_rate": 44100, "hop_length": 512}),
    ("DiaFeatureExtractor", {"sampling_rate": 44100, "feature_size": 2}),
]  # fmt: skip


def _generated(n: int, sr: int, seed: int) -> np.ndarray:
    """A chirp with a little noise: strong and very weak mel bands in every frame."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    y = 0.3 * np.sin(2 * np.pi * (100 + 2500 * t) * t) + 0.01 * rng.standard_normal(n)
    return y.astype(np.float32)


def _clips(sr: int) -> dict[str, list[np.ndarray]]:
    speech, _ = melforge.load(melforge.ex("speech"), sr=sr)
    music, _ = melforge.load(melforge.ex("music"), sr=sr)
    return {
        # 300 samples: shorter than half a frame, the reflect padding wraps
        "generated": [_generated(int(1.1 * sr) + 3, sr, 1), _generated(300, sr, 2)],
        "bundled": [speech[: int(1.2 * sr)].astype(np.float32),
                    music[1000 : 1000 + int(0.45 * sr) + 7].astype(np.float32)],
    }  # fmt: skip


def _speecht5(name: str):
    return from_pretrained({"feature_extractor_type": "SpeechT5FeatureExtractor",
                            **CONFIGS[name]})  # fmt: skip


@pytest.mark.parametrize("source", ["generated", "bundled"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_speecht5_targets_are_the_recipe(name, source):
    preset = _speecht5(name)
    recipe = preset.recipe()
    assert isinstance(recipe, Recipe) and recipe.center_frame
    clips = _clips(preset.sample_rate)[source]
    out = preset.batch(clips, preset.sample_rate, audio_target=True, padding=True)
    labels, mask = out["input_values"], out["attention_mask"]
    for i, clip in enumerate(clips):
        ref = run(recipe, clip[None].astype(np.float64))[0]
        frames = recipe.n_frames(clip.shape[-1])
        assert ref.shape == (frames, preset.num_mel_bins)
        assert int(mask[i].sum()) == frames
        np.testing.assert_allclose(labels[i, :frames], ref, rtol=0, atol=ATOL)
        # the one-clip helper too
        np.testing.assert_allclose(preset.log_mel_target(clip), ref, rtol=0, atol=ATOL)


def test_center_frame_matches_n_fft_centring_for_even_frames_only():
    y = _generated(5001, 16000, 3)[None]
    base = dict(center=True, frame_length=1000, hop_length=160, n_fft=1024, power=1.0)
    even = run(Recipe(**base), y)
    np.testing.assert_allclose(run(Recipe(**base, center_frame=True), y), even, atol=1e-9)
    odd = dict(base, frame_length=1001)  # transformers: 1 + (n - 1) // hop frames
    assert Recipe(**odd).n_frames(4800) == 31
    assert Recipe(**odd, center_frame=True).n_frames(4800) == 30


@pytest.mark.parametrize(("extractor", "config"), CODECS, ids=str)
def test_codecs_have_no_recipe(extractor, config):
    # waveform families: padding only, no spectrogram
    assert from_pretrained({"feature_extractor_type": extractor, **config}).recipe() is None
