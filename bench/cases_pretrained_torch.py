"""from_pretrained families whose transformers reference needs torch: vs its torch CPU path.

Rows need torch (and torchaudio for Granite) in the bench venv; ``make bench`` has
neither, so they show "not available" there.  Run them in a torch venv with
``python -m bench --only pretrained.torch`` (or ``python -m bench.pretrained_torch``
for a quick table); docs/presets.md has measured numbers.
"""

from __future__ import annotations

from bench.harness import Case, Config, NotAvailable, Setup, optional_module
from bench.pretrained_torch import SR, clips

FULL, SMOKE = 32, 2  # clips of 1-30 s (smoke: the first 2)


def _setup(name: str, config: dict, takes_options: bool):
    def setup(cfg: Config, mode: str) -> Setup:
        torch = optional_module("torch")
        torch.set_num_threads(1)
        transformers = optional_module("transformers")
        try:
            fe = getattr(transformers, name)(**config)
        except ImportError as exc:  # Granite without torchaudio
            raise NotAvailable(str(exc).splitlines()[0]) from exc
        from melforge.presets import from_pretrained

        preset = from_pretrained(fe.to_dict() | config)
        batch = clips()[: SMOKE if cfg.smoke else FULL]
        kwargs = {"sampling_rate": SR, "return_tensors": "np"} if takes_options else {}
        return Setup(
            melforge=lambda: preset.batch(batch, SR),
            reference=lambda: fe(batch, **kwargs),
            unit_work=sum(c.size for c in batch) / SR,
            note=f"{len(batch)} clips of 1-30 s at 16 kHz, default call options, 1 thread "
            "(torch.set_num_threads(1))",
        )

    return setup


_FAMILIES = [
    ("parakeet", "ParakeetFeatureExtractor", {}, True),
    ("parakeet128", "ParakeetFeatureExtractor", {"feature_size": 128}, True),
    ("phi4", "Phi4MultimodalFeatureExtractor", {}, True),
    ("granite", "GraniteSpeechFeatureExtractor", {}, False),
    ("granite5", "GraniteSpeech5FeatureExtractor", {}, True),
    ("lasr", "LasrFeatureExtractor", {}, True),
]

CASES = [
    Case(f"pretrained.torch.{key}", f"from_pretrained {name} {config or ''}".rstrip(),
         f"transformers {name} (torch CPU)", 2.0, _setup(name, config, takes), reps=3)
    for key, name, config, takes in _FAMILIES
]  # fmt: skip
