"""Speed of from_pretrained Parakeet, Phi-4, Granite and LASR vs transformers' torch path.

Not a ``make bench`` case (that venv has no torch).  Run it in a venv with torch
(and torchaudio for Granite; see tests/golden/make_granite.py), one thread on both
sides::

    PYTHONPATH=src /path/to/torch-venv/bin/python -m bench.pretrained_torch [--reps 5]

A batch of 32 clips of 1-30 s (seeded lengths, speech-like noise) at 16 kHz goes through
``preset.batch(clips, 16000)`` and through the extractor's ``__call__`` (default options,
``return_tensors="np"`` where it takes it).  CPU time (``time.process_time``) per call,
the two sides interleaved, medians of ``--reps`` calls.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

SR = 16000
FAMILIES = [
    ("ParakeetFeatureExtractor", {}, True),
    ("ParakeetFeatureExtractor", {"feature_size": 128}, True),
    ("Phi4MultimodalFeatureExtractor", {}, True),
    ("GraniteSpeechFeatureExtractor", {}, False),
    ("GraniteSpeech5FeatureExtractor", {}, True),
    ("LasrFeatureExtractor", {}, True),
]


def clips(n: int = 32, seed: int = 0) -> list[np.ndarray]:
    """``n`` clips of 1-30 s: filtered noise with a slow envelope (not silence)."""
    rng = np.random.default_rng(seed)
    out = []
    for secs in rng.uniform(1.0, 30.0, n):
        m = int(secs * SR)
        x = rng.standard_normal(m).astype(np.float32)
        x[1:] += 0.9 * x[:-1]
        env = 0.05 + 0.05 * np.sin(np.linspace(0, 20, m, dtype=np.float32)) ** 2
        out.append((0.2 * env * x).astype(np.float32))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    import threadpoolctl
    import torch
    import transformers

    from melforge.presets import from_pretrained

    torch.set_num_threads(1)
    threadpoolctl.threadpool_limits(1)
    batch = clips()
    seconds = sum(c.size for c in batch) / SR
    print(f"32 clips, {seconds:.0f} s of audio; transformers {transformers.__version__}, "
          f"torch {torch.__version__}, 1 thread; CPU s per call, medians of {args.reps}")
    for name, config, takes_options in FAMILIES:
        try:
            fe = getattr(transformers, name)(**config)
        except ImportError as exc:  # Granite without torchaudio
            print(f"{name}: skipped ({exc})".splitlines()[0])
            continue
        preset = from_pretrained(fe.to_dict() | config)
        kwargs = {"sampling_rate": SR, "return_tensors": "np"} if takes_options else {}
        ref_times, our_times = [], []
        for _ in range(args.reps):
            t0 = time.process_time()
            fe(batch, **kwargs)
            t1 = time.process_time()
            preset.batch(batch, SR)
            t2 = time.process_time()
            ref_times.append(t1 - t0)
            our_times.append(t2 - t1)
        ref, ours = statistics.median(ref_times), statistics.median(our_times)
        label = name + (f" {config}" if config else "")
        print(f"{label:55s} transformers {ref:6.3f} s  melforge {ours:6.3f} s  "
              f"ratio {ref / ours:5.2f}x")


if __name__ == "__main__":
    main()
