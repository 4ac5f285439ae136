"""TradingView's broker emulator, one fill rule at a time (LANGUAGE-NOTES §14-15).

Each test runs a tiny Pine v6 strategy on a few hand-made bars ``(open, high, low, close)``
and checks the fills against prices worked out by hand from the rules; the arithmetic is in
the comments. Unless a test says otherwise: capital 1,000,000, one contract per order, no
commission, no slippage, symbol mintick 0.01 and point value 1.
"""

from __future__ import annotations

import math

import pytest


def head(**params) -> str:
    """The declaration line of a test strategy: fixed size 1 unless ``params`` say more."""
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
    bar/price, qty), prices rounded to 1e-9; an open trade's exit is (None, None)."""
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


# ----------------------------------------------------------------------------- 15.1 timing

MARKET_IN_OUT = """
if bar_index == 0
    strategy.entry("L", strategy.long)
if bar_index == 2
    strategy.close("L")
"""

TIMING_BARS = [
    (100, 101, 99, 100.5),
    (102, 103, 101, 102.5),
    (104, 105, 103, 104.5),
    (106, 107, 105, 106.5),
]


def test_market_order_fills_at_next_open(run_strategy):
    # entry placed on bar 0 -> bar 1 open 102; close placed on bar 2 -> bar 3 open 106
    r = run_strategy(head() + MARKET_IN_OUT, TIMING_BARS)
    assert fills(r) == [(1, 102.0, 3, 106.0, 1.0)]
    assert r.trades["profit"].tolist() == [4.0]  # 106 - 102


def test_process_orders_on_close_fills_at_signal_close(run_strategy):
    # entry at bar 0's close 100.5, close at bar 2's close 104.5: profit 4
    r = run_strategy(head(process_orders_on_close="true") + MARKET_IN_OUT, TIMING_BARS)
    assert fills(r) == [(0, 100.5, 2, 104.5, 1.0)]
    assert r.trades["profit"].tolist() == [4.0]


@pytest.mark.parametrize(
    ("order", "bar2", "fill"),
    [
        # sell stop 1030 (high * 10) is passed by bar 1's close 101 -> fills there (measured:
        # TradingView's order-deferred-flip-pooc-cross-bar probe, every entry at its signal
        # bar's close)
        ('strategy.entry("E", strategy.short, stop = high * 10)', (101, 102, 100, 101.5),
         ("short", 1, 101.0)),
        # a buy limit 105 is as good at the close 101 -> fills there too (the same close tick)
        ('strategy.entry("E", strategy.long, limit = 105)', (101, 102, 100, 101.5),
         ("long", 1, 101.0)),
        # sell stop 99 is not passed at the close 101: it waits for bar 2, whose path
        # O 101 -> H 102 -> L 98 meets it at 99
        ('strategy.entry("E", strategy.short, stop = 99)', (101, 102, 98, 100),
         ("short", 2, 99.0)),
    ],
)  # fmt: skip
def test_process_orders_on_close_fills_price_orders_the_close_has_passed(
    run_strategy, order, bar2, fill
):
    src = head(process_orders_on_close="true") + f"if bar_index == 1\n    {order}\n"
    r = run_strategy(src, [flat(100), (100, 103, 99, 101), bar2, flat(100)])
    assert fills(r, "direction", "entry_bar", "entry_price") == [fill]


# ------------------------------------------------------------------ 15.2 intrabar path

BRACKET = """
if bar_index == 0
    strategy.entry("L", strategy.long)
    strategy.exit("x", "L", limit = 105, stop = 95)
"""


@pytest.mark.parametrize(
    ("bar2", "exit_price"),
    [
        # open 104: 2 from the high 106, 10 from the low 94 -> O-H-L-C, the limit 105 first
        ((104, 106, 94, 100), 105.0),
        # open 96: 10 from the high, 2 from the low -> O-L-H-C, the stop 95 first
        ((96, 106, 94, 100), 95.0),
        # open 100 equidistant (6/6): TV leaves it open; PyneCore (measured) goes low first
        ((100, 106, 94, 100), 95.0),
    ],
)
def test_intrabar_path_decides_which_exit_fills(run_strategy, bar2, exit_price):
    # entry fills at bar 1 open 100; bar 1 (100..100.5/99.5) reaches neither level
    bars = [flat(100), (100, 100.5, 99.5, 100), bar2, flat(100)]
    r = run_strategy(head() + BRACKET, bars)
    assert fills(r) == [(1, 100.0, 2, exit_price, 1.0)]


