"""Dataset featurization at scale: ``melforge.featurize`` and reading its output back.

``featurize(inputs, out, preset=...)`` turns a directory, file list or manifest into
Parquet shards (one row per clip or segment), in parallel on a local process pool or a
Dask cluster, resumable after any interruption.  :class:`FeatureDataset` and
:func:`features_to_numpy` read the result back without loading whole shards.

Nothing heavy is imported with this package: pyarrow, dask and tqdm load when a run
starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from melforge.pipeline.errors import OutputError, OutputInUseError
from melforge.pipeline.summary import Summary

if TYPE_CHECKING:
    from melforge.pipeline._run import featurize as featurize
    from melforge.pipeline.reader import (
        FeatureDataset as FeatureDataset,
        features_to_numpy as features_to_numpy,
    )

__all__ = [
    "featurize",
    "Summary",
    "FeatureDataset",
    "features_to_numpy",
    "OutputError",
    "OutputInUseError",
]

_LAZY = {
    "featurize": "melforge.pipeline._run",
    "FeatureDataset": "melforge.pipeline.reader",
    "features_to_numpy": "melforge.pipeline.reader",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'melforge.pipeline' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
