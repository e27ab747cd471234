"""The numpy paths never import torch (nor melforge's torch backend).

A meta-path finder records every attempt to import ``torch`` or ``melforge._torch``:
the check holds whether or not torch is installed.
"""

import subprocess
import sys

CODE = r"""
import sys

attempts = []


class Recorder:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch" or name.startswith("melforge._torch"):
            attempts.append(name)
        return None


sys.meta_path.insert(0, Recorder())

import numpy as np

import melforge
import melforge.presets as presets
from melforge.feature import kaldi_fbank, normalize_waveform, whisper_log_mel

rng = np.random.default_rng(0)
y = rng.uniform(-0.5, 0.5, 16000).astype(np.float32)
D = melforge.stft(y, n_fft=512)
melforge.istft(D)
S = melforge.feature.melspectrogram(y=y, sr=16000)
melforge.power_to_db(S)
melforge.amplitude_to_db(np.abs(D))
melforge.db_to_power(melforge.power_to_db(S))
melforge.db_to_amplitude(melforge.power_to_db(S))
melforge.feature.mfcc(y=y, sr=16000)
whisper_log_mel(y)
kaldi_fbank(y)
normalize_waveform(y)
for name in presets.names():
    p = presets.get(name)
    p(y, 16000)
    p.frames([y, y[:12000]], 16000)
p = presets.from_pretrained({"feature_extractor_type": "Wav2Vec2FeatureExtractor"})
p.batch([y, y[:8000]], 16000, padding=True, return_tensors="np")
p(y, 16000)
print(sorted(set(attempts)), "torch" in sys.modules)
"""


def test_numpy_paths_import_no_torch():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split("\n")[-2] == "[] False", out.stdout + out.stderr