def test_limit_entry_fills_at_its_price(run_strategy):
    # buy limit 98 placed at close 100: bar 1 low 98.5 does not reach it, bar 2 (open 100,
    # low 97) trades through 98 -> fill at exactly 98
    src = head() + 'if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 98)\n'
    bars = [flat(100), (100, 101, 98.5, 99), (100, 101, 97, 99), flat(99)]
    r = run_strategy(src, bars)
    assert fills(r) == [(2, 98.0, None, None, 1.0)]


def test_marketable_limit_fills_at_next_open(run_strategy):
    # buy limit 105 placed at close 100 is already better than the market: bar 1 open 101
    src = head() + 'if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 105)\n'
    r = run_strategy(src, [flat(100), (101, 102, 100, 101), flat(101)])
    assert fills(r) == [(1, 101.0, None, None, 1.0)]


def test_stop_entry_fills_at_its_price(run_strategy):
    # buy stop 102: bar 1 open 100, low 99.5 (0.5 away) first, then up to 103 -> fill 102.
    # sell stop 98 on the mirrored bar 1 (open 100, high 100.5 first, down to 97) -> 98
    long = head() + 'if bar_index == 0\n    strategy.entry("L", strategy.long, stop = 102)\n'
    short = head() + 'if bar_index == 0\n    strategy.entry("S", strategy.short, stop = 98)\n'
    r = run_strategy(long, [flat(100), (100, 103, 99.5, 102.5), flat(102)])
    assert fills(r) == [(1, 102.0, None, None, 1.0)]
    r = run_strategy(short, [flat(100), (100, 100.5, 97, 97.5), flat(98)])
    assert fills(r, "direction", "entry_bar", "entry_price") == [("short", 1, 98.0)]


@pytest.mark.parametrize(
    ("bar1", "price"),
    [
        ((90, 91, 89, 90), 90.0),  # buy limit 95 gapped through favourably: the open 90
    ],
)
def test_gapped_limit_entry_fills_at_open(run_strategy, bar1, price):
    src = head() + 'if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 95)\n'
    r = run_strategy(src, [flat(100), bar1, flat(90)])
    assert fills(r) == [(1, price, None, None, 1.0)]


def test_gapped_stop_entry_fills_at_open(run_strategy):
    # buy stop 105 placed at close 100; bar 1 opens at 110, over the stop -> fill at 110
    src = head() + 'if bar_index == 0\n    strategy.entry("L", strategy.long, stop = 105)\n'
    r = run_strategy(src, [flat(100), (110, 111, 109, 110), flat(110)])
    assert fills(r) == [(1, 110.0, None, None, 1.0)]


@pytest.mark.parametrize(
    ("bar2", "exit_price"),
    [
        ((90, 91, 89, 90), 90.0),  # the stop loss 95 gapped through: out at the open 90
        ((110, 111, 109, 110), 110.0),  # the take profit 105 gapped through: out at 110
    ],
)
def test_gapped_exit_fills_at_open(run_strategy, bar2, exit_price):
    r = run_strategy(head() + BRACKET, [flat(100), flat(100), bar2, flat(100)])
    assert fills(r) == [(1, 100.0, 2, exit_price, 1.0)]


def test_stop_limit_entry_needs_price_back_at_the_limit(run_strategy):
    # buy stop 105 limit 104, placed at close 100.
    # bar 1 (100, 106, 99, 105.5): low first (1 < 6): 100 -> 99 -> 106 triggers the stop at
    #   105, then 106 -> 105.5 never comes back to 104: no fill.
    # bar 2 (105, 105.5, 103.5, 104): high first (0.5 < 1.5): 105 -> 105.5 -> 103.5 crosses
    #   the limit 104 -> fill at 104.
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long, stop = 105, limit = 104)\n'
    )
    bars = [flat(100), (100, 106, 99, 105.5), (105, 105.5, 103.5, 104), flat(104)]
    r = run_strategy(src, bars)
    assert fills(r) == [(2, 104.0, None, None, 1.0)]


