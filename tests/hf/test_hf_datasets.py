"""Hugging Face datasets: featurize a real datasets.Dataset; melforge.hf.map_fn in .map().

Built from generated audio in the test; nothing is downloaded and torch/torchcodec are
not needed (``Audio`` columns are read with ``decode=False``, melforge decodes).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from datasets import Audio, Dataset

import melforge
import melforge.hf
from melforge import AudioError, ParameterError
from melforge.pipeline import FeatureDataset

SR = 16000


def clip(i: int, sr: int = SR) -> np.ndarray:
    y = 0.1 * np.random.default_rng(i).standard_normal(int(sr * (0.4 + 0.2 * i)))
    return y.astype(np.float32)


def flac_bytes(y: np.ndarray, sr: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="FLAC")
    return buf.getvalue()


def rows_by_id(out: Path) -> dict[str, dict]:
    fd = FeatureDataset(out)
    return {fd[i]["id"]: fd[i] for i in range(len(fd))}


def audio_dataset(tmp_path: Path) -> Dataset:
    """Three rows of an Audio column: a local file, FLAC bytes with a name, bare bytes."""
    wav = tmp_path / "a.wav"
    sf.write(wav, clip(0), SR)
    column = [
        {"bytes": None, "path": str(wav)},
        {"bytes": flac_bytes(clip(1, 8000), 8000), "path": "b.flac"},
        {"bytes": flac_bytes(clip(2), SR), "path": None},
    ]
    ds = Dataset.from_dict({"audio": column, "text": ["zero", "one", "two"]})
    return ds.cast_column("audio", Audio())


def test_featurize_an_audio_column(tmp_path: Path) -> None:
    ds = audio_dataset(tmp_path)
    summary = melforge.featurize(ds, tmp_path / "out", preset="kaldi-fbank-80", workers=1)
    assert summary.files_ok == 3 and summary.files_failed == 0
    rows = rows_by_id(tmp_path / "out")
    assert set(rows) == {str(tmp_path / "a.wav"), "b.flac", "000002"}
    assert rows["b.flac"]["text"] == "one"
    preset = melforge.presets.get("kaldi-fbank-80")
    expected = {  # the same decode and resample as melforge.load
        str(tmp_path / "a.wav"): melforge.load(tmp_path / "a.wav", sr=SR)[0],
        "b.flac": melforge.load(io.BytesIO(flac_bytes(clip(1, 8000), 8000)), sr=SR)[0],
        "000002": melforge.load(io.BytesIO(flac_bytes(clip(2), SR)), sr=SR)[0],
    }
    for key, y in expected.items():
        np.testing.assert_array_equal(rows[key]["features"], preset.frames(y, SR))


def test_featurize_arrays_in_memory_and_resume(tmp_path: Path) -> None:
    """A struct of array + sampling_rate is featurized bit for bit; a rerun keeps the rows."""
    ys = [clip(3), clip(4)]
    ds = Dataset.from_dict(
        {"audio": [{"array": y, "sampling_rate": SR} for y in ys], "speaker": [7, 8]}
    )
    out = tmp_path / "out"
    melforge.featurize(ds, out, preset="kaldi-fbank-80", workers=1)
    rows = rows_by_id(out)
    preset = melforge.presets.get("kaldi-fbank-80")
    for k, y in enumerate(ys):
        np.testing.assert_array_equal(rows[f"00000{k}"]["features"], preset.frames(y, SR))
        assert rows[f"00000{k}"]["speaker"] == 7 + k
    again = melforge.featurize(ds, out, preset="kaldi-fbank-80", workers=1)
    assert again.files_skipped == 2 and again.files_ok == 0


def test_featurize_refuses_a_dataset_without_audio(tmp_path: Path) -> None:
    ds = Dataset.from_dict({"text": ["a"]})
    with pytest.raises(ParameterError, match="no audio column"):
        melforge.featurize(ds, tmp_path / "out", preset="kaldi-fbank-80")
    ds = Dataset.from_dict({"audio": [{"array": clip(0), "sampling_rate": SR}], "id": ["x"]})
    with pytest.raises(ParameterError, match=r"\['id'\] that melforge writes"):
        melforge.featurize(ds, tmp_path / "out", preset="kaldi-fbank-80")


def test_bad_bytes_row_is_recorded(tmp_path: Path) -> None:
    column = [{"bytes": b"not audio" * 50, "path": "bad.wav"},
              {"bytes": flac_bytes(clip(0), SR), "path": "good.flac"}]  # fmt: skip
    ds = Dataset.from_dict({"audio": column}).cast_column("audio", Audio())
    summary = melforge.featurize(ds, tmp_path / "out", preset="kaldi-fbank-80", workers=1)
    assert summary.files_ok == 1 and summary.files_failed == 1


def test_map_fn_registry_preset(tmp_path: Path) -> None:
    ds = audio_dataset(tmp_path).cast_column("audio", Audio(decode=False))
    mapped = ds.map(melforge.hf.map_fn("kaldi-fbank-80"), batched=True, batch_size=2)
    preset = melforge.presets.get("kaldi-fbank-80")
    y = melforge.load(io.BytesIO(flac_bytes(clip(1, 8000), 8000)), sr=SR)[0]
    got = np.asarray(mapped.with_format("numpy")[1]["input_features"])
    np.testing.assert_array_equal(got, preset(y, SR))


def test_map_fn_from_pretrained_equals_the_transformers_extractor() -> None:
    """A from_pretrained preset's map output is what its transformers extractor returns."""
    transformers = pytest.importorskip("transformers")
    fe = transformers.Wav2Vec2FeatureExtractor(return_attention_mask=True)
    preset = melforge.presets.from_pretrained(fe.to_dict())
    ys = [clip(k) for k in range(4)]
    ds = Dataset.from_dict({"audio": [{"array": y, "sampling_rate": SR} for y in ys]})
    fn = melforge.hf.map_fn(preset, padding="longest")
    mapped = ds.map(fn, batched=True, batch_size=2, remove_columns=["audio"]).with_format("numpy")
    assert set(mapped.column_names) == {"input_values", "attention_mask"}
    for start in (0, 2):  # each map batch is padded to its own longest clip
        ref = fe(ys[start : start + 2], sampling_rate=SR, padding="longest", return_tensors="np")
        for k in range(2):
            np.testing.assert_allclose(  # 9.5e-7 is the preset's stated deviation
                mapped[start + k]["input_values"], ref["input_values"][k], atol=1e-5
            )
            np.testing.assert_array_equal(
                mapped[start + k]["attention_mask"], ref["attention_mask"][k]
            )


