"""``AudioDataset``: decode, resample and featurize on the fly, in ``DataLoader`` workers."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Any

import numpy as np

from melforge._errors import AudioError, ParameterError
from melforge.pipeline._compute import Job, featurize_array, resolve_preset, single_threaded
from melforge.pipeline.collate import PadCollate
from melforge.pipeline.inputs import Source, iter_sources
from melforge.pipeline.plan import unique
from melforge.presets.base import FEATURES_X_FRAMES, FRAMES_X_FEATURES

__all__ = ["AudioDataset", "item_seed"]


def item_seed(seed: int, source_id: str) -> int:
    """Return the seed of one item: a 32-bit hash of the dataset ``seed`` and the item's id.

    The same item gets the same seed in every process, worker and epoch, whatever
    order the sampler visits it in.
    """
    text = f"{int(seed)}\0{source_id}".encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(text, digest_size=4).digest(), "little")


class AudioDataset:
    """A map-style dataset of audio files, featurized when an item is read.

    Works as a ``torch.utils.data.Dataset`` (``DataLoader`` needs only ``len`` and
    indexing, so torch is not imported here).  Each item is decoded, mixed to mono,
    resampled to ``preset.sample_rate`` and featurized in the process that reads it:
    a ``DataLoader`` worker, or the main process with ``num_workers=0``.

    Parameters
    ----------
    inputs : path, sequence of paths, or iterable
        What :func:`melforge.featurize` takes: a folder (walked recursively in sorted
        order), audio files, a manifest (``.csv``, ``.tsv``, ``.jsonl``, ``.parquet``;
        its other columns come with each item), or rows with ``path_column``.  Listed
        once, when the dataset is built.
    preset : str, path, dict or preset
        The feature recipe, as :func:`melforge.presets.resolve` takes it: a registry
        name, a model config file or folder, ``"hf:org/name"``, or a preset object.
    path_column : str
        Manifest column with the audio path.
    root : path or None
        Folder relative manifest paths resolve against (default: the manifest's).
    layout : str
        Layout of each item's ``features``: ``melforge.presets.FRAMES_X_FEATURES``
        (``(n_frames, n_features)``, the default) or ``FEATURES_X_FRAMES``.
    on_error : {"raise", "skip"}
        A file that cannot be read or featurized: ``"raise"`` its
        :class:`~melforge.AudioError` (naming the file); ``"skip"``: the item comes back
        with ``features=None`` and an ``error`` record, the collate function leaves it
        out of the arrays and lists it under ``failures``.
    seed : int
        Base of the per-item seeds (:func:`item_seed`) given to a preset that has a
        ``seed`` field (Kaldi fbank's dither), so that dithered features are the same
        bits for an item in any worker and epoch.
    duration_column : str or None
        Manifest column with each file's duration in seconds, used by
        :meth:`durations` instead of reading the headers.

    Notes
    -----
    An item is ``{"id", "path", "index", "features", **columns}``; ``features`` is
    float32 ``[shape=(n_frames, n_features)]`` (or transposed, per ``layout``).
    Items are computed with BLAS limited to one thread, as the featurize workers do,
    so the same item has the same bits whichever process computes it.
    """

    def __init__(
        self,
        inputs: Any,
        *,
        preset: Any = "whisper-80",
        path_column: str = "path",
        root: str | os.PathLike[str] | None = None,
        layout: str = FRAMES_X_FEATURES,
        on_error: str = "raise",
        seed: int = 0,
        duration_column: str | None = None,
    ) -> None:
        if layout not in (FRAMES_X_FEATURES, FEATURES_X_FRAMES):
            raise ParameterError(
                f"{layout=} must be {FRAMES_X_FEATURES!r} or {FEATURES_X_FRAMES!r} "
                "(melforge.presets.FRAMES_X_FEATURES or FEATURES_X_FRAMES)"
            )
        if on_error not in ("raise", "skip"):
            raise ParameterError(f"{on_error=} must be 'raise' or 'skip'")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ParameterError(f"{seed=} must be an integer >= 0")
        self.preset = resolve_preset(preset)
        self.layout = layout
        self.on_error = on_error
        self.seed = int(seed)
        self.duration_column = duration_column
        self.sources: list[Source] = list(
            unique(iter_sources(inputs, path_column=path_column, root=root))
        )
        if duration_column is not None:
            for s in self.sources:
                if duration_column not in s.columns:
                    raise ParameterError(
                        f"{duration_column=} is missing from input {s.id!r} "
                        f"(its columns: {', '.join(s.columns) or 'none'})"
                    )
        seeded = any(f.name == "seed" for f in dataclasses.fields(self.preset)) if (
            dataclasses.is_dataclass(self.preset)
        ) else False  # fmt: skip
        self._seeded = seeded
        self._durations: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.sources)

    def __repr__(self) -> str:
        return (
            f"AudioDataset({len(self)} items, preset={self.preset!r}, "
            f"layout={self.layout!r}, on_error={self.on_error!r})"
        )

    def preset_for(self, i: int) -> Any:
        """Return the preset that item ``i`` is computed with (its own seed, if seeded)."""
        if not self._seeded:
            return self.preset
        return dataclasses.replace(self.preset, seed=item_seed(self.seed, self.sources[i].id))

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
            raise TypeError(f"index must be an integer, got {type(i).__name__}")
        n = len(self.sources)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} out of range for {n} items")
        i = int(i)
        source = self.sources[i]
        item: dict[str, Any] = {"id": source.id, "path": source.path, "index": i}
        item.update(source.columns)
        try:
            feats = self._features(i, source)
        except Exception as e:
            if self.on_error == "raise":
                if isinstance(e, AudioError) and e.path is not None:
                    raise
                raise AudioError(
                    f"item {i} ({source.id!r}) could not be featurized: {type(e).__name__}: {e}",
                    path=source.path,
                ) from e
            item["features"] = None
            item["error"] = {"error": type(e).__name__, "message": str(e)}
            return item
        item["features"] = feats.T if self.layout == FEATURES_X_FRAMES else feats
        return item

    def _features(self, i: int, source: Source) -> np.ndarray:
        from melforge.audio import load

        target = int(self.preset.sample_rate)
        with single_threaded():
            y, sr = load(source.path, sr=target, mono=True)
            return featurize_array(Job(self.preset_for(i)), y, int(sr))

    def durations(self) -> np.ndarray:
        """Return each item's duration in seconds, from headers (no decoding).

        Read with :func:`melforge.info` (or from ``duration_column``) once and kept.
        With ``on_error="skip"`` an unreadable header gives 0.0 (the item's failure is
        reported when it is read); otherwise its error is raised.

        Returns
        -------
        np.ndarray [shape=(len(self),)]
            float64 seconds.
        """
        if self._durations is not None:
            return self._durations
        from melforge.io import info

        out = np.empty(len(self.sources), dtype=np.float64)
        for k, s in enumerate(self.sources):
            if self.duration_column is not None:
                try:
                    out[k] = float(s.columns[self.duration_column])
                except (TypeError, ValueError) as e:
                    raise ParameterError(
                        f"input {s.id!r}: {self.duration_column}="
                        f"{s.columns[self.duration_column]!r} is not a number of seconds"
                    ) from e
                continue
            try:
                out[k] = float(info(s.path).duration)
            except Exception:
                if self.on_error == "raise":
                    raise
                out[k] = 0.0
        self._durations = out
        return out

    def collate_fn(
        self,
        *,
        pad_value: float = 0.0,
        pad_to_multiple_of: int | None = None,
        return_tensors: str = "pt",
    ) -> PadCollate:
        """Return a ``collate_fn`` padding a batch to its longest item.

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
        melforge.data.PadCollate
            ``{"features", "mask", "lengths", "id", ..., "failures"}`` per batch.
        """
        return PadCollate(
            layout=self.layout,
            pad_value=pad_value,
            pad_to_multiple_of=pad_to_multiple_of,
            return_tensors=return_tensors,
        )
