"""The generated Python: readable, deterministic, self-contained, located errors, refusals,
and whole-history vs per-bar code paths that agree."""

from __future__ import annotations

import ast
import math
import re

import numpy as np
import pandas as pd
import pytest

from pineopt.compiler import convert, load
from pineopt.data.frame import to_ohlcv
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import PineRuntimeError
from pineopt.runtime.engine import execute

SCRIPT = """//@version=6
indicator("Readable demo")
myFastLength = input.int(3, "Fast length")
countCalls() =>
    var int callCount = 0
    callCount += 1
    callCount
float fastAverage = ta.sma(close, myFastLength)
int seenBars = countCalls()
var float highestClose = close
highestClose := math.max(highestClose, close)
plot(fastAverage, "fast")
plot(seenBars, "seen")
plot(highestClose, "peak")
"""


def _run(source, frame, inputs=None):
    conv = convert(source, "t.pine")
    assert conv.ok, conv.format_diagnostics()
    module = load(conv)
    return execute(module, frame, SymbolInfo.default("TEST"), Timeframe.parse("60"), inputs=inputs)


def _wavy_bars(n=40):
    """Bars with ups and downs, distinct open/high/low/close and varying volume."""
    i = np.arange(n, dtype=float)
    close = 100 + 5 * np.sin(i / 3) + 0.3 * i + np.where(i % 4 == 0, 2.0, -1.0)
    open_ = close - np.cos(i) * 0.8
    high = np.maximum(open_, close) + 0.5 + (i % 3) * 0.25
    low = np.minimum(open_, close) - 0.4 - (i % 5) * 0.2
    volume = 10 + (i * 7) % 13
    index = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index
    )
    return to_ohlcv(frame)


# --- readability, determinism, imports, line map ----------------------------------------------


def test_pine_names_are_kept():
    code = convert(SCRIPT, "t.pine").code
    for name in ("myFastLength", "countCalls", "callCount", "fastAverage", "seenBars"):
        assert re.search(rf"\b{name}\b", code), name
    assert "highestClose" in code
    assert "Pine function 'countCalls' (line 4)" in code
    assert "exec(" not in code and "eval(" not in code


def test_generated_code_is_deterministic():
    first = convert(SCRIPT, "t.pine")
    second = convert(SCRIPT, "t.pine")
    assert first.ok
    assert first.code == second.code
    assert first.pine_lines == second.pine_lines


def test_generated_code_imports_only_pineopt_runtime():
    code = convert(SCRIPT, "t.pine").code
    tree = ast.parse(code)
    modules = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules.append(node.module or "")
    assert modules
    for module in modules:
        assert module == "pineopt.runtime" or module.startswith("pineopt.runtime."), module


def test_pine_lines_maps_python_lines_to_pine_lines():
    conv = convert(SCRIPT, "t.pine")
    module = load(conv)
    assert conv.pine_lines == module.PINE_LINES
    py_lines = conv.code.splitlines()
    pine_lines = SCRIPT.splitlines()
    assert conv.pine_lines
    for py_line, pine_line in conv.pine_lines.items():
        assert 1 <= py_line <= len(py_lines)
        assert 1 <= pine_line <= len(pine_lines)
    # the statement computing fastAverage maps to its Pine line (8)
    fast = [n for n, text in enumerate(py_lines, 1) if re.match(r"\s*fastAverage\b", text)]
    assert fast and all(conv.pine_lines.get(n) == 8 for n in fast)
    # the body of countCalls maps into its Pine lines (4-7)
    body = [n for n, text in enumerate(py_lines, 1) if "callCount + 1" in text]
    assert body and all(conv.pine_lines.get(n) == 6 for n in body)


def test_script_runs(make_bars):
    plots = _run(SCRIPT, make_bars(periods=5)).plots
    assert plots["seen"].tolist() == [1, 2, 3, 4, 5]
    assert plots["peak"].tolist() == [100, 101, 102, 103, 104]
    assert plots["fast"].tolist()[2:] == [101, 102, 103]


# --- runtime errors name the Pine line --------------------------------------------------------


def test_array_get_out_of_range_names_pine_line(make_bars):
    src = """//@version=6
indicator("t")
a = array.from(1.0, 2.0)
float v = close
if bar_index == 2
    v := array.get(a, 5)
plot(v)
"""
    with pytest.raises(PineRuntimeError) as info:
        _run(src, make_bars(periods=4))
    message = str(info.value)
    assert "line 6" in message
    assert "bar 2" in message


