"""
STFT, mel filter bank and MFCC
==============================

The pieces of a mel spectrogram one at a time: frames of the STFT, the mel filter
bank that sums them into bands, and the MFCCs (a DCT of the log mel bands) with
their time derivatives. Shapes follow librosa: frequency first, time last.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import melforge

y, sr = melforge.load(melforge.ex("speech"), sr=16000)

# %%
# The STFT at a speech-model resolution
# -------------------------------------
# 25 ms windows (400 samples at 16 kHz) every 10 ms (160 samples), the framing
# most speech models use. ``center=True`` pads half a window on each side, so frame
# ``t`` is centred at ``t * hop_length`` samples.
n_fft, hop = 400, 160
D = melforge.stft(y, n_fft=n_fft, hop_length=hop)
S = np.abs(D) ** 2  # power
print("STFT", D.shape, D.dtype)
times = melforge.frames_to_time(np.arange(D.shape[-1]), sr=sr, hop_length=hop)
print(f"{len(times)} frames, the last centred at {times[-1]:.2f} s")

# %%
# The mel filter bank
# -------------------
# ``filters.mel`` returns the ``(n_mels, 1 + n_fft // 2)`` matrix; each row is one
# triangular band (Slaney's mel scale and area normalization by default).
mel_fb = melforge.filters.mel(sr=sr, n_fft=n_fft, n_mels=40)
freqs = melforge.fft_frequencies(sr=sr, n_fft=n_fft)
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.plot(freqs, mel_fb.T)
ax.set(title="40 mel filters", xlabel="Frequency (Hz)", ylabel="weight")

# %%
# Multiplying the power spectrogram by the bank gives the mel spectrogram, the same
# numbers ``feature.melspectrogram`` computes from the signal.
M = mel_fb @ S
M2 = melforge.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=40)
print("mel", M.shape, "max relative difference", float(np.max(np.abs(M - M2)) / M.max()))

# %%
# MFCC and deltas
# ---------------
# MFCCs are the first coefficients of the DCT of the log mel spectrogram; ``delta``
# estimates their slope over time.
mfcc = melforge.feature.mfcc(y=y, sr=sr, n_mfcc=13, n_fft=n_fft, hop_length=hop, n_mels=40)
d1 = melforge.feature.delta(mfcc)
print("MFCC", mfcc.shape, "delta", d1.shape)

fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True, layout="constrained")
img = melforge.display.specshow(
    melforge.power_to_db(M2, ref=np.max),
    x_axis="time",
    y_axis="mel",
    sr=sr,
    hop_length=hop,
    ax=axes[0],
)
fig.colorbar(img, ax=axes[0], format="%+2.0f dB")
axes[0].set(title="log mel (40 bands)", xlabel=None)
img = melforge.display.specshow(mfcc, x_axis="time", sr=sr, hop_length=hop, ax=axes[1])
fig.colorbar(img, ax=axes[1])
axes[1].set(title="MFCC", ylabel="coefficient", xlabel=None)
img = melforge.display.specshow(d1, x_axis="time", sr=sr, hop_length=hop, ax=axes[2])
fig.colorbar(img, ax=axes[2])
axes[2].set(title="delta MFCC", ylabel="coefficient")

# %%
# Back to a signal
# ----------------
# ``istft`` inverts the complex STFT; the round trip is exact to float32 rounding.
y_back = melforge.istft(D, hop_length=hop, n_fft=n_fft, length=len(y))
print("round-trip max error", float(np.max(np.abs(y_back - y))))
