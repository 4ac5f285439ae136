"""Pine semantics of converted scripts (shared/pine/LANGUAGE-NOTES.md §2-§10, checklist §18).

Each test runs a tiny script on a handful of hand-made bars; the expected values are computed by
hand from the Pine semantics, never copied from PineOpt's output."""

from __future__ import annotations

import math

import pytest

from pineopt.errors import PineOptError

NA = math.nan


def col(plots, name):
    return plots[name].tolist()


def same(actual, expected, tol=1e-9):
    """``actual`` equals ``expected`` element-wise, na matching na."""
    assert len(actual) == len(expected), (actual, expected)
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        a = float(a) if a is not None else NA
        if isinstance(e, float) and math.isnan(e):
            assert math.isnan(a), f"bar {i}: {a} != na in {actual}"
        else:
            assert not math.isnan(a) and abs(a - e) <= tol, f"bar {i}: {a} != {e} in {actual}"


# --- §18.1 / §2.1: the script body runs once per bar --------------------------------------------


def test_var_keeps_value_plain_declaration_reinitialises(run_pine):
    src = """//@version=6
indicator("t")
var int seen = 0
seen += 1
int fresh = 0
fresh += 1
plot(seen, "seen")
plot(fresh, "fresh")
"""
    plots = run_pine(src, bars=[1, 2, 3, 4])
    same(col(plots, "seen"), [1, 2, 3, 4])
    same(col(plots, "fresh"), [1, 1, 1, 1])


# --- §18.2: var initialises on the first execution of its scope ---------------------------------


def test_var_in_if_block_initialised_on_first_execution_of_block(run_pine):
    src = """//@version=6
indicator("t")
float x = na
if bar_index >= 2
    var float first = close
    x := first
plot(x, "x")
"""
    plots = run_pine(src, bars=[10, 11, 12, 13, 14])
    same(col(plots, "x"), [NA, NA, 12, 12, 12])


def test_var_in_function_per_call_site(run_pine):
    # LANGUAGE-NOTES §9 example
    src = """//@version=6
indicator("t")
countCalls() =>
    var int n = 0
    n += 1
    n
int a = countCalls()
int b = bar_index % 3 == 0 ? countCalls() : -1
plot(a, "a")
plot(b, "b")
"""
    plots = run_pine(src, bars=[1] * 7)
    same(col(plots, "a"), [1, 2, 3, 4, 5, 6, 7])
    same(col(plots, "b"), [1, -1, -1, 2, -1, -1, 3])


def test_two_unconditional_call_sites_have_separate_var(run_pine):
    src = """//@version=6
indicator("t")
counter(int step) =>
    var int n = 0
    n += step
    n
plot(counter(1), "one")
plot(counter(10), "ten")
"""
    plots = run_pine(src, bars=[1, 1, 1])
    same(col(plots, "one"), [1, 2, 3])
    same(col(plots, "ten"), [10, 20, 30])


# --- §18.3: a call site inside a loop is one shared instance -------------------------------------


def test_call_in_loop_is_one_instance(run_pine):
    src = """//@version=6
indicator("t")
countCalls() =>
    var int n = 0
    n += 1
    n
int last = 0
for i = 0 to 2
    last := countCalls()
plot(last, "last")
"""
    plots = run_pine(src, bars=[1, 1, 1])
    same(col(plots, "last"), [3, 6, 9])


def test_ta_call_sites_in_one_function_are_per_call_site(run_pine):
    src = """//@version=6
indicator("t")
avg2(float x) => ta.sma(x, 2)
plot(avg2(close), "c")
plot(avg2(close * 10), "c10")
"""
    plots = run_pine(src, bars=[1, 3, 5])
    same(col(plots, "c"), [NA, 2, 4])
    same(col(plots, "c10"), [NA, 20, 40])


# --- §18.4: conditional calls skip state updates -------------------------------------------------


def test_conditional_ta_call_updates_only_when_evaluated(run_pine):
    src = """//@version=6
indicator("t")
float b = bar_index % 2 == 0 ? ta.sma(close, 2) : na
plot(b, "b")
"""
    plots = run_pine(src, bars=[1, 2, 4, 8, 16, 32])
    # the sma only sees bars 0, 2, 4: (1 + 4) / 2 on bar 2, (4 + 16) / 2 on bar 4
    same(col(plots, "b"), [NA, NA, 2.5, NA, 10, NA])


def test_ta_change_in_if_block_sees_only_executed_bars(run_pine):
    src = """//@version=6
indicator("t")
float d = na
if bar_index % 2 == 1
    d := ta.change(close)
plot(d, "d")
"""
    plots = run_pine(src, bars=[1, 2, 4, 8, 16, 32])
    # executions on bars 1, 3, 5: closes 2, 8, 32
    same(col(plots, "d"), [NA, NA, NA, 6, NA, 24])


def test_v6_and_short_circuits_right_operand(run_pine):
    src = """//@version=6
indicator("t")
var array<int> calls = array.new<int>()
touch(array<int> a) =>
    array.push(a, 1)
    true
bool c = bar_index % 2 == 0 and touch(calls)
bool d = bar_index % 2 == 0 or touch(calls)
plot(array.size(calls), "n")
"""
    plots = run_pine(src, bars=[1, 1, 1, 1, 1])
    # `and` runs touch on even bars, `or` on odd bars: one push per bar
    same(col(plots, "n"), [1, 2, 3, 4, 5])


def test_v6_and_short_circuit_skips_on_false(run_pine):
    src = """//@version=6
indicator("t")
var array<int> calls = array.new<int>()
touch(array<int> a) =>
    array.push(a, 1)
    true
bool c = bar_index % 2 == 0 and touch(calls)
plot(array.size(calls), "n")
"""
    plots = run_pine(src, bars=[1, 1, 1, 1, 1])
    same(col(plots, "n"), [1, 1, 2, 2, 3])


def test_v5_and_evaluates_both_operands(run_pine):
    src = """//@version=5
indicator("t")
var calls = array.new<int>()
touch(array<int> a) =>
    array.push(a, 1)
    true
bool c = bar_index % 2 == 0 and touch(calls)
plot(array.size(calls), "n")
"""
    plots = run_pine(src, bars=[1, 1, 1, 1, 1])
    same(col(plots, "n"), [1, 2, 3, 4, 5])


# --- §18.5: history of locals / parameters is the last committed value ---------------------------


def test_local_history_is_last_committed_value(run_pine):
    # LANGUAGE-NOTES §3 example
    src = """//@version=6
indicator("t")
prevOf(float v) => v[1]
float a = bar_index % 2 == 0 ? prevOf(close) : na
float b = prevOf(close)
plot(a, "a")
plot(b, "b")
"""
    plots = run_pine(src, bars=[10, 11, 12, 13, 14, 15])
    same(col(plots, "a"), [NA, NA, 10, NA, 12, NA])
    same(col(plots, "b"), [NA, 10, 11, 12, 13, 14])


def test_history_of_variable_declared_in_if_block(run_pine):
    src = """//@version=6
indicator("t")
float out = na
if bar_index % 2 == 0
    float y = close * 2
    out := y[1]
plot(out, "out")
"""
    plots = run_pine(src, bars=[1, 2, 3, 4, 5])
    # y committed on bars 0, 2, 4 only: 2, 6, 10
    same(col(plots, "out"), [NA, NA, 2, NA, 6])


# --- §18.6: out-of-range history ----------------------------------------------------------------


def test_out_of_range_history_is_na(run_pine):
    src = """//@version=6
indicator("t")
plot(close[2], "c2")
plot(na(close[2]) ? 1 : 0, "isna")
"""
    plots = run_pine(src, bars=[5, 6, 7, 8])
    same(col(plots, "c2"), [NA, NA, 5, 6])
    same(col(plots, "isna"), [1, 1, 0, 0])


def test_bool_history_out_of_range_is_false(run_pine):
    src = """//@version=6
indicator("t")
bool up = close > 0
plot(up[1] ? 1 : 0, "prev")
plot(not up[1] ? 1 : 0, "notprev")
"""
    plots = run_pine(src, bars=[5, 6, 7])
    same(col(plots, "prev"), [0, 1, 1])
    same(col(plots, "notprev"), [1, 0, 0])


def test_series_history_offset(run_pine):
    src = """//@version=6
indicator("t")
plot(close[bar_index], "first")
"""
    plots = run_pine(src, bars=[5, 6, 7])
    same(col(plots, "first"), [5, 5, 5])


def test_history_of_call_result(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.sma(close, 2)[1], "s")
plot((high - low)[1], "r")
"""
    plots = run_pine(src, bars=[2, 4, 6, 8])
    same(col(plots, "s"), [NA, NA, 3, 5])
    same(col(plots, "r"), [NA, 0, 0, 0])


# --- §18.7: comparisons with na are false, including != ---------------------------------------


def test_na_comparisons_are_false(run_pine):
    src = """//@version=6
