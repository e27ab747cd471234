"""from_pretrained on combined processor configs vs transformers' own loading (live).

Multimodal models ship the audio extractor's config together with an image processor's:
flat in one ``preprocessor_config.json`` (Qwen2.5-Omni, Gemma 3n, Phi-4-multimodal), or
nested in ``processor_config.json`` (``"feature_extractor"`` / ``"audio_processor"``
entries, as ``ProcessorMixin.save_pretrained`` writes them).  The configs here are made
by the real classes (the image processor's and the extractor's ``to_dict()``, the
processor's ``ProcessorMixin.to_dict()``), merged as the published repos are, and read
back by transformers' ``AutoFeatureExtractor.from_pretrained`` from the same folder.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from pathlib import Path

import numpy as np
import pytest
from hf_compare import assert_same_batch

import melforge
from melforge.presets import from_pretrained
from melforge.presets._combined import IMAGE_PROCESSOR_KEYS
from melforge.presets.pretrained import family_class, supported_types

transformers = pytest.importorskip("transformers")
from transformers.processing_utils import ImagesKwargs, ProcessorMixin  # noqa: E402

# Log-mel features: 1e-4 absolute (the families' bound; the audio part is the same
# recipe as their own tests)
ATOL = 1e-4

# Qwen2.5-Omni-7B's preprocessor_config.json keeps the image processor's pixel budget as
# min_pixels/max_pixels (to_dict() of transformers 5.25 folds them into "size")
QWEN_PIXELS = {"min_pixels": 3136, "max_pixels": 12845056}


def _saved(processor) -> dict:
    """``processor``'s config as ``save_pretrained`` writes it (JSON types)."""
    return json.loads(processor.to_json_string())


def _image(name: str) -> dict:
    return _saved(getattr(transformers, name)())


def _qwen_omni() -> dict:
    fe = transformers.WhisperFeatureExtractor(
        feature_size=128, chunk_length=300, return_attention_mask=True
    )
    return {**_image("Qwen2VLImageProcessor"), **QWEN_PIXELS, **_saved(fe),
            "processor_class": "Qwen2_5OmniProcessor"}  # fmt: skip


def _gemma3n() -> dict:
    fe = transformers.Gemma3nAudioFeatureExtractor()
    return {**_image("SiglipImageProcessor"), "image_seq_length": 256, **_saved(fe),
            "processor_class": "Gemma3nProcessor"}  # fmt: skip


def _gemma3n_edited() -> dict:
    # hand-edited non-default audio values next to the image keys
    fe = transformers.Gemma3nAudioFeatureExtractor(preemphasis=0.9, padding_value=0.01)
    return {**_image("SiglipImageProcessor"), **_saved(fe),
            "image_processor_type": "SiglipImageProcessorFast"}  # fmt: skip


FLAT = {"qwen2.5-omni": _qwen_omni, "gemma-3n": _gemma3n, "gemma-3n-edited": _gemma3n_edited}


def _nested(processor: str, **attributes) -> dict:
    """``ProcessorMixin.to_dict()`` of ``processor`` holding ``attributes`` (no tokenizer)."""
    cls = getattr(transformers, processor)
    bare = cls.__new__(cls)
    for key, value in attributes.items():
        setattr(bare, key, value)
    return json.loads(json.dumps(ProcessorMixin.to_dict(bare), default=lambda a: a.tolist()))


def _clips() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    speech, _ = melforge.load(melforge.ex("speech"), sr=16000)
    return [speech[:36000], (0.1 * rng.standard_normal(9000)).astype(np.float32)]


def _write(folder: Path, name: str, config: dict) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(config))
    return folder


def _same_recipe(a, b) -> bool:
    return dataclasses.replace(a, name="x", config_sha256="") == dataclasses.replace(
        b, name="x", config_sha256=""
    )


@pytest.mark.parametrize("model", list(FLAT))
def test_flat_combined_file_matches_transformers(tmp_path, model):
    folder = _write(tmp_path / model, "preprocessor_config.json", FLAT[model]())
    fe = transformers.AutoFeatureExtractor.from_pretrained(folder)
    preset = from_pretrained(folder)
    assert preset.extractor_types == (type(fe).__name__,)
    clips = _clips()
    ref = fe(clips, sampling_rate=16000, return_tensors="np")
    assert_same_batch(ref, preset.batch(clips, 16000), atol=ATOL)


@pytest.mark.parametrize("model", list(FLAT))
def test_flat_combined_is_the_audio_config(model):
    config = FLAT[model]()
    audio = {k: v for k, v in config.items() if k not in IMAGE_PROCESSOR_KEYS[
        config["image_processor_type"]] | {"image_processor_type"}}  # fmt: skip
    combined, alone = from_pretrained(config), from_pretrained(audio)
    assert combined == alone and combined.config_sha256 == alone.config_sha256


