"""librosa 0.11's util, conversion and signal names: same parameters, kinds and defaults.

Every name of this list exists where librosa has it (``melforge.util.frame`` for
``librosa.util.frame``, ``melforge.times_like`` for ``librosa.times_like``) and its
``inspect.signature`` has librosa's parameter names, kinds (positional, keyword-only,
``**kwargs``) and defaults, so code written for librosa runs after changing the import.
"""

from __future__ import annotations

import inspect

import pytest

import melforge

librosa = pytest.importorskip("librosa")

UTIL = [
    "frame",
    "pad_center",
    "fix_length",
    "fix_frames",
    "normalize",
    "valid_audio",
    "stack",
    "expand_to",
    "peak_pick",
    "localmax",
    "softmask",
    "tiny",
    "buf_to_float",
    "example",
    "ex",
    "example_info",
    "list_examples",
]
TOP = [
    "times_like",
    "samples_like",
    "blocks_to_frames",
    "blocks_to_samples",
    "blocks_to_time",
    "note_to_hz",
    "hz_to_note",
    "midi_to_hz",
    "hz_to_midi",
    "note_to_midi",
    "midi_to_note",
    "A_weighting",
    "frequency_weighting",
    "perceptual_weighting",
    "tone",
    "chirp",
    "clicks",
    "zero_crossings",
    "autocorrelate",
    "lpc",
    "get_fftlib",
    "set_fftlib",
    "example",
    "ex",
]
NAMES = [f"util.{n}" for n in UTIL] + TOP


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
    assert _shape(_resolve(melforge, name)) == _shape(_resolve(librosa, name))


@pytest.mark.parametrize("name", TOP)
def test_name_is_in_the_lazy_table_and_stub(name: str) -> None:
    assert name in melforge._LAZY
    assert name in dir(melforge)


def test_example_helpers_also_at_top_level() -> None:
    # librosa has only ex/example at the top; melforge also keeps these two there.
    for name in ("example_info", "list_examples"):
        assert getattr(melforge, name) is getattr(melforge.util, name)
        assert _shape(getattr(melforge, name)) == _shape(getattr(librosa.util, name))


def test_util_is_a_submodule_with_every_name() -> None:
    assert "util" in melforge._SUBMODULES
    assert set(UTIL) <= set(melforge.util.__all__)
