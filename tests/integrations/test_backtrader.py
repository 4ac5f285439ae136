"""The backtrader bridge: a converted Pine strategy run inside Cerebro, against PineOpt's own
broker emulator (identical trades where the engines agree, the documented differences where
they do not)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest

bt = pytest.importorskip("backtrader")

import pineopt  # noqa: E402
from pineopt.compiler import convert, load  # noqa: E402
from pineopt.data.frame import to_ohlcv  # noqa: E402
from pineopt.data.symbol import SymbolInfo  # noqa: E402
from pineopt.data.timeframe import Timeframe  # noqa: E402
from pineopt.errors import DataError, PineRuntimeError  # noqa: E402
from pineopt.integrations.backtrader import (  # noqa: E402
    PineStrategy,
    pandas_feed,
    run_in_cerebro,
)
from pineopt.runtime.engine import execute  # noqa: E402

PACKAGE = Path(pineopt.__file__).parent

SMA_CROSS = """
//@version=6
strategy("SMA cross", overlay=true, default_qty_type=strategy.fixed, default_qty_value=1)
fast = ta.sma(close, input.int(10, "Fast"))
slow = ta.sma(close, input.int(30, "Slow"))
if ta.crossover(fast, slow)
    strategy.entry("L", strategy.long)
if ta.crossunder(fast, slow)
    strategy.entry("S", strategy.short)
"""

BREAKOUT = """
//@version=6
strategy("Breakout", default_qty_type=strategy.fixed, default_qty_value=1)
hh = ta.highest(high, 20)
ll = ta.lowest(low, 20)
if strategy.position_size <= 0
    strategy.entry("L", strategy.long, stop=hh)
if strategy.position_size >= 0
    strategy.entry("S", strategy.short, stop=ll)
"""

LIMIT_DIP = """
//@version=6
strategy("Limit dip", default_qty_type=strategy.fixed, default_qty_value=1)
sma = ta.sma(close, 20)
if strategy.position_size == 0
    strategy.entry("L", strategy.long, limit=sma * 0.99)
if strategy.position_size > 0 and close > sma * 1.01
    strategy.close("L")
"""

BRACKET = """
//@version=6
strategy("Bracket", default_qty_type=strategy.fixed, default_qty_value=1)
if bar_index == 2
    strategy.entry("L", strategy.long)
strategy.exit("X", "L", limit=110, stop=90)
"""

MIXED = """
//@version=6
strategy("Mixed", default_qty_type=strategy.fixed, default_qty_value=1)
if strategy.position_size == 0 and bar_index % 10 == 0
    strategy.entry("L", strategy.long, limit=close * 0.995)
if bar_index % 10 == 3
    strategy.cancel("L")
if strategy.position_size > 0 and strategy.opentrades.entry_bar_index(0) < bar_index - 5
    strategy.close_all()
if bar_index % 50 == 25
    strategy.order("O", strategy.short, 2)
if bar_index % 50 == 35
    strategy.order("O2", strategy.long, 2)
"""

OCA = """
//@version=6
strategy("OCA", default_qty_type=strategy.fixed, default_qty_value=1)
hh = ta.highest(high, 10)
ll = ta.lowest(low, 10)
if strategy.position_size == 0
    strategy.entry("L", strategy.long, stop=hh, oca_name="g", oca_type=strategy.oca.cancel)
    strategy.entry("S", strategy.short, stop=ll, oca_name="g", oca_type=strategy.oca.cancel)
if strategy.position_size != 0 and bar_index - strategy.opentrades.entry_bar_index(0) >= 8
    strategy.close_all()
