"""scipy.fft.set_workers gives melforge's FFTs threads without changing a bit."""

from __future__ import annotations

import numpy as np
import scipy.fft

import melforge


def test_set_workers_is_honoured_and_bit_identical(rng):
    from melforge.spectral import _fft

    y = rng.standard_normal((8, 16000)).astype(np.float32)
    one = melforge.feature.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=80)
    spec = melforge.stft(y, n_fft=512)
    assert _fft._workers() == 1
    with scipy.fft.set_workers(2):
        assert _fft._workers() == 2
        two = melforge.feature.melspectrogram(
            y=y, sr=16000, n_fft=400, hop_length=160, n_mels=80
        )
        spec2 = melforge.stft(y, n_fft=512)
        back = melforge.istft(spec2, n_fft=512, length=y.shape[-1])
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(spec, spec2)
    np.testing.assert_array_equal(back, melforge.istft(spec, n_fft=512, length=y.shape[-1]))
