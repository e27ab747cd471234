"""Generated audio trees for the pipeline tests (everything written into tmp_path)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
# Worker processes (spawned, Dask, the `melforge` command) import the test presets of
# pipeline_testkit by name: they find it through PYTHONPATH, which they inherit.
if HERE not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (HERE, os.environ.get("PYTHONPATH", "")) if p
    )

TINY = "pipeline_testkit:TinyPreset"


def tone(sr: int, seconds: float, freq: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def write_clip(path: Path, sr: int = 16000, seconds: float = 1.0, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    y = tone(sr, seconds, 220.0 + 37.0 * seed, seed)
    ext = path.suffix.lower()
    fmt = {".wav": "WAV", ".flac": "FLAC", ".mp3": "MP3"}[ext]
    sf.write(path, y, sr, format=fmt)
    return path


def make_tree(root: Path, n: int = 6, corrupt: bool = True) -> list[Path]:
    """n good clips in nested folders (wav/flac/mp3, 16/44.1/48 kHz) plus bad files."""
    kinds = [(".wav", 16000), (".flac", 44100), (".mp3", 48000)]
    files = []
    for i in range(n):
        ext, sr = kinds[i % 3]
        files.append(write_clip(root / f"spk{i % 2}" / f"clip{i:03d}{ext}", sr, 0.5 + 0.1 * i, i))
    if corrupt:
        (root / "bad").mkdir(parents=True, exist_ok=True)
        (root / "bad" / "garbage.wav").write_bytes(os.urandom(3000))
        (root / "bad" / "empty.flac").write_bytes(b"")
        (root / "notes.txt").write_text("not audio, ignored by the walk")
    return files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    make_tree(root)
    return root


def read_errors(out: Path):
    """The errors log of a dataset, as a pyarrow Table (it is JSON lines)."""
    import pyarrow.json as pj

    return pj.read_json(out / "_errors.jsonl")
