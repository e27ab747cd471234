"""``melforge features``: one file's STFT, mel, dB-mel or MFCC features to .npy/.npz/.csv."""

from __future__ import annotations

import time
from typing import Any, Optional

import click
import numpy as np

from melforge.cli._common import SAMPLE_RATE, check_suffix, guarded, positive, spectrogram_options
from melforge.cli._preset_param import PRESET, preset_help

__all__ = ["features", "compute_features"]


def compute_features(
    y: np.ndarray,
    *,
    kind: str,
    sr: int,
    n_fft: int,
    hop_length: int,
    n_mels: int,
    n_mfcc: int,
    fmin: float,
    fmax: Optional[float],
) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Return ``(features [shape=(n_bins, n_frames)], bin frequencies in Hz or None)``.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    kind : {"stft", "mel", "db-mel", "mfcc"}
        Complex STFT, mel power spectrogram, mel power in dB (``power_to_db``, ref 1.0),
        or MFCCs.
    sr, n_fft, hop_length, n_mels, n_mfcc, fmin, fmax
        As in :func:`melforge.feature.melspectrogram` / :func:`melforge.feature.mfcc`.

    Returns
    -------
    features : np.ndarray
        complex64 for ``stft``, float32 otherwise.
    frequencies : np.ndarray or None
        FFT bin or mel band centre frequencies in Hz; None for MFCCs.
    """
    import melforge
    from melforge.feature import melspectrogram, mfcc

    mel_kw: dict[str, Any] = dict(n_mels=n_mels, fmin=fmin, fmax=fmax)
    if kind == "stft":
        return (
            melforge.stft(y, n_fft=n_fft, hop_length=hop_length),
            melforge.fft_frequencies(sr=sr, n_fft=n_fft),
        )
    mel_freqs = melforge.mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax or sr / 2)[1:-1]
    if kind == "mfcc":
        return mfcc(y=y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, **mel_kw), None
    S = melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, **mel_kw)
    if kind == "db-mel":
        S = melforge.power_to_db(S)
    return S, mel_freqs


def _column_names(kind: str, n: int, freqs: Optional[np.ndarray]) -> list[str]:
    if kind == "mfcc" or freqs is None:
        return [f"mfcc_{k}" for k in range(n)]
    if kind == "stft":
        return [f"{f:.1f}Hz" for f in freqs]
    return [f"mel_{k}_{f:.0f}Hz" for k, f in enumerate(freqs)]


@click.command(
    "features",
    epilog=(
        "Examples:\n\n\b\n"
        "  melforge features speech.flac --kind mel -o mel.npy\n"
        "  melforge features speech.flac --kind mfcc --n-mfcc 13 --sr 16000 -o mfcc.csv\n"
        "  melforge features speech.flac --kind stft --n-fft 512 --hop 160 -o stft.npz\n"
        "  melforge features speech.flac --preset whisper-80 -o whisper.npy\n"
        "  melforge features speech.flac --preset ./whisper-small -o whisper.npy\n\n"
        "Arrays are (bins, frames), time last, as melforge/librosa return them; .npz adds "
        "times (s), frequencies (Hz) and the parameters; .csv has one row per frame "
        "(time_s first) and stores |STFT| for --kind stft.  The audio is mixed to mono.  "
        "With --preset the array is the preset's own layout (melforge presets show NAME "
        "prints it): Whisper-style presets give (n_features, n_frames) like transformers, "
        "Kaldi's (n_frames, n_features); .csv has one row per frame.  'melforge featurize' "
        "stores (n_frames, n_features) per row."
    ),
)
@click.argument("file")
@click.option("-o", "--output", required=True, help="Output file: .npy, .npz or .csv.")
@click.option(
    "--kind",
    type=click.Choice(["stft", "mel", "db-mel", "mfcc"]),
    default="mel",
    show_default=True,
    help="Which features.",
)
@click.option(
    "--sr",
    type=SAMPLE_RATE,
    default="22050",
    show_default=True,
    help="Resample to this rate first: Hz or kHz (16000, 16k, 44.1k); 'native' keeps the "
    "file's rate.",
)
@spectrogram_options
@click.option("--n-mfcc", type=positive(), default=20, show_default=True, help="MFCCs to keep.")
@click.option(
    "--fmin",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Lowest mel frequency in Hz.",
)
@click.option(
    "--preset",
    type=PRESET,
    default=None,
    help=preset_help("Instead of --kind, a model's exact features"),
)
@click.pass_context
def features(
    ctx: click.Context,
    file: str,
    output: str,
    kind: str,
    sr: Optional[int],
    n_fft: int,
    hop_length: int,
    n_mels: int,
    n_mfcc: int,
    fmin: float,
    fmax: Optional[float],
    preset: Any,
) -> None:
    """Compute one kind of features of FILE and write them to disk."""
    ext = check_suffix(output, ("npy", "npz", "csv"), "'-o' / '--output'")
    t0 = time.perf_counter()
    if preset is not None:
        given = [
            f"--{name.replace('_', '-')}"
            for name in ("kind", "sr", "n_fft", "hop_length", "n_mels", "n_mfcc", "fmin", "fmax")
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        ]
        if given:
            raise click.UsageError(f"--preset fixes the recipe; drop {', '.join(given)}")
        _preset_features(file, output, ext, preset, t0)
        return
    with guarded(file):
        import melforge

        y, rate = melforge.load(file, sr=sr, mono=True)
        rate = int(round(rate))
        feats, freqs = compute_features(
            y,
            kind=kind,
            sr=rate,
            n_fft=n_fft,
            hop_length=hop_length,
            n_mels=n_mels,
            n_mfcc=n_mfcc,
            fmin=fmin,
            fmax=fmax,
        )
    times = melforge.frames_to_time(np.arange(feats.shape[-1]), sr=rate, hop_length=hop_length)
    with guarded(output):
        if ext == "npy":
            np.save(output, feats)
        elif ext == "npz":
            np.savez(
                output,
                features=feats,
                times=times,
                frequencies=np.array([]) if freqs is None else freqs,
                kind=np.array(kind),
                sr=np.array(rate),
                n_fft=np.array(n_fft),
                hop_length=np.array(hop_length),
            )
        else:
            values = np.abs(feats) if np.iscomplexobj(feats) else feats
            table = np.column_stack([times, values.T])
            header = ",".join(["time_s"] + _column_names(kind, values.shape[0], freqs))
            np.savetxt(output, table, delimiter=",", header=header, comments="", fmt="%.7g")
    click.echo(
        f"wrote {output}: {kind} {feats.dtype} {tuple(feats.shape)} (bins, frames), "
        f"sr {rate} Hz, hop {hop_length} ({time.perf_counter() - t0:.2f} s)"
    )


def _preset_features(file: str, output: str, ext: str, preset: Any, t0: float) -> None:
    """Write ``preset(y, sr)`` of ``file`` (mono, resampled by the preset) to ``output``."""
    import json

    with guarded(file):
        import melforge

        y, rate = melforge.load(file, sr=None, mono=True)
        feats = preset(y, rate)
        frames = preset._to_frames(feats)
    times = np.arange(frames.shape[0]) / preset.frame_rate
    with guarded(output):
        if ext == "npy":
            np.save(output, feats)
        elif ext == "npz":
            np.savez(
                output,
                features=feats,
                times=times,
                layout=np.array(preset.layout),
                preset=np.array(json.dumps(preset.to_dict())),
                sr=np.array(preset.sample_rate),
            )
        else:
            table = np.column_stack([times, frames])
            header = ",".join(["time_s"] + [f"f{k}" for k in range(frames.shape[1])])
            np.savetxt(output, table, delimiter=",", header=header, comments="", fmt="%.7g")
    click.echo(
        f"wrote {output}: preset {preset.name} {feats.dtype} {tuple(feats.shape)} "
        f"{preset.layout}, sr {preset.sample_rate} Hz ({time.perf_counter() - t0:.2f} s)"
    )
