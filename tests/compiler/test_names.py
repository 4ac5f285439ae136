"""Names in converted scripts: a Pine variable never hides a built-in in Python, a variable named
like a namespace keeps the namespace's built-ins, contextual keywords are names, and the
built-ins that hinge on names (``str.tostring`` of collections, combined text formats) give
TradingView's values. Expected values are worked out by hand from Pine's semantics."""

from __future__ import annotations

import pytest

from pineopt.compiler import convert, load
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.runtime.engine import execute

HEADER = '//@version=6\nindicator("t")\n'


@pytest.fixture
def run_script(make_bars):
    """``run_script(body)`` -> the whole result of the script over ten rising bars (close
    100 to 109, high one point above)."""

    def run(body: str):
        conversion = convert(HEADER + body + "\n", "t.pine")
        assert conversion.ok, conversion.format_diagnostics()
        frame = make_bars()
        return execute(load(conversion), frame, SymbolInfo.default("TEST"), Timeframe.parse("60"))

    return run


def column(result, title):
    return result.plots[title].tolist()


def test_pine_names_never_hide_what_the_runtime_is_given(run_script):
    """Each of these variables takes the Python name the compiler would otherwise give a
    built-in (``math.max``, ``timeframe.period``, the colour #FF0000, the bar series)."""
    result = run_script(
        "math_max = 5.0\ntimeframe_period = 'x'\nCOLOR_FF0000 = 3\nclose = 7.0\n"
        "label.new(bar_index, high, 'x')\n"
        "plot(math.max(high, 1) + math_max + COLOR_FF0000, 'sum', color = #FF0000)\n"
        "plot(timeframe_period == timeframe.period ? 1 : 0, 'same')\n"
        "plot(close, 'mine')"
    )
    assert column(result, "sum") == [101.0 + i + 8 for i in range(10)]
    assert column(result, "same") == [0] * 10
    assert column(result, "mine") == [7.0] * 10
    assert str(result.outputs.records[0].params["color"]) == "#FF0000"
    assert result.drawings["labels"][-1]["y"] == 110.0


def test_a_variable_named_like_a_namespace_keeps_the_namespace(run_script):
    result = run_script(
        "math = 2.0\n"
        "array = array.from(1, 2, 3)\n"
        "array.push(array, 4)\n"
        "array.push(5)\n"
        "matrix = matrix.new<float>(2, 2, 1.0)\n"
        "matrix.set(matrix, 0, 0, 10.0)\n"
        "matrix.set(1, 1, 20.0)\n"
        "timeframe = '120'\n"
        "plot(math.max(math, 3.0), 'max')\n"
        "plot(array.size(array) * 10 + array.size(), 'sizes')\n"
        "plot(matrix.get(matrix, 0, 0) + matrix.get(1, 1), 'cells')\n"
        "plot(timeframe.in_seconds(timeframe) + timeframe.in_seconds(), 'seconds')\n"
        "color = color.new(color.red, 50)\n"
        "plot(close, 'c', color = color.new(color, 20))"
    )
    assert column(result, "max") == [3.0] * 10
    assert column(result, "sizes") == [55] * 10
    assert column(result, "cells") == [30.0] * 10
    assert column(result, "seconds") == [7200 + 3600] * 10


def test_contextual_keywords_are_names_in_the_generated_code(run_script):
    result = run_script(
        "ma(type, series, len) =>\n"
        "    switch type\n"
        '        "SMA" => ta.sma(series, len)\n'
        "        => ta.ema(series, len)\n"
        'type = input.string("SMA")\n'
        "import = 2\n"
        "plot(ma(type, close, import), 'ma')"
    )
    assert column(result, "ma")[1:] == [100.5 + i for i in range(9)]


def test_str_tostring_of_arrays_and_matrices(run_script):
    result = run_script(
        "a = array.from(1, 2, 3)\n"
        "f = array.from(1.5, 2.25, 3.0)\n"
        "m = matrix.new<float>(2, 2, 1.5)\n"
        "m.set(0, 1, 2.75)\n"
        "plot(str.tostring(a) == '[1, 2, 3]' ? 1 : 0, 'ints')\n"
        "plot(str.tostring(f) == '[1.5, 2.25, 3]' ? 1 : 0, 'floats')\n"
        "plot(str.tostring(array.from(true, false)) == '[true, false]' ? 1 : 0, 'bools')\n"
        "plot(str.tostring(a, '#.00') == '[1.00, 2.00, 3.00]' ? 1 : 0, 'formatted')\n"
        "plot(str.tostring(m) == '[1.5, 2.75]\\n[1.5, 1.5]' ? 1 : 0, 'matrix')\n"
        "plot(str.tostring(m, '0.0') == '[1.5, 2.8]\\n[1.5, 1.5]' ? 1 : 0, 'matrix0')"
    )
    for title in ("ints", "floats", "bools", "formatted", "matrix", "matrix0"):
        assert column(result, title) == [1] * 10, title


def test_text_formats_combine(run_script):
    result = run_script(
        "if barstate.islast\n"
        "    label.new(bar_index, high, 'b', text_formatting = text.format_bold)\n"
        "    label.new(bar_index, high, 'bi', text_formatting = text.format_italic + "
        "text.format_bold)\n"
        "    label.new(bar_index, high, 'i', text_formatting = text.format_none + "
        "text.format_italic)\n"
        "plot(close)"
    )
    formats = {label["text"]: label["text_formatting"] for label in result.drawings["labels"]}
    assert formats == {
        "b": "text.format_bold",
        "bi": "text.format_bold+text.format_italic",
        "i": "text.format_italic",
    }
