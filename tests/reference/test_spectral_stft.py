"""Parity of the spectral core with librosa 0.11: conversions, windows, stft, istft, magphase.

Tolerances: complex STFTs and signals are compared as max |ours - librosa| relative to
the reference's peak magnitude, with the bound 1e-5 from the issue (measured: <= 2e-7
for float32, 0 for float64).  Conversions are float64 and compared at 1e-12 relative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.signal

import melforge as mf

librosa = pytest.importorskip("librosa")

REL = 1e-5  # max abs difference / reference peak, float32 features


def _signals(sr: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(n + sr)
    t = np.arange(n) / sr
    clicks = np.zeros(n)
    clicks[:: max(1, n // 5)] = 1.0
    return {
        "sine": 0.5 * np.sin(2 * np.pi * 440.0 * t),
        "chirp": 0.8 * np.sin(2 * np.pi * (100 * t + 0.5 * (sr / 4) * t**2 / max(t[-1], 1e-9))),
        "noise": 0.3 * rng.standard_normal(n),
        "silence": np.zeros(n),
        "clicks": clicks,
    }


def _rel(ours: np.ndarray, ref: np.ndarray) -> float:
    peak = float(np.max(np.abs(ref))) if ref.size else 0.0
    err = float(np.max(np.abs(ours.astype(np.complex128) - ref))) if ref.size else 0.0
    return err / peak if peak > 0 else err


# ---------------------------------------------------------------- conversions
@pytest.mark.parametrize("htk", [False, True])
def test_mel_hz_scales(htk: bool) -> None:
    f = np.array([0.0, 20.0, 440.0, 999.9, 1000.0, 1000.1, 4000.0, 11025.0, 22050.0])
    np.testing.assert_allclose(mf.hz_to_mel(f, htk=htk), librosa.hz_to_mel(f, htk=htk), rtol=1e-12)
    m = librosa.hz_to_mel(f, htk=htk)
    np.testing.assert_allclose(mf.mel_to_hz(m, htk=htk), librosa.mel_to_hz(m, htk=htk), rtol=1e-12)
    for scalar in (0.0, 500.0, 3000.0):  # scalars stay scalars
        assert np.ndim(mf.hz_to_mel(scalar, htk=htk)) == 0
        assert mf.hz_to_mel(scalar, htk=htk) == pytest.approx(librosa.hz_to_mel(scalar, htk=htk))
        assert mf.mel_to_hz(scalar / 100, htk=htk) == pytest.approx(
            librosa.mel_to_hz(scalar / 100, htk=htk)
        )


@pytest.mark.parametrize(
    "kw", [{}, {"sr": 16000, "n_fft": 400}, {"sr": 8000, "n_fft": 255}, {"sr": 44100.0}]
)
def test_fft_frequencies(kw: dict) -> None:
    np.testing.assert_array_equal(mf.fft_frequencies(**kw), librosa.fft_frequencies(**kw))


@pytest.mark.parametrize(
    "kw", [{}, {"n_mels": 40, "fmin": 20.0, "fmax": 8000.0}, {"n_mels": 10, "htk": True}]
)
def test_mel_frequencies(kw: dict) -> None:
    np.testing.assert_allclose(mf.mel_frequencies(**kw), librosa.mel_frequencies(**kw), rtol=1e-12)


def test_frame_time_sample_conversions() -> None:
    frames = np.arange(0, 50, 7)
    samples = np.array([0, 1, 511, 512, 513, 10_000])
    times = np.array([0.0, 0.01, 0.5, 1.234])
    for kw in ({}, {"hop_length": 256}, {"hop_length": 160, "n_fft": 400}):
        np.testing.assert_array_equal(
            mf.frames_to_samples(frames, **kw), librosa.frames_to_samples(frames, **kw)
        )
        np.testing.assert_array_equal(
            mf.samples_to_frames(samples, **kw), librosa.samples_to_frames(samples, **kw)
        )
        for sr in (22050, 16000):
            np.testing.assert_array_equal(
                mf.frames_to_time(frames, sr=sr, **kw), librosa.frames_to_time(frames, sr=sr, **kw)
            )
            np.testing.assert_array_equal(
                mf.time_to_frames(times, sr=sr, **kw), librosa.time_to_frames(times, sr=sr, **kw)
            )
    np.testing.assert_array_equal(mf.samples_to_time(samples, sr=8000), samples / 8000.0)
    np.testing.assert_array_equal(
        mf.time_to_samples(times, sr=16000), librosa.time_to_samples(times, sr=16000)
    )
    assert mf.frames_to_samples(3) == librosa.frames_to_samples(3)


# ---------------------------------------------------------------- windows
@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "boxcar", "bartlett"])
@pytest.mark.parametrize("n", [1, 2, 7, 400, 2048])
@pytest.mark.parametrize("fftbins", [True, False])
def test_get_window_numpy_path_bit_exact(name: str, n: int, fftbins: bool) -> None:
    # computed with numpy, must equal scipy.signal exactly (max diff 0)
    ours = mf.get_window(name, n, fftbins=fftbins)
    np.testing.assert_array_equal(ours, scipy.signal.get_window(name, n, fftbins=fftbins))


@pytest.mark.parametrize(
    "spec", [("kaiser", 8.0), ("tukey", 0.25), "cosine", 4.0, ("gaussian", 50)]
)
def test_get_window_delegated(spec: object) -> None:
    np.testing.assert_array_equal(mf.get_window(spec, 512), librosa.filters.get_window(spec, 512))


def test_get_window_array_and_callable() -> None:
    w = np.linspace(0, 1, 16)
    np.testing.assert_array_equal(mf.get_window(w, 16), w)
    np.testing.assert_array_equal(mf.get_window(np.hanning, 16), np.hanning(16))
    mf.get_window("hann", 16)[0] = 5.0  # a fresh writable copy: the cache is unaffected
    assert mf.get_window("hann", 16)[0] == 0.0


# ---------------------------------------------------------------- stft
STFT_CASES = [
    {},
    {"center": False},
    {"pad_mode": "reflect"},
    {"pad_mode": "edge", "hop_length": 2000},
    {"pad_mode": "symmetric", "n_fft": 400, "hop_length": 160, "window": ("kaiser", 4.0)},
    {"pad_mode": "linear_ramp", "n_fft": 255, "hop_length": 7},
    {"n_fft": 512, "hop_length": 100, "win_length": 300, "window": "hamming"},
    {"n_fft": 1024, "hop_length": 1024, "window": "blackman"},
    {"n_fft": 256, "window": np.hanning(256)},
]


@pytest.mark.parametrize("sr,n", [(8000, 300), (16000, 4097), (22050, 22050), (44100, 30000)])
@pytest.mark.parametrize("case", range(len(STFT_CASES)))
def test_stft_matches_librosa(sr: int, n: int, case: int) -> None:
    kw = STFT_CASES[case]
    if kw.get("center", True) is False and n < kw.get("n_fft", 2048):
        pytest.skip("uncentered analysis needs n >= n_fft (tested in errors)")
    for name, sig in _signals(sr, n).items():
        y = sig.astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # n_fft > len warnings
            ref = librosa.stft(y, **kw)
            ours = mf.stft(y, **kw)
        assert ours.shape == ref.shape and ours.dtype == np.complex64, name
        assert _rel(ours, ref) <= REL, (name, _rel(ours, ref))


def test_stft_float64_is_bit_exact() -> None:
    y = np.random.default_rng(1).standard_normal(9000)
    ref = librosa.stft(y, n_fft=512, hop_length=128, pad_mode="reflect")
    ours = mf.stft(y, n_fft=512, hop_length=128, pad_mode="reflect")
    assert ours.dtype == np.complex128
    np.testing.assert_array_equal(ours, ref)  # same float64 arithmetic: max diff 0


def test_stft_multichannel_and_out() -> None:
    y = np.random.default_rng(2).standard_normal((2, 3, 5000)).astype(np.float32)
    ref = librosa.stft(y, n_fft=512)
    ours = mf.stft(y, n_fft=512)
    assert ours.shape == ref.shape == (2, 3, 257, 40)
    assert _rel(ours, ref) <= REL
    out = np.zeros((2, 3, 257, 45), dtype=np.complex64)
    res = mf.stft(y, n_fft=512, out=out)
    assert np.shares_memory(res, out) and res.shape[-1] == 40
    assert _rel(out[..., :40], ref) <= REL and not out[..., 40:].any()


def test_stft_dtype_argument() -> None:
    y = np.random.default_rng(3).standard_normal(4000).astype(np.float32)
    ours = mf.stft(y, n_fft=256, dtype=np.complex128)
    ref = librosa.stft(y, n_fft=256, dtype=np.complex128)
    assert ours.dtype == np.complex128
    assert _rel(ours, ref) <= REL  # we transform in float64 here, librosa too


# ---------------------------------------------------------------- istft, magphase
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"center": False},
        {"length": 31111},
        {"length": 20000, "center": False},
        {"n_fft": 512, "hop_length": 128, "win_length": 400, "window": "hamming"},
    ],
)
def test_istft_matches_librosa(kw: dict) -> None:
    y = (0.5 * np.random.default_rng(4).standard_normal(30000)).astype(np.float32)
    skw = {
        k: v
        for k, v in kw.items()
        if k in ("n_fft", "hop_length", "win_length", "window", "center")
    }
    D = librosa.stft(y, **skw)
    ref = librosa.istft(D, **kw)
    ours = mf.istft(D, **kw)
    assert ours.shape == ref.shape and ours.dtype == np.float32
    # relative to the signal's peak; measured ~1e-6 (OLA sums in float32)
    assert np.max(np.abs(ours - ref)) <= 1e-5 * np.max(np.abs(ref))


def test_istft_multichannel() -> None:
    y = np.random.default_rng(5).standard_normal((2, 8000)).astype(np.float32)
    D = librosa.stft(y, n_fft=256)
    np.testing.assert_allclose(mf.istft(D, length=8000), librosa.istft(D, length=8000), atol=1e-5)


def test_magphase_matches_librosa() -> None:
    D = librosa.stft(np.random.default_rng(6).standard_normal(4000).astype(np.float32), n_fft=256)
    D[3, 2] = 0  # the zero-magnitude convention: phase 1
    for power in (1, 2):
        m_ref, p_ref = librosa.magphase(D, power=power)
        m, p = mf.magphase(D, power=power)
        np.testing.assert_array_equal(m, m_ref)  # same numpy operations: exact
        np.testing.assert_array_equal(p, p_ref)
    assert mf.magphase(D)[1][3, 2] == 1


def test_frame_matches_librosa_util_frame() -> None:
    x = np.arange(100, dtype=np.float32)
    ref = librosa.util.frame(x, frame_length=10, hop_length=7)
    ours = mf.spectral.frame(x, frame_length=10, hop_length=7)
    np.testing.assert_array_equal(ours, ref)
    assert not ours.flags.writeable and np.shares_memory(ours, x)
    padded = mf.spectral.center_pad(x, n_fft=16, pad_mode="reflect")
    np.testing.assert_array_equal(padded, np.pad(x, 8, mode="reflect"))


@pytest.mark.parametrize("n_fft", [128, 255, 512])
def test_istft_n_fft_other_than_the_matrix(n_fft: int) -> None:
    # the half spectrum is cropped / zero-padded to n_fft // 2 + 1 bins, as scipy's irfft
    D = librosa.stft(np.random.default_rng(7).standard_normal(6000).astype(np.float32), n_fft=256)
    ref = librosa.istft(D, n_fft=n_fft)
    ours = mf.istft(D, n_fft=n_fft)
    assert ours.shape == ref.shape
    assert np.max(np.abs(ours - ref)) <= 1e-5 * np.max(np.abs(ref))  # measured ~2e-7


@pytest.mark.parametrize("clip", ["speech", "music", "chirp"])
def test_stft_istft_on_bundled_clips(clip: str) -> None:
    y, sr = mf.load(mf.ex(clip), sr=None)  # real audio at its native rate, float32
    ref = librosa.stft(y)
    ours = mf.stft(y)
    assert ours.dtype == np.complex64 and ours.shape == ref.shape
    assert _rel(ours, ref) <= REL  # measured <= 1.6e-7
    hop = 400 if sr > 30000 else 256
    D = librosa.stft(y, n_fft=1024, hop_length=hop, window="hamming")
    kw = {"hop_length": hop, "window": "hamming", "length": len(y)}
    y_ref = librosa.istft(D, **kw)
    y_ours = mf.istft(D, **kw)
    assert y_ours.dtype == np.float32
    assert np.max(np.abs(y_ours - y_ref)) <= REL * np.max(np.abs(y_ref))  # measured ~3e-7


@pytest.mark.filterwarnings("ignore:Empty filters detected")  # 128 mels on n_fft 255/256
@pytest.mark.parametrize("case", [0, 2, 3, 4, 5, 8])
def test_stft_edge_framing_of_long_signals(case: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # signals over 4 MiB build only their edge frames from a padded copy; force that
    # path on short signals and compare with librosa
    from melforge.spectral import framing

    monkeypatch.setattr(framing, "_SMALL_BYTES", 0)
    kw = STFT_CASES[case]
    for n in (4097, 22050):
        for name, sig in _signals(16000, n).items():
            y = sig.astype(np.float32)
            ref = librosa.stft(y, **kw)
            ours = mf.stft(y, **kw)
            assert ours.shape == ref.shape
            assert _rel(ours, ref) <= REL, (name, n)  # measured <= 2e-7
            mel = mf.feature.melspectrogram(y=y[None], sr=16000, **kw)[0]
            mel_ref = librosa.feature.melspectrogram(y=y, sr=16000, **kw)
            assert _rel(mel, mel_ref) <= REL, (name, n)


def test_istft_out_and_cached_windows() -> None:
    from melforge.spectral.windows import padded_window

    D = librosa.stft(np.random.default_rng(10).standard_normal(5000).astype(np.float32), n_fft=512)
    out = np.full(5000, np.nan, dtype=np.float32)
    res = mf.istft(D, length=5000, out=out)
    assert res is out
    ref = librosa.istft(D, length=5000)
    assert np.max(np.abs(out - ref)) <= 1e-5 * np.max(np.abs(ref))  # measured ~2e-7
    with pytest.raises(mf.ParameterError, match=r"Shape mismatch for provided output array"):
        mf.istft(D, length=5000, out=np.empty(4999, dtype=np.float32))
    cached = padded_window("hann", 400, 512, np.float32)
    assert not cached.flags.writeable and cached is padded_window("hann", 400, 512, np.float32)
    w = mf.get_window("hann", 512)
    w[:] = 0  # a fresh writable copy: the cache is untouched
    assert mf.get_window("hann", 512).any() and mf.stft(np.ones(2048), n_fft=512).any()
