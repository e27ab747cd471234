"""from_pretrained Kaldi-fbank families: 32 mixed-length clips through ``p.batch``.

SeamlessM4T and Speech2Text against transformers' numpy extractors (live); AST's
extractor needs torch, so its row runs only where torch is installed (numpy path when
torchaudio is absent).  One thread.
"""

from __future__ import annotations

import numpy as np

from bench.cases_spectral import _long
from bench.harness import Case, Config, NotAvailable, Setup, optional_module

SR = 16000
N_CLIPS, N_SMOKE = 32, 2


def _mixed_clips(cfg: Config) -> list[np.ndarray]:
    """Clips of 1-30 s (0.5-2 s in smoke runs) cut from the long bench signal."""
    rng = np.random.default_rng(32)
    n = N_SMOKE if cfg.smoke else N_CLIPS
    lo, hi = (0.5, 2.0) if cfg.smoke else (1.0, 30.0)
    src = _long(cfg.data_dir, 4.0 if cfg.smoke else 600.0, SR)
    out = []
    for secs in rng.uniform(lo, hi, n):
        k = int(secs * SR)
        start = int(rng.integers(0, src.shape[-1] - k))
        out.append(np.ascontiguousarray(src[start : start + k], dtype=np.float32))
    return out


def _setup(extractor: str, options: dict, torch_needed: bool = False, path: str = "numpy"):
    """Rows against transformers' ``path``: "numpy" (forced, also where torchaudio is
    installed) or "torchaudio" (its torch path; the row needs torchaudio)."""

    def setup(cfg: Config, mode: str) -> Setup:
        import importlib

        clips = _mixed_clips(cfg)
        tf = optional_module("transformers")
        if torch_needed or path == "torchaudio":
            torch = optional_module("torch")
            torch.set_num_threads(1)
        if path == "torchaudio":
            optional_module("torchaudio")
        module = importlib.import_module(getattr(tf, extractor).__module__)
        speech = getattr(module, "is_speech_available", None)
        if path == "numpy" and speech is not None:
            # the extractor asks is_speech_available() at construction and per call;
            # False selects its numpy path (restored after the row)
            module.is_speech_available = lambda: False
        try:
            fe = getattr(tf, extractor)()
        except ImportError as exc:  # transformers' own "requires torch" guard
            raise NotAvailable(str(exc).splitlines()[0]) from exc
        from melforge.presets import from_pretrained

        preset = from_pretrained(fe.to_dict())
        seconds = sum(c.shape[0] for c in clips) / SR

        def restore() -> None:
            if speech is not None:
                module.is_speech_available = speech

        return Setup(
            melforge=lambda: preset.batch(clips, SR, **options),
            reference=lambda: fe(clips, sampling_rate=SR, return_tensors="np", **options),
            unit_work=seconds,
            note=f"{len(clips)} clips of 1-30 s ({seconds:.0f} s), 1 thread, "
            f"options {options or 'defaults'}; transformers' {path} path",
            teardown=restore,
        )

    return setup


CASES = [
    Case("hf.seamless_m4t", "SeamlessM4T features, 32 mixed clips",
         "transformers SeamlessM4TFeatureExtractor", 10.0,
         _setup("SeamlessM4TFeatureExtractor", {}), reps=3),
    Case("hf.speech2text", "Speech2Text features, 32 mixed clips",
         "transformers Speech2TextFeatureExtractor", 10.0,
         _setup("Speech2TextFeatureExtractor", {"padding": True}), reps=3),
    Case("hf.ast", "AST features, 32 mixed clips", "transformers ASTFeatureExtractor", 10.0,
         _setup("ASTFeatureExtractor", {}, torch_needed=True), reps=3),
    Case("hf.speech2text.torchaudio", "Speech2Text features, 32 mixed clips, vs torchaudio",
         "transformers Speech2TextFeatureExtractor (torchaudio path)", 2.0,
         _setup("Speech2TextFeatureExtractor", {"padding": True}, path="torchaudio"), reps=3),
    Case("hf.ast.torchaudio", "AST features, 32 mixed clips, vs torchaudio",
         "transformers ASTFeatureExtractor (torchaudio path)", 2.0,
         _setup("ASTFeatureExtractor", {}, path="torchaudio"), reps=3),
]  # fmt: skip
