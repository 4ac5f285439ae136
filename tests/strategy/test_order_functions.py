"""TradingView's order commands, one at a time (LANGUAGE-NOTES §15.3): strategy.exit (ticks,
absolute levels, the v6 "first reached" rule, trailing stops, qty/qty_percent, from_entry),
strategy.close/close_all (incl. immediately), strategy.cancel/cancel_all, strategy.order, OCA
groups, close_entries_rule, strategy.risk.* and margin.

Hand-made bars ``(open, high, low, close)``; expected fills worked out by hand in comments.
Unless a test says otherwise: capital 1,000,000, one contract, mintick 0.01, no costs.
"""

from __future__ import annotations

import math

import pytest


def head(**params) -> str:
    args = {
        "initial_capital": 1000000,
        "default_qty_type": "strategy.fixed",
        "default_qty_value": 1,
        **params,
    }
    text = ", ".join(f"{k} = {v}" for k, v in args.items())
    return f'//@version=6\nstrategy("t", {text})\n'


def fills(result, *columns):
    """The trades in entry order as tuples of ``columns`` (default: entry bar/price, exit
    bar/price, qty); an open trade's exit bar/price is None."""
    columns = columns or ("entry_bar", "entry_price", "exit_bar", "exit_price", "qty")
    rows = []
    trades = result.trades.sort_values(["entry_bar", "trade"], kind="stable")
    for _, t in trades.iterrows():
        row = []
        for c in columns:
            v = t[c]
            if c in ("exit_bar", "exit_price") and t["is_open"]:
                v = None
            elif isinstance(v, float):
                v = None if math.isnan(v) else round(v, 9)
            elif hasattr(v, "item"):
                v = v.item()
            row.append(v)
        rows.append(tuple(row))
    return rows


def flat(p):
    return (p, p, p, p)


def long_then(body: str, **params) -> str:
    """A strategy buying ``L`` on bar 0 (filled at bar 1's open) and running ``body`` on
    bar 0 as well (indented under ``if bar_index == 0``)."""
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return head(**params) + 'if bar_index == 0\n    strategy.entry("L", strategy.long)\n' + lines


# ------------------------------------------------------------------------ strategy.exit


@pytest.mark.parametrize(
    ("bar2", "exit_price"),
    [
        # open 100.5 is 0.5 above the low: low first, 100 (above 97) -> 105.5 reaches 105
        ((100.5, 105.5, 100, 105), 105.0),
        # open 99.5 is 0.5 below the high: high first, 100 (below 105) -> 96.5 reaches 97
        ((99.5, 100, 96.5, 97), 97.0),
    ],
)
def test_exit_profit_and_loss_in_ticks(run_strategy, bar2, exit_price):
    # entry 100; profit 500 ticks * 0.01 = +5 -> 105; loss 300 ticks -> 97
    src = long_then('strategy.exit("x", "L", profit = 500, loss = 300)')
    r = run_strategy(src, [flat(100), flat(100), bar2, flat(100)])
    assert fills(r) == [(1, 100.0, 2, exit_price, 1.0)]


def test_exit_ticks_from_a_short_entry(run_strategy):
    # short at 100: profit 500 ticks -> buy limit 95; loss 300 ticks -> buy stop 103
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("S", strategy.short)\n'
        '    strategy.exit("x", "S", profit = 500, loss = 300)\n'
    )
    bars = [flat(100), flat(100), (99.5, 100, 94, 95)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "exit_bar", "exit_price") == [("short", 2, 95.0)]
    bars = [flat(100), flat(100), (100.5, 104, 100, 103.5)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "exit_bar", "exit_price") == [("short", 2, 103.0)]


def test_exit_absolute_levels(run_strategy):
    # limit 104 / stop 97.5; bar 2 (100.5, 104.5, 100, 104): low first, 100 -> 104.5 hits 104
    src = long_then('strategy.exit("x", "L", limit = 104, stop = 97.5)')
    r = run_strategy(src, [flat(100), flat(100), (100.5, 104.5, 100, 104), flat(104)])
    assert fills(r) == [(1, 100.0, 2, 104.0, 1.0)]
    # bar 2 (99.5, 100, 97, 98): high first, 100 -> 97 crosses the stop 97.5
    r = run_strategy(src, [flat(100), flat(100), (99.5, 100, 97, 98), flat(98)])
    assert fills(r) == [(1, 100.0, 2, 97.5, 1.0)]


@pytest.mark.parametrize(
    ("bar2", "exit_price"),
    [
        # profit 500 ticks = 105 and limit 103: for a long the lower take profit is reached
        # first -> 103 (v5 would have used the absolute 103 too, so also check the stops)
        ((100.5, 106, 100, 105), 103.0),
        # loss 300 ticks = 97 and stop 98: the higher stop is reached first -> 98
        ((99.5, 100, 96, 97), 98.0),
    ],
)
def test_exit_v6_uses_level_reached_first(run_strategy, bar2, exit_price):
    src = long_then('strategy.exit("x", "L", profit = 500, limit = 103, loss = 300, stop = 98)')
    r = run_strategy(src, [flat(100), flat(100), bar2, flat(100)])
    assert fills(r) == [(1, 100.0, 2, exit_price, 1.0)]