def test_runtime_error_call_names_pine_line(make_bars):
    src = """//@version=6
indicator("t")
if bar_index == 1
    runtime.error("boom")
plot(close)
"""
    with pytest.raises(PineRuntimeError) as info:
        _run(src, make_bars(periods=3))
    message = str(info.value)
    assert "boom" in message
    assert "line 4" in message


def test_runtime_error_inside_function_names_pine_line(make_bars):
    src = """//@version=6
indicator("t")
pick(array<float> a, int i) =>
    array.get(a, i)
a = array.from(1.0, 2.0)
plot(pick(a, bar_index))
"""
    with pytest.raises(PineRuntimeError) as info:
        _run(src, make_bars(periods=4))
    assert "line 4" in str(info.value)


def test_alert_records_literal_message_with_bar_time(make_bars):
    # alert(message, freq): an event on the bar with the message's literal text; the {{...}}
    # placeholders belong to TradingView's alert service and pass through untouched.
    src = """//@version=6
indicator("t")
if bar_index % 2 == 1
    alert("{{strategy.order.action}} {{ticker}} " + str.tostring(bar_index), alert.freq_all)
plot(close)
"""
    frame = make_bars(periods=4)
    result = _run(src, frame)
    assert [(a.bar_index, a.message, a.freq) for a in result.alerts] == [
        (1, "{{strategy.order.action}} {{ticker}} 1", "alert.freq_all"),
        (3, "{{strategy.order.action}} {{ticker}} 3", "alert.freq_all"),
    ]
    assert result.alerts[0].time == frame.index[1].value // 1_000_000


def test_python_failure_inside_runtime_is_a_located_pine_error(make_bars, monkeypatch):
    # A fault of the runtime itself (here a built-in made to fail with a Python exception)
    # is reported at its Pine line and bar, without Python's exception text.
    from pineopt.runtime import pine_math

    def broken(*args):
        int("{{ticker}}")

    monkeypatch.setattr(pine_math, "sqrt", broken)
    src = """//@version=6
indicator("t")
float v = close
if bar_index == 2
    v := math.sqrt(close - open)
plot(v)
"""
    with pytest.raises(PineRuntimeError) as info:
        _run(src, make_bars(periods=4))
    message = str(info.value)
    assert "line 5" in message and "bar 2" in message
    assert "ValueError" not in message and "invalid literal" not in message
    assert isinstance(info.value.__cause__, ValueError)


def test_negative_array_index_counts_from_end(make_bars):
    src = """//@version=6
indicator("t")
a = array.from(1.0, 2.0, 3.0)
plot(array.get(a, -1), "last")
"""
    assert _run(src, make_bars(periods=2)).plots["last"].tolist() == [3, 3]


# --- unsupported features are refused at convert time -------------------------------------------

LOCATED = re.compile(r"^t\.pine:(\d+):(\d+): error: (.*)$", re.MULTILINE)


def test_library_import_is_refused_with_location():
    src = """//@version=6
indicator("t")
import user/lib/1 as lib
plot(close)
"""
    conv = convert(src, "t.pine")
    assert not conv.ok and conv.code is None
    found = LOCATED.findall(conv.format_diagnostics())
    assert found, conv.format_diagnostics()
    line, column, message = found[0]
    assert (line, column) == ("3", "1")
    assert "import" in message


def test_unsupported_request_is_refused_with_location():
    src = """//@version=6
indicator("t")
float e = request.earnings(syminfo.tickerid, earnings.actual)
plot(e)
"""
    conv = convert(src, "t.pine")
    assert not conv.ok and conv.code is None
    found = LOCATED.findall(conv.format_diagnostics())
    assert found, conv.format_diagnostics()
    assert any("request.earnings" in message for _, _, message in found)
    assert all(int(line) == 3 for line, _, _ in found)


def test_strategies_convert():
    src = """//@version=6
strategy("t")
if close > open
    strategy.entry("L", strategy.long)
plot(close)
"""
    conv = convert(src, "t.pine")
    assert conv.ok, conv.format_diagnostics()
    assert "broker.begin_bar(bar_index)" in conv.code


def test_load_refuses_failed_conversion():
    conv = convert('//@version=6\nindicator("t")\nimport user/lib/1 as lib\nplot(close)\n')
    with pytest.raises(Exception, match="import"):
        load(conv)


# --- whole-history and per-bar code paths agree -------------------------------------------------

