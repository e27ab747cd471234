"""from_pretrained codec families vs transformers' EnCodec/DAC/Dia/SpeechT5 extractors (live)."""

from __future__ import annotations

import numpy as np
import pytest
from hf_compare import assert_same_batch

import melforge
from melforge.presets import from_pretrained

transformers = pytest.importorskip("transformers")

ATOL = 1e-5  # waveform outputs (the bound); padding copies samples: measured 0


def _model_configs() -> dict:
    """Mimi's and X-codec's extractor configs, made as their conversion scripts make them.

    convert_mimi_checkpoint_to_pytorch.py: ``EncodecFeatureExtractor(feature_size=
    config.audio_channels, sampling_rate=config.sampling_rate)`` with ``MimiConfig()``
    (kyutai/mimi); convert_xcodec_weights_to_hf.py: ``DacFeatureExtractor(sampling_rate=
    config.sample_rate, hop_length=config.acoustic_model_config.hop_length)`` with
    ``XcodecConfig()`` (hf-audio/xcodec-*).  The values come from the live config classes.
    """
    mimi, xcodec = transformers.MimiConfig(), transformers.XcodecConfig()
    return {
        "mimi": ("EncodecFeatureExtractor",
                 {"feature_size": mimi.audio_channels, "sampling_rate": mimi.sampling_rate}),
        "xcodec": ("DacFeatureExtractor",
                   {"sampling_rate": xcodec.sample_rate,
                    "hop_length": xcodec.acoustic_model_config.hop_length}),
    }  # fmt: skip


# (extractor class, config) shaped like the published configs
CONFIGS = {
    **_model_configs(),
    "encodec-24khz": ("EncodecFeatureExtractor", {"sampling_rate": 24000}),
    "musicgen": ("EncodecFeatureExtractor", {"sampling_rate": 32000}),
    "encodec-48khz-stereo": (
        "EncodecFeatureExtractor",
        {"sampling_rate": 48000, "feature_size": 2, "chunk_length_s": 1.0, "overlap": 0.01},
    ),
    "encodec-chunked-mono": (
        "EncodecFeatureExtractor",
        {"sampling_rate": 24000, "chunk_length_s": 0.25, "overlap": 0.1, "padding_value": 0.5},
    ),
    "dac-44khz": ("DacFeatureExtractor", {"sampling_rate": 44100, "hop_length": 512}),
    "dac-left": ("DacFeatureExtractor", {"padding_side": "left", "padding_value": -0.25}),
    "dia": ("DiaFeatureExtractor", {"sampling_rate": 44100, "hop_length": 512}),
    "dia-stereo": ("DiaFeatureExtractor", {"sampling_rate": 44100, "feature_size": 2}),
    "speecht5": ("SpeechT5FeatureExtractor", {}),
    "speecht5-normalized": ("SpeechT5FeatureExtractor", {"do_normalize": True}),
}
OPTIONS = [
    {},
    {"padding": True},
    {"padding": "max_length", "max_length": 120000},
    {"padding": False, "truncation": True, "max_length": 7000},
    {"truncation": True, "max_length": 7000},
    {"truncation": True},  # the chunk grid's length that fits the shortest clip
    {"padding": "longest", "max_length": 9000, "truncation": False},
]
SPEECHT5_OPTIONS = [
    {"padding": True},
    {"padding": True, "return_attention_mask": False},  # normalizes padding too (quirk)
    {"padding": "max_length", "max_length": 30000, "pad_to_multiple_of": 64},
    {"padding": False, "truncation": True, "max_length": 7000},
]


