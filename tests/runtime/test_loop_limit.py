"""TradingView's time limit on loops (User Manual, Limitations: "Loop execution"; Error messages:
"Loop is too long (> 500 ms)"): the runtime helpers, and the located error of ``pineopt.run``."""

from __future__ import annotations

import time

import pytest

import pineopt
from pineopt.errors import PineRuntimeError
from pineopt.runtime import loop_limit, ops


@pytest.fixture
def short_limit(monkeypatch):
    """A 50 ms budget, so that the runaway loops of these tests stop quickly."""
    monkeypatch.setattr(loop_limit, "TIME_LIMIT", 0.05)


def test_short_counted_loops_are_left_untouched():
    steps = range(0, 30)
    assert loop_limit.over(steps) is steps
    items = [1, 2, 3]
    assert loop_limit.over(items) is items
    assert type(ops.pine_range(0, 29, 1)) is range


@pytest.mark.parametrize("n", [65, 64 + 128 + 1, 10_000])
def test_long_counted_loops_iterate_every_item_in_order(n):
    assert list(loop_limit.over(range(n))) == list(range(n))
    assert list(loop_limit.over(list(range(n)))) == list(range(n))
    assert list(ops.pine_range(n, 0, 1)) == list(range(n, -1, -1))
    assert list(ops.pine_range(0.0, n / 2, 0.5)) == [i / 2 for i in range(n + 1)]


def test_check_stops_past_the_deadline_and_counts_down_before():
    assert loop_limit.check(time.perf_counter() + 10) == loop_limit.CHECK_EVERY
    with pytest.raises(PineRuntimeError, match=r"^Loop is too long \(> 500 ms\)$"):
        loop_limit.check(time.perf_counter() - 1)


def test_a_nested_loop_checks_the_outer_deadline_on_entry():
    past = time.perf_counter() - 1
    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        loop_limit.over(range(3), past)
    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        ops.pine_range(0, 2, 1, past)
    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        list(ops.pine_range(0.0, 2.0, 1, past))
    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        ops.LoopCounter(0, 2, 1, loop_deadline=past)
    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        ops.int_range(0, 2.5, 1, past)


def test_a_long_loop_stops_between_chunks(short_limit):
    def slow(items):
        for _ in items:
            time.sleep(0.001)

    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        slow(loop_limit.over(range(1_000_000)))
    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        slow(ops.pine_range(0.0, 1e6, 1))
    counter = ops.LoopCounter(0, 10)
    with pytest.raises(PineRuntimeError, match="Loop is too long"):
        while counter.next(counter.value + 1):  # an end bound that runs away
            time.sleep(0.001)


# --- pineopt.run: the error names the loop's Pine line and the bar -------------------------------

WHILE_TRUE = """//@version=6
indicator("runaway")
x = 0
if bar_index == 3
    while true
        x += 1
plot(x)
"""


def _loop_error(source: str, make_bars) -> PineRuntimeError:
    with pytest.raises(PineRuntimeError) as info:
        pineopt.run(source, make_bars(periods=6))
    return info.value


def test_while_true_stops_at_the_default_limit_located(make_bars):
    started = time.perf_counter()
    error = _loop_error(WHILE_TRUE, make_bars)
    assert 0.5 <= time.perf_counter() - started < 10
    assert str(error).startswith("line 5: Loop is too long (> 500 ms) (bar 3, 2024-01-01T03:00")
    assert error.pine_line == 5 and error.bar_index == 3


def test_nested_loops_share_the_budget_of_the_outermost(short_limit, make_bars):
    source = """//@version=6
indicator("nested")
s = 0
for i = 0 to 10
    for j = 0 to 1e9
        s += 1
plot(s)
"""
    error = _loop_error(source, make_bars)
    assert error.pine_line == 4 and error.bar_index == 0


def test_a_while_in_a_for_and_a_runaway_v6_bound(short_limit, make_bars):
    inner_while = """//@version=6
indicator("w")
s = 0
for i = 0 to 3
    k = 0
    while k >= 0
        k += 1
plot(s)
"""
    assert _loop_error(inner_while, make_bars).pine_line == 4
    runaway_bound = """//@version=6
indicator("b")
n = 1
for i = 0 to n
    n += 1
plot(n)
"""
    assert _loop_error(runaway_bound, make_bars).pine_line == 4


def test_a_loop_in_a_function_and_a_for_in(short_limit, make_bars):
    in_function = """//@version=6
indicator("f")
spin(x) =>
    y = x
    while y == y
        y += 1
    y
plot(bar_index == 2 ? spin(close) : 0)
"""
    error = _loop_error(in_function, make_bars)
    assert error.pine_line == 5 and error.bar_index == 2
    for_in = """//@version=6
indicator("in")
var a = array.new<float>(100000, 1.0)
s = 0.0
for x in a
    s += array.sum(a) * x
plot(s)
"""
    assert _loop_error(for_in, make_bars).pine_line == 5


def test_loops_that_finish_run_unchanged(make_bars):
    source = """//@version=6
indicator("ok")
s = 0
for i = 0 to 199
    j = 0
    while j < 3
        j += 1
        s += 1
for x in array.from(1, 2, 3)
    s += x
plot(s)
"""
    assert pineopt.run(source, make_bars(periods=3)).plots["Plot"].tolist() == [606] * 3
