"""Shared test fixtures: generated signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def sine(freq: float, sr: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    """A float32 sine of ``freq`` Hz."""
    t = np.arange(int(round(sr * seconds))) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# tests/with_torch needs PyTorch (make test-torch); without it the folder is not collected.
try:
    import importlib.metadata as _metadata

    _metadata.version("torch")
except _metadata.PackageNotFoundError:
    collect_ignore = ["with_torch"]