indicator("t")
float x = close[1]
plot(x != 5 ? 1 : 0, "ne")
plot(x == 5 ? 1 : 0, "eq")
plot(x < 5 ? 1 : 0, "lt")
plot(x >= 5 ? 1 : 0, "ge")
plot(not (x != 5) ? 1 : 0, "notne")
"""
    plots = run_pine(src, bars=[5, 5, 6])
    # x = na, 5, 5
    same(col(plots, "ne"), [0, 0, 0])
    same(col(plots, "eq"), [0, 1, 1])
    same(col(plots, "lt"), [0, 0, 0])
    same(col(plots, "ge"), [0, 1, 1])
    same(col(plots, "notne"), [1, 1, 1])


def test_na_from_ternary_compares_false_and_propagates(run_pine):
    src = """//@version=6
indicator("t")
float x = bar_index == 0 ? na : close
plot(x < 6 ? 1 : 0, "lt")
plot(x != 5 ? 1 : 0, "ne")
plot(x + 1, "x1")
"""
    plots = run_pine(src, bars=[5, 5, 6])
    same(col(plots, "lt"), [0, 1, 0])
    same(col(plots, "ne"), [0, 0, 1])
    same(col(plots, "x1"), [NA, 6, 7])


def test_na_comparison_in_if_condition(run_pine):
    src = """//@version=6
indicator("t")
float prev = close[1]
int flag = 0
if prev != close
    flag := 1
plot(flag, "flag")
"""
    plots = run_pine(src, bars=[5, 5, 6])
    same(col(plots, "flag"), [0, 0, 1])


def test_na_arithmetic_and_helpers(run_pine):
    src = """//@version=6
indicator("t")
float prev = close[1]
plot(close - prev, "diff")
plot(close - nz(prev, close), "safe")
plot(nz(prev), "nz0")
plot(math.max(prev, 1), "mx")
"""
    plots = run_pine(src, bars=[5, 7, 10])
    same(col(plots, "diff"), [NA, 2, 3])
    same(col(plots, "safe"), [0, 2, 3])
    same(col(plots, "nz0"), [0, 5, 7])
    same(col(plots, "mx"), [NA, 5, 7])


def test_fixnan_carries_last_value(run_pine):
    src = """//@version=6
indicator("t")
float x = bar_index % 2 == 0 ? close : na
plot(fixnan(x), "f")
"""
    plots = run_pine(src, bars=[1, 2, 3, 4, 5])
    same(col(plots, "f"), [1, 1, 3, 3, 5])


# --- §18.8 / §12: ta warm-up, seeding, na skipping ---------------------------------------------


def test_ta_ema_rma_seed_with_sma(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.ema(close, 3), "ema")
plot(ta.rma(close, 3), "rma")
plot(ta.sma(close, 3), "sma")
"""
    plots = run_pine(src, bars=[1, 3, 2, 6, 4, 10])
    # ema: seed = (1+3+2)/3 = 2, alpha = 0.5
    same(col(plots, "ema"), [NA, NA, 2, 4, 4, 7])
    # rma: seed 2, then (prev*2 + x)/3
    same(col(plots, "rma"), [NA, NA, 2, 10 / 3, 32 / 9, 154 / 27])
    same(col(plots, "sma"), [NA, NA, 2, 11 / 3, 4, 20 / 3])


def test_ta_rsi_warmup_and_value(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.rsi(close, 3), "rsi")
"""
    plots = run_pine(src, bars=[1, 3, 2, 6])
    # gains 2, 0, 4 -> rma seed 2; losses 0, 1, 0 -> 1/3; rs = 6
    same(col(plots, "rsi"), [NA, NA, NA, 100 - 100 / 7])


def test_ta_ema_skips_na_inputs(run_pine):
    src = """//@version=6
indicator("t")
float src = bar_index == 1 ? na : close
plot(ta.ema(src, 3), "ema")
plot(ta.sma(src, 2), "sma")
"""
    plots = run_pine(src, bars=[1, 3, 2, 6, 4, 10])
    # non-na inputs 1, 2, 6, 4, 10 on bars 0, 2, 3, 4, 5; na bar -> na output, no state change
    same(col(plots, "ema"), [NA, NA, NA, 3, 3.5, 6.75])
    same(col(plots, "sma"), [NA, NA, 1.5, 4, 5, 7])


def test_ta_sma_series_length(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.sma(close, bar_index % 2 == 0 ? 1 : 2), "s")
"""
    plots = run_pine(src, bars=[1, 3, 2, 6])
    same(col(plots, "s"), [1, 2, 2, 4])


def test_ta_crossover_literal_level(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.crossover(close, 5) ? 1 : 0, "x")
plot(ta.crossunder(close, 5) ? 1 : 0, "u")
"""
    plots = run_pine(src, bars=[4, 6, 7, 3, 8, 9])
    same(col(plots, "x"), [0, 1, 0, 0, 1, 0])
    same(col(plots, "u"), [0, 0, 0, 1, 0, 0])


def test_ta_crossover_barssince_valuewhen(run_pine):
    src = """//@version=6
indicator("t")
float level = close * 0 + 5
bool up = ta.crossover(close, level)
plot(up ? 1 : 0, "x")
plot(ta.barssince(up), "since")
plot(ta.valuewhen(up, bar_index, 0), "when")
"""
    plots = run_pine(src, bars=[4, 6, 7, 3, 8, 9])
    same(col(plots, "x"), [0, 1, 0, 0, 1, 0])
    same(col(plots, "since"), [NA, 0, 1, 2, 0, 1])
    same(col(plots, "when"), [NA, 1, 1, 1, 4, 4])


# --- §18.9: for loops ----------------------------------------------------------------------------


def test_for_loop_inclusive_and_counting_down(run_pine):
    src = """//@version=6
indicator("t")
int up = 0
for i = 0 to 4
    up += i
int down = 0
int firstSeen = -1
for j = 4 to 0 by 2
    down += j
    if firstSeen == -1
        firstSeen := j
int n = 0
for k = 3 to 1
    n += 1
plot(up, "up")
plot(down, "down")
plot(firstSeen, "first")
plot(n, "n")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "up"), [10])
    same(col(plots, "down"), [6])
    same(col(plots, "first"), [4])
    same(col(plots, "n"), [3])


def test_v6_for_reevaluates_end_bound(run_pine):
    src = """//@version=6
indicator("t")
int n = 3
int iters = 0
for i = 0 to n
    iters += 1
    if i == 0
        n := 5
plot(iters, "iters")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "iters"), [6])


def test_v5_for_evaluates_end_bound_once(run_pine):
    src = """//@version=5
indicator("t")
int n = 3
int iters = 0
for i = 0 to n
    iters += 1
    if i == 0
        n := 5
plot(iters, "iters")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "iters"), [4])


def test_while_break_continue_and_loop_value(run_pine):
    src = """//@version=6
indicator("t")
int i = 0
int odd = 0
while i < 10
    i += 1
    if i > 7
        break
    if i % 2 == 0
        continue
    odd += i
int last = for k = 1 to 3
    k * 10
plot(odd, "odd")
plot(i, "i")
plot(last, "last")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "odd"), [1 + 3 + 5 + 7])
    same(col(plots, "i"), [8])
    same(col(plots, "last"), [30])


def test_for_in_array(run_pine):
    src = """//@version=6
indicator("t")
array<float> xs = array.from(1.0, 2.0, 4.0)
float s = 0.0
int idx = 0
for [i, x] in xs
    s += x
    idx += i
plot(s, "s")
plot(idx, "idx")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "s"), [7])
    same(col(plots, "idx"), [3])


# --- §18.10: if / switch without a taken branch -------------------------------------------------


def test_if_without_else_gives_na(run_pine):
    src = """//@version=6
indicator("t")
float band = if close > 5
    close
plot(band, "band")
bool flag = if close > 5
    true
plot(flag ? 1 : 0, "flag")
"""
    plots = run_pine(src, bars=[4, 6])
    same(col(plots, "band"), [NA, 6])
    same(col(plots, "flag"), [0, 1])


def test_if_else_if_chain(run_pine):
    src = """//@version=6
indicator("t")
float v = if close > 5
    1
else if close < 5
    -1
plot(v, "v")
"""
    plots = run_pine(src, bars=[6, 4, 5])
    same(col(plots, "v"), [1, -1, NA])


def test_switch_with_subject_and_default(run_pine):
    src = """//@version=6
indicator("t")
int k = bar_index % 3
int v = switch k
    0 => 10
    1 => 20
    => 99
float w = switch k
    0 => 1.5
plot(v, "v")
plot(w, "w")
"""
    plots = run_pine(src, bars=[1, 1, 1, 1])
    same(col(plots, "v"), [10, 20, 99, 10])
    same(col(plots, "w"), [1.5, NA, NA, 1.5])


def test_switch_without_subject(run_pine):
    src = """//@version=6
indicator("t")
int v = switch
    close > 5 => 1
    close > 3 => 2
    => 3
int w = switch
    close > 5 => 1
plot(v, "v")
plot(w, "w")
"""
    plots = run_pine(src, bars=[6, 4, 1])
    same(col(plots, "v"), [1, 2, 3])
    same(col(plots, "w"), [1, NA, NA])


def test_switch_on_string_input(run_pine):
    src = """//@version=6
indicator("t")
string mode = input.string("fast", "Mode", options = ["fast", "slow"])
int len = switch mode
    "fast" => 10
    "slow" => 50
    => 20
plot(len, "len")
"""
    same(col(run_pine(src, bars=[1]), "len"), [10])
    same(col(run_pine(src, bars=[1], inputs={"Mode": "slow"}), "len"), [50])


