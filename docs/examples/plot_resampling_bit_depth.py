"""
Sample rate and bit depth
=========================

What changing the sample rate and the bit depth does to a recording: resampling
removes everything above the new Nyquist frequency, and fewer bits add
quantization noise about 6 dB per bit below full scale.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import melforge

path = melforge.ex("music")
info = melforge.info(path)  # from the header, nothing decoded
print(info.format, info.subtype, info.samplerate, "Hz,", f"{info.duration:.1f} s")

y, sr = melforge.load(path, sr=None)  # the file's own rate
print("native rate", sr, "Hz; Nyquist", sr / 2, "Hz")

# %%
# Resampling
# ----------
# ``resample`` uses soxr (``soxr_hq`` by default, as librosa does). The average
# spectrum of each version shows the cut: at 8 kHz nothing above 4 kHz survives.
y16 = melforge.resample(y, orig_sr=sr, target_sr=16000)
y8 = melforge.resample(y, orig_sr=sr, target_sr=8000)

fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
ref = None
for signal, rate in [(y, sr), (y16, 16000), (y8, 8000)]:
    power = np.mean(np.abs(melforge.stft(signal, n_fft=2048)) ** 2, axis=1)  # average spectrum
    ref = power.max() if ref is None else ref
    freqs = melforge.fft_frequencies(sr=rate, n_fft=2048)
    ax.plot(freqs / 1000, melforge.power_to_db(power, ref=ref), label=f"{rate} Hz", lw=1)
ax.legend()
ax.set(xlabel="Frequency (kHz)", ylabel="Power (dB)", ylim=(-100, 5))
ax.set(title="Spectrum after resampling")

# %%
# ``load`` resamples while it decodes: ``melforge.load(path, sr=16000)`` gives the
# same samples as decoding first and calling ``resample``.
y_direct, _ = melforge.load(path, sr=16000)
print("max difference:", float(np.max(np.abs(y_direct - y16))))


# %%
# Bit depth
# ---------
# ``quantize`` returns the float values a file of the given bit depth would hold
# (libsndfile's scaling). The error it adds is the quantization noise; its level
# relative to the signal is the signal-to-noise ratio.
def snr_db(clean, noisy):
    noise = noisy - clean
    return 10 * np.log10(np.sum(clean**2) / np.sum(noise**2))


for bits in (16, 12, 8, 4):
    print(f"{bits:2d} bits: SNR {snr_db(y, melforge.quantize(y, bits)):5.1f} dB")

# %%
# At low bit depths the error follows the signal and sounds like distortion; TPDF
# dither (triangular noise of two LSBs peak to peak) turns it into a steady hiss.
# Shown on 10 ms of a quiet 220 Hz tone at 4 bits (16 levels).
t = np.arange(441) / 44100
tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.plot(t * 1000, tone, label="original", lw=2)
ax.step(t * 1000, melforge.quantize(tone, 4), where="mid", label="4 bits")
ax.step(
    t * 1000,
    melforge.quantize(tone, 4, dither="tpdf", seed=0),
    where="mid",
    label="4 bits, TPDF dither",
    alpha=0.6,
)
ax.set(xlabel="time (ms)", ylabel="amplitude", title="Quantization")
ax.legend()

# %%
# Integers
# --------
# ``to_int`` and ``to_float`` convert to and from the integers stored in PCM files.
x16 = melforge.to_int(y, 16)
print(x16.dtype, x16[:5], melforge.to_float(x16)[:5])
