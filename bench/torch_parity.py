"""Max abs deviation of melforge's torch path from its numpy path, per function and preset.

Run with a torch-enabled venv: ``.venv-torch/bin/python -m bench.torch_parity [--device cuda]``.
Inputs: the bundled speech clip (4 s at 16 kHz; at 22.05 kHz for the librosa presets)
and uniform noise.  Prints one line per function/preset: the max |torch - numpy| over
every output value, and for log features also within 50 dB of each frame's peak.
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    import torch

    import melforge
    import melforge.presets as presets
    from melforge.feature import kaldi_fbank, normalize_waveform, whisper_log_mel

    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    dev = ap.parse_args().device
    y, _ = melforge.load(melforge.ex("speech"), sr=16000)
    y = np.ascontiguousarray(y[: 4 * 16000], dtype=np.float32)
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, (2, 16000)).astype(np.float32)
    batch = np.stack([y[:48000], 0.1 * y[16000:64000]])

    def t(a, dtype=torch.float32):
        return torch.as_tensor(np.asarray(a)).to(device=dev, dtype=dtype)

    def dev_of(a, b):
        a = a.detach().cpu().numpy() if hasattr(a, "detach") else a
        return float(np.max(np.abs(np.asarray(a, np.complex128) - np.asarray(b, np.complex128))))

    def line(name, out, ref, extra=""):
        print(f"{name:44s} max|dev| {dev_of(out, ref):.2e}{extra}")

    D = melforge.stft(noise, n_fft=512)
    line(
        f"stft n_fft=512 (noise, |D| peak {np.abs(D).max():.0f})",
        melforge.stft(t(noise), n_fft=512),
        D,
    )
    line("istft(stft)", melforge.istft(melforge.stft(t(noise), n_fft=512)), melforge.istft(D))
    S = np.abs(D) ** 2
    line(
        "power_to_db(ref=np.max)",
        melforge.power_to_db(t(S), ref=np.max),
        melforge.power_to_db(S, ref=np.max),
    )
    line(
        "amplitude_to_db",
        melforge.amplitude_to_db(t(np.sqrt(S))),
        melforge.amplitude_to_db(np.sqrt(S)),
    )
    dB = melforge.power_to_db(S)
    line(
        f"db_to_power (values <= {melforge.db_to_power(dB).max():.0f})",
        melforge.db_to_power(t(dB)),
        melforge.db_to_power(dB),
    )
    M = melforge.feature.melspectrogram(y=batch, sr=16000, n_fft=512)
    line(
        f"melspectrogram (peak {M.max():.0f})",
        melforge.feature.melspectrogram(y=t(batch), sr=16000, n_fft=512),
        M,
    )
    line(
        "mfcc (n_mfcc=20, dB units)",
        melforge.feature.mfcc(y=t(batch), sr=16000, n_fft=512),
        melforge.feature.mfcc(y=batch, sr=16000, n_fft=512),
    )
    line(
        "whisper_log_mel (pad_or_trim)",
        whisper_log_mel(t(batch), pad_or_trim=True),
        whisper_log_mel(batch, pad_or_trim=True),
    )
    ref = kaldi_fbank(batch)
    out = kaldi_fbank(t(batch)).cpu().numpy()
    depth = (ref.max(axis=-1, keepdims=True) - ref) * 10 / np.log(10)
    near = float(np.abs(out - ref)[depth <= 50].max())
    line("kaldi_fbank", out, ref, f"  (within 50 dB of frame peak {near:.2e})")
    line("normalize_waveform", normalize_waveform(t(batch)), normalize_waveform(batch))
    for name in presets.names():
        p = presets.get(name)
        sr = p.sample_rate
        clip = y if sr == 16000 else melforge.resample(y, orig_sr=16000, target_sr=sr)
        line(
            f"preset {name} ({'torch' if p.torch_native else 'host copy'})",
            p(t(clip), sr),
            p(clip, sr),
        )
    p = presets.from_pretrained(
        {"feature_extractor_type": "Wav2Vec2FeatureExtractor", "return_attention_mask": True}
    )
    clips = [y, y[:30000]]
    ref_b = p.batch(clips, 16000, padding=True)
    out_b = p.batch([t(c) for c in clips], 16000, padding=True)
    line("from_pretrained Wav2Vec2 batch (padded)", out_b["input_values"], ref_b["input_values"])


if __name__ == "__main__":
    main()
