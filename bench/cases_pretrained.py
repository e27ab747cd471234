"""from_pretrained families: a batch of 32 mixed-length clips (1-30 s) through ``p.batch``
versus the transformers extractor's own ``__call__`` (numpy path), one thread.

Each row builds the preset from the extractor's own config (``fe.to_dict()``), so a
family melforge does not implement yet shows as missing instead of failing the suite.
"""

from __future__ import annotations

import numpy as np

from bench import data
from bench.harness import Case, Config, NotAvailable, Setup, optional_module

N_CLIPS, N_CLIPS_SMOKE = 32, 2
SECONDS = (1.0, 30.0)  # shortest, longest clip
SECONDS_SMOKE = (0.5, 1.5)

#: (case id, table title, transformers class, constructor kwargs, call options); the
#: other families' rows are in cases_pretrained_kaldi (SeamlessM4T, Speech2Text, AST)
#: and cases_pretrained_whisper (Whisper, codecs, SpeechT5, CLAP, Gemma).
FAMILIES = [
    ("hf.wav2vec2", "wav2vec2 (padding, mask)", "Wav2Vec2FeatureExtractor",
     {"return_attention_mask": True}, {"padding": True}),
]


def _clips(cfg: Config, sr: int) -> list[np.ndarray]:
    n = N_CLIPS_SMOKE if cfg.smoke else N_CLIPS
    lo, hi = SECONDS_SMOKE if cfg.smoke else SECONDS
    source = data.cached_array(cfg.data_dir, 60.0 if not cfg.smoke else 2.0, sr)
    rng = np.random.default_rng(11)
    lengths = (rng.uniform(lo, hi, n) * sr).astype(int)
    return [data.clip_batch(source, 1, int(m), seed=i)[0] for i, m in enumerate(lengths)]


def _setup(cls_name: str, kwargs: dict, options: dict):
    def setup(cfg: Config, mode: str) -> Setup:
        tf = optional_module("transformers")
        fe_cls = getattr(tf, cls_name, None)
        if fe_cls is None:
            raise NotAvailable(f"transformers has no {cls_name}")
        try:
            fe = fe_cls(**kwargs)
        except ImportError as exc:  # e.g. ASTFeatureExtractor requires PyTorch in 5.x
            raise NotAvailable(f"{cls_name} needs a missing backend: {exc}"[:200]) from exc
        sr = int(fe.sampling_rate)
        clips = _clips(cfg, sr)
        from melforge import ParameterError, presets

        try:
            p = presets.from_pretrained(fe.to_dict())
            why = ""
        except ParameterError as exc:
            p, why = None, f"not implemented: {exc}"[:200]

        def reference():
            return fe(clips, sampling_rate=sr, return_tensors="np", **options)

        total = sum(c.shape[-1] for c in clips) / sr
        return Setup(
            melforge=(lambda: p.batch(clips, sr, **options)) if p is not None else None,
            melforge_missing=why,
            reference=reference,
            unit_work=total,
            note=f"{len(clips)} clips, {total:.0f} s at {sr} Hz, options {options or 'default'}",
        )

    return setup


CASES = [
    Case(cid, f"from_pretrained {title}, 32 clips 1-30 s", f"transformers {cls}", 10.0,
         _setup(cls, kwargs, options), reps=3, threads=("1",))
    for cid, title, cls, kwargs, options in FAMILIES
]