@pytest.mark.parametrize(
    ("bar2", "exit_price"),
    [
        # profit 200 ticks = 102 vs limit 108: 102 is nearer -> 102 (v5 would use 108)
        ((100.5, 109, 100, 108), 102.0),
        # loss 200 ticks = 98 vs stop 92: 98 is nearer -> 98 (v5 would use 92)
        ((99.5, 100, 91, 92), 98.0),
    ],
)
def test_exit_v6_relative_level_can_win(run_strategy, bar2, exit_price):
    src = long_then('strategy.exit("x", "L", profit = 200, limit = 108, loss = 200, stop = 92)')
    r = run_strategy(src, [flat(100), flat(100), bar2, flat(100)])
    assert fills(r) == [(1, 100.0, 2, exit_price, 1.0)]


def test_exit_v5_prefers_absolute_levels(run_strategy):
    # the same exit in a v5 script: the absolute limit 108 replaces profit = 200 (102), so
    # bar 2 (100.5, 109, 100, 108), low first, exits at 108 rather than 102
    src = long_then(
        'strategy.exit("x", "L", profit = 200, limit = 108, loss = 200, stop = 92)'
    ).replace("//@version=6", "//@version=5")
    r = run_strategy(src, [flat(100), flat(100), (100.5, 109, 100, 108), flat(100)])
    assert fills(r) == [(1, 100.0, 2, 108.0, 1.0)]


TRAIL_BARS = [
    flat(100),
    flat(100),
    # open 100.5 nearer the low 100.4: 100.5 -> 100.4 -> 104 -> 103.5. Activation at 102;
    # the best price becomes 104 -> stop 104 - 1 = 103; the close 103.5 stays above it
    (100.5, 104, 100.4, 103.5),
    # open 103.5: 1 from the high 104.5, 1.5 from the low 102 -> high first: best 104.5,
    # stop 103.5; then down to 102 crosses 103.5 -> out at 103.5
    (103.5, 104.5, 102, 102.5),
    flat(102.5),
]


@pytest.mark.parametrize(
    "levels",
    [
        "trail_points = 200, trail_offset = 100",  # activation 100 + 200 ticks = 102
        "trail_price = 102, trail_offset = 100",  # activation at the absolute 102
    ],
)
def test_exit_trailing_stop(run_strategy, levels):
    src = long_then(f'strategy.exit("x", "L", {levels})')
    r = run_strategy(src, TRAIL_BARS)
    assert fills(r) == [(1, 100.0, 3, 103.5, 1.0)]


@pytest.mark.parametrize(
    "levels",
    [
        "trail_points = 200, trail_offset = 100",
        # with a stop loss 97 too: the trailing stop 103 is the one reached first
        "trail_points = 200, trail_offset = 100, loss = 300",
    ],
)
def test_exit_trailing_stop_activates_and_fills_on_one_bar(run_strategy, levels):
    # bar 2 (100.5, 104, 100.4, 102.5): low first (0.1 < 3.5); 100.4 -> 104 activates at 102
    # and raises the stop to 104 - 1 = 103; 104 -> 102.5 crosses it -> out at 103 on bar 2
    src = long_then(f'strategy.exit("x", "L", {levels})')
    r = run_strategy(src, [flat(100), flat(100), (100.5, 104, 100.4, 102.5), flat(102.5)])
    assert fills(r) == [(1, 100.0, 2, 103.0, 1.0)]


def test_exit_trailing_stop_not_activated_does_not_fill(run_strategy):
    # activation 100 + 500 ticks = 105 is never reached: the fall to 95 does not exit
    src = long_then('strategy.exit("x", "L", trail_points = 500, trail_offset = 100)')
    r = run_strategy(src, [flat(100), flat(100), (100, 104, 95, 96), flat(96)])
    assert fills(r) == [(1, 100.0, None, None, 1.0)]


def test_exit_trailing_stop_short(run_strategy):
    # short at 100; activation 100 - 200 ticks = 98, offset 1.00 above the lowest price.
    # bar 2 (99.5, 99.6, 96, 96.5): high first (0.1 < 3.5): 99.6 -> 96 activates at 98, best
    #   96 -> stop 97; the close 96.5 stays below it.
    # bar 3 (96.5, 98, 95.5, 97.5): low first (1 < 1.5): best 95.5 -> stop 96.5; up to 98
    #   crosses it -> out at 96.5
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("S", strategy.short)\n'
        '    strategy.exit("x", "S", trail_points = 200, trail_offset = 100)\n'
    )
    bars = [flat(100), flat(100), (99.5, 99.6, 96, 96.5), (96.5, 98, 95.5, 97.5), flat(97)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "entry_price", "exit_bar", "exit_price") == [
        ("short", 100.0, 3, 96.5)
    ]


