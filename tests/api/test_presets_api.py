"""The presets' public surface: registry, attributes, layouts, signatures, resampling."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import numpy as np
import pytest

import melforge
import melforge.presets as presets
from melforge.feature import kaldi_fbank, normalize_waveform, whisper_log_mel

EXPECTED = [
    "kaldi-fbank-80", "lhotse-fbank-80", "librosa-mel", "mfcc-13", "nemo-80",
    "torchaudio-fbank-80", "wav2vec2", "whisper-128", "whisper-80",
]  # fmt: skip
LAYOUTS = {presets.FEATURES_X_FRAMES, presets.FRAMES_X_FEATURES, presets.SAMPLES}


def test_names_and_get():
    assert presets.names() == EXPECTED
    for name in EXPECTED:
        p = presets.get(name)
        assert isinstance(p, presets.Preset) and p.name == name
        assert presets.get(name) is p


def test_reachable_from_the_top_level_namespace():
    assert melforge.presets.get("whisper-80").n_features == 80
    assert melforge.feature.whisper_log_mel is whisper_log_mel
    assert melforge.feature.kaldi_fbank is kaldi_fbank
    assert melforge.feature.normalize_waveform is normalize_waveform
    from melforge.feature.nemo import nemo_log_mel

    assert presets.get("nemo-80")(np.zeros(1600, np.float32), 16000).shape == (80, 11)
    assert nemo_log_mel(np.zeros(1600, np.float32)).shape == (80, 11)


@pytest.mark.parametrize("name", EXPECTED)
def test_what_the_pipeline_needs(name):
    p = presets.get(name)
    assert isinstance(p.sample_rate, int) and p.sample_rate > 0
    assert isinstance(p.n_features, int) and p.n_features > 0
    assert p.layout in LAYOUTS
    assert p.frame_rate == p.sample_rate / p.hop_length
    assert name in repr(p)
    hash(p)  # frozen dataclasses are hashable
    y = (0.1 * np.random.default_rng(1).standard_normal(p.sample_rate)).astype(np.float32)
    f = p.frames(y, p.sample_rate)
    assert f.dtype == np.float32 and f.ndim == 2 and f.shape[1] == p.n_features


@pytest.mark.parametrize(
    ("name", "n_features", "rate", "frames_per_second"),
    [
        ("whisper-80", 80, 16000, 100),
        ("whisper-128", 128, 16000, 100),
        ("kaldi-fbank-80", 80, 16000, 100),
        ("wav2vec2", 1, 16000, 16000),
        ("librosa-mel", 128, 22050, 22050 / 512),
        ("mfcc-13", 39, 22050, 22050 / 512),
        ("nemo-80", 80, 16000, 100),
    ],
)
def test_preset_constants(name, n_features, rate, frames_per_second):
    p = presets.get(name)
    assert (p.n_features, p.sample_rate, p.frame_rate) == (n_features, rate, frames_per_second)


def test_output_shapes_and_layouts():
    y = np.zeros(16000, np.float32)
    assert presets.get("whisper-80")(y, 16000).shape == (80, 3000)
    assert presets.get("whisper-80").frames(y, 16000).shape == (3000, 80)
    assert presets.get("kaldi-fbank-80")(y, 16000).shape == (98, 80)
    assert presets.get("wav2vec2")(y, 16000).shape == (16000,)
    assert presets.get("wav2vec2").frames(y, 16000).shape == (16000, 1)
    batch = np.zeros((3, 16000), np.float32)
    assert presets.get("whisper-128")(batch, 16000).shape == (3, 128, 3000)
    assert presets.get("kaldi-fbank-80").frames(batch, 16000).shape == (3, 98, 80)


def test_variants_with_dataclasses_replace():
    p = dataclasses.replace(presets.get("whisper-80"), name="whisper-80-raw", pad_or_trim=False)
    assert p(np.zeros(16000, np.float32), 16000).shape == (80, 100)
    k = dataclasses.replace(presets.get("kaldi-fbank-80"), use_energy=True)
    assert k.n_features == 81


@pytest.mark.parametrize("name", ["whisper-80", "kaldi-fbank-80", "wav2vec2", "librosa-mel"])
def test_other_rates_are_resampled_with_soxr_hq(name):
    p = presets.get(name)
    sr = 44100
    y = (0.1 * np.random.default_rng(2).standard_normal(sr)).astype(np.float32)
    y_res = melforge.resample(y, orig_sr=sr, target_sr=p.sample_rate, res_type="soxr_hq")
    expected = p(y_res, p.sample_rate)
    np.testing.assert_array_equal(p(y, sr), expected)


def test_kaldi_fbank_signature_matches_issue():
    sig = inspect.signature(kaldi_fbank)
    assert list(sig.parameters) == [
        "y", "sr", "num_mel_bins", "frame_length_ms", "frame_shift_ms", "dither", "preemphasis",
        "remove_dc_offset", "window", "snip_edges", "low_freq", "high_freq", "use_energy",
        "energy_floor", "use_log_fbank", "use_power", "waveform_scale", "seed",
        "keep_empty_bins", "precision",
    ]  # fmt: skip
    assert all(p.kind is p.KEYWORD_ONLY for p in list(sig.parameters.values())[1:])
    defaults = {k: v.default for k, v in sig.parameters.items()}
    assert defaults["sr"] == 16000 and defaults["num_mel_bins"] == 80
    assert defaults["dither"] == 0.0 and defaults["window"] == "povey"
    assert defaults["low_freq"] == 20.0 and defaults["high_freq"] == 0.0


def test_kaldi_preset_fields_mirror_the_function():
    # kaldi-fbank-80 keeps its serialized form: kaldi_fbank's two "Other Parameters"
    # (keep_empty_bins, precision) are fields of the torchaudio/lhotse presets only.
    from melforge.presets.recipes import TorchaudioFbankPreset

    fields = [f.name for f in dataclasses.fields(TorchaudioFbankPreset)]
    params = list(inspect.signature(kaldi_fbank).parameters)[2:]
    assert fields == ["name", "sample_rate", *params]
    kaldi_fields = [f.name for f in dataclasses.fields(presets.KaldiFbankPreset)]
    assert kaldi_fields == fields[:-2] and fields[-2:] == ["keep_empty_bins", "precision"]
    defaults = {k: v.default for k, v in inspect.signature(kaldi_fbank).parameters.items()}
    for f in dataclasses.fields(presets.KaldiFbankPreset):
        if f.name in defaults:
            assert f.default == defaults[f.name], f.name


def test_whisper_and_wav2vec2_signatures():
    assert str(inspect.signature(whisper_log_mel)) == (
        "(y: 'Any', *, n_mels: 'int' = 80, padding: 'int' = 0, pad_or_trim: 'bool' = False)"
        " -> 'np.ndarray'"
    )
    assert list(inspect.signature(normalize_waveform).parameters) == ["y", "attention_mask"]


def test_importing_presets_stays_light():
    code = (
        "import sys, melforge.presets, melforge.feature.whisper, melforge.feature.kaldi\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'av', 'pyarrow', 'dask', 'click') or m == 'scipy.signal']\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
