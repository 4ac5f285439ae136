"""Fixtures of the broker-emulator tests: tiny Pine v6 strategies on hand-made bars."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.frame import to_ohlcv
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import execute


def bars_frame(bars, start="2024-01-01"):
    """An hourly UTC frame from ``(open, high, low, close)`` tuples (volume 1)."""
    index = pd.date_range(start, periods=len(bars), freq="h", tz="UTC")
    columns = ["open", "high", "low", "close"]
    frame = pd.DataFrame([[float(x) for x in bar] for bar in bars], columns=columns, index=index)
    frame["volume"] = 1.0
    return to_ohlcv(frame)


@pytest.fixture
def run_strategy():
    """``run_strategy(source, bars, **overrides)``: convert and run a Pine strategy over the
    ``(open, high, low, close)`` tuples ``bars`` on symbol T (mintick 0.01, point value 1),
    hourly, with ``overrides`` of its ``strategy()`` parameters."""

    def run(source, bars, *, mintick=0.01, mincontract=0.0, **overrides):
        module = load(convert(textwrap.dedent(source).strip() + "\n", "t.pine"))
        symbol = SymbolInfo(ticker="T", mintick=mintick, mincontract=mincontract)
        return execute(
            module,
            bars_frame(bars),
            symbol,
            Timeframe.parse("60"),
            strategy=overrides or None,
        )

    return run
