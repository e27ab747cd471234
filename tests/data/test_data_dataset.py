"""melforge.data without torch: items, determinism, bad files, collate in numpy."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import melforge
from melforge import AudioError, ParameterError
from melforge.data import AudioDataset, PadCollate, item_seed
from melforge.pipeline import FeatureDataset


def write_tree(root: Path, n: int = 5) -> list[Path]:
    """n clips of 0.3 + 0.25 i seconds at 8/16/44.1 kHz, plus one corrupt file."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        sr = (8000, 16000, 44100)[i % 3]
        y = 0.1 * np.random.default_rng(i).standard_normal(int(sr * (0.3 + 0.25 * i)))
        p = root / f"c{i}.{'flac' if i % 2 else 'wav'}"
        sf.write(p, y.astype(np.float32), sr)
        paths.append(p)
    return paths


@pytest.fixture
def clips(tmp_path: Path) -> Path:
    write_tree(tmp_path / "clips")
    return tmp_path / "clips"


def test_items_equal_the_featurize_rows(clips: Path, tmp_path: Path) -> None:
    """An item is what featurize writes for the same file (same decode, resample, recipe)."""
    melforge.featurize(clips, tmp_path / "out", preset="kaldi-fbank-80", workers=1)
    rows = {r["id"]: r["features"] for r in FeatureDataset(tmp_path / "out")}
    ds = AudioDataset(clips, preset="kaldi-fbank-80")
    assert len(ds) == len(rows) == 5
    for i in range(len(ds)):
        item = ds[i]
        assert item["index"] == i and item["path"].endswith(item["id"])
        np.testing.assert_array_equal(item["features"], rows[item["id"]])  # bit-identical


def test_layout_and_preset_forms(clips: Path, tmp_path: Path) -> None:
    preset = melforge.presets.get("mfcc-13")
    a = AudioDataset(clips, preset=preset)[2]["features"]
    b = AudioDataset(clips, preset="mfcc-13", layout=melforge.presets.FEATURES_X_FRAMES)[2]
    np.testing.assert_array_equal(a.T, b["features"])
    config = tmp_path / "preset.json"
    import json

    config.write_text(json.dumps(preset.to_dict()))
    c = AudioDataset(clips, preset=preset.to_dict())[2]["features"]
    np.testing.assert_array_equal(a, c)


