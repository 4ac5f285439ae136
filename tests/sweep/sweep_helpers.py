"""What the sweep tests share: the example strategy and a short slice of the bundled BTCUSDT
1h bars (the real Dask cluster, ``dask_cluster``, is in tests/conftest.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pineopt

ROOT = Path(pineopt.__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "sma_cross_strategy.pine"
DATA = "BTCUSDT_1h"
START, END = "2024-01-01", "2024-01-21"
#: a small grid: 7 sets once "Fast length < Slow length" holds
PARAMS = {"Fast length": "5:15:5", "Slow length": "10,20,30", "ATR stop": "false"}
CONSTRAINT = "Fast length < Slow length"


def small_sweep(**options):
    """``pineopt.sweep`` of :data:`PARAMS` under :data:`CONSTRAINT` over the short slice, no
    progress bar; ``options`` add to or replace the rest (``workers``, ``out``, ...)."""
    return pineopt.sweep(
        SCRIPT,
        DATA,
        PARAMS,
        **{"constraints": [CONSTRAINT], "start": START, "end": END, "progress": False, **options},
    )


def same(a, b) -> bool:
    """Equal values, NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b
