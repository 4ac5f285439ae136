"""The broker emulator against TradingView's own Strategy Tester "List of trades" exports.

Each trade list of ``data/strategy/`` (see ``data/README.md``) is one test: the Pine strategy of
``strategies/`` that produced it (TradingView's built-in example strategies, written here, and
custom scripts reconstructed from the lists) is converted, run on the list's feed with the
export's settings, and its trades are compared with TradingView's pair by pair: direction,
entry and exit time exact, entry and exit price within 1e-9 (far below every tick), net P&L
within 0.01 (TradingView rounds the exported P&L). Trades listed in ``KNOWN-DIFFERENCES.md`` are
the only ones allowed to differ.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.providers.tradingview import read_tradingview_export
from pineopt.data.resample import resample
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import execute
from pineopt.strategy.compare import compare_trades
from pineopt.strategy.tv_trades import read_tv_trades

HERE = Path(__file__).parent
DATA = HERE / "data" / "strategy"
SCRIPTS = HERE / "strategies"

PRICE_TOLERANCE = 1e-9
PNL_TOLERANCE = 0.01

# The FX feed: US/Eastern exchange time (the exports' offsets), 5-decimal ticks, and a 0.1-unit
# quantity step for percent-of-equity sizing (TradingView's sizes: 132522.8, 87927.5, 884.4).
FX = {"timezone": "America/New_York", "mintick": 0.00001, "pointvalue": 1.0, "mincontract": 0.1}
# NYMEX_MINI:QM1! (E-mini crude oil): 0.025 ticks, 500 USD per point.
QM = {"timezone": "America/New_York", "mintick": 0.025, "pointvalue": 500.0}


@dataclass(frozen=True)
class Case:
    script: str
    feed: str
    trades: str
    symbol: dict = field(default_factory=dict)
    known: tuple[int, ...] = ()  # trade numbers in KNOWN-DIFFERENCES.md


CASES = {
    "rsi": Case("rsi.pine", "ohlcv.csv", "rsi_trades.csv", FX),
    "macd": Case("macd.pine", "ohlcv.csv", "macd_trades.csv", FX),
    "bollinger": Case("bollinger.pine", "ohlcv.csv", "bollinger_trades.csv", FX),
    "keltner": Case("keltner.pine", "ohlcv.csv", "keltnerchannel_trades.csv", FX),
    "channelbreakout": Case("channelbreakout.pine", "ohlcv.csv", "channelbreakout_trades.csv", FX),
    "supertrend": Case("supertrend.pine", "ohlcv.csv", "supertrend_trades.csv", FX),
    "barupdn": Case("barupdn.pine", "ohlcv.csv", "barupdn_trades.csv", FX),
    "slippage_basic": Case("slippage_basic.pine", "ohlcv.csv", "slippage_basic_trades.csv", FX),
    "slippage_direction": Case(
        "slippage_direction.pine",
        "slippage_direction_ohlcv.csv",
        "slippage_direction_trades.csv",
        FX,
    ),
    "slippage_limit": Case(
        "slippage_limit.pine", "slippage_limit_ohlcv.csv", "slippage_limit_trades.csv", FX
    ),
    "slippage_pyramiding": Case(
        "slippage_pyramiding.pine",
        "slippage_pyramiding_ohlcv.csv",
        "slippage_pyramiding_trades.csv",
        FX,
    ),
    "futures_pnl": Case("futures_pnl.pine", "futures_pnl_ohlcv.csv", "futures_pnl_trades.csv", QM),
}


@functools.cache
def _module(script: str):
    source = (SCRIPTS / script).read_text(encoding="utf-8")
    converted = convert(source, script)
    assert converted.ok, converted.format_diagnostics()
    return load(converted)


@functools.cache
def _feed(feed: str):
    return read_tradingview_export(DATA / feed)


@functools.cache
def _run(name: str):
    case = CASES[name]
    dataset = _feed(case.feed)
    symbol = dataset.symbol.replace(**case.symbol)
    return dataset, execute(_module(case.script), dataset.frame, symbol, dataset.timeframe)


def _tv_trades(path: Path, last_bar: pd.Timestamp) -> pd.DataFrame:
    tv = read_tv_trades(path, "America/New_York")
    # futures_pnl_trades.csv exports its still-open last trade with an empty signal (instead of
    # ``Open``) and the last bar's time and close: it is open
    last = tv.index[-1]
    signal = tv.at[last, "exit_signal"]
    unnamed = signal is None or signal != signal or signal == ""
    if unnamed and tv.at[last, "exit_time"] == last_bar:
        tv.loc[last, ["exit_time", "exit_price"]] = [pd.NaT, np.nan]
        tv.at[last, "exit_signal"] = None
    return tv


def _check(ours: pd.DataFrame, tv: pd.DataFrame, known: tuple[int, ...] = ()) -> None:
    comparison = compare_trades(ours, tv, PRICE_TOLERANCE, PNL_TOLERANCE)
    table = comparison.table
    bad = table[(table["status"] != "match") & ~table["position"].isin(known)]
    assert bad.empty, comparison.text + "\n" + bad.head(5).T.to_string()
    assert len(ours) == len(tv), comparison.text


@pytest.mark.parametrize("name", list(CASES))
def test_trade_list(name: str) -> None:
    case = CASES[name]
    dataset, result = _run(name)
    last_bar = pd.DatetimeIndex(dataset.frame.index)[-1]
    _check(result.trades, _tv_trades(DATA / case.trades, last_bar), case.known)


def test_pyramiding_position_per_bar() -> None:
    """TradingView's per-bar ``strategy.position_size`` and average entry price of the
    pyramiding export, bar for bar."""
    dataset, result = _run("slippage_pyramiding")
    tv = dataset.reference
    ours = result.plots
    size = ours["strategy.position_size"].to_numpy(dtype=np.float64)
    size_tv = tv["strategy.position_size"].to_numpy(dtype=np.float64)
    exported = ~np.isnan(size_tv)  # the export leaves the still-forming last bar empty
    assert exported[:-1].all()
    np.testing.assert_allclose(size[exported], size_tv[exported], atol=1e-9)
    avg_tv = tv["Avg Entry Price"].to_numpy(dtype=np.float64)
    avg = ours["Avg Entry Price"].to_numpy(dtype=np.float64)
    assert (np.isnan(avg) == np.isnan(avg_tv)).all()
    held = ~np.isnan(avg_tv)
    np.testing.assert_allclose(avg[held], avg_tv[held], atol=1e-9)


@functools.cache
def _magnifier_run():
    symbol = SymbolInfo.from_toml(DATA / "bar_magnifier_60m.toml")
    hourly = read_tradingview_export(DATA / "bar_magnifier_60m.csv", symbol=symbol).frame
    daily = resample(hourly, "1D", symbol)
    module = _module("bar_magnifier.pine")
    return execute(module, daily, symbol, Timeframe.parse("1D"), magnifier_frame=hourly)


def test_trade_list_bar_magnifier() -> None:
    """1D BINANCE:BTCUSDT bars aggregated from the 60-minute feed, filled on the 60-minute
    intrabars (``use_bar_magnifier = true``)."""
    result = _magnifier_run()
    tv = read_tv_trades(DATA / "bar_magnifier_tv_trades.csv", "UTC")
    _check(result.trades, tv)