@pytest.mark.parametrize(
    "levels, bar2, exit_price",
    [
        # no trail_offset: the stop sits at the best price itself, so it is touched where
        # the path reaches the activation. Bar 2 low first (0.1 < 3.5): 100.5 -> 100.4 ->
        # 104 reaches 100 + 200 ticks = 102 -> out at 102 (not at 104 on the way down)
        ("trail_points = 200", (100.5, 104, 100.4, 103.5), 102.0),
        # non-integer trail_points: activation 100 + 150.5 ticks = 101.505, on the grid away
        # from the entry: 101.51
        ("trail_points = 150.5", (100.5, 104, 100.4, 103.5), 101.51),
        # with a stop loss and a take profit on the bar's path too: the path reaches the
        # activation 102 before the take profit 103.5 (the stop 97 is never reached)
        ("trail_points = 200, loss = 300, profit = 350", (100.5, 104, 100.4, 103.5), 102.0),
        # the open 102.5 is past the activation: out at the open
        ("trail_points = 200", (102.5, 104, 102.4, 103.5), 102.5),
    ],
)
def test_exit_trailing_stop_without_offset_fills_at_activation(run_strategy, levels, bar2,
                                                                exit_price):  # fmt: skip
    src = long_then(f'strategy.exit("x", "L", {levels})')
    r = run_strategy(src, [flat(100), flat(100), bar2, flat(100)])
    assert fills(r) == [(1, 100.0, 2, exit_price, 1.0)]


def test_exit_trailing_stop_activated_by_the_open_trails_from_the_open(run_strategy):
    # activation 102, offset 1. Bar 2 (103, 105, 101.5, 104) opens past the activation and
    # goes low first (1.5 < 2): the trail starts at the open 103 -> stop 102, crossed on the
    # way down to 101.5 -> out at 102 (the open is a price of the path, not only its
    # extremes: trailing from the low 101.5 would never fill on this bar)
    src = long_then('strategy.exit("x", "L", trail_points = 200, trail_offset = 100)')
    r = run_strategy(src, [flat(100), flat(100), (103, 105, 101.5, 104), flat(104)])
    assert fills(r) == [(1, 100.0, 2, 102.0, 1.0)]


def test_exit_trailing_stop_activated_by_the_close_it_is_placed_on(run_strategy):
    # long at 100 on bar 1; the exit is placed on bar 1's close 102.5, already past the
    # activation 100 + 200 ticks = 102: the trail starts there, best 102.5 -> stop 101.5.
    # Bar 2 (102.2, 103.5, 101, 101.5) goes low first (1.2 < 1.3): the open 102.2 does not
    # raise the best; the fall to 101 crosses 101.5 -> out at 101.5 (trailing from the
    # open 102.2 would give 101.2)
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.exit("x", "L", trail_points = 200, trail_offset = 100)\n'
    )
    bars = [flat(100), (100, 102.6, 99.9, 102.5), (102.2, 103.5, 101, 101.5), flat(101.5)]
    r = run_strategy(src, bars)
    assert fills(r) == [(1, 100.0, 2, 101.5, 1.0)]


@pytest.mark.parametrize(
    "loss, exit_price, comment",
    [
        # loss 50 ticks -> 99.5. Bar 2 (low first): 100.4 stays above it, 104 activates the
        # trail (best 104, stop 104 - 5 = 99). Bar 3 (103, 103.2, 98, 98.5), high first: 103.2
        # does not beat 104; on the fall to 98 the stop loss 99.5 is the nearer stop -> out at
        # 99.5, named by comment_loss
        (50, 99.5, "lost"),
        # loss 250 ticks -> 97.5: the trail 99 is the nearer stop -> out at 99, comment_trailing
        (250, 99.0, "trailed"),
    ],
)
def test_exit_comment_names_the_stop_that_filled(run_strategy, loss, exit_price, comment):
    src = long_then(
        f'strategy.exit("x", "L", loss = {loss}, trail_points = 200, trail_offset = 500, '
        'comment_loss = "lost", comment_trailing = "trailed")'
    )
    bars = [flat(100), flat(100), (100.5, 104, 100.4, 103.5), (103, 103.2, 98, 98.5), flat(98)]
    r = run_strategy(src, bars)
    assert fills(r, "exit_signal", "exit_bar", "exit_price") == [(comment, 3, exit_price)]


def test_exit_reissued_unchanged_covers_the_new_trade_of_its_entry(run_strategy):
    # "x" is placed on bar 1 for L and never acts: the reversal to S closes L at bar 2's
    # open. L is entered again (bar 4's open, 100) and "x" is called again on bar 4 with
    # the same arguments: it now covers the new L and its stop 95 is crossed on bar 5 -> out
    # at 95
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.exit("x", "L", stop = 95)\n'
        '    strategy.entry("S", strategy.short)\n'
        "if bar_index == 3\n"
        '    strategy.entry("L", strategy.long)\n'
        "if bar_index == 4\n"
        '    strategy.exit("x", "L", stop = 95)\n'
    )
    bars = [flat(100)] * 5 + [(100, 100, 90, 91), flat(91)]
    r = run_strategy(src, bars)
    assert fills(r) == [(1, 100.0, 2, 100.0, 1.0), (2, 100.0, 4, 100.0, 1.0),
                        (4, 100.0, 5, 95.0, 1.0)]  # fmt: skip


