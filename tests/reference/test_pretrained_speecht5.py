"""from_pretrained SpeechT5 ``audio_target`` (log-mel decoder targets) vs transformers (live).

The ``audio=`` side is covered with the codecs (tests/reference/test_pretrained_codecs.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hf_compare import assert_same_batch

import melforge
from melforge.presets import from_pretrained

transformers = pytest.importorskip("transformers")

# log10 mel targets: 1e-4 absolute (the bound); float64 FFT and mel on both
# sides (transformers rounds the spectrum to complex64): measured 4.8e-7
ATOL = 1e-4
# input_values: the wav2vec2 statistics, bit-identical with numpy 2 (1e-5 with numpy 1)
EXACT = 0.0 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 1e-5

CONFIGS = {
    "default": {},  # microsoft/speecht5_tts
    "edited": {  # hand-edited: 25 ms Hamming frames (400 samples, 512-point FFT)
        "num_mel_bins": 40, "hop_length": 10, "win_length": 25,
        "win_function": "hamming_window", "fmin": 0, "fmax": 8000, "mel_floor": 1e-5,
        "padding_value": -0.5, "do_normalize": True,
    },
    "povey-22khz": {"sampling_rate": 22050, "win_function": "povey", "fmax": 11025.0},
}  # fmt: skip
OPTIONS = [
    {"padding": True},
    {"padding": "max_length", "max_length": 90, "truncation": True},
    {"padding": True, "pad_to_multiple_of": 8},
    {"padding": True, "return_attention_mask": False},
    {"padding": False},  # ragged: one array per clip
]


def _pair(name: str):
    fe = transformers.SpeechT5FeatureExtractor(**CONFIGS[name])
    return fe, from_pretrained(json.loads(fe.to_json_string()))


def _clips(sr: int) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    speech, _ = melforge.load(melforge.ex("speech"), sr=sr)
    music, _ = melforge.load(melforge.ex("music"), sr=sr)
    return [speech[: int(1.2 * sr)], music[1000 : 1000 + int(0.45 * sr) + 7],
            (0.1 * rng.standard_normal(300)).astype(np.float32)]  # fmt: skip


def _call(fe, **kwargs):
    try:
        return fe(sampling_rate=fe.sampling_rate, return_tensors="np", **kwargs)
    except ValueError:  # ragged: transformers cannot build its arrays
        return {k: np.array(v, dtype=object) for k, v in fe(sampling_rate=fe.sampling_rate,
                                                            **kwargs).items()}  # fmt: skip


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_targets_only(name, options):
    fe, preset = _pair(name)
    clips = _clips(fe.sampling_rate)
    ref = _call(fe, audio_target=clips, **options)
    got = preset.batch(clips, fe.sampling_rate, audio_target=True, **options)
    assert_same_batch(ref, got, atol=ATOL)


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("options", OPTIONS[:4], ids=str)
def test_audio_and_targets(name, options):
    fe, preset = _pair(name)
    clips = _clips(fe.sampling_rate)
    targets = [clips[2], clips[0], clips[1]]
    ref = _call(fe, audio=clips, audio_target=targets, **options)
    got = preset.batch(clips, fe.sampling_rate, audio_target=targets, **options)
    assert_same_batch(ref, got, atol=ATOL, atol_by_key={"input_values": EXACT})
    if options.get("return_attention_mask") is not False:
        assert {"labels", "decoder_attention_mask"} <= set(got)


def test_one_target_and_resampled_targets():
    fe, preset = _pair("default")
    y = _clips(16000)[0]
    ref = fe(audio_target=y, sampling_rate=16000, return_tensors="np")
    assert_same_batch(ref, preset.batch([y], 16000, audio_target=True), atol=ATOL)
    # targets at another rate are resampled as the clips are
    y8 = melforge.resample(y, orig_sr=16000, target_sr=8000)
    a = preset.batch([y8], 8000, audio_target=[y8])
    b = preset.batch([y8], 8000)
    c = preset.batch(a["input_values"], 16000, audio_target=True)
    np.testing.assert_array_equal(a["input_values"], b["input_values"])
    np.testing.assert_array_equal(a["labels"], c["input_values"])


def test_log_mel_target_shape():
    _, preset = _pair("edited")
    y = np.zeros(4321, np.float32)
    out = preset.log_mel_target(y)
    assert out.shape == (1 + 4321 // 160, 40) and out.dtype == np.float32
    assert np.all(out == np.float32(np.log10(1e-5)))
    assert (preset.target_frame_length, preset.target_hop_length, preset.target_n_fft) == (
        400, 160, 512
    )


@pytest.mark.torch
def test_tensor_clips_and_targets():
    torch = pytest.importorskip("torch")
    fe, preset = _pair("default")
    clips = _clips(16000)
    ref = fe(audio=clips, audio_target=clips, sampling_rate=16000, return_tensors="np",
             padding=True)  # fmt: skip
    tensors = [torch.from_numpy(c) for c in clips]
    got = preset.batch(tensors, 16000, audio_target=tensors, padding=True, return_tensors="np")
    assert_same_batch(ref, got, atol=ATOL)
    pt = preset.batch(tensors, 16000, audio_target=True, padding=True)
    assert isinstance(pt["input_values"], torch.Tensor) and pt["input_values"].shape[-1] == 80