def test_manifest_columns_and_durations(clips: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,text,secs\nclips/c1.flac,one,9.5\nclips/c3.flac,three,1.25\n")
    ds = AudioDataset(manifest, preset="kaldi-fbank-80")
    assert [ds[i]["text"] for i in range(2)] == ["one", "three"]
    np.testing.assert_allclose(ds.durations(), [0.55, 1.05])  # from the headers
    ds2 = AudioDataset(manifest, preset="kaldi-fbank-80", duration_column="secs")
    np.testing.assert_array_equal(ds2.durations(), [9.5, 1.25])
    with pytest.raises(ParameterError, match="duration_column='nope' is missing"):
        AudioDataset(manifest, duration_column="nope")


def test_dither_is_seeded_per_item(clips: Path) -> None:
    """Dithered features are the same bits for an item whatever order it is read in."""
    dithered = dataclasses.replace(melforge.presets.get("kaldi-fbank-80"), dither=1.0)
    ds = AudioDataset(clips, preset=dithered, seed=7)
    forward = [ds[i]["features"] for i in range(len(ds))]
    backward = [ds[i]["features"] for i in reversed(range(len(ds)))][::-1]
    for f, b in zip(forward, backward, strict=True):
        np.testing.assert_array_equal(f, b)
    plain = AudioDataset(clips, preset="kaldi-fbank-80")[1]["features"]
    assert not np.array_equal(forward[1], plain)  # the dither is really there
    other = AudioDataset(clips, preset=dithered, seed=8)[1]["features"]
    assert not np.array_equal(forward[1], other)
    assert ds.preset_for(1).seed == item_seed(7, ds[1]["id"])


def test_bad_file_raises_naming_it(clips: Path) -> None:
    (clips / "zz_bad.wav").write_bytes(b"RIFF" + bytes(60))
    ds = AudioDataset(clips, preset="kaldi-fbank-80")
    with pytest.raises(AudioError, match="zz_bad.wav") as info:
        ds[len(ds) - 1]
    assert str(info.value.path).endswith("zz_bad.wav")
    with pytest.raises(AudioError, match="zz_bad.wav"):
        ds.durations()


def test_bad_file_skipped_and_recorded(clips: Path) -> None:
    (clips / "zz_bad.wav").write_bytes(b"RIFF" + bytes(60))
    ds = AudioDataset(clips, preset="kaldi-fbank-80", on_error="skip")
    assert ds.durations()[-1] == 0.0
    bad = ds[len(ds) - 1]
    assert bad["features"] is None and bad["error"]["error"].endswith("Error")
    batch = ds.collate_fn(return_tensors="np")([ds[0], bad, ds[1]])
    assert batch["id"] == ["c0.wav", "c1.flac"]
    assert [f["id"] for f in batch["failures"]] == ["zz_bad.wav"]
    assert "zz_bad.wav" in batch["failures"][0]["message"]


def test_numpy_collate_pads_to_the_longest(clips: Path) -> None:
    ds = AudioDataset(clips, preset="kaldi-fbank-80")
    items = [ds[i] for i in (3, 0, 4)]
    batch = ds.collate_fn(return_tensors="np", pad_value=-1.0)(items)
    n = [it["features"].shape[0] for it in items]
    assert batch["features"].shape == (3, max(n), 80)
    np.testing.assert_array_equal(batch["lengths"], n)
    np.testing.assert_array_equal(batch["mask"].sum(axis=1), n)
    for b, it in enumerate(items):
        np.testing.assert_array_equal(batch["features"][b, : n[b]], it["features"])
        assert np.all(batch["features"][b, n[b] :] == -1.0)
    t = PadCollate(layout=melforge.presets.FEATURES_X_FRAMES, return_tensors="np",
                   pad_to_multiple_of=8)  # fmt: skip
    tb = t([{"id": it["id"], "features": it["features"].T} for it in items])
    assert tb["features"].shape == (3, 80, -(-max(n) // 8) * 8)
    for b, it in enumerate(items):
        np.testing.assert_array_equal(tb["features"][b, :, : n[b]], it["features"].T)
        assert np.all(tb["features"][b, :, n[b] :] == 0.0)
    np.testing.assert_array_equal(tb["mask"].sum(axis=1), n)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layout": "rows"}, "layout='rows' must be"),
        ({"on_error": "ignore"}, "on_error='ignore' must be 'raise' or 'skip'"),
        ({"seed": -1}, "seed=-1 must be an integer >= 0"),
        ({"preset": "no-such-preset"}, "no-such-preset"),
    ],
)
def test_bad_options(clips: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        AudioDataset(clips, **kwargs)


def test_collate_refuses_bad_options_and_mixed_widths() -> None:
    with pytest.raises(ParameterError, match="return_tensors='tf' must be"):
        PadCollate(return_tensors="tf")
    with pytest.raises(ParameterError, match="pad_to_multiple_of=0 must be"):
        PadCollate(pad_to_multiple_of=0)
    items = [{"id": "a", "features": np.zeros((3, 4))}, {"id": "b", "features": np.zeros((3, 5))}]
    with pytest.raises(ParameterError, match=r"different feature sizes \[4, 5\]"):
        PadCollate(return_tensors="np")(items)


def test_feature_dataset_collate(clips: Path, tmp_path: Path) -> None:
    melforge.featurize(clips, tmp_path / "out", preset="kaldi-fbank-80", workers=1)
    fd = FeatureDataset(tmp_path / "out", layout=melforge.presets.FEATURES_X_FRAMES)
    batch = fd.collate_fn(return_tensors="np")([fd[0], fd[1]])
    n = [fd[0]["features"].shape[1], fd[1]["features"].shape[1]]
    assert batch["features"].shape == (2, 80, max(n))
    np.testing.assert_array_equal(batch["lengths"], n)
    assert batch["num_frames"] == n  # carried columns come as lists


def test_no_torch_is_imported(clips: Path) -> None:
    code = (
        "import sys, melforge.data as d, melforge.hf\n"
        f"ds = d.AudioDataset({str(clips)!r}, preset='kaldi-fbank-80')\n"
        "ds.collate_fn(return_tensors='np')([ds[0], ds[1]])\n"
        "d.BucketBatchSampler(ds, batch_size=2)\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
