"""Combined processor configs: what from_pretrained still refuses, and where it looks."""

from __future__ import annotations

import json

import pytest

from melforge import ParameterError
from melforge.presets import from_pretrained

WHISPER = {"feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 128}
SIGLIP_KEYS = {"image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_rescale": True}


def test_image_keys_are_set_aside_only_for_a_named_known_class():
    named = {**WHISPER, **SIGLIP_KEYS, "image_processor_type": "SiglipImageProcessor"}
    assert from_pretrained(named) == from_pretrained(WHISPER)
    # not identifiable: no image_processor_type
    with pytest.raises(ParameterError, match=r"\['do_rescale', 'image_mean', 'image_std'\]"):
        from_pretrained({**WHISPER, **SIGLIP_KEYS})
    # a class melforge does not know the keys of
    with pytest.raises(
        ParameterError,
        match=r"image_processor_type='NopeImageProcessor' is not an image processor whose "
        r"keys melforge knows \(Phi4Multimodal",
    ):
        from_pretrained({**WHISPER, **SIGLIP_KEYS, "image_processor_type": "NopeImageProcessor"})


def test_keys_of_neither_processor_are_still_refused():
    combined = {**WHISPER, **SIGLIP_KEYS, "image_processor_type": "SiglipImageProcessor"}
    with pytest.raises(ParameterError, match=r"\['preemphasis'\] are not implemented"):
        from_pretrained({**combined, "preemphasis": 0.97})
    # a Qwen2-VL key is not a SigLIP key
    with pytest.raises(ParameterError, match=r"\['min_pixels'\] are not implemented"):
        from_pretrained({**combined, "min_pixels": 3136})
    # the image keys are set aside, the audio keys still checked
    with pytest.raises(ParameterError, match="n_fft"):
        from_pretrained({**combined, "n_fft": 0})


def test_nested_entries_in_transformers_order(tmp_path):
    first = dict(WHISPER, feature_size=80)
    assert from_pretrained({"audio_processor": first}).feature_size == 80
    both = {"feature_extractor": first, "audio_processor": WHISPER}
    assert from_pretrained(both).feature_size == 80
    # a folder's processor_config.json counts only through a nested entry
    (tmp_path / "processor_config.json").write_text(json.dumps(WHISPER))
    with pytest.raises(ParameterError, match="'audio_processor' entry in processor_config.json"):
        from_pretrained(tmp_path)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(first))
    assert from_pretrained(tmp_path).feature_size == 80
    with pytest.raises(ParameterError, match="nor a nested 'feature_extractor' or 'audio_proc"):
        from_pretrained({"image_processor": {"image_processor_type": "SiglipImageProcessor"}})