# --- §18.11 / §10: numerics ---------------------------------------------------------------------


def test_v6_int_division_is_fractional(run_pine):
    src = """//@version=6
indicator("t")
plot(5 / 2, "c")
plot(bar_index / 2, "s")
plot(int(5 / 2), "trunc")
plot(int(-7 / 2), "ntrunc")
"""
    plots = run_pine(src, bars=[1, 1])
    same(col(plots, "c"), [2.5, 2.5])
    same(col(plots, "s"), [0, 0.5])
    same(col(plots, "trunc"), [2, 2])
    same(col(plots, "ntrunc"), [-3, -3])


def test_v5_const_int_division_truncates(run_pine):
    src = """//@version=5
indicator("t")
plot(5 / 2, "c")
plot(5.0 / 2, "f")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "c"), [2])
    same(col(plots, "f"), [2.5])


def test_modulo_keeps_dividend_sign(run_pine):
    src = """//@version=6
indicator("t")
plot(-7 % 3, "a")
plot(7 % -3, "b")
plot(-1 % 9, "c")
plot((bar_index - 5) % 3, "s")
plot(-7.5 % 2, "f")
"""
    plots = run_pine(src, bars=[1, 1])
    same(col(plots, "a"), [-1, -1])
    same(col(plots, "b"), [1, 1])
    same(col(plots, "c"), [-1, -1])
    same(col(plots, "s"), [-2, -1])
    same(col(plots, "f"), [-1.5, -1.5])


def test_math_round_half_away_from_zero(run_pine):
    src = """//@version=6
indicator("t")
plot(math.round(-2.5), "a")
plot(math.round(2.5), "b")
plot(math.round(0.5), "c")
plot(math.round(-0.5), "d")
plot(math.round(close / 2), "s")
"""
    plots = run_pine(src, bars=[5, -5, 3])
    same(col(plots, "a"), [-3, -3, -3])
    same(col(plots, "b"), [3, 3, 3])
    same(col(plots, "c"), [1, 1, 1])
    same(col(plots, "d"), [-1, -1, -1])
    same(col(plots, "s"), [3, -3, 2])


def test_int_cast_truncates_toward_zero(run_pine):
    src = """//@version=6
indicator("t")
plot(int(close), "i")
"""
    plots = run_pine(src, bars=[2.7, -2.7])
    same(col(plots, "i"), [2, -2])


def test_string_concatenation(run_pine):
    src = """//@version=6
indicator("t")
string s = "ab" + "cd" + str.tostring(12)
plot(str.length(s), "n")
"""
    same(col(run_pine(src, bars=[1]), "n"), [6])


# --- §6: scopes ----------------------------------------------------------------------------------


def test_reassignment_in_block_updates_outer_variable(run_pine):
    src = """//@version=6
indicator("t")
float level = na
if close > 5
    level := close
var float peak = close
peak := math.max(peak, close)
plot(level, "level")
plot(peak, "peak")
"""
    plots = run_pine(src, bars=[4, 6, 3, 7])
    same(col(plots, "level"), [NA, 6, NA, 7])
    same(col(plots, "peak"), [4, 6, 6, 7])


# --- §8: tuples ----------------------------------------------------------------------------------


def test_tuple_from_function(run_pine):
    src = """//@version=6
indicator("t")
pair(float x) =>
    [x + 1, x * 2]
[a, b] = pair(close)
[_, c] = pair(close * 10)
plot(a, "a")
plot(b, "b")
plot(c, "c")
"""
    plots = run_pine(src, bars=[1, 2])
    same(col(plots, "a"), [2, 3])
    same(col(plots, "b"), [2, 4])
    same(col(plots, "c"), [20, 40])


def test_tuple_from_builtin(run_pine):
    src = """//@version=6
indicator("t")
[mid, up, lo] = ta.bb(close, 2, 1)
plot(mid, "mid")
plot(up, "up")
plot(lo, "lo")
"""
    plots = run_pine(src, bars=[1, 3])
    # mean 2, population stdev 1
    same(col(plots, "mid"), [NA, 2])
    same(col(plots, "up"), [NA, 3])
    same(col(plots, "lo"), [NA, 1])


# --- §4.3-§4.5: UDTs, methods, enums ------------------------------------------------------------


def test_udt_copy_is_shallow(run_pine):
    src = """//@version=6
indicator("t")
type Holder
    array<float> items
    float v = 1
Holder o = Holder.new(array.from(1.0, 2.0), 5)
Holder c = o.copy()
c.v := 7
array.push(c.items, 3.0)
plot(o.v, "ov")
plot(c.v, "cv")
plot(array.size(o.items), "on")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "ov"), [5])
    same(col(plots, "cv"), [7])
    same(col(plots, "on"), [3])


def test_udt_defaults_reference_and_method(run_pine):
    src = """//@version=6
indicator("t")
type Level
    float price
    int hits = 0
    bool seen
method touch(Level this, float p) =>
    if p >= this.price
        this.hits := this.hits + 1
    this.hits
var Level lvl = Level.new(5)
Level alias = lvl
lvl.touch(close)
plot(alias.hits, "hits")
plot(lvl.seen ? 1 : 0, "seen")
plot(alias == lvl ? 1 : 0, "same")
"""
    plots = run_pine(src, bars=[4, 6, 5, 1])
    same(col(plots, "hits"), [0, 1, 2, 2])
    same(col(plots, "seen"), [0, 0, 0, 0])
    same(col(plots, "same"), [1, 1, 1, 1])


def test_enum_tostring_gives_title(run_pine):
    src = """//@version=6
indicator("t")
enum Side
    up = "Bullish"
    flat
plot(str.tostring(Side.up) == "Bullish" ? 1 : 0, "title")
plot(str.tostring(Side.flat) == "flat" ? 1 : 0, "name")
plot(Side.up == Side.flat ? 1 : 0, "eq")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "title"), [1])
    same(col(plots, "name"), [1])
    same(col(plots, "eq"), [0])


# --- inputs ---------------------------------------------------------------------------------------


INPUT_SRC = """//@version=6
indicator("t")
length = input.int(3, "Length", minval = 1, maxval = 10)
string mode = input.string("fast", "Mode", options = ["fast", "slow"])
plot(length, "len")
plot(ta.sma(close, length), "sma")
"""


def test_input_default(run_pine):
    plots = run_pine(INPUT_SRC, bars=[1, 2, 3, 4, 5])
    same(col(plots, "len"), [3] * 5)
    same(col(plots, "sma"), [NA, NA, 2, 3, 4])


@pytest.mark.parametrize("key", ["Length", "length"])
def test_input_override_by_title_or_variable_name(run_pine, key):
    plots = run_pine(INPUT_SRC, bars=[1, 2, 3, 4, 5], inputs={key: 5})
    same(col(plots, "len"), [5] * 5)
    same(col(plots, "sma"), [NA, NA, NA, NA, 3])


@pytest.mark.parametrize("inputs", [{"Length": 20}, {"Length": 0}, {"Mode": "medium"}, {"Nope": 1}])
def test_input_rejections(run_pine, inputs):
    with pytest.raises(PineOptError):
        run_pine(INPUT_SRC, bars=[1, 2], inputs=inputs)


# --- per-bar (function body) variants of the numeric rules -------------------------------------


def test_numerics_in_per_bar_code(run_pine):
    src = """//@version=6
indicator("t")
m(float a, float b) => a % b
r(float a) => math.round(a)
d(int a, int b) => a / b
ne(float a, float b) => a != b ? 1 : 0
lt(float a, float b) => a < b ? 1 : 0
plot(m(-7, 3), "m")
plot(m(7, -3), "m2")
plot(r(-2.5), "r")
plot(r(2.5), "r2")
plot(d(5, 2), "d")
plot(ne(close[1], 5), "ne")
plot(lt(close[1], 6), "lt")
"""
    plots = run_pine(src, bars=[5, 5, 6])
    same(col(plots, "m"), [-1] * 3)
    same(col(plots, "m2"), [1] * 3)
    same(col(plots, "r"), [-3] * 3)
    same(col(plots, "r2"), [3] * 3)
    same(col(plots, "d"), [2.5] * 3)
    same(col(plots, "ne"), [0, 0, 0])
    same(col(plots, "lt"), [0, 1, 1])


def test_math_round_with_precision(run_pine):
    src = """//@version=6
indicator("t")
plot(math.round(close, 1), "r")
"""
    plots = run_pine(src, bars=[1.25, -1.25, 2.34])
    same(col(plots, "r"), [1.3, -1.3, 2.3])


def test_fractional_int_length_is_truncated(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.sma(close, 14 / 8), "s")
"""
    plots = run_pine(src, bars=[1, 3, 5])
    same(col(plots, "s"), [1, 3, 5])


