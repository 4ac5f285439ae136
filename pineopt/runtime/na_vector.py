"""Pine's ``na``, ``nz`` and ``fixnan`` over a whole history at once (the vectorised path).

Inputs are float64 numpy arrays (``na`` is NaN) holding one value per bar (LANGUAGE-NOTES §5).
v6 bools are never ``na``, so these functions are meant for numeric series only.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

__all__ = ["fixnan", "na", "nz"]


def na(x: Array) -> Array:
    """``na(x)``: a bool array, ``True`` where the value is ``na``."""
    return np.isnan(np.asarray(x, dtype=np.float64))


def nz(x: Array, replacement: float = 0.0) -> Array:
    """``nz(x, replacement)``: ``x`` with every ``na`` replaced by ``replacement`` (default 0)."""
    values = np.asarray(x, dtype=np.float64)
    return np.where(np.isnan(values), np.float64(replacement), values)


def fixnan(x: Array | float) -> Array | float:
    """``fixnan(x)``: each ``na`` replaced by the most recent non-``na`` value.

    Bars before the first non-``na`` value stay ``na``; a value fixed for the run (``fixnan(1.0)``)
    is its own last value.
    """
    values = np.asarray(x, dtype=np.float64)
    if values.ndim == 0:
        return float(values)
    if values.ndim != 1:
        raise ValueError(f"fixnan expects a 1-D series, got shape {values.shape}")
    valid = ~np.isnan(values)
    last = np.where(valid, np.arange(values.size), -1)
    np.maximum.accumulate(last, out=last)
    out = values[np.maximum(last, 0)] if values.size else values.copy()
    out[last < 0] = np.nan
    return out
