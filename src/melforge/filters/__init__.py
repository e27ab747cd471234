"""Filter banks: mel and DCT bases (cached read-only internally) and ``get_window``."""

from __future__ import annotations

from melforge.filters.banks import dct, dct_basis_cached, mel, mel_basis_cached
from melforge.spectral.windows import get_window

__all__ = ["dct", "dct_basis_cached", "get_window", "mel", "mel_basis_cached"]
