"""Properties of the integer PCM helpers, for arbitrary signals."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

import melforge

signals = arrays(
    np.float64,
    st.integers(1, 300),
    elements=st.floats(-1.0, 1.0, allow_nan=False, width=64),
)


@settings(max_examples=60, deadline=None)
@given(y=signals, bits=st.sampled_from([8, 16, 24, 32]))
def test_quantize_is_to_float_of_to_int(y, bits):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # +1.0 clips to the top level
        via_int = melforge.to_float(melforge.to_int(y, bits), bits, dtype=np.float64)
    q = melforge.quantize(y, bits)
    np.testing.assert_array_equal(q, via_int)
    # within half an LSB, except the clipped top value
    lsb = 2.0 ** (1 - bits)
    assert np.all(np.abs(q - y)[y < 1 - lsb] <= lsb / 2)
    # idempotent
    np.testing.assert_array_equal(melforge.quantize(q, bits), q)


@settings(max_examples=40, deadline=None)
@given(y=signals, bits=st.integers(2, 24))
def test_quantize_float32_in_float32_out(y, bits):
    y32 = y.astype(np.float32)
    q = melforge.quantize(y32, bits)
    assert q.dtype == np.float32 and q.shape == y32.shape
    k = q.astype(np.float64) * 2 ** (bits - 1)
    np.testing.assert_array_equal(k, np.round(k))
    assert k.min() >= -(2 ** (bits - 1)) and k.max() <= 2 ** (bits - 1) - 1
