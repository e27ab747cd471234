"""``melforge demo``: the guided walkthrough from a sound file to a mel spectrogram."""

from __future__ import annotations

import math
import shutil
import time
import warnings
from pathlib import Path
from typing import Any, Optional

import click
import numpy as np

from melforge.cli._common import guarded
from melforge.cli.demo_page import DemoFigure, write_index

__all__ = ["demo"]

SEGMENT = 4096  # samples in the spectrum segment (186 ms at 22.05 kHz)
N_FFT = 2048
HOP = 512
TARGET_SR = 16000
_MIN_SAMPLES = 64  # shorter clips have no spectrum worth drawing (2.9 ms at 22.05 kHz)


def _db(x: float) -> float:
    return 10.0 * math.log10(x) if x > 0 else -math.inf


def _snr(ref: np.ndarray, test: np.ndarray) -> float:
    """Signal-to-noise ratio in dB of ``test`` against ``ref`` (inf when identical)."""
    ref64, err = ref.astype(np.float64), test.astype(np.float64) - ref.astype(np.float64)
    noise = float(np.dot(err, err))
    return math.inf if noise == 0 else _db(float(np.dot(ref64, ref64)) / noise)


def _fmt_db(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.1f}"


def _loudest_segment(y: np.ndarray, n: int) -> int:
    """Return the start of the ``n``-sample segment with the most energy (hop n/8)."""
    if y.size <= n:
        return 0
    c = np.concatenate([[0.0], np.cumsum(y.astype(np.float64) ** 2)])
    starts = np.arange(0, y.size - n + 1, max(1, n // 8))
    return int(starts[np.argmax(c[starts + n] - c[starts])])


def _fraction_above(y: np.ndarray, sr: int, freq: float) -> float:
    """Return the fraction of the energy of ``y`` above ``freq`` Hz.

    One DFT of the whole clip up to 2^20 samples; beyond that, Welch-averaged power
    (65536-sample Hann segments) so that an hour needs neither minutes nor gigabytes.
    """
    from melforge.cli.plot_cmd import welch_magnitude

    if y.size <= 1 << 20:
        power = np.abs(np.fft.rfft(y.astype(np.float64))) ** 2
        freqs = np.fft.rfftfreq(y.size, 1.0 / sr)
    else:
        power = welch_magnitude(y, segment=1 << 16) ** 2
        freqs = np.fft.rfftfreq(1 << 16, 1.0 / sr)
    return float(power[freqs > freq].sum() / max(power.sum(), 1e-300))


def _facts(path: str, say: Any) -> tuple[Any, np.ndarray, int]:
    import melforge

    meta = melforge.info(path)
    y, sr = melforge.load(path, sr=None, mono=True)
    sr = int(round(sr))
    if y.size < _MIN_SAMPLES:
        raise melforge.ParameterError(
            f"the demo needs at least {_MIN_SAMPLES} samples; the file has {y.size}", path=path
        )
    say(click.style("1. The file", bold=True))
    say(f"   {path}")
    say(
        f"   {meta.format} / {meta.subtype}, {meta.channels} channel(s), "
        f"{meta.duration:.2f} s = {meta.frames} samples per channel"
    )
    say(
        f"   sample rate {sr} Hz: {sr} numbers per second; the Nyquist frequency sr/2 = "
        f"{sr / 2:g} Hz is the highest frequency it can hold"
    )
    if meta.bit_depth:
        n = meta.bit_depth
        say(
            f"   bit depth {n}: 2^{n} = {2**n:,} levels; a full-scale sine would have a "
            f"quantization SNR of 6.02*{n} + 1.76 = {6.02 * n + 1.76:.1f} dB"
        )
    else:
        say(f"   lossy codec ({meta.subtype}): no fixed bit depth; decoded to float32")
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak == 0.0:
        warnings.warn(
            f"{path} is silent (all samples are zero); its spectra and spectrograms are flat",
            stacklevel=2,
        )
    rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2))) if y.size else 0.0
    say(
        f"   level: peak {_fmt_db(2 * _db(peak))} dBFS, RMS {_fmt_db(2 * _db(rms))} dBFS; "
        f"decoded as {y.dtype} in [-1, 1)"
    )
    return meta, y, sr


def _resampling(y: np.ndarray, sr: int, say: Any) -> tuple[np.ndarray, dict[str, float]]:
    import melforge

    say(
        click.style(f"2. Resampling to {TARGET_SR // 1000} kHz (what ASR models expect)", bold=True)
    )
    y16 = melforge.resample(y, orig_sr=sr, target_sr=TARGET_SR)
    above = _fraction_above(y, sr, TARGET_SR / 2)
    back = melforge.resample(y16, orig_sr=TARGET_SR, target_sr=sr)[: y.size]
    rt = _snr(y[: back.size], back)
    say(
        f"   {y.size} samples at {sr} Hz -> {y16.size} at {TARGET_SR} Hz; new Nyquist "
        f"{TARGET_SR // 2} Hz"
    )
    if sr > TARGET_SR:
        say(
            f"   energy above {TARGET_SR // 2} Hz (removed by the anti-aliasing filter): "
            f"{_fmt_db(_db(above))} dB re the total"
        )
    why = (
        f"limited by what was above {TARGET_SR // 2} Hz"
        if sr > TARGET_SR
        else "upsampling adds no information; the loss is the filters' ripple and edge effects"
    )
    say(
        f"   round trip {sr} -> {TARGET_SR} -> {sr} Hz: SNR {_fmt_db(rt)} dB against the "
        f"original ({why})"
    )
    return y16, {"above_db": _db(above), "roundtrip_snr": rt}


