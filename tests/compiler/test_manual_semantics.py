"""Pine semantics that scripts modelled on the manual's examples found missing (the runtime side
of tests/lang/corpus/manual): each test runs a tiny script on hand-made bars; the expected
values follow from the manual page named in the test."""

from __future__ import annotations

import math

NA = math.nan


def values(plots, name):
    return [None if isinstance(v, float) and math.isnan(v) else v for v in plots[name].tolist()]


def test_function_whose_whole_history_form_is_a_constant(run_pine):
    # User-defined functions: `f() => int(na)`; a function of a fixed argument is one value too
    src = """//@version=6
indicator("t")
f() => int(na)
g(int n) => n * 2
plot(nz(f()) + g(3), "a")
plot(na(f()) ? 1 : 0, "isna")
"""
    plots = run_pine(src, bars=[1, 2, 3])
    assert values(plots, "a") == [6, 6, 6]
    assert values(plots, "isna") == [1, 1, 1]


def test_tuple_function_mixing_fixed_values_and_series(run_pine):
    # Type system: a tuple of int, float, bool, color and string; ta.cross of a series and an
    # int local that holds one value for the whole history
    src = """//@version=6
indicator("t")
info() =>
    int level = 2
    float crossed = ta.valuewhen(ta.cross(close, level), close, 0)
    [level, crossed, true, color.red, syminfo.ticker]
[lvl, c, flag, col, name] = info()
plot(c, "c", color = flag ? col : color.gray)
plot(lvl + str.length(name) * 0, "lvl")
"""
    plots = run_pine(src, bars=[1, 3, 1, 1, 3])
    assert values(plots, "c") == [None, 3, 1, 1, 3]
    assert values(plots, "lvl") == [2] * 5


def test_var_declared_in_a_block_computed_once_for_the_run(run_pine):
    # Strings: `float n = if cond` whose condition is fixed (an input) runs once, before the
    # bars; a `var` inside that block must exist by then
    src = """//@version=6
indicator("t")
string s = input.string("AB:CDE")
float n = if str.contains(s, ":")
    var string tail = str.substring(s, str.pos(s, ":") + 1)
    str.length(tail)
plot(n, "n")
"""
    assert values(run_pine(src, bars=[1, 2]), "n") == [3, 3]


def test_an_na_string_extended_with_plus_equals(run_pine):
    # Time, "Weekly and smaller units": `string formattedString = na` then `+=`
    src = """//@version=6
indicator("t")
string s = na
if bar_index > 0
    s += str.tostring(bar_index) + " "
s += "x"
string t = na
plot(str.length(s), "n")
plot(str.length(t + s), "m")
"""
    plots = run_pine(src, bars=[1, 2, 3])
    assert values(plots, "n") == [1, 3, 3]
    assert values(plots, "m") == [1, 3, 3]


def test_str_pos_finding_nothing_is_na_in_arithmetic(run_pine):
    # Strings, str.pos(): "na if the substring is not found"; na + 1 is na
    src = """//@version=6
indicator("t")
int p = str.pos("a-b", "/") + 1
plot(na(p) ? 1 : 0, "isna")
plot(str.pos("a-b", "-") + 1, "found")
"""
    plots = run_pine(src, bars=[1])
    assert values(plots, "isna") == [1]
    assert values(plots, "found") == [2]


def test_na_stored_in_a_float_collection_is_numeric_na(run_pine):
    # Matrices: `sums.fill(na)` then `sums.mult(1.0 / span)`; arrays and maps alike
    src = """//@version=6
indicator("t")
matrix<float> m = matrix.new<float>(1, 2, 1.0)
m.fill(na)
array<float> a = array.new<float>()
a.push(na)
a.push(2.0)
map<string, float> d = map.new<string, float>()
d.put("k", na)
array<string> names = array.new<string>()
names.push(na)
array<string> blanks = array.new<string>(2, na)
plot(m.mult(2.0).get(0, 1), "m")
plot(a.get(0) + a.get(1), "a")
plot(na(d.get("k")) and na(names.get(0)) and na(blanks.get(1)) ? 1 : 0, "na")
plot(str.length(blanks.get(0) + "x"), "text")
"""
    plots = run_pine(src, bars=[1])
    assert values(plots, "m") == [None]
    assert values(plots, "a") == [None]
    assert values(plots, "na") == [1]
    assert values(plots, "text") == [1]


def test_lower_timeframe_request_at_the_chart_timeframe(run_pine):
    # Other timeframes and data: request.security_lower_tf() at the chart's own timeframe gives
    # one intrabar per bar, served by the chart's bars; a tuple gives a tuple of arrays
    src = """//@version=6
indicator("t")
[o, c] = request.security_lower_tf(syminfo.tickerid, "60", [open, close])
array<float> v = request.security_lower_tf("", "", volume)
plot(o.size() + v.size(), "n")
plot(c.get(0) - o.get(0), "body")
"""
    plots = run_pine(src)  # hourly bars, open half a point below the close
    assert values(plots, "n") == [2] * 10
    assert values(plots, "body") == [0.5] * 10
