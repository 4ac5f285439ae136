"""``pineopt.runtime.na_vector`` against TradingView's ``base/na.csv`` chart export.

``val`` is ``bar_index`` on even bars and ``na`` on odd ones; ``na(val)`` is plotted as 0 when
``na`` else 1. Every column must match exactly, ``na`` pattern included (see ``data/README.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.data.providers.tradingview import read_tradingview_export
from pineopt.runtime.na_vector import fixnan, na, nz

DATA = Path(__file__).parent / "data" / "base" / "na.csv"


@cache
def _reference() -> pd.DataFrame:
    return read_tradingview_export(DATA).reference


def _val(n: int) -> np.ndarray:
    bar_index = np.arange(n, dtype=np.float64)
    return np.where(bar_index % 2 == 0, bar_index, np.nan)


CASES: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [
    ("val", lambda v: v),
    ("na(val)", lambda v: np.where(na(v), 0.0, 1.0)),
    ("nz(val)", nz),
    ("nz(val, 2)", lambda v: nz(v, 2)),
    ("fixnan(val)", fixnan),
]


def test_export_has_300_bars_and_the_expected_columns():
    reference = _reference()
    assert len(reference) == 300
    assert list(reference.columns) == [case[0] for case in CASES]


@pytest.mark.parametrize(("column", "fn"), CASES, ids=[case[0] for case in CASES])
def test_column_matches_tradingview_exactly(column: str, fn) -> None:
    tv = _reference()[column].to_numpy(dtype=np.float64)
    ours = np.asarray(fn(_val(len(tv))), dtype=np.float64)
    # assert_array_equal treats NaN == NaN, so this checks the na pattern and values exactly.
    np.testing.assert_array_equal(ours, tv, err_msg=column)
