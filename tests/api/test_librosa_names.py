"""The librosa names melforge provides: the README's table, the namespaces, the signatures.

``README.md`` lists, per librosa namespace, every name that melforge has and librosa
0.11 also has.  The list is computed here from melforge's lazy namespaces and librosa's
(so a new function that librosa also has must join the table, and a table entry that
melforge lacks fails); each callable in it has librosa's ``inspect.signature``
(parameter names, kinds, defaults) except the few documented below.  A second list
walks every name issue 13 asked for, so none of them can go missing.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from pathlib import Path

import pytest

import melforge

librosa = pytest.importorskip("librosa")

README = Path(__file__).resolve().parents[2] / "README.md"

#: The namespaces melforge shares with librosa (``""``: the top level).
NAMESPACES = ["", "util", "feature", "feature.inverse", "effects", "filters", "display"]

#: Table names whose signatures differ from librosa's, and why.
SIGNATURE_EXCEPTIONS = {
    # an exception class (librosa's has no inspectable signature)
    "ParameterError": "class",
    # librosa's default is a Deprecated() sentinel; melforge's None (names and kinds equal)
    "get_duration": "sentinel",
    "display.waveshow": "sentinel",
    # melforge's specshow has no chroma/CQT/tempo/tonnetz/svara axes (out of scope)
    "display.specshow": "subset",
    # librosa's constructor is internal (waveshow builds it); only disconnect(strict=) is
    # librosa's (tests/display/test_display_librosa_fixes.py)
    "display.AdaptiveWaveplot": "internal",
}

#: Every name issue 13 asked for, as spelled there (``blocks_to_*`` written out).
ISSUE_13 = [
    *(
        f"util.{n}"
        for n in (
            "frame pad_center fix_length fix_frames normalize valid_audio stack expand_to "
            "peak_pick localmax softmask tiny buf_to_float example example_info list_examples"
        ).split()
    ),
    *(
        "ex example times_like samples_like blocks_to_frames blocks_to_samples blocks_to_time "
        "note_to_hz hz_to_note midi_to_hz hz_to_midi note_to_midi midi_to_note A_weighting "
        "frequency_weighting perceptual_weighting tone chirp clicks zero_crossings "
        "autocorrelate lpc get_fftlib set_fftlib griffinlim pcen phase_vocoder"
    ).split(),
    *(
        f"feature.{n}"
        for n in (
            "rms zero_crossing_rate spectral_centroid spectral_bandwidth spectral_rolloff "
            "spectral_flatness spectral_contrast poly_features stack_memory"
        ).split()
    ),
    *(f"feature.inverse.{n}" for n in "mel_to_stft mel_to_audio mfcc_to_mel mfcc_to_audio".split()),
    *(f"effects.{n}" for n in "trim split preemphasis deemphasis remix time_stretch".split()),
]


def _module(root: str, ns: str) -> object:
    return importlib.import_module(f"{root}.{ns}" if ns else root)


def _resolve(root: object, path: str) -> object:
    obj = root
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@functools.cache
def provided() -> dict[str, list[str]]:
    """``{librosa namespace: sorted names}`` melforge exports there and librosa 0.11 has."""
    out = {}
    for ns in NAMESPACES:
        ours, theirs = _module("melforge", ns), _module("librosa", ns)
        names = [
            n
            for n in sorted(getattr(ours, "__all__", []))
            if not n.startswith("_")
            and not inspect.ismodule(getattr(ours, n))
            and hasattr(theirs, n)
        ]
        out["librosa" + (f".{ns}" if ns else "")] = names
    return out


def readme_table() -> dict[str, list[str]]:
    """The README's table of librosa names: ``{namespace: names}`` in the order written."""
    text = README.read_text()
    start = text.index("## librosa names melforge provides")
    section = text[start : text.index("\n## ", start + 3)]
    out = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*`(librosa[\w.]*)`\s*\|(.*)\|\s*$", line)
        if m:
            out[m.group(1)] = re.findall(r"`(\w+)`", m.group(2))
    return out


def _markdown(table: dict[str, list[str]]) -> str:
    rows = [f"| `{ns}` | {', '.join(f'`{n}`' for n in names)} |" for ns, names in table.items()]
    return "\n".join(rows)


def test_readme_table_equals_the_namespaces() -> None:
    expected = provided()
    assert readme_table() == expected, "README table rows should read:\n" + _markdown(expected)


def test_readme_says_where_the_line_is() -> None:
    text = " ".join(README.read_text().split())
    assert "For anything else, use librosa." in text
    for topic in ("chroma", "CQT", "onset", "beat", "tempo", "source separation"):
        assert topic in text, topic


def _table_names() -> list[str]:
    return [
        (ns.removeprefix("librosa").lstrip(".") + "." + n).lstrip(".")
        for ns, names in provided().items()
        for n in names
    ]


def _shape(func: object) -> list[tuple[str, object, object]]:
    sig = inspect.signature(func)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name", _table_names())
def test_table_name_has_librosas_signature(name: str) -> None:
    ours, theirs = _resolve(melforge, name), _resolve(librosa, name)
    why = SIGNATURE_EXCEPTIONS.get(name)
    if not callable(ours) or why in ("class", "internal"):
        return
    a, b = _shape(ours), _shape(theirs)
    if why == "sentinel":  # same names, kinds and defaults but where librosa's is Deprecated()
        assert [p[:2] for p in a] == [p[:2] for p in b], name
        for x, y in zip(a, b, strict=True):
            assert type(y[2]).__name__ == "Deprecated" or x[2] == y[2], (name, x[0])
    elif why == "subset":  # each of our parameters is librosa's, in librosa's order
        theirs_by_name = {p[0]: p for p in b}
        assert all(theirs_by_name.get(p[0]) == p for p in a), name
        order = [p[0] for p in b if p[0] in {q[0] for q in a}]
        assert [p[0] for p in a] == order, name
    else:
        assert a == b, name


def test_signature_exceptions_are_in_the_table() -> None:
    assert set(SIGNATURE_EXCEPTIONS) <= set(_table_names())


@pytest.mark.parametrize("name", ISSUE_13)
def test_every_name_of_issue_13_has_librosas_signature(name: str) -> None:
    assert name in _table_names(), name  # and so in the README's table
    assert _shape(_resolve(melforge, name)) == _shape(_resolve(librosa, name)), name


def test_issue_13_list_has_no_repeats() -> None:
    assert len(ISSUE_13) == len(set(ISSUE_13))
