"""Parity with librosa 0.11: filters.mel, melspectrogram, mfcc, delta, dB conversions, spectrum.

Tolerances (max |ours - librosa|):
* mel banks: 0 (same float64 recipe, same float32 rounding);
* melspectrogram / mfcc / delta: <= 1e-5 x the reference's peak |value| (issue target;
  measured <= 5e-7 for mel and mfcc, 2e-6 for a 3rd-order delta);
* dB conversions of the same input: 1e-4 dB absolute, about 10 float32 ulps at 100 dB
  (measured 0: the same sequence of numpy operations);
* spectrum: against the explicit numpy computation, 1e-5 of the peak (float32 FFT).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import melforge as mf
from melforge import feature, filters

librosa = pytest.importorskip("librosa")

REL = 1e-5
DB_ATOL = 1e-4


def _rel(ours: np.ndarray, ref: np.ndarray) -> float:
    peak = float(np.max(np.abs(ref)))
    err = float(np.max(np.abs(ours.astype(np.float64) - ref)))
    return err / peak if peak > 0 else err


def _signal(kind: str, sr: int, n: int) -> np.ndarray:
    t = np.arange(n) / sr
    rng = np.random.default_rng(n)
    if kind == "sine":
        y = 0.5 * np.sin(2 * np.pi * 1000.0 * t)
    elif kind == "chirp":
        y = 0.5 * np.sin(2 * np.pi * (50 * t + sr / 8 * t**2 / max(t[-1], 1e-9)))
    elif kind == "noise":
        y = 0.3 * rng.standard_normal(n)
    elif kind == "clicks":
        y = np.zeros(n)
        y[:: max(1, n // 4)] = 0.9
    else:
        y = np.zeros(n)
    return y.astype(np.float32)


MEL_CASES = [
    {"sr": 22050, "n_fft": 2048},
    {"sr": 16000, "n_fft": 400, "n_mels": 80, "htk": True},
    {"sr": 16000, "n_fft": 512, "norm": None, "fmin": 50.0, "fmax": 7000.0},
    {"sr": 8000, "n_fft": 256, "n_mels": 40, "norm": 2.0},
    {"sr": 8000, "n_fft": 256, "n_mels": 40, "norm": np.inf, "dtype": np.float64},
    {"sr": 44100, "n_fft": 1024, "n_mels": 64, "norm": 1},
]


@pytest.mark.parametrize("kw", MEL_CASES)
def test_filters_mel_exact(kw: dict) -> None:
    ref = librosa.filters.mel(**kw)
    ours = filters.mel(**kw)
    assert ours.dtype == ref.dtype and ours.flags.writeable
    np.testing.assert_array_equal(ours, ref)
    assert not filters.mel_basis_cached(**kw).flags.writeable


def test_filters_mel_empty_warning() -> None:
    with pytest.warns(UserWarning, match="Empty filters"):
        filters.mel(sr=8000, n_fft=128, n_mels=128)


def test_filters_dct_is_orthonormal_dct2() -> None:
    import scipy.fft

    x = np.random.default_rng(0).standard_normal((40, 7))
    ref = scipy.fft.dct(x, axis=0, type=2, norm="ortho")[:13]
    np.testing.assert_allclose(filters.dct(13, 40) @ x, ref, atol=1e-12)


MELSPEC_CASES = [
    {},
    {"n_mels": 40, "power": 1.0, "center": False},
    {"sr": 16000, "n_fft": 400, "hop_length": 160, "n_mels": 80},
    {"htk": True, "fmin": 100.0, "fmax": 5000.0, "norm": None, "pad_mode": "reflect"},
    {"sr": 8000, "n_fft": 256, "hop_length": 64, "win_length": 200, "window": "hamming"},
]


@pytest.mark.parametrize("kind", ["sine", "chirp", "noise", "clicks", "silence"])
@pytest.mark.parametrize("n", [1500, 22050])
@pytest.mark.parametrize("case", range(len(MELSPEC_CASES)))
def test_melspectrogram_matches_librosa(kind: str, n: int, case: int) -> None:
    kw = MELSPEC_CASES[case]
    if kw.get("center", True) is False and n < kw.get("n_fft", 2048):
        pytest.skip("uncentered analysis needs n >= n_fft")
    y = _signal(kind, kw.get("sr", 22050), n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ref = librosa.feature.melspectrogram(y=y, **kw)
        ours = feature.melspectrogram(y=y, **kw)
    assert ours.shape == ref.shape and ours.dtype == np.float32
    assert _rel(ours, ref) <= REL, _rel(ours, ref)


def test_melspectrogram_from_S_and_batch() -> None:
    y = np.random.default_rng(1).standard_normal((3, 2, 6000)).astype(np.float32)
    S = np.abs(librosa.stft(y, n_fft=1024)) ** 2
    ref = librosa.feature.melspectrogram(S=S, sr=16000, n_mels=64)
    assert _rel(feature.melspectrogram(S=S, sr=16000, n_mels=64), ref) <= REL
    ref = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=1024, n_mels=64)
    ours = feature.melspectrogram(y=y, sr=16000, n_fft=1024, n_mels=64)
    assert ours.shape == ref.shape == (3, 2, 64, 12)
    assert _rel(ours, ref) <= REL


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"n_mfcc": 13, "lifter": 22},
        {"dct_type": 1, "norm": None},
        {"dct_type": 2, "norm": None},
        {"dct_type": 3, "norm": "ortho"},
        {"sr": 16000, "n_fft": 400, "hop_length": 160, "n_mels": 40, "mel_norm": None},
        {"n_mfcc": 200, "n_mels": 64},
    ],
)
@pytest.mark.parametrize("kind", ["chirp", "noise", "clicks", "silence"])
def test_mfcc_matches_librosa(kw: dict, kind: str) -> None:
    y = _signal(kind, kw.get("sr", 22050), 12000)
    ref = librosa.feature.mfcc(y=y, **kw)
    ours = feature.mfcc(y=y, **kw)
    assert ours.shape == ref.shape and ours.dtype == np.float32
    assert _rel(ours, ref) <= REL, _rel(ours, ref)


def test_mfcc_from_S_multichannel() -> None:
    y = np.random.default_rng(2).standard_normal((2, 9000)).astype(np.float32)
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=y))
    assert _rel(feature.mfcc(S=S, n_mfcc=13), librosa.feature.mfcc(S=S, n_mfcc=13)) <= REL
    ref = librosa.feature.mfcc(y=y, lifter=10)
    assert _rel(feature.mfcc(y=y, lifter=10), ref) <= REL
    S16 = S.astype(np.float16)  # scipy's DCT computes float16 in float32, as ours then does
    ours = feature.mfcc(S=S16)
    assert ours.dtype == np.float32 and _rel(ours, librosa.feature.mfcc(S=S16)) <= REL


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"order": 2},
        {"width": 3},
        {"width": 5, "mode": "nearest"},
        {"mode": "mirror"},
        {"mode": "constant"},
        {"mode": "wrap", "order": 2, "width": 7},
        {"axis": 0, "width": 5},
        {"polyorder": 3, "order": 2},
        {"order": 3, "width": 11},
        {"order": 3, "polyorder": 2},  # derivative above the fit's degree: zeros
    ],
)
def test_delta_matches_librosa(kw: dict) -> None:
    x = np.random.default_rng(3).standard_normal((13, 50)).astype(np.float32)
    ref = librosa.feature.delta(x, **kw)
    ours = feature.delta(x, **kw)
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    assert _rel(ours, ref) <= REL, _rel(ours, ref)


def test_delta_float64_and_3d() -> None:
    x = np.random.default_rng(4).standard_normal((2, 13, 20))
    np.testing.assert_allclose(feature.delta(x), librosa.feature.delta(x), atol=1e-12)


@pytest.mark.parametrize(
    "kw",
    [{}, {"ref": np.max}, {"ref": 0.5, "top_db": None}, {"amin": 1e-6, "top_db": 40.0}],
)
def test_power_and_amplitude_to_db(kw: dict) -> None:
    y = _signal("chirp", 22050, 30000)
    D = librosa.stft(y)
    P = np.abs(D) ** 2  # Fortran-ordered, like stft's output
    for S in (P, np.ascontiguousarray(P), P[::2, 1::3], P.astype(np.float64)):
        ref = librosa.power_to_db(S, **kw)
        ours = mf.power_to_db(S, **kw)
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        np.testing.assert_allclose(ours, ref, rtol=0, atol=DB_ATOL)
        A = np.sqrt(S)
        akw = {**kw, "amin": kw.get("amin", 1e-10) ** 0.5} if "amin" in kw else kw
        np.testing.assert_allclose(
            mf.amplitude_to_db(A, **akw), librosa.amplitude_to_db(A, **akw), rtol=0, atol=DB_ATOL
        )
    assert mf.power_to_db(2.0) == pytest.approx(librosa.power_to_db(2.0))
    with pytest.warns(UserWarning, match="complex input"):
        np.testing.assert_allclose(mf.amplitude_to_db(D), librosa.amplitude_to_db(np.abs(D)))


def test_db_inverses() -> None:
    x = np.linspace(-80, 10, 50, dtype=np.float32)
    for ref in (1.0, 2.5):
        np.testing.assert_array_equal(mf.db_to_power(x, ref=ref), librosa.db_to_power(x, ref=ref))
        np.testing.assert_array_equal(
            mf.db_to_amplitude(x, ref=ref), librosa.db_to_amplitude(x, ref=ref)
        )
    assert mf.db_to_power(x).dtype == np.float32


@pytest.mark.parametrize("n,n_fft", [(1000, None), (1000, 4096), (257, None)])
def test_spectrum_is_the_textbook_rfft(n: int, n_fft: int | None) -> None:
    sr = 8000
    x = _signal("chirp", sr, n)
    s = mf.spectrum(x, sr=sr, n_fft=n_fft)
    ref = np.fft.rfft(np.hanning(n) * x.astype(np.float64), n=n_fft)  # symmetric np.hanning
    assert s.values.dtype == np.complex64
    assert np.max(np.abs(s.values - ref)) <= REL * np.max(np.abs(ref))
    size = n_fft or n
    np.testing.assert_allclose(s.frequencies, np.fft.rfftfreq(size, 1 / sr))
    assert s.sr == sr and s.n_fft == size
    np.testing.assert_allclose(s.power, s.magnitude**2, rtol=1e-6)
    db = s.db(ref=np.max)
    assert db.max() == 0.0
    np.testing.assert_allclose(db, librosa.amplitude_to_db(s.magnitude, ref=np.max), atol=DB_ATOL)
    peak_hz = s.frequencies[np.argmax(s.magnitude)]
    assert 0 <= peak_hz <= sr / 2


def test_power_to_db_nan_poisons_the_top_db_clamp() -> None:
    S = (np.random.default_rng(8).random((300, 300)) * 1e3).astype(np.float32)
    S[5, 7] = np.nan  # librosa: log_spec.max() is NaN, so every value becomes NaN
    assert np.isnan(librosa.power_to_db(S)).all()
    assert np.isnan(mf.power_to_db(S)).all()
    assert np.isnan(mf.amplitude_to_db(S)).all()
    assert np.isnan(mf.power_to_db(S, top_db=None)).sum() == 1  # no clamp: one NaN


@pytest.mark.parametrize("clip", ["speech", "music", "chirp"])
def test_features_on_bundled_clips(clip: str) -> None:
    y, sr = mf.load(mf.ex(clip), sr=None)  # real audio at its native rate, float32
    ref = librosa.feature.melspectrogram(y=y, sr=sr)
    ours = feature.melspectrogram(y=y, sr=sr)
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    assert _rel(ours, ref) <= REL  # measured <= 3e-7
    db_ref = librosa.power_to_db(ref, ref=np.max)
    db = mf.power_to_db(ref, ref=np.max)
    assert db.dtype == np.float32
    np.testing.assert_allclose(db, db_ref, rtol=0, atol=DB_ATOL)  # measured 0
    A = np.sqrt(ref)
    np.testing.assert_allclose(
        mf.amplitude_to_db(A, ref=np.max), librosa.amplitude_to_db(A, ref=np.max),
        rtol=0, atol=DB_ATOL,
    )  # fmt: skip
    kw = {"n_mfcc": 13, "lifter": 22}
    m_ref = librosa.feature.mfcc(y=y, sr=sr, **kw)
    m = feature.mfcc(y=y, sr=sr, **kw)
    assert m.dtype == np.float32
    assert _rel(m, m_ref) <= REL  # measured <= 2e-6 (dB values up to ~600)
    d_ref = librosa.feature.delta(m_ref, order=2)
    assert _rel(feature.delta(m_ref, order=2), d_ref) <= REL


@pytest.mark.parametrize("func", ["power_to_db", "amplitude_to_db"])
@pytest.mark.parametrize(
    "ref",
    [lambda S: np.max(S, axis=0), lambda S: np.max(S, axis=-1, keepdims=True), np.full(60, 0.3)],
    ids=["per-frame", "per-band", "array"],
)
def test_db_with_an_array_reference(func: str, ref: object) -> None:
    S = (np.random.default_rng(9).random((40, 60)) ** 4).astype(np.float32)
    for top_db in (80.0, 10.0, None):
        ours = getattr(mf, func)(S, ref=ref, top_db=top_db)
        theirs = getattr(librosa, func)(S, ref=ref, top_db=top_db)
        assert ours.dtype == theirs.dtype == np.float32
        np.testing.assert_array_equal(ours, theirs)  # same numpy operations: exact
