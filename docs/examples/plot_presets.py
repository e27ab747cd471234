"""
Features a pretrained model expects
===================================

A model is trained on one exact front end: sample rate, framing, window, mel
scale, log and normalization. A melforge *preset* is that recipe, frozen and
named; calling it on a signal at any rate returns the model's input.
"""

# %%
import json

import matplotlib.pyplot as plt
import numpy as np

import melforge

print(melforge.presets.names())

# %%
# Whisper
# -------
# ``whisper-80`` resamples to 16 kHz, pads or trims to 30 s and returns
# ``(80, 3000)``: features first, frames last, as transformers'
# ``WhisperFeatureExtractor`` does.
y, sr = melforge.load(melforge.ex("speech"))  # 22050 Hz; the preset resamples
whisper = melforge.presets.get("whisper-80")
print(whisper)
x = whisper(y, sr)
print(x.shape, x.dtype, "layout:", whisper.layout)

fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
img = melforge.display.specshow(
    x, x_axis="time", sr=whisper.sample_rate, hop_length=whisper.hop_length, ax=ax
)
fig.colorbar(img, ax=ax)
ax.set(title="whisper-80 (log10 mel, clamped and scaled)", ylabel="mel band")

# %%
# Layouts differ between toolkits
# -------------------------------
# Each preset returns the layout of the toolkit it reproduces (``preset.layout``);
# ``preset.frames(y, sr)`` always returns ``(n_frames, n_features)``, the layout of
# the ``features`` column that ``featurize`` writes.
for name in ["whisper-80", "kaldi-fbank-80", "librosa-mel", "mfcc-13"]:
    p = melforge.presets.get(name)
    print(f"{name:15s} {str(p(y, sr).shape):12s} {p.layout:26s} frames(): {p.frames(y, sr).shape}")

# %%
# Kaldi filter banks
# ------------------
# ``kaldi-fbank-80`` reproduces Kaldi's ``compute-fbank-feats`` (25 ms Povey
# windows every 10 ms, no centring, pre-emphasis 0.97, natural log).
kaldi = melforge.presets.get("kaldi-fbank-80")
fb = kaldi(y, sr)
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
img = ax.imshow(
    fb.T,
    origin="lower",
    aspect="auto",
    cmap="magma",
    extent=[0, fb.shape[0] * kaldi.frame_shift_ms / 1000, 0, fb.shape[1]],
)
fig.colorbar(img, ax=ax)
ax.set(title="kaldi-fbank-80 (log mel energies)", xlabel="time (s)", ylabel="mel bin")

# %%
# Batches
# -------
# A 2-D input is a batch of clips of one length; each row gives the same features as
# on its own.
batch = np.stack([y[: 3 * sr], y[3 * sr : 6 * sr]])
print(whisper(batch, sr).shape)

# %%
# Saving the recipe with the data
# -------------------------------
# ``to_dict`` gives plain JSON; ``from_dict`` rebuilds the identical preset, so a
# dataset can carry the exact recipe it was made with.
text = json.dumps(kaldi.to_dict())
print(text)
print(melforge.presets.from_dict(json.loads(text)) == kaldi)