def test_decode_value_forms_and_errors(tmp_path: Path) -> None:
    y = clip(0, 8000)
    stereo = {"array": np.stack([y, y]), "sampling_rate": 8000}
    got = melforge.hf.decode_value(stereo, sr=SR)
    np.testing.assert_array_equal(got, melforge.resample(y, orig_sr=8000, target_sr=SR))
    with pytest.raises(AudioError, match="bad.wav"):
        melforge.hf.decode_value({"bytes": b"junk" * 20, "path": "bad.wav"}, sr=SR)
    with pytest.raises(ParameterError, match="cannot read audio from a value of type int"):
        melforge.hf.decode_value(3, sr=SR)
    with pytest.raises(ParameterError, match="audio_column='sound' is not in the batch"):
        melforge.hf.map_fn("kaldi-fbank-80", audio_column="sound")({"audio": []})
    with pytest.raises(ParameterError, match="only presets from"):
        melforge.hf.map_fn("kaldi-fbank-80", padding="longest")


def test_datasets_needs_torchcodec_to_put_arrays_in_an_audio_column() -> None:
    """Why melforge reads Audio columns undecoded (docs/training.md)."""
    import importlib.util

    if importlib.util.find_spec("torchcodec") is not None:
        pytest.skip("torchcodec is installed here")
    ds = Dataset.from_dict({"audio": [{"array": clip(0), "sampling_rate": SR}]})
    with pytest.raises(ImportError, match="torchcodec"):
        ds.cast_column("audio", Audio())


def test_datasets_needs_torchcodec_to_decode_an_audio_column(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("torchcodec") is not None:
        pytest.skip("torchcodec is installed here")
    ds = audio_dataset(tmp_path)
    with pytest.raises(ImportError, match="torchcodec"):
        ds[0]["audio"]  # noqa: B018
