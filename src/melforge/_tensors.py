"""Recognize PyTorch tensors without importing torch.

Every public function that accepts a ``torch.Tensor`` asks :func:`is_tensor` first and
hands tensors to :mod:`melforge._torch`; numpy input never reaches that package, so
``import melforge`` and every numpy call stay free of torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["is_tensor", "any_tensor"]


def is_tensor(x: Any) -> bool:
    """Return True if ``x`` is a ``torch.Tensor`` (or subclass), without importing torch.

    Parameters
    ----------
    x : Any
        The object to test.

    Returns
    -------
    bool
        True when the object's class comes from a ``torch`` module and the class is
        (or derives from) one named ``Tensor`` (``Parameter`` and other subclasses
        included).
    """
    for cls in type(x).__mro__:
        if cls.__name__ == "Tensor" and cls.__module__.split(".")[0] == "torch":
            return True
    return False


def any_tensor(items: Any) -> bool:
    """Return True if ``items`` is a list or tuple whose first element is a tensor."""
    return isinstance(items, (list, tuple)) and len(items) > 0 and is_tensor(items[0])
