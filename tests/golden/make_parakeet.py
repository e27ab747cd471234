"""Write tests/golden/parakeet.npz: transformers' ParakeetFeatureExtractor outputs.

Run in a venv with torch (the reference needs it), melforge's tree on the path::

    python3 -m venv /tmp/torchref && /tmp/torchref/bin/pip install torch==2.13.0 \
        transformers==5.25.0 numpy soundfile soxr av scipy
    PYTHONPATH=src /tmp/torchref/bin/python tests/golden/make_parakeet.py

The same ``CASES`` are rerun live by ``tests/reference/test_pretrained_parakeet.py``
under ``make test-torch``.  Parakeet (CTC/TDT/RNNT) and Canary configs name this class.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _golden  # noqa: E402

FIXTURE = _golden.HERE / "parakeet.npz"
BATCH = ["speech:3000:7000", "noise:2637:1", "speech:20000:21801"]

#: id, config (non-default entries over the class defaults), clips, call options.
CASES: list[dict[str, Any]] = [
    {"id": "p80_single", "config": {}, "clips": ["speech:0:6000"], "options": {}, "single": True},
    {"id": "p80_batch", "config": {}, "clips": BATCH, "options": {}},
    {
        "id": "p80_max_length",
        "config": {},
        "clips": ["speech:0:5600", "noise:3000:2"],
        "options": {"padding": "max_length", "max_length": 5000, "truncation": True,
                    "pad_to_multiple_of": 512},
    },
    {
        "id": "p80_multiple",
        "config": {},
        "clips": BATCH,
        "options": {"padding": "longest", "pad_to_multiple_of": 1000},
    },
    {"id": "p128_batch", "config": {"feature_size": 128},
     "clips": ["speech:60000:66000", "sine:4321:440"], "options": {}},
    # A chirp: mel bands far from the tone hold ~1e-9 of the frame's power, where
    # transformers' float32 torch.stft is itself ~3e-4 from a float64 computation.
    {"id": "p80_chirp", "config": {}, "clips": ["chirp:28000:40000"], "options": {}},
    {"id": "edited_batch",
     "config": {"feature_size": 64, "win_length": 320, "hop_length": 128, "preemphasis": 0.9},
     "clips": ["chirp:1000:4000", "noise:2500:3"], "options": {}},
]  # fmt: skip


def extractor(case: dict[str, Any]) -> Any:
    """The reference extractor of a case."""
    from transformers import ParakeetFeatureExtractor

    return ParakeetFeatureExtractor(**case["config"])


def config(case: dict[str, Any]) -> dict[str, Any]:
    """The config melforge reads: the extractor's own ``to_dict()``."""
    return dict(extractor(case).to_dict())


def reference(case: dict[str, Any]) -> dict[str, Any]:
    """Run the real extractor on a case; return its output dict (numpy)."""
    clips = [_golden.clip(name) for name in case["clips"]]
    fe = extractor(case)
    audio = clips[0] if case.get("single") else clips
    out = fe(audio, sampling_rate=16000, return_tensors="np", **case["options"])
    return dict(out)


def main() -> None:
    cases = [dict(c, config=config(c)) for c in CASES]
    outputs = {c["id"]: reference(c) for c in CASES}
    meta = _golden.versions("transformers", "torch", "numpy", "soxr", "melforge")
    _golden.save(FIXTURE, cases, outputs, meta)
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
