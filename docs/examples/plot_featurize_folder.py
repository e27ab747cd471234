"""
Featurizing a folder and reading it back
========================================

``melforge.featurize`` turns a folder (or a file list, or a manifest) into Parquet
shards, one row per file, in parallel and resumable. The shards open directly with
pyarrow, pandas and DuckDB; ``FeatureDataset`` serves them row by row in the shape
a PyTorch ``DataLoader`` expects, without importing torch.
"""

# %%
# A small corpus
# --------------
# Six two-second clips cut from the bundled recordings, written as FLAC and WAV in a
# temporary folder.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import melforge

work = Path(tempfile.mkdtemp())
corpus = work / "corpus"
corpus.mkdir()
for key in ("speech", "music"):
    y, sr = melforge.load(melforge.ex(key), sr=16000)
    for i in range(3):
        ext = "flac" if i % 2 else "wav"
        melforge.save(corpus / f"{key}_{i}.{ext}", y[i * 2 * sr : (i + 1) * 2 * sr], sr)
print(sorted(p.name for p in corpus.iterdir()))

# %%
# Featurize
# ---------
# ``workers`` processes compute the features (here one; by default one per core).
# Running the same call again resumes: files already in the shards are skipped.
summary = melforge.featurize(corpus, work / "features", preset="kaldi-fbank-80", workers=1)
print(summary)
print(sorted(p.name for p in (work / "features").iterdir()))

# %%
# pandas
# ------
# One row per file; ``features`` holds one array of ``n_features`` values per frame,
# so a row's features stack to ``(n_frames, n_features)``.
import pandas as pd

df = pd.read_parquet(work / "features")
print(df.columns.tolist())
print(df[["id", "duration_s", "sample_rate", "num_frames"]])
first = np.stack(df["features"].iloc[0])
print(first.shape, first.dtype)

# %%
# DuckDB
# ------
# SQL over the shards, without loading the features. Select the ``part-*`` shards
# by name so that no other file in the folder is read.
import duckdb

shards = str(work / "features" / "part-*.parquet")
print(
    duckdb.sql(
        f"SELECT count(*) AS files, sum(len(features)) AS frames FROM read_parquet('{shards}')"
    ).fetchall()
)

# %%
# A PyTorch-style dataset
# -----------------------
# ``FeatureDataset`` has ``len`` and ``[i]`` and reads only the row group it needs,
# so it plugs into ``torch.utils.data.DataLoader`` as it is.
from melforge.pipeline import FeatureDataset

ds = FeatureDataset(work / "features")
item = ds[0]
print(len(ds), item["id"], item["features"].shape)

fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
img = ax.imshow(item["features"].T, origin="lower", aspect="auto", cmap="magma")
fig.colorbar(img, ax=ax)
ax.set(title=f"{Path(item['id']).name}: kaldi-fbank-80", xlabel="frame", ylabel="mel bin")
