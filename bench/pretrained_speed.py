"""Speed of ``from_pretrained(...).batch`` vs the transformers extractor, one thread.

    PYTHONPATH=src python -m bench.pretrained_speed whisper [clap ...]

A batch of 32 clips of mixed lengths (1-30 s, seeded), each side called on the same
list with the same options; interleaved runs, median CPU time
(``time.process_time``, less disturbed by a loaded machine), one thread
(threadpoolctl for BLAS, scipy.fft/pocketfft workers=1).  Prints one line per family.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _clips(
    sr: int, n: int = 32, seed: int = 0, channels: int = 0, longest: float = 30.0
) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    secs = rng.uniform(1.0, longest, n)
    t_shape = (lambda m: (channels, m)) if channels else (lambda m: (m,))
    out = []
    for s in secs:
        m = int(s * sr)
        t = np.arange(m) / sr
        y = 0.3 * np.sin(2 * np.pi * rng.uniform(100, 2000) * t) * rng.uniform(0.1, 1.0)
        noise = 0.05 * rng.standard_normal(t_shape(m))
        out.append((y + noise).astype(np.float32))
    return out


def _families() -> dict[str, Callable[[], tuple[Any, Any, list[np.ndarray], dict]]]:
    import transformers as tf

    from melforge.presets import from_pretrained

    def make(fe: Any, options: dict, channels: int = 0, ref_options: dict | None = None):
        def build(n: int = 32, longest: float = 30.0):
            nonlocal fe
            fe = fe() if callable(fe) and not hasattr(fe, "to_dict") else fe
            p = from_pretrained(fe.to_dict())
            clips = _clips(p.sample_rate, n, channels=channels, longest=longest)
            return fe, p, clips, options, ref_options

        return build

    return {
        "whisper": make(tf.WhisperFeatureExtractor(), {}),
        "whisper-longest-mask": make(
            tf.WhisperFeatureExtractor(feature_size=128, return_attention_mask=True),
            {"padding": "longest", "return_attention_mask": True},
        ),
        "encodec-48khz-stereo": make(
            tf.EncodecFeatureExtractor(
                sampling_rate=48000, feature_size=2, chunk_length_s=1.0, overlap=0.01
            ),
            {},
            channels=2,
        ),
        "dac-44khz": make(tf.DacFeatureExtractor(sampling_rate=44100), {}),
        "speecht5": make(tf.SpeechT5FeatureExtractor(do_normalize=True), {"padding": True}),
        "gemma3n": make(tf.Gemma3nAudioFeatureExtractor(), {}),
        "gemma4": make(tf.Gemma4AudioFeatureExtractor(), {}),
        # transformers' CLAP extractor needs torch: run this row in a torch venv
        "clap-fused": make(
            lambda: tf.ClapFeatureExtractor(frequency_min=50, truncation="fusion"), {}
        ),
        "clap-unfused": make(
            lambda: tf.ClapFeatureExtractor(frequency_min=50, truncation="rand_trunc"), {}
        ),
    }


def measure(name: str, build: Callable, repeats: int = 5) -> str:
    fe, p, clips, options, ref_options = build()
    ref_options = options if ref_options is None else ref_options
    sr = p.sample_rate
    ours = lambda: p.batch(clips, sr, **options)  # noqa: E731
    theirs = lambda: fe(clips, sampling_rate=sr, return_tensors="np", **ref_options)  # noqa: E731
    ours(), theirs()
    t_ours, t_ref = [], []
    for _ in range(repeats):
        for fn, acc in ((ours, t_ours), (theirs, t_ref)):
            t0 = time.process_time()
            fn()
            acc.append(time.process_time() - t0)
    a, b = statistics.median(t_ours), statistics.median(t_ref)
    secs = sum(c.shape[-1] for c in clips) / sr
    return (
        f"{name}: melforge {a * 1e3:.1f} ms, transformers {b * 1e3:.1f} ms, {b / a:.1f}x "
        f"({len(clips)} clips, {secs:.0f} s of audio)"
    )


def main(names: list[str]) -> None:
    from threadpoolctl import threadpool_limits

    families = _families()
    with threadpool_limits(1):
        for name in names or list(families):
            repeats = 3 if "quick" in sys.argv else 5
            print(measure(name, families[name], repeats=repeats), flush=True)


if __name__ == "__main__":
    main([a for a in sys.argv[1:] if a != "quick"])
