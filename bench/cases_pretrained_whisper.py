"""from_pretrained families (Whisper, codecs, CLAP, Gemma audio) vs transformers' extractors.

One row per family: 32 clips of mixed lengths (1-30 s, seeded) through ``p.batch`` and
through the transformers extractor with the same options, one thread (the smoke run
uses 2 clips of 1-2 s).  The builders live in :mod:`bench.pretrained_speed`, which also
runs standalone.  CLAP's reference needs torch: its row is n/a without it.
"""

from __future__ import annotations

from typing import Any

from bench.harness import Case, Config, NotAvailable, Setup, optional_module

ROWS: dict[str, tuple[str, str, float | None]] = {
    # id: (family builder, title, target ratio; None = information only)
    "whisper": ("whisper", "Whisper (80 mels, pad to 30 s)", 10.0),
    "whisper.longest": ("whisper-longest-mask", "Whisper 128, padding=longest + mask", 10.0),
    "encodec.48k": ("encodec-48khz-stereo", "EnCodec 48 kHz stereo, chunk grid", None),
    "dac.44k": ("dac-44khz", "DAC 44.1 kHz, hop multiple", None),
    "speecht5": ("speecht5", "SpeechT5 input_values, normalized", None),
    "clap.fused": ("clap-fused", "CLAP fused (fusion, 10 s)", 10.0),
    "gemma3n": ("gemma3n", "Gemma 3n audio", 10.0),
    "gemma4": ("gemma4", "Gemma 4 audio", 10.0),
}


def _setup(builder: str) -> Any:
    def setup(cfg: Config, mode: str) -> Setup:
        optional_module("transformers")
        from bench import pretrained_speed

        try:
            build = pretrained_speed._families()[builder]
            fe, p, clips, options, ref_options = build(2, 2.0) if cfg.smoke else build()
        except ImportError as exc:  # transformers' CLAP extractor requires torch
            raise NotAvailable(f"{builder}: {exc}".splitlines()[0]) from exc
        sr = p.sample_rate
        ref_options = options if ref_options is None else ref_options
        seconds = sum(c.shape[-1] for c in clips) / sr
        return Setup(
            melforge=lambda: p.batch(clips, sr, **options),
            reference=lambda: fe(clips, sampling_rate=sr, return_tensors="np", **ref_options),
            unit_work=seconds,
            note=f"{len(clips)} clips, {seconds:.0f} s of audio at {sr} Hz, options {options}",
        )

    return setup


CASES = [
    Case(f"pretrained.{case_id}", f"from_pretrained {title}", f"transformers ({builder})",
         target, _setup(builder), reps=3, threads=("1",))
    for case_id, (builder, title, target) in ROWS.items()
]  # fmt: skip