def test_a_fractional_int_keeps_its_value_and_is_truncated_where_an_int_is_needed(run_pine):
    # `int / int` is an int whose value keeps the fraction (notes §10): plotted as it is,
    # truncated toward zero as an index, a length, a history offset, a loop bound or a count
    src = """//@version=6
indicator("t")
int n = 7 / 2
int m = -7 / 2
int k = bar_index / 2
a = array.from(10.0, 20.0, 30.0, 40.0)
mx = matrix.new<float>(4, 4, 0)
mx.set(n, n, 5)
plot(n, "n")
plot(a.get(n) + a.get(m), "get")
plot(mx.get(n, 3), "matrix")
plot(ta.sma(close, n), "sma")
plot(close[k], "hist")
plot(ta.highest(close, k + 1), "highest")
int up = 0
for i = 0 to n
    up += i
int down = 0
for i = n to m
    down += i
int shrinking = 0
int end = n
for i = n / 2 to end
    end := end - 1 / 2
    shrinking += i
plot(up, "up")
plot(down, "down")
plot(shrinking, "shrinking")
plot(array.new<float>(n).size() + str.length(str.substring("abcdef", n)), "count")
"""
    plots = run_pine(src, bars=[1, 2, 3, 4, 5])
    same(col(plots, "n"), [3.5] * 5)
    same(col(plots, "get"), [40 + 20] * 5)  # indices 3 and -3
    same(col(plots, "matrix"), [5] * 5)
    same(col(plots, "sma"), [NA, NA, 2, 3, 4])  # length 3
    same(col(plots, "hist"), [1, 2, 2, 3, 3])  # offsets 0, 0, 1, 1, 2
    same(col(plots, "highest"), [1, 2, 3, 4, 5])  # lengths 1, 1, 2, 2, 3
    same(col(plots, "up"), [0 + 1 + 2 + 3] * 5)
    same(col(plots, "down"), [0] * 5)  # 3 down to -3, not 3.5 down to -2.5
    same(col(plots, "shrinking"), [1 + 2] * 5)  # from 1.75 -> 1 to the end re-read: 3, 3, 2
    same(col(plots, "count"), [3 + 3] * 5)


def test_a_var_initialised_with_a_const_is_a_value_fixed_for_the_run(run_pine):
    # never reassigned, `var` keeps the literal's const: an input bound, a plot title, a length
    src = """//@version=6
indicator("t")
var int MAX = 3
var TITLE = "ema"
len = input.int(2, "Len", maxval = MAX)
plot(ta.ema(close, MAX), TITLE)
plot(ta.sma(close, len), "sma")
var int counter = 0
counter += 1
plot(counter, "counter")
plot(MAX[1], "past")
float pastInBlock = na
if close > 0
    pastInBlock := MAX[1]
plot(pastInBlock, "pastInBlock")
"""
    plots = run_pine(src, bars=[1, 2, 3, 4])
    same(col(plots, "ema"), [NA, NA, 2, 3])
    same(col(plots, "sma"), [NA, 1.5, 2.5, 3.5])
    same(col(plots, "counter"), [1, 2, 3, 4])
    same(col(plots, "past"), [NA, 3, 3, 3])  # a fixed value has no past before bar 0
    same(col(plots, "pastInBlock"), [NA, 3, 3, 3])
    with pytest.raises(PineOptError, match="above its maxval 3"):
        run_pine(src, bars=[1, 2], inputs={"Len": 4})


def test_a_const_reference_is_mutable_and_qualified_reference_parameters_take_series(run_pine):
    src = """//@version=6
indicator("t")
type Box
    float total = 0
var seen = array.new<float>()
const array<float> pair = array.from(0.0)
const Box acc = Box.new()
add(simple array<float> a, const Box b, float v) =>
    a.push(v)
    b.total += v
    a.size()
int n = add(seen, acc, close)
plot(n, "n")
plot(add(pair, acc, close), "pair")
plot(acc.total, "total")
"""
    plots = run_pine(src, bars=[1, 2, 3])
    same(col(plots, "n"), [1, 2, 3])  # one persistent array, mutated through the parameter
    same(col(plots, "pair"), [2, 2, 2])  # a new const array on every bar, mutated once
    same(col(plots, "total"), [2, 4, 6])  # a new Box on every bar, added to twice


def test_int_element_collections_serve_as_float_ones(run_pine):
    src = """//@version=6
indicator("t")
matrix<float> m = matrix.new<float>()
m.add_row(0, array.from(3, 2, 4))
m.add_row(1, array.from(2, 0, 2))
m.add_row(2, array.from(4, 2, 3))
avgOf(array<float> a) => a.avg()
method halved(matrix<float> this) => this.mult(0.5)
array<float> fs = array.from(1, 2)
fs.push(close / 4)
plot(m.det(), "det")
plot(m.eigenvalues().max(), "eigen")
plot(avgOf(array.from(1, 2, 4)), "avg")
plot(matrix.new<int>(2, 2, 3).halved().get(1, 1), "halved")
plot(fs.sum(), "sum")
"""
    plots = run_pine(src, bars=[2, 6])
    same(col(plots, "det"), [8, 8])
    same(col(plots, "eigen"), [8, 8])
    same(col(plots, "avg"), [7 / 3, 7 / 3])
    same(col(plots, "halved"), [1.5, 1.5])
    same(col(plots, "sum"), [3.5, 4.5])


# --- more per-call-site state ---------------------------------------------------------------------


def test_nested_function_state_is_per_outer_call_site(run_pine):
    src = """//@version=6
indicator("t")
inner() =>
    var int n = 0
    n += 1
    n
outer() => inner()
int a = outer()
int b = bar_index % 2 == 0 ? outer() : 0
plot(a, "a")
plot(b, "b")
"""
    plots = run_pine(src, bars=[1] * 5)
    same(col(plots, "a"), [1, 2, 3, 4, 5])
    same(col(plots, "b"), [1, 0, 2, 0, 3])


def test_ta_inside_conditionally_called_function(run_pine):
    src = """//@version=6
indicator("t")
avg2() => ta.sma(close, 2)
float a = bar_index % 2 == 0 ? avg2() : na
float b = avg2()
plot(a, "a")
plot(b, "b")
"""
    plots = run_pine(src, bars=[1, 2, 4, 8, 16])
    same(col(plots, "a"), [NA, NA, 2.5, NA, 10])
    same(col(plots, "b"), [NA, 1.5, 3, 6, 12])


def test_var_in_loop_body_initialised_once(run_pine):
    src = """//@version=6
indicator("t")
int total = 0
for i = 1 to 3
    var int acc = 0
    acc += i
    total := acc
plot(total, "t")
"""
    plots = run_pine(src, bars=[1, 1])
    # acc persists across iterations and bars: 1, 3, 6 on bar 0; 7, 9, 12 on bar 1
    same(col(plots, "t"), [6, 12])


def test_varip_behaves_like_var_on_history(run_pine):
    src = """//@version=6
indicator("t")
varip int n = 0
n += 1
plot(n, "n")
"""
    same(col(run_pine(src, bars=[1, 1, 1]), "n"), [1, 2, 3])


def test_barstate_on_history(run_pine):
    src = """//@version=6
indicator("t")
plot(barstate.isfirst ? 1 : 0, "first")
plot(barstate.islast ? 1 : 0, "last")
plot(barstate.isconfirmed and barstate.ishistory and barstate.isnew ? 1 : 0, "hist")
plot(barstate.isrealtime ? 1 : 0, "rt")
"""
    plots = run_pine(src, bars=[1, 1, 1])
    same(col(plots, "first"), [1, 0, 0])
    same(col(plots, "last"), [0, 0, 1])
    same(col(plots, "hist"), [1, 1, 1])
    same(col(plots, "rt"), [0, 0, 0])


def test_map_iterates_in_insertion_order(run_pine):
    src = """//@version=6
indicator("t")
m = map.new<string, float>()
m.put("b", 1)
m.put("a", 2)
m.put("c", 3)
float code = 0.0
for [k, v] in m
    code := code * 10 + v
plot(code, "code")
"""
    same(col(run_pine(src, bars=[1]), "code"), [123])


def test_bool_cast_of_na_is_false(run_pine):
    src = """//@version=6
indicator("t")
float x = close[1]
plot(bool(x) ? 1 : 0, "b")
"""
    # na -> false; 5 -> true
    same(col(run_pine(src, bars=[5, 6]), "b"), [0, 1])


def test_history_of_persistent_udt_field(run_pine):
    src = """//@version=6
indicator("t")
type Acc
    float total = 0
var Acc acc = Acc.new()
acc.total += close
plot(acc.total, "t")
"""
    same(col(run_pine(src, bars=[1, 2, 3]), "t"), [1, 3, 6])


def test_math_sum_per_bar_in_function(run_pine):
    src = """//@version=6
indicator("t")
f() => math.sum(close, 2)
plot(f(), "s")
"""
    same(col(run_pine(src, bars=[1, 2, 3]), "s"), [NA, 3, 5])


def test_math_sum_in_ternary_only_sees_evaluated_bars(run_pine):
    src = """//@version=6
indicator("t")
float b = bar_index >= 1 ? math.sum(close, 2) : na
plot(b, "b")
"""
    # the call site runs from bar 1: it has two values only on bar 2 (2 + 3)
    same(col(run_pine(src, bars=[1, 2, 3]), "b"), [NA, NA, 5])


def test_ta_vwap_variable_anchors_on_session(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.vwap, "w")
"""
    # open = high = low = close, volume 1: cumulative mean of the closes
    same(col(run_pine(src, bars=[1, 2, 3]), "w"), [1, 1.5, 2])


def test_ta_vwap_with_source_only(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.vwap(close), "v")
"""
    same(col(run_pine(src, bars=[1, 2, 3]), "v"), [1, 1.5, 2])


