"""Parquet shards: schema, atomic writing, and the resume index read from their footers.

Shard ``k`` holds the inputs numbered ``k * files_per_shard`` up to the next shard's
first, in input order.  A shard is written under a hidden temporary name and renamed to
``part-NNNNN.parquet`` only when complete; its footer records which inputs it covers
(a hash of their ids) and which of them failed.  The set of complete shards is the
resume index: a rerun skips their inputs and recomputes every other shard whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melforge.pipeline._compute import Failure, Row
from melforge.pipeline.errors import output_error
from melforge.pipeline.store import Store, temp_name

__all__ = [
    "SHARD_PATTERN",
    "ShardInfo",
    "ShardWriter",
    "shard_name",
    "ids_digest",
    "feature_schema",
    "infer_carried_schema",
    "read_shard_index",
]

SHARD_PATTERN = re.compile(r"^part-(\d{5,})\.parquet$")
META_KEY = b"melforge.shard"
#: Rows are buffered and written as one row group once they hold this many bytes
#: (a row group is what a reader loads at once).
ROW_GROUP_BYTES = 16 * 2**20
#: Parquet path of the feature values.
FEATURES_LEAF = "features.list.element.list.element"
#: zstd level of the shards.  Negative levels are zstd's fast modes; any zstd reader
#: decodes them.  Measured per clip, one thread, writing 8-clip shards of the bench
#: corpus (docs/pipeline.md): whisper-80 (3000 x 80 float32) 1.59 ms at the default
#: level 1 -> 1.42 ms at -3 for 4 % more bytes; kaldi-fbank-80 0.59 -> 0.52 ms for 2 %
#: more.  Uncompressed it is still ~1.1 ms: most of the cost is Parquet's repetition
#: and definition levels of the nested column, not zstd.
ZSTD_LEVEL = -3


def shard_name(k: int) -> str:
    """Return the file name of shard ``k``."""
    return f"part-{k:05d}.parquet"


def ids_digest(ids: Iterable[str]) -> str:
    """Return a short hash of an ordered list of input ids."""
    h = hashlib.sha1()
    for i in ids:
        h.update(i.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def infer_carried_schema(rows: Sequence[Mapping[str, Any]]) -> Any:
    """Infer the Arrow schema of manifest columns from some rows (null columns -> string)."""
    import pyarrow as pa

    if not rows or not any(rows):
        return pa.schema([])
    names: list[str] = []
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    table = pa.Table.from_pylist([{k: r.get(k) for k in names} for r in rows])
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema
    ]
    return pa.schema(fields)


def feature_schema(n_features: int, carried: Any, *, npy: bool = False) -> Any:
    """Return the schema of a shard: fixed columns, carried columns, then the features."""
    import pyarrow as pa

    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("path", pa.string()),
        pa.field("offset_s", pa.float64()),
        pa.field("duration_s", pa.float64()),
        pa.field("sample_rate", pa.int32()),
        *carried,
        pa.field("num_frames", pa.int32()),
    ]
    if npy:
        fields.append(pa.field("features_path", pa.string()))
    else:
        fields.append(pa.field("features", pa.list_(pa.list_(pa.float32(), n_features))))
    return pa.schema(fields)


def _features_array(feats: Sequence[np.ndarray], n_features: int) -> Any:
    """Build a ``list<fixed_size_list<float32, n>>`` array without per-frame Python work."""
    import pyarrow as pa

    lengths = np.array([f.shape[0] for f in feats], dtype=np.int32)
    offsets = np.zeros(len(feats) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    if len(feats) == 1:  # the usual case (one row per input): no copy, the array is the buffer
        flat = np.ascontiguousarray(feats[0], dtype=np.float32).reshape(-1)
    else:
        flat = np.concatenate([f.reshape(-1) for f in feats]) if feats else np.zeros(0, np.float32)
    values = pa.FixedSizeListArray.from_arrays(_numbers(flat, pa.float32()), n_features)
    return pa.ListArray.from_arrays(_numbers(offsets, pa.int32()), values)


# Arrays are built from their buffers: ``pyarrow.array`` (and ``pyarrow.scalar``) import
# pandas on first use, ~0.3 s of CPU and ~40 MB in every worker process for nothing.


def _numbers(values: Any, type_: Any) -> Any:
    """Return a null-free numeric array of ``type_`` (float32/64, int32) from values."""
    import pyarrow as pa

    a = np.ascontiguousarray(values, dtype=type_.to_pandas_dtype())
    return pa.Array.from_buffers(type_, len(a), [None, pa.py_buffer(a)])


def _strings(values: Sequence[str]) -> Any:
    """Return a null-free string array."""
    import pyarrow as pa

    try:
        encoded = [v.encode("utf-8") for v in values]
    except UnicodeEncodeError:  # lone surrogates: let pyarrow raise its own error
        return pa.array(list(values), pa.string())
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


class CarriedColumnError(ValueError):
    """A manifest value that does not fit its column's type (that input is failed)."""


