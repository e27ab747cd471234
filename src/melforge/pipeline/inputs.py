"""Inputs of a featurization run: directories, files, manifests and iterables.

Everything here is lazy: a manifest of a million rows is read row by row and never
held in memory whole.  Each input becomes a :class:`Source`: a stable ``id``, the
file's ``path`` and the manifest columns carried through to the output.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from melforge._errors import AudioFileNotFoundError, ParameterError

__all__ = ["AUDIO_EXTENSIONS", "MANIFEST_EXTENSIONS", "Source", "iter_sources", "describe_inputs"]

#: File name endings taken as audio when walking a directory (case-insensitive).
#: A file with one of these endings that no decoder can open is recorded as failed.
AUDIO_EXTENSIONS = frozenset(
    {
        ".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac",
        ".aif", ".aiff", ".aifc", ".au", ".snd", ".caf", ".w64", ".rf64", ".wma", ".webm",
        ".mka", ".amr", ".ac3", ".sph", ".nist",
    }
)  # fmt: skip

#: Manifest file endings: rows of a table with a path column.
MANIFEST_EXTENSIONS = frozenset({".csv", ".tsv", ".jsonl", ".ndjson", ".parquet"})

#: Column names that melforge writes itself; a manifest may not carry them.
RESERVED_COLUMNS = frozenset(
    {"id", "path", "offset_s", "duration_s", "sample_rate", "num_frames", "features"}
)


@dataclass(frozen=True)
class Source:
    """One input file.

    Attributes
    ----------
    id : str
        Stable identifier: the path relative to its directory or manifest root, with
        ``/`` separators (or the path as given for explicit files).
    path : str
        Where to read the file (absolute for local files).
    columns : dict
        Manifest columns carried to the output (empty for directories and files).
    """

    id: str
    path: str
    columns: Mapping[str, Any] = field(default_factory=dict)


def _is_url(path: str) -> bool:
    return "://" in path


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _resolve(value: str, root: str | None) -> str:
    if _is_url(value) or os.path.isabs(value):
        return value
    base = root if root is not None else os.getcwd()
    return os.path.abspath(os.path.join(base, value))


def _walk(directory: str) -> Iterator[str]:
    """Yield audio files under ``directory`` in sorted order, relative, POSIX style."""
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel_dir = os.path.relpath(dirpath, directory)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS:
                rel = name if rel_dir == "." else os.path.join(rel_dir, name)
                yield _posix(rel)


def _manifest_rows(path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (where, row) for the rows of a CSV / TSV / JSONL / Parquet manifest, lazily.

    ``where`` names the row for messages: ``"row 3 (line 4)"`` (data rows counted from
    1, header excluded).  A UTF-8 byte-order mark (as spreadsheet programs write) is
    skipped; a CSV/TSV row with more or fewer cells than the header is refused.
    """
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".tsv"):
        with open(path, newline="", encoding="utf-8-sig") as f:
            if ext == ".tsv":
                # Common Voice style: tab separated, quotes are part of the text.
                reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            else:
                reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                return
            n = 0
            for cells in reader:
                if not cells:
                    continue  # a blank line
                n += 1
                if len(cells) != len(header):
                    raise ParameterError(
                        f"manifest {path!r} row {n} (line {reader.line_num}) has "
                        f"{len(cells)} cells but the header has {len(header)} "
                        f"({', '.join(header)}); fix the row (quote cells that hold the "
                        "separator)"
                    )
                yield f"row {n} (line {reader.line_num})", dict(zip(header, cells, strict=True))
    elif ext in (".jsonl", ".ndjson"):
        with open(path, encoding="utf-8-sig") as f:
            n = 0
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                n += 1
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ParameterError(
                        f"manifest {path!r} line {lineno} is not valid JSON: {e}"
                    ) from e
                if not isinstance(row, dict):
                    raise ParameterError(f"manifest {path!r} line {lineno} is not a JSON object")
                yield f"row {n} (line {lineno})", row
    else:
        import pyarrow.parquet as pq

        n = 0
        with pq.ParquetFile(path) as pf:
            for batch in pf.iter_batches(batch_size=4096):
                for row in batch.to_pylist():
                    n += 1
                    yield f"row {n}", row


def _id_key(source_id: str) -> int:
    """Return a 64-bit digest of an id (a set of these finds duplicates in little memory)."""
    digest = hashlib.blake2b(source_id.encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "little")


