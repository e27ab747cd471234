"""
From a file to a mel spectrogram in dB
======================================

The classic first hour with audio: load a recording, look at the waveform, the
spectrum of one short segment, the STFT, the mel spectrogram and its dB scaling.
This is the path of the article the melforge tutorials start from, on the bundled
speech clip.
"""

# %%
# Load the clip
# -------------
# ``load`` decodes any common format to float32 and, like librosa, resamples to
# 22050 Hz and mixes down to mono unless told otherwise (``sr=None`` keeps the
# file's rate, ``mono=False`` its channels).
import matplotlib.pyplot as plt
import numpy as np

import melforge

y, sr = melforge.load(melforge.ex("speech"))
print(y.dtype, y.shape, sr, f"{len(y) / sr:.2f} s")

# %%
# The waveform
# ------------
# ``waveshow`` draws the min/max envelope of the samples, so long files plot fast.
fig, ax = plt.subplots(figsize=(8, 2.5), layout="constrained")
melforge.display.waveshow(y, sr=sr, ax=ax)
ax.set(title="Waveform", ylabel="amplitude")

# %%
# The spectrum of one segment
# ---------------------------
# 4096 samples (186 ms at 22050 Hz), shaped by a Hann window, through one DFT.
# The frequency of bin ``k`` is ``k * sr / n_fft``; the highest is the Nyquist
# frequency ``sr / 2``.
segment = y[:4096]
amplitude = np.abs(np.fft.rfft(segment * np.hanning(len(segment))))
amplitude_db = melforge.amplitude_to_db(amplitude, ref=np.max)
frequency = melforge.fft_frequencies(sr=sr, n_fft=len(segment))

fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.plot(frequency, amplitude_db)
ax.set(
    title="Spectrum of the first 4096 samples",
    xlabel="Frequency (Hz)",
    ylabel="Amplitude (dB re max)",
)

# %%
# ``melforge.spectrum`` does the same in one call and keeps the frequencies with the
# values; ``display.spectrumshow`` plots it on a log-frequency axis.
spec = melforge.spectrum(segment, sr=sr)
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
melforge.display.spectrumshow(spec, ax=ax)
ax.set(title="melforge.spectrum")

# %%
# The STFT
# --------
# One spectrum per frame: 2048-sample windows every 512 samples (93 ms and 23 ms at
# 22050 Hz). The result has shape ``(1 + n_fft // 2, n_frames)``, complex64.
D = melforge.stft(y)
D_db = melforge.amplitude_to_db(np.abs(D), ref=np.max)
print(D.shape, D.dtype)

fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
img = melforge.display.specshow(D_db, x_axis="time", y_axis="hz", sr=sr, ax=ax)
fig.colorbar(img, ax=ax, format="%+2.0f dB")
ax.set(title="STFT magnitude")

# %%
# The mel spectrogram in dB
# -------------------------
# 128 triangular filters spaced evenly on the mel scale sum the power spectrum into
# bands that follow pitch perception; ``power_to_db`` takes ``10 * log10`` relative
# to the loudest value.
M = melforge.feature.melspectrogram(y=y, sr=sr, n_mels=128, fmax=8000)
M_db = melforge.power_to_db(M, ref=np.max)
print(M.shape, M.dtype)

fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
img = melforge.display.specshow(M_db, x_axis="time", y_axis="mel", sr=sr, fmax=8000, ax=ax)
fig.colorbar(img, ax=ax, format="%+2.0f dB")
ax.set(title="Mel spectrogram")