def _quantization(y16: np.ndarray, say: Any) -> dict[int, tuple[float, np.ndarray]]:
    import melforge

    say(
        click.style(
            "3. Re-quantizing the 16 kHz signal (rounding each sample to N bits)", bold=True
        )
    )
    rms_dbfs = 20 * math.log10(max(float(np.sqrt(np.mean(y16.astype(np.float64) ** 2))), 1e-12))
    out: dict[int, tuple[float, np.ndarray]] = {}
    for bits in (16, 8):
        q = melforge.quantize(y16, bits)
        snr = _snr(y16, q)
        expect = 6.02 * bits + 4.77 + rms_dbfs
        say(
            f"   {bits:>2} bits: {2**bits:>6,} levels, step 2^{1 - bits} = {2.0 ** (1 - bits):.2g};"
            f" measured SNR {_fmt_db(snr)} dB (expected 6.02*{bits} + 4.77 + RMS dBFS "
            f"= {expect:.1f} dB)"
        )
        out[bits] = (snr, q)
    say("   every bit is worth 6 dB; quiet recordings waste the top bits")
    return out


def _figures(out: Path, y: np.ndarray, sr: int, name: str) -> list[DemoFigure]:
    import melforge
    import melforge.display as display
    from melforge.cli.plot_cmd import new_figure, spectrogram_db

    figs: list[DemoFigure] = []

    def save(fig: Any, fname: str, title: str, caption: str) -> None:
        fig.savefig(out / fname, dpi=110)
        figs.append(DemoFigure(fname, title, caption))

    start = _loudest_segment(y, SEGMENT)
    seg = y[start : start + SEGMENT]
    t0, t1 = start / sr, (start + seg.size) / sr

    fig = new_figure(10, 3.2)
    ax = fig.add_subplot()
    display.waveshow(y, sr=sr, ax=ax)
    ax.axvspan(
        t0, t1, color="tab:orange", alpha=0.3, label=f"segment used below ({seg.size} samples)"
    )
    ax.set(title=f"{name}: waveform", ylabel="Amplitude")
    ax.legend(loc="upper right")
    save(
        fig,
        "01_waveform.png",
        "Waveform",
        f"Amplitude against time, {sr} samples per second, in [-1, 1). Zoomed out, each pixel "
        f"column shows the min and max of the samples it covers. The orange band is the "
        f"{seg.size}-sample segment ({1000 * seg.size / sr:.0f} ms) used for the spectrum.",
    )

    win = melforge.get_window("hann", seg.size, fftbins=False)
    fig = new_figure(10, 5)
    ax1, ax2 = fig.subplots(2, 1)
    ms = 1000 * np.arange(seg.size) / sr
    ax1.plot(ms, win, color="tab:green")
    ax1.set(title=f"Hann window, {seg.size} samples", ylabel="Weight", xlim=(0, ms[-1]))
    ax2.plot(ms, seg, color="0.6", lw=0.8, label="segment")
    ax2.plot(ms, seg * win, color="tab:blue", lw=0.8, label="segment x window")
    ax2.set(xlabel="Time in the segment (ms)", ylabel="Amplitude", xlim=(0, ms[-1]))
    ax2.legend(loc="upper right")
    save(
        fig,
        "02_hann_window.png",
        "Hann window",
        "The window tapers the segment to zero at both ends, so the DFT does not see a jump "
        "where the segment was cut (which would smear energy over all frequencies).",
    )

    fig = new_figure(10, 3.8)
    ax = fig.add_subplot()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="every bin of the spectrum")  # said in step 1
        display.spectrumshow(melforge.spectrum(seg, sr=sr), ax=ax)
    ax.set(title=f"Spectrum of the segment at {t0:.2f}-{t1:.2f} s", ylabel="Amplitude (dB re peak)")
    save(
        fig,
        "03_spectrum.png",
        "Frequency spectrum",
        f"|DFT| of the windowed segment in dB (0 dB = the strongest bin) on a log-frequency "
        f"axis: {seg.size // 2 + 1} bins, {sr / seg.size:.1f} Hz apart, from 0 to the Nyquist "
        f"frequency {sr / 2:g} Hz. Voiced speech shows its harmonics as evenly spaced peaks.",
    )

    # Block-wise, and max-pooled to 3000 columns beyond that many frames, so that an hour
    # of audio fits in memory; for shorter clips this is amplitude_to_db(|stft|, ref=max).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="the excerpt is silent")  # said in step 1
        S_db, edges = spectrogram_db(y, sr=sr, n_fft=N_FFT, hop_length=HOP, mel=False)
        fmax = min(8000.0, sr / 2)
        M_db, _ = spectrogram_db(
            y, sr=sr, n_fft=N_FFT, hop_length=HOP, mel=True, n_mels=128, fmax=fmax
        )
    pooled = (
        f" Each of the {S_db.shape[1]} image columns shows the loudest of the frames it covers."
        if S_db.shape[1] < 1 + y.size // HOP
        else ""
    )
    for fname, axis, title in (
        ("04_spectrogram_linear.png", "linear", "linear"),
        ("05_spectrogram_log.png", "log", "log"),
    ):
        fig = new_figure(10, 4)
        ax = fig.add_subplot()
        img = display.specshow(
            S_db, x_coords=edges, sr=sr, n_fft=N_FFT, x_axis="time", y_axis=axis, ax=ax
        )
        display.colorbar(img, ax=ax)
        ax.set_title(f"STFT spectrogram in dB, {title} frequency (n_fft {N_FFT}, hop {HOP})")
        cap = (
            f"A spectrum every {HOP} samples ({1000 * HOP / sr:.0f} ms), each over {N_FFT} "
            f"samples ({1000 * N_FFT / sr:.0f} ms), stacked in time; colour is dB re the "
            "loudest cell. "
        )
        cap += (
            "The linear axis gives every Hz the same height, so most of the picture is "
            "high frequencies."
            if axis == "linear"
            else "The log axis gives every octave the same height, closer to how we hear."
        )
        save(fig, fname, f"Spectrogram ({title} frequency)", cap + pooled)

    fig = new_figure(10, 4)
    ax = fig.add_subplot()
    img = display.specshow(
        M_db, x_coords=edges, sr=sr, x_axis="time", y_axis="mel", fmax=fmax, ax=ax
    )
    display.colorbar(img, ax=ax)
    ax.set_title(f"Mel spectrogram in dB (128 mels, fmax {fmax / 1000:g} kHz)")
    save(
        fig,
        "06_mel_spectrogram.png",
        "Mel spectrogram",
        f"The power spectrogram summed into 128 triangular mel bands from 0 to {fmax:g} Hz: "
        "narrow bands at low frequencies, wide ones at high frequencies, like the ear. "
        "This 128 x frames matrix in dB is what most audio models take as input." + pooled,
    )
    return figs