TA_CALLS = [
    "ta.sma(close, 5)",
    "ta.ema(close, 5)",
    "ta.rma(close, 5)",
    "ta.wma(close, 5)",
    "ta.vwma(close, 5)",
    "ta.rsi(close, 5)",
    "ta.atr(5)",
    "ta.tr",
    "ta.tr(true)",
    "ta.stdev(close, 5)",
    "ta.variance(close, 5)",
    "ta.dev(close, 5)",
    "ta.highest(high, 5)",
    "ta.lowest(low, 5)",
    "ta.highestbars(high, 5)",
    "ta.lowestbars(low, 5)",
    "ta.change(close)",
    "ta.change(close, 3)",
    "ta.mom(close, 3)",
    "ta.roc(close, 3)",
    "ta.cci(close, 5)",
    "ta.mfi(hlc3, 5)",
    "ta.cmo(close, 5)",
    "ta.hma(close, 5)",
    "ta.alma(close, 5, 0.85, 6)",
    "ta.swma(close)",
    "ta.linreg(close, 5, 0)",
    "ta.percentrank(close, 5)",
    "ta.median(close, 5)",
    "ta.range(close, 5)",
    "ta.stoch(close, high, low, 5)",
    "ta.wpr(5)",
    "ta.cog(close, 5)",
    "ta.correlation(close, volume, 5)",
    "ta.cum(close)",
    "ta.vwap(hlc3)",
    "ta.obv",
    "ta.barssince(close > open)",
    "ta.valuewhen(close > open, close, 1)",
    "ta.pivothigh(high, 2, 2)",
    "ta.pivotlow(low, 2, 2)",
    "ta.bbw(close, 5, 2)",
    "ta.kcw(close, 5, 1.5)",
    "math.sum(close, 5)",
    "ta.sma(close, bar_index % 3 + 1)",
    "ta.highest(high, bar_index % 4 + 1)",
    "fixnan(ta.pivothigh(high, 2, 2))",
    "ta.crossover(close, ta.sma(close, 5)) ? 1 : 0",
    "ta.rising(close, 2) ? 1 : 0",
    "ta.falling(close, 2) ? 1 : 0",
]


@pytest.mark.parametrize("call", TA_CALLS)
def test_whole_history_and_per_bar_paths_agree(call):
    src = f"""//@version=6
indicator("t")
float a = {call}
float b = bar_index >= 0 ? {call} : na
wrapped() => {call}
float c = wrapped()
float d = bar_index >= 0 ? wrapped() : na
var float e = na
e := {call}
plot(a, "a")
plot(b, "b")
plot(c, "c")
plot(d, "d")
plot(e, "e")
"""
    plots = _run(src, _wavy_bars()).plots
    a = plots["a"].to_numpy(dtype=float)
    assert not np.isnan(a).all(), "the call never produced a value"
    for other in "bcde":
        np.testing.assert_allclose(
            plots[other].to_numpy(dtype=float),
            a,
            rtol=1e-9,
            atol=1e-9,
            equal_nan=True,
            err_msg=other,
        )


TUPLE_CALLS = [
    ("ta.bb(close, 5, 2)", 3),
    ("ta.kc(close, 5, 1.5)", 3),
    ("ta.macd(close, 3, 6, 3)", 3),
    ("ta.dmi(4, 4)", 3),
    ("ta.supertrend(3, 4)", 2),
]


@pytest.mark.parametrize(("call", "width"), TUPLE_CALLS)
def test_tuple_ta_paths_agree(call, width):
    names = [f"x{i}" for i in range(width)]
    per_bar = [f"y{i}" for i in range(width)]
    src = f"""//@version=6
indicator("t")
[{", ".join(names)}] = {call}
wrapped() => {call}
[{", ".join(per_bar)}] = wrapped()
""" + "".join(f'plot({x}, "{x}")\nplot({y}, "{y}")\n' for x, y in zip(names, per_bar, strict=True))
    plots = _run(src, _wavy_bars()).plots
    for x, y in zip(names, per_bar, strict=True):
        a = plots[x].to_numpy(dtype=float)
        assert not np.isnan(a).all(), x
        np.testing.assert_allclose(plots[y].to_numpy(dtype=float), a, equal_nan=True, atol=1e-9)