# --- probes of the boundary between the whole-history and per-bar paths --------------------------


def test_v6_and_skips_ta_call_on_false_left_operand(run_pine):
    src = """//@version=6
indicator("t")
bool c = bar_index % 2 == 0 and ta.change(close) > 2
plot(c ? 1 : 0, "c")
"""
    # ta.change sees only bars 0, 2, 4 (closes 1, 4, 16): 3 on bar 2, 12 on bar 4
    same(col(run_pine(src, bars=[1, 2, 4, 8, 16]), "c"), [0, 0, 1, 0, 1])


def test_v6_or_skips_ta_call_on_true_left_operand(run_pine):
    src = """//@version=6
indicator("t")
bool c = bar_index % 2 == 1 or ta.change(close) > 2
plot(c ? 1 : 0, "c")
"""
    same(col(run_pine(src, bars=[1, 2, 4, 8, 16]), "c"), [0, 1, 1, 1, 1])


def test_v5_and_updates_ta_call_every_bar(run_pine):
    src = """//@version=5
indicator("t")
bool c = bar_index % 2 == 0 and ta.change(close) > 2
plot(c ? 1 : 0, "c")
"""
    # ta.change sees every bar: 2 on bar 2 (not > 2), 8 on bar 4
    same(col(run_pine(src, bars=[1, 2, 4, 8, 16]), "c"), [0, 0, 0, 0, 1])


def test_switch_arm_ta_call_updates_only_when_taken(run_pine):
    src = """//@version=6
indicator("t")
float v = switch
    bar_index % 2 == 0 => ta.change(close)
    => -1
plot(v, "v")
"""
    same(col(run_pine(src, bars=[1, 2, 4, 8, 16]), "v"), [NA, -1, 3, -1, 12])


def test_global_history_inside_conditional_function_is_per_bar(run_pine):
    src = """//@version=6
indicator("t")
float g = close * 2
f() => g[1]
float a = bar_index % 2 == 0 ? f() : na
plot(a, "a")
"""
    # g is a global series: g[1] is always the previous bar's value
    same(col(run_pine(src, bars=[1, 2, 3, 4, 5]), "a"), [NA, NA, 4, NA, 8])


def test_history_of_var_variable(run_pine):
    src = """//@version=6
indicator("t")
var int n = 0
n += 1
plot(n[1], "prev")
"""
    same(col(run_pine(src, bars=[1, 1, 1]), "prev"), [NA, 1, 2])


def test_history_of_conditional_series(run_pine):
    src = """//@version=6
indicator("t")
float x = bar_index % 2 == 0 ? close : na
plot(x[1], "p")
plot(nz(x, -1), "z")
plot(na(x) ? 1 : 0, "isna")
"""
    plots = run_pine(src, bars=[1, 2, 3, 4])
    same(col(plots, "p"), [NA, 1, NA, 3])
    same(col(plots, "z"), [1, -1, 3, -1])
    same(col(plots, "isna"), [0, 1, 0, 1])


def test_for_to_minus_one_counts_down(run_pine):
    src = """//@version=6
indicator("t")
int n = 0
int count = 0
for i = 0 to n - 1
    count += 1
plot(count, "count")
"""
    # 0 to -1 counts down: i = 0, -1
    same(col(run_pine(src, bars=[1]), "count"), [2])


def test_v6_for_bound_follows_growing_array(run_pine):
    src = """//@version=6
indicator("t")
a = array.from(1, 2)
int iters = 0
for i = 0 to array.size(a) - 1
    iters += 1
    if array.size(a) < 4
        array.push(a, i)
plot(iters, "iters")
"""
    # bound starts at 1 (counting up); size grows 2 -> 3 -> 4 while i runs 0..3
    same(col(run_pine(src, bars=[1]), "iters"), [4])


def test_division_by_zero_is_na(run_pine):
    src = """//@version=6
indicator("t")
float d = close / (close - close)
plot(na(d) ? 1 : 0, "isna")
"""
    same(col(run_pine(src, bars=[1, 2]), "isna"), [1, 1])


def test_compound_assignment_on_na_stays_na(run_pine):
    src = """//@version=6
indicator("t")
float x = close[1]
x += 1
plot(x, "x")
"""
    same(col(run_pine(src, bars=[1, 2]), "x"), [NA, 2])


def test_tuple_from_if_and_switch(run_pine):
    src = """//@version=6
indicator("t")
[a, b] = if close > 2
    [1, 2]
else
    [3, 4]
[c, d] = switch
    close > 2 => [10, 20]
    => [30, 40]
plot(a, "a")
plot(b, "b")
plot(c, "c")
plot(d, "d")
"""
    plots = run_pine(src, bars=[1, 5])
    same(col(plots, "a"), [3, 1])
    same(col(plots, "b"), [4, 2])
    same(col(plots, "c"), [30, 10])
    same(col(plots, "d"), [40, 20])


def test_function_default_parameter(run_pine):
    src = """//@version=6
indicator("t")
scale(float x, float k = 10) => x * k
plot(scale(close), "a")
plot(scale(close, 2), "b")
plot(scale(close, k = 3), "c")
"""
    plots = run_pine(src, bars=[1, 2])
    same(col(plots, "a"), [10, 20])
    same(col(plots, "b"), [2, 4])
    same(col(plots, "c"), [3, 6])


def test_method_call_sites_are_separate(run_pine):
    src = """//@version=6
indicator("t")
method bump(float x) =>
    var float total = 0
    total += x
    total
plot(close.bump(), "a")
plot(close.bump(), "b")
"""
    plots = run_pine(src, bars=[1, 2, 3])
    same(col(plots, "a"), [1, 3, 6])
    same(col(plots, "b"), [1, 3, 6])


def test_input_float_bool_and_source_override(run_pine):
    src = """//@version=6
indicator("t")
float k = input.float(1.5, "K")
bool on = input.bool(true, "On")
float srcv = input.source(close, "Source")
plot(on ? srcv * k : -1, "v")
"""
    bars = [1, 2]
    same(col(run_pine(src, bars=bars), "v"), [1.5, 3])
    same(col(run_pine(src, bars=bars, inputs={"K": 2.0}), "v"), [2, 4])
    same(col(run_pine(src, bars=bars, inputs={"On": False}), "v"), [-1, -1])


def test_history_is_the_committed_value_after_reassignment(run_pine):
    src = """//@version=6
indicator("t")
float x = close
float p = x[1]
x := x * 2
plot(p, "p")
"""
    # the value committed on the previous bar is close * 2
    same(col(run_pine(src, bars=[1, 2, 3]), "p"), [NA, 2, 4])


def test_history_of_variable_assigned_in_loop(run_pine):
    src = """//@version=6
indicator("t")
float x = 0
for i = 1 to 3
    x := close * i
plot(x[1], "p")
"""
    same(col(run_pine(src, bars=[1, 2, 3]), "p"), [NA, 3, 6])


def test_ta_call_sees_value_at_call_time(run_pine):
    src = """//@version=6
indicator("t")
float x = close
float before = ta.sma(x, 2)
x := x * 10
float after = ta.sma(x, 2)
plot(before, "before")
plot(after, "after")
"""
    plots = run_pine(src, bars=[1, 3, 5])
    same(col(plots, "before"), [NA, 2, 4])
    same(col(plots, "after"), [NA, 20, 40])


def test_constant_na_variable(run_pine):
    src = """//@version=6
indicator("t")
int k = na
float f = na
plot(na(k) ? 1 : 0, "k")
plot(na(f) ? 1 : 0, "f")
plot(f + 1, "f1")
"""
    plots = run_pine(src, bars=[5, 6])
    same(col(plots, "k"), [1, 1])
    same(col(plots, "f"), [1, 1])
    same(col(plots, "f1"), [NA, NA])


def test_ternary_na_in_per_bar_code(run_pine):
    src = """//@version=6
indicator("t")
var int n = 0
n += 1
float x = n == 1 ? na : close
plot(x + 1, "x")
plot(x != 5 ? 1 : 0, "ne")
"""
    plots = run_pine(src, bars=[5, 6])
    same(col(plots, "x"), [NA, 7])
    same(col(plots, "ne"), [0, 1])


def test_ternary_na_in_function_whole_history_form(run_pine):
    src = """//@version=6
indicator("t")
f() => bar_index == 0 ? na : close
plot(f() + 1, "f")
"""
    same(col(run_pine(src, bars=[5, 6]), "f"), [NA, 7])


def test_str_tostring_numbers(run_pine):
    src = """//@version=6
indicator("t")
plot(str.tostring(1.5) == "1.5" ? 1 : 0, "a")
plot(str.tostring(3) == "3" ? 1 : 0, "b")
plot(str.tostring(-0.25) == "-0.25" ? 1 : 0, "c")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "a"), [1])
    same(col(plots, "b"), [1])
    same(col(plots, "c"), [1])


def test_udt_object_in_array_is_shared_reference(run_pine):
    src = """//@version=6
indicator("t")
type P
    float v = 0
var array<P> ps = array.new<P>()
if bar_index == 0
    ps.push(P.new(1))
P first = ps.get(0)
first.v += close
plot(ps.get(0).v, "v")
"""
    same(col(run_pine(src, bars=[1, 2, 3]), "v"), [2, 4, 7])


def test_ta_call_in_loop_keeps_one_sample_per_bar(run_pine):
    src = """//@version=6
