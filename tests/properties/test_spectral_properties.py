"""Properties of the spectral core (hypothesis): invertibility, batching, dtype, memory order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import melforge as mf
from melforge import feature

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def cola_case(draw: st.DrawFn) -> tuple[np.ndarray, int, int, str, bool]:
    n_fft = draw(st.sampled_from([16, 32, 64, 128, 256, 400]))
    window = draw(st.sampled_from(["hann", "hamming", "blackman"]))
    # overlap >= 75% for hann/blackman (windows that reach zero), >= 50% for hamming
    divisors = [2, 4, 8] if window == "hamming" else [4, 8]
    hop = n_fft // draw(st.sampled_from(divisors))
    n = draw(st.integers(min_value=n_fft, max_value=3000))
    seed = draw(st.integers(0, 2**32 - 1))
    y = np.random.default_rng(seed).uniform(-1, 1, n).astype(np.float32)
    return y, n_fft, hop, window, draw(st.booleans())


@SETTINGS
@given(cola_case())
def test_istft_inverts_stft(case: tuple[np.ndarray, int, int, str, bool]) -> None:
    y, n_fft, hop, window, center = case
    D = mf.stft(y, n_fft=n_fft, hop_length=hop, window=window, center=center)
    y_hat = mf.istft(D, hop_length=hop, window=window, center=center, length=len(y))
    assert y_hat.dtype == np.float32 and y_hat.shape == y.shape
    if center:
        err = np.max(np.abs(y_hat - y))
    else:  # without centring, the first and last half-window are not fully covered
        inner = slice(n_fft, max(n_fft, (D.shape[-1] - 1) * hop))
        err = np.max(np.abs(y_hat[inner] - y[inner]), initial=0.0)
    assert err <= 1e-4, err  # float32 rounding amplified by 1 / sum(w^2) at the edges


@pytest.mark.filterwarnings("ignore:n_fft=.* is too large")
@SETTINGS
@given(
    st.integers(1, 4),
    st.integers(300, 3000),
    st.sampled_from([(256, 64), (400, 160), (512, 128), (1024, 256)]),
    st.sampled_from(["constant", "reflect", "edge"]),
    st.integers(0, 2**32 - 1),
)
def test_batch_equals_per_item(
    batch: int, n: int, fft_hop: tuple, pad_mode: str, seed: int
) -> None:
    n_fft, hop = fft_hop
    y = np.random.default_rng(seed).standard_normal((batch, 2, n)).astype(np.float32)
    kw = {"n_fft": n_fft, "hop_length": hop, "pad_mode": pad_mode}
    whole = mf.stft(y, **kw)
    mel = feature.melspectrogram(y=y, sr=16000, n_mels=40, **kw)
    for i in range(batch):
        for c in range(2):
            np.testing.assert_allclose(whole[i, c], mf.stft(y[i, c], **kw), rtol=0, atol=1e-5)
            one = feature.melspectrogram(y=y[i, c], sr=16000, n_mels=40, **kw)
            np.testing.assert_allclose(mel[i, c], one, rtol=0, atol=1e-6 * max(one.max(), 1))


@SETTINGS
@given(st.integers(600, 5000), st.booleans(), st.integers(0, 2**32 - 1))
def test_float32_in_float32_out_and_order_independent(n: int, center: bool, seed: int) -> None:
    base = np.random.default_rng(seed).standard_normal((3, n)).astype(np.float32)
    y_f = np.asfortranarray(base)
    y_strided = np.repeat(base, 2, axis=-1)[:, ::2]  # non-contiguous view
    kw = {"n_fft": 512, "hop_length": 128, "center": center}
    ref = mf.stft(base, **kw)
    assert ref.dtype == np.complex64
    np.testing.assert_array_equal(mf.stft(y_f, **kw), ref)
    np.testing.assert_array_equal(mf.stft(y_strided, **kw), ref)
    m = feature.melspectrogram(y=base, n_mels=32, **kw)
    assert m.dtype == np.float32
    np.testing.assert_array_equal(feature.melspectrogram(y=y_f, n_mels=32, **kw), m)
    c = feature.mfcc(y=y_f, n_mfcc=13, n_mels=32, **kw)
    assert c.dtype == np.float32
    assert mf.power_to_db(m).dtype == np.float32
    assert mf.amplitude_to_db(np.abs(ref)).dtype == np.float32
    assert feature.delta(c, mode="nearest").dtype == np.float32


@SETTINGS
@given(st.integers(1, 5000), st.sampled_from([64, 512, 2048]), st.integers(1, 600))
def test_frame_count_and_conversions(n: int, n_fft: int, hop: int) -> None:
    y = np.zeros(n, dtype=np.float32)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        D = mf.stft(y, n_fft=n_fft, hop_length=hop)
    assert D.shape == (1 + n_fft // 2, 1 + n // hop)
    assert not D.any()
    frames = np.arange(D.shape[-1])
    np.testing.assert_array_equal(
        mf.samples_to_frames(mf.frames_to_samples(frames, hop_length=hop), hop_length=hop), frames
    )


def _peak_bytes(func: object) -> tuple[object, int]:
    import tracemalloc

    func()  # type: ignore[operator]  # warm the caches (windows, mel banks)
    tracemalloc.start()
    try:
        result = func()  # type: ignore[operator]
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_float32_is_never_upcast_or_materialised() -> None:
    # numpy reports its buffers to tracemalloc: a float64 copy of a whole spectrogram, or
    # the STFT inside melspectrogram, would show in the peak.  60 s (5.3 MB) is long
    # enough for the edge-only padding; the fixed cost is ~1 MB of frame blocks.
    y = np.random.default_rng(3).standard_normal(22050 * 60).astype(np.float32)
    fixed = 3 << 20
    D, peak = _peak_bytes(lambda: mf.stft(y))
    assert D.dtype == np.complex64 and peak <= D.nbytes + fixed  # measured +1.1 MB
    stft_power_bytes = D.nbytes // 2  # float32 |D|^2: 10.6 MB
    M, peak = _peak_bytes(lambda: feature.melspectrogram(y=y))
    assert M.dtype == np.float32 and peak <= min(M.nbytes + fixed, stft_power_bytes / 2)
    C, peak = _peak_bytes(lambda: feature.mfcc(y=y))  # mel + its dB + the DCT product
    assert C.dtype == np.float32 and peak <= min(2 * M.nbytes + fixed, stft_power_bytes / 2)
    P, A = np.abs(D) ** 2, np.abs(D)
    for func in (lambda: mf.power_to_db(P), lambda: mf.amplitude_to_db(A)):
        out, peak = _peak_bytes(func)
        assert out.dtype == np.float32 and peak <= 1.1 * out.nbytes  # in place, blockwise
    y_hat, peak = _peak_bytes(lambda: mf.istft(D))
    assert y_hat.dtype == np.float32 and peak <= 1.4 * D.nbytes  # float32 frames + OLA: 1.25