def test_exit_repriced_every_bar_moves_its_stop_and_limit(run_strategy):
    # "x" follows the close, re-placed on every bar: stop close - 3, limit close + 10.
    # Bar 1 fills L at 100 and places stop 97 / limit 110; bar 2 (100, 105, 99, 104) reaches
    # neither and moves them to 101 / 114; bar 3 opens 104, goes to its high 104.5 first (0.5
    # away against 4) and down to 100, through the stop 101 -> out at 101
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        'strategy.exit("x", "L", stop = close - 3, limit = close + 10)\n'
    )
    bars = [flat(100), flat(100), (100, 105, 99, 104), (104, 104.5, 100, 100.5), flat(100)]
    r = run_strategy(src, bars)
    assert fills(r) == [(1, 100.0, 3, 101.0, 1.0)]


def test_exit_repriced_every_bar_keeps_its_stop_on_the_tick_grid(run_strategy):
    # a short's stop (a buy stop) follows the close + 2.004, rounded up to the tick (0.01):
    # 102.01 from bar 1's close 100, then 102.51 from bar 2's close 100.5; bar 3 opens 100.5,
    # dips to 100.4 first (0.1 away against 2.5) and rises to 103 through 102.51 -> out there
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("S", strategy.short)\n'
        'strategy.exit("x", "S", stop = close + 2.004)\n'
    )
    bars = [flat(100), flat(100), (100, 101, 99, 100.5), (100.5, 103, 100.4, 102), flat(102)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "entry_price", "exit_bar", "exit_price") == [
        ("short", 100.0, 3, 102.51)
    ]


def test_exit_repriced_every_bar_covers_a_trade_of_its_entry_placed_since(run_strategy):
    # pyramiding 2: L at bar 1's open (100) and again at bar 3's (102); "x" (stop close - 2,
    # re-placed every bar) covers the second trade from its call on bar 3 on: bar 4 falls to
    # 97 through the stop 100 (close 102 - 2) -> both trades out at 100
    src = head(pyramiding=2) + (
        "if bar_index == 0 or bar_index == 2\n"
        '    strategy.entry("L", strategy.long)\n'
        'strategy.exit("x", "L", stop = close - 2)\n'
    )
    bars = [flat(100), flat(100), flat(102), flat(102), (102, 102, 97, 98), flat(98)]
    r = run_strategy(src, bars)
    assert fills(r) == [(1, 100.0, 4, 100.0, 1.0), (3, 102.0, 4, 100.0, 1.0)]


def test_exit_repriced_later_takes_a_new_trade_from_the_exits_after_it(run_strategy):
    # pyramiding 2, 1 contract each: L1 filled at bar 1's open (100), L2 placed on bar 2 and
    # filled at bar 3's. "x" (placed on bar 1, stop 90) covers L1; "y" (re-placed unchanged
    # every bar, stop 97) covers both and gets what "x" has not reserved: L2. On bar 4 "x" is
    # moved to stop 91: it now covers both trades, so "y" is left nothing. Bar 5 dips to 96
    # (under 97, over 91): no fill; bar 6 falls through 91 -> both out at 91 by "x"
    src = head(pyramiding=2) + (
        "if bar_index == 0 or bar_index == 2\n"
        '    strategy.entry("L", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.exit("x", "L", stop = 90)\n'
        "if bar_index == 4\n"
        '    strategy.exit("x", "L", stop = 91)\n'
        "if bar_index >= 1\n"
        '    strategy.exit("y", "L", stop = 97)\n'
    )
    bars = [flat(100)] * 5 + [(100, 100, 96, 99), (99, 99, 89, 90), flat(90)]
    r = run_strategy(src, bars)
    assert fills(r, "exit_signal", "exit_bar", "exit_price", "qty") == [
        ("x", 6, 91.0, 1.0),
        ("x", 6, 91.0, 1.0),
    ]


def test_exit_repriced_every_bar_keeps_the_reserve_of_an_earlier_exit(run_strategy):
    # 2 contracts at 100. "tp" reserves 50 % at the limit 110; "sl" (re-placed every bar at
    # close - 4) gets the other contract: bar 3 falls to 95 through its stop 98 (close 102
    # on bar 2) -> 1 out at 98; bar 4 rises to 111 -> the reserved one out at 110
    src = head(default_qty_value=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        '    strategy.exit("tp", "L", qty_percent = 50, limit = 110)\n'
        'strategy.exit("sl", "L", stop = close - 4)\n'
    )
    bars = [flat(100), flat(100), flat(102), (102, 102, 95, 96), (96, 111, 96, 110), flat(110)]
    r = run_strategy(src, bars)
    assert fills(r, "exit_signal", "exit_bar", "exit_price", "qty") == [
        ("sl", 3, 98.0, 1.0),
        ("tp", 4, 110.0, 1.0),
    ]


def test_exit_qty_percent_exits_part(run_strategy):
    # 4 contracts at 100; qty_percent 50 -> 2 leave at the limit 105 on bar 2; the other 2
    # stay open
    src = long_then('strategy.exit("x", "L", qty_percent = 50, limit = 105)', default_qty_value=4)
    r = run_strategy(src, [flat(100), flat(100), (100.5, 106, 100, 105.5), flat(106)])
    assert fills(r) == [(1, 100.0, 2, 105.0, 2.0), (1, 100.0, None, None, 2.0)]


def test_exit_qty_exits_part(run_strategy):
    # 4 contracts at 100; qty 1 -> one contract leaves at 105
    src = long_then('strategy.exit("x", "L", qty = 1, limit = 105)', default_qty_value=4)
    r = run_strategy(src, [flat(100), flat(100), (100.5, 106, 100, 105.5), flat(106)])
    assert fills(r) == [(1, 100.0, 2, 105.0, 1.0), (1, 100.0, None, None, 3.0)]