"""

SYMBOL = SymbolInfo(ticker="T", mintick=0.01)


def _source(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


def _bars(bars: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=len(bars), freq="h", tz="UTC")
    frame = pd.DataFrame(bars, columns=["open", "high", "low", "close"], index=index, dtype=float)
    frame["volume"] = 1.0
    return to_ohlcv(frame)


def _pineopt(source: str, frame: pd.DataFrame, symbol: SymbolInfo = SYMBOL, **kw):
    module = load(convert(_source(source), "t.pine"))
    timeframe = Timeframe.parse("60")
    return execute(module, frame, symbol, timeframe, **kw)


@pytest.fixture(scope="module")
def btc() -> pineopt.Dataset:
    return pineopt.load("BTCUSDT", "1h", provider="sample")


@pytest.fixture(scope="module")
def frame(btc) -> pd.DataFrame:
    return btc.frame.iloc[:3000]


def _no_script_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name == "pineopt-script"]


# ------------------------------------------------------------------ identical trades


def test_sma_cross_trades_identical_to_the_emulator(btc, frame) -> None:
    ours = _pineopt(SMA_CROSS, frame, btc.symbol)
    cerebro, strat, trades = run_in_cerebro(_source(SMA_CROSS), frame, symbol=btc.symbol)
    assert len(trades) == len(ours.trades) > 50
    # directions, entry/exit bars, times, prices, qty, P&L, signals, MFE/MAE: all of it
    pd.testing.assert_frame_equal(trades, ours.trades)
    comparison = pineopt.compare_trades(trades, ours.trades)
    assert comparison.summary["all_match"]
    # the script saw backtrader's equity; the curves agree
    diff = (strat.pine_equity["equity"] - ours.equity["equity"]).abs().max()
    assert diff < 1e-6
    assert cerebro.broker.getvalue() == pytest.approx(ours.equity["equity"].iloc[-1])


@pytest.mark.parametrize(
    "overrides",
    [
        {"default_qty_type": "strategy.percent_of_equity", "default_qty_value": 10},
        {"commission_type": "strategy.commission.percent", "commission_value": 0.1},
        {"commission_type": "strategy.commission.cash_per_order", "commission_value": 3},
        {"commission_type": "strategy.commission.cash_per_contract", "commission_value": 2},
        {"slippage": 2, "default_qty_value": 2},
        {"process_orders_on_close": True},
    ],
)
def test_strategy_settings_map_to_the_broker(btc, frame, overrides) -> None:
    ours = _pineopt(SMA_CROSS, frame, btc.symbol, strategy=overrides)
    _, strat, trades = run_in_cerebro(
        _source(SMA_CROSS), frame, symbol=btc.symbol, strategy=overrides
    )
    comparison = pineopt.compare_trades(trades, ours.trades, price_tolerance=1e-6)
    assert comparison.summary["all_match"], comparison.summary["text"]
    pd.testing.assert_frame_equal(trades, ours.trades, check_exact=False, rtol=1e-9)
    diff = (strat.pine_equity["equity"] - ours.equity["equity"]).abs().max()
    assert diff < 1e-6


@pytest.mark.parametrize(
    "source",
    [BREAKOUT, LIMIT_DIP, MIXED, OCA],
    ids=["stop-entries", "limit-entry-close", "cancel-close_all-order", "oca-cancel"],
)
def test_stop_and_limit_entries_identical(btc, frame, source) -> None:
    ours = _pineopt(source, frame, btc.symbol)
    _, _, trades = run_in_cerebro(_source(source), frame, symbol=btc.symbol)
    assert len(trades) > 20
    pd.testing.assert_frame_equal(trades, ours.trades)


@pytest.mark.parametrize(
    ("entry", "gap_bar", "price"),
    [
        ("stop=105", (110.0, 112.0, 108.0, 111.0), 110.0),  # a buy stop gapped over: the open
        ("limit=95", (90.0, 92.0, 88.0, 91.0), 90.0),  # a buy limit gapped under: the open
    ],
)
def test_gaps_fill_at_the_open_in_both(entry, gap_bar, price) -> None:
    source = f"""
    //@version=6
    strategy("Gap", default_qty_type=strategy.fixed, default_qty_value=1)
    if bar_index == 1
        strategy.entry("L", strategy.long, {entry})
    if bar_index == 3
        strategy.close("L")
    """
    flat = (100.0, 101.0, 99.0, 100.0)
    frame = _bars([flat, flat, gap_bar, flat, flat, flat])
    ours = _pineopt(source, frame)
    _, _, trades = run_in_cerebro(_source(source), frame, symbol=SYMBOL)
    pd.testing.assert_frame_equal(trades, ours.trades)
    assert trades["entry_price"].tolist() == [price]
    assert trades["entry_bar"].tolist() == [2]
    assert trades["exit_bar"].tolist() == [4]


# ------------------------------------------------------------------ documented differences


def test_exit_on_the_entry_bar_differs() -> None:
    """TradingView's bracket can fill on its entry's bar; backtrader's starts the bar after."""
    flat = (100.0, 101.0, 99.0, 100.0)
    bars = [flat, flat, flat, (100.0, 101.0, 89.0, 95.0), (95.0, 96.0, 94.0, 95.0)]
    bars += [(95.0, 96.0, 80.0, 85.0), flat]
    frame = _bars(bars)
    ours = _pineopt(BRACKET, frame)
    _, _, trades = run_in_cerebro(_source(BRACKET), frame, symbol=SYMBOL)
    assert ours.trades[["entry_bar", "exit_bar", "exit_price"]].values.tolist() == [[3, 3, 90.0]]
    # backtrader: entered at the same bar and price, stopped out two bars later
    assert trades[["entry_bar", "entry_price"]].values.tolist() == [[3, 100.0]]
    assert trades[["exit_bar", "exit_price", "exit_signal"]].values.tolist() == [[5, 90.0, "X"]]


