"""``melforge demo``: facts, resampling and quantization numbers, pictures and index.html."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from melforge.cli.main import main

PICTURES = [
    "01_waveform.png",
    "02_hann_window.png",
    "03_spectrum.png",
    "04_spectrogram_linear.png",
    "05_spectrogram_log.png",
    "06_mel_spectrogram.png",
]


@pytest.mark.slow
def test_demo_on_the_bundled_speech_clip(tmp_path):
    out = tmp_path / "demo-output"
    r = CliRunner().invoke(main, ["demo", "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = r.stdout
    assert "sample rate 22050 Hz" in text and "11025 Hz" in text
    assert "2^16 = 65,536 levels" in text and "98.1 dB" in text
    snr16 = float(re.search(r"16 bits: .*measured SNR ([\d.]+) dB", text).group(1))
    snr8 = float(re.search(r" 8 bits: .*measured SNR ([\d.]+) dB", text).group(1))
    assert snr16 - snr8 == pytest.approx(8 * 6.02, abs=1.5)  # six dB per bit
    for name in PICTURES:
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    assert (out / "speech.flac").exists()
    page = (out / "index.html").read_text()
    assert '<audio controls preload="none" src="speech.flac">' in page
    assert all(f'src="{name}"' in page for name in PICTURES)
    assert page.count("<figcaption>") == len(PICTURES)
    assert str(out / "index.html") in text.splitlines()[-1]


def test_demo_on_a_user_file(tmp_path):
    src = tmp_path / "tone.wav"
    sr = 8000
    t = np.arange(sr) / sr
    sf.write(src, 0.5 * np.sin(2 * np.pi * 440 * t), sr, subtype="PCM_24")
    out = tmp_path / "walk"
    r = CliRunner().invoke(main, ["demo", "-o", str(out), str(src)])
    assert r.exit_code == 0, r.output
    assert "bit depth 24" in r.stdout and "4000 Hz" in r.stdout
    assert "upsampling adds no information" in r.stdout  # 8 kHz -> 16 kHz -> 8 kHz
    assert (out / "tone.wav").exists() and (out / "index.html").exists()
    assert sf.info(out / "resampled_16k_8bit.wav").subtype == "PCM_U8"


def test_demo_errors(tmp_path):
    r = CliRunner().invoke(main, ["demo", "-o", str(tmp_path), str(tmp_path / "nope.wav")])
    assert (
        r.exit_code == 1
        and r.stderr.strip() == f"melforge: error: {tmp_path / 'nope.wav'}: no such file"
    )
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = CliRunner().invoke(main, ["demo", "-o", str(blocker / "sub")])
    assert r.exit_code == 1 and r.stderr.startswith("melforge: error: ")


def test_demo_refuses_a_too_short_file(tmp_path):
    src = tmp_path / "click.wav"
    sf.write(src, np.ones(1) * 0.5, 22050)
    r = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "out"), str(src)])
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        f"melforge: error: {src}: the demo needs at least 64 samples; the file has 1"
    )


def test_demo_warns_about_a_silent_clip(tmp_path):
    src = tmp_path / "silence.wav"
    sf.write(src, np.zeros(4000), 8000)
    r = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "out"), str(src)])
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith(f"melforge: warning: {src} is silent")


def test_energy_above_8_khz_exact_and_averaged():
    from melforge.cli.demo_cmd import _fraction_above

    sr = 22050
    for n in (sr, (1 << 20) + 12345):  # one DFT; Welch-averaged beyond 2^20 samples
        t = np.arange(n) / sr
        y = np.sin(2 * np.pi * 1000 * t) + 0.1 * np.sin(2 * np.pi * 9000 * t)
        # 1 % of the power (0.1^2) lies above 8 kHz: within 0.05 dB either way
        assert 10 * np.log10(_fraction_above(y, sr, 8000.0)) == pytest.approx(
            10 * np.log10(0.01 / 1.01), abs=0.05
        )
