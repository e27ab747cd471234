"""Regenerate the bundled example clips (a developer tool; never run at import).

Usage, from the repository root::

    apt-get install -y espeak-ng        # only for the speech clip, only here
    python -m melforge.examples.make_clips

The music and test-signal clips are synthesized with numpy from a fixed seed, so
they are reproducible bit for bit.  The speech clip is rendered by the ``espeak-ng``
speech synthesizer (a dev-time tool only: the library never calls it).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"

SPEECH_TEXT = (
    "Sound is a continuous signal. To store it, a computer samples it at a fixed rate, "
    "and rounds every sample to one of a fixed number of levels."
)


def make_speech(path: Path) -> None:
    """Render the spoken sentence with espeak-ng: 22.05 kHz, mono, 16-bit FLAC."""
    import soundfile as sf

    exe = shutil.which("espeak-ng")
    if exe is None:
        sys.exit("espeak-ng is needed to regenerate the speech clip (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(
            [exe, "-v", "en-us", "-s", "150", "-w", str(wav), SPEECH_TEXT], check=True
        )
        y, sr = sf.read(wav, dtype="int16")
    sf.write(path, y, sr, format="FLAC", subtype="PCM_16")


def _note(freq: float, dur: float, sr: int, *, n_harm: int = 6, decay: float = 3.0) -> np.ndarray:
    """Make a plucked-string-like note: harmonics with 1/k amplitudes and an ADSR-ish envelope."""
    t = np.arange(int(dur * sr)) / sr
    tone = sum(np.sin(2 * np.pi * k * freq * t) / k * np.exp(-decay * k * 0.3 * t)
               for k in range(1, n_harm + 1))
    attack = np.minimum(1.0, t / 0.01)
    release = np.minimum(1.0, (dur - t) / 0.05)
    return np.asarray(tone * attack * release * np.exp(-decay * t))


def _drum(dur: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Make a drum-like hit: a pitch-dropping sine thump plus a decaying noise burst."""
    t = np.arange(int(dur * sr)) / sr
    thump = np.sin(2 * np.pi * (60 * t + 40 * (1 - np.exp(-t * 30)) / 30)) * np.exp(-t * 18)
    noise = rng.standard_normal(t.size) * np.exp(-t * 35) * 0.6
    return np.asarray(thump + noise)


def make_music(path: Path) -> None:
    """Synthesize 6 s of music: a melody, a chord and drum hits; 44.1 kHz stereo Ogg Vorbis."""
    import soundfile as sf

    sr = 44100
    rng = np.random.default_rng(20240611)
    total = 6.0
    left = np.zeros(int(total * sr))
    right = np.zeros_like(left)

    def add(sig: np.ndarray, start: float, pan: float, gain: float) -> None:
        i = int(start * sr)
        n = min(sig.size, left.size - i)
        left[i : i + n] += gain * (1 - pan) * sig[:n]
        right[i : i + n] += gain * pan * sig[:n]

    # melody: A4 C5 E5 A5 G5 E5 D5 C5, a quarter second apart, then again
    melody = [440.0, 523.25, 659.26, 880.0, 783.99, 659.26, 587.33, 523.25]
    for rep in range(2):
        for j, f in enumerate(melody):
            add(_note(f, 0.6, sr), rep * 2.0 + j * 0.25, 0.35, 0.35)
    # a sustained A minor chord (A3 C4 E4) from 4.0 s
    for f in (220.0, 261.63, 329.63):
        add(_note(f, 2.0, sr, decay=0.8), 4.0, 0.6, 0.25)
    # drum hits on every half second
    for k in range(12):
        add(_drum(0.4, sr, rng), k * 0.5, 0.5, 0.5 if k % 2 == 0 else 0.3)
    y = np.stack([left, right], axis=1)
    y *= 0.9 / np.max(np.abs(y))
    sf.write(path, y.astype(np.float32), sr, format="OGG", subtype="VORBIS")


def make_chirp(path: Path) -> None:
    """Synthesize the test signal: a 3 s log chirp 50 Hz -> 8 kHz, then 440/1000/3000 Hz tones.

    22.05 kHz, mono, 24-bit FLAC, 5 s.  The tones are 0.3, 0.2 and 0.1 in amplitude.
    """
    import soundfile as sf

    sr = 22050
    t = np.arange(int(3.0 * sr)) / sr
    f0, f1, dur = 50.0, 8000.0, 3.0
    k = np.log(f1 / f0) / dur
    chirp = 0.5 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    fade = np.minimum(1.0, np.minimum(t, dur - t) / 0.02)
    t2 = np.arange(int(2.0 * sr)) / sr
    tones = (0.3 * np.sin(2 * np.pi * 440 * t2) + 0.2 * np.sin(2 * np.pi * 1000 * t2)
             + 0.1 * np.sin(2 * np.pi * 3000 * t2))
    tones *= np.minimum(1.0, np.minimum(t2, 2.0 - t2) / 0.02)
    y = np.concatenate([chirp * fade, tones])
    sf.write(path, y, sr, format="FLAC", subtype="PCM_24")


def main() -> None:
    """Write every clip into ``examples/data`` and print their sizes and SHA-256 sums."""
    DATA.mkdir(exist_ok=True)
    jobs = {"speech.flac": make_speech, "music.ogg": make_music, "chirp.flac": make_chirp}
    for name, fn in jobs.items():
        fn(DATA / name)
        blob = (DATA / name).read_bytes()
        print(f"{name}: {len(blob)} bytes, sha256 {hashlib.sha256(blob).hexdigest()}")


if __name__ == "__main__":
    main()
