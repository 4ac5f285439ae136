"""The event mask (:mod:`pineopt.compiler.events`): which scripts run their loop on event bars
only, and the mask they compute. One script per rule; a script that does not qualify keeps
``range(ctx.bar_count)``. (That both loops give the same results is tested by
``tests/strategy`` and ``tests/conformance/test_tv_event_bars.py``.)"""

from __future__ import annotations

import numpy as np
import pytest

from pineopt.compiler import convert
from pineopt.runtime import vector_ops

STRATEGY = '//@version=6\nstrategy("t")\n'
INDICATOR = '//@version=6\nindicator("t")\n'
CROSS = "fast = ta.sma(close, 3)\nslow = ta.sma(close, 8)\n"


def mask_of(source: str) -> str | None:
    """The line computing the event mask, or None when the loop visits every bar."""
    conversion = convert(source, "t.pine")
    assert conversion.ok, conversion.format_diagnostics()
    code = conversion.code
    if "range(ctx.bar_count)" in code:
        assert "ctx.bars(" not in code
        return None
    (line,) = [x.strip() for x in code.splitlines() if x.strip().startswith("acting = ")]
    assert "for bar_index in ctx.bars(acting):" in code
    return line.removeprefix("acting = ")


QUALIFY = {
    "whole-history guards": (
        STRATEGY + CROSS + "if ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
        "if ta.crossunder(fast, slow)\n    strategy.close('L')\n",
        "vector_ops.any_of(ctx.bar_count, ta_crossover, ta_crossunder)",
    ),
    "an input guarding a broker read": (
        STRATEGY + CROSS + "useStop = input.bool(false, 'Stop')\n"
        "if ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
        "if useStop and strategy.position_size > 0\n"
        "    strategy.exit('S', 'L', stop=close * 0.9)\n",
        "vector_ops.any_of(ctx.bar_count, ta_crossover, useStop)",
    ),
    "a broker read then a series": (
        STRATEGY + CROSS + "up = ta.crossover(fast, slow)\n"
        "if strategy.position_size == 0 and up\n    strategy.entry('L', strategy.long)\n",
        "vector_ops.any_of(ctx.bar_count, up)",
    ),
    "an elif chain": (
        STRATEGY + CROSS + "if ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
        "else if ta.crossunder(fast, slow)\n    strategy.entry('S', strategy.short)\n",
        "vector_ops.any_of(ctx.bar_count, vector_ops.any_of(ctx.bar_count, ta_crossover, "
        "ta_crossunder))",
    ),
    "a var, its first value on the first bar": (
        STRATEGY + CROSS + "var int count = 0\nif ta.crossover(fast, slow)\n    count += 1\n"
        "    strategy.entry('L', strategy.long)\n",
        "vector_ops.any_of(ctx.bar_count, ctx.series('barstate.isfirst'), ta_crossover)",
    ),
    "a broker read then a comparison of series": (
        STRATEGY + CROSS + "k = input.float(1.5, 'k')\n"
        "if strategy.position_size > 0 and close > slow + k * (fast - slow)\n"
        "    strategy.close_all()\n",
        "vector_ops.any_of(ctx.bar_count, ctx.series('close') - (slow + k * (fast - slow)) "
        "> 1e-10)",
    ),
    "a broker read then calendar series": (
        STRATEGY + "if strategy.position_size != 0 and hour == 8 and minute == 15\n"
        "    strategy.close_all()\n",
        "vector_ops.any_of(ctx.bar_count, vector_ops.all_of(ctx.bar_count, "
        "ctx.series('hour') == 8, ctx.series('minute') == 15))",
    ),
    "a broker read then an int series compared in order": (
        STRATEGY + "if strategy.position_size > 0 and dayofweek >= dayofweek.friday\n"
        "    strategy.close_all()\n",
        "vector_ops.any_of(ctx.bar_count, ctx.series('dayofweek') >= 6)",
    ),
    "a log in a guarded block": (
        INDICATOR + CROSS + "if ta.crossover(fast, slow)\n    log.info('up')\n",
        "vector_ops.any_of(ctx.bar_count, ta_crossover)",
    ),
    "a user function called after the series": (
        STRATEGY + CROSS + "f() =>\n    var int n = 0\n    n += 1\n    n > 2\n"
        "if ta.crossover(fast, slow) and f()\n    strategy.entry('L', strategy.long)\n",
        "vector_ops.any_of(ctx.bar_count, ta_crossover)",
    ),
}

