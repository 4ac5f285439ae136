"""``strategy.*`` values read inside the script, plotted and checked bar by bar.

One scenario, fills worked out by hand (LANGUAGE-NOTES §15.1: a fill at bar N+1's open is
visible when the script runs at N+1's close). Capital 1,000; no commission or slippage:

===  ===========================  ==========================================================
bar  (open, high, low, close)     what happens
===  ===========================  ==========================================================
0    (100, 101,  99, 100)         entry "L" long qty 2 placed
1    (100, 101, 100, 101)         L fills at 100; open profit 2 * (101 - 100) = 2
2    (101, 103, 101, 103)         open profit 2 * 3 = 6; strategy.close("L") placed
3    (104, 105, 103, 104)         L leaves at 104: +8; entry "S" short qty 1 placed
4    (104, 106, 104, 106)         S fills at 104; open profit 104 - 106 = -2; close_all placed
5    (107, 108, 106, 107)         S leaves at 107: -3
6    (107, 107, 107, 107)         nothing
===  ===========================  ==========================================================

Equity at the closes: 1000, 1002, 1006, 1008, 1006, 1005, 1005 -> peak 1008, max drawdown
1008 - 1005 = 3 (the long never trades below its entry, the short's worst price on bar 4 is
its close, and it leaves at bar 5's open, so intrabar extremes change nothing).
"""

from __future__ import annotations

import math

import pytest

BARS = [
    (100, 101, 99, 100),
    (100, 101, 100, 101),
    (101, 103, 101, 103),
    (104, 105, 103, 104),
    (104, 106, 104, 106),
    (107, 108, 106, 107),
    (107, 107, 107, 107),
]

SOURCE = """
//@version=6
strategy("values", initial_capital = 1000, default_qty_type = strategy.fixed,
     default_qty_value = 1)
if bar_index == 0
    strategy.entry("L", strategy.long, qty = 2)
if bar_index == 2
    strategy.close("L")
if bar_index == 3
    strategy.entry("S", strategy.short, qty = 1)
if bar_index == 4
    strategy.close_all()
int last = strategy.closedtrades - 1
plot(strategy.position_size, "position_size")
plot(strategy.position_avg_price, "position_avg_price")
plot(strategy.equity, "equity")
plot(strategy.netprofit, "netprofit")
plot(strategy.openprofit, "openprofit")
plot(strategy.closedtrades, "closedtrades")
plot(strategy.opentrades, "opentrades")
plot(strategy.wintrades, "wintrades")
plot(strategy.losstrades, "losstrades")
plot(strategy.eventrades, "eventrades")
plot(strategy.grossprofit, "grossprofit")
plot(strategy.grossloss, "grossloss")
plot(strategy.max_drawdown, "max_drawdown")
plot(strategy.initial_capital, "initial_capital")
plot(strategy.netprofit_percent, "netprofit_percent")
plot(last >= 0 ? strategy.closedtrades.entry_price(last) : na, "ct_entry_price")
plot(last >= 0 ? strategy.closedtrades.exit_price(last) : na, "ct_exit_price")
plot(last >= 0 ? strategy.closedtrades.profit(last) : na, "ct_profit")
plot(last >= 0 ? strategy.closedtrades.size(last) : na, "ct_size")
plot(last >= 0 ? strategy.closedtrades.entry_bar_index(last) : na, "ct_entry_bar")
plot(last >= 0 ? strategy.closedtrades.exit_bar_index(last) : na, "ct_exit_bar")
plot(strategy.opentrades > 0 ? strategy.opentrades.entry_price(0) : na, "ot_entry_price")
plot(strategy.opentrades > 0 ? strategy.opentrades.size(0) : na, "ot_size")
plot(strategy.opentrades > 0 ? strategy.opentrades.profit(0) : na, "ot_profit")
plot(strategy.opentrades > 0 ? strategy.opentrades.entry_bar_index(0) : na, "ot_entry_bar")
"""

NA = None

