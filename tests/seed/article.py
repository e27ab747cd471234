# The code of the seed article (shared/seed/000_dc715c35029af126.txt), unchanged except
# for the import line: it must run on melforge as it runs on librosa, 'pistachio' included.
# tests/seed/test_seed_article.py executes this text twice, once as it is and once with
# the real librosa, and compares the numbers.  (Not collected by pytest: no test_ prefix.)
#load the library
import melforge as librosa
#librosa.load function returns the audio array and sampling rate
audio, sampling_rate = librosa.load(librosa.ex('pistachio'))
import matplotlib.pyplot as plt
librosa.display.waveshow(audio,sr = sampling_rate)
## Frequency Spectrum
import numpy as np
# rather than focusing on each discrete value lets just see first 4096 values
input_data = audio[:4096]

# DFT = discrete fourier transform
# this frequency spectrum is plotted using DFT
window = np.hanning(len(input_data))

dft_input = input_data * window
figure = plt.figure(figsize = (15,5))
plt.title('hanning window')
# similar plot is generated for every instance
# calculate the dft - discrete fourier transform
dft = np.fft.rfft(dft_input)
# amplitude 
amplitude = np.abs(dft)
# convert it into dB
amplitude_dB = librosa.amplitude_to_db(amplitude,ref = np.max)

# sometimes people want to use power spectrum -> A**2
# frequency
frequency = librosa.fft_frequencies(n_fft=len(input_data),sr = sampling_rate)
plt.plot(frequency, amplitude_dB)
plt.xlabel("Frequency (Hz)")
plt.ylabel("Amplitude (dB)")
spectogram = librosa.stft(audio)
spectogram_to_dB = librosa.amplitude_to_db(np.abs(spectogram),ref = np.max)
librosa.display.specshow(spectogram_to_dB, x_axis="time", y_axis="hz")
MelSpectogram = librosa.feature.melspectrogram(y=audio, sr=sampling_rate, n_mels=128, fmax=8000)
MelSpectogram_dB = librosa.power_to_db(MelSpectogram, ref=np.max)

librosa.display.specshow(MelSpectogram_dB, x_axis="time", y_axis="mel", sr=sampling_rate, fmax=8000)