@pytest.mark.parametrize(
    ("limit", "bar1", "price"),
    [
        # the open 107 jumps over the stop 105 and activates the buy limit 106; the open is
        # above 106, so it waits: high first (1 < 1.5), 107 -> 108 -> 105.5 crosses 106
        (106, (107, 108, 105.5, 106), 106.0),
        # buy limit 108 is already better than the open 107 once activated: fill at 107
        (108, (107, 108, 106.5, 107.5), 107.0),
    ],
)
def test_gapped_stop_limit(run_strategy, limit, bar1, price):
    src = head() + (
        f'if bar_index == 0\n    strategy.entry("L", strategy.long, stop = 105, limit = {limit})\n'
    )
    r = run_strategy(src, [flat(100), bar1, flat(106)])
    assert fills(r, "entry_bar", "entry_price") == [(1, price)]


def test_several_orders_fill_in_path_order(run_strategy):
    # two buy limits 99 ("A") and 97 ("B"), pyramiding 2, placed at close 100.
    # bar 1 (100, 100.5, 96, 97): high first (0.5 < 4): 100 -> 100.5 -> 96 reaches 99 then 97
    src = head(pyramiding=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("B", strategy.long, limit = 97)\n'
        '    strategy.entry("A", strategy.long, limit = 99)\n'
    )
    r = run_strategy(src, [flat(100), (100, 100.5, 96, 97), flat(97)])
    assert fills(r, "entry_signal", "entry_bar", "entry_price") == [("A", 1, 99.0), ("B", 1, 97.0)]


@pytest.mark.parametrize("short_first", [True, False])
def test_orders_passed_at_one_open_fill_buys_first(run_strategy, short_first):
    # a sell stop and a buy stop both at bar 1's close 4141.19 (in either source order); bar 2
    # opens exactly there: both fill at the open, the buy first (long 1), then the sell, which
    # was placed flat (1 contract) and closes it (measured: TradingView's
    # order-dual-stop-open-tie probe, "long second at close" filled before "short first at
    # close" on every tied open). The levels and the open are the same float on the tick grid.
    short = '    strategy.entry("S", strategy.short, stop = close)\n'
    long = '    strategy.entry("L", strategy.long, stop = close)\n'
    src = head() + "if bar_index == 1\n" + (short + long if short_first else long + short)
    bars = [flat(4140), (4140, 4142, 4139, 4141.19), (4141.19, 4141.5, 4130, 4135), flat(4135)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "exit_price") == [
        ("long", 2, 4141.19, 2, 4141.19),
    ]


def test_exit_placed_with_entry_fills_on_entry_bar(run_strategy):
    # entry and its bracket (take profit 500 ticks = 105) placed on bar 0; bar 1
    # (100, 106, 99.5, 105): the entry fills at the open 100, then 100 -> 99.5 -> 106 reaches 105
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        '    strategy.exit("x", "L", profit = 500, loss = 500)\n'
    )
    r = run_strategy(src, [flat(100), (100, 106, 99.5, 105), flat(105)])
    assert fills(r) == [(1, 100.0, 1, 105.0, 1.0)]


# ----------------------------------------------------------------------------- slippage


def test_slippage_on_market_orders_goes_against_the_trader(run_strategy):
    # slippage 2 ticks = 0.02: long bought at 102 + 0.02, sold at 106 - 0.02
    r = run_strategy(head(slippage=2) + MARKET_IN_OUT, TIMING_BARS)
    assert fills(r) == [(1, 102.02, 3, 105.98, 1.0)]
    # short: sold at 102 - 0.02, bought back at 106 + 0.02
    src = head(slippage=2) + MARKET_IN_OUT.replace("strategy.long", "strategy.short")
    r = run_strategy(src, TIMING_BARS)
    assert fills(r) == [(1, 101.98, 3, 106.02, 1.0)]