def test_later_exit_cannot_take_reserved_part(run_strategy):
    # 2 contracts at 100. "tp" reserves 50 % (1 contract) at the limit 105; "sl" (100 %)
    # gets only the unreserved contract. Bar 2 falls to 94: "sl" sells 1 at 95; bar 3 rises
    # to 106: "tp" sells the other at 105
    src = long_then(
        'strategy.exit("tp", "L", qty_percent = 50, limit = 105)\n'
        'strategy.exit("sl", "L", stop = 95)',
        default_qty_value=2,
    )
    bars = [flat(100), flat(100), (99.5, 100, 94, 94.5), (95, 106, 94.8, 105.5), flat(105)]
    r = run_strategy(src, bars)
    assert fills(r, "exit_signal", "exit_bar", "exit_price", "qty") == [
        ("sl", 2, 95.0, 1.0),
        ("tp", 3, 105.0, 1.0),
    ]


def test_exit_from_entry_with_close_entries_rule_any(run_strategy):
    # pyramiding 2: "A" at bar 1 open 100, "B" at bar 2 open 102. An exit from "B" with
    # profit 300 ticks -> 102 + 3 = 105; with close_entries_rule "ANY" it closes B, not A
    src = head(pyramiding=2, close_entries_rule='"ANY"') + (
        "if bar_index == 0\n"
        '    strategy.entry("A", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.entry("B", strategy.long)\n'
        '    strategy.exit("xb", "B", profit = 300)\n'
    )
    bars = [flat(100), flat(100), flat(102), (102.5, 106, 102, 105.5), flat(105)]
    r = run_strategy(src, bars)
    assert fills(r, "entry_signal", "entry_price", "exit_bar", "exit_price") == [
        ("A", 100.0, None, None),
        ("B", 102.0, 3, 105.0),
    ]


def test_exit_from_entry_closes_fifo_by_default(run_strategy):
    # the same with the default FIFO rule: the exit for B's quantity (1), at B's level 105,
    # closes the oldest trade first: A (entered at 100) leaves at 105, B stays open
    src = head(pyramiding=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("A", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.entry("B", strategy.long)\n'
        '    strategy.exit("xb", "B", profit = 300)\n'
    )
    bars = [flat(100), flat(100), flat(102), (102.5, 106, 102, 105.5), flat(105)]
    r = run_strategy(src, bars)
    assert fills(r, "entry_signal", "entry_price", "exit_bar", "exit_price") == [
        ("A", 100.0, 3, 105.0),
        ("B", 102.0, None, None),
    ]


def test_exit_without_from_entry_covers_later_entries(run_strategy):
    # the stop 95 placed on bar 0 covers "A" (bar 1, 100) and "B" (bar 2, 101), entered
    # later; bar 3 falls to 94 -> both leave at 95
    src = head(pyramiding=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("A", strategy.long)\n'
        '    strategy.exit("x", stop = 95)\n'
        "if bar_index == 1\n"
        '    strategy.entry("B", strategy.long)\n'
    )
    bars = [flat(100), flat(100), flat(101), (100.5, 101, 94, 94.5), flat(94)]
    r = run_strategy(src, bars)
    assert fills(r, "entry_signal", "entry_price", "exit_bar", "exit_price") == [
        ("A", 100.0, 3, 95.0),
        ("B", 101.0, 3, 95.0),
    ]


def test_exit_from_entry_ignores_same_id_entries_placed_later(run_strategy):
    # pyramiding 2: "L" on bar 0 (fills 100) and again on bar 2 (fills 102). The exit from "L"
    # is called on bar 0 only, so it covers the first "L" alone; bar 4 falls to 94: the first
    # trade leaves at 95, the second stays open
    src = head(pyramiding=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        '    strategy.exit("x", "L", stop = 95)\n'
        "if bar_index == 2\n"
        '    strategy.entry("L", strategy.long)\n'
    )
    bars = [flat(100), flat(100), flat(101), flat(102), (101.5, 102, 94, 94.5), flat(94)]
    r = run_strategy(src, bars)
    assert fills(r) == [(1, 100.0, 4, 95.0, 1.0), (3, 102.0, None, None, 1.0)]


def test_exit_called_again_modifies_its_levels(run_strategy):
    # the stop 95 of "x" moved to 97 on bar 1: bar 2 (99.5, 100, 96, 96.5) exits at 97
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        '    strategy.exit("x", "L", stop = 95)\n'
        "if bar_index == 1\n"
        '    strategy.exit("x", "L", stop = 97)\n'
    )
    r = run_strategy(src, [flat(100), flat(100), (99.5, 100, 96, 96.5), flat(96)])
    assert fills(r) == [(1, 100.0, 2, 97.0, 1.0)]


def test_entry_called_again_modifies_pending_order(run_strategy):
    # buy limit 95 (bar 0) replaced by a limit 97 under the same id (bar 1): bar 2 falls to
    # 96 -> one fill, at 97
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 95)\n'
        'if bar_index == 1\n    strategy.entry("L", strategy.long, limit = 97)\n'
    )
    r = run_strategy(src, [flat(100), flat(99), (99, 99.5, 96, 96.5), flat(96)])
    assert fills(r) == [(2, 97.0, None, None, 1.0)]


