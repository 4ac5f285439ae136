"""Fixtures of the compiler tests: convert, load and run a Pine source on small bars."""

from __future__ import annotations

import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import execute


@pytest.fixture
def run_pine(make_bars):
    """``run_pine(source, bars=None, inputs=None)`` -> the plots DataFrame (one column per
    plot title). ``bars`` is a frame, a list of closes (open = high = low = close), or None
    (ten rising bars from ``make_bars``)."""

    def run(source: str, bars=None, inputs=None) -> pd.DataFrame:
        conv = convert(source, "t.pine")
        assert conv.ok, conv.format_diagnostics()
        module = load(conv)
        if bars is None:
            frame = make_bars()
        elif isinstance(bars, pd.DataFrame):
            frame = bars
        else:
            frame = closes_frame(make_bars, bars)
        result = execute(
            module, frame, SymbolInfo.default("TEST"), Timeframe.parse("60"), inputs=inputs
        )
        return result.plots

    return run


def closes_frame(make_bars, closes) -> pd.DataFrame:
    """A frame of ``len(closes)`` hourly bars whose OHLC all equal the given close."""
    frame = make_bars(periods=len(closes)).copy()
    for column in ("open", "high", "low", "close"):
        frame[column] = [float(c) for c in closes]
    return frame