def test_slippage_on_stops_but_not_on_limits(run_strategy):
    # buy stop 102 fills at 102 + 0.02; its stop loss 98 (sell stop) fills at 98 - 0.02
    stop_src = head(slippage=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long, stop = 102)\n'
        '    strategy.exit("x", "L", stop = 98, limit = 110)\n'
    )
    bars = [flat(100), (100, 103, 99.5, 102.5), (101, 101.5, 97, 97.5), flat(97)]
    r = run_strategy(stop_src, bars)
    assert fills(r) == [(1, 102.02, 2, 97.98, 1.0)]
    # buy limit 99 fills at 99 exactly; its take profit 101 (sell limit) at 101 exactly
    limit_src = head(slippage=2) + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long, limit = 99)\n'
        '    strategy.exit("x", "L", stop = 90, limit = 101)\n'
    )
    bars = [flat(100), (100, 100.5, 98.5, 99), (99.5, 102, 99, 101.5), flat(101)]
    r = run_strategy(limit_src, bars)
    assert fills(r) == [(1, 99.0, 2, 101.0, 1.0)]


# ------------------------------------------------------------- reversals and pyramiding


def test_entry_against_position_reverses_it(run_strategy):
    # long 1 at bar 1 open 100; short entry qty 2 placed on bar 1 -> the bar 2 order sells
    # 1 + 2 = 3 at 102: the long closes (+2), a 2-contract short opens at 102; close_all on
    # bar 3 buys 2 back at bar 4 open 101: 2 * (102 - 101) = +2
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.entry("S", strategy.short, qty = 2)\n'
        "if bar_index == 3\n"
        "    strategy.close_all()\n"
        'plot(strategy.position_size, "pos")\n'
    )
    bars = [flat(100), flat(100), flat(102), flat(101), flat(101), flat(101)]
    r = run_strategy(src, bars)
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "exit_price", "qty") == [
        ("long", 1, 100.0, 2, 102.0, 1.0),
        ("short", 2, 102.0, 4, 101.0, 2.0),
    ]
    assert r.trades["profit"].tolist() == [2.0, 2.0]
    assert r.plots["pos"].tolist() == [0, 1, -2, -2, 0, 0]


def test_price_entry_placed_flat_only_closes_a_position_opened_later(run_strategy):
    # a long limit 99 placed on bar 0, a sell stop 95 on bar 1 while still flat; bar 2 opens
    # at 99 (the limit fills there) and falls to 94 (the stop at 95). The stop's size was
    # fixed when it was placed, while flat: 1 contract, which closes the long and opens
    # nothing (measured on TradingView's slippage_limit list, trade 6; see tests/conformance)
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long, limit = 99)\n'
        "if bar_index == 1\n"
        '    strategy.entry("S", strategy.short, stop = 95)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), (99, 99.5, 94, 94.5), flat(94)])
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "exit_price") == [
        ("long", 2, 99.0, 2, 95.0),
    ]
    assert r.plots["pos"].tolist() == [0, 0, 0, 0]


def test_price_entry_carries_the_position_a_pending_market_entry_will_open(run_strategy):
    # a market long and then a sell stop 95 placed together on bar 0, while flat: the stop
    # is sized against the position the market entry will leave (long 1), so it sells 1 + 1.
    # The long fills at bar 1 open 100; bar 2 (99.5, 100, 94, 94.5) reaches 95: the stop
    # closes the long and opens a short of 1 (measured: TradingView's
    # pyramid-deferred-flip-close-all probe, 2025-12-13 04:00 long / 04:30 short of 1)
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        '    strategy.entry("S", strategy.short, stop = 95)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), (99.5, 100, 94, 94.5), flat(94)])
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "exit_price") == [
        ("long", 1, 100.0, 2, 95.0),
        ("short", 2, 95.0, None, None),
    ]
    assert r.plots["pos"].tolist() == [0, 1, -1, -1]


def test_price_entry_placed_while_in_position_reverses(run_strategy):
    # the sell stop 95 placed on bar 1, when already long 1: its size is 1 + 1 = 2, so on
    # bar 2 it closes the long at 95 and opens a 1-contract short there
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 1\n    strategy.entry("S", strategy.short, stop = 95)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), (99.5, 100, 94, 94.5), flat(94)])
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "exit_price") == [
        ("long", 1, 100.0, 2, 95.0),
        ("short", 2, 95.0, None, None),
    ]
    assert r.plots["pos"].tolist() == [0, 1, -1, -1]


