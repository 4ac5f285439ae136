"""``strategy.risk.*`` rules and the settings PineOpt refuses rather than ignores."""

import pytest

from pineopt.errors import PineRuntimeError


def flat(p):
    return (p, p, p, p)


HEAD = (
    "//@version=6\n"
    'strategy("t", initial_capital=1000, default_qty_type=strategy.fixed, default_qty_value=1{})\n'
)


def test_max_intraday_filled_orders_stops_the_day(run_strategy):
    # two fills allowed per day: the entry at bar 1 and its reversal at bar 2 use them up; the
    # rule then flattens at bar 2's close and no order fills until the next trading day
    src = HEAD.format("") + (
        "strategy.risk.max_intraday_filled_orders(2)\n"
        'if bar_index % 2 == 0\n    strategy.entry("L", strategy.long)\n'
        'else\n    strategy.entry("S", strategy.short)\n'
    )
    r = run_strategy(src, [flat(100 + i) for i in range(6)])
    # bar 1: long at 101; bar 2: reversed at 102 (fills 2 and 3 of the day) -> halt, the short
    # is closed at bar 2's close 102; nothing else fills that day (all bars are on one day)
    assert r.trades[["direction", "entry_bar", "exit_bar"]].values.tolist() == [
        ["long", 1, 2],
        ["short", 2, 2],
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


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (", calc_on_order_fills=true", "calc_on_order_fills"),
        (", currency=currency.EUR", "exchange rates"),
    ],
)
def test_unsupported_settings_are_refused(run_strategy, setting, message):
    src = HEAD.format(setting) + 'strategy.entry("L", strategy.long)\n'
    with pytest.raises(PineRuntimeError, match=message):
        run_strategy(src, [flat(100), flat(101)])
