"""``strategy.risk.*`` rules and the settings PineOpt refuses rather than ignores."""

import pytest

from pineopt.errors import PineRuntimeError


def flat(p):
    return (p, p, p, p)


FILL_COLUMNS = ["direction", "entry_bar", "entry_price", "exit_bar", "exit_price"]

HEAD = (
    "//@version=6\n"
    'strategy("t", initial_capital=1000, default_qty_type=strategy.fixed, default_qty_value=1{})\n'
)


def test_max_intraday_filled_orders_stops_the_day(run_strategy):
    # two fills allowed per day: the entry at bar 1 and its reversal at bar 2 use them up; the
    # rule then flattens at bar 2's open, where the reversal filled, and no order fills until
    # the next trading day
    src = HEAD.format("") + (
        "strategy.risk.max_intraday_filled_orders(2)\n"
        'if bar_index % 2 == 0\n    strategy.entry("L", strategy.long)\n'
        'else\n    strategy.entry("S", strategy.short)\n'
    )
    r = run_strategy(src, [flat(100 + i) for i in range(6)])
    # bar 1: long at 101; bar 2: reversed at 102 (the day's second filled order: a reversal
    # is one order) -> halt, the short is closed at bar 2's open 102; nothing else fills that
    # day (all bars are on one day)
    assert r.trades[["direction", "entry_bar", "exit_bar"]].values.tolist() == [
        ["long", 1, 2],
        ["short", 2, 2],
    ]


def test_max_intraday_filled_orders_closes_where_the_path_is_after_the_fill(run_strategy):
    # two fills a day: the long at bar 1 open 100, then the sell stop 99 (placed long 1:
    # sells 2) on bar 2, whose path O 100 -> H 101 -> L 97 meets it at 99 on the way down.
    # The count is reached on that move: the short it opened is closed at the move's end,
    # the low 97, not at the fill price nor at the close 98 (measured: TradingView's
    # composite-bracket-cap-range-pending-stop probe, 2025-04-02 02:45: stop entry 1881.28
    # on the low-to-high move, "Close Position (Max number of filled orders in one day)" at
    # the high 1882.74; cap-max-intraday-filled-orders-isolate: market fills closed at the
    # open they filled at)
    src = HEAD.format("") + (
        "strategy.risk.max_intraday_filled_orders(2)\n"
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 1\n    strategy.entry("S", strategy.short, stop = 99)\n'
    )
    r = run_strategy(src, [flat(100), flat(100), (100, 101, 97, 98), flat(98)])
    assert r.trades[FILL_COLUMNS].values.tolist() == [
        ["long", 1, 100.0, 2, 99.0],
        ["short", 2, 99.0, 2, 97.0],
    ]
    assert r.trades["exit_signal"].iloc[-1] == (
        "Close Position (Max number of filled orders in one day)"
    )


def test_orders_placed_while_trading_is_stopped_are_dropped(run_strategy):
    # one fill a day (hourly bars, a day is 24 bars): the long fills at bar 1 open 101 and is
    # closed there at once; the short placed on bar 23, the day's last, is ignored rather than
    # filled at the next day's first open; the one placed on bar 24 fills at bar 25 open 125
    # (then is closed there: the new day's one fill) (measured: TradingView's
    # cap-max-intraday-filled-orders-isolate probe, 2025-04-07/08: no fill at 00:00 from the
    # cross of 23:45 on the stopped day)
    src = HEAD.format("") + (
        "strategy.risk.max_intraday_filled_orders(1)\n"
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 23\n    strategy.entry("S", strategy.short)\n'
        'if bar_index == 24\n    strategy.entry("S2", strategy.short)\n'
    )
    r = run_strategy(src, [flat(100 + i) for i in range(30)])
    assert r.trades[FILL_COLUMNS].values.tolist() == [
        ["long", 1, 101.0, 1, 101.0],
        ["short", 25, 125.0, 25, 125.0],
    ]


def test_max_drawdown_stops_for_good(run_strategy):
    # long 1 from 100; the price falls 6 -> equity 994 from a peak of 1000: a 5 (cash)
    # drawdown limit flattens at that close and nothing trades afterwards
    src = HEAD.format("") + (
        'strategy.risk.max_drawdown(5, strategy.cash)\nstrategy.entry("L", strategy.long)\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(97), flat(94), flat(95), flat(96)])
    assert r.trades[["entry_bar", "exit_bar", "exit_price"]].values.tolist() == [[1, 3, 94.0]]


def test_allow_entry_in_long_only_closes_shorts(run_strategy):
    src = HEAD.format("") + (
        "strategy.risk.allow_entry_in(strategy.direction.long)\n"
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 2\n    strategy.entry("S", strategy.short)\n'
    )
    r = run_strategy(src, [flat(100), flat(101), flat(102), flat(103), flat(104)])
    # the short entry only closes the long (at bar 3's open 103), no short opens
    assert r.trades[["direction", "exit_bar", "exit_price"]].values.tolist() == [["long", 3, 103.0]]


def test_unsupported_settings_are_refused(run_strategy):
    src = HEAD.format(", currency=currency.EUR") + 'strategy.entry("L", strategy.long)\n'
    with pytest.raises(PineRuntimeError, match="exchange rates"):
        run_strategy(src, [flat(100), flat(101)])


def test_calc_on_order_fills_set_by_an_override_is_refused(run_strategy):
    # in the script it is refused at convert time (tests/compiler/test_refusals.py)
    src = HEAD.format("") + 'strategy.entry("L", strategy.long)\n'
    with pytest.raises(PineRuntimeError, match="calc_on_order_fills"):
        run_strategy(src, [flat(100), flat(101)], calc_on_order_fills=True)
