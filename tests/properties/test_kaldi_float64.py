"""kaldi_fbank(precision="float64"): the rearranged clip path equals the step-by-step one.

Without dither or energy, float64 fbanks take a path that pre-emphasizes the whole clip
once and removes each frame's mean after pre-emphasis (linear steps reordered); with
``use_energy`` the frame-by-frame path runs.  Their filterbank columns must agree to
float64 rounding (then the float32 output rounding) on every option branch.
"""

from __future__ import annotations

import numpy as np
import pytest

from melforge.feature import kaldi_fbank


def _signal(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    y = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.01 * rng.standard_normal(n) + 0.05  # DC too
    return y.astype(np.float32)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"snip_edges": False}, {"preemphasis": 0.0}, {"remove_dc_offset": False},
     {"window": "hamming"}, {"window": "rectangular", "preemphasis": 0.5},
     {"use_power": False}, {"waveform_scale": 1.0, "window": "hanning"},
     {"num_mel_bins": 128, "keep_empty_bins": True}],
)  # fmt: skip
@pytest.mark.parametrize("n", [400, 561, 16000, 170_000])
def test_clip_path_equals_frame_path(kwargs, n):
    y = _signal(n, n)
    fast = kaldi_fbank(y, precision="float64", **kwargs)
    slow = kaldi_fbank(y, precision="float64", use_energy=True, **kwargs)[:, 1:]
    assert fast.shape == slow.shape
    # both float64 to the log; the float32 outputs differ by at most one rounding step
    np.testing.assert_allclose(fast, slow, rtol=2e-7, atol=2e-6)

