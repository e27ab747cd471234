"""Write tests/golden/phi4.npz: transformers' Phi4MultimodalFeatureExtractor outputs.

Run in a venv with torch (the reference needs it), melforge's tree on the path::

    python3 -m venv /tmp/torchref && /tmp/torchref/bin/pip install torch==2.13.0 \
        transformers==5.25.0 numpy soundfile soxr av scipy
    PYTHONPATH=src /tmp/torchref/bin/python tests/golden/make_phi4.py

The same ``CASES`` are rerun live by ``tests/reference/test_pretrained_phi4.py``
under ``make test-torch``.  ``microsoft/Phi-4-multimodal-instruct`` names this class.
The mel range (``mel_min_frequency``/``mel_max_frequency``) is an ``__init__`` argument
that ``to_dict()`` does not save; the edited case passes it in the config by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _golden  # noqa: E402

FIXTURE = _golden.HERE / "phi4.npz"
# 2600 samples: 2600 % 160 < 80, so one frame across its end is zeroed in a batch.
BATCH = ["speech:3000:7000", "noise:2600:1", "speech:20000:21801"]

#: id, config (non-default entries over the class defaults), clips, call options.
CASES: list[dict[str, Any]] = [
    {"id": "single", "config": {}, "clips": ["speech:0:6000"], "options": {}, "single": True},
    {"id": "batch", "config": {}, "clips": BATCH, "options": {}},
    {"id": "batch_no_mask", "config": {}, "clips": BATCH,
     "options": {"return_attention_mask": False}},
    {
        "id": "max_length",
        "config": {},
        "clips": ["speech:0:5600", "noise:3000:2"],
        "options": {"padding": "max_length", "max_length": 5000, "truncation": True,
                    "pad_to_multiple_of": 512},
    },
    {"id": "edited",
     "config": {"preemphasis": 0.9, "padding_value": 0.05, "audio_compression_rate": 4,
                "audio_downsample_rate": 2, "mel_min_frequency": 20.0,
                "mel_max_frequency": 7600.0},
     "clips": ["chirp:1000:4000", "noise:2500:3"], "options": {}},
]  # fmt: skip


def extractor(case: dict[str, Any]) -> Any:
    """The reference extractor of a case."""
    from transformers import Phi4MultimodalFeatureExtractor

    return Phi4MultimodalFeatureExtractor(**case["config"])


def config(case: dict[str, Any]) -> dict[str, Any]:
    """The config melforge reads: ``to_dict()`` plus the hand-edited keys it drops."""
    return dict(extractor(case).to_dict(), **case["config"])


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
