"""Padding a list of dataset items into one batch: features, masks and lengths.

Used by :class:`melforge.pipeline.FeatureDataset` and :mod:`melforge.data`; torch is
imported only when tensors are asked for (``return_tensors="pt"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from melforge._errors import ParameterError
from melforge.presets.base import FEATURES_X_FRAMES, FRAMES_X_FEATURES

__all__ = ["PadCollate", "padding_fraction"]

#: Keys a collated batch always has (besides the carried columns).
_OWN = ("id", "features", "error", "path", "index")


class PadCollate:
    """A ``collate_fn`` that pads each batch to its longest item.

    Parameters
    ----------
    layout : str
        Layout of the items' ``features``: ``"(n_frames, n_features)"``
        (``melforge.presets.FRAMES_X_FEATURES``) or ``"(n_features, n_frames)"``
        (``FEATURES_X_FRAMES``); the batch keeps it, with a leading batch axis.
    pad_value : float
        Value of the padded frames.
    pad_to_multiple_of : int or None
        Round the padded length up to a multiple of this (tensor cores like 8).
    return_tensors : {"pt", "np"}
        ``"pt"``: torch tensors (torch is imported on the first call); ``"np"``: numpy.

    Notes
    -----
    A batch is a dict:

    ``features`` [shape=(batch, max_frames, n_features)] (or ``(batch, n_features,
    max_frames)``), float32; ``mask`` [shape=(batch, max_frames)], bool, True on real
    frames; ``lengths`` [shape=(batch,)], int64, frames of each item; ``id`` (list of
    str); every other column of the items as a list; and ``failures``: the items that
    could not be read (``on_error="skip"``), each ``{"id", "path", "error",
    "message"}``, left out of the arrays.
    """

    def __init__(
        self,
        *,
        layout: str = FRAMES_X_FEATURES,
        pad_value: float = 0.0,
        pad_to_multiple_of: int | None = None,
        return_tensors: str = "pt",
    ) -> None:
        if layout not in (FRAMES_X_FEATURES, FEATURES_X_FRAMES):
            raise ParameterError(
                f"{layout=} must be {FRAMES_X_FEATURES!r} or {FEATURES_X_FRAMES!r}"
            )
        if return_tensors not in ("pt", "np"):
            raise ParameterError(f"{return_tensors=} must be 'pt' or 'np'")
        if pad_to_multiple_of is not None and (
            not isinstance(pad_to_multiple_of, int) or pad_to_multiple_of < 1
        ):
            raise ParameterError(f"{pad_to_multiple_of=} must be an integer >= 1 or None")
        self.layout = layout
        self.pad_value = float(pad_value)
        self.pad_to_multiple_of = pad_to_multiple_of
        self.return_tensors = return_tensors

    def __repr__(self) -> str:
        return (
            f"PadCollate(layout={self.layout!r}, pad_value={self.pad_value!r}, "
            f"pad_to_multiple_of={self.pad_to_multiple_of!r}, "
            f"return_tensors={self.return_tensors!r})"
        )

    def __call__(self, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Pad ``items`` (dataset items with ``id`` and ``features``) into one batch."""
        good = [it for it in items if it.get("features") is not None]
        failures = [
            {"id": it.get("id"), "path": it.get("path"), **(it.get("error") or {})}
            for it in items
            if it.get("features") is None
        ]
        time_axis = 0 if self.layout == FRAMES_X_FEATURES else 1
        feats = [np.asarray(it["features"], dtype=np.float32) for it in good]
        for f in feats:
            if f.ndim != 2:
                raise ParameterError(
                    f"features of shape {f.shape} cannot be collated: each item's features "
                    f"must be 2-D in layout {self.layout}"
                )
        widths = {f.shape[1 - time_axis] for f in feats}
        if len(widths) > 1:
            raise ParameterError(
                f"items have different feature sizes {sorted(widths)}; one batch needs one"
            )
        lengths = np.array([f.shape[time_axis] for f in feats], dtype=np.int64)
        n_max = int(lengths.max()) if len(feats) else 0
        if self.pad_to_multiple_of:
            m = self.pad_to_multiple_of
            n_max = -(-n_max // m) * m
        n_feat = widths.pop() if widths else 0
        shape = (len(feats), n_max, n_feat) if time_axis == 0 else (len(feats), n_feat, n_max)
        out = np.full(shape, self.pad_value, dtype=np.float32)
        for b, f in enumerate(feats):
            if time_axis == 0:
                out[b, : f.shape[0]] = f
            else:
                out[b, :, : f.shape[1]] = f
        mask = np.arange(n_max)[None, :] < lengths[:, None]
        batch: dict[str, Any] = {"id": [it["id"] for it in good]}
        for key in good[0] if good else ():
            if key not in _OWN:
                batch[key] = [it.get(key) for it in good]
        if self.return_tensors == "pt":
            import torch

            batch.update(
                features=torch.from_numpy(out),
                mask=torch.from_numpy(mask),
                lengths=torch.from_numpy(lengths),
            )
        else:
            batch.update(features=out, mask=mask, lengths=lengths)
        batch["failures"] = failures
        return batch


def padding_fraction(lengths: Sequence[float], batches: Sequence[Sequence[int]]) -> float:
    """Return the share of padding in ``batches``: 1 - real / padded.

    Parameters
    ----------
    lengths : sequence of float
        Length of each item (frames or seconds).
    batches : sequence of sequence of int
        Item indices of each batch, as a batch sampler yields them.

    Returns
    -------
    float
        Padded cells that hold no data over all padded cells (0 = no waste).
    """
    lens = np.asarray(lengths, dtype=np.float64)
    real = padded = 0.0
    for b in batches:
        sel = lens[np.asarray(list(b), dtype=np.int64)]
        if sel.size:
            real += float(sel.sum())
            padded += float(sel.max()) * sel.size
    return 0.0 if padded == 0 else 1.0 - real / padded
