"""Golden outputs of torch-only Kaldi-fbank references (run in a torch venv, not in tests).

Usage, from the repository root, in a venv holding ``torch`` (CPU) and ``transformers``::

    python tests/golden/make_kaldi_fbank.py

Writes, depending on what the venv can import:

- ``tests/golden/ast_numpy.npz`` — transformers' ``ASTFeatureExtractor`` when torch is
  installed and torchaudio is not (its numpy fallback path; the class refuses to run
  without torch);
- ``tests/golden/torchaudio_fbank.npz`` — ``torchaudio.compliance.kaldi.fbank`` with the
  options of melforge's ``torchaudio-fbank-80`` preset and of AST's torchaudio path;
- ``tests/golden/lhotse_fbank.npz`` — lhotse's ``Fbank`` (``lhotse-fbank-80``), when
  lhotse is installed (``pip install lhotse urllib3``; it needs torch, not torchaudio).

The inputs (float32 16 kHz excerpts of the bundled clips, read with soundfile and
resampled with soxr, plus seeded noise) are written once to
``tests/golden/kaldi_fbank_inputs.npz`` and reused by later runs, so that fixtures made
in different venvs share them; each fixture records its library versions.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "src" / "melforge" / "examples" / "data"


def _clip(stem: str, start_s: float, seconds: float) -> np.ndarray:
    path = next(DATA.glob(stem + ".*"))
    y, sr = sf.read(path, dtype="float32", always_2d=True)
    y = soxr.resample(y.mean(axis=1), sr, 16000, quality="HQ").astype(np.float32)
    return y[int(start_s * 16000) : int((start_s + seconds) * 16000)]


def inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2026)
    return {
        "speech": _clip("speech", 0.5, 1.0),
        "music": _clip("music", 1.0, 0.6),
        "chirp": _clip("chirp", 0.2, 0.5),
        "noise": (0.05 * rng.standard_normal(4321)).astype(np.float32),
    }


def versions() -> dict[str, str]:
    import numpy
    import torch
    import transformers

    out = {"numpy": numpy.__version__, "torch": torch.__version__,
           "transformers": transformers.__version__}  # fmt: skip
    if importlib.util.find_spec("torchaudio"):
        import torchaudio

        out["torchaudio"] = torchaudio.__version__
    if importlib.util.find_spec("lhotse"):
        import lhotse

        out["lhotse"] = lhotse.__version__
    return out


def ast_numpy(clips: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """AST on its numpy path: the default config and a hand-edited one."""
    import transformers

    out: dict[str, np.ndarray] = {}
    names = list(clips)
    batch = [clips[n] for n in names]
    configs = {
        "default": {},
        "edited": {"num_mel_bins": 64, "max_length": 100, "mean": -3.0, "std": 2.5},
        "raw": {"do_normalize": False, "max_length": 150},
    }
    for key, config in configs.items():
        fe = transformers.ASTFeatureExtractor(**config)
        some = batch if key == "default" else batch[::2]  # speech and chirp
        got = fe(some, sampling_rate=16000, return_tensors="np")
        assert set(got.keys()) == {"input_values"}
        values = np.asarray(got["input_values"], dtype=np.float32)
        out[f"{key}/input_values"] = values
        out[f"{key}/config"] = np.array(repr(fe.to_dict()))
    out["names"] = np.array(names)
    return out


def torchaudio_fbank(clips: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """torchaudio.compliance.kaldi.fbank with the presets' and AST's options."""
    import torch
    import torchaudio.compliance.kaldi as ta_kaldi

    option_sets = {
        # melforge's torchaudio-fbank-80: torchaudio's defaults but 80 bins.
        "torchaudio-fbank-80": {"num_mel_bins": 80},
        # the same on int16-scaled input (WeNet/ESPnet multiply by 32768 first)
        "scaled": {"num_mel_bins": 80, "_scale": 32768.0},
        "energy": {"num_mel_bins": 40, "use_energy": True, "snip_edges": False},
        # AST's torchaudio path (transformers with torchaudio installed)
        "ast": {"num_mel_bins": 128, "window_type": "hanning"},
    }
    out: dict[str, np.ndarray] = {}
    for key, opts in option_sets.items():
        opts = dict(opts)
        scale = opts.pop("_scale", 1.0)
        for name, y in clips.items():
            if key in ("scaled", "energy") and name not in ("speech", "noise"):
                continue
            x = torch.from_numpy(y * np.float32(scale)).unsqueeze(0)
            feats = ta_kaldi.fbank(x, sample_frequency=16000, **opts).numpy()
            out[f"{key}/{name}"] = feats.astype(np.float32)
    return out


def lhotse_fbank(clips: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """lhotse's Fbank: its default config, and one with energy and snipped edges."""
    from lhotse import Fbank, FbankConfig

    option_sets = {
        "lhotse-fbank-80": {},
        "energy": {"use_energy": True, "snip_edges": True, "num_filters": 40},
    }
    out: dict[str, np.ndarray] = {}
    for key, opts in option_sets.items():
        extractor = Fbank(FbankConfig(**opts))
        for name, y in clips.items():
            out[f"{key}/{name}"] = np.asarray(extractor.extract(y, 16000), dtype=np.float32)
    return out


INPUTS = HERE / "kaldi_fbank_inputs.npz"


def main() -> None:
    if not INPUTS.exists():
        np.savez_compressed(INPUTS, **inputs())
    with np.load(INPUTS) as data:
        clips = {k: data[k] for k in data.files}
    meta: dict[str, np.ndarray] = {}
    have_ta = importlib.util.find_spec("torchaudio") is not None
    info = versions()
    meta["versions"] = np.array(repr(info))
    print(info)
    if not have_ta:
        np.savez_compressed(HERE / "ast_numpy.npz", **meta, **ast_numpy(clips))
        print("wrote ast_numpy.npz")
    if importlib.util.find_spec("lhotse") is not None:
        np.savez_compressed(HERE / "lhotse_fbank.npz", **meta, **lhotse_fbank(clips))
        print("wrote lhotse_fbank.npz")
    else:
        np.savez_compressed(HERE / "torchaudio_fbank.npz", **meta, **torchaudio_fbank(clips))
        print("wrote torchaudio_fbank.npz")


if __name__ == "__main__":
    sys.exit(main())
