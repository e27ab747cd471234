"""``melforge plot``: every kind to PNG/SVG/PDF; bad files exit 1, bad arguments exit 2."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from melforge.cli.main import main


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    path = tmp_path_factory.mktemp("plot") / "tone.wav"
    sr = 22050
    t = np.arange(2 * sr) / sr
    y = 0.4 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 3000 * t)
    sf.write(path, np.stack([y, 0.5 * y], axis=1), sr, subtype="PCM_16")
    return str(path)


@pytest.mark.parametrize(
    ("kind", "ext", "extra"),
    [
        ("wave", "png", []),
        ("spectrum", "svg", ["--start", "0.5", "--duration", "0.1"]),
        ("spectrogram", "pdf", ["--y-axis", "linear", "--n-fft", "1024", "--hop", "256"]),
        ("mel", "png", ["--sr", "16000", "--n-mels", "64", "--fmax", "8000"]),
    ],
)
def test_each_kind_writes_an_image(wav, tmp_path, kind, ext, extra):
    out = tmp_path / f"out.{ext}"
    result = CliRunner().invoke(main, ["plot", wav, "--kind", kind, "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[ext]
    assert out.read_bytes().startswith(magic)
    assert f"wrote {out}" in result.stdout


def test_mel_plot_of_long_input_is_pooled(tmp_path):
    from melforge.cli.plot_cmd import spectrogram_db

    sr = 8000
    y = np.zeros(sr * 600, dtype=np.float32)  # 10 minutes, 9376 frames at hop 512
    y[sr * 300 + 100] = 1.0  # one click at 5:00 must survive the pooling
    S_db, edges = spectrogram_db(y, sr=sr, n_fft=512, hop_length=512, mel=True, n_mels=32)
    assert S_db.shape[1] <= 3000 and edges.shape == (S_db.shape[1] + 1,)
    col = int(np.argmax(S_db.max(axis=0)))
    assert edges[col] <= 300.0 <= edges[col + 1]  # the column holding the click covers 5:00
    assert np.all(np.diff(edges) > 0)
    # frame t is centred at t * hop / sr: the edges are half a hop (32 ms) outside the frames
    n_frames = 1 + (y.size + 2 * 256 - 512) // 512
    assert edges[0] == pytest.approx(-0.5 * 512 / sr, abs=1e-12)
    assert edges[-1] == pytest.approx((n_frames - 0.5) * 512 / sr, abs=1e-9)


def test_one_frame_spans_one_hop_and_silence_is_minus_80_db(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from melforge.cli.plot_cmd import spectrogram_db

    sr = 22050
    S_db, edges = spectrogram_db(
        np.full(100, 0.1, np.float32), sr=sr, n_fft=2048, hop_length=512, mel=True
    )
    assert S_db.shape[1] == 1
    np.testing.assert_allclose(edges, [-256 / sr, 256 / sr], rtol=0, atol=1e-12)
    with pytest.warns(UserWarning, match="silent"):
        S_db, _ = spectrogram_db(
            np.zeros(sr, np.float32), sr=sr, n_fft=512, hop_length=256, mel=False
        )
    assert np.all(S_db == -80.0)

    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(sr), sr)
    out = tmp_path / "silence.png"
    r = CliRunner().invoke(main, ["plot", str(path), "--kind", "mel", "-o", str(out)])
    assert r.exit_code == 0 and out.exists()
    assert r.stderr.strip().startswith("melforge: warning: the excerpt is silent")


def test_bad_inputs_and_arguments(wav, tmp_path):
    runner = CliRunner()
    out = str(tmp_path / "x.png")
    r = runner.invoke(main, ["plot", wav, "-o", str(tmp_path / "x.jpg")])
    assert r.exit_code == 2 and "must end in .png, .svg, .pdf" in r.output
    r = runner.invoke(main, ["plot", wav, "--kind", "chroma", "-o", out])
    assert r.exit_code == 2 and "Invalid value for '--kind'" in r.output
    r = runner.invoke(main, ["plot", wav, "--n-fft", "0", "-o", out])
    assert r.exit_code == 2
    r = runner.invoke(main, ["plot", wav, "--sr", "fast", "-o", out])
    assert r.exit_code == 2 and "is not a sample rate" in r.output
    r = runner.invoke(main, ["plot", wav, "-o", out])  # missing -o value handled by click
    assert r.exit_code == 0
    r = runner.invoke(main, ["plot", str(tmp_path / "nope.flac"), "-o", out])
    assert r.exit_code == 1
    assert r.stderr.strip() == f"melforge: error: {tmp_path / 'nope.flac'}: no such file"
    r = runner.invoke(main, ["plot", wav, "--start", "60", "-o", out])
    assert r.exit_code == 1 and "empty" in r.stderr
    bad_out = str(tmp_path / "no" / "dir" / "x.png")
    r = runner.invoke(main, ["plot", wav, "-o", bad_out])
    assert r.exit_code == 1 and r.stderr.startswith(f"melforge: error: {bad_out}: ")
    assert "Traceback" not in r.output


def test_welch_spectrum_matches_scipy():
    from scipy import signal

    from melforge.cli.plot_cmd import welch_magnitude

    seg = 1024
    y = np.random.default_rng(1).standard_normal(seg + 9 * seg // 2)  # segments tile exactly
    ours = welch_magnitude(y, segment=seg, batch=3) ** 2
    _, theirs = signal.welch(
        y, window=np.hanning(seg), nperseg=seg, noverlap=seg // 2, detrend=False
    )
    ratio = ours[1:-1] / theirs[1:-1]  # scipy scales by a constant (density, one-sided)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)  # same shape to 1e-9


def test_long_spectrum_is_averaged(wav, tmp_path, monkeypatch):
    import melforge.cli.plot_cmd as plot_cmd

    # a 2 s file over a 1000-sample limit takes the Welch path (a one-hour file: 2.8 s and
    # 0.45 GB instead of 27 s and 5.1 GB for one 79-million-point DFT)
    monkeypatch.setattr(plot_cmd, "_MAX_SPECTRUM", 1000)
    monkeypatch.setattr(plot_cmd, "_WELCH_SEGMENT", 4096)
    out = tmp_path / "spectrum.png"
    r = CliRunner().invoke(main, ["plot", wav, "--kind", "spectrum", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\x89PNG")
