"""librosa 0.11 signatures of the feature / effects / phase names (issue 13).

Parameter names, kinds (positional, keyword-only, **kwargs) and defaults must equal
librosa's, so that ``import melforge as librosa`` runs code written for librosa.
"""

from __future__ import annotations

import inspect

import pytest

import melforge as mf

librosa = pytest.importorskip("librosa")

NAMES = [
    "feature.rms",
    "feature.zero_crossing_rate",
    "feature.spectral_centroid",
    "feature.spectral_bandwidth",
    "feature.spectral_rolloff",
    "feature.spectral_flatness",
    "feature.spectral_contrast",
    "feature.poly_features",
    "feature.stack_memory",
    "feature.inverse.mel_to_stft",
    "feature.inverse.mel_to_audio",
    "feature.inverse.mfcc_to_mel",
    "feature.inverse.mfcc_to_audio",
    "griffinlim",
    "pcen",
    "phase_vocoder",
    "effects.trim",
    "effects.split",
    "effects.preemphasis",
    "effects.deemphasis",
    "effects.remix",
    "effects.time_stretch",
]


def _resolve(root: object, path: str) -> object:
    obj = root
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _shape(func: object) -> list[tuple[str, object, object]]:
    sig = inspect.signature(func)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_librosa(name: str) -> None:
    assert _shape(_resolve(mf, name)) == _shape(_resolve(librosa, name)), name


def test_names_resolve_through_the_lazy_namespace() -> None:
    """``import melforge as librosa; librosa.<name>`` works with no submodule imported."""
    import subprocess
    import sys

    code = (
        "import melforge as librosa\n"
        f"for name in {NAMES!r}:\n"
        "    obj = librosa\n"
        "    for part in name.split('.'):\n"
        "        obj = getattr(obj, part)\n"
        "    assert callable(obj), name\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_top_level_names_are_the_feature_functions() -> None:
    from melforge.feature import pcen, phase

    assert mf.griffinlim is phase.griffinlim and mf.phase_vocoder is phase.phase_vocoder
    assert mf.pcen is pcen.pcen
