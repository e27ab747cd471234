"""Spectral cases: melspectrogram, its FFT floor, batched mel, stft, mfcc, dB conversions."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from bench import data
from bench.harness import Case, Config, NotAvailable, Setup, melforge_attr, optional_module

LONG_S, LONG_S_SMOKE = 600.0, 2.0  # "10 minutes"
SR = 22050
BATCH, BATCH_SMOKE = (1000, 3.0), (8, 1.0)  # (clips, seconds) at 16 kHz


@functools.lru_cache(maxsize=4)
def _long(data_dir: Path, seconds: float, sr: int) -> np.ndarray:
    y = data.cached_array(data_dir, seconds, sr)
    y.setflags(write=False)
    return y


def long_signal(cfg: Config, sr: int = SR) -> np.ndarray:
    return _long(cfg.data_dir, LONG_S_SMOKE if cfg.smoke else LONG_S, sr)


def _minutes(cfg: Config) -> str:
    return "2 s" if cfg.smoke else "10 min"


def _librosa():
    return optional_module("librosa")


def _side(dotted: str) -> tuple[object | None, str]:
    try:
        return melforge_attr(dotted), ""
    except NotAvailable as exc:
        return None, str(exc)


def _torch_threads(mode: str, n_cpu: int):
    torch = optional_module("torch")
    torch.set_num_threads(1 if mode == "1" else n_cpu)
    return torch


def setup_mel(cfg: Config, mode: str) -> Setup:
    y = long_signal(cfg)
    librosa = _librosa()
    mel, why = _side("feature.melspectrogram")
    others = {}

    def torchaudio_mel():
        torch = _torch_threads(mode, cfg.n_cpu)
        ta = optional_module("torchaudio")
        tfm = ta.transforms.MelSpectrogram(sample_rate=SR, n_fft=2048, hop_length=512,
                                           n_mels=128, norm="slaney", mel_scale="slaney",
                                           pad_mode="constant")
        x = torch.from_numpy(np.asarray(y))
        return tfm(x)

    others["torchaudio MelSpectrogram"] = torchaudio_mel
    return Setup(
        melforge=(lambda: mel(y=y, sr=SR)) if mel else None,  # type: ignore[operator]
        melforge_missing=why,
        reference=lambda: librosa.feature.melspectrogram(y=y, sr=SR),
        others=others,
        unit_work=y.shape[-1] / SR,
        note=f"{_minutes(cfg)} speech-like float32 at 22.05 kHz, n_fft 2048, hop 512, 128 mels",
    )


def _hann(n_fft: int) -> np.ndarray:
    k = np.arange(n_fft, dtype=np.float64)
    return (0.5 - 0.5 * np.cos(2 * np.pi * k / n_fft)).astype(np.float32)


def stft_floor(y: np.ndarray, n_fft: int = 2048, hop: int = 512) -> np.ndarray:
    """Naive floor: centered framing, a window and one rfft over all frames at once."""
    import scipy.fft

    pad = n_fft // 2
    yp = np.pad(y, [(0, 0)] * (y.ndim - 1) + [(pad, pad)])  # librosa's default: zeros
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft, axis=-1)[..., ::hop, :]
    return scipy.fft.rfft(frames * _hann(n_fft), axis=-1)


def fft_floor(y: np.ndarray, n_fft: int = 2048, hop: int = 512, block: int = 256) -> None:
    """Strict floor: window and rfft every centered frame, in cache-sized blocks of
    ``block`` frames through one scratch buffer; nothing is kept.  Any STFT-based mel
    spectrogram does at least this work (plus magnitude, mel product and output)."""
    import scipy.fft

    pad = n_fft // 2
    yp = np.pad(y, [(0, 0)] * (y.ndim - 1) + [(pad, pad)])
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft, axis=-1)[..., ::hop, :]
    frames = frames.reshape(-1, *frames.shape[-2:]) if y.ndim > 1 else frames[None]
    window = _hann(n_fft)
    buf = np.empty((block, n_fft), dtype=np.float32)
    for item in frames:
        for start in range(0, item.shape[0], block):
            chunk = item[start:start + block]
            b = buf[:chunk.shape[0]]
            np.multiply(chunk, window, out=b)
            scipy.fft.rfft(b, axis=-1, overwrite_x=True)


def setup_floor(cfg: Config, mode: str) -> Setup:
    y = long_signal(cfg)
    mel, why = _side("feature.melspectrogram")
    return Setup(
        melforge=(lambda: mel(y=y, sr=SR)) if mel else None,  # type: ignore[operator]
        melforge_missing=why,
        reference=lambda: fft_floor(y),
        others={"naive floor (all frames, one rfft)": lambda: stft_floor(y)},
        note="floor = centered frames x periodic Hann + scipy.fft.rfft (float32 -> complex64)"
        " in blocks of 256 frames, results discarded: no magnitude, no mel, no output;"
        " shown as melforge time / floor time",
    )


def setup_batch(cfg: Config, mode: str) -> Setup:
    n, secs = BATCH_SMOKE if cfg.smoke else BATCH
    src = _long(cfg.data_dir, 60.0 if not cfg.smoke else 2.0, 16000)
    Y = data.clip_batch(src, n, int(secs * 16000))
    librosa = _librosa()
    mel, why = _side("feature.melspectrogram")
    kw = dict(sr=16000, n_fft=400, hop_length=160, n_mels=80)

    def loop():
        return [librosa.feature.melspectrogram(y=row, **kw) for row in Y]

    return Setup(
        melforge=(lambda: mel(y=Y, **kw)) if mel else None,  # type: ignore[operator]
        melforge_missing=why,
        reference=loop,
        others={"librosa 2-D call": lambda: librosa.feature.melspectrogram(y=Y, **kw),
                "framing+rfft floor (blocked)": lambda: fft_floor(Y, n_fft=400, hop=160)},
        unit_work=n * secs,
        note=f"{n} clips x {secs:g} s at 16 kHz as one (batch, samples) array; reference ="
        " librosa called per clip in a Python loop",
    )


def setup_stft(cfg: Config, mode: str) -> Setup:
    y = long_signal(cfg)
    librosa = _librosa()
    stft, why = _side("stft")

    def torch_stft():
        torch = _torch_threads(mode, cfg.n_cpu)
        x = torch.from_numpy(np.asarray(y))
        return torch.stft(x, 2048, 512, window=torch.hann_window(2048), center=True,
                          pad_mode="constant", return_complex=True)

    return Setup(
        melforge=(lambda: stft(y)) if stft else None,  # type: ignore[operator]
        melforge_missing=why,
        reference=lambda: librosa.stft(y),
        others={"torch.stft": torch_stft},
        unit_work=y.shape[-1] / SR,
        note=f"{_minutes(cfg)} at 22.05 kHz, n_fft 2048, hop 512, complex64 out",
    )


def setup_mfcc(cfg: Config, mode: str) -> Setup:
    y = long_signal(cfg)
    librosa = _librosa()
    mfcc, why = _side("feature.mfcc")
    return Setup(
        melforge=(lambda: mfcc(y=y, sr=SR)) if mfcc else None,  # type: ignore[operator]
        melforge_missing=why,
        reference=lambda: librosa.feature.mfcc(y=y, sr=SR),
        unit_work=y.shape[-1] / SR,
        note=f"{_minutes(cfg)} at 22.05 kHz, librosa defaults (20 MFCC over 128 mels)",
    )


@functools.lru_cache(maxsize=2)
def _spectrogram(data_dir: Path, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    import scipy.fft

    y = _long(data_dir, seconds, SR)
    with scipy.fft.set_workers(1):
        D = stft_floor(y).T  # (1025, n_frames) like librosa
    A = np.ascontiguousarray(np.abs(D))
    P = A * A
    for arr in (A, P):
        arr.setflags(write=False)
    return A, P


def _setup_db(cfg: Config, kind: str) -> Setup:
    librosa = _librosa()
    A, P = _spectrogram(cfg.data_dir, LONG_S_SMOKE if cfg.smoke else LONG_S)
    S = P if kind == "power" else A
    fn, why = _side(f"{kind}_to_db")
    ref = getattr(librosa, f"{kind}_to_db")
    return Setup(
        melforge=(lambda: fn(S)) if fn else None,  # type: ignore[operator]
        melforge_missing=why,
        reference=lambda: ref(S),
        note=f"{kind} spectrogram {S.shape[0]} x {S.shape[1]} float32 ({_minutes(cfg)}),"
        " defaults (ref=1.0, top_db=80)",
    )


def setup_power_db(cfg: Config, mode: str) -> Setup:
    return _setup_db(cfg, "power")


def setup_amplitude_db(cfg: Config, mode: str) -> Setup:
    return _setup_db(cfg, "amplitude")


BOTH = ("1", "all")

CASES = [
    Case("mel.10min", "melspectrogram 10 min 22.05 kHz", "librosa.feature.melspectrogram",
         2.0, setup_mel, reps=5, threads=BOTH),
    Case("mel.floor", "melspectrogram vs framing+rfft floor", "blocked framing + rfft",
         1 / 1.5, setup_floor, reps=5, threads=BOTH, target_text="<= 1.5x floor",
         show_inverse="floor"),
    Case("mel.batch", "melspectrogram 1000 x 3 s 16 kHz batched", "librosa loop",
         5.0, setup_batch, reps=3, threads=BOTH),
    Case("stft.10min", "stft 10 min n_fft 2048", "librosa.stft", 1.5, setup_stft, reps=5,
         threads=BOTH),
    Case("mfcc.10min", "mfcc 10 min", "librosa.feature.mfcc", 2.0, setup_mfcc, reps=5,
         threads=BOTH),
    Case("db.power", "power_to_db 10-min spectrogram", "librosa.power_to_db", 1.0,
         setup_power_db, reps=7),
    Case("db.amplitude", "amplitude_to_db 10-min spectrogram", "librosa.amplitude_to_db", 1.0,
         setup_amplitude_db, reps=7),
]
