"""The shipped catalogue of librosa's examples equals the installed librosa 0.11's."""

from __future__ import annotations

import importlib
import json
from importlib import resources

import pytest

from melforge.examples._download import _catalogue

librosa = pytest.importorskip("librosa")


def test_catalogue_matches_installed_librosa():
    data = resources.files("librosa.util.example_data")
    index = json.loads(data.joinpath("index.json").read_text())
    registry = dict(
        line.split() for line in data.joinpath("registry.txt").read_text().splitlines() if line
    )
    registry.pop("version_index.msgpack")  # librosa's citation index, not an example
    ours = _catalogue()
    assert ours["librosa_version"] == librosa.__version__
    assert {k: (v["stem"], v["description"]) for k, v in ours["examples"].items()} == {
        k: (v["path"], v["desc"]) for k, v in index.items()
    }
    assert ours["sha256"] == registry
    for entry in ours["examples"].values():  # every key's three files have a sum
        for suffix in (".ogg", ".hq.ogg", ".txt"):
            assert entry["stem"] + suffix in registry
    files = importlib.import_module("librosa.util.files")
    assert ours["base_url"] == getattr(files, "__GOODBOY").base_url  # librosa's pooch
