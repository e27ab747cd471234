"""The ``librosa-mel`` preset's recipe describes what the preset computes.

``run(preset.recipe(), y)`` against the preset itself on the bundled speech clip, for
the default (power, dB) and its variants: magnitude (``amplitude_to_db``), a shorter
window centred in the FFT with an HTK bank, and linear output.  dB: 1e-4 dB; linear:
1e-6 of the largest value.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import melforge
from melforge.feature.recipe import run
from melforge.presets import get

VARIANTS = {
    "default": {},
    "magnitude": {"power": 1.0},
    "window-htk": {"win_length": 1024, "htk": True, "norm": None, "window": "hamming"},
    "linear": {"to_db": False},
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_librosa_mel_recipe_matches_the_preset(variant):
    y, _ = melforge.load(melforge.ex("speech"), sr=22050)
    p = dataclasses.replace(get("librosa-mel"), **VARIANTS[variant])
    expected = p(y, 22050)
    out = run(p.recipe(), y[None])[0].T
    assert out.shape == expected.shape
    tol = 1e-4 if p.to_db else 1e-6 * float(np.abs(expected).max())
    assert float(np.abs(out - expected).max()) <= tol


def test_windows_without_a_recipe_name_have_no_recipe():
    assert dataclasses.replace(get("librosa-mel"), window="bartlett").recipe() is None