def test_both_bracket_legs_in_one_bar_differ() -> None:
    """Both legs inside one bar: TradingView follows the intrabar path (open nearer the low:
    the low first, the stop), backtrader fills the leg sent first (the take profit)."""
    flat = (100.0, 101.0, 99.0, 100.0)
    frame = _bars([flat, flat, flat, flat, (95.0, 111.0, 89.0, 100.0), flat])
    ours = _pineopt(BRACKET, frame)
    _, _, trades = run_in_cerebro(_source(BRACKET), frame, symbol=SYMBOL)
    assert ours.trades[["exit_bar", "exit_price"]].values.tolist() == [[4, 90.0]]
    assert trades[["exit_bar", "exit_price"]].values.tolist() == [[4, 110.0]]
    assert trades["entry_bar"].tolist() == ours.trades["entry_bar"].tolist() == [3]


def test_exit_bracket_matches_once_active(btc, frame) -> None:
    """A bracket placed every bar on a position already open: same fills as the emulator
    except where its entry bar already reached a level."""
    source = """
    //@version=6
    strategy("Bracket", default_qty_type=strategy.fixed, default_qty_value=1)
    if ta.crossover(ta.sma(close, 10), ta.sma(close, 30)) and strategy.position_size == 0
        strategy.entry("L", strategy.long)
    strategy.exit("X", "L", profit=30000, loss=20000)
    """
    ours = _pineopt(source, frame, btc.symbol).trades
    _, _, trades = run_in_cerebro(_source(source), frame, symbol=btc.symbol)
    assert len(trades) == len(ours) > 20
    same = trades["exit_bar"] == ours["exit_bar"]
    assert same.mean() > 0.9
    # every difference is an exit TradingView took on the entry bar
    differ = ours[~same]
    assert (differ["exit_bar"] == differ["entry_bar"]).all()
    assert (trades.loc[~same, "exit_bar"] > differ["exit_bar"]).all()
    columns = [c for c in ours.columns if c != "cum_profit"]  # differs after a difference
    pd.testing.assert_frame_equal(trades.loc[same, columns], ours.loc[same, columns])


def test_trailing_stops_are_refused() -> None:
    source = """
    //@version=6
    strategy("Trail", default_qty_type=strategy.fixed, default_qty_value=1)
    if bar_index == 1
        strategy.entry("L", strategy.long)
    strategy.exit("X", "L", trail_points=100, trail_offset=50)
    """
    frame = _bars([(100.0, 101.0, 99.0, 100.0)] * 5)
    with pytest.raises(PineRuntimeError, match="trailing stops are not supported"):
        run_in_cerebro(_source(source), frame, symbol=SYMBOL)
    assert _no_script_threads()


# ------------------------------------------------------------------ the thread and errors


def test_the_script_thread_ends(btc, frame) -> None:
    _, strat, _ = run_in_cerebro(_source(SMA_CROSS), frame, symbol=btc.symbol)
    assert not strat._runner.thread.is_alive()
    assert strat._runner.thread.daemon
    assert _no_script_threads()