def test_sma_values_on_wavy_bars_match_hand_formula():
    frame = _wavy_bars()
    src = """//@version=6
indicator("t")
plot(ta.sma(close, 5), "a")
"""
    plots = _run(src, frame).plots
    close = frame["close"].to_numpy()
    for i, value in enumerate(plots["a"]):
        if i < 4:
            assert math.isnan(value)
        else:
            assert value == pytest.approx(close[i - 4 : i + 1].mean(), abs=1e-9)


# --- scripts Pine itself rejects are refused at convert time, located ---------------------------

REJECTED = {
    "v6 int as bool": ("//@version=6\nindicator('t')\nif bar_index\n    x = 1\nplot(close)\n", 3),
    "na() of a bool": (
        "//@version=6\nindicator('t')\nbool b = close > open\nplot(na(b) ? 1 : 0)\n",
        4,
    ),
    "tuple reassignment": (
        "//@version=6\nindicator('t')\nf() => [1, 2]\n[a, b] = f()\n[a, b] := f()\nplot(a)\n",
        5,
    ),
    "function assigns a global": (
        "//@version=6\nindicator('t')\nfloat g = 0.0\nf() =>\n    g := 1.0\n    g\nplot(f())\n",
        5,
    ),
    "recursion": (
        "//@version=6\nindicator('t')\nf(int n) => n <= 0 ? 0 : f(n - 1)\nplot(f(3))\n",
        3,
    ),
    "plot in a local block": (
        "//@version=6\nindicator('t')\nif close > open\n    plot(close)\n",
        4,
    ),
    "history of a literal": ("//@version=6\nindicator('t')\nplot(5[1])\n", 3),
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_invalid_pine_is_refused_with_location(name):
    source, line = REJECTED[name]
    conv = convert(source, "t.pine")
    assert not conv.ok
    found = LOCATED.findall(conv.format_diagnostics())
    assert found, conv.format_diagnostics()
    assert any(int(at) == line for at, _, _ in found), conv.format_diagnostics()


def test_v5_accepts_int_as_bool(make_bars):
    src = """//@version=5
indicator("t")
int flag = 0
if bar_index
    flag := 1
plot(flag, "f")
"""
    assert _run(src, make_bars(periods=3)).plots["f"].tolist() == [0, 1, 1]


def test_runtime_error_inside_loop_names_pine_line(make_bars):
    src = """//@version=6
indicator("t")
a = array.new<float>(2, 0.0)
float s = 0.0
for i = 0 to bar_index
    s += array.get(a, i)
plot(s)
"""
    with pytest.raises(PineRuntimeError) as info:
        _run(src, make_bars(periods=4))
    assert "line 6" in str(info.value)
    assert "bar 2" in str(info.value)


def test_plot_and_hline_records_fill_between_them():
    src = """//@version=6
indicator("fill", overlay=true)
p1 = plot(ta.sma(close, 3), "fast")
p2 = plot(ta.sma(close, 5), "slow")
fill(p1, p2, color = color.new(color.blue, 80))
h1 = hline(100, "h1")
h2 = hline(200, "h2")
fill(h1, h2)
if barstate.islast
    box.new(bar_index - 3, high, bar_index, low)
"""
    result = _run(src, _wavy_bars(12))
    kinds = [type(r).__name__ for r in result.outputs.records]
    assert kinds == ["Plot", "Plot", "Fill", "HLine", "HLine", "Fill"]
    assert list(result.plots.columns) == ["fast", "slow"]
    assert len(result.drawings["boxes"]) == 1


def test_loop_time_limit_costs_a_lone_counted_loop_nothing():
    """A lone ``for`` times itself in the runtime (``ops.int_range``); a ``while`` gets the
    deadline of its nest and a countdown; a nested loop reports at the outermost loop."""
    src = """//@version=6
indicator("loops")
s = 0
for i = 0 to 9
    s += i
k = 0
while k < 5
    k += 1
for i = 0 to 2
    for j = 0 to 2
        s += j
plot(s + k)
"""
    conv = convert(src, "t.pine")
    code = conv.code
    assert "for i in ops.int_range(0, 9, 1):" in code
    assert "loop_deadline = loop_limit.deadline()\n        loop_ticks = 64\n" in code
    assert "loop_ticks -= 1\n            if not loop_ticks:" in code
    assert "for j in ops.int_range(0, 2, 1, loop_deadline):" in code
    header = next(i for i, text in enumerate(code.splitlines(), 1) if "for j in" in text)
    pine_loops = load(conv).PINE_LOOPS
    assert pine_loops == {header: 9}
