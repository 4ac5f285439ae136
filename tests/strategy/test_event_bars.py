"""The loop on event bars (:meth:`~pineopt.strategy.quiet.QuietBars.bars`): which bars a
strategy whose statements are all guarded by whole-history conditions visits, and that what it
skips changes nothing (``run_strategy`` runs every case on event bars, on every bar and on the
broker's full path, and compares them to the bit)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from pineopt.compiler import convert, load
from pineopt.runtime.engine import Context, execute
from pineopt.strategy.broker import Broker
from pineopt.strategy.config import StrategyConfig

HEAD = (
    "//@version=6\n"
    'strategy("t", initial_capital=1000, default_qty_type=strategy.fixed, default_qty_value=1'
)


def flat(n: int, price: float = 100.0) -> list[tuple[float, float, float, float]]:
    return [(price, price + 1, price - 1, price)] * n


def visits(frame_of, source: str, bars) -> list[int]:
    """The bars the loop visits (on event bars, the default)."""
    from pineopt.data.symbol import SymbolInfo
    from pineopt.data.timeframe import Timeframe

    module = load(convert(textwrap.dedent(source).strip() + "\n", "t.pine"))
    seen: list[int] = []
    original = Context.bars

    def recording(ctx, acting):
        for bar in original(ctx, acting):
            seen.append(bar)
            yield bar

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Context, "bars", recording)
        execute(
            module,
            frame_of(bars),
            SymbolInfo(ticker="T", mintick=0.01),
            Timeframe.parse("60"),
        )
    return seen


ENTER_AND_CLOSE = (
    HEAD
    + """)
if bar_index == 2
    strategy.entry("L", strategy.long)
if bar_index == 20
    strategy.close("L")
"""
)


def test_quiet_bars_are_not_visited(run_strategy, frame_of):
    bars = flat(30)
    result = run_strategy(ENTER_AND_CLOSE, bars)
    assert result.trades[["entry_bar", "exit_bar"]].values.tolist() == [[3, 21]]
    # the signal bars, and the bars after them where the orders placed there fill
    assert visits(frame_of, ENTER_AND_CLOSE, bars) == [2, 3, 20, 21]


def test_orders_on_the_close_fill_on_the_signal_bar(run_strategy, frame_of):
    bars = flat(30)
    source = ENTER_AND_CLOSE.replace("default_qty_value=1", "default_qty_value=1, "
                                     "process_orders_on_close=true")  # fmt: skip
    result = run_strategy(source, bars)
    assert result.trades[["entry_bar", "exit_bar"]].values.tolist() == [[2, 20]]
    assert visits(frame_of, source, bars) == [2, 20]


def test_an_armed_stop_visits_every_bar_until_it_fills(run_strategy, frame_of):
    bars = flat(30)
    bars[12] = (100.0, 101.0, 89.0, 95.0)
    source = (
        HEAD
        + """)
if bar_index == 2
    strategy.entry("L", strategy.long)
    strategy.exit("S", "L", stop=90)
"""
    )
    result = run_strategy(source, bars)
    assert result.trades[["entry_bar", "exit_bar", "exit_price"]].values.tolist() == [[3, 12, 90.0]]
    assert visits(frame_of, source, bars) == list(range(2, 13))


def test_a_margin_call_inside_a_quiet_stretch_is_visited(run_strategy, frame_of):
    # 15 units at 100 on 1,000 of capital with 50 % margin: the low of 60 on bar 15 calls
    bars = flat(30)
    bars[15] = (100.0, 100.0, 60.0, 99.0)
    source = (
        HEAD.replace("default_qty_value=1", "default_qty_value=15, margin_long=50")
        + """)
if bar_index == 2
    strategy.entry("L", strategy.long)
if bar_index == 25
    strategy.close("L")
"""
    )
    result = run_strategy(source, bars)
    assert "Margin call" in result.trades["exit_signal"].tolist()
    assert result.trades["exit_bar"].tolist()[0] == 15
    seen = visits(frame_of, source, bars)
    assert 15 in seen
    assert len(seen) < 10


def test_an_input_that_arms_an_exit_every_bar_visits_every_bar(run_strategy, frame_of):
    bars = flat(30)
    source = (
        HEAD
        + """)