def _clips(sr: int, channels: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    music, _ = melforge.load(melforge.ex("music"), sr=sr, mono=channels == 1)
    lengths = (int(0.75 * sr), int(0.4 * sr) + 17, int(1.3 * sr) + 5)
    out = []
    for i, n in enumerate(lengths):
        if i == 1:
            shape = (channels, n) if channels > 1 else (n,)
            out.append((0.1 * rng.standard_normal(shape)).astype(np.float32))
        else:
            out.append(np.ascontiguousarray(music[..., 1000 : 1000 + n]))
    return out


def _pair(name: str):
    cls, config = CONFIGS[name]
    fe = getattr(transformers, cls)(**config)
    return fe, from_pretrained(fe.to_dict())


def _cases():
    for name in CONFIGS:
        for options in SPEECHT5_OPTIONS if name.startswith("speecht5") else OPTIONS:
            yield name, options


@pytest.mark.parametrize(("name", "options"), list(_cases()), ids=str)
def test_batch_matches_transformers(name, options):
    fe, preset = _pair(name)
    clips = _clips(preset.sample_rate, 2 if name.endswith("stereo") else 1)
    try:
        ref = fe(clips, sampling_rate=preset.sample_rate, return_tensors="np", **options)
    except (ValueError, IndexError):
        # transformers refuses the options, or cannot stack ragged clips: melforge
        # refuses too, or returns one array per clip
        try:
            got = preset.batch(clips, preset.sample_rate, **options)
        except melforge.ParameterError:
            return
        assert isinstance(got["input_values"], list)
        return
    got = preset.batch(clips, preset.sample_rate, **options)
    assert_same_batch(ref, got, atol=ATOL)


@pytest.mark.parametrize("name", ["encodec-48khz-stereo", "encodec-chunked-mono", "dia"])
def test_one_clip_and_unpadded_equal_lengths(name):
    fe, preset = _pair(name)
    clips = _clips(preset.sample_rate, 2 if name.endswith("stereo") else 1)
    y = clips[2]
    ref = fe(y, sampling_rate=preset.sample_rate, return_tensors="np")
    assert_same_batch(ref, preset.batch([y], preset.sample_rate), atol=ATOL)
    got = preset(y, preset.sample_rate)
    assert got.dtype == np.float32 and np.array_equal(got, ref["input_values"][0])
    same = [y, y[..., ::-1].copy()]
    ref = fe(same, sampling_rate=preset.sample_rate, return_tensors="np", padding=False)
    assert_same_batch(ref, preset.batch(same, preset.sample_rate, padding=False), atol=ATOL)


def test_encodec_48khz_keeps_both_channels():
    _, preset = _pair("encodec-48khz-stereo")
    y = _clips(48000, 2)[0]
    assert y.shape[0] == 2 and not np.array_equal(y[0], y[1])
    out = preset(y, 48000)
    # one 1 s chunk with a 1 % overlap: the grid covers 0.75 s with one chunk
    assert out.shape == (2, 48000) and np.array_equal(out[:, : y.shape[1]], y)
    frames = preset.frames([y, y], 48000)
    assert len(frames) == 2 and frames[0].shape == (48000, 2)
    # resampled per channel: a 24 kHz stereo clip becomes 48 kHz stereo
    half = preset(np.ascontiguousarray(y[:, ::2]), 24000)
    assert half.shape == (2, 48000)


@pytest.mark.parametrize("model", ["mimi", "xcodec"])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_saved_model_config_through_from_pretrained(tmp_path, model, options):
    # save_pretrained's preprocessor_config.json, read back by both sides from the folder
    cls, config = CONFIGS[model]
    getattr(transformers, cls)(**config).save_pretrained(tmp_path)
    fe = transformers.AutoFeatureExtractor.from_pretrained(tmp_path)
    preset = from_pretrained(tmp_path)
    assert (preset.sample_rate, preset.feature_size) == (fe.sampling_rate, fe.feature_size)
    assert type(fe).__name__ == cls and preset.extractor_types == (cls,)
    clips = _clips(preset.sample_rate, 1)
    try:
        ref = fe(clips, sampling_rate=preset.sample_rate, return_tensors="np", **options)
    except (ValueError, IndexError):
        # transformers refuses the options or cannot stack ragged clips: melforge
        # refuses too, or returns one array per clip (as test_batch_matches_transformers)
        try:
            got = preset.batch(clips, preset.sample_rate, **options)
        except melforge.ParameterError:
            return
        assert isinstance(got["input_values"], list)
        return
    assert_same_batch(ref, preset.batch(clips, preset.sample_rate, **options), atol=ATOL)
