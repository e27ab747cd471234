"""melforge.data through real torch DataLoader workers (fork and spawn): same bits, tensors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

import melforge
from melforge import AudioError
from melforge.data import AudioDataset, BucketBatchSampler
from melforge.pipeline import FeatureDataset

pytestmark = pytest.mark.torch

CONTEXTS = ["fork", "spawn"]


def write_clips(root: Path, n: int = 9) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sr = (8000, 16000, 44100)[i % 3]
        y = 0.1 * np.random.default_rng(i).standard_normal(int(sr * (0.2 + 0.15 * i)))
        sf.write(root / f"c{i}.wav", y.astype(np.float32), sr)
    return root


def dithered() -> melforge.presets.Preset:
    return dataclasses.replace(melforge.presets.get("kaldi-fbank-80"), dither=1.0)


def by_id(loader: DataLoader) -> tuple[dict[str, np.ndarray], list[dict]]:
    feats: dict[str, np.ndarray] = {}
    failures: list[dict] = []
    for batch in loader:
        assert batch["features"].dtype == torch.float32
        assert batch["mask"].dtype == torch.bool
        assert batch["lengths"].dtype == torch.int64
        assert torch.equal(batch["mask"].sum(dim=1), batch["lengths"])
        for b, key in enumerate(batch["id"]):
            n = int(batch["lengths"][b])
            feats[key] = batch["features"][b, :n].numpy().copy()
            assert not batch["features"][b, n:].any()  # zero padding
        failures += batch["failures"]
    return feats, failures


@pytest.mark.parametrize("context", CONTEXTS)
def test_workers_give_the_same_bits_as_the_main_process(tmp_path: Path, context: str) -> None:
    clips = write_clips(tmp_path / "clips")
    ds = AudioDataset(clips, preset=dithered(), seed=3)
    sampler = BucketBatchSampler(ds, batch_size=3, num_buckets=3, seed=0)
    main, _ = by_id(DataLoader(ds, batch_sampler=sampler, collate_fn=ds.collate_fn()))
    loader = DataLoader(
        ds,
        batch_sampler=sampler,
        collate_fn=ds.collate_fn(),
        num_workers=2,
        multiprocessing_context=context,
    )
    workers, _ = by_id(loader)
    assert set(workers) == set(main) == {f"c{i}.wav" for i in range(9)}
    for key, f in main.items():
        np.testing.assert_array_equal(workers[key], f)  # bit-identical, dither included
        np.testing.assert_array_equal(f, ds[int(key[1])]["features"])


def test_batches_follow_the_sampler(tmp_path: Path) -> None:
    clips = write_clips(tmp_path / "clips")
    ds = AudioDataset(clips, preset="kaldi-fbank-80")
    sampler = BucketBatchSampler(ds, max_duration=2.5, num_buckets=3, seed=1)
    loader = DataLoader(ds, batch_sampler=sampler, collate_fn=ds.collate_fn(), num_workers=2)
    got = [sorted(b["id"]) for b in loader]
    want = [sorted(ds.sources[i].id for i in b) for b in sampler.batches()]
    assert got == want


@pytest.mark.parametrize("context", CONTEXTS)
def test_bad_file_in_a_worker(tmp_path: Path, context: str) -> None:
    clips = write_clips(tmp_path / "clips", n=3)
    (clips / "zz_bad.wav").write_bytes(b"RIFF" + bytes(60))
    skip = AudioDataset(clips, preset="kaldi-fbank-80", on_error="skip")
    loader = DataLoader(skip, batch_size=2, collate_fn=skip.collate_fn(), num_workers=2,
                        multiprocessing_context=context)  # fmt: skip
    feats, failures = by_id(loader)
    assert sorted(feats) == ["c0.wav", "c1.wav", "c2.wav"]
    assert [f["id"] for f in failures] == ["zz_bad.wav"]
    assert "zz_bad.wav" in failures[0]["message"]
    strict = AudioDataset(clips, preset="kaldi-fbank-80")
    loader = DataLoader(strict, batch_size=2, collate_fn=strict.collate_fn(), num_workers=2,
                        multiprocessing_context=context)  # fmt: skip
    with pytest.raises(AudioError, match="zz_bad.wav"):
        list(loader)


def test_feature_dataset_collate_in_workers(tmp_path: Path) -> None:
    clips = write_clips(tmp_path / "clips")
    melforge.featurize(clips, tmp_path / "out", preset="kaldi-fbank-80", workers=1)
    fd = FeatureDataset(tmp_path / "out")
    loader = DataLoader(fd, batch_size=4, collate_fn=fd.collate_fn(), num_workers=2)
    feats, _ = by_id(loader)
    direct = AudioDataset(clips, preset="kaldi-fbank-80")
    for i in range(len(direct)):
        item = direct[i]
        np.testing.assert_array_equal(feats[item["id"]], item["features"])


def test_collate_layout_features_by_frames(tmp_path: Path) -> None:
    clips = write_clips(tmp_path / "clips", n=3)
    ds = AudioDataset(clips, preset="mfcc-13", layout=melforge.presets.FEATURES_X_FRAMES)
    batch = ds.collate_fn(pad_to_multiple_of=8)([ds[0], ds[2]])
    n = [ds[0]["features"].shape[1], ds[2]["features"].shape[1]]
    width = ds.preset.n_features
    assert tuple(batch["features"].shape) == (2, width, -(-max(n) // 8) * 8)
    assert batch["lengths"].tolist() == n


def test_sampler_reads_the_rank_from_torch_distributed(tmp_path) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'pg'}", world_size=1, rank=0)
    try:
        s = BucketBatchSampler([1.0, 2.0, 3.0], batch_size=1)
        assert (s.num_replicas, s.rank) == (1, 0)
    finally:
        dist.destroy_process_group()
