"""Deterministic benchmark inputs: speech-like audio, generated on demand and cached.

Everything here is made from fixed seeds, so two machines benchmark the same bytes.
Files are written to the data folder (``bench/data`` by default, gitignored) under
names that encode every generation parameter plus :data:`GENERATOR_VERSION`; a file
that already exists is reused.  Writes go to a temporary name and are renamed when
complete, so an interrupted run never leaves a half-written input behind.

The signal is a crude source-filter model of speech: a glottal pulse train with a
wandering pitch (90-230 Hz) shaped by vowel formant resonators, unvoiced fricative
noise bursts, syllable envelopes of 120-350 ms, pauses, and a quiet noise floor
(about -60 dBFS) so that no frame is digitally silent.  It is not intelligible, but
its spectrum, envelope and dynamics are those of speech, which is what decoders,
resamplers and spectrogram code see.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

GENERATOR_VERSION = 1
CHUNK_SECONDS = 30.0  # synthesis block; any length is made of independent blocks

# (F1, F2, F3) in Hz for five vowels, roughly an adult voice.
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (570, 840, 2410),
           (300, 870, 2240))
_FORMANT_BW = (80.0, 100.0, 140.0)  # Hz


def default_data_dir() -> Path:
    return Path(__file__).resolve().parent / "data"


def _seed(*parts: object) -> int:
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _resonator(f: float, bw: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-pole resonator coefficients with unit gain at DC-ish scale."""
    r = np.exp(-np.pi * bw / sr)
    theta = 2 * np.pi * f / sr
    a = np.array([1.0, -2 * r * np.cos(theta), r * r])
    b = np.array([1.0 - r])
    return b, a


def _speech_chunk(n: int, sr: int, seed: int) -> np.ndarray:
    """One block of ``n`` samples of mono speech-like audio (float32, peak about 0.5)."""
    from scipy import signal

    rng = np.random.default_rng(seed)
    # --- syllable timeline: label 0 = pause, 1..5 = vowel, 6 = fricative
    labels = np.zeros(n, dtype=np.int8)
    env = np.zeros(n, dtype=np.float64)
    pos = int(rng.integers(0, int(0.1 * sr)))
    while pos < n:
        if rng.random() < 0.12:  # pause between phrases
            pos += int(rng.uniform(0.08, 0.6) * sr)
            continue
        length = int(rng.uniform(0.12, 0.35) * sr)
        end = min(n, pos + length)
        kind = 6 if rng.random() < 0.22 else int(rng.integers(1, 6))
        labels[pos:end] = kind
        m = end - pos
        attack = max(1, min(m, int(0.02 * sr)))
        shape = np.sin(np.linspace(0, np.pi, m)) ** 0.6
        shape[:attack] *= np.linspace(0, 1, attack)
        env[pos:end] = shape * rng.uniform(0.4, 1.0)
        pos = end + int(rng.uniform(0.0, 0.06) * sr)
    # --- voiced excitation: pulse train at a slowly wandering f0
    knots = max(2, int(n / sr * 3) + 2)
    f0_knots = rng.uniform(90.0, 230.0, knots)
    f0 = np.interp(np.arange(n), np.linspace(0, n, knots), f0_knots)
    phase = np.cumsum(f0 / sr)
    pulses = np.diff(np.floor(phase), prepend=0.0)
    glottal = signal.lfilter([1.0], [1.0, -0.97], pulses)  # -6 dB/oct source tilt
    glottal += 0.02 * rng.standard_normal(n)  # breathiness
    voiced = np.zeros(n)
    for k, formants in enumerate(_VOWELS, start=1):
        mask = labels == k
        if not mask.any():
            continue
        x = glottal
        for f, bw in zip(formants, _FORMANT_BW, strict=True):
            if f < sr / 2 * 0.95:
                b, a = _resonator(f, bw, sr)
                x = signal.lfilter(b, a, x)
        voiced += np.where(mask, x, 0.0)
    voiced /= np.max(np.abs(voiced)) + 1e-12
    # --- unvoiced fricatives: high-passed noise
    cutoff = min(3500.0, 0.4 * sr)
    sos = signal.butter(4, cutoff, btype="highpass", fs=sr, output="sos")
    fric = signal.sosfilt(sos, rng.standard_normal(n))
    fric /= np.max(np.abs(fric)) + 1e-12
    y = np.where(labels == 6, 0.35 * fric, voiced) * env
    y += 1e-3 * rng.standard_normal(n)  # noise floor, about -60 dBFS
    peak = np.max(np.abs(y)) + 1e-12
    return (0.5 * y / peak).astype(np.float32)


def iter_speech(
    seconds: float, sr: int, *, seed: int = 0, channels: int = 1
) -> Iterator[np.ndarray]:
    """Yield speech-like audio block by block, shape ``(channels, n_block)`` float32."""
    total = int(round(seconds * sr))
    chunk = int(CHUNK_SECONDS * sr)
    start = 0
    index = 0
    while start < total:
        n = min(chunk, total - start)
        chans = []
        for c in range(channels):
            chans.append(_speech_chunk(n, sr, _seed("speech", GENERATOR_VERSION, sr, seed,
                                                     index, c if c < 1 else 1)))
        block = np.stack(chans)
        if channels > 1:
            # A second microphone: the same voice, delayed 0.6 ms and quieter, plus its own floor.
            shift = max(1, int(0.0006 * sr))
            delayed = np.roll(block[0], shift) * 0.8
            block[1:] = delayed + 0.3 * block[1:]
        yield block
        start += n
        index += 1