def _carried_array(field_: Any, value: Any, n: int) -> Any:
    """Return ``n`` copies of a carried value as an array of the column's type.

    Text columns take any value (as its text, JSON for lists and dicts); other values
    must convert without loss (``2`` fits a float column, ``2.5`` no integer column).
    """
    import pyarrow as pa

    if value is None:
        return pa.nulls(n, field_.type)
    if pa.types.is_string(field_.type):
        if not isinstance(value, str):
            value = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        return _strings([value] * n)
    try:
        arr = pa.array([value] * n)
        if isinstance(value, str) and not pa.types.is_string(field_.type):
            raise pa.ArrowInvalid("text in a non-text column")
        return arr if arr.type == field_.type else arr.cast(field_.type, safe=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        raise CarriedColumnError(
            f"manifest column {field_.name!r} value {value!r} does not fit type "
            f"{field_.type} inferred from the first rows; give the column one type"
        ) from e


@dataclass
class ShardInfo:
    """What a complete shard's footer says about it."""

    shard: int
    first_index: int
    n_inputs: int
    ids_sha1: str
    rows: int
    audio_seconds: float
    failed: list[dict[str, str]] = field(default_factory=list)
    #: One record per input, in shard order: ``id``, ``size`` (bytes) and ``mtime_ns``
    #: of the file when it was read (None for URLs), ``sha256`` (with
    #: ``verify_content``), ``columns`` (a digest of its carried columns), ``rows``
    #: (its rows in this shard), ``failed``.  Empty in shards of melforge <= 0.x that
    #: did not record them.
    inputs: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""


class ShardWriter:
    """Write one shard: rows are appended as row groups, the file appears on close.

    Parameters
    ----------
    store : Store
        The output folder.
    shard : int
        Shard number.
    schema : pyarrow.Schema
        From :func:`feature_schema`.
    sample_rate : int
        Value of the ``sample_rate`` column.
    npy_writer : callable or None
        For ``format="npy"``: called as ``npy_writer(row)`` and returns the relative path
        it wrote the row's features to.
    """

    def __init__(
        self, store: Store, shard: int, schema: Any, sample_rate: int, npy_writer: Any = None
    ) -> None:
        import pyarrow.parquet as pq

        self.store = store
        self.shard = shard
        self.schema = schema
        self.sample_rate = sample_rate
        self.npy_writer = npy_writer
        self.name = shard_name(shard)
        self.tmp = temp_name(self.name)
        self._file = store.open_write(self.tmp)
        fixed = {"id", "path", "offset_s", "duration_s", "num_frames", "features", "features_path"}
        self._writer = self._guarded(
            pq.ParquetWriter,
            self._file,
            schema,
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            use_dictionary=[f.name for f in schema if f.name not in fixed],
            # float bytes regrouped by significance: whisper-80 shards 17 % smaller,
            # kaldi-fbank-80 23 % (without it zstd barely shrinks the log energies)
            use_byte_stream_split=[] if npy_writer else [FEATURES_LEAF],
            write_statistics=[f.name for f in schema if f.name != "features"],
        )
        self._pending: list[Any] = []
        self._pending_bytes = 0
        self.failed: list[dict[str, str]] = []
        self.records: list[dict[str, Any]] = []
        self.ids: list[str] = []
        self.rows = 0
        self.audio_seconds = 0.0
        self.n_features = 0 if npy_writer else schema.field("features").type.value_type.list_size

    def add_input(self, source_id: str, record: dict[str, Any] | None = None) -> None:
        """Record that the next input of this shard is ``source_id`` (and its record)."""
        self.ids.append(source_id)
        self.records.append({"id": source_id, **(record or {}), "rows": 0, "failed": False})

    def add_failure(self, failure: Failure) -> None:
        """Record a failed input or segment (of the current input)."""
        self.failed.append(failure.to_dict())
        if self.records:
            self.records[-1]["failed"] = True

    def add_table(self, table: Any) -> None:
        """Append rows copied from an earlier version of this shard (the current input's)."""
        if table.num_rows == 0:
            return
        table = table.cast(self.schema) if not table.schema.equals(self.schema) else table
        for batch in table.to_batches():
            self._pending.append(batch)
            self._pending_bytes += batch.nbytes
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._guarded(self._flush)
        self.rows += table.num_rows
        self.records[-1]["rows"] += table.num_rows
        self.audio_seconds += float(sum(table.column("duration_s").to_pylist()))

    def _guarded(self, write: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a write; an OSError (disk full, ...) becomes an OutputError naming the shard."""
        try:
            return write(*args, **kwargs)
        except OSError as e:
            raise output_error(e, self.store.url(self.name)) from e

    def add_rows(self, path: str, columns: Mapping[str, Any], rows: Sequence[Row]) -> None:
        """Write the rows of one input as one row group."""
        import pyarrow as pa

        if not rows:
            return
        n = len(rows)
        data: dict[str, Any] = {
            "id": _strings([r.id for r in rows]),
            "path": _strings([path] * n),
            "offset_s": _numbers([r.offset_s for r in rows], pa.float64()),
            "duration_s": _numbers([r.duration_s for r in rows], pa.float64()),
            "sample_rate": _numbers([self.sample_rate] * n, pa.int32()),
        }
        for f in self.schema:
            if f.name in data or f.name in ("num_frames", "features", "features_path"):
                continue
            data[f.name] = _carried_array(f, columns.get(f.name), n)
        data["num_frames"] = _numbers([r.features.shape[0] for r in rows], pa.int32())
        if self.npy_writer is not None:
            data["features_path"] = _strings([self.npy_writer(r) for r in rows])
        else:
            data["features"] = _features_array([r.features for r in rows], self.n_features)
        batch = pa.RecordBatch.from_pydict(data, schema=self.schema)
        self._pending.append(batch)
        self._pending_bytes += batch.nbytes
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._guarded(self._flush)
        self.rows += n
        if self.records:
            self.records[-1]["rows"] += n
        self.audio_seconds += sum(r.duration_s for r in rows)

    def _flush(self) -> None:
        import pyarrow as pa

        if self._pending:
            table = pa.Table.from_batches(self._pending, schema=self.schema)
            self._writer.write_table(table, row_group_size=table.num_rows)
        self._pending = []
        self._pending_bytes = 0

    def close(self, first_index: int) -> ShardInfo:
        """Finish the file, record the footer metadata and rename it into place."""
        info = ShardInfo(
            shard=self.shard,
            first_index=first_index,
            n_inputs=len(self.ids),
            ids_sha1=ids_digest(self.ids),
            rows=self.rows,
            audio_seconds=self.audio_seconds,
            failed=self.failed,
            inputs=self.records,
            name=self.name,
        )
        meta = {k: v for k, v in info.__dict__.items() if k != "name"}
        self._guarded(self._finish, json.dumps(meta))
        self.store.rename(self.tmp, self.name)
        return info

    def _finish(self, meta: str) -> None:
        self._flush()
        self._writer.add_key_value_metadata({META_KEY.decode(): meta})
        self._writer.close()
        # No fsync: a killed process loses nothing the kernel already has, and after a
        # power loss a shard whose bytes never reached the disk fails to open and is
        # recomputed (read_shard_index).  fsync cost ~3.5 ms per shard here, and two
        # workers' fsyncs queue on the same journal.
        self._file.close()

    def abort(self) -> None:
        """Drop the temporary file."""
        try:
            self._writer.close()
            self._file.close()
        except OSError:
            pass  # the write that failed (a full disk) fails again here
        finally:
            self.store.remove(self.tmp)


def read_shard_index(store: Store) -> dict[int, ShardInfo]:
    """Return the footer metadata of every complete shard in ``store``, by shard number."""
    import pyarrow.parquet as pq

    index: dict[int, ShardInfo] = {}
    for name in store.listdir():
        m = SHARD_PATTERN.match(name)
        if not m:
            continue
        try:
            with store.open_read(name) as f:
                kv = pq.read_metadata(f).metadata or {}
            raw = kv.get(META_KEY)
            if raw is None:
                continue  # not ours: ignored (and refused by the caller's checks)
            index[int(m.group(1))] = ShardInfo(name=name, **json.loads(raw))
        except (OSError, ValueError, TypeError):
            # truncated or damaged (e.g. its bytes were lost in a power cut): not
            # complete, so it is recomputed and replaced
            continue
    return index
