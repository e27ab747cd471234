"""from_pretrained: finding configs, strictness, hashing and JSON round trips."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

import melforge
from melforge import ParameterError
from melforge.presets import from_dict, from_pretrained, supported_types
from melforge.presets._padding import pad_sequences

W2V = {
    "feature_extractor_type": "Wav2Vec2FeatureExtractor",
    "feature_size": 1,
    "sampling_rate": 16000,
    "padding_value": 0.0,
    "padding_side": "right",
    "do_normalize": True,
    "return_attention_mask": True,
}


def test_dict_file_folder_and_processor_config(tmp_path):
    by_dict = from_pretrained(W2V)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "preprocessor_config.json").write_text(json.dumps(W2V))
    by_folder = from_pretrained(tmp_path / "a")
    by_file = from_pretrained(str(tmp_path / "a" / "preprocessor_config.json"))
    assert by_folder.params() == by_dict.params() == by_file.params()
    assert by_folder.name == "a" and by_dict.name == "Wav2Vec2FeatureExtractor"
    # processor_config.json with a nested entry wins over preprocessor_config.json
    nested = dict(W2V, do_normalize=False)
    (tmp_path / "a" / "processor_config.json").write_text(
        json.dumps({"processor_class": "X", "feature_extractor": nested})
    )
    assert from_pretrained(tmp_path / "a").do_normalize is False
    assert from_pretrained({"feature_extractor": nested}).do_normalize is False


def _cache(root, model_id, config, commit="0123abcd"):
    repo = root / ("models--" + model_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    (snap / "preprocessor_config.json").write_text(json.dumps(config))


@pytest.mark.parametrize("env", ["HF_HUB_CACHE", "HF_HOME"])
def test_model_id_from_the_local_cache_only(tmp_path, monkeypatch, env):
    for var in ("HF_HUB_CACHE", "HF_HOME"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "hub" if env == "HF_HOME" else tmp_path
    monkeypatch.setenv(env, str(tmp_path))
    _cache(root, "org/model", W2V)
    p = from_pretrained("org/model")
    assert p.name == "org/model" and p.sample_rate == 16000
    assert from_pretrained("hf:org/model") == p
    with pytest.raises(
        ParameterError, match="not in the local Hugging Face cache.*never downloads"
    ):
        from_pretrained("org/missing")
    with pytest.raises(ParameterError, match="revision='v2'"):
        from_pretrained("org/model", revision="v2")


def test_strict_unknown_key_and_type():
    with pytest.raises(ParameterError, match=r"\['dither_mode'\] are not implemented"):
        from_pretrained(dict(W2V, dither_mode="x"))
    with pytest.raises(
        ParameterError, match="NopeExtractor.*supported: .*Wav2Vec2FeatureExtractor"
    ):
        from_pretrained({"feature_extractor_type": "NopeExtractor"})
    with pytest.raises(ParameterError, match="no 'feature_extractor_type'"):
        from_pretrained({"sampling_rate": 16000})
    with pytest.raises(ParameterError, match="feature_size=2"):
        from_pretrained(dict(W2V, feature_size=2))
    with pytest.raises(ParameterError, match="neither a config file"):
        from_pretrained("./no/such/place")
    assert "Wav2Vec2FeatureExtractor" in supported_types()


def test_bad_json(tmp_path):
    (tmp_path / "preprocessor_config.json").write_text("{not json")
    with pytest.raises(ParameterError, match="not valid JSON"):
        from_pretrained(tmp_path)
    with pytest.raises(ParameterError, match="no feature-extractor config"):
        from_pretrained(tmp_path / "..")


def test_hash_json_round_trip_and_hashable():
    a = from_pretrained(W2V)
    b = from_pretrained(dict(W2V, padding_value=0.0, transformers_version="5.25.0"))
    assert a.config_sha256 != b.config_sha256  # a different source config, told apart
    assert a != b and len({a, b}) == 2
    again = from_dict(json.loads(json.dumps(a.to_dict())))
    assert again == a and type(again) is type(a)


def test_batch_options_are_checked():
    p = from_pretrained(W2V)
    y = np.zeros(100, np.float32)
    with pytest.raises(TypeError, match="unknown option.*'paddding'"):
        p.batch([y], 16000, paddding=True)
    with pytest.raises(ParameterError, match="padding='sideways'"):
        p.batch([y], 16000, padding="sideways")
    with pytest.raises(ParameterError, match="truncation=True needs max_length"):
        p.batch([y], 16000, truncation=True)
    if importlib.util.find_spec("torch") is None:  # with torch: tests/torch_backend
        with pytest.raises(ParameterError, match="return_tensors='pt' needs PyTorch"):
            p.batch([y], 16000, return_tensors="pt")
    with pytest.raises(ParameterError, match="return_tensors='tf'"):
        p.batch([y], 16000, return_tensors="tf")
    assert melforge.presets.from_pretrained is from_pretrained


def test_pad_sequences_left_and_multiple():
    items = [np.ones(3, np.float32), np.ones(5, np.float32)]
    r = pad_sequences(
        items,
        padding=True,
        pad_to_multiple_of=4,
        return_attention_mask=True,
        padding_side="left",
        padding_value=-1.0,
    )
    assert r.values.shape == (2, 8) and r.values[0, :5].tolist() == [-1.0] * 5
    assert r.mask.tolist() == [[0] * 5 + [1] * 3, [0] * 3 + [1] * 5]
    assert r.lengths.tolist() == [3, 5]
    ragged = pad_sequences(items, padding=False)
    assert isinstance(ragged.values, list) and ragged.mask is None


@pytest.mark.parametrize("extractor_type", supported_types())
def test_every_family_names_its_reference_and_deviation(extractor_type):
    """``melforge presets show`` prints both for any config (issue: reference + deviation)."""
    from melforge.cli.presets_cmd import describe
    from melforge.presets.pretrained import family_class

    cls = family_class(extractor_type)
    assert "transformers 5.25.0" in cls.reference or "openai-whisper" in cls.reference
    assert cls.deviation and any(ch.isdigit() for ch in cls.deviation)
    record = describe(from_pretrained({"feature_extractor_type": extractor_type}))
    assert record["reference"] == cls.reference
    assert record["measured_deviation"] == cls.deviation
    recipe = record.get("recipe")
    assert recipe is None or recipe["sample_rate"] == record["sample_rate"]
