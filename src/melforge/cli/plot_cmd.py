"""``melforge plot``: a waveform, spectrum, spectrogram or mel spectrogram to PNG/SVG/PDF."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any, Optional

import click
import numpy as np

from melforge.cli._common import (
    SAMPLE_RATE,
    check_suffix,
    guarded,
    positive,
    progress,
    spectrogram_options,
)

__all__ = ["plot", "spectrogram_db", "new_figure", "welch_magnitude"]

_MAX_COLUMNS = 3000  # wider spectrograms are max-pooled over frames to this many columns
_BLOCK_FRAMES = 4096  # frames per block when computing long spectrograms
_MAX_SPECTRUM = 1 << 20  # longer excerpts get an averaged (Welch) spectrum: 47.6 s at 22.05 kHz
_WELCH_SEGMENT = 1 << 16  # samples per Welch segment (0.34 Hz bins at 22.05 kHz)
_TOP_DB = 80.0  # dynamic range of the spectrogram images (dB below the maximum)


def new_figure(width: float = 10.0, height: float = 4.0) -> Any:
    """Return a matplotlib Figure with an Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def spectrogram_db(
    y: np.ndarray,
    *,
    sr: int,
    n_fft: int,
    hop_length: int,
    mel: bool,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    max_columns: Optional[int] = _MAX_COLUMNS,
) -> tuple[np.ndarray, np.ndarray]:
    """Compute a (mel) power spectrogram in dB re its maximum, block by block.

    Long signals are processed ``_BLOCK_FRAMES`` frames at a time (the same frames as
    ``center=True`` with zero padding) and, when they have more than ``max_columns``
    frames, max-pooled over groups of frames so that every peak survives.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio.
    sr : int
        Sample rate in Hz.
    n_fft, hop_length : int
        STFT size and hop in samples.
    mel : bool
        Mel spectrogram (True) or linear-frequency power spectrogram (False).
    n_mels : int
        Number of mel bands.
    fmin, fmax : float
        Mel frequency range in Hz (fmax None: ``sr / 2``).
    max_columns : int or None
        Pool the frames down to at most this many columns (None: never).

    Returns
    -------
    S_db : np.ndarray [shape=(n_bins, n_columns)]
        Power in dB, 0 dB at the maximum, floored 80 dB below.
    edges : np.ndarray [shape=(n_columns + 1,)]
        Column edges in seconds: a column covering frames ``i..j`` spans
        ``(i - 1/2) * hop_length / sr`` to ``(j + 1/2) * hop_length / sr`` (frame ``t``
        is centred at ``t * hop_length / sr``, the ``center=True`` convention).

    Warns
    -----
    UserWarning
        When the signal is all zeros: the image is then uniformly -80 dB (rather than
        0 dB re a zero maximum).
    """
    import melforge
    from melforge.feature import melspectrogram

    pad = n_fft // 2
    yp = np.pad(y, (pad, pad))
    n_frames = 1 + (yp.size - n_fft) // hop_length
    group = 1 if not max_columns else max(1, -(-n_frames // max_columns))
    block = max(group, (_BLOCK_FRAMES // group) * group)
    out = []
    starts = range(0, n_frames, block)
    for t0 in progress(starts, total=len(starts), desc="spectrogram", unit="block"):
        nb = min(block, n_frames - t0)
        seg = yp[t0 * hop_length : (t0 + nb - 1) * hop_length + n_fft]
        if mel:
            S = melspectrogram(
                y=seg,
                sr=sr,
                n_fft=n_fft,
                hop_length=hop_length,
                center=False,
                n_mels=n_mels,
                fmin=fmin,
                fmax=fmax,
            )
        else:
            S = np.abs(melforge.stft(seg, n_fft=n_fft, hop_length=hop_length, center=False)) ** 2
        if group > 1:
            k = S.shape[1] // group * group
            pooled = S[:, :k].reshape(S.shape[0], -1, group).max(axis=2)
            if k < S.shape[1]:
                pooled = np.concatenate([pooled, S[:, k:].max(axis=1, keepdims=True)], axis=1)
            S = pooled
        out.append(S.astype(np.float32, copy=False))
    S = np.concatenate(out, axis=1)
    first = np.arange(S.shape[1]) * group
    last = np.minimum(first + group, n_frames) - 1
    edges = np.append(first - 0.5, last[-1] + 0.5) * (hop_length / sr)
    if not float(S.max()) > 0.0:
        warnings.warn(
            "the excerpt is silent (all samples are zero); the image is uniformly -80 dB",
            stacklevel=2,
        )
        return np.full(S.shape, -_TOP_DB, dtype=np.float32), edges
    S_db = melforge.power_to_db(S, ref=np.max, top_db=_TOP_DB)
    return S_db, edges


def _plot_wave(ax: Any, y: np.ndarray, sr: int, start: float) -> str:
    import melforge.display as display

    display.waveshow(y, sr=sr, ax=ax, offset=start)
    if y.ndim == 2 and y.shape[0] > 1:  # waveshow's stereo view: peak magnitudes
        ax.set_ylabel(f"|amplitude|: ch 1 above 0, ch {y.shape[0]} below")
        return f"waveform ({y.shape[0]} channels)"
    ax.set_ylabel("Amplitude")
    return "waveform"


def welch_magnitude(y: np.ndarray, *, segment: int, batch: int = 32) -> np.ndarray:
    """Return the RMS magnitude spectrum of ``y`` averaged over Hann-windowed segments.

    Welch's method: segments of ``segment`` samples with 50 % overlap (the last one
    aligned to the end of ``y``), each windowed by a symmetric Hann window; their power
    spectra are averaged and the square root is returned.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], n >= segment
        Mono audio.
    segment : int
        Samples per segment (the DFT size).
    batch : int
        Segments transformed at a time (bounds the memory: ``batch * segment`` values).

    Returns
    -------
    np.ndarray [shape=(segment // 2 + 1,)]
        ``sqrt(mean |rfft(window * segment)|^2)``, float64.
    """
    hop = segment // 2
    starts = list(range(0, y.size - segment + 1, hop))
    if starts[-1] != y.size - segment:
        starts.append(y.size - segment)
    window = np.hanning(segment)
    power = np.zeros(segment // 2 + 1)
    groups = range(0, len(starts), batch)
    for g in progress(groups, total=len(groups), desc="spectrum", unit="block"):
        idx = np.asarray(starts[g : g + batch])
        frames = y[idx[:, None] + np.arange(segment)[None, :]] * window
        power += np.sum(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    return np.sqrt(power / len(starts))


def _plot_spectrum(ax: Any, y: np.ndarray, sr: int) -> str:
    import melforge
    import melforge.display as display

    if y.size <= _MAX_SPECTRUM:
        display.spectrumshow(melforge.spectrum(y, sr=sr), ax=ax)
        what = f"spectrum of {y.size / sr:.2f} s (Hann window, {y.size} samples)"
    else:
        display.spectrumshow(welch_magnitude(y, segment=_WELCH_SEGMENT), sr=sr, ax=ax)
        what = (
            f"average spectrum of {y.size / sr:.0f} s (Welch: Hann segments of "
            f"{_WELCH_SEGMENT} samples, 50% overlap)"
        )
    ax.set_ylabel("Amplitude (dB re peak)")
    return what


@click.command(
    "plot",
    epilog=(
        "Examples:\n\n\b\n"
        "  melforge plot speech.flac --kind mel -o mel.png\n"
        "  melforge plot speech.flac --kind spectrogram --y-axis linear -o spec.svg\n"
        "  melforge plot song.mp3 --kind spectrum --start 30 --duration 0.1 -o spectrum.pdf\n"
        "  melforge plot long.wav --kind wave --start 60 --duration 10 -o wave.png\n\n"
        "Spectrograms are in dB re their maximum (80 dB range); longer than about 3000 frames, "
        "each image column shows the maximum over the frames it covers."
    ),
)
@click.argument("file")
@click.option(
    "--kind",
    type=click.Choice(["wave", "spectrum", "spectrogram", "mel"]),
    default="mel",
    show_default=True,
    help="What to draw.",
)
@click.option("-o", "--output", required=True, help="Image file: .png, .svg or .pdf.")
@click.option(
    "--sr",
    type=SAMPLE_RATE,
    default=None,
    help="Resample to this rate first: Hz or kHz (16000, 16k, 44.1k) [default: native].",
)
@spectrogram_options
@click.option(
    "--y-axis",
    type=click.Choice(["log", "linear"]),
    default="log",
    show_default=True,
    help="Frequency axis of --kind spectrogram.",
)
@click.option(
    "--start",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Start of the excerpt in seconds.",
)
@click.option(
    "--duration",
    type=positive(float),
    default=None,
    help="Length of the excerpt in seconds [default: to the end].",
)
@click.option("--title", default=None, help="Figure title [default: file name and kind].")
@click.option(
    "--dpi", type=positive(), default=150, show_default=True, help="Resolution of PNG output."
)
def plot(
    file: str,
    kind: str,
    output: str,
    sr: Optional[int],
    n_fft: int,
    hop_length: int,
    n_mels: int,
    fmax: Optional[float],
    y_axis: str,
    start: float,
    duration: Optional[float],
    title: Optional[str],
    dpi: int,
) -> None:
    """Plot FILE: its waveform, spectrum, STFT spectrogram or mel spectrogram."""
    check_suffix(output, ("png", "svg", "pdf"), "'-o' / '--output'")
    t0 = time.perf_counter()
    with guarded(file):
        import melforge
        import melforge.display as display

        y, rate = melforge.load(file, sr=sr, mono=kind != "wave", offset=start, duration=duration)
        rate = int(rate)
        if y.shape[-1] == 0:
            raise melforge.ParameterError(f"the excerpt at --start {start} s is empty", path=file)
        if kind == "spectrum" and y.shape[-1] < 2:
            raise melforge.ParameterError(
                f"the excerpt has {y.shape[-1]} sample; a spectrum needs at least 2", path=file
            )
        fig = new_figure()
        ax = fig.add_subplot()
        if kind == "wave":
            what = _plot_wave(ax, y, rate, start)
        elif kind == "spectrum":
            what = _plot_spectrum(ax, y, rate)
        else:
            mel = kind == "mel"
            S_db, edges = spectrogram_db(
                y, sr=rate, n_fft=n_fft, hop_length=hop_length, mel=mel, n_mels=n_mels, fmax=fmax
            )
            img = display.specshow(
                S_db,
                x_coords=edges + start,
                x_axis="time",
                y_axis="mel" if mel else y_axis,
                sr=rate,
                n_fft=n_fft,
                hop_length=hop_length,
                fmax=fmax,
                vmin=-_TOP_DB,
                vmax=0.0,
                ax=ax,
            )
            display.colorbar(img, ax=ax)
            fmax_txt = f"{(fmax or rate / 2) / 1000:g} kHz"
            what = (
                f"mel spectrogram ({n_mels} mels, fmax {fmax_txt})"
                if mel
                else f"spectrogram ({y_axis} frequency, n_fft {n_fft})"
            )
        ax.set_title(title or f"{Path(file).name}: {what}")
    with guarded(output):
        fig.savefig(output, dpi=dpi)
    click.echo(f"wrote {output} ({time.perf_counter() - t0:.2f} s)")
