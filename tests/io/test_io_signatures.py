"""load, stream, get_duration, get_samplerate, resample, to_mono: librosa 0.11's signatures."""

from __future__ import annotations

import inspect

import pytest

import melforge

librosa = pytest.importorskip("librosa")

NAMES = ["load", "stream", "get_duration", "get_samplerate", "resample", "to_mono"]


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_librosa(name):
    ours = inspect.signature(getattr(melforge, name)).parameters
    theirs = inspect.signature(getattr(librosa, name)).parameters
    assert list(ours) == list(theirs)
    for p, q in zip(ours.values(), theirs.values(), strict=True):
        assert p.kind == q.kind, p.name
        if p.name == "filename":  # librosa's default is a Deprecated() sentinel; ours None
            assert p.default is None
        else:
            assert p.default == q.default, p.name
