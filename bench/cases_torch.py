"""The PyTorch face: melforge's torch path vs its numpy path and vs transformers' torch path.

Rows are "not available" (with the reason) where torch is not installed (make bench's
venv has none: run ``.venv-torch/bin/python -m bench --only '^torch\\.'``), and the
GPU rows where no CUDA device is present.  The melforge column is the torch path; the
reference column is melforge's own numpy path, so the ratio is numpy time / torch time.
"""

from __future__ import annotations

from bench.cases_models import KALDI, KALDI_SMOKE, SR, WHISPER, WHISPER_SMOKE, _clips
from bench.harness import Case, Config, NotAvailable, Setup, melforge_attr, optional_module


def _torch(cfg: Config, mode: str, device: str = "cpu"):
    torch = optional_module("torch")
    if device == "cuda" and not torch.cuda.is_available():
        raise NotAvailable("no CUDA device here (GPU rows skip)")
    torch.set_num_threads(1 if mode == "1" else cfg.n_cpu)
    return torch


def setup_whisper(cfg: Config, mode: str, device: str = "cpu") -> Setup:
    torch = _torch(cfg, mode, device)
    n, secs = WHISPER_SMOKE if cfg.smoke else WHISPER
    Y = _clips(cfg, n, secs)
    T = torch.from_numpy(Y).to(device)
    wlm = melforge_attr("feature.whisper_log_mel")
    tf = optional_module("transformers")
    fe = tf.WhisperFeatureExtractor(feature_size=80, sampling_rate=SR, hop_length=160,
                                    chunk_length=30, n_fft=400)  # fmt: skip
    rows = list(Y)

    def sync(x):
        if device == "cuda":
            torch.cuda.synchronize()
        return x

    def transformers_torch():
        # transformers uses its torch path when torch is installed; device= picks where
        return fe(rows, sampling_rate=SR, return_tensors="pt", device=device)["input_features"]

    return Setup(
        melforge=lambda: sync(wlm(T, n_mels=80, pad_or_trim=True)),
        reference=lambda: wlm(Y, n_mels=80, pad_or_trim=True),
        others={
            f"transformers WhisperFeatureExtractor torch path ({device})": transformers_torch
        },  # fmt: skip
        unit_work=n * secs,
        note=f"{n} x {secs:g} s at 16 kHz, 80 mels, 3000 frames; melforge torch path on one "
        f"(batch, samples) {device} tensor, reference = melforge's numpy path on the array",
    )


def setup_kaldi(cfg: Config, mode: str, device: str = "cpu") -> Setup:
    torch = _torch(cfg, mode, device)
    n, secs = KALDI_SMOKE if cfg.smoke else KALDI
    Y = _clips(cfg, n, secs)
    T = torch.from_numpy(Y).to(device)
    kf = melforge_attr("feature.kaldi_fbank")

    def transformers_torch():
        # transformers' Kaldi-fbank extractors (SpeechToText, AST, SeamlessM4T) take the
        # torch path through torchaudio.compliance.kaldi.fbank only.
        optional_module("torchaudio")
        tf = optional_module("transformers")
        fe = tf.SpeechToTextFeatureExtractor(
            feature_size=80, sampling_rate=SR, num_mel_bins=80, do_ceptral_normalize=False
        )
        return fe(list(Y), sampling_rate=SR, return_tensors="pt", padding=True)

    return Setup(
        melforge=lambda: kf(T, sr=SR, num_mel_bins=80),
        reference=lambda: kf(Y, sr=SR, num_mel_bins=80),
        others={"transformers SpeechToTextFeatureExtractor torch path": transformers_torch},
        unit_work=n * secs,
        note=f"{n} x {secs:g} s at 16 kHz, 80 bins, dither 0; melforge torch path on one "
        f"(batch, samples) {device} tensor, reference = melforge's numpy path (batched call)",
    )


CASES = [
    Case(
        "torch.whisper.batch32",
        "Whisper log-mel 32 x 30 s, torch CPU path",
        "melforge numpy path",
        None,
        setup_whisper,
        reps=3,
        threads=("1", "all"),
    ),
    Case(
        "torch.kaldi.10s",
        "Kaldi fbank 80, 100 x 10 s, torch CPU path",
        "melforge numpy path",
        None,
        setup_kaldi,
        reps=3,
        threads=("1",),
    ),
    Case(
        "torch.whisper.gpu",
        "Whisper log-mel 32 x 30 s, torch CUDA path (audio on GPU)",
        "melforge numpy path",
        None,
        lambda cfg, mode: setup_whisper(cfg, mode, "cuda"),
        reps=3,
        threads=("1",),
    ),
]
