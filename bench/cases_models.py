"""Model-exact front ends: Whisper log-mel (batch of 30 s clips) and Kaldi fbank (10 s clips)."""

from __future__ import annotations

import numpy as np

from bench import data
from bench.cases_spectral import _long, fft_floor
from bench.harness import Case, Config, NotAvailable, Setup, melforge_attr, optional_module

WHISPER, WHISPER_SMOKE = (32, 30.0), (2, 5.0)  # (clips, seconds)
KALDI, KALDI_SMOKE = (100, 10.0), (3, 1.0)
SR = 16000


def _side(dotted: str):
    try:
        return melforge_attr(dotted), ""
    except NotAvailable as exc:
        return None, str(exc)


def _clips(cfg: Config, n: int, secs: float) -> np.ndarray:
    src = _long(cfg.data_dir, 2.0 if cfg.smoke else 600.0, SR)
    return data.clip_batch(src, n, int(secs * SR), seed=int(secs))


def setup_whisper(cfg: Config, mode: str) -> Setup:
    n, secs = WHISPER_SMOKE if cfg.smoke else WHISPER
    Y = _clips(cfg, n, secs)
    rows = list(Y)
    tf = optional_module("transformers")
    fe = tf.WhisperFeatureExtractor(feature_size=80, sampling_rate=SR, hop_length=160,
                                    chunk_length=30, n_fft=400)
    wlm, why = _side("feature.whisper_log_mel")

    def reference():
        return fe(rows, sampling_rate=SR, return_tensors="np")["input_features"]

    def openai_whisper():
        torch = optional_module("torch")
        torch.set_num_threads(1 if mode == "1" else cfg.n_cpu)
        whisper = optional_module("whisper")
        x = torch.from_numpy(Y)
        return whisper.log_mel_spectrogram(whisper.pad_or_trim(x), n_mels=80)

    return Setup(
        melforge=(lambda: wlm(Y, n_mels=80, pad_or_trim=True)) if wlm else None,
        melforge_missing=why,
        reference=reference,
        # kaldi-native-fbank's OnlineWhisperFbank is not a row: it took ~0.3 s per 30 s clip
        # here (its n_fft 400 is not a power of two), which would only lengthen the suite.
        others={"openai-whisper log_mel_spectrogram (torch)": openai_whisper,
                "framing+rfft floor (blocked)": lambda: fft_floor(Y, n_fft=400, hop=160)},
        unit_work=n * secs,
        note=f"{n} x {secs:g} s at 16 kHz, 80 mels, padded/trimmed to 3000 frames; melforge"
        " gets one (batch, samples) array, transformers the list of clips (numpy path)",
    )


def _knf_opts(knf):
    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.samp_freq = SR
    opts.mel_opts.num_bins = 80
    return opts


def setup_kaldi(cfg: Config, mode: str, batched: bool = False) -> Setup:
    n, secs = KALDI_SMOKE if cfg.smoke else KALDI
    Y = _clips(cfg, n, secs)
    Y16 = Y * np.float32(32768.0)  # kaldi-native-fbank wants int16-range samples
    knf = optional_module("kaldi_native_fbank")
    opts = _knf_opts(knf)
    kf, why = _side("feature.kaldi_fbank")

    def reference():
        out = []
        for y in Y16:
            f = knf.OnlineFbank(opts)
            f.accept_waveform(SR, y)
            f.input_finished()
            out.append(np.stack([f.get_frame(i) for i in range(f.num_frames_ready)]))
        return out

    def torchaudio_fbank():
        torch = optional_module("torch")
        torch.set_num_threads(1)
        ta = optional_module("torchaudio.compliance.kaldi")
        return [ta.fbank(torch.from_numpy(y)[None], num_mel_bins=80, dither=0.0,
                         sample_frequency=SR) for y in Y16]

    if kf is None:
        mf = None
    elif batched:
        def mf():
            return kf(Y, sr=SR, num_mel_bins=80)
    else:
        def mf():
            return [kf(y, sr=SR, num_mel_bins=80) for y in Y]

    how = "one call on the (batch, samples) array" if batched else "one call per clip"
    return Setup(
        melforge=mf,
        melforge_missing=why,
        reference=reference,
        others={} if batched else {"torchaudio.compliance.kaldi.fbank (per clip)":
                                   torchaudio_fbank},
        unit_work=n * secs,
        note=f"{n} x {secs:g} s at 16 kHz, 80 bins, dither 0, 1 thread; melforge {how};"
        " kaldi-native-fbank OnlineFbank per clip, frames stacked to an array",
    )


CASES = [
    Case("whisper.batch32", "Whisper log-mel 32 x 30 s", "transformers WhisperFeatureExtractor",
         10.0, setup_whisper, reps=5, threads=("1", "all")),
    Case("kaldi.10s", "Kaldi fbank 80, 100 x 10 s clips", "kaldi-native-fbank", 1.0,
         setup_kaldi, reps=5, threads=("1",)),
    Case("kaldi.10s.batched", "Kaldi fbank 80, 100 x 10 s, batched call", "kaldi-native-fbank",
         None, lambda cfg, mode: setup_kaldi(cfg, mode, batched=True), reps=5, threads=("1",)),
]