indicator("t")
float s = na
for i = 0 to 1
    s := ta.sma(close + i, 2)
plot(s, "s")
"""
    # one call site, run twice per bar: the bar's second call (close + 1) replaces the first
    # one's sample instead of adding one (TradingView's series_if_for export shows it for
    # ta.ema). Samples 2, 4 -> bar 0: na (one sample); bar 1: (2 + 4) / 2 = 3
    same(col(run_pine(src, bars=[1, 3]), "s"), [NA, 3])


def test_ta_call_in_function_called_in_loop_keeps_one_sample_per_bar(run_pine):
    src = """//@version=6
indicator("t")
total(float x) =>
    var int calls = 0
    calls += 1
    [ta.cum(x), calls]
float c = na
int n = 0
for i = 1 to 2
    [v, k] = total(close * i)
    c := v
    n := k
plot(c, "c")
plot(n, "n")
"""
    # the cum inside the function keeps the bar's last sample (2 * close): 2, 2 + 4, 6 + 6;
    # its var counter still advances on every call (2 per bar)
    plots = run_pine(src, bars=[1, 2, 3])
    same(col(plots, "c"), [2, 6, 12])
    same(col(plots, "n"), [2, 4, 6])


def test_ta_call_in_while_condition_keeps_one_sample_per_bar(run_pine):
    src = """//@version=6
indicator("t")
int k = 0
while ta.sma(close * (k + 1), 2) < 4 and k < 5
    k += 1
plot(k, "k")
"""
    # each call averages the previous bar's last sample with its own:
    # bar 0 (close 1): one sample -> na, the condition is false: k = 0 (last sample 1)
    # bar 1 (close 2): (1 + 2) / 2 = 1.5, (1 + 4) / 2 = 2.5, (1 + 6) / 2 = 3.5, (1 + 8) / 2 = 4.5
    # -> k = 3 (appending every call's sample would give 1.5, (2 + 4) / 2 = 3, 5 -> k = 2)
    same(col(run_pine(src, bars=[1, 2]), "k"), [0, 3])


def test_switch_arm_blocks(run_pine):
    src = """//@version=6
indicator("t")
int k = bar_index % 2
int v = switch k
    0 =>
        int t = 5
        t * 2
    =>
        int t = 7
        t + 1
plot(v, "v")
"""
    same(col(run_pine(src, bars=[1, 1, 1]), "v"), [10, 8, 10])


def test_bar_time_variables(run_pine):
    src = """//@version=6
indicator("t")
plot(time, "time")
plot(hour, "hour")
plot(dayofweek, "dow")
plot(dayofweek == dayofweek.monday ? 1 : 0, "monday")
plot(last_bar_index, "last")
plot(timeframe.period == "60" ? 1 : 0, "tf")
"""
    plots = run_pine(src, bars=[1, 1, 1])
    # make_bars starts at 2024-01-01 00:00 UTC (a Monday), hourly; SymbolInfo.default is UTC
    same(col(plots, "time"), [1704067200000 + h * 3_600_000 for h in range(3)])
    same(col(plots, "hour"), [0, 1, 2])
    same(col(plots, "dow"), [2, 2, 2])
    same(col(plots, "monday"), [1, 1, 1])
    same(col(plots, "last"), [2, 2, 2])
    same(col(plots, "tf"), [1, 1, 1])


def test_ta_highest_skips_na(run_pine):
    src = """//@version=6
indicator("t")
float x = bar_index == 1 ? na : close
plot(ta.highest(x, 2), "h")
"""
    # non-na inputs 5 (bar 0), 2 (bar 2), 1 (bar 3)
    same(col(run_pine(src, bars=[5, 9, 2, 1]), "h"), [NA, NA, 5, 2])


def test_ta_cum_conditional(run_pine):
    src = """//@version=6
indicator("t")
float c = bar_index % 2 == 0 ? ta.cum(close) : -1
plot(c, "c")
"""
    same(col(run_pine(src, bars=[1, 2, 3, 4, 5]), "c"), [1, -1, 4, -1, 9])


def test_bool_param_history_in_function(run_pine):
    src = """//@version=6
indicator("t")
prevTrue(bool b) => b[1]
plot(prevTrue(close > 2) ? 1 : 0, "p")
"""
    same(col(run_pine(src, bars=[3, 1, 3]), "p"), [0, 1, 0])


@pytest.mark.parametrize("inputs", [{"N": 4}, {"Length": "abc"}, {"On": "maybe"}])
def test_more_input_rejections(run_pine, inputs):
    src = """//@version=6
indicator("t")
int n = input.int(1, "N", options = [1, 2, 3])
int length = input.int(3, "Length")
bool on = input.bool(true, "On")
plot(n + length, "v")
"""
    with pytest.raises(PineOptError):
        run_pine(src, bars=[1], inputs=inputs)


def test_input_int_options_accepts_listed_value(run_pine):
    src = """//@version=6
indicator("t")
int n = input.int(1, "N", options = [1, 2, 3])
plot(n, "v")
"""
    same(col(run_pine(src, bars=[1], inputs={"N": 3}), "v"), [3])


def test_float_equality_tolerance(run_pine):
    src = """//@version=6
indicator("t")
eqf(float a, float b) => a == b ? 1 : 0
plot(0.1 + 0.2 == 0.3 ? 1 : 0, "const")
plot(close * 0.1 + 0.2 == 0.3 ? 1 : 0, "series")
plot(eqf(0.1 + 0.2, 0.3), "perbar")
plot(close * 0.1 + 0.2 != 0.3 ? 1 : 0, "ne")
"""
    plots = run_pine(src, bars=[1, 2])
    same(col(plots, "const"), [1, 1])
    same(col(plots, "series"), [1, 0])
    same(col(plots, "perbar"), [1, 1])
    same(col(plots, "ne"), [0, 1])


def test_v5_division_of_series_and_input_ints_is_fractional(run_pine):
    src = """//@version=5
indicator("t")
int n = input.int(5, "N")
plot(bar_index / 2, "s")
plot(n / 2, "i")
"""
    plots = run_pine(src, bars=[1, 1])
    same(col(plots, "s"), [0, 0.5])
    same(col(plots, "i"), [2.5, 2.5])


def test_for_float_step(run_pine):
    src = """//@version=6
indicator("t")
int n = 0
float last = na
for x = 0.0 to 1.0 by 0.25
    n += 1
    last := x
plot(n, "n")
plot(last, "last")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "n"), [5])
    same(col(plots, "last"), [1.0])


def test_ternary_with_ta_on_both_sides(run_pine):
    src = """//@version=6
indicator("t")
float v = bar_index % 2 == 0 ? ta.sma(close, 2) : ta.change(close)
plot(v, "v")
"""
    # sma sees bars 0, 2, 4 (1, 4, 16); change sees bars 1, 3, 5 (2, 8, 32)
    same(col(run_pine(src, bars=[1, 2, 4, 8, 16, 32]), "v"), [NA, NA, 2.5, 6, 10, 24])


def test_param_history_per_call_site(run_pine):
    src = """//@version=6
indicator("t")
delta2(float x) => x - x[2]
float a = bar_index % 2 == 0 ? delta2(close) : na
plot(a, "a")
plot(delta2(close), "b")
"""
    plots = run_pine(src, bars=[1, 2, 4, 8, 16, 32, 64])
    # the conditional call site sees x on bars 0, 2, 4, 6: 1, 4, 16, 64
    same(col(plots, "a"), [NA, NA, NA, NA, 15, NA, 60])
    same(col(plots, "b"), [NA, NA, 3, 6, 12, 24, 48])


def test_var_in_if_inside_function_per_call_site(run_pine):
    src = """//@version=6
indicator("t")
firstAbove(float level) =>
    float r = na
    if close > level
        var float first = close
        r := first
    r
plot(firstAbove(2), "a")
plot(firstAbove(4), "b")
"""
    plots = run_pine(src, bars=[1, 3, 5, 2, 6])
    same(col(plots, "a"), [NA, 3, 3, NA, 3])
    same(col(plots, "b"), [NA, NA, 5, NA, 5])


def test_fixnan_per_call_site_in_function(run_pine):
    src = """//@version=6
indicator("t")
keep(float x) => fixnan(x)
float even = bar_index % 2 == 0 ? close : na
plot(keep(even), "a")
plot(keep(close * 10), "b")
"""
    plots = run_pine(src, bars=[1, 2, 3])
    same(col(plots, "a"), [1, 1, 3])
    same(col(plots, "b"), [10, 20, 30])


def test_string_ternary_and_switch(run_pine):
    src = """//@version=6
indicator("t")
string s = close > 2 ? "up" : "down"
string t = switch s
    "up" => "U"
    => "D"
plot(str.length(s), "len")
plot(t == "U" ? 1 : 0, "u")
"""
    plots = run_pine(src, bars=[1, 3])
    same(col(plots, "len"), [4, 2])
    same(col(plots, "u"), [0, 1])


def test_rsi_all_gains_is_100(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.rsi(close, 2), "r")
"""
    same(col(run_pine(src, bars=[1, 2, 3, 4]), "r"), [NA, NA, 100, 100])


def test_stdev_is_biased(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.stdev(close, 2), "s")
plot(ta.variance(close, 2, false), "v")
"""
    plots = run_pine(src, bars=[1, 3])
    same(col(plots, "s"), [NA, 1])
    same(col(plots, "v"), [NA, 2])