def test_close_then_entry_flip_opens_only_the_entry(run_strategy):
    # long 1 at bar 1 open 100. Bar 1 calls close("L") and then entry("S"): the close already
    # pending covers the long, so the entry reverses nothing and sells its own 1. Bar 2 open
    # 102: the close sells 1 (+2), then the entry opens a 1-contract short at 102. Repeated
    # flips keep the size at 1 (measured: TradingView's ta-sma-dual-cross probe, qty 1 each)
    src = head() + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        "if bar_index == 1\n"
        '    strategy.close("L")\n'
        '    strategy.entry("S", strategy.short)\n'
        "if bar_index == 2\n"
        '    strategy.close("S")\n'
        '    strategy.entry("L", strategy.long)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100), flat(100), flat(102), flat(101), flat(101)])
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "qty") == [
        ("long", 1, 100.0, 2, 1.0),
        ("short", 2, 102.0, 3, 1.0),
        ("long", 3, 101.0, None, 1.0),
    ]
    assert r.plots["pos"].tolist() == [0, 1, -1, 1, 1]


@pytest.mark.parametrize(
    ("calls", "short_qty"),
    [
        # the stop entry placed before the close: it carries the long's 1 -> sells 2
        ('    strategy.entry("S", strategy.short, stop = 95)\n    strategy.close("L")\n', 2.0),
        # the close placed first: nothing is left to reverse -> sells 1
        ('    strategy.close("L")\n    strategy.entry("S", strategy.short, stop = 95)\n', 1.0),
    ],
)
def test_price_entry_reversal_part_nets_the_closes_placed_before_it(run_strategy, calls, short_qty):
    # long 1 at bar 1 open 100; bar 1 places the close and a sell stop 95. Bar 2 opens at 99
    # (the close sells the long there), then falls to 94 and meets the stop at 95, which
    # opens what is left of its size fixed at placement (measured: TradingView's
    # pyramid-flip-stop-pyramiding-2 probe, "opposite stop first" 2, "second" 1)
    src = head() + 'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
    src += "if bar_index == 1\n" + calls
    r = run_strategy(src, [flat(100), flat(100), (99, 99, 94, 94.5), flat(94)])
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "exit_price", "qty") == [
        ("long", 1, 100.0, 2, 99.0, 1.0),
        ("short", 2, 95.0, None, None, short_qty),
    ]


@pytest.mark.parametrize(
    ("calls", "expected"),
    [
        # pyramiding 2: the second long, placed before the close_all, fills at bar 2 open 102;
        # the close_all closes only the long held when it was placed (measured: TradingView's
        # pyramid-deferred-flip-close-all probe, 2025-09-11 22:00)
        (
            '    strategy.entry("L", strategy.long)\n    strategy.close_all()\n',
            [("long", 1, 101.0, 2, 102.0), ("long", 2, 102.0, None, None)],
        ),
        # the short reverses the long at bar 2 open 102; the close_all, placed for the long,
        # leaves the new short alone (measured: the same probe, 2025-05-28 22:00, the other
        # way round)
        (
            '    strategy.entry("S", strategy.short)\n    strategy.close_all()\n',
            [("long", 1, 101.0, 2, 102.0), ("short", 2, 102.0, None, None)],
        ),
    ],
)
def test_close_all_closes_the_position_held_when_placed(run_strategy, calls, expected):
    src = head(pyramiding=2) + 'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
    src += "if bar_index == 1\n" + calls
    r = run_strategy(src, [flat(100), flat(101), flat(102), flat(103)])
    assert fills(r, "direction", "entry_bar", "entry_price", "exit_bar", "exit_price") == expected


def test_default_sized_reversal_adds_the_position(run_strategy):
    # capital 1,000, 50 % of equity, step 1. Bar 0 close 100: 500 / 100 = 5 long, filled at
    # bar 1 open 100. Bar 1 close 100, equity 1,000: the short entry's own size is 5 and the
    # order sells 5 + 5 = 10 at bar 2 open 100 -> short 5
    src = head(
        initial_capital=1000,
        default_qty_type="strategy.percent_of_equity",
        default_qty_value=50,
    ) + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
        'if bar_index == 1\n    strategy.entry("S", strategy.short)\n'
        'plot(strategy.position_size, "pos")\n'
    )
    r = run_strategy(src, [flat(100)] * 4, mincontract=1)
    assert fills(r, "direction", "entry_bar", "qty") == [("long", 1, 5.0), ("short", 2, 5.0)]
    assert r.plots["pos"].tolist() == [0, 5, -5, -5]


