"""Strict-mode refusals and bad options of the from_pretrained Gemma audio families."""

from __future__ import annotations

import numpy as np
import pytest

from melforge import ParameterError
from melforge.presets import from_pretrained

G3 = {"feature_extractor_type": "Gemma3nAudioFeatureExtractor"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"frame_length": 400}, r"frame_length=400 disagrees with the 512"),
        ({"fft_length": 512}, r"fft_length=512 disagrees with the 1024"),
        ({"hop_length": 100}, r"hop_length=100 disagrees with the 160"),
        ({"per_bin_mean": [0.0] * 3}, r"per_bin_mean must hold 128 finite numbers"),
        ({"per_bin_stddev": [0.0] * 128}, r"per_bin_stddev must not hold zeros"),
        ({"mel_floor": 0.0}, r"mel_floor=0.0 must be a finite number > 0"),
        ({"image_mean": [0.5, 0.5, 0.5]}, r"\['image_mean'\] are not implemented"),
    ],
)
def test_config_refusals(extra, message):
    with pytest.raises(ParameterError, match=message):
        from_pretrained({**G3, **extra})


def test_mask_is_required():
    p = from_pretrained(G3)
    with pytest.raises(ParameterError, match=r"return_attention_mask=False: the Gemma"):
        p.batch([np.zeros(16000, np.float32)], 16000, return_attention_mask=False)


def test_a_saved_non_default_frame_length_is_refused():
    # transformers' to_dict() keeps frame_length=400 (25 ms) but not frame_length_ms;
    # its own from_dict then recomputes 320 samples (20 ms): the config means two things
    transformers = pytest.importorskip("transformers")
    saved = transformers.Gemma4AudioFeatureExtractor(frame_length_ms=25.0).to_dict()
    with pytest.raises(ParameterError, match=r"frame_length=400 disagrees with the 320"):
        from_pretrained(saved)
