"""Custom presets declare their layout; the pipeline never guesses it from the shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow.dataset as pads
import pytest
from conftest import read_errors, write_clip
from pipeline_testkit import TinyPreset

import melforge
from melforge.pipeline import FeatureDataset, features_to_numpy
from melforge.presets import FEATURES_X_FRAMES, FRAMES_X_FEATURES


@dataclass(frozen=True)
class Square(TinyPreset):
    """4 features x 4 frames, features first (a square output: its shape says nothing)."""

    name: str = "square"
    layout: ClassVar[str] = FEATURES_X_FRAMES

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:  # noqa: D102
        return np.arange(16, dtype=np.float32).reshape(4, 4)  # row f = feature f


@dataclass(frozen=True)
class Undeclared:
    name: str = "undeclared"
    sample_rate: int = 16000
    n_features: int = 4

    def to_dict(self) -> dict:
        return {"name": self.name}

    def __call__(self, y, sr):
        return np.zeros((10, 4), np.float32)


@dataclass(frozen=True)
class Liar(TinyPreset):
    """Declares frames first, returns features first: refused, not transposed."""

    name: str = "liar"

    def __call__(self, y: np.ndarray, sr: int) -> np.ndarray:  # noqa: D102
        return super().__call__(y, sr).T


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "in" / "a.wav", 16000, 0.5)


def test_square_output_follows_the_declared_layout(clip: Path, tmp_path: Path) -> None:
    melforge.featurize(clip, tmp_path / "out", preset=Square(), workers=1)
    (got,) = features_to_numpy(pads.dataset(tmp_path / "out").to_table().column("features"))
    want = np.arange(16, dtype=np.float32).reshape(4, 4).T  # stored (frames, features)
    np.testing.assert_array_equal(got, want)
    # and FeatureDataset hands it back in either layout
    ds = FeatureDataset(tmp_path / "out", layout=FEATURES_X_FRAMES)
    np.testing.assert_array_equal(ds[0]["features"], want.T)
    np.testing.assert_array_equal(FeatureDataset(tmp_path / "out")[0]["features"], want)
    with pytest.raises(melforge.ParameterError, match=r"layout='frames' must be"):
        FeatureDataset(tmp_path / "out", layout="frames")


def test_a_preset_without_layout_is_refused(clip: Path, tmp_path: Path) -> None:
    with pytest.raises(melforge.ParameterError, match=r"must declare the layout of preset"):
        melforge.featurize(clip, tmp_path / "out", preset=Undeclared())


def test_an_output_not_matching_its_layout_is_refused(clip: Path, tmp_path: Path) -> None:
    s = melforge.featurize(clip, tmp_path / "out", preset=Liar(), workers=1)
    assert (s.files_ok, s.files_failed) == (0, 1)
    (err,) = read_errors(tmp_path / "out").to_pylist()
    assert err["error"] == "ValueError"
    assert f"does not match its declared layout {FRAMES_X_FEATURES}" in err["message"]