@click.command(
    "demo",
    epilog=(
        "Examples:\n\n\b\n"
        "  melforge demo                      # the bundled speech clip, into demo-output/\n"
        "  melforge demo -o /tmp/walkthrough my_recording.wav\n"
    ),
)
@click.argument("file", required=False)
@click.option(
    "-o",
    "--output-dir",
    default="demo-output",
    show_default=True,
    help="Folder for the images, the audio and index.html.",
)
def demo(file: Optional[str], output_dir: str) -> None:
    """Walk through FILE (default: the bundled speech clip) from samples to a mel spectrogram.

    Prints the file's facts, what resampling to 16 kHz and re-quantizing to 8 and 16
    bits do (measured SNR), and writes pictures of each step plus an index.html.
    """
    t_start = time.perf_counter()
    import melforge

    path = file if file is not None else melforge.ex("speech")
    out = Path(output_dir)
    printed: list[str] = []

    def say(line: str) -> None:
        click.echo(line)
        printed.append(click.unstyle(line))

    with guarded(path):
        meta, y, sr = _facts(path, say)
        y16, _ = _resampling(y, sr, say)
        quant = _quantization(y16, say)
    with guarded(out):
        out.mkdir(parents=True, exist_ok=True)
        clip = out / Path(path).name
        if Path(path).resolve() != clip.resolve():
            shutil.copy2(path, clip)
        melforge.save(out / "resampled_16k_16bit.wav", quant[16][1], TARGET_SR, subtype="PCM_16")
        melforge.save(out / "resampled_16k_8bit.wav", quant[8][1], TARGET_SR, subtype="PCM_U8")
        figs = _figures(out, y, sr, Path(path).name)
        index = write_index(
            out,
            clip_name=clip.name,
            meta=meta,
            sr=sr,
            figures=figs,
            audio=[
                (clip.name, f"original ({sr} Hz)"),
                ("resampled_16k_16bit.wav", f"16 kHz, 16-bit (SNR {_fmt_db(quant[16][0])} dB)"),
                ("resampled_16k_8bit.wav", f"16 kHz, 8-bit (SNR {_fmt_db(quant[8][0])} dB)"),
            ],
            walkthrough="\n".join(printed),
        )
    say(click.style("4. Pictures", bold=True))
    for f in figs:
        say(f"   {out / f.filename}: {f.title}")
    say(
        f"done in {time.perf_counter() - t_start:.1f} s. Open {index} in a browser "
        f"(pictures, captions and audio players are in {out}{'/'})"
    )
