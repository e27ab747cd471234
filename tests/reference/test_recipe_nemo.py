"""The NeMo-like families' recipes describe them: fast numpy output == run(recipe).

Parakeet / Canary, LASR, Phi-4-multimodal (from_pretrained) and the ``nemo-80`` preset:
each family's fast kernel (``p(y, sr)`` / ``p.batch``) against
:func:`melforge.feature.recipe.run` of ``p.recipe()`` on the same padded waveform, on a
generated signal and on the bundled clips.  Batch rules that are not part of a recipe
(Phi-4's zeroed straddling frames) are applied by the family's own helper.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import melforge
from melforge.feature.recipe import Recipe, mel_bank, run
from melforge.presets import NemoPreset, from_pretrained
from melforge.presets._padding import pad_sequences

ATOL = 1e-4  # log features (Parakeet and nemo-80 normalized)

PARAKEET = [
    {},
    {"feature_size": 128},
    {"feature_size": 64, "win_length": 320, "hop_length": 128, "preemphasis": 0.9},
]
LASR = [{}, {"feature_size": 80, "n_fft": 400, "win_length": 320, "padding_value": 0.25},
        {"padding_side": "left"}]  # fmt: skip
PHI4 = [{}, {"feature_size": 64, "win_length": 320, "n_fft": 400, "preemphasis": 0.9,
             "mel_min_frequency": 100.0, "mel_max_frequency": 6000.0,
             "padding_value": 0.1}]  # fmt: skip
OPTIONS = [{}, {"pad_to_multiple_of": 1000}, {"padding": "max_length", "max_length": 30000}]


def _generated(n: int, seed: int) -> np.ndarray:
    """A chirp with a little noise: strong and very weak mel bands in every frame."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    y = 0.3 * np.sin(2 * np.pi * (100 + 2500 * t) * t) + 0.01 * rng.standard_normal(n)
    return y.astype(np.float32)


@pytest.fixture(scope="module")
def clips():
    speech, _ = melforge.load(melforge.ex("speech"), sr=16000)
    chirp, _ = melforge.load(melforge.ex("chirp"), sr=16000)
    return {
        "generated": [_generated(21001, 1), _generated(9377, 2)],
        "bundled": [speech[3000:27000].astype(np.float32), chirp[20000:32345].astype(np.float32),
                    speech[40000:46789].astype(np.float32)],
    }  # fmt: skip


def _dev(a, b):
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(np.asarray(a, np.float64) - b).max())


@pytest.mark.parametrize("source", ["generated", "bundled"])
@pytest.mark.parametrize("options", OPTIONS, ids=["longest", "multiple", "max_length"])
@pytest.mark.parametrize("config", PARAKEET, ids=["p80", "p128", "edited"])
def test_parakeet(clips, source, options, config):
    p = from_pretrained({"feature_extractor_type": "ParakeetFeatureExtractor", **config})
    ys = clips[source]
    out = p.batch(ys, 16000, **options)
    padded = pad_sequences(ys, **options)
    ref = run(p.recipe(), padded.values, lengths=[y.size for y in ys])
    assert _dev(out["input_features"], ref) <= ATOL
    one = p(ys[0], 16000)
    assert _dev(one, run(p.recipe(), ys[0][None], lengths=[ys[0].size])[0]) <= ATOL


@pytest.mark.parametrize("source", ["generated", "bundled"])
@pytest.mark.parametrize("options", OPTIONS, ids=["longest", "multiple", "max_length"])
@pytest.mark.parametrize("config", LASR, ids=["default", "edited", "left"])
def test_lasr(clips, source, options, config):
    p = from_pretrained({"feature_extractor_type": "LasrFeatureExtractor", **config})
    ys = clips[source]
    out = p.batch(ys, 16000, **options)
    padded = pad_sequences(ys, padding_value=p.padding_value, padding_side=p.padding_side,
                           **options)  # fmt: skip
    assert _dev(out["input_features"], run(p.recipe(), padded.values)) <= ATOL
    assert _dev(p(ys[1], 16000), run(p.recipe(), ys[1][None])[0]) <= ATOL


