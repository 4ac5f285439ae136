"""Rules of TradingView's runtime that decide *when* a strategy trades: the bits of its moving
averages and how it compares floats (LANGUAGE-NOTES §10, §12).

Each test runs a tiny Pine v6 strategy on flat hand-made bars; whether an order fills depends
only on the rule under test, and the arithmetic is in the comments. Capital 1,000,000, one
contract per order, no commission, no slippage, mintick 0.01.
"""

from __future__ import annotations

from test_fill_rules import fills, flat, head

SMA_CROSS = """
x = bar_index == 0 ? {a} : bar_index == 1 ? {b} : bar_index == 2 ? {c} : 0.0
k = ta.sma(x, 3)
if ta.crossunder(k, 0.0)
    strategy.entry("S", strategy.short)
"""


def test_sma_window_sum_evicts_the_entries_it_stored(run_strategy):
    # x = 0.1, 0.1, 1.1, 0, 0, 0 ...; k = sma(x, 3). TradingView's compensated rolling sum
    # (sum s, compensation c, and per value the entry it was added with):
    #   bars 0-2: 0.1 -> 0.2 -> 1.3, exact adds, c = 0, entries 0.1, 0.1, 1.1
    #   bar 3 evicts 0.1, adds 0: s = 1.2, c = -8.3e-17, entry 8.3e-17 (the bits carried in)
    #   bar 4 evicts 0.1, adds 0: s = 1.1, c = 5.6e-17, entry -5.6e-17
    #   bar 5 evicts 1.1, adds 0: s = 0.0, c = 0, entry 0 -> k = 0.0, not below 0
    #   bar 6 evicts bar 3's entry 8.3e-17: s = -8.3e-17 -> k = -2.8e-17 < 0 <= k(5)
    # -> crossunder on bar 6, short at bar 7's open 100. (A plain running sum ends at
    # 1.3 - 0.1 - 0.1 - 1.1 = -2.2e-16 on bar 5 already and would sell at bar 6.)
    src = head() + SMA_CROSS.format(a=0.1, b=0.1, c=1.1)
    r = run_strategy(src, [flat(100)] * 9)
    assert fills(r) == [(7, 100.0, None, None, 1.0)]


def test_sma_window_sum_rebaselines_when_the_compensation_would_be_lost(run_strategy):
    # x = 0.1, 0.2, 0.7, 0, 0, 0: after 0.1 + 0.2 = 0.30000000000000004 the compensation is
    # c = 2.8e-17; 0.7 + |c| rounds back to 0.7 (c would be lost), so bar 2 re-baselines the
    # sum to the raw window newest first, 0.7 + 0.2 + 0.1 = 0.9999999999999999, c = 0.
    # Evicting 0.1, 0.2, 0.7 then ends at -1.1e-16: k(5) = -3.7e-17 < 0 <= k(4) = 0.23 ->
    # crossunder on bar 5 -> short at bar 6's open 100 (a plain running sum ends at 0.0).
    src = head() + SMA_CROSS.format(a=0.1, b=0.2, c=0.7)
    r = run_strategy(src, [flat(100)] * 8)
    assert fills(r) == [(6, 100.0, None, None, 1.0)]


TOLERANT = """
a = close / 10 * 3
b = close * 0.3
if bar_index == 0 and a > b
    strategy.entry("L", strategy.long)
if bar_index == 0 and a <= b
    strategy.entry("S", strategy.short)
"""

EXACT_CROSS = """
a = bar_index == 0 ? 0.2 : close / 10 * 3
b = close * 0.3
if ta.crossover(a, b)
    strategy.entry("L", strategy.long)
"""


def test_float_comparisons_have_pine_tolerance(run_strategy):
    # a = close / 10 * 3 = 0.1 * 3 = 0.30000000000000004, b = close * 0.3 = 0.3: one ulp
    # (5.6e-17) apart, closer than Pine's 1e-10, so they compare equal: "a > b" is false and
    # "a <= b" true on bar 0 -> only the short fills, at bar 1's open 1.
    r = run_strategy(head() + TOLERANT, [flat(1)] * 3)
    assert fills(r, "direction", "entry_bar", "entry_price") == [("short", 1, 1.0)]


def test_builtin_crossover_compares_exactly(run_strategy):
    # ta.crossover is not tolerant: on bar 1, a = 0.30000000000000004 is above b = 0.3 by one
    # ulp and on bar 0 a = 0.2 was below -> crossover on bar 1, long at bar 2's open 1.
    r = run_strategy(head() + EXACT_CROSS, [flat(1)] * 4)
    assert fills(r, "direction", "entry_bar", "entry_price") == [("long", 2, 1.0)]


PIVOT_LOW = """
if not na(ta.pivotlow(low, 2, 2))
    strategy.entry("L", strategy.long)
"""


def test_pivot_of_equal_extremes_is_the_newest(run_strategy):
    # lows 10, 9, 8, 8, 9, 10, 11, 11 and pivotlow(low, 2, 2): bar 3's 8 is level with bar 2
    # on its left (allowed) and strictly below bars 4-5 on its right -> a pivot, reported on
    # bar 5 -> long at bar 6's open 12. Bar 2's 8 is not (bar 3 to its right is not higher).
    # (Strict on both sides there would be no pivot at all; ties allowed on the right instead
    # would report bar 2 on bar 4 and buy at bar 5.)
    lows = [10, 9, 8, 8, 9, 10, 11, 11]
    bars = [(lo + 1, lo + 2, lo, lo + 1) for lo in lows]
    r = run_strategy(head() + PIVOT_LOW, bars)
    assert fills(r) == [(6, 12.0, None, None, 1.0)]