def speech(seconds: float, sr: int, *, seed: int = 0, channels: int = 1) -> np.ndarray:
    """Speech-like audio in memory: ``(n,)`` if mono else ``(channels, n)``, float32."""
    y = np.concatenate(list(iter_speech(seconds, sr, seed=seed, channels=channels)), axis=1)
    return y[0] if channels == 1 else y


_FORMATS = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "mp3": ("MP3", None)}


def speech_file(
    data_dir: Path, seconds: float, sr: int, fmt: str, *, channels: int = 1, seed: int = 0,
    name: str = "speech",
) -> Path:
    """Path of a cached speech-like file, writing it (block by block) if it does not exist."""
    import soundfile as sf

    data_dir.mkdir(parents=True, exist_ok=True)
    ch = "mono" if channels == 1 else f"{channels}ch"
    secs = f"{seconds:g}".replace(".", "p")
    path = data_dir / f"{name}_v{GENERATOR_VERSION}_s{seed}_{sr}Hz_{ch}_{secs}s.{fmt}"
    if path.exists():
        return path
    container, subtype = _FORMATS[fmt]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with sf.SoundFile(tmp, "w", samplerate=sr, channels=channels, format=container,
                      subtype=subtype) as f:
        for block in iter_speech(seconds, sr, seed=seed, channels=channels):
            f.write(block.T)
    os.replace(tmp, path)
    return path


def cached_array(data_dir: Path, seconds: float, sr: int, *, seed: int = 0,
                 channels: int = 1) -> np.ndarray:
    """Speech-like audio as an array, cached as ``.npy`` (memory-mapped on reuse is avoided:
    the benchmark wants the data in RAM, as a user's array would be)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    secs = f"{seconds:g}".replace(".", "p")
    path = data_dir / f"speech_v{GENERATOR_VERSION}_s{seed}_{sr}Hz_{channels}ch_{secs}s.npy"
    if not path.exists():
        y = speech(seconds, sr, seed=seed, channels=channels)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npy")
        np.save(tmp, y)
        os.replace(tmp, path)
        return y
    return np.load(path)


def clip_batch(source: np.ndarray, n_clips: int, clip_samples: int, *, seed: int = 0
               ) -> np.ndarray:
    """``(n_clips, clip_samples)`` float32 clips cut from ``source`` at random offsets
    with random gains (-12 to 0 dB), so no two clips are identical."""
    rng = np.random.default_rng(_seed("clips", seed, n_clips, clip_samples))
    if source.shape[-1] < clip_samples:
        reps = -(-clip_samples // source.shape[-1])
        source = np.tile(source, reps)
    offsets = rng.integers(0, source.shape[-1] - clip_samples + 1, n_clips)
    gains = (10 ** (rng.uniform(-12, 0, n_clips) / 20)).astype(np.float32)
    out = np.empty((n_clips, clip_samples), dtype=np.float32)
    for i, (o, g) in enumerate(zip(offsets, gains, strict=True)):
        np.multiply(source[o:o + clip_samples], g, out=out[i])
    return out


def corpus(data_dir: Path, n_clips: int, *, min_s: float = 2.0, max_s: float = 20.0,
           seed: int = 0) -> tuple[Path, float]:
    """A folder of ``n_clips`` speech-like clips, mixed WAV/FLAC/MP3 at 44.1/48/16 kHz.

    Returns the folder and the total audio duration in seconds.  Clips are spread over
    two sub-folders (a LibriSpeech-like tree); a sixth of them are stereo.
    """
    import soundfile as sf

    rng = np.random.default_rng(_seed("corpus", seed, n_clips, min_s, max_s))
    folder = data_dir / (f"corpus_v{GENERATOR_VERSION}_s{seed}_{n_clips}x"
                         f"{min_s:g}-{max_s:g}s".replace(".", "p"))
    durations = rng.uniform(min_s, max_s, n_clips)
    rates = (44100, 48000, 16000)
    fmts = ("wav", "flac", "mp3")
    done_marker = folder / ".complete"
    total = 0.0
    plan = []
    for i, dur in enumerate(durations):
        sr = rates[i % 3]
        fmt = fmts[(i // 3) % 3]
        channels = 2 if i % 6 == 5 else 1
        dur = round(float(dur) * sr) / sr
        total += dur
        plan.append((folder / f"spk{i % 2}" / f"clip{i:05d}.{fmt}", dur, sr, fmt, channels, i))
    if done_marker.exists():
        return folder, total
    for path, dur, sr, fmt, channels, i in plan:
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        y = speech(dur, sr, seed=seed * 100003 + i, channels=channels)
        container, subtype = _FORMATS[fmt]
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        sf.write(tmp, y.T if channels > 1 else y, sr, format=container, subtype=subtype)
        os.replace(tmp, path)
    done_marker.write_text(f"{n_clips} clips, {total:.3f} s\n")
    return folder, total