def test_exit_never_fills_at_market(run_strategy):
    # strategy.exit with no level creates no order: the position stays open
    src = long_then('strategy.exit("x", "L")')
    r = run_strategy(src, [flat(100), flat(100), flat(101), flat(102)])
    assert fills(r) == [(1, 100.0, None, None, 1.0)]


# ------------------------------------------------------------- strategy.close / close_all


@pytest.mark.parametrize(
    ("args", "closed"),
    [
        ("", 4.0),
        ("qty = 1", 1.0),
        ("qty_percent = 25", 1.0),
        ("qty_percent = 50", 2.0),
    ],
)
def test_close_market_order(run_strategy, args, closed):
    # 4 contracts at 100 (bar 1); close placed on bar 2 fills at bar 3's open 103
    src = head(default_qty_value=4) + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        "if bar_index == 2\n"
        f'    strategy.close("L"{", " + args if args else ""})\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102), flat(103), flat(103)])
    expected = [(1, 100.0, 3, 103.0, closed)]
    if closed < 4:
        expected.append((1, 100.0, None, None, 4.0 - closed))
    assert fills(r) == expected


def test_close_only_trades_of_its_entry_id(run_strategy):
    # "A" at 100 and "B" at 101; close("B") on bar 2 -> B leaves at bar 3 open 103
    src = head(pyramiding=2, close_entries_rule='"ANY"') + (
        "if bar_index == 0\n"
        '    strategy.entry("A", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.entry("B", strategy.long)\n'
        "if bar_index == 2\n"
        '    strategy.close("B")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(101), flat(103), flat(103)])
    assert fills(r, "entry_signal", "exit_bar", "exit_price") == [
        ("A", None, None),
        ("B", 3, 103.0),
    ]


def test_close_unknown_id_does_nothing(run_strategy):
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 2\n    strategy.close("nope")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102), flat(103)])
    assert fills(r) == [(1, 100.0, None, None, 1.0)]


def test_close_all_flattens_everything(run_strategy):
    # "A" 100, "B" 101; close_all on bar 2 -> both out at bar 3's open 103
    src = head(pyramiding=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("A", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.entry("B", strategy.long)\n'
        "if bar_index == 2\n"
        "    strategy.close_all()\n"
    )
    r = run_strategy(src, [flat(100), flat(100), flat(101), flat(103), flat(103)])
    assert fills(r, "entry_signal", "exit_bar", "exit_price") == [("A", 3, 103.0), ("B", 3, 103.0)]


@pytest.mark.parametrize(
    "call", ['strategy.close("L", immediately = true)', "strategy.close_all(immediately = true)"]
)
def test_close_immediately_fills_at_this_close(run_strategy, call):
    # placed on bar 2 (close 102.5): fills at 102.5 on bar 2, not at bar 3's open 103;
    # strategy.position_size reads 0 right after the call on bar 2
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        "if bar_index == 2\n"
        f"    {call}\n"
        'plot(strategy.position_size, "pos")\n'
    )
    bars = [flat(100), flat(100), (101, 103, 100.5, 102.5), flat(103), flat(103)]
    r = run_strategy(src, bars)
    assert fills(r) == [(1, 100.0, 2, 102.5, 1.0)]
    assert r.plots["pos"].tolist() == [0, 1, 0, 0, 0]


# ------------------------------------------------------------ strategy.cancel / cancel_all


def test_cancel_removes_pending_order(run_strategy):
    # buy limit 95 placed on bar 0, cancelled on bar 1 (bar 1 stays above 95); bar 2 falls to
    # 90 but nothing is left to fill
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 95)\n'
        'if bar_index == 1\n    strategy.cancel("L")\n'
    )
    r = run_strategy(src, [flat(100), flat(99), (99, 99.5, 90, 91), flat(91)])
    assert fills(r) == []


def test_cancel_other_id_keeps_order(run_strategy):
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 95)\n'
        'if bar_index == 1\n    strategy.cancel("other")\n'
    )
    r = run_strategy(src, [flat(100), flat(99), (99, 99.5, 90, 91), flat(91)])
    assert fills(r) == [(2, 95.0, None, None, 1.0)]


def test_cancel_all_removes_every_pending_order(run_strategy):
    src = head(pyramiding=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("A", strategy.long, limit = 95)\n'
        '    strategy.entry("B", strategy.long, stop = 105)\n'
        "if bar_index == 1\n"
        "    strategy.cancel_all()\n"
    )
    r = run_strategy(src, [flat(100), flat(100), (100, 106, 90, 100), flat(100)])
    assert fills(r) == []


def test_cancel_exit_order(run_strategy):
    # the bracket "x" (stop 95) cancelled on bar 1: the fall to 90 on bar 2 does not exit
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        '    strategy.exit("x", "L", stop = 95)\n'
        "if bar_index == 1\n"
        '    strategy.cancel("x")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), (99.5, 100, 90, 91), flat(91)])
    assert fills(r) == [(1, 100.0, None, None, 1.0)]


