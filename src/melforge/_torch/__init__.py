"""The PyTorch face of melforge's recipes (optional: ``pip install melforge[torch]``).

Public functions send ``torch.Tensor`` input here (see :mod:`melforge._tensors`); the
recipes are the numpy ones, written with ``torch`` operations so that they run on any
device, batched over clips, and return tensors on the input's device and dtype.  The
constant arrays (windows, mel and DCT bases) are melforge's own cached numpy arrays,
copied once per device and dtype (:func:`melforge._torch.core.constant`).

Nothing outside this package imports torch, and nothing imports this package unless a
tensor was passed in.
"""
