"""Golden outputs of transformers' ``ClapFeatureExtractor`` (needs torch; not run by make test).

transformers' CLAP extractor requires torch (its fusion path resizes with
``torch.nn.functional.interpolate``), so ``make test`` compares melforge against these
fixtures.  Run in a venv with ``torch==2.13.0`` (CPU) and ``transformers==5.25.0``::

    python tests/golden/make_clap.py tests/golden/clap.npz

Inputs are generated from seeds (numpy PCG64, stable across versions) by
:func:`make_clips`, which the test imports.  Before each call numpy's global RNG is
seeded with ``RNG_SEED``: transformers draws its crops from it, and melforge's preset
with ``seed=RNG_SEED`` draws the same values.  Only frames ``keep`` of each output are
stored, to keep the file small.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path

import numpy as np

SR = 48000
RNG_SEED = 1234
#: name -> (config, clip lengths in samples, call options)
CASES: dict[str, tuple[dict, tuple[int, ...], dict]] = {
    # laion/clap-htsat-fused: fusion + repeatpad, 50-14000 Hz, 10 s windows
    "laion-fused": ({"frequency_min": 50, "truncation": "fusion"}, (144000, 576000, 480100), {}),
    # laion/clap-htsat-unfused: rand_trunc + repeatpad (2 s windows to keep the file small)
    "unfused-2s": (
        {"frequency_min": 50, "truncation": "rand_trunc", "max_length_s": 2},
        (33600, 148800, 96000),
        {},
    ),
    # fusion with only short clips: one random clip is flagged is_longer
    "fused-repeat-2s": (
        {"frequency_min": 50, "truncation": "fusion", "padding": "repeat", "max_length_s": 2},
        (33600, 50000, 96000),
        {},
    ),
    # call options override the config
    "fused-called-rand-trunc-pad": (
        {"frequency_min": 50, "truncation": "fusion", "max_length_s": 2},
        (33600, 148800, 120000),
        {"truncation": "rand_trunc", "padding": "pad"},
    ),
    "fused-max-length-call": (
        {"truncation": "fusion", "max_length_s": 2},
        (33600, 148800),
        {"max_length": 72000},
    ),
}


def make_clips(lengths: tuple[int, ...], seed: int = 7) -> list[np.ndarray]:
    """Tones, a chirp and noise under a slow envelope, one float32 clip per length."""
    rng = np.random.default_rng(seed)
    out = []
    for n in lengths:
        t = np.arange(n) / SR
        f0 = rng.uniform(100, 800)
        y = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.1 * np.sin(2 * np.pi * 3.1 * f0 * t)
        y += 0.05 * np.sin(2 * np.pi * (200 + 3000 * t / max(t[-1], 1e-3)) * t)
        y *= 0.6 + 0.4 * np.sin(2 * np.pi * 0.7 * t)
        y += 0.01 * rng.standard_normal(n)
        out.append(y.astype(np.float32))
    return out


def keep_frames(n_frames: int) -> np.ndarray:
    """Frames stored: the start, the middle and the end."""
    mid = n_frames // 2
    return np.r_[0:10, mid - 5 : mid + 5, n_frames - 10 : n_frames]


def main(out: str) -> None:
    import torch
    import transformers

    arrays: dict[str, np.ndarray] = {}
    for name, (config, lengths, options) in CASES.items():
        fe = transformers.ClapFeatureExtractor(**config)
        np.random.seed(RNG_SEED)  # noqa: NPY002 (transformers draws from the global RNG)
        got = fe(make_clips(lengths), sampling_rate=SR, return_tensors="np", **options)
        feats = got["input_features"]
        arrays[f"{name}/input_features"] = feats[:, :, keep_frames(feats.shape[2])]
        arrays[f"{name}/shape"] = np.array(feats.shape)
        arrays[f"{name}/is_longer"] = got["is_longer"]
        arrays[f"{name}/config"] = np.array(json.dumps(fe.to_dict()))
    arrays["versions"] = np.array([
        f"transformers=={transformers.__version__}",
        f"torch=={torch.__version__}",
        f"numpy=={np.__version__}",
        f"python=={sys.version.split()[0]}",
        f"huggingface-hub=={importlib.metadata.version('huggingface-hub')}",
    ])  # fmt: skip
    np.savez_compressed(out, **arrays)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_name("clap.npz")))
