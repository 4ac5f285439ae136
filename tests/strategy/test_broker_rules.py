"""Broker rules measured on TradingView's trade lists (tests/conformance/test_strategy_trades.py),
each on a few hand-made bars."""

from __future__ import annotations

import textwrap

import pandas as pd

from pineopt.compiler import convert, load
from pineopt.data.frame import to_ohlcv
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import execute

HEAD = (
    "//@version=6\n"
    'strategy("t", initial_capital=100000, default_qty_type=strategy.fixed, '
    "default_qty_value=1)\n"
)


def run(body: str, bars: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    module = load(convert(HEAD + textwrap.dedent(body).strip() + "\n", "t.pine"))
    index = pd.date_range("2024-01-01", periods=len(bars), freq="h", tz="UTC")
    frame = pd.DataFrame(bars, columns=["open", "high", "low", "close"], index=index, dtype=float)
    frame["volume"] = 1.0
    symbol = SymbolInfo(ticker="T", mintick=0.01)
    result = execute(module, to_ohlcv(frame), symbol, Timeframe.parse("60"))
    return result.trades


def trades(frame: pd.DataFrame) -> list[tuple]:
    return [
        (
            t.direction,
            t.entry_bar,
            round(t.entry_price, 9),
            None if t.is_open else round(t.exit_price, 9),
            t.qty,
        )
        for t in frame.itertuples()
    ]


FLAT = (100.0, 100.0, 100.0, 100.0)


def test_stop_levels_round_away_from_the_market_to_the_tick() -> None:
    # bollinger_trades.csv: a buy stop at 1.133933427 fills at 1.13394 (up), a sell stop at
    # 1.140083 at 1.14008 (down)
    body = """
    if bar_index == 0
        strategy.entry("L", strategy.long, stop = 100.004)
    if bar_index == 2
        strategy.close("L")
    """
    assert trades(run(body, [FLAT, (100, 100.02, 99.9, 100), FLAT, FLAT])) == [
        ("long", 1, 100.01, 100.0, 1.0)
    ]
    # the high 100.005 is below the rounded level: no fill
    assert trades(run(body, [FLAT, (100, 100.005, 99.9, 100), FLAT, FLAT])) == []


def test_float_noise_does_not_move_a_level_a_tick() -> None:
    # channelbreakout_trades.csv: a sell stop at lowest(low) - mintick = 1.13641 - 0.00001
    # (1.1363999999...) fills on a bar whose low is 1.1364
    body = """
    if bar_index == 0
        strategy.entry("S", strategy.short, stop = 100.13 - 0.01)
    if bar_index == 2
        strategy.close("S")
    """
    bars = [(101, 101, 101, 101), (101, 101, 100.12, 100.5), FLAT, FLAT]
    assert trades(run(body, bars)) == [("short", 1, 100.12, 100.0, 1.0)]


def test_pyramiding_is_judged_when_the_bar_starts() -> None:
    # channelbreakout_trades.csv: long, with a long and a short stop pending; the path reaches
    # the short stop (reversal), then the long stop: the long entry, which the position could
    # not take when the bar started, does not fill
    body = """
    if bar_index == 0
        strategy.entry("L", strategy.long)
    if bar_index == 1
        strategy.entry("L", strategy.long, stop = 103)
        strategy.entry("S", strategy.short, stop = 98)
    """
    bars = [FLAT, FLAT, (99, 104, 97, 103.5), (103.5, 104, 103, 103.5)]
    assert trades(run(body, bars)) == [
        ("long", 1, 100.0, 98.0, 1.0),
        ("short", 2, 98.0, None, 1.0),
    ]


def test_an_entry_placed_while_flat_only_closes_what_it_meets() -> None:
    # slippage_limit_trades.csv trade 6: a short limit placed while flat fills after a long
    # was opened: it closes the long and opens nothing
    body = """
    if bar_index == 0
        strategy.entry("S", strategy.short, limit = 105)
    if bar_index == 1
        strategy.entry("L", strategy.long)
    """
    bars = [FLAT, FLAT, FLAT, (100, 106, 99, 104), FLAT]
    assert trades(run(body, bars)) == [("long", 2, 100.0, 105.0, 1.0)]


def test_a_reversal_size_is_fixed_when_placed() -> None:
    # slippage_limit_trades.csv trade 21: a long limit placed while short 1 is sized 2; the
    # short is stopped out before the limit fills, which then opens a long of 2
    body = """
    if bar_index == 0
        strategy.entry("S", strategy.short)
    if bar_index == 1
        strategy.entry("L", strategy.long, limit = 95)
        strategy.exit("x", "S", stop = 102)
    """
    bars = [FLAT, FLAT, (100, 103, 99, 101), (101, 101, 94, 96), (96, 96, 96, 96)]
    assert trades(run(body, bars)) == [
        ("short", 1, 100.0, 102.0, 1.0),
        ("long", 3, 95.0, None, 2.0),
    ]


def test_trade_times_keep_the_bars_time_type_when_every_trade_is_open(run_strategy):
    """The only trade still open: its exit time is NaT, and the column is still the bars'
    time type (UTC), as when some trade has closed (a report compares it with bar times)."""
    source = """//@version=6
strategy("open only")
if bar_index == 1
    strategy.entry("L", strategy.long)
"""
    result = run_strategy(source, [(10, 11, 9, 10)] * 5)
    trades = result.trades
    assert len(trades) == 1 and bool(trades["is_open"].iloc[0])
    assert str(trades["exit_time"].dtype) == str(trades["entry_time"].dtype)
    assert str(trades["exit_time"].dt.tz) == "UTC"
