"""Musical pitch: MIDI numbers, note names and Hz, with librosa 0.11's names and results.

``A4`` is MIDI 69 and 440 Hz; one semitone is a factor ``2 ** (1 / 12)``; octave numbers
follow scientific pitch notation (``C4`` is middle C, MIDI 60).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Union

import numpy as np

from melforge._errors import ParameterError

__all__ = [
    "midi_to_hz",
    "hz_to_midi",
    "note_to_midi",
    "midi_to_note",
    "note_to_hz",
    "hz_to_note",
]

_ACCIDENTALS = "#♯𝄪b!♭𝄫♮n"
_NOTE_RE = re.compile(
    rf"^(?P<note>[A-Ga-g])(?P<accidental>[{_ACCIDENTALS}]*)"
    r"(?P<octave>[+-]?\d+)?(?P<cents>[+-]\d+)?$"
)
_KEY_RE = re.compile(
    rf"^(?P<tonic>[A-Ga-g])(?P<accidental>[{_ACCIDENTALS}]*):"
    r"((?P<scale>(maj|min)(or)?)|"
    r"(?P<mode>(((ion|dor|phryg|lyd|mixolyd|aeol|locr)(ian)?)|phr|mix|aeo|loc)))$"
)
#: The church modes in order of the major-scale degree they start on.
_MODES = ("ion", "dor", "phr", "lyd", "mix", "aeo", "loc")
_MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
_PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: Semitones each accidental adds (ASCII and Unicode spellings, ``n``/♮ natural).
_SHIFT = {"#": 1, "♯": 1, "𝄪": 2, "b": -1, "!": -1, "♭": -1, "𝄫": -2, "♮": 0, "n": 0}
_SHARPS = ["C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B"]
_FLATS = ["C", "D♭", "D", "E♭", "E", "F", "G♭", "G", "A♭", "A", "B♭", "B"]
# Respellings once a key has 6 or more sharps (flats), in circle-of-fifths order.
_SHARP_FIXES = [(5, "E♯"), (0, "B♯"), (7, "F𝄪"), (2, "C𝄪"), (9, "G𝄪"), (4, "D𝄪"), (11, "A𝄪")]
_FLAT_FIXES = [(11, "C♭"), (4, "F♭"), (9, "B𝄫"), (2, "E𝄫"), (7, "A𝄫"), (0, "D𝄫")]
_ASCII = str.maketrans({"♯": "#", "𝄪": "##", "♭": "b", "𝄫": "bb", "♮": "n"})


def midi_to_hz(notes: Any) -> Any:
    """Convert MIDI note numbers to frequencies in Hz (``440 * 2 ** ((m - 69) / 12)``).

    Parameters
    ----------
    notes : number or np.ndarray [shape=(...)]
        MIDI numbers (fractional allowed).

    Returns
    -------
    np.floating or np.ndarray [shape=(...)]
        Frequencies in Hz.

    Examples
    --------
    >>> import melforge
    >>> float(melforge.midi_to_hz(69))
    440.0
    """
    return 440.0 * (2.0 ** ((np.asanyarray(notes) - 69.0) / 12.0))


def hz_to_midi(frequencies: Any) -> Any:
    """Convert frequencies in Hz to (fractional) MIDI note numbers.

    Parameters
    ----------
    frequencies : number or np.ndarray [shape=(...)]
        Frequencies in Hz, > 0.

    Returns
    -------
    np.floating or np.ndarray [shape=(...)]
        ``12 * (log2(f) - log2(440)) + 69``.

    Examples
    --------
    >>> import melforge
    >>> float(melforge.hz_to_midi(261.6255653005986))
    60.0
    """
    return 12 * (np.log2(np.asanyarray(frequencies)) - np.log2(440.0)) + 69


def note_to_midi(
    note: Union[str, Iterable[str]], *, round_midi: bool = True
) -> Union[float, np.ndarray]:
    """Convert note names (``"A4"``, ``"C#3"``, ``"Eb-1"``, ``"A4+30"``) to MIDI numbers.

    Parameters
    ----------
    note : str or iterable of str
        Letter (any case), accidentals (``#``/♯ sharp, ``b``/``!``/♭ flat, 𝄪/𝄫 double,
        ``n``/♮ natural), optional octave (default 0), optional cents (``+30``/``-15``).
    round_midi : bool
        Round to the nearest integer (default) or keep the cents as a fraction.

    Returns
    -------
    int, float or np.ndarray
        MIDI numbers; an array for iterable input.

    Raises
    ------
    ParameterError
        If a name is not in that format.

    Examples
    --------
    >>> import melforge
    >>> melforge.note_to_midi("C4"), melforge.note_to_midi("A4+30", round_midi=False)
    (60, 69.3)
    """
    if not isinstance(note, str):
        return np.array([note_to_midi(n, round_midi=round_midi) for n in note])
    match = _NOTE_RE.match(note)
    if not match:
        raise ParameterError(f"note={note!r} must be a note name like 'A4', 'C#3' or 'Eb'")
    offset = sum(_SHIFT[a] for a in match.group("accidental"))
    octave = int(match.group("octave") or 0)
    cents = int(match.group("cents")) * 1e-2 if match.group("cents") else 0
    value = 12 * (octave + 1) + _PITCH[match.group("note").upper()] + offset + cents
    return int(np.round(value)) if round_midi else value


def _simplify(note: str) -> str:
    """Cancel a note's accidentals into at most one single plus doubles (``C♭♭♭ -> C♭𝄫``)."""
    offset = sum(_SHIFT[a] for a in note[1:])
    if offset >= 0:
        return note[0] + "♯" * (offset % 2) + "𝄪" * (offset // 2)
    return note[0] + "♭" * (offset % 2) + "𝄫" * (abs(offset) // 2)


def _relative_major(tonic: str, accidental: str, mode: str) -> str:
    """Return the major key sharing the notes of ``mode`` on ``tonic`` (``D:dor -> C:maj``)."""
    steps = _MODES.index(mode[:3])
    letter = "CDEFGAB"["CDEFGAB".index(tonic) - steps]
    shift = (_PITCH[tonic] - _MAJOR_STEPS[steps] - _PITCH[letter] + 6) % 12 - 6
    sign = "♯" if shift > 0 else "♭"
    return _simplify(letter + sign * abs(shift) + accidental) + ":maj"


def _key_to_notes(key: str, unicode: bool) -> list[str]:
    """Spell the 12 pitch classes in ``key`` (librosa's ``key_to_notes``, natural=False)."""
    match = _KEY_RE.match(key)
    if not match:
        raise ParameterError(
            f"key={key!r} must be a key like 'C:maj', 'F#:min', 'Bb:major' or 'D:dorian'"
        )
    tonic, accidental = match.group("tonic").upper(), match.group("accidental")
    if match.group("mode"):
        return _key_to_notes(_relative_major(tonic, accidental, match.group("mode")), unicode)
    scale = match.group("scale")[:3]
    offset = sum(_SHIFT[a] for a in accidental)
    if abs(offset) >= 2:  # spell one accidental less, then push every note one further
        sign = "♯" if offset > 0 else "♭"
        simpler = _key_to_notes(f"{tonic}{sign * (abs(offset) - 1)}:{scale}", True)
        notes = [_simplify(n + sign) for n in simpler]
        degrees = [(_PITCH[n[0]] + sum(_SHIFT[a] for a in n[1:])) % 12 for n in notes]
        first = degrees.index(0)
        notes = notes[first:] + notes[:first]
    else:
        notes = _simple_key(tonic, offset, scale == "maj")
    return notes if unicode else [n.translate(_ASCII) for n in notes]


def _simple_key(tonic: str, offset: int, major: bool) -> list[str]:
    """Spell a key whose tonic has at most one accidental, by its place on the circle of fifths."""
    fifths = ((_PITCH[tonic] + offset) * 7 + (0 if major else 9)) % 12
    use_sharps = offset > 0 or (offset == 0 and fifths < 6)
    notes = list(_SHARPS if use_sharps else _FLATS)
    if use_sharps:
        n_sharps = 12 if fifths == 0 and tonic == "B" else fifths
        for index, name in _SHARP_FIXES[: max(0, n_sharps - 5)]:
            notes[index] = name
    else:
        for index, name in _FLAT_FIXES[: max(0, (12 - fifths) % 12 - 5)]:
            notes[index] = name
    return notes


def _midi_to_note(midi: float, octave: bool, cents: bool, names: list[str]) -> str:
    note_num = int(np.round(midi))
    note_cents = int(100 * np.around(midi - note_num, 2))
    note = names[note_num % 12]
    if octave:
        note = f"{note}{int(note_num / 12) - 1:0d}"
    if cents:
        note = f"{note}{note_cents:+02d}"
    return note


def midi_to_note(
    midi: Any,
    *,
    octave: bool = True,
    cents: bool = False,
    key: str = "C:maj",
    unicode: bool = True,
) -> Union[str, np.ndarray]:
    """Convert MIDI numbers to note names (``69 -> "A4"``, ``61 -> "C♯4"``).

    Parameters
    ----------
    midi : number or array of numbers
        MIDI numbers, rounded to the nearest integer.
    octave : bool
        Append the octave number.
    cents : bool
        Append the deviation in cents (``"A4+30"``); needs ``octave=True``.
    key : str
        Key whose spelling resolves enharmonics (``"C:maj"``: sharps; ``"F:maj"``,
        ``"D:min"``: flats; ``"F#:maj"``: ``E♯``); ``TONIC:maj``/``min``/``major``/
        ``minor`` or a church mode (``"D:dorian"``, ``"E:phr"``, ``"B:locrian"``).
    unicode : bool
        ♯/♭ (default) or ASCII ``#``/``b``.

    Returns
    -------
    str or np.ndarray of str
        One name per number; an array for array input.

    Raises
    ------
    ParameterError
        ``cents=True`` with ``octave=False``, or a malformed ``key``.

    Examples
    --------
    >>> import melforge
    >>> melforge.midi_to_note([60, 61]), melforge.midi_to_note(61, key="F:maj")
    (array(['C4', 'C♯4'], dtype='<U3'), 'D♭4')
    """
    if cents and not octave:
        raise ParameterError("cents=True needs octave=True: cents cannot be shown without it")
    names = _key_to_notes(key, unicode)
    if np.isscalar(midi):
        return _midi_to_note(midi, octave, cents, names)  # type: ignore[arg-type]
    vec = np.vectorize(_midi_to_note, otypes=None, excluded={1, 2, 3})
    result: np.ndarray = vec(midi, octave, cents, names)
    return result


def note_to_hz(note: Union[str, Iterable[str]], **kwargs: Any) -> Any:
    """Convert note names to frequencies in Hz (``"A4" -> 440.0``).

    Parameters
    ----------
    note : str or iterable of str
        Note names (see :func:`note_to_midi`).
    **kwargs
        ``round_midi`` of :func:`note_to_midi`; any other key raises ``TypeError``.

    Returns
    -------
    np.floating or np.ndarray
        Frequencies in Hz.

    Examples
    --------
    >>> import melforge
    >>> float(melforge.note_to_hz("A4"))
    440.0
    """
    _check_keys("note_to_hz", kwargs, {"round_midi"})
    return midi_to_hz(note_to_midi(note, **kwargs))


def hz_to_note(frequencies: Any, **kwargs: Any) -> Union[str, np.ndarray]:
    """Convert frequencies in Hz to note names (``440 -> "A4"``).

    Parameters
    ----------
    frequencies : number or array of numbers
        Frequencies in Hz, > 0.
    **kwargs
        ``octave``, ``cents``, ``key``, ``unicode`` of :func:`midi_to_note`; any other
        key raises ``TypeError``.

    Returns
    -------
    str or np.ndarray of str
        Note names.

    Examples
    --------
    >>> import melforge
    >>> melforge.hz_to_note(440.0), melforge.hz_to_note(452.0, cents=True)
    ('A4', 'A4+47')
    """
    _check_keys("hz_to_note", kwargs, {"octave", "cents", "key", "unicode"})
    return midi_to_note(hz_to_midi(frequencies), **kwargs)


def _check_keys(func: str, kwargs: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise TypeError(f"{func}() got an unexpected keyword argument {unknown[0]!r}")
