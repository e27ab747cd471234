"""The seed article's program runs unchanged on melforge and gives librosa's numbers."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

ARTICLE = Path(__file__).with_name("article.py").read_text()


def _run(code: str) -> dict:
    namespace: dict = {"__name__": "seed_article"}
    exec(compile(code, "article.py", "exec"), namespace)  # noqa: S102
    plt.close("all")
    return namespace


@pytest.fixture(scope="module")
def both():
    import melforge

    assert "import melforge as librosa\n" in ARTICLE
    ours = _run(ARTICLE)
    path = melforge.ex("speech")
    reference_code = ARTICLE.replace(
        "import melforge as librosa\n", "import librosa\nimport librosa.display\n"
    ).replace("librosa.ex('speech')", repr(path))
    theirs = _run(reference_code)
    return ours, theirs


def test_article_runs_on_melforge(both):
    ours, _ = both
    assert ours["sampling_rate"] == 22050
    assert ours["audio"].dtype == np.float32
    assert ours["MelSpectogram_dB"].shape[0] == 128


def test_article_waveform_and_axis_match_librosa(both):
    ours, theirs = both
    # Same decoder (libsndfile) and the same soxr_hq call: identical up to float32 rounding.
    np.testing.assert_allclose(ours["audio"], theirs["audio"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours["frequency"], theirs["frequency"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["amplitude_dB", "spectogram_to_dB", "MelSpectogram_dB"])
def test_article_decibels_match_librosa(both, name):
    ours, theirs = both
    a, b = np.asarray(ours[name], dtype=np.float64), np.asarray(theirs[name], dtype=np.float64)
    assert a.shape == b.shape
    # All three are in dB relative to their maximum (ref=np.max), floored at -80 dB.
    # Back in linear units the difference is at most 1e-5 of the peak (float32 FFTs) ...
    scale = 20.0 if name != "MelSpectogram_dB" else 10.0
    np.testing.assert_allclose(10 ** (a / scale), 10 ** (b / scale), rtol=0, atol=1e-5)
    # ... and within 0.001 dB wherever the level is above -60 dB.
    loud = b > -60.0
    np.testing.assert_allclose(a[loud], b[loud], rtol=0, atol=1e-3)
