"""Every librosa function the spectral core mirrors has librosa 0.11's signature.

Parameter names, kinds (positional / keyword-only / **kwargs) and defaults must match,
so that code written for librosa runs after changing the import.
"""

from __future__ import annotations

import inspect

import pytest

import melforge as mf
from melforge import feature, filters

librosa = pytest.importorskip("librosa")

PAIRS = [
    ("hz_to_mel", mf.hz_to_mel, "hz_to_mel"),
    ("mel_to_hz", mf.mel_to_hz, "mel_to_hz"),
    ("fft_frequencies", mf.fft_frequencies, "fft_frequencies"),
    ("mel_frequencies", mf.mel_frequencies, "mel_frequencies"),
    ("frames_to_time", mf.frames_to_time, "frames_to_time"),
    ("time_to_frames", mf.time_to_frames, "time_to_frames"),
    ("samples_to_frames", mf.samples_to_frames, "samples_to_frames"),
    ("frames_to_samples", mf.frames_to_samples, "frames_to_samples"),
    ("samples_to_time", mf.samples_to_time, "samples_to_time"),
    ("time_to_samples", mf.time_to_samples, "time_to_samples"),
    ("stft", mf.stft, "stft"),
    ("istft", mf.istft, "istft"),
    ("magphase", mf.magphase, "magphase"),
    ("amplitude_to_db", mf.amplitude_to_db, "amplitude_to_db"),
    ("power_to_db", mf.power_to_db, "power_to_db"),
    ("db_to_amplitude", mf.db_to_amplitude, "db_to_amplitude"),
    ("db_to_power", mf.db_to_power, "db_to_power"),
    ("get_window", mf.get_window, "filters.get_window"),
    ("filters.get_window", filters.get_window, "filters.get_window"),
    ("filters.mel", filters.mel, "filters.mel"),
    ("feature.melspectrogram", feature.melspectrogram, "feature.melspectrogram"),
    ("feature.mfcc", feature.mfcc, "feature.mfcc"),
    ("feature.delta", feature.delta, "feature.delta"),
]


def _resolve(path: str) -> object:
    obj: object = librosa
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _shape(func: object) -> list[tuple[str, object, object]]:
    sig = inspect.signature(func)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name,ours,theirs", PAIRS, ids=[p[0] for p in PAIRS])
def test_signature_matches_librosa(name: str, ours: object, theirs: str) -> None:
    assert _shape(ours) == _shape(_resolve(theirs)), name


def test_spectral_names_resolve_from_top_level() -> None:
    for name in (
        "stft",
        "istft",
        "magphase",
        "spectrum",
        "Spectrum",
        "get_window",
        "amplitude_to_db",
        "power_to_db",
        "db_to_amplitude",
        "db_to_power",
    ):
        assert getattr(mf, name) is getattr(mf.spectral, name)


def test_first_melspectrogram_imports_no_scipy_fft_or_signal() -> None:
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, melforge\n"
        "y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)\n"
        "S = melforge.feature.melspectrogram(y=y)\n"
        "D = melforge.stft(y, window='hamming')\n"
        "db = melforge.power_to_db(S, ref=np.max)\n"
        "bad = [m for m in ('scipy.fft', 'scipy.signal', 'scipy.special') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_fft_fallback_to_scipy_is_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from melforge.spectral import _fft

    y = np.random.default_rng(0).standard_normal(6000).astype(np.float32)
    fast = mf.stft(y, n_fft=512)
    inv = mf.istft(fast)
    monkeypatch.setattr(_fft, "_backend", False)  # as if the private extension were missing
    np.testing.assert_array_equal(mf.stft(y, n_fft=512), fast)
    np.testing.assert_array_equal(mf.istft(fast), inv)


def test_fft_backend_rejects_an_incompatible_extension() -> None:
    import types

    import numpy as np

    from melforge.spectral import _fft

    def bad_r2c(a: object, axes: object, forward: bool, inorm: int, out: object, nthreads: int):
        return np.zeros((2, 4), dtype=np.complex128)  # wrong values: must be refused

    broken = types.SimpleNamespace(r2c=bad_r2c, c2r=lambda *a, **k: None)
    renamed = types.SimpleNamespace(r2c=lambda a, axes: None, c2r=lambda a, axes: None)
    assert not _fft._works(broken) and not _fft._works(renamed)
    assert _fft._works(_fft._load())  # the real extension passes the probe


def test_fft_backend_with_scipy_fft_imported_first_or_later() -> None:
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "first = sys.argv[1] == 'first'\n"
        "if first: import scipy.fft\n"
        "import melforge as mf\n"
        "from melforge.spectral import _fft\n"
        "y = np.random.default_rng(0).standard_normal(9000).astype(np.float32)\n"
        "D = mf.stft(y, n_fft=512)\n"
        "import scipy.fft\n"
        "own = sys.modules['scipy.fft._pocketfft.pypocketfft']\n"
        "assert (_fft._get() is own) == first, _fft._get()\n"
        "x = np.random.default_rng(1).standard_normal((3, 512))\n"
        "assert np.allclose(scipy.fft.irfft(scipy.fft.rfft(x), 512), x)\n"
        "w = mf.get_window('hann', 512)\n"
        "ref = scipy.fft.rfft(mf.spectral.frame(y, frame_length=512, hop_length=128).T * w)\n"
        "assert np.allclose(mf.stft(y, n_fft=512, center=False).T, ref, atol=1e-4)\n"
        "print('ok')\n"
    )
    for order in ("first", "later"):
        out = subprocess.run(
            [sys.executable, "-c", code, order], capture_output=True, text=True, check=False
        )
        assert out.stdout.strip() == "ok", order + out.stdout + out.stderr


def test_fft_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    y = np.random.default_rng(2).standard_normal((2, 40000)).astype(np.float32)
    ref = mf.stft(y, n_fft=1024)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: mf.stft(y, n_fft=1024), range(8)))
    for res in results:
        np.testing.assert_array_equal(res, ref)  # one thread per call: bit-identical
