"""librosa's ``util`` helpers: framing, padding, normalization, peaks, masks, examples.

``melforge.util.frame`` and friends have librosa 0.11's names, arguments, defaults and
results; ``melforge.util.example`` / ``ex`` / ``example_info`` / ``list_examples`` are
the example loaders of :mod:`melforge.examples`, found here as in librosa.
"""

from __future__ import annotations

from melforge.examples import ex, example, example_info, list_examples
from melforge.util.arrays import (
    buf_to_float,
    expand_to,
    fix_frames,
    fix_length,
    frame,
    normalize,
    pad_center,
    stack,
    tiny,
    valid_audio,
)
from melforge.util.peaks import localmax, peak_pick, softmask

__all__ = [
    "frame",
    "pad_center",
    "fix_length",
    "fix_frames",
    "normalize",
    "valid_audio",
    "stack",
    "expand_to",
    "peak_pick",
    "localmax",
    "softmask",
    "tiny",
    "buf_to_float",
    "ex",
    "example",
    "example_info",
    "list_examples",
]