# bar by bar, worked out in the module docstring
EXPECTED = {
    "position_size": [0, 2, 2, 0, -1, 0, 0],
    "position_avg_price": [NA, 100, 100, NA, 104, NA, NA],
    "equity": [1000, 1002, 1006, 1008, 1006, 1005, 1005],
    "netprofit": [0, 0, 0, 8, 8, 5, 5],  # 8, then 8 - 3
    "openprofit": [0, 2, 6, 0, -2, 0, 0],
    "closedtrades": [0, 0, 0, 1, 1, 2, 2],
    "opentrades": [0, 1, 1, 0, 1, 0, 0],
    "wintrades": [0, 0, 0, 1, 1, 1, 1],
    "losstrades": [0, 0, 0, 0, 0, 1, 1],
    "eventrades": [0, 0, 0, 0, 0, 0, 0],
    "grossprofit": [0, 0, 0, 8, 8, 8, 8],
    "grossloss": [0, 0, 0, 0, 0, 3, 3],  # reported positive
    "max_drawdown": [0, 0, 0, 0, 2, 3, 3],  # 1008 - 1006, then 1008 - 1005
    "initial_capital": [1000] * 7,
    "netprofit_percent": [0, 0, 0, 0.8, 0.8, 0.5, 0.5],  # netprofit / 1000 * 100
    "ct_entry_price": [NA, NA, NA, 100, 100, 104, 104],
    "ct_exit_price": [NA, NA, NA, 104, 104, 107, 107],
    "ct_profit": [NA, NA, NA, 8, 8, -3, -3],
    "ct_size": [NA, NA, NA, 2, 2, -1, -1],  # negative for a short
    "ct_entry_bar": [NA, NA, NA, 1, 1, 4, 4],
    "ct_exit_bar": [NA, NA, NA, 3, 3, 5, 5],
    "ot_entry_price": [NA, 100, 100, NA, 104, NA, NA],
    "ot_size": [NA, 2, 2, NA, -1, NA, NA],
    "ot_profit": [NA, 2, 6, NA, -2, NA, NA],
    "ot_entry_bar": [NA, 1, 1, NA, 4, NA, NA],
}


@pytest.fixture
def plots(run_strategy):
    return run_strategy(SOURCE, BARS).plots


def _column(plots, name):
    out = []
    for v in plots[name].tolist():
        out.append(None if v is None or (isinstance(v, float) and math.isnan(v)) else v)
    return out


@pytest.mark.parametrize("name", list(EXPECTED))
def test_value_bar_by_bar(plots, name):
    got = _column(plots, name)
    want = EXPECTED[name]
    assert len(got) == len(want)
    for bar, (g, w) in enumerate(zip(got, want, strict=True)):
        if w is None:
            assert g is None, f"{name} on bar {bar}: {g} (expected na)"
        else:
            assert g == pytest.approx(w), f"{name} on bar {bar}: {g} (expected {w})"


def test_trade_list_matches_values(run_strategy):
    # the same two trades in the trade list: long 2 @100 -> 104 (+8), short 1 @104 -> 107 (-3)
    trades = run_strategy(SOURCE, BARS).trades
    rows = trades[["direction", "entry_price", "exit_price", "qty", "profit", "cum_profit"]]
    assert [tuple(r) for r in rows.itertuples(index=False)] == [
        ("long", 100.0, 104.0, 2.0, 8.0, 8.0),
        ("short", 104.0, 107.0, 1.0, -3.0, 5.0),
    ]


def test_commission_in_values(run_strategy):
    # cash_per_order 1.5: the long pays 1.5 at entry and 1.5 at exit -> profit 8 - 3 = 5;
    # strategy.netprofit 5 after bar 3 and strategy.closedtrades.commission(0) = 3
    source = (
        SOURCE.replace(
            "default_qty_value = 1)",
            "default_qty_value = 1, commission_type = strategy.commission.cash_per_order, "
            "commission_value = 1.5)",
        )
        + 'plot(last >= 0 ? strategy.closedtrades.commission(0) : na, "ct_commission")\n'
    )
    plots = run_strategy(source, BARS).plots
    assert _column(plots, "netprofit")[3] == pytest.approx(5)
    assert _column(plots, "ct_commission")[3] == pytest.approx(3)
    # the short pays 1.5 + 1.5 too: -3 - 3 = -6; net 5 - 6 = -1, gross loss 6
    assert _column(plots, "netprofit")[5] == pytest.approx(-1)
    assert _column(plots, "grossloss")[5] == pytest.approx(6)
    assert _column(plots, "equity")[6] == pytest.approx(999)
