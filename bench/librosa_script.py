"""The plain baseline: featurize a folder with librosa and multiprocessing, as people do today.

``python -m bench.librosa_script IN_DIR OUT_DIR --preset whisper-80 --workers 2``

Each worker decodes a file with ``librosa.load(path, sr=16000)`` (soundfile, soxr_hq,
mono), computes the features with librosa/numpy, and saves one ``.npy`` per clip.  The
recipes are the usual hand-written ones:

* ``whisper-80``: zero-pad or trim to 30 s (as Whisper and melforge's preset do), librosa
  melspectrogram (n_fft 400, hop 160, 80 Slaney mels, power 2, centered reflect padding),
  last frame dropped (3000 frames), log10 with a 1e-10 floor, clamp to
  max - 8, (x + 4) / 4.
* ``kaldi-fbank-80``: 25 ms / 10 ms frames with snip-edges (``librosa.util.frame``) on
  int16-scaled samples, DC removal, pre-emphasis 0.97, Povey window, 512-point power
  spectrum, 80 HTK mel filters from 20 Hz to Nyquist, natural log with a float32-eps floor.

Each worker limits BLAS to one thread (threadpoolctl), so the baseline does not lose to
oversubscription. It prints one JSON line: files, failures, seconds.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import librosa  # imported once in the parent; forked workers inherit it
import numpy as np

AUDIO_EXT = {".wav", ".flac", ".mp3", ".ogg", ".m4a"}
SR = 16000


def whisper_80(y: np.ndarray) -> np.ndarray:
    y = librosa.util.fix_length(y, size=30 * SR)  # Whisper's pad_or_trim to 30 s
    S = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=400, hop_length=160, n_mels=80,
                                       pad_mode="reflect")[:, :-1]
    log = np.log10(np.maximum(S, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).astype(np.float32)


_FB: dict[str, np.ndarray] = {}


def kaldi_fbank_80(y: np.ndarray) -> np.ndarray:
    if len(y) < 400:
        return np.zeros((0, 80), np.float32)
    frames = librosa.util.frame(y * 32768.0, frame_length=400, hop_length=160, axis=0)
    frames = frames - frames.mean(axis=1, keepdims=True)
    frames = np.concatenate(
        [frames[:, :1] * (1 - 0.97), frames[:, 1:] - 0.97 * frames[:, :-1]], axis=1)
    if "w" not in _FB:
        n = np.arange(400)
        _FB["w"] = (0.5 - 0.5 * np.cos(2 * np.pi * n / 399)) ** 0.85
        _FB["mel"] = librosa.filters.mel(sr=SR, n_fft=512, n_mels=80, fmin=20.0, fmax=SR / 2,
                                         htk=True, norm=None)
    spec = np.abs(np.fft.rfft(frames * _FB["w"], n=512, axis=1)) ** 2
    fb = spec @ _FB["mel"].T
    return np.log(np.maximum(fb, np.finfo(np.float32).eps)).astype(np.float32)


RECIPES = {"whisper-80": whisper_80, "kaldi-fbank-80": kaldi_fbank_80}


def _one_thread() -> None:
    """Give the baseline its best case: one BLAS thread per worker, so that N workers
    use N cores without oversubscribing them (most scripts forget this)."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


def _work(job: tuple[str, str, str, str]) -> tuple[str, str]:
    path, rel, out, preset = job
    try:
        y, _ = librosa.load(path, sr=SR)
        feats = RECIPES[preset](y)
        dest = Path(out) / (rel + ".npy")
        dest.parent.mkdir(parents=True, exist_ok=True)
        np.save(dest, feats)
        return rel, ""
    except Exception as exc:  # a plain script that at least survives a bad file
        return rel, f"{type(exc).__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("inputs")
    p.add_argument("out")
    p.add_argument("--preset", default="whisper-80", choices=sorted(RECIPES))
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    root = Path(args.inputs)
    files = sorted(f for f in root.rglob("*") if f.suffix.lower() in AUDIO_EXT)
    jobs = [(str(f), str(f.relative_to(root)), args.out, args.preset) for f in files]
    with multiprocessing.Pool(args.workers, initializer=_one_thread) as pool:
        results = list(pool.imap_unordered(_work, jobs, chunksize=1))
    failed = [r for r in results if r[1]]
    print(json.dumps({"files": len(results), "failed": len(failed),
                      "seconds": time.perf_counter() - t0}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