def test_udt_equality_is_identity_and_na_object(run_pine):
    src = """//@version=6
indicator("t")
type P
    float v = 0
P a = P.new(1)
P b = P.new(1)
P c = a
P none = na
plot(a == b ? 1 : 0, "ab")
plot(a == c ? 1 : 0, "ac")
plot(na(none) ? 1 : 0, "none")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "ab"), [0])
    same(col(plots, "ac"), [1])
    same(col(plots, "none"), [1])


def test_history_of_udt_reference(run_pine):
    src = """//@version=6
indicator("t")
type P
    float v = 0
P p = P.new(close)
P prev = p[1]
plot(na(prev) ? -1 : prev.v, "v")
"""
    same(col(run_pine(src, bars=[1, 2, 3]), "v"), [-1, 1, 2])


def test_input_enum_override_by_title(run_pine):
    src = """//@version=6
indicator("t")
enum Side
    up = "Bullish"
    down = "Bearish"
Side side = input.enum(Side.up, "Side")
plot(side == Side.down ? 1 : 0, "down")
"""
    same(col(run_pine(src, bars=[1]), "down"), [0])
    same(col(run_pine(src, bars=[1], inputs={"Side": "Bearish"}), "down"), [1])
    same(col(run_pine(src, bars=[1], inputs={"side": "Bearish"}), "down"), [1])
    with pytest.raises(PineOptError):
        run_pine(src, bars=[1], inputs={"Side": "Sideways"})


def test_function_overloads_by_type(run_pine):
    src = """//@version=6
indicator("t")
kind(int x) => 1
kind(float x) => 2
kind(string x) => 3
plot(kind(1), "i")
plot(kind(1.5), "f")
plot(kind("a"), "s")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "i"), [1])
    same(col(plots, "f"), [2])
    same(col(plots, "s"), [3])


def test_method_on_builtin_array(run_pine):
    src = """//@version=6
indicator("t")
method total(array<float> a) =>
    float s = 0.0
    for x in a
        s += x
    s
array<float> xs = array.from(1.0, 2.0, 3.5)
plot(xs.total(), "t")
plot(xs.size(), "n")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "t"), [6.5])
    same(col(plots, "n"), [3])


def test_array_set_and_slice(run_pine):
    src = """//@version=6
indicator("t")
a = array.from(3.0, 1.0, 2.0)
a.set(0, 5.0)
array.set(a, -1, 7.0)
b = array.slice(a, 0, 2)
plot(array.get(a, 0), "a0")
plot(array.get(a, 2), "a2")
plot(array.size(b), "nb")
plot(array.sum(b), "sb")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "a0"), [5])
    same(col(plots, "a2"), [7])
    same(col(plots, "nb"), [2])
    same(col(plots, "sb"), [6])


def test_matrix_rows_in_for_in(run_pine):
    src = """//@version=6
indicator("t")
m = matrix.new<float>(2, 3, 1.0)
m.set(1, 2, 5.0)
float s = 0.0
for row in m
    s += row.sum()
plot(s, "s")
"""
    same(col(run_pine(src, bars=[1]), "s"), [10])


def test_varip_in_function_per_call_site(run_pine):
    src = """//@version=6
indicator("t")
tick() =>
    varip int n = 0
    n += 1
    n
plot(tick(), "a")
plot(bar_index % 2 == 0 ? tick() : 0, "b")
"""
    plots = run_pine(src, bars=[1, 1, 1])
    same(col(plots, "a"), [1, 2, 3])
    same(col(plots, "b"), [1, 0, 2])


def test_pivothigh_reports_on_confirmation_bar(run_pine):
    src = """//@version=6
indicator("t")
plot(ta.pivothigh(close, 1, 1), "p")
plot(ta.pivotlow(close, 1, 1), "l")
"""
    plots = run_pine(src, bars=[1, 3, 2, 0, 4])
    # peak 3 at bar 1 reported on bar 2; trough 0 at bar 3 reported on bar 4
    same(col(plots, "p"), [NA, NA, 3, NA, NA])
    same(col(plots, "l"), [NA, NA, NA, NA, 0])


def test_valuewhen_older_occurrence(run_pine):
    src = """//@version=6
indicator("t")
bool up = close > close[1]
plot(ta.valuewhen(up, close, 1), "v")
"""
    # up on bars 1, 2, 4
    same(col(run_pine(src, bars=[1, 2, 3, 1, 5, 4]), "v"), [NA, NA, 2, 2, 3, 3])


def test_bool_if_without_else_in_function_is_false(run_pine):
    src = """//@version=6
indicator("t")
big(float x) =>
    if x > 2
        true
plot(big(close) ? 1 : 0, "b")
"""
    same(col(run_pine(src, bars=[1, 3]), "b"), [0, 1])


def test_loop_without_iterations_gives_na(run_pine):
    src = """//@version=6
indicator("t")
float v = while close > 100
    close
plot(v, "v")
"""
    same(col(run_pine(src, bars=[1]), "v"), [NA])


def test_nested_loops_break_inner_only(run_pine):
    src = """//@version=6
indicator("t")
int n = 0
for i = 1 to 3
    for j = 1 to 3
        if j > i
            break
        n += 1
plot(n, "n")
"""
    # 1 + 2 + 3 inner iterations
    same(col(run_pine(src, bars=[1]), "n"), [6])


def test_for_continue(run_pine):
    src = """//@version=6
indicator("t")
int s = 0
for i = 1 to 5
    if i % 2 == 0
        continue
    s += i
plot(s, "s")
"""
    same(col(run_pine(src, bars=[1]), "s"), [9])


def test_atr_first_bar_uses_high_minus_low(make_bars, run_pine):
    src = """//@version=6
indicator("t")
plot(ta.tr(true), "tr")
plot(ta.tr, "trna")
plot(ta.atr(2), "atr")
"""
    # make_bars: close 100, 101, 102; high = close + 1, low = close - 1
    plots = run_pine(src, bars=make_bars(periods=3))
    # bar 1: max(2, |102 - 100|, |100 - 100|) = 2; bar 2 likewise
    same(col(plots, "tr"), [2, 2, 2])
    same(col(plots, "trna"), [NA, 2, 2])
    same(col(plots, "atr"), [NA, 2, 2])


def test_history_with_loop_offset(run_pine):
    src = """//@version=6
indicator("t")
float acc = 0.0
for i = 0 to 2
    acc += close[i]
plot(acc, "acc")
"""
    same(col(run_pine(src, bars=[1, 2, 4, 8]), "acc"), [NA, NA, 7, 14])


def test_math_sum_in_conditionally_called_function(run_pine):
    src = """//@version=6
indicator("t")
f() => math.sum(close, 2)
float v = bar_index % 2 == 0 ? f() : na
plot(v, "v")
"""
    # the call site sees bars 0, 2, 4: closes 1, 4, 16
    same(col(run_pine(src, bars=[1, 2, 4, 8, 16]), "v"), [NA, NA, 5, NA, 20])


def test_history_of_ta_result_inside_function(run_pine):
    src = """//@version=6
indicator("t")
prevAvg() => ta.sma(close, 2)[1]
plot(prevAvg(), "p")
"""
    same(col(run_pine(src, bars=[1, 3, 5, 7]), "p"), [NA, NA, 2, 4])


def test_crossover_in_conditional_function(run_pine):
    src = """//@version=6
indicator("t")
crossed() => ta.crossover(close, 5)
float v = bar_index % 2 == 0 ? (crossed() ? 1 : 0) : -1
plot(v, "v")
"""
    # the call site sees bars 0, 2, 4: closes 4, 6, 7 -> crosses on bar 2 only
    same(col(run_pine(src, bars=[4, 9, 6, 1, 7]), "v"), [0, -1, 1, -1, 0])


def test_ta_change_of_bool(run_pine):
    src = """//@version=6
indicator("t")
bool up = close > 2
plot(ta.change(up) ? 1 : 0, "c")
"""
    # bar 0 has no previous value: false
    same(col(run_pine(src, bars=[3, 3, 1, 1, 4]), "c"), [0, 0, 1, 0, 1])


# --- built-ins found crashing by the catalogue walk (tests/compiler/test_catalogue.py) ------


def test_function_with_a_fixed_result_runs_on_every_bar(run_pine):
    src = """//@version=6
indicator("t")
zero() =>
    avg = ta.sma(close, 2)
    0
var int total = 1
total += zero()
plot(total, "z")
"""
    # the whole-history form of zero() returns one 0 per bar (read in the bar loop), not one 0
    same(col(run_pine(src, bars=[1, 2, 3]), "z"), [1, 1, 1])


def test_fixnan_of_a_value_fixed_for_the_run(run_pine):
    src = """//@version=6
indicator("t")
plot(fixnan(1.5), "f")
"""
    same(col(run_pine(src, bars=[1, 2]), "f"), [1.5, 1.5])


def test_drawing_casts_keep_the_object(run_pine):
    src = """//@version=6
indicator("t")
l = label(label.new(bar_index, close))
var b = box(na)
plot(na(b) and not na(l) and na(line(na)) and na(table(na)) and na(linefill(na)) ? 1 : 0, "c")
"""
    same(col(run_pine(src, bars=[1, 2]), "c"), [1, 1])


