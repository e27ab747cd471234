"""Strict-mode refusals and bad calls of the Kaldi-fbank from_pretrained families."""

from __future__ import annotations

import numpy as np
import pytest

import melforge
from melforge.feature import kaldi_fbank
from melforge.presets import from_pretrained

S2T = {"feature_extractor_type": "Speech2TextFeatureExtractor"}
M4T = {"feature_extractor_type": "SeamlessM4TFeatureExtractor"}
AST = {"feature_extractor_type": "ASTFeatureExtractor"}


@pytest.mark.parametrize("base", [S2T, M4T, AST], ids=["s2t", "m4t", "ast"])
@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (
            {"sampling_rate": 8000},
            r"config sampling_rate=8000: this recipe is implemented at 16000",
        ),
        ({"num_mel_bins": 0}, r"config num_mel_bins=0 must be an integer >= 1"),
        ({"num_mel_bins": "80"}, r"config num_mel_bins='80' must be an integer >= 1"),
        ({"frame_length": 400}, r"config key\(s\) \['frame_length'\] are not implemented"),
    ],
)
def test_config_refusals(base, extra, match):
    with pytest.raises(melforge.ParameterError, match=match):
        from_pretrained({**base, **extra})


@pytest.mark.parametrize("base", [S2T, M4T], ids=["s2t", "m4t"])
def test_feature_size_one_is_refused(base):
    # transformers would pad 2-D frames as 1-D sequences: not a usable config
    with pytest.raises(
        melforge.ParameterError, match=r"config feature_size=1 must be an integer >= 2"
    ):
        from_pretrained({**base, "feature_size": 1})


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({**S2T, "normalize_vars": "yes"}, r"config normalize_vars='yes' must be true or false"),
        ({**S2T, "dither": float("nan")}, r"config dither=nan must be a finite number"),
        ({**M4T, "stride": 0}, r"config stride=0 must be an integer >= 1"),
        ({**M4T, "padding_side": "middle"}, r"padding_side='middle' must be 'right' or 'left'"),
        ({**AST, "std": 0.0}, r"std=0.0 must be a finite number > 0"),
        ({**AST, "max_length": -1}, r"config max_length=-1 must be an integer >= 1"),
    ],
)  # fmt: skip
def test_bad_values(config, match):
    with pytest.raises(melforge.ParameterError, match=match):
        from_pretrained(config)


def _clips():
    rng = np.random.default_rng(0)
    return [(0.1 * rng.standard_normal(n)).astype(np.float32) for n in (4000, 6000)]


def test_short_clip_is_refused():
    preset = from_pretrained(S2T)
    with pytest.raises(
        melforge.ParameterError, match=r"clip 1 has 399 samples; this recipe needs at least 400"
    ):
        preset.batch([np.zeros(800, np.float32), np.zeros(399, np.float32)], 16000)


def test_seamless_ragged_without_padding():
    preset = from_pretrained(M4T)
    with pytest.raises(melforge.ParameterError, match=r"clips of different lengths need padding"):
        preset.batch(_clips(), 16000, padding=False)


def test_speech2text_padding_without_mask():
    preset = from_pretrained(S2T)
    with pytest.raises(melforge.ParameterError, match=r"padding with return_attention_mask=False"):
        preset.batch(_clips(), 16000, padding=True, return_attention_mask=False)


def test_ast_takes_no_call_options():
    preset = from_pretrained(AST)
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['padding'\]"):
        preset.batch(_clips(), 16000, padding=True)


def test_kaldi_fbank_precision_and_empty_bins():
    y = _clips()[0]
    with pytest.raises(
        melforge.ParameterError, match=r"precision='float16' must be 'float32' or 'float64'"
    ):
        kaldi_fbank(y, precision="float16")
    with pytest.raises(
        melforge.ParameterError,
        match=r"num_mel_bins=128 is too large .* mel bin 3 covers no FFT bin",
    ):
        kaldi_fbank(y, num_mel_bins=128)
    assert kaldi_fbank(y, num_mel_bins=128, keep_empty_bins=True).shape == (23, 128)
