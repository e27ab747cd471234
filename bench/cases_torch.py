"""The PyTorch face: melforge's torch path vs its numpy path and vs transformers' torch path.

Rows are "not available" (with the reason) where torch is not installed (make bench's
venv has none: run ``.venv-torch/bin/python -m bench --only '^torch\\.'``), and the
GPU rows where no CUDA device is present.  The melforge column is the torch path; the
reference column is melforge's own numpy path, so the ratio is numpy time / torch time.
"""

from __future__ import annotations

import os

from bench.cases_models import KALDI, KALDI_SMOKE, SR, WHISPER, WHISPER_SMOKE, _clips
from bench.harness import Case, Config, NotAvailable, Setup, melforge_attr, optional_module

#: GPU rows (issue 14): 256 x 30 s clips and a 1-hour file; smoke: 4 x 5 s and 20 s.
GPU_CLIPS, GPU_CLIPS_SMOKE = (256, 30.0), (4, 5.0)
GPU_HOUR, GPU_HOUR_SMOKE = 3600.0, 20.0
#: ``MELFORGE_BENCH_GPU=cpu`` runs the GPU rows' code on the CPU (a dry run of the script
#: before a GPU machine's time is spent on it).
GPU = os.environ.get("MELFORGE_BENCH_GPU", "cuda")


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
        fe = tf.Speech2TextFeatureExtractor(
            feature_size=80, sampling_rate=SR, num_mel_bins=80, do_ceptral_normalize=False
        )
        return fe(list(Y), sampling_rate=SR, return_tensors="pt", padding=True)

    return Setup(
        melforge=lambda: kf(T, sr=SR, num_mel_bins=80),
        reference=lambda: kf(Y, sr=SR, num_mel_bins=80),
        others={"transformers Speech2TextFeatureExtractor torchaudio path": transformers_torch},
        unit_work=n * secs,
        note=f"{n} x {secs:g} s at 16 kHz, 80 bins, dither 0; melforge torch path on one "
        f"(batch, samples) {device} tensor, reference = melforge's numpy path (batched call)",
    )


def setup_whisper_gpu(cfg: Config, mode: str, *, hour: bool, copy: bool) -> Setup:
    """Whisper log-mel on the GPU: audio already there, or with the host-to-device copy.

    Reference: melforge's numpy path on one core.  Other row: transformers' torch path
    with ``device=`` the same GPU (it copies its numpy input there itself).
    """
    device = GPU
    torch = _torch(cfg, mode, device)
    wlm = melforge_attr("feature.whisper_log_mel")
    tf = optional_module("transformers")
    fe = tf.WhisperFeatureExtractor(feature_size=80, sampling_rate=SR, hop_length=160,
                                    chunk_length=30, n_fft=400)  # fmt: skip
    if hour:
        secs = GPU_HOUR_SMOKE if cfg.smoke else GPU_HOUR
        Y = _clips(cfg, 1, min(secs, 600.0 if not cfg.smoke else secs))
        Y = Y.repeat(max(1, round(secs * SR / Y.shape[-1])), axis=0).reshape(1, -1)
        n, options = 1, {"pad_or_trim": False}
        ref_options = {"padding": "longest", "truncation": False}
    else:
        n, secs = GPU_CLIPS_SMOKE if cfg.smoke else GPU_CLIPS
        Y = _clips(cfg, n, secs)
        options, ref_options = {"pad_or_trim": True}, {}
    T = torch.from_numpy(Y).to(device)

    def sync(x):
        if device == "cuda":
            torch.cuda.synchronize()
        return x

    def on_gpu():
        return sync(wlm(T, n_mels=80, **options))

    def with_copy():
        return sync(wlm(torch.from_numpy(Y).to(device), n_mels=80, **options))

    def transformers_torch():
        out = fe(list(Y), sampling_rate=SR, return_tensors="pt", device=device, **ref_options)
        return sync(out["input_features"])

    audio = Y.shape[-1] / SR * Y.shape[0]
    what = f"one {audio / 60:.0f}-min file" if hour else f"{n} x {secs:g} s clips"
    return Setup(
        melforge=with_copy if copy else on_gpu,
        reference=lambda: wlm(Y, n_mels=80, **options),
        others={f"transformers WhisperFeatureExtractor torch path ({device})": transformers_torch},
        unit_work=audio,
        note=f"{what} at 16 kHz, 80 mels, {device}, audio "
        + ("copied from the host in each call" if copy else "already on the device")
        + f"; reference = melforge's numpy path, one core; clips/s = {n} / time",
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
    *[
        Case(
            f"torch.whisper.gpu.{'hour' if hour else '256'}{'.copy' if copy else ''}",
            f"Whisper log-mel {'1-hour file' if hour else '256 x 30 s'}, torch GPU path"
            + (" incl. host-to-device copy" if copy else " (audio on the GPU)"),
            "melforge numpy path, 1 core",
            None if copy else 50.0,
            lambda cfg, mode, hour=hour, copy=copy: setup_whisper_gpu(
                cfg, mode, hour=hour, copy=copy
            ),
            reps=5,
            threads=("1",),
        )
        for hour in (False, True)
        for copy in (False, True)
    ],
]
