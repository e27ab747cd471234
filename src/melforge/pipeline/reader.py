"""Reading a featurized dataset back: numpy arrays and a PyTorch-style ``Dataset``.

The folder is a plain Parquet dataset; ``pyarrow.dataset.dataset(out)``,
``pandas.read_parquet(out)`` and DuckDB's ``read_parquet('out/*.parquet')`` open it
directly (the errors log, ``_errors.jsonl``, is not Parquet, so no glob mixes it in).
The helpers here add the one thing those do not: turning the ``features`` column into
``(frames, n_features)`` float32 arrays without copying, and random access by row that
loads one row group at a time.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge.pipeline.collate import PadCollate
from melforge.pipeline.shards import SHARD_PATTERN
from melforge.pipeline.store import Store, open_store
from melforge.presets.base import FEATURES_X_FRAMES, FRAMES_X_FEATURES

__all__ = ["FeatureDataset", "features_to_numpy"]


def features_to_numpy(column: Any) -> list[np.ndarray]:
    """Split a ``features`` column into one ``(frames, n_features)`` float32 array per row.

    Parameters
    ----------
    column : pyarrow.Array or pyarrow.ChunkedArray
        A ``list<fixed_size_list<float32, n>>`` column (from any Parquet reader).

    Returns
    -------
    list of np.ndarray
        Views into the column's buffer (read-only), one per row, ``[shape=(frames, n)]``.

    Examples
    --------
    >>> import pyarrow.parquet as pq
    >>> import melforge
    >>> from melforge.pipeline import features_to_numpy
    >>> _ = melforge.featurize([melforge.ex("speech")], "feats", preset="kaldi-fbank-80",
    ...                        workers=1)
    >>> table = pq.read_table("feats/part-00000.parquet", columns=["id", "features"])
    >>> [x.shape for x in features_to_numpy(table.column("features"))]
    [(960, 80)]
    """
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):  # one view per row of each chunk, no copy
        return [m for chunk in column.chunks for m in features_to_numpy(chunk)]
    n = column.type.value_type.list_size
    offsets = column.offsets.to_numpy()
    inner = column.values  # fixed_size_list, offset into its own values
    flat = inner.values.to_numpy(zero_copy_only=False)[inner.offset * n :]
    frames = flat.reshape(-1, n)
    return [frames[offsets[i] : offsets[i + 1]] for i in range(len(column))]


class FeatureDataset:
    """A map-style dataset over a featurized folder, for ``torch.utils.data.DataLoader``.

    Indexing loads the one Parquet row group that holds the row (and keeps the last
    one), so memory stays at one row group whatever the dataset's size.  The object
    pickles cheaply (file handles are reopened in each ``DataLoader`` worker).  It does
    not import torch: :meth:`collate_fn` pads a batch and returns tensors, masks and lengths.

    Parameters
    ----------
    out : path or URL
        The folder :func:`melforge.featurize` wrote.
    columns : sequence of str or None
        Columns to return besides ``id`` and ``features`` (e.g. ``["transcript"]``);
        default: all of them.
    layout : str
        Layout of the returned ``features``: ``"(n_frames, n_features)"``
        (``melforge.presets.FRAMES_X_FEATURES``, the default: as stored, time first, as
        Kaldi and ``preset.frames()``), or ``"(n_features, n_frames)"``
        (``melforge.presets.FEATURES_X_FRAMES``: as ``preset(y, sr)``, librosa and
        transformers' extractors return them; a transposed view, no copy).

    Examples
    --------
    >>> import melforge
    >>> from melforge.pipeline import FeatureDataset
    >>> _ = melforge.featurize([melforge.ex("speech")], "features", preset="whisper-80",
    ...                        workers=1)
    >>> ds = FeatureDataset("features/")
    >>> item = ds[0]
    >>> item["id"]  # a file given by its path is identified by it
    '.../speech.flac'
    >>> item["features"].shape, item["features"].dtype  # (n_frames, n_features)
    ((3000, 80), dtype('float32'))
    >>> from melforge.presets import FEATURES_X_FRAMES
    >>> ds = FeatureDataset("features/", layout=FEATURES_X_FRAMES)
    >>> ds[0]["features"].shape  # (n_features, n_frames), like preset(y, sr)
    (80, 3000)
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        *,
        columns: Sequence[str] | None = None,
        layout: str = FRAMES_X_FEATURES,
    ):
        import pyarrow.parquet as pq

        if layout not in (FRAMES_X_FEATURES, FEATURES_X_FRAMES):
            raise ParameterError(
                f"{layout=} must be {FRAMES_X_FEATURES!r} or {FEATURES_X_FRAMES!r} "
                "(melforge.presets.FRAMES_X_FEATURES or FEATURES_X_FRAMES)"
            )
        self.layout = layout
        self.out = os.fspath(out)
        store = open_store(self.out)
        self._names = [n for n in store.listdir() if SHARD_PATTERN.match(n)]
        if not self._names:
            raise ParameterError(f"out={self.out!r} holds no part-*.parquet shards")
        self._groups: list[tuple[int, int]] = []  # (file number, row group)
        self._starts: list[int] = []
        total = 0
        schema = None
        for f_no, name in enumerate(self._names):
            with store.open_read(name) as f:
                meta = pq.read_metadata(f)
            if schema is None:
                schema = meta.schema.to_arrow_schema()
            for g in range(meta.num_row_groups):
                self._groups.append((f_no, g))
                self._starts.append(total)
                total += meta.row_group(g).num_rows
        self._len = total
        assert schema is not None  # noqa: S101 - at least one shard was read
        names = schema.names
        self._has_features = "features" in names
        if columns is None:
            self.columns = [c for c in names if c not in ("id", "features")]
        else:
            missing = [c for c in columns if c not in names]
            if missing:
                raise ParameterError(f"columns={list(columns)!r}: no such column(s) {missing}")
            self.columns = list(columns)
        self._store: Store | None = None
        self._cache: tuple[int, dict[str, Any]] | None = None

    def __len__(self) -> int:
        return self._len

    def collate_fn(
        self,
        *,
        pad_value: float = 0.0,
        pad_to_multiple_of: int | None = None,
        return_tensors: str = "pt",
    ) -> PadCollate:
        """Return a ``collate_fn`` padding a batch of rows to its longest one.

        Parameters
        ----------
        pad_value : float
            Value of the padded frames.
        pad_to_multiple_of : int or None
            Round the padded length up to a multiple of this.
        return_tensors : {"pt", "np"}
            torch tensors (torch imported on the first batch) or numpy arrays.

        Returns
        -------
        melforge.pipeline.collate.PadCollate
            Callable on a list of items: ``{"features", "mask", "lengths", "id", ...}``,
            in this dataset's ``layout`` with a leading batch axis.

        Examples
        --------
        >>> from torch.utils.data import DataLoader  # doctest: +SKIP
        >>> ds = FeatureDataset("features/")  # doctest: +SKIP
        >>> loader = DataLoader(ds, batch_size=16, collate_fn=ds.collate_fn())  # doctest: +SKIP
        """
        return PadCollate(
            layout=self.layout,
            pad_value=pad_value,
            pad_to_multiple_of=pad_to_multiple_of,
            return_tensors=return_tensors,
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_store"] = None
        state["_cache"] = None
        return state

    def _load_group(self, g: int) -> dict[str, Any]:
        import pyarrow.parquet as pq

        if self._cache is not None and self._cache[0] == g:
            return self._cache[1]
        if self._store is None:
            self._store = open_store(self.out)
        f_no, rg = self._groups[g]
        with self._store.open_read(self._names[f_no]) as f:
            wanted = ["id", *(["features"] if self._has_features else []), *self.columns]
            table = pq.ParquetFile(f).read_row_group(rg, columns=wanted)
        data: dict[str, Any] = {"id": table.column("id").to_pylist()}
        data["features"] = (
            features_to_numpy(table.column("features")) if "features" in table.column_names
            else None
        )  # fmt: skip
        for c in self.columns:
            data[c] = table.column(c).to_pylist()
        self._cache = (g, data)
        return data

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not isinstance(i, (int, np.integer)):
            raise TypeError(f"index must be an integer, got {type(i).__name__}")
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError(f"index {i} out of range for {self._len} rows")
        g = bisect.bisect_right(self._starts, i) - 1
        data = self._load_group(g)
        j = int(i - self._starts[g])
        item = {"id": data["id"][j]}
        if data["features"] is not None:
            f = data["features"][j]
            item["features"] = f.T if self.layout == FEATURES_X_FRAMES else f
        for c in self.columns:
            item[c] = data[c][j]
        return item
