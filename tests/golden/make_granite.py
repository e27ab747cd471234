"""Write tests/golden/granite.npz: transformers' Granite Speech extractors' outputs.

``GraniteSpeechFeatureExtractor`` (granite-speech 3.x) and
``GraniteSpeech5FeatureExtractor`` need torch **and torchaudio**
(``torchaudio.transforms.MelSpectrogram``, ``torchaudio.functional.compute_deltas``).
No torchaudio wheel is built for torch 2.13.0; the fixture was made with
torchaudio 2.11.1 installed with ``--no-deps`` next to torch 2.13.0 and its compiled
extension moved away (``torchaudio/lib/*.so``: it does not load against torch 2.13).
torchaudio then runs in its documented no-extension mode, and the two functions used
are pure torch code (``torch.stft``, ``melscale_fbanks``, ``conv1d``)::

    python3 -m venv /tmp/torchref && /tmp/torchref/bin/pip install torch==2.13.0 \
        transformers==5.25.0 numpy soundfile soxr av scipy
    /tmp/torchref/bin/pip install --no-deps torchaudio==2.11.1
    mkdir /tmp/ta-libs && mv /tmp/torchref/lib/python3.*/site-packages/torchaudio/lib/*.so \
        /tmp/ta-libs/
    PYTHONPATH=src /tmp/torchref/bin/python tests/golden/make_granite.py

The same ``CASES`` are rerun live by ``tests/reference/test_pretrained_granite.py``
when torch and torchaudio import.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _golden  # noqa: E402

FIXTURE = _golden.HERE / "granite.npz"
BATCH = ["speech:3000:7000", "noise:2637:1", "speech:20000:21801"]
V1, V5 = "GraniteSpeechFeatureExtractor", "GraniteSpeech5FeatureExtractor"

#: id, class, config (non-default entries), clips, call options.
CASES: list[dict[str, Any]] = [
    {"id": "v1_single", "cls": V1, "config": {}, "clips": ["speech:0:6000"], "options": {},
     "single": True},
    {"id": "v1_batch", "cls": V1, "config": {}, "clips": BATCH, "options": {}},
    {"id": "v1_edited", "cls": V1,
     "config": {"n_mels": 64, "hop_length": 128, "projector_window_size": 10,
                "projector_downsample_rate": 2},
     "clips": ["chirp:1000:4000", "noise:2500:3"], "options": {}},
    {"id": "v5_single", "cls": V5, "config": {}, "clips": ["speech:0:6000"], "options": {},
     "single": True},
    {"id": "v5_batch", "cls": V5, "config": {}, "clips": BATCH, "options": {}},
    {"id": "v5_max_length", "cls": V5, "config": {},
     "clips": ["speech:0:5600", "noise:3000:2"],
     "options": {"padding": "max_length", "max_length": 5000, "truncation": True,
                 "pad_to_multiple_of": 512}},
    {"id": "v5_no_mask", "cls": V5, "config": {}, "clips": ["speech:0:3000", "noise:2000:4"],
     "options": {"return_attention_mask": False}},
    {"id": "v5_edited", "cls": V5,
     "config": {"num_mel_bins": 64, "delta_win_length": 5, "logmel_floor_db": 6.0,
                "padding_value": 0.05},
     "clips": ["chirp:1000:4000", "noise:2500:3"], "options": {}},
]  # fmt: skip


def extractor(case: dict[str, Any]) -> Any:
    """The reference extractor of a case."""
    import transformers

    return getattr(transformers, case["cls"])(**case["config"])


def config(case: dict[str, Any]) -> dict[str, Any]:
    """The config melforge reads: ``to_dict()`` plus the case's own keys.

    GraniteSpeechFeatureExtractor's ``to_dict()`` saves ``n_mels``/``hop_length`` only
    inside ``melspec_kwargs``, which its ``__init__`` ignores on reload (it rebuilds it
    from the top-level keys), so the edited keys are written at the top level too.
    """
    return dict(extractor(case).to_dict(), **case["config"])


def reference(case: dict[str, Any]) -> dict[str, Any]:
    """Run the real extractor on a case; return its output dict (numpy)."""
    clips = [_golden.clip(name) for name in case["clips"]]
    fe = extractor(case)
    audio = clips[0] if case.get("single") else clips
    if case["cls"] == V1:  # takes no options; returns torch tensors and a list
        out = fe(audio, **case["options"])
        return {k: v if isinstance(v, list) else v.numpy() for k, v in out.items()}
    out = fe(audio, sampling_rate=16000, return_tensors="np", **case["options"])
    return dict(out)


def main() -> None:
    cases = [dict(c, config=config(c)) for c in CASES]
    outputs = {c["id"]: reference(c) for c in CASES}
    meta = _golden.versions("transformers", "torch", "torchaudio", "numpy", "soxr", "melforge")
    _golden.save(FIXTURE, cases, outputs, meta)
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
