"""The image processors' keys in combined ``preprocessor_config.json`` files.

Multimodal models (Qwen2.5-Omni, Gemma 3n, Phi-4-multimodal) ship one flat
``preprocessor_config.json`` that holds the audio feature extractor's keys *and* their
image processor's, naming it with ``image_processor_type``.  transformers builds both
processors from the same dict: the feature extractor keeps every key as an attribute
and reads only its own parameters, so the image keys never reach the audio numbers.

:func:`image_processor_keys` tells from_pretrained which keys a config's named image
processor class owns, so they can be set aside instead of refused.  The sets are the
classes' accepted keys (transformers' ``valid_kwargs``, 5.25.0);
``tests/api/test_pretrained_combined.py`` keeps them equal to the live classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["IMAGE_PROCESSOR_KEYS", "image_processor_keys"]

#: Keys every transformers image processor accepts (``ImagesKwargs``).
_COMMON = frozenset(
    {
        "crop_size", "data_format", "default_to_square", "device", "disable_grouping",
        "do_center_crop", "do_convert_rgb", "do_normalize", "do_pad", "do_rescale",
        "do_resize", "image_mean", "image_seq_length", "image_std", "input_data_format",
        "pad_size", "resample", "rescale_factor", "return_tensors", "size",
    }
)  # fmt: skip

_QWEN2_VL = _COMMON | {"min_pixels", "max_pixels", "patch_size", "temporal_patch_size",
                       "merge_size"}  # fmt: skip
_PHI4 = _COMMON | {"patch_size", "dynamic_hd"}

#: ``image_processor_type`` -> the config keys that class owns.  One line per class
#: name a published config uses (older "...Fast" names included: same keys).
IMAGE_PROCESSOR_KEYS: dict[str, frozenset[str]] = {
    # Qwen2.5-Omni (WhisperFeatureExtractor)
    "Qwen2VLImageProcessor": _QWEN2_VL,
    "Qwen2VLImageProcessorFast": _QWEN2_VL,
    # Gemma 3n (Gemma3nAudioFeatureExtractor)
    "SiglipImageProcessor": _COMMON,
    "SiglipImageProcessorFast": _COMMON,
    # Phi-4-multimodal (Phi4MultimodalFeatureExtractor)
    "Phi4MultimodalImageProcessor": _PHI4,
    "Phi4MultimodalImageProcessorFast": _PHI4,
}


def image_processor_keys(config: Mapping[str, Any]) -> frozenset[str]:
    """Return the keys of ``config`` that belong to the image processor it names.

    Parameters
    ----------
    config : Mapping
        A flat feature-extractor config, possibly combined with an image processor's.

    Returns
    -------
    frozenset of str
        ``image_processor_type`` and the keys of that class present in ``config``;
        empty when the config names no image processor, or one melforge does not know
        (its keys are then not identifiable and stay refused).
    """
    owner = config.get("image_processor_type")
    keys = IMAGE_PROCESSOR_KEYS.get(owner) if isinstance(owner, str) else None
    if keys is None:
        return frozenset()
    return frozenset(k for k in config if k in keys) | {"image_processor_type"}
