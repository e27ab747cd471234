"""Padding, truncation and attention masks with transformers' ``pad()`` semantics.

transformers' ``SequenceFeatureExtractor.pad`` is the rule every Hugging Face audio
extractor applies to its sequences (raw samples, or frames of features): each item is
truncated to ``max_length`` if ``truncation``, then padded with ``padding_value`` on
``padding_side`` to the longest item (``padding=True``/``"longest"``) or to
``max_length`` (``"max_length"``), the target rounded up to ``pad_to_multiple_of``; the
attention mask is 1 on real steps and 0 on padding (int32).  Items here have time on
their **first** axis, ``(t,)`` or ``(t, f)``, as transformers pads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from melforge._errors import ParameterError

__all__ = ["PadResult", "padding_strategy", "pad_sequences"]

_STRATEGIES = {True: "longest", False: "do_not_pad", None: "do_not_pad"}
_NAMES = ("longest", "max_length", "do_not_pad")


def padding_strategy(padding: Any, max_length: Optional[int]) -> str:
    """Return ``"longest"``, ``"max_length"`` or ``"do_not_pad"`` for a ``padding`` value.

    Parameters
    ----------
    padding : bool or str
        ``True``/``"longest"``, ``"max_length"``, ``False``/``"do_not_pad"``.
    max_length : int or None
        Needed by ``"max_length"``.

    Returns
    -------
    str
        The strategy's name.

    Raises
    ------
    ParameterError
        An unknown value, or ``"max_length"`` without ``max_length``.
    """
    if isinstance(padding, (bool, type(None))):
        strategy = _STRATEGIES[padding]
    elif isinstance(padding, str) and padding in _NAMES:
        strategy = padding
    else:
        raise ParameterError(
            f"padding={padding!r} must be True, False, 'longest', 'max_length' or 'do_not_pad'"
        )
    if strategy == "max_length" and max_length is None:
        raise ParameterError("padding='max_length' needs max_length (an integer)")
    return strategy


def _round_up(n: int, multiple: Optional[int]) -> int:
    if multiple is None or n % multiple == 0:
        return n
    return (n // multiple + 1) * multiple


def _check_options(
    padding: Any,
    max_length: Optional[int],
    truncation: bool,
    pad_to_multiple_of: Optional[int],
    padding_side: str,
) -> str:
    """Validate the padding options (see :func:`pad_sequences`); return the strategy."""
    strategy = padding_strategy(padding, max_length)
    if truncation and max_length is None:
        raise ParameterError("truncation=True needs max_length (an integer)")
    for name, value in (("max_length", max_length), ("pad_to_multiple_of", pad_to_multiple_of)):
        if value is not None and (
            not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1
        ):
            raise ParameterError(f"{name}={value!r} must be a positive integer or None")
    if padding_side not in ("right", "left"):
        raise ParameterError(f"padding_side={padding_side!r} must be 'right' or 'left'")
    return strategy


def _target(
    strategy: str,
    lengths: Sequence[int] | np.ndarray,
    max_length: Optional[int],
    pad_to_multiple_of: Optional[int],
) -> Optional[int]:
    """Return the padded length of ``strategy`` (None for "do_not_pad"), rounded up."""
    if strategy == "longest":
        target = int(np.max(lengths)) if len(lengths) else 0
    elif strategy == "max_length":
        target = int(max_length)  # type: ignore[arg-type]
    else:
        return None
    return _round_up(target, pad_to_multiple_of)


@dataclass(frozen=True)
class PadResult:
    """What :func:`pad_sequences` returns.

    Attributes
    ----------
    values : np.ndarray or list of np.ndarray
        One array ``(batch, T, ...)`` when every item has the same length after
        padding, else the list of items (``padding="do_not_pad"`` on ragged input).
    mask : np.ndarray or list of np.ndarray or None
        int32 attention mask of the same layout (1 = real step), when requested.
    lengths : np.ndarray
        int64 real (unpadded, truncated) length of each item.
    """

    values: Any
    mask: Any
    lengths: np.ndarray


def pad_sequences(
    items: Sequence[np.ndarray],
    *,
    padding: Any = True,
    max_length: Optional[int] = None,
    truncation: bool = False,
    pad_to_multiple_of: Optional[int] = None,
    return_attention_mask: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> PadResult:
    """Truncate and pad items (time first) as transformers' ``pad()`` does.

    Parameters
    ----------
    items : sequence of np.ndarray [shape=(t_i,) or (t_i, f)]
        The sequences, time on the first axis.
    padding, max_length, truncation, pad_to_multiple_of, return_attention_mask
        transformers' options of the same names (see the module docstring).
    padding_value : float
        The value written into padded steps.
    padding_side : {"right", "left"}
        Where the padding goes.

    Returns
    -------
    PadResult
        The padded values, the mask (or None) and the real lengths.

    Raises
    ------
    ParameterError
        Bad options: unknown ``padding``, ``truncation`` without ``max_length``, a
        non-positive ``max_length``/``pad_to_multiple_of``, or an unknown side.
    """
    strategy = _check_options(padding, max_length, truncation, pad_to_multiple_of, padding_side)

    if truncation:
        limit = _round_up(int(max_length), pad_to_multiple_of)  # type: ignore[arg-type]
        items = [x[:limit] for x in items]
    lengths = np.array([x.shape[0] for x in items], dtype=np.int64)
    target = _target(strategy, lengths, max_length, pad_to_multiple_of)

    if target is None and len({x.shape for x in items}) == 1:
        target = int(lengths[0])  # equal lengths stack, as transformers' arrays do
    if target is None or int(lengths.max()) > target:
        # Ragged: unpadded, or items longer than max_length without truncation (which
        # transformers leaves as they are); each item is padded on its own.
        out, masks = [], []
        for x, n in zip(items, lengths, strict=True):
            pad = 0 if target is None else max(0, target - int(n))
            width = (pad, 0) if padding_side == "left" else (0, pad)
            out.append(np.pad(x, [width] + [(0, 0)] * (x.ndim - 1), constant_values=padding_value))
            masks.append(np.pad(np.ones(int(n), dtype=np.int32), width))
        return PadResult(values=out, mask=masks if return_attention_mask else None,
                         lengths=lengths)  # fmt: skip

    # One output array, filled in place: np.pad per item and np.stack would copy twice.
    dtype = np.result_type(*items) if items else np.float32
    values = np.empty((len(items), target, *items[0].shape[1:]), dtype=dtype)
    mask = np.zeros((len(items), target), dtype=np.int32) if return_attention_mask else None
    for i, (x, n) in enumerate(zip(items, lengths, strict=True)):
        m = int(n)
        real = slice(target - m, target) if padding_side == "left" else slice(0, m)
        values[i, real] = x
        values[i, slice(0, target - m) if padding_side == "left" else slice(m, target)] = (
            padding_value
        )
        if mask is not None:
            mask[i, real] = 1
    return PadResult(values=values, mask=mask, lengths=lengths)


def pad_plan(
    lengths: Sequence[int],
    *,
    padding: Any = True,
    max_length: Optional[int] = None,
    truncation: bool = False,
    pad_to_multiple_of: Optional[int] = None,
    padding_side: str = "right",
) -> tuple[list[int], Optional[int], bool]:
    """Plan what :func:`pad_sequences` does to items of ``lengths``, without the items.

    For backends that pad their own arrays (the torch one): the same checks and rules.

    Returns
    -------
    lengths : list of int
        Real lengths after truncation.
    target : int or None
        The padded length (None: items keep their own lengths).
    stacked : bool
        True when the items form one ``(batch, target)`` array; False for a list.
    """
    strategy = _check_options(padding, max_length, truncation, pad_to_multiple_of, padding_side)
    real = [int(n) for n in lengths]
    if truncation:
        limit = _round_up(int(max_length), pad_to_multiple_of)  # type: ignore[arg-type]
        real = [min(n, limit) for n in real]
    target = _target(strategy, real, max_length, pad_to_multiple_of)
    if target is None and len(set(real)) == 1:
        target = real[0]
    stacked = target is not None and max(real) <= target
    return real, target, stacked