def test_a_shorter_feed_unwinds_the_script(btc, frame) -> None:
    """The script's frame runs longer than the feed: the thread is released at stop()."""
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(pandas_feed(frame.iloc[:1000]))
    cerebro.addstrategy(PineStrategy, script=_source(SMA_CROSS), frame=frame, symbol=btc.symbol)
    strat = cerebro.run()[0]
    assert not strat._runner.thread.is_alive()
    assert _no_script_threads()
    full = _pineopt(SMA_CROSS, frame, btc.symbol).trades
    closed = strat.pine_trades[~strat.pine_trades["is_open"]]
    assert len(closed) > 10
    pd.testing.assert_frame_equal(closed, full.iloc[: len(closed)])


def test_a_script_error_is_a_pine_runtime_error_with_its_line() -> None:
    source = """
    //@version=6
    strategy("E", default_qty_type=strategy.fixed, default_qty_value=1)
    a = array.new_float(0)
    if bar_index == 5
        strategy.entry("L", strategy.long)
        x = array.get(a, 3)
    """
    frame = _bars([(100.0, 101.0, 99.0, 100.0)] * 10)
    with pytest.raises(PineRuntimeError) as info:
        run_in_cerebro(_source(source), frame, symbol=SYMBOL)
    assert info.value.pine_line == 6
    assert info.value.bar_index == 5
    assert str(info.value).startswith("line 6: ")
    assert _no_script_threads()


def test_an_error_before_the_bar_loop_surfaces_at_start() -> None:
    source = """
    //@version=6
    strategy("E")
    x = ta.sma(close, input.int(0, "Length"))
    if x > 0
        strategy.entry("L", strategy.long)
    """
    frame = _bars([(100.0, 101.0, 99.0, 100.0)] * 10)
    with pytest.raises(PineRuntimeError):
        run_in_cerebro(_source(source), frame, symbol=SYMBOL)
    assert _no_script_threads()


def test_a_different_feed_is_refused(btc, frame) -> None:
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(pandas_feed(frame.iloc[1:]))
    cerebro.addstrategy(PineStrategy, script=_source(SMA_CROSS), frame=frame, symbol=btc.symbol)
    with pytest.raises(DataError, match="same bars"):
        cerebro.run()
    assert _no_script_threads()


# ------------------------------------------------------------------ backtrader's side


def test_by_hand_with_analyzers_and_the_feed_frame(btc, frame) -> None:
    """PineStrategy in a user's Cerebro: the frame comes from the PandasData feed; backtrader's
    analyzers see the same trades; inputs and overrides pass through."""
    cerebro = bt.Cerebro()
    cerebro.adddata(pandas_feed(frame))
    cerebro.broker.setcash(100_000)
    cerebro.addstrategy(
        PineStrategy,
        script=convert(_source(SMA_CROSS), "s.pine"),
        inputs={"Fast": 12},
        overrides={"default_qty_value": 2},
    )
    cerebro.addanalyzer(bt.analyzers.TradeAnalyzer, _name="trades")
    cerebro.addanalyzer(bt.analyzers.DrawDown, _name="drawdown")
    strat = cerebro.run()[0]
    ours = _pineopt(SMA_CROSS, frame, inputs={"Fast": 12}, strategy={"default_qty_value": 2}).trades
    pd.testing.assert_frame_equal(strat.pine_trades, ours)
    analysis = strat.analyzers.trades.get_analysis()
    closed = ours[~ours["is_open"]]
    assert analysis.total.closed == len(closed)
    assert analysis.total.open == int(ours["is_open"].sum())
    assert analysis.won.total == int((closed["profit"] > 0).sum())
    assert analysis.pnl.net.total == pytest.approx(closed["profit"].sum())
    assert strat.analyzers.drawdown.get_analysis().max.drawdown >= 0
    assert (ours["qty"] == 2).all()


def test_backtrader_is_imported_only_by_the_bridge() -> None:
    bridge = PACKAGE / "integrations" / "backtrader.py"
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path == bridge:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "backtrader" or n.startswith("backtrader.") for n in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
    code = (
        "import sys, pineopt, pineopt.integrations, pineopt.strategy.engine, pineopt.api;"
        "assert 'backtrader' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
