"""``melforge presets`` and ``--preset`` with names, config files, folders and hf: ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

import melforge
from melforge.cli.main import main
from melforge.presets import get, names

W2V = {
    "feature_extractor_type": "Wav2Vec2FeatureExtractor",
    "feature_size": 1,
    "sampling_rate": 16000,
    "padding_value": 0.0,
    "do_normalize": True,
    "return_attention_mask": True,
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("presets") / "tone.flac"
    t = np.arange(22050) / 22050
    sf.write(path, 0.3 * np.sin(2 * np.pi * 440 * t), 22050, subtype="PCM_16")
    return str(path)


def _run(*args, code=0):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result


def test_list_reads_the_registry():
    out = _run("presets").output
    assert [line.split()[0] for line in out.splitlines()] == names()


def test_show_name_folder_file_and_hf_cache(tmp_path, monkeypatch):
    shown = json.loads(_run("presets", "show", "whisper-80").output)
    assert shown["params"] == get("whisper-80").params()
    assert shown["reference"] and shown["measured_deviation"] and shown["n_features"] == 80
    folder = tmp_path / "w2v"
    folder.mkdir()
    (folder / "preprocessor_config.json").write_text(json.dumps(W2V))
    by_folder = json.loads(_run("presets", "show", str(folder)).output)
    by_file = json.loads(_run("presets", "show", str(folder / "preprocessor_config.json")).output)
    assert by_folder["kind"] == "hf-wav2vec2" and by_folder["params"] == by_file["params"]
    assert len(by_folder["params"]["config_sha256"]) == 64
    snap = tmp_path / "hub" / "models--org--m" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / "preprocessor_config.json").write_text(json.dumps(W2V))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert json.loads(_run("presets", "show", "hf:org/m").output)["name"] == "org/m"


def test_bad_preset_is_a_usage_error(tmp_path):
    out = _run("presets", "show", "whisper80", code=2).output
    assert "unknown preset 'whisper80'" in out and "whisper-80" in out
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(dict(W2V, foo=1)))
    out = _run("presets", "show", str(tmp_path), code=2).output
    assert "['foo'] are not implemented" in out


def test_features_with_a_preset_name_and_a_config(clip, tmp_path):
    out = tmp_path / "w.npy"
    _run("features", clip, "--preset", "whisper-80", "-o", str(out))
    y, sr = melforge.load(clip, sr=None)
    np.testing.assert_array_equal(np.load(out), get("whisper-80")(y, sr))
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "preprocessor_config.json").write_text(json.dumps(W2V))
    out = tmp_path / "w2v.npz"
    _run("features", clip, "--preset", str(tmp_path / "cfg"), "-o", str(out))
    data = np.load(out)
    assert data["features"].shape == (16000,) and str(data["layout"]) == "(n_samples,)"
    assert json.loads(str(data["preset"]))["kind"] == "hf-wav2vec2"
    out = tmp_path / "k.csv"
    _run("features", clip, "--preset", "kaldi-fbank-80", "-o", str(out))
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    assert table.shape[1] == 81
    result = _run(
        "features", clip, "--preset", "whisper-80", "--kind", "mfcc", "-o", str(out), code=2
    )
    assert "drop --kind" in result.output


def test_installed_entry_point(clip, tmp_path):
    env = dict(os.environ)
    exe = os.path.join(os.path.dirname(sys.executable), "melforge")
    run = subprocess.run([exe, "presets"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0 and "whisper-80" in run.stdout


def test_featurize_with_a_model_config_folder_and_hf_id(tmp_path, monkeypatch):
    """featurize --preset takes a config folder or hf:org/name; rows equal preset.frames."""
    import pyarrow.dataset as pads

    from melforge.presets import from_pretrained

    src = tmp_path / "clips"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i, n in enumerate((8000, 12000)):
        sf.write(src / f"c{i}.wav", 0.1 * rng.standard_normal(n), 16000, subtype="FLOAT")
    cfg = tmp_path / "w2v"
    cfg.mkdir()
    (cfg / "preprocessor_config.json").write_text(json.dumps(W2V))
    _run("featurize", str(src), "-o", str(tmp_path / "out"), "--preset", str(cfg),
         "--workers", "1", "--no-progress")  # fmt: skip
    table = pads.dataset(str(tmp_path / "out"), format="parquet").to_table().to_pydict()
    p = from_pretrained(cfg)
    for path, feats in zip(table["path"], table["features"], strict=True):
        y, sr = melforge.load(path, sr=None)
        np.testing.assert_array_equal(np.asarray(feats, np.float32), p.frames(y, sr))
    snap = tmp_path / "hub" / "models--org--w2v" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / "preprocessor_config.json").write_text(json.dumps(W2V))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    _run("featurize", str(src), "-o", str(tmp_path / "out2"), "--preset", "hf:org/w2v",
         "--workers", "1", "--no-progress")  # fmt: skip
    assert pads.dataset(str(tmp_path / "out2"), format="parquet").count_rows() == 2
