"""Golden outputs of openai-whisper's ``log_mel_spectrogram`` (needs torch; not run by make test).

Run in a separate venv holding ``torch==2.13.0`` (CPU) and ``openai-whisper`` (its
``whisper/audio.py`` only: the package's ``__init__`` needs numba, so the module is
loaded without it)::

    python tests/golden/make_whisper_openai.py tests/golden/whisper_openai.npz

Inputs are generated from a seed (numpy's PCG64, stable across versions); the test
``tests/reference/test_golden_whisper_openai.py`` regenerates them with the same
function.  Two conventions are recorded:

- ``transcribe``: ``log_mel_spectrogram(clip, padding=N_SAMPLES)[:, :N_FRAMES]`` per
  clip, what ``whisper.transcribe`` feeds the model for the first 30 s window;
- ``batched``: ``log_mel_spectrogram(torch.stack([pad_or_trim(c) for c in clips]))``,
  the README's batched decoding, one clamp for the whole batch.

To keep the file small only frames ``KEEP`` of each output are stored.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np

SEED = 20261203
SR = 16000
#: frames stored of each (80, 3000) output: the start, and the end of the 30 s window
KEEP = np.r_[0:60, 2970:3000]


def make_clips() -> list[np.ndarray]:
    """A quiet clip, a loud one, and a 31 s one whose loud burst lies past 30 s."""
    rng = np.random.default_rng(SEED)
    t = np.arange(8000) / SR
    quiet = 1e-3 * np.sin(2 * np.pi * 440 * t) + 1e-4 * rng.standard_normal(8000)
    loud = 0.5 * rng.standard_normal(3200)
    long = 1e-5 * rng.standard_normal(31 * SR)
    long[30 * SR + 3200 : 30 * SR + 4800] += 0.9 * rng.standard_normal(1600)
    return [quiet.astype(np.float32), loud.astype(np.float32), long.astype(np.float32)]


def _whisper_audio() -> types.ModuleType:
    spec = importlib.util.find_spec("whisper")
    assert spec is not None and spec.origin is not None
    package = types.ModuleType("whisper")
    package.__path__ = [str(Path(spec.origin).parent)]
    sys.modules["whisper"] = package  # whisper/__init__ imports numba: skipped
    import whisper.audio

    return whisper.audio


def main(out: str) -> None:
    import torch

    audio = _whisper_audio()
    clips = make_clips()
    transcribe = np.stack([
        audio.log_mel_spectrogram(torch.from_numpy(c), 80, padding=audio.N_SAMPLES)[
            :, : audio.N_FRAMES
        ].numpy()
        for c in clips
    ])  # fmt: skip
    stacked = torch.stack([audio.pad_or_trim(torch.from_numpy(c)) for c in clips])
    batched = audio.log_mel_spectrogram(stacked, 80).numpy()
    assert transcribe.shape == batched.shape == (3, 80, 3000)
    np.savez_compressed(
        out,
        transcribe=transcribe[:, :, KEEP].astype(np.float32),
        batched=batched[:, :, KEEP].astype(np.float32),
        keep=KEEP,
        seed=np.int64(SEED),
        versions=np.array(
            [
                f"openai-whisper=={importlib.metadata.version('openai-whisper')}",
                f"torch=={torch.__version__}",
                f"numpy=={np.__version__}",
            ]
        ),  # fmt: skip
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_name("whisper_openai.npz")))