DO_NOT_QUALIFY = {
    "an order on every bar": STRATEGY + "strategy.entry('L', strategy.long)\n",
    "a series computed bar by bar (v6's lazy and)": (
        STRATEGY + CROSS + "if strategy.position_size == 0 and ta.crossover(fast, slow)\n"
        "    strategy.entry('L', strategy.long)\n"
    ),
    "a broker read then a division of series": (
        STRATEGY + CROSS + "if strategy.position_size > 0 and close / slow > 1.1\n"
        "    strategy.close_all()\n"
    ),
    "a broker read then an int series": (
        STRATEGY + "if strategy.position_size > 0 and bar_index > 5\n    strategy.close_all()\n"
    ),
    "a broker read then arithmetic on an int series (Python's ints are exact)": (
        STRATEGY + "if strategy.position_size > 0 and hour + 1 == 9\n    strategy.close_all()\n"
    ),
    "a broker read alone": (
        STRATEGY + "if strategy.position_size == 0\n    strategy.entry('L', strategy.long)\n"
    ),
    "an else block": (
        STRATEGY + CROSS + "if ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
        "else\n    strategy.close('L')\n"
    ),
    "a var updated on every bar": (
        STRATEGY + CROSS + "var int n = 0\nn += 1\n"
        "if ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
    ),
    "the history of a bar-by-bar value": (
        STRATEGY + CROSS + "var float last = na\nif ta.crossover(fast, slow)\n"
        "    last := close\nif ta.crossunder(fast, slow) and close > last[1]\n"
        "    strategy.entry('L', strategy.long)\n"
    ),
    "a user function called before the series": (
        STRATEGY + CROSS + "f() =>\n    var int n = 0\n    n += 1\n    n > 2\n"
        "if f() and ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
    ),
    "a drawing": (
        INDICATOR + CROSS + "if ta.crossover(fast, slow)\n    label.new(bar_index, close, 'x')\n"
    ),
    "a risk rule": (
        STRATEGY + CROSS + "strategy.risk.max_drawdown(10, strategy.percent_of_equity)\n"
        "if ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
    ),
    "a risk rule set in a guarded block": (
        STRATEGY + CROSS + "if ta.crossover(fast, slow)\n"
        "    strategy.risk.max_intraday_filled_orders(2)\n"
        "    strategy.entry('L', strategy.long)\n"
    ),
    "a loop on every bar": (
        STRATEGY + CROSS + "var float s = 0.0\nfor i = 0 to 2\n    s += close[i]\n"
        "if ta.crossover(fast, slow)\n    strategy.entry('L', strategy.long)\n"
    ),
    "a plot of a bar-by-bar value": (
        INDICATOR + CROSS + "var float x = 0.0\nif ta.crossover(fast, slow)\n    x := close\n"
        "plot(x)\n"
    ),
}


@pytest.mark.parametrize("case", QUALIFY)
def test_qualifies(case):
    source, expected = QUALIFY[case]
    assert mask_of(source) == expected


@pytest.mark.parametrize("case", DO_NOT_QUALIFY)
def test_does_not_qualify(case):
    assert mask_of(DO_NOT_QUALIFY[case]) is None


def test_a_script_without_a_loop_is_unchanged():
    assert "ctx.bars(" not in convert(INDICATOR + CROSS + "plot(fast)\n", "t.pine").code


def test_the_mask_helpers():
    a = np.array([True, False, False, True])
    b = np.array([False, False, True, True])
    assert vector_ops.any_of(4, a, b).tolist() == [True, False, True, True]
    assert vector_ops.all_of(4, a, b).tolist() == [False, False, False, True]
    assert vector_ops.any_of(4, a, True).tolist() == [True] * 4  # a fixed true: every bar
    assert vector_ops.any_of(4, a, False).tolist() == a.tolist()
    assert vector_ops.all_of(4, a, False).tolist() == [False] * 4
    assert vector_ops.any_of(4).tolist() == [False] * 4