@pytest.mark.parametrize(("pyramiding", "entries"), [(0, 1), (1, 1), (2, 2), (3, 3)])
def test_pyramiding_caps_entries_in_one_direction(run_strategy, pyramiding, entries):
    # three long entries on bars 0, 1, 2 (fills at bars 1, 2, 3); pyramiding 0 and 1 both
    # allow one entry per direction
    src = head(pyramiding=pyramiding) + (
        'if bar_index < 3\n    strategy.entry("L" + str.tostring(bar_index), strategy.long)\n'
    )
    r = run_strategy(src, [flat(100 + i) for i in range(5)])
    assert fills(r, "entry_bar", "entry_price") == [(1 + i, 101.0 + i) for i in range(entries)]


def test_same_id_entry_does_not_add_to_position(run_strategy):
    # "L" again while long with pyramiding 1: ignored
    src = head() + 'if bar_index < 3\n    strategy.entry("L", strategy.long)\n'
    r = run_strategy(src, [flat(100 + i) for i in range(5)])
    assert fills(r, "entry_bar", "entry_price", "qty") == [(1, 101.0, 1.0)]


# ----------------------------------------------------------------------------- sizing


def test_percent_of_equity_sized_on_signal_bar_with_percent_commission(run_strategy):
    # 10 % of 10,000 = 1,000 at the signal bar's close 100, commission 0.1 % included:
    # qty = 1000 / (100 * 1.001) = 9.99000999 -> 9.990 (step 0.001), though it fills at 90
    src = head(
        initial_capital=10000,
        default_qty_type="strategy.percent_of_equity",
        default_qty_value=10,
        commission_type="strategy.commission.percent",
        commission_value=0.1,
    ) + ('if bar_index == 0\n    strategy.entry("L", strategy.long)\n')
    r = run_strategy(src, [flat(100), flat(90), flat(90)], mincontract=0.001)
    assert fills(r) == [(1, 90.0, None, None, 9.99)]
    # entry commission 9.99 * 90 * 0.001 = 0.8991
    assert r.trades["commission"].iloc[0] == pytest.approx(0.8991)


def test_cash_sizing_on_signal_bar(run_strategy):
    # 1,000 of cash at the signal close 125 -> 8 contracts (step 1), though it fills at 100
    src = head(default_qty_type="strategy.cash", default_qty_value=1000) + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
    )
    r = run_strategy(src, [flat(125), flat(100), flat(100)], mincontract=1)
    assert fills(r) == [(1, 100.0, None, None, 8.0)]


def test_price_order_sized_at_fill_price(run_strategy):
    # buy limit 95 sized by 10 % of 10,000 = 1,000 frozen at placement, at the fill price
    # 95: 1000 / 95 = 10.526315... -> 10.526 (step 0.001)
    src = head(
        initial_capital=10000,
        default_qty_type="strategy.percent_of_equity",
        default_qty_value=10,
    ) + ('if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 95)\n')
    r = run_strategy(src, [flat(100), (100, 100.5, 94, 96), flat(96)], mincontract=0.001)
    assert fills(r) == [(1, 95.0, None, None, 10.526)]


# ------------------------------------------------------------------------- tick rounding


def test_tick_levels_use_mintick(run_strategy):
    # mintick 0.25: profit 6 ticks from 100 = 101.50, loss 4 ticks = 99.00.
    # bar 2 (100, 101.75, 99.5, 101): low first (0.5 < 1.75) -> 99.5 (above the stop) ->
    # 101.75 reaches 101.50
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long)\n'
        '    strategy.exit("x", "L", profit = 6, loss = 4)\n'
    )
    bars = [flat(100), flat(100), (100, 101.75, 99.5, 101), flat(101)]
    r = run_strategy(src, bars, mintick=0.25)
    assert fills(r) == [(1, 100.0, 2, 101.5, 1.0)]


