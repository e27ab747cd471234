"""Shared test fixtures: generated signals with known answers."""

from __future__ import annotations

import os

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def sine(freq: float, sr: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    """A float32 sine of ``freq`` Hz."""
    t = np.arange(int(round(sr * seconds))) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(autouse=True)
def _public_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """MELFORGE_TEST_PUBLIC_FALLBACK=soundfile,fft: run without the private fast paths.

    ``soundfile``: no soundfile private cffi handles (melforge.io._soundfile._PRIVATE);
    ``fft``: scipy.fft instead of the privately loaded pocketfft (melforge.spectral._fft).
    tests/io/test_io_private_paths.py runs the relevant modules this way in a subprocess.
    """
    which = os.environ.get("MELFORGE_TEST_PUBLIC_FALLBACK", "")
    if "soundfile" in which:
        from melforge.io import _soundfile

        monkeypatch.setattr(_soundfile, "_PRIVATE", False)
    if "fft" in which:
        from melforge.spectral import _fft

        monkeypatch.setattr(_fft, "_backend", False)


# tests/with_torch needs PyTorch (make test-torch); without it the folder is not collected.
try:
    import importlib.metadata as _metadata

    _metadata.version("torch")
except _metadata.PackageNotFoundError:
    collect_ignore = ["with_torch"]