# ----------------------------------------------------------------------- strategy.order


def test_order_does_not_reverse(run_strategy):
    # long 1 at 100 (bar 1); strategy.order sell 3 on bar 1 fills at bar 2 open 102: it
    # closes the long 1 and leaves a 2-contract short (an entry would leave -3)
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 1\n    strategy.order("S", strategy.short, qty = 3)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102), flat(101)])
    assert fills(r, "direction", "entry_price", "exit_price", "qty") == [
        ("long", 100.0, 102.0, 1.0),
        ("short", 102.0, None, 2.0),
    ]
    assert r.plots["pos"].tolist() == [0, 1, -2, -2]


def test_entry_reverses_where_order_does_not(run_strategy):
    # the same with strategy.entry: it sells 3 + 1 = 4 -> short 3
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 1\n    strategy.entry("S", strategy.short, qty = 3)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102), flat(101)])
    assert r.plots["pos"].tolist() == [0, 1, -3, -3]


def test_order_ignores_pyramiding(run_strategy):
    # three buys of 1 with pyramiding 1: all fill, at 101, 102, 103
    src = head() + 'if bar_index < 3\n    strategy.order("B", strategy.long)\n'
    r = run_strategy(src, [flat(100 + i) for i in range(5)])
    assert fills(r, "entry_bar", "entry_price", "qty") == [
        (1, 101.0, 1.0),
        (2, 102.0, 1.0),
        (3, 103.0, 1.0),
    ]


def test_order_sell_reduces_fifo(run_strategy):
    # buys of 1 at 101 and 102, then strategy.order sell 1 (bar 2 -> bar 3 open 103): the
    # oldest trade (101) closes; position 1 left
    src = head() + (
        'if bar_index < 2\n    strategy.order("B", strategy.long)\n'
        'if bar_index == 2\n    strategy.order("S", strategy.short)\n'
    )
    r = run_strategy(src, [flat(100 + i) for i in range(5)])
    assert fills(r, "entry_price", "exit_bar", "exit_price") == [
        (101.0, 3, 103.0),
        (102.0, None, None),
    ]


# -------------------------------------------------------------------------------- OCA


def test_oca_cancel(run_strategy):
    # buy stop 105 and sell stop 95 in one oca.cancel group. Bar 1 (100, 106, 99.5, 105.5):
    # low first, 99.5 (above 95) -> 106 fills the buy at 105 and cancels the sell; bar 2 falls
    # to 94 but no short entry follows
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("B", strategy.long, stop = 105, oca_name = "g", '
        "oca_type = strategy.oca.cancel)\n"
        '    strategy.entry("S", strategy.short, stop = 95, oca_name = "g", '
        "oca_type = strategy.oca.cancel)\n"
    )
    bars = [flat(100), (100, 106, 99.5, 105.5), (105, 105.5, 94, 94.5), flat(94)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_price") == [
        ("long", 1, 105.0, None)
    ]


def test_without_oca_both_fill(run_strategy):
    # control: the same orders without a group: both fill. The short stop 95 was sized while
    # flat (1 contract), so on bar 2 it closes the long and opens nothing (TradingView's
    # slippage_limit list, trade 6)
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("B", strategy.long, stop = 105)\n'
        '    strategy.entry("S", strategy.short, stop = 95)\n'
    )
    bars = [flat(100), (100, 106, 99.5, 105.5), (105, 105.5, 94, 94.5), flat(94)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_price") == [
        ("long", 1, 105.0, 95.0),
    ]


def test_oca_reduce(run_strategy):
    # long 3 at 100. Sell limit 105 qty 2 and sell stop 95 qty 3 in one oca.reduce group.
    # Bar 2 rises to 106: the limit sells 2 at 105 and reduces the stop to 3 - 2 = 1.
    # Bar 3 falls to 94: the stop sells 1 at 95 -> flat (without the group: short 2)
    src = head(default_qty_value=3) + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.order("tp", strategy.short, qty = 2, limit = 105, oca_name = "g", '
        "oca_type = strategy.oca.reduce)\n"
        '    strategy.order("sl", strategy.short, qty = 3, stop = 95, oca_name = "g", '
        "oca_type = strategy.oca.reduce)\n"
        'plot(strategy.position_size, "pos")\n'
    )
    bars = [flat(100), flat(100), (100.5, 106, 100, 105.5), (99.5, 100, 94, 94.5), flat(94)]
    r = run_strategy(src, bars)
    assert fills(r, "exit_signal", "exit_bar", "exit_price", "qty") == [
        ("tp", 2, 105.0, 2.0),
        ("sl", 3, 95.0, 1.0),
    ]
    assert r.plots["pos"].tolist() == [0, 3, 1, 0, 0]


# ------------------------------------------------------------------------ strategy.risk.*


def test_allow_entry_in_long_turns_reversal_into_close(run_strategy):
    # only long entries allowed: the short entry on bar 1 closes the long at bar 2 open 102
    # and opens nothing
    src = head() + (
        "strategy.risk.allow_entry_in(strategy.direction.long)\n"
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 1\n    strategy.entry("S", strategy.short)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102), flat(101)])
    assert fills(r) == [(1, 100.0, 2, 102.0, 1.0)]
    assert r.plots["pos"].tolist() == [0, 1, 0, 0]