def test_syminfo_prefix_and_ticker_of_a_symbol(run_pine):
    src = """//@version=6
indicator("t")
s = input.symbol("NASDAQ:AAPL")
ok = syminfo.prefix(s) == "NASDAQ" and syminfo.ticker(s) == "AAPL"
own = syminfo.ticker(syminfo.ticker) == syminfo.ticker
plot(ok and own ? 1 : 0, "c")
"""
    same(col(run_pine(src, bars=[1]), "c"), [1])
    unknown = src.replace('"NASDAQ:AAPL"', '"AAPL"')
    with pytest.raises(PineOptError, match=r"line 4: syminfo.prefix\(\): the symbol 'AAPL' has"):
        run_pine(unknown, bars=[1])


# --- compiler rules found by the manual-modelled corpus (tests/lang/corpus/manual) ---------------


@pytest.fixture
def run_result(make_bars):
    """``run_result(source, closes)`` -> the whole result (plots, records, drawings)."""
    from pineopt.compiler import convert, load
    from pineopt.data.symbol import SymbolInfo
    from pineopt.data.timeframe import Timeframe
    from pineopt.runtime.engine import execute

    def run(source: str, closes):
        conversion = convert(source, "t.pine")
        assert conversion.ok, conversion.format_diagnostics()
        frame = make_bars(periods=len(closes)).copy()
        for column in ("open", "high", "low", "close"):
            frame[column] = [float(c) for c in closes]
        return execute(load(conversion), frame, SymbolInfo.default("TEST"), Timeframe.parse("60"))

    return run


def test_named_arguments_in_any_order(run_pine):
    # Built-ins: `ta.vwma(length = 20, source = close)` is `ta.vwma(close, 20)`, on the
    # whole-history path and in the bar loop (a function with state)
    src = """//@version=6
indicator("t")
avg() => ta.sma(length = 2, source = close)
plot(ta.sma(length = 2, source = close), "vector")
plot(avg(), "loop")
plot(math.max(ta.sma(close, length = 2), 0), "mixed")
"""
    plots = run_pine(src, bars=[1, 2, 3, 4])
    for name in ("vector", "loop", "mixed"):
        same(col(plots, name), [NA, 1.5, 2.5, 3.5])


def test_display_constants_add_and_subtract(run_result):
    # Reference, plot(display): display options support addition and subtraction
    src = """//@version=6
indicator("t")
echo(value) => value
plot(close, "a", display = display.all - display.pane)
plot(close, "b", display = display.status_line + display.data_window)
plot(close, "c", display = echo(display.all - display.status_line))
plot(close, "d", display = display.none + display.pane)
plot(close, "e", display = display.pane + display.all)
"""
    from pineopt.runtime.ops import display_locations

    records = run_result(src, [1, 2]).outputs.records
    shown = [display_locations(r.params["display"]) for r in records]
    assert shown[0] == {
        "display.price_scale",
        "display.status_line",
        "display.data_window",
        "display.pine_screener",
    }
    assert shown[1] == {"display.status_line", "display.data_window"}
    assert "display.status_line" not in shown[2] and "display.pane" in shown[2]
    assert records[3].params["display"] == "display.pane"
    assert records[4].params["display"] == "display.all"


def test_const_result_of_a_pure_function_sets_plot_arguments(run_result):
    # User-defined functions: a function of const arguments gives a const result, usable
    # where a plot takes `const`/`input` values; a function with effects still runs per bar
    src = """//@version=6
indicator("t")
join(p, q) => p + q
int width = join(1, 2)
string title = join(join("Sum", " of"), " prices")
plot(close, title = title, linewidth = width)
grow(array<int> a) =>
    a.push(1)
    7
var calls = array.new<int>()
int seven = grow(calls)
plot(calls.size() * 10 + seven, "calls")
"""
    result = run_result(src, [1, 2, 3])
    same(col(result.plots, "Sum of prices"), [1, 2, 3])
    assert result.outputs.records[0].params["linewidth"] == 3
    same(col(result.plots, "calls"), [17, 27, 37])


def test_parameter_default_from_a_series_builtin_is_the_callers_bar(run_pine):
    # Matrices: `method note(matrix<float> this, int barIndex = bar_index, ...)`
    src = """//@version=6
indicator("t")
method tag(array<int> this, int at = bar_index, color c = color.red, string s = na) =>
    this.push(na(s) and c == color.red ? at : -1)
    this.size()
var a = array.new<int>()
plot(a.tag(), "n")
plot(a.last(), "last")
"""
    plots = run_pine(src, bars=[5, 6, 7])
    same(col(plots, "n"), [1, 2, 3])
    same(col(plots, "last"), [0, 1, 2])


def test_variable_named_like_a_namespace_reads_it_in_its_own_initialiser(run_pine):
    # Debugging: `var yloc = na(price) ? yloc.abovebar : yloc.price`; Matrices: `order = ascending
    # ? order.ascending : order.descending` (the analyser records the choice, the compiler too)
    src = """//@version=6
indicator("t")
where(float price = na) =>
    var yloc = na(price) ? yloc.abovebar : yloc.price
    yloc == yloc.abovebar ? 1 : 0
firstSorted(bool ascending) =>
    a = array.from(3, 1, 2)
    order = ascending ? order.ascending : order.descending
    a.sort(order)
    a.first()
plot(where(), "above")
plot(where(1.0), "price")
plot(firstSorted(true), "asc")
plot(firstSorted(false), "desc")
"""
    plots = run_pine(src, bars=[1, 2])
    same(col(plots, "above"), [1, 1])
    same(col(plots, "price"), [0, 0])
    same(col(plots, "asc"), [1, 1])
    same(col(plots, "desc"), [3, 3])


def test_methods_of_the_builtin_collections_of_drawings(run_pine):
    # Matrices / Lines and boxes: `label.all.size()`, `box.all.last()`
    src = """//@version=6
indicator("t")
label.new(bar_index, close, "x")
if bar_index == 1
    box.new(0, 20, 1, 10)
plot(label.all.size(), "labels")
plot(box.all.size() > 0 ? box.all.last().get_top() : -1, "top")
"""
    plots = run_pine(src, bars=[1, 2, 3])
    same(col(plots, "labels"), [1, 2, 3])
    same(col(plots, "top"), [-1, 20, 20])


def test_field_defaults_from_builtin_variables_are_computed_by_each_new(run_pine):
    # Objects, `var` with objects: `int index = bar_index` in the type; the `var` object keeps
    # the first bar's values, a plain one takes each bar's
    src = """//@version=6
indicator("t")
type Snap
    int idx = bar_index
    float price = close
    string name = "s"
var Snap first = Snap.new()
Snap now = Snap.new(price = -1.0)
plot(first.idx, "first")
plot(first.price, "first price")
plot(now.idx, "now")
plot(now.price + str.length(now.name), "now price")
"""
    plots = run_pine(src, bars=[5, 6, 7])
    same(col(plots, "first"), [0, 0, 0])
    same(col(plots, "first price"), [5, 5, 5])
    same(col(plots, "now"), [0, 1, 2])
    same(col(plots, "now price"), [0, 0, 0])


def test_field_default_reading_a_variable_is_refused_with_its_location():
    from pineopt.compiler import convert

    src = """//@version=6
indicator("t")
level = 3
type T
    int v = level
plot(T.new().v)
"""
    conversion = convert(src, "t.pine")
    assert not conversion.ok
    (error,) = conversion.errors
    assert (error.span.line, error.span.column) == (5, 13)
    assert "a field default that reads a variable" in error.message


def test_user_method_overloads_and_overrides_a_builtin_method(run_pine):
    # Methods, method overloading: a user `fill()` next to the built-in `array.fill()`; the
    # user method whose parameters fit wins, else the built-in is called
    src = """//@version=6
indicator("t")
method fill(array<float> a, float v, float w) =>
    for i = 0 to a.size() - 1
        a.set(i, v * w)
    a
method fill(array<int> a, int v) =>
    a.set(0, v * 100)
    a
z = array.new<float>(3, 1.0)
z.fill(5.0)
plot(z.sum(), "builtin")
z.fill(2.0, 3.0)
plot(z.sum(), "overload")
zi = array.new<int>(2, 1)
zi.fill(4)
plot(zi.sum(), "override")
"""
    plots = run_pine(src, bars=[1])
    same(col(plots, "builtin"), [15])
    same(col(plots, "overload"), [18])
    same(col(plots, "override"), [401])


def test_reassigning_a_variable_declared_in_a_tuple(run_pine):
    # Variable declarations: `[macdLine, signalLine, histLine] = ta.macd(...)` then
    # `macdLine := ...`; the tuple's series are computed once, read per bar
    src = """//@version=6
indicator("t")
pair() => [close, close * 2]
[a, b] = pair()
plot(a, "before")
a := b + 1
plot(a, "after")
[lo, hi] = pair()
plot(lo + hi, "untouched")
"""
    plots = run_pine(src, bars=[1, 2, 3])
    same(col(plots, "before"), [1, 2, 3])
    same(col(plots, "after"), [3, 5, 7])
    same(col(plots, "untouched"), [3, 6, 9])
