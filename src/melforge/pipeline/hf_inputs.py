"""Hugging Face ``datasets.Dataset`` rows as featurization inputs.

An audio column is either a ``datasets.Audio`` feature (read with ``decode=False``, so
neither ``torchcodec`` nor torch is needed: each row is ``{"bytes", "path"}``) or a
struct of ``{"array", "sampling_rate"}`` (decoded audio held in memory).  Rows whose
audio is a local file are read from it; encoded bytes are written as they are, and
arrays as 32-bit float WAV (lossless), into a staging folder that the run removes at
the end.  ``datasets`` is never imported here: the object passed in brings its module.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge.pipeline.inputs import RESERVED_COLUMNS, Source

__all__ = ["is_hf_dataset", "HFInputs", "find_audio_column"]


def is_hf_dataset(obj: Any) -> bool:
    """Whether ``obj`` is a ``datasets.Dataset`` (checked without importing ``datasets``)."""
    return any(
        c.__name__ == "Dataset" and c.__module__.startswith("datasets.") for c in type(obj).__mro__
    )


def _is_array_struct(feature: Any) -> bool:
    return isinstance(feature, dict) and {"array", "sampling_rate"} <= set(feature)


def find_audio_column(dataset: Any, column: str | None) -> str:
    """Return the dataset's audio column: ``column`` if given, else the only one.

    Raises
    ------
    ParameterError
        ``column`` is no audio column, or there is none, or several and none was named.
    """
    features = dataset.features
    audio = [
        name for name, f in features.items()
        if type(f).__name__ == "Audio" or _is_array_struct(f)
    ]  # fmt: skip
    if column is not None and column in features:
        if column not in audio:
            raise ParameterError(
                f"path_column={column!r} of the datasets.Dataset is {features[column]!r}, not "
                "an Audio column or a struct of 'array' and 'sampling_rate'"
            )
        return column
    if column not in (None, "path"):
        raise ParameterError(
            f"path_column={column!r} is not a column of the datasets.Dataset "
            f"(columns: {', '.join(features)})"
        )
    if len(audio) == 1:
        return audio[0]
    if not audio:
        raise ParameterError(
            "the datasets.Dataset has no audio column (a datasets.Audio feature or a struct "
            f"of 'array' and 'sampling_rate'); its columns: {', '.join(features)}"
        )
    raise ParameterError(
        f"the datasets.Dataset has several audio columns ({', '.join(audio)}); name one "
        "with path_column="
    )


class HFInputs:
    """A re-iterable of :class:`Source`, one per row of a ``datasets.Dataset``.

    Parameters
    ----------
    dataset : datasets.Dataset
    column : str or None
        The audio column; None or ``"path"`` (featurize's default ``path_column``) when
        absent: the only one.
    stage_dir : str
        Folder for rows held in memory (bytes or arrays); files already there (an earlier
        pass over the rows) are not written again.

    Notes
    -----
    A row's id is its audio ``path`` when it has one (as ``datasets`` records it), else
    the row number, zero-padded.  A staged file's modification time is set from a hash
    of its bytes, so a resumed run keeps the rows of unchanged audio.
    """

    countable = True  # featurize counts it up front, as a list of paths
    kind = "hf-dataset"  # how _melforge.json describes the inputs

    def __init__(self, dataset: Any, *, column: str | None, stage_dir: str) -> None:
        self.column = find_audio_column(dataset, column)
        self.is_audio = type(dataset.features[self.column]).__name__ == "Audio"
        if self.is_audio:
            audio_type = type(dataset.features[self.column])
            dataset = dataset.cast_column(self.column, audio_type(decode=False))
        self.dataset = dataset
        self.stage_dir = stage_dir
        self.carried = [c for c in dataset.column_names if c != self.column]
        clash = RESERVED_COLUMNS.intersection(self.carried)
        if clash:
            raise ParameterError(
                f"the datasets.Dataset has column(s) {sorted(clash)} that melforge writes "
                "itself; rename or remove them (dataset.rename_column)"
            )

    def __len__(self) -> int:
        return len(self.dataset)

    def __iter__(self) -> Iterator[Source]:
        width = max(6, len(str(len(self.dataset))))
        rows = self.dataset.with_format("numpy") if not self.is_audio else self.dataset
        for i, row in enumerate(rows):
            audio = row[self.column]
            columns = {c: _plain(row[c]) for c in self.carried}
            number = f"{i:0{width}d}"
            if audio is None:
                raise ParameterError(f"row {i} of the datasets.Dataset has no audio")
            if self.is_audio:
                source_id, path = self._encoded(audio, number)
            else:
                source_id, path = self._array(audio, number)
            yield Source(id=source_id, path=path, columns=columns)

    def _encoded(self, audio: Any, number: str) -> tuple[str, str]:
        data, given = audio.get("bytes"), audio.get("path")
        if data is None:
            if not given:
                raise ParameterError(f"row {int(number)} of the datasets.Dataset has no audio")
            where = given if "://" in given else os.path.abspath(given)
            return given.replace(os.sep, "/"), where
        source_id = given.replace(os.sep, "/") if given else number
        ext = os.path.splitext(given)[1] if given else ""
        return source_id, self._stage(number + ext, bytes(data))

    def _array(self, audio: Any, number: str) -> tuple[str, str]:
        import io

        import soundfile as sf

        y = np.asarray(audio["array"], dtype=np.float32)
        sr = int(audio["sampling_rate"])
        buf = io.BytesIO()
        sf.write(buf, y.T if y.ndim == 2 else y, sr, format="WAV", subtype="FLOAT")
        # the WAV's PEAK chunk holds a time stamp: the stamp hashes the samples instead
        return number, self._stage(
            number + ".wav", buf.getvalue(), y.tobytes() + bytes(str(sr), "ascii")
        )

    def _stage(self, name: str, data: bytes, key: bytes | None = None) -> str:
        path = os.path.join(self.stage_dir, name)
        if os.path.exists(path) and os.path.getsize(path) == len(data):
            return path
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        digest = hashlib.blake2b(data if key is None else key, digest_size=4).digest()
        stamp = 1_000_000_000 + int.from_bytes(digest, "little") % 1_000_000_000
        os.utime(path, (stamp, stamp))
        return path


def _plain(value: Any) -> Any:
    """Return a carried value as a plain Python object (numpy scalars and arrays unwrapped)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