useStop = input.bool(true, "Stop")
if bar_index == 2
    strategy.entry("L", strategy.long)
if useStop and strategy.position_size > 0
    strategy.exit("S", "L", stop=close - 50)
"""
    )
    run_strategy(source, bars)
    assert visits(frame_of, source, bars) == list(range(30))
    off = source.replace("input.bool(true", "input.bool(false")
    run_strategy(off, bars)
    assert visits(frame_of, off, bars) == [2, 3]


def test_a_var_takes_its_first_value_on_the_first_bar(run_strategy, frame_of):
    bars = [(100.0 + i, 101.0 + i, 99.0 + i, 100.0 + i) for i in range(30)]
    source = (
        HEAD
        + """)
var float first = close
var int signals = 0
if bar_index % 10 == 5
    signals += 1
    strategy.entry("L", strategy.long, qty=signals, comment=str.tostring(first))
"""
    )
    result = run_strategy(source, bars, pyramiding=5)
    assert result.trades["entry_signal"].tolist() == ["100"] * 3
    assert result.trades["qty"].tolist() == [1.0, 2.0, 3.0]
    assert visits(frame_of, source, bars) == [0, 5, 6, 15, 16, 25, 26]


def test_a_risk_rule_makes_the_broker_visit_every_bar():
    closes = [100.0] * 10
    broker = Broker(StrategyConfig(), closes, closes, closes, closes, list(range(10)))
    quiet = np.zeros(10, dtype=bool)
    assert list(broker.bars(quiet)) == []
    broker = Broker(StrategyConfig(), closes, closes, closes, closes, list(range(10)))
    broker.risk_max_drawdown(10, "strategy.percent_of_equity")
    assert list(broker.bars(quiet)) == list(range(10))


def test_an_indicator_visits_its_event_bars_only(frame_of):
    from pineopt.data.symbol import SymbolInfo
    from pineopt.data.timeframe import Timeframe

    source = '//@version=6\nindicator("t")\nif bar_index % 7 == 3\n    log.info("tick")\n'
    module = load(convert(source, "t.pine"))

    def logs():
        result = execute(module, frame_of(flat(30)), SymbolInfo(ticker="T"), Timeframe.parse("60"))
        return [(log.bar_index, log.message) for log in result.logs]

    events = logs()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Context, "_event_bars", False)
        every = logs()
    assert events == every == [(3, "tick"), (10, "tick"), (17, "tick"), (24, "tick")]


def test_a_comparison_of_series_after_a_broker_read(run_strategy, frame_of):
    bars = [(100.0 + i, 101.0 + i, 99.0 + i, 100.0 + i) for i in range(30)]
    source = (
        HEAD
        + """)
if bar_index == 2
    strategy.entry("L", strategy.long)
if strategy.position_size > 0 and close > 110.5
    strategy.close("L")
"""
    )
    result = run_strategy(source, bars)
    assert result.trades[["entry_bar", "exit_bar"]].values.tolist() == [[3, 12]]
    # bar 11 closes above 110.5 and places the close; 12..29 close above it too, flat: idle
    assert visits(frame_of, source, bars) == [2, 3, *range(11, 30)]


def test_a_calendar_condition_after_a_broker_read(run_strategy, frame_of):
    """``strategy.position_size > 0 and hour == 6``: the loop visits the bars where the hour is
    6 (and those with an order pending), not every bar of the position."""
    bars = [(100.0 + i, 101.0 + i, 99.0 + i, 100.0 + i) for i in range(30)]  # hourly from 00:00
    source = (
        HEAD
        + """)
if hour == 3 and strategy.position_size == 0
    strategy.entry("L", strategy.long)
if strategy.position_size > 0 and hour == 6
    strategy.close("L")
"""
    )
    result = run_strategy(source, bars)
    assert result.trades[["entry_bar", "exit_bar", "is_open"]].values.tolist() == [
        [4, 7, False],
        [28, -1, True],  # still open: exit_bar -1
    ]
    assert visits(frame_of, source, bars) == [3, 4, 6, 7, 27, 28]
