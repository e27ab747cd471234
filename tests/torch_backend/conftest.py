"""tests/torch_backend: the PyTorch face, collected only where torch is installed.

Run by ``make test-torch``.
Without torch nothing here is collected (no skips in ``make test``).  Every module is
marked ``torch`` (``pytestmark``); ``device`` runs it on the CPU and, when one is present, on CUDA.
"""

import importlib.util

import numpy as np
import pytest

if importlib.util.find_spec("torch") is None:
    collect_ignore_glob = ["test_*.py"]
else:
    import torch

    DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])

    @pytest.fixture(params=DEVICES)
    def device(request):
        return request.param


def max_dev(a, b):
    """Max absolute difference of a tensor (any device) and a numpy array."""
    a = a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a)
    assert a.shape == np.shape(b), (a.shape, np.shape(b))
    return float(np.max(np.abs(a.astype(np.complex128) - np.asarray(b, np.complex128))))


@pytest.fixture(scope="session")
def speech16():
    import melforge

    y, _ = melforge.load(melforge.ex("speech"), sr=16000)
    return np.ascontiguousarray(y[: 16000 * 4], dtype=np.float32)


@pytest.fixture(scope="session")
def noise():
    rng = np.random.default_rng(7)
    return rng.uniform(-0.5, 0.5, (2, 3, 12000)).astype(np.float32)