def test_prices_are_rounded_to_tick_grid(run_strategy):
    # LANGUAGE-NOTES 15.2: O/H/L/C are rounded to the tick grid before matching (measured on
    # PyneCore; TradingView's own data is always on the grid): bar 1 opens at 100.004 ->
    # 100.00, so a market entry fills at 100.00
    src = head() + 'if bar_index == 0\n    strategy.entry("L", strategy.long)\n'
    r = run_strategy(src, [flat(100), (100.004, 100.5, 99.5, 100.2), flat(100)])
    assert fills(r, "entry_price") == [(100.0,)]


# ------------------------------------------------------------------------- commissions


@pytest.mark.parametrize(
    ("ctype", "value", "commission"),
    [
        # 0.1 % of each fill's value: 2 * 100 * 0.001 + 2 * 110 * 0.001 = 0.2 + 0.22
        ("strategy.commission.percent", 0.1, 0.42),
        # 0.5 per contract and fill: 2 * 0.5 * 2 fills
        ("strategy.commission.cash_per_contract", 0.5, 2.0),
        # 3 per fill: 2 fills
        ("strategy.commission.cash_per_order", 3, 6.0),
    ],
)
def test_commission_types(run_strategy, ctype, value, commission):
    # 2 contracts bought at 100 (bar 1 open), sold at 110 (bar 3 open): gross 20
    src = head(default_qty_value=2, commission_type=ctype, commission_value=value) + (MARKET_IN_OUT)
    r = run_strategy(src, [flat(100), flat(100), flat(105), flat(110), flat(110)])
    assert fills(r) == [(1, 100.0, 3, 110.0, 2.0)]
    assert r.trades["commission"].iloc[0] == pytest.approx(commission)
    assert r.trades["profit"].iloc[0] == pytest.approx(20 - commission)
    assert r.equity["equity"].iloc[-1] == pytest.approx(1000000 + 20 - commission)


@pytest.mark.parametrize(
    ("bar1", "expected"),
    [
        # low first (1.5 < 2): 100 -> 98.5 fills the buy limit 99, then -> 102 reaches the
        # take profit 101 on the same bar
        ((100, 102, 98.5, 101), [(1, 99.0, 1, 101.0, 1.0)]),
        # high first (1.5 < 2): 100 -> 101.5 (no position yet) -> 98 fills 99 -> close 99
        ((100, 101.5, 98, 99), [(1, 99.0, None, None, 1.0)]),
    ],
)
def test_limit_entry_then_take_profit_follow_the_path(run_strategy, bar1, expected):
    src = head() + (
        "if bar_index == 0\n"
        '    strategy.entry("L", strategy.long, limit = 99)\n'
        '    strategy.exit("x", "L", limit = 101, stop = 90)\n'
    )
    r = run_strategy(src, [flat(100), bar1, flat(99.5)])
    assert fills(r) == expected


def test_gapped_stop_pays_slippage_from_the_open(run_strategy):
    # buy stop 105 jumped over by the open 110: 110 + 2 ticks = 110.02
    src = (
        head(slippage=2) + 'if bar_index == 0\n    strategy.entry("L", strategy.long, stop = 105)\n'
    )
    r = run_strategy(src, [flat(100), (110, 111, 109, 110), flat(110)])
    assert fills(r, "entry_price") == [(110.02,)]


@pytest.mark.parametrize(
    ("low", "filled"),
    [
        (98.0, False),
        (97.99, False),
        (97.98, True),
        (97.5, True),
    ],
)
def test_backtest_fill_limits_assumption(run_strategy, low, filled):
    # buy limit 98 with backtest_fill_limits_assumption 2: price must trade 2 ticks through
    # the limit (to 97.98) before it fills, at the limit price 98
    src = head(backtest_fill_limits_assumption=2) + (
        'if bar_index == 0\n    strategy.entry("L", strategy.long, limit = 98)\n'
    )
    r = run_strategy(src, [flat(100), (100, 100.5, low, 99), flat(99)])
    assert fills(r, "entry_price") == ([(98.0,)] if filled else [])