def test_nested_processor_config_gemma3n(tmp_path):
    saved = _nested(
        "Gemma3nProcessor",
        feature_extractor=transformers.Gemma3nAudioFeatureExtractor(preemphasis=0.9),
        image_processor=transformers.SiglipImageProcessor(),
        audio_seq_length=188,
        image_seq_length=256,
    )
    assert {"feature_extractor", "image_processor", "audio_seq_length"} <= set(saved)
    folder = _write(tmp_path / "g", "processor_config.json", saved)
    # a preprocessor_config.json beside it loses to the nested entry, as in transformers
    _write(folder, "preprocessor_config.json", _saved(transformers.Gemma3nAudioFeatureExtractor()))
    fe = transformers.AutoFeatureExtractor.from_pretrained(folder)
    preset = from_pretrained(folder)
    assert fe.preemphasis == preset.preemphasis == 0.9
    clips = _clips()
    ref = fe(clips, sampling_rate=16000, return_tensors="np")
    assert_same_batch(ref, preset.batch(clips, 16000), atol=ATOL)
    assert from_pretrained(saved) == from_pretrained(saved["feature_extractor"])


def test_nested_audio_processor_entry_phi4(tmp_path):
    # Phi-4-multimodal and Granite Speech name the extractor "audio_processor"
    extractor = transformers.Phi4MultimodalFeatureExtractor(audio_compression_rate=4)
    saved = _nested("Phi4MultimodalProcessor", audio_processor=extractor)
    assert "audio_processor" in saved
    folder = _write(tmp_path / "phi4", "processor_config.json", saved)
    config, _ = transformers.FeatureExtractionMixin.get_feature_extractor_dict(str(folder))
    assert config == saved["audio_processor"]
    preset = from_pretrained(folder)
    assert preset.audio_compression_rate == 4
    assert _same_recipe(preset, from_pretrained(_saved(extractor)))


def test_flat_combined_phi4():
    # Phi-4's image processor needs torchvision: its keys are written from the class's
    # defaults (image_processing_phi4_multimodal.py) over the common image keys
    extractor = transformers.Phi4MultimodalFeatureExtractor()
    image = dict(_image("SiglipImageProcessor"), size={"height": 448, "width": 448},
                 patch_size=14, dynamic_hd=36,
                 image_processor_type="Phi4MultimodalImageProcessorFast")  # fmt: skip
    combined = {**image, **_saved(extractor), "processor_class": "Phi4MultimodalProcessor"}
    assert _same_recipe(from_pretrained(combined), from_pretrained(_saved(extractor)))


@pytest.mark.torch
def test_flat_combined_phi4_live(tmp_path):
    pytest.importorskip("torch")
    extractor = transformers.Phi4MultimodalFeatureExtractor()
    combined = {**_image("SiglipImageProcessor"), "patch_size": 14, "dynamic_hd": 36,
                **_saved(extractor),
                "image_processor_type": "Phi4MultimodalImageProcessorFast"}  # fmt: skip
    folder = _write(tmp_path / "phi4", "preprocessor_config.json", combined)
    fe = transformers.AutoFeatureExtractor.from_pretrained(folder)
    clips = _clips()
    ref = fe(clips, sampling_rate=16000, return_tensors="np")
    assert_same_batch(ref, from_pretrained(folder).batch(clips, 16000), atol=ATOL)


def _phi4_kwargs() -> set[str]:
    """Phi4MultimodalImageProcessorKwargs' own keys, read from its source (no torchvision)."""
    import transformers.models.phi4_multimodal as package

    source = Path(package.__file__).with_name("image_processing_phi4_multimodal.py")
    tree = ast.parse(source.read_text())
    name = "Phi4MultimodalImageProcessorKwargs"
    cls = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name)
    return {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign)}


def test_image_processor_keys_are_the_classes_keys():
    common = ImagesKwargs.__required_keys__ | ImagesKwargs.__optional_keys__
    for name, keys in IMAGE_PROCESSOR_KEYS.items():
        base = name.removesuffix("Fast")
        if base == "Phi4MultimodalImageProcessor":
            expected = common | _phi4_kwargs()
        else:
            kwargs = getattr(transformers, base).valid_kwargs
            expected = kwargs.__required_keys__ | kwargs.__optional_keys__
        assert keys == expected, (name, sorted(keys ^ expected))


@pytest.mark.parametrize("extractor_type", supported_types())
def test_image_keys_an_extractor_reads_are_its_own(extractor_type):
    # a key both an image processor and the audio extractor read (do_normalize) must be
    # read by the melforge family, never set aside
    cls = getattr(transformers, extractor_type, None)
    if cls is None:
        pytest.skip(f"transformers has no {extractor_type}")
    params = set(inspect.signature(cls.__init__).parameters)
    shared = params & set().union(*IMAGE_PROCESSOR_KEYS.values())
    family = family_class(extractor_type)
    for key in shared:
        config = {key: cls().to_dict()[key]}
        family._fields_from_config(config)
        assert key not in config, (extractor_type, key)