def test_allow_entry_in_blocks_entry_when_flat(run_strategy):
    src = head() + (
        "strategy.risk.allow_entry_in(strategy.direction.long)\n"
        'if bar_index == 0\n    strategy.entry("S", strategy.short)\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102)])
    assert fills(r) == []


def test_max_position_size_reduces_entry(run_strategy):
    # max 2 contracts: an entry of 3 fills 2 (the quantity is reduced to fit)
    src = head() + (
        "strategy.risk.max_position_size(2)\n"
        'if bar_index == 0\n    strategy.entry("L", strategy.long, qty = 3)\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102)])
    assert fills(r) == [(1, 100.0, None, None, 2.0)]


def test_max_position_size_with_pyramiding(run_strategy):
    # max 2: entries of 1 on bars 0, 1, 2 with pyramiding 3 -> the third does not fill
    src = head(pyramiding=3) + (
        "strategy.risk.max_position_size(2)\n"
        'if bar_index < 3\n    strategy.entry("L" + str.tostring(bar_index), strategy.long)\n'
    )
    r = run_strategy(src, [flat(100 + i) for i in range(5)])
    assert fills(r, "entry_price", "qty") == [(101.0, 1.0), (102.0, 1.0)]


# ------------------------------------------------------------------------------ margin


@pytest.mark.parametrize(
    ("qty", "expected"),
    [
        (11, []),
        (10, [(1, 100.0, None, None, 10.0)]),
    ],
)
def test_entry_needing_more_than_equity_is_not_filled(run_strategy, qty, expected):
    # capital 1,000, margin 100 %: 11 contracts at 100 need 1,100 > 1,000 -> rejected;
    # 10 contracts need exactly 1,000 -> filled
    src = head(initial_capital=1000, margin_long=100) + (
        f'if bar_index == 0\n    strategy.entry("L", strategy.long, qty = {qty})\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(100)])
    assert fills(r) == expected


@pytest.mark.parametrize(
    ("qty", "expected"),
    [
        # 10 at 100 needs 1,000 > the 950 left after the loss -> rejected
        (10, [(1, 100.0, 2, 95.0, 10.0)]),
        # 9 at 100 needs 900 -> filled at bar 4 open 100
        (9, [(1, 100.0, 2, 95.0, 10.0), (4, 100.0, None, None, 9.0)]),
    ],
)
def test_entry_margin_is_checked_against_the_equity_left(run_strategy, qty, expected):
    # capital 1,000, margin 100 %: 10 at 100 fills (bar 1), closed at bar 2 open 95 (-50:
    # equity 950); the next entry, placed on bar 3 (close 100), must fit in 950 (measured:
    # TradingView's composite-ies-equity-feedback-sizing probe, 79 of 477 daily entries sized
    # from strategy.equity filled: those needing more than the equity were not; the largest
    # filled needed 99.7 % of it, the smallest rejected 100.6 %)
    src = head(initial_capital=1000, margin_long=100) + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long, qty = 10)\n'
        'if bar_index == 1\n    strategy.close("L")\n'
        f'if bar_index == 3\n    strategy.entry("L", strategy.long, qty = {qty})\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(95), flat(100), flat(100), flat(100)])
    assert fills(r) == expected


def test_rejected_entry_leaves_its_oca_group(run_strategy):
    # capital 1,000: the first entry of the cancel group (20 at 100 = 2,000) is rejected for
    # margin, so it does not cancel the second (5 at 100), which fills
    src = head(initial_capital=1000, margin_long=100) + (
        "if bar_index == 0\n"
        '    strategy.entry("A", strategy.long, qty = 20, oca_name = "g", '
        "oca_type = strategy.oca.cancel)\n"
        '    strategy.entry("B", strategy.long, qty = 5, oca_name = "g", '
        "oca_type = strategy.oca.cancel)\n"
    )
    r = run_strategy(src, [flat(100), flat(100), flat(100)])
    assert fills(r) == [(1, 100.0, None, None, 5.0)]


def test_margin_call_liquidates_four_times_the_shortfall(run_strategy):
    # capital 1,000, margin_long 50 %: 15 contracts at 100 need 750 -> filled (bar 1).
    # Bar 2 trades only at 62.5 (UM Strategies > Margin):
    #   open profit = 15 * (62.5 - 100) = -562.5; equity = 1000 - 562.5 = 437.5
    #   required margin = 15 * 62.5 * 0.5 = 468.75; available = 437.5 - 468.75 = -31.25
    #   loss = -31.25 / 0.5 = -62.5; cover = trunc(62.5 / 62.5) = 1; liquidate 4 * 1 = 4
    # -> 4 contracts leave at 62.5 on bar 2, 11 remain (then 11 * 62.5 * 0.5 = 343.75 is
    # covered by 437.5)
    src = head(initial_capital=1000, margin_long=50) + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long, qty = 15)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(62.5), flat(62.5)], mincontract=1)
    assert fills(r) == [(1, 100.0, 2, 62.5, 4.0), (1, 100.0, None, None, 11.0)]
    assert r.plots["pos"].tolist() == [0, 15, 11, 11]
    assert r.strategy.margin_calls == 1
    assert r.metrics["all"]["margin_calls"] == 1