def _manifest_sources(manifest: str, *, path_column: str, root: str | None) -> Iterator[Source]:
    base = root if root is not None else os.path.dirname(os.path.abspath(manifest))
    seen: set[int] = set()
    for where, row in _manifest_rows(manifest):
        if path_column not in row:
            raise ParameterError(
                f"{path_column=} is not a column of manifest {manifest!r} "
                f"(columns: {', '.join(map(str, row))})"
            )
        value = row[path_column]
        if not isinstance(value, str) or not value:
            raise ParameterError(
                f"manifest {manifest!r} {where}: {path_column} must be a non-empty string, "
                f"got {value!r}"
            )
        columns = {k: v for k, v in row.items() if k != path_column}
        clash = RESERVED_COLUMNS.intersection(columns)
        if clash:
            raise ParameterError(
                f"manifest {manifest!r} has column(s) {sorted(clash)} that melforge writes "
                "itself; rename them"
            )
        source_id = _posix(value)
        key = _id_key(source_id)
        if key in seen:
            rows = []
            for w, r in _manifest_rows(manifest):  # again, up to here: name both rows
                if _posix(str(r.get(path_column))) == source_id:
                    rows.append(w)
                if w == where:
                    break
            raise ParameterError(
                f"manifest {manifest!r} lists {source_id!r} more than once ({', '.join(rows)}); "
                "each input may appear once (its id keys the output rows)"
            )
        seen.add(key)
        yield Source(id=source_id, path=_resolve(value, base), columns=columns)


def _classify(item: str) -> str:
    if _is_url(item):
        return "file"
    if os.path.isdir(item):
        return "dir"
    if not os.path.exists(item):
        ext = os.path.splitext(item)[1].lower()
        if ext in MANIFEST_EXTENSIONS:
            raise AudioFileNotFoundError("manifest not found", path=item)
        return "file"  # recorded as a failed input, the run goes on
    if os.path.splitext(item)[1].lower() in MANIFEST_EXTENSIONS:
        return "manifest"
    return "file"


def _as_list(inputs: Any) -> list[Any] | None:
    """Return ``inputs`` as a list when it names paths, or None for a lazy iterable."""
    if isinstance(inputs, (str, os.PathLike)):
        return [os.fspath(inputs)]
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    return None


def iter_sources(
    inputs: Any, *, path_column: str = "path", root: str | os.PathLike[str] | None = None
) -> Iterator[Source]:
    """Yield every input as a :class:`Source`, in a deterministic order.

    Parameters
    ----------
    inputs : path, sequence of paths, or iterable
        A directory (walked recursively in sorted order, audio recognized by extension),
        an audio file, a manifest (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``), a list
        of those, or any iterable (a generator, say) of paths or of mappings holding
        ``path_column`` and extra columns.  Iterables are consumed lazily.
    path_column : str
        Manifest column holding the file path.
    root : path or None
        Folder that relative manifest paths resolve against; default: the manifest's
        folder (for files and iterables: the current directory).

    Yields
    ------
    Source
    """
    root_s = os.fspath(root) if root is not None else None
    items = _as_list(inputs)
    if items is None:
        yield from _iter_items(inputs, path_column=path_column, root=root_s)
        return
    several = len(items) > 1
    for item in items:
        if isinstance(item, Mapping):
            yield from _iter_items([item], path_column=path_column, root=root_s)
            continue
        item = os.fspath(item)
        kind = _classify(item)
        if kind == "dir":
            prefix = _posix(os.path.basename(os.path.normpath(item))) + "/" if several else ""
            for rel in _walk(item):
                yield Source(id=prefix + rel, path=os.path.abspath(os.path.join(item, rel)))
        elif kind == "manifest":
            yield from _manifest_sources(item, path_column=path_column, root=root_s)
        else:
            yield Source(id=_posix(item), path=_resolve(item, root_s))


def _iter_items(items: Iterable[Any], *, path_column: str, root: str | None) -> Iterator[Source]:
    for item in items:
        if isinstance(item, Source):  # an adapter's own (datasets.Dataset rows)
            yield item
        elif isinstance(item, Mapping):
            if path_column not in item:
                raise ParameterError(f"{path_column=} is missing from input row {item!r}")
            value = os.fspath(item[path_column])
            columns = {k: v for k, v in item.items() if k != path_column}
            clash = RESERVED_COLUMNS.intersection(columns)
            if clash:
                raise ParameterError(
                    f"input row has column(s) {sorted(clash)} that melforge writes itself"
                )
            yield Source(id=_posix(value), path=_resolve(value, root), columns=columns)
        elif isinstance(item, (str, os.PathLike)):
            value = os.fspath(item)
            yield Source(id=_posix(value), path=_resolve(value, root))
        else:
            raise ParameterError(
                f"inputs must hold paths or mappings, got {type(item).__name__}: {item!r}"
            )


def describe_inputs(
    inputs: Any, *, path_column: str, root: str | os.PathLike[str] | None
) -> dict[str, Any]:
    """Return a JSON-serializable description of ``inputs`` for ``_melforge.json``."""
    items = _as_list(inputs)
    desc: dict[str, Any] = {"path_column": path_column}
    if root is not None:
        desc["root"] = os.path.abspath(os.fspath(root))
    if items is None:
        desc["kind"] = getattr(inputs, "kind", "iterable")
        return desc
    described = []
    for item in items:
        if isinstance(item, Mapping):
            described.append({"kind": "row"})
            continue
        s = os.fspath(item)
        kind = _classify(s)
        described.append({"kind": kind, "path": s if _is_url(s) else os.path.abspath(s)})
    if len(described) > 20:
        desc["items"] = described[:20]
        desc["n_items"] = len(described)
    else:
        desc["items"] = described
    return desc