@pytest.mark.parametrize("source", ["generated", "bundled"])
@pytest.mark.parametrize("options", OPTIONS, ids=["longest", "multiple", "max_length"])
@pytest.mark.parametrize("config", PHI4, ids=["default", "edited"])
def test_phi4(clips, source, options, config):
    p = from_pretrained({"feature_extractor_type": "Phi4MultimodalFeatureExtractor", **config})
    ys = clips[source]
    out = p.batch(ys, 16000, **options)["audio_input_features"]
    padded = pad_sequences(ys, padding_value=p.padding_value, **options)
    ref = run(p.recipe(), padded.values)
    # The batch rule stays in the family: frames straddling a shorter clip's end are 0.
    for b, (start, stop) in enumerate(p._zeroed_frames(np.array([y.size for y in ys]))):
        ref[b, start:stop] = 0.0
    # Kaldi-style features, but within 1e-6 everywhere (not only within 80 dB of each
    # frame's peak): every value is compared.
    assert _dev(out, ref) <= ATOL
    assert _dev(p(ys[0], 16000), run(p.recipe(), ys[0][None])[0]) <= ATOL


@pytest.mark.parametrize("source", ["generated", "bundled"])
@pytest.mark.parametrize("normalize", ["per_feature", "all_features", None])
def test_nemo80(clips, source, normalize):
    # float32 recipe (the kernel's own precision): the float64 run is up to ~3e-4 away
    # where normalization divides float32 rounding by a small band std (a chirp).
    p = NemoPreset(name="nemo-80", normalize=normalize)
    for y in clips[source]:
        ref = run(p.recipe(), y[None], lengths=[y.size])[0].T
        assert _dev(p(y, 16000), ref) <= ATOL
    same = np.stack([clips[source][0][:9000], clips[source][1][:9000]])
    ref = np.swapaxes(run(p.recipe(), same, lengths=[9000] * 2), 1, 2)
    assert _dev(p(same, 16000), ref) <= ATOL


def test_banks_are_the_named_ones():
    """LASR's kernel runs on the ``mel_space`` bank, cut into bands (its goldens check it
    against transformers); Phi-4's (transformers' triangles in Kaldi mel space) is
    ``kaldi`` and ``mel_space`` alike over its range (DC and Nyquist bins 0)."""
    from melforge.feature.recipe import _bands

    lasr = from_pretrained({"feature_extractor_type": "LasrFeatureExtractor"})
    dense = np.zeros((257, 128))
    for j0, j1, k0, k1, w in _bands(lasr.recipe()):
        dense[k0:k1, j0:j1] = w
    assert np.array_equal(mel_bank(lasr.recipe()), dense)
    phi4 = from_pretrained({"feature_extractor_type": "Phi4MultimodalFeatureExtractor"})
    other = dataclasses.replace(phi4.recipe(), mel_bank="mel_space")
    np.testing.assert_allclose(mel_bank(phi4.recipe()), mel_bank(other), atol=1e-12)


def test_center_window_is_torch_stft():
    """``center`` with ``frame_length < n_fft``: the window sits in the middle of the
    ``n_fft`` frame centred on ``k * hop`` (torch.stft), ``1 + n // hop`` frames."""
    r = Recipe(center=True, pad_mode="constant", frame_length=400, n_fft=512, log="none")
    y = np.zeros((1, 16100))
    y[0, 8000] = 1.0  # an impulse at frame 50's centre
    out = run(r, y)[0]
    assert out.shape[0] == r.n_frames(16100) == 1 + 16100 // 160
    bank = mel_bank(r).sum(axis=0)  # |X|^2 is w[200]^2 = 1 on every bin
    np.testing.assert_allclose(out[50], bank, rtol=1e-9)
