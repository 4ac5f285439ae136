"""The Result of a run: its plots, trades and equity frames are built when first read."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.frame import to_ohlcv
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import Later, Result, execute
from pineopt.strategy.metrics import to_json

STRATEGY = """//@version=6
strategy("lazy", default_qty_type=strategy.fixed, default_qty_value=1)
plot(close, "close")
if bar_index % 3 == 0
    strategy.entry("L", strategy.long)
if bar_index % 3 == 2
    strategy.close("L")
"""

LAZY = ("plots", "trades", "equity", "strategy")


def run():
    module = load(convert(STRATEGY, "lazy.pine"))
    index = pd.date_range("2024-01-01", periods=12, freq="h", tz="UTC")
    close = [10.0 + i % 4 for i in range(12)]
    frame = pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": 1.0}, index=index
    )
    return execute(module, to_ohlcv(frame), SymbolInfo(ticker="T"), Timeframe.parse("60"))


def test_frames_are_built_on_first_read_and_kept():
    result = run()
    account = result.metrics["all"]
    count = account["total_closed_trades"] + account["total_open_trades"]
    assert all(isinstance(result.__dict__[name], Later) for name in LAZY)
    trades = result.trades
    assert len(trades) == count > 1 and result.trades is trades
    assert not isinstance(result.__dict__["trades"], Later)
    assert result.equity is result.strategy.equity  # one broker result serves both
    assert list(result.plots.columns) == ["close"]


def test_pickling_builds_every_frame():
    result = run()
    copy = pickle.loads(pickle.dumps(result))
    assert not any(isinstance(value, Later) for value in copy.__dict__.values())
    for name in ("plots", "trades", "equity"):
        pd.testing.assert_frame_equal(getattr(copy, name), getattr(result, name))
    assert to_json(copy.metrics) == to_json(result.metrics)


def test_plain_values_and_defaults():
    plots = pd.DataFrame({"x": [1.0]})
    result = Result(plots=plots)
    assert result.plots is plots and result.trades is None and result.equity is None
    result.trades = pd.DataFrame()
    assert result.trades is not None
    with pytest.raises(TypeError):
        Result()  # the plots are required
