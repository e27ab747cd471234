"""SpeechT5's audio input: transformers' ``SpeechT5FeatureExtractor`` with ``audio=``.

The ``input_values`` side of the extractor is the wav2vec2 recipe (pad, then optional
per-clip zero-mean unit-variance normalization with the same padding quirk) with other
defaults: ``do_normalize=False`` and ``return_attention_mask=True``.  The
``audio_target=`` side (the log-mel ``labels`` for speech synthesis) is not computed by
this family.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from melforge.presets.hf.wav2vec2 import Wav2Vec2Family

__all__ = ["SpeechT5Family"]

#: Config keys that only parametrize the ``audio_target`` log-mel (``labels``), which
#: this family does not compute: they never change ``input_values``.
_TARGET_ONLY_KEYS = (
    "num_mel_bins", "hop_length", "win_length", "win_function", "fmin", "fmax", "mel_floor",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class SpeechT5Family(Wav2Vec2Family):
    """transformers' ``SpeechT5FeatureExtractor`` called with ``audio=``: ``input_values``.

    ``preset.batch(clips, sr, padding=True)`` returns ``{"input_values": (batch, n_max),
    "attention_mask": (batch, n_max)}``; see :class:`Wav2Vec2Family` for the options.
    """

    do_normalize: bool = False
    return_attention_mask: bool = True

    kind: ClassVar[str] = "hf-speecht5"
    extractor_types: ClassVar[tuple[str, ...]] = ("SpeechT5FeatureExtractor",)

    @classmethod
    def _fields_from_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        for key in _TARGET_ONLY_KEYS:
            config.pop(key, None)
        config.setdefault("do_normalize", False)
        config.setdefault("return_attention_mask", True)
        return super()._fields_from_config(config)
