"""Names the analyser resolves the way TradingView does: variables named like namespaces,
contextual keywords used as names, the shadowing rules, and a few built-ins that hinge on
names (``str.tostring`` of collections, ``text.format_*`` combined with ``+``)."""

import pytest

from pineopt.lang import check
from pineopt.lang.builtins import Signature
from pineopt.lang.scopes import UserFunction, UserType

HEADER = '//@version=6\nindicator("test")\n'


def analysis(source: str):
    return check(HEADER + source + "\nplot(close)\n", "t.pine")


def messages(source: str) -> list[str]:
    """``LINE:COL severity: message`` of every diagnostic; line 3 is the first of ``source``."""
    return [
        f"{d.span.line}:{d.span.column} {d.severity.value}: {d.message}"
        for d in analysis(source).diagnostics
    ]


def errors(source: str) -> list[str]:
    return [m for m in messages(source) if " error: " in m]


def call_on_line(result, line: int):
    """What the first call written on ``line`` resolved to."""
    calls = sorted(result.calls.items(), key=lambda item: item[0].span[:2])
    return next(callee for node, callee in calls if node.span.line == line)


# ---- a variable named like a namespace does not hide the namespace ------------------------------

NAMESAKE_VARIABLES = [
    'timeframe = input.timeframe("D")\nnewDay = timeframe.change(timeframe)\n'
    "x = request.security(syminfo.tickerid, timeframe, close)",
    "timeframe = timeframe.period\nbool isDaily = timeframe.isdaily and timeframe != ''",
    "matrix = matrix.new<float>(2, 2, 0)\nmatrix.set(matrix, 0, 0, 1.0)\nmatrix.set(1, 1, 2.0)\n"
    "x = matrix.get(matrix, 0, 0) + matrix.get(1, 1)",
    "color = color.new(color.red, 50)\nc2 = color.new(color, 20)\nplot(close, color = color)",
    "array = array.from(1, 2, 3)\nx = array.size(array) + array.size() + array.get(array, 0)",
    'map = map.new<string, float>()\nmap.put(map, "a", 1.0)\nx = map.get("a")',
    'str = "abc"\nx = str.length(str) + str.length("de")',
    "math = 2.0\nx = math.max(math, math.abs(-1))",
    "ta = 14\nx = ta.sma(close, ta)",
    "line = line.new(bar_index, low, bar_index, high)\nline.set_x2(line, bar_index + 1)\n"
    "line.set_y2(high)\nline.delete()",
    "label = label.new(bar_index, high, 'x')\nlabel.set_text(label, 'y')\nlabel.set_y(low)",
    "box = box.new(0, 1, 1, 0)\nbox.set_right(box, 2)",
    "table = table.new(position.top_right, 1, 1)\ntable.cell(table, 0, 0, 'x')",
    "f(color) => color.new(color, 50)\nplot(close, color = f(color.red))",
]


@pytest.mark.parametrize("source", NAMESAKE_VARIABLES)
def test_a_variable_named_like_a_namespace_does_not_hide_its_built_ins(source):
    result = analysis(source)
    assert result.ok, result.format_diagnostics()


def test_the_built_in_is_called_when_its_arguments_fit_else_the_method():
    result = analysis(
        "line = line.new(bar_index, low, bar_index, high)\n"
        "line.set_x2(line, bar_index + 1)\n"
        "line.set_y2(high)"
    )
    builtin, method = call_on_line(result, 4), call_on_line(result, 5)
    assert isinstance(builtin, Signature) and builtin.name == "line.set_x2"
    assert isinstance(method, Signature) and method.name == "line.set_y2"
    funcs = {node.span.line: node for node in result.namespace_paths}
    assert set(funcs) == {4}  # line 5 is a method call on the variable


def test_a_namesake_variable_still_reads_its_own_fields_and_methods():
    # (a variable of a user-defined type cannot take a namespace's name: a built-in type's can)
    result = analysis(
        "method change(chart.point p) => p.price * 2\n"
        "timeframe = chart.point.now(close)\nx = timeframe.price + timeframe.change()\n"
        "y = timeframe.isdaily"
    )
    assert result.ok, result.format_diagnostics()
    assert isinstance(call_on_line(result, 5), UserFunction)
    assert [node.attr for node in result.namespace_paths] == ["isdaily"]


def test_a_namesake_variable_of_a_wrong_type_gets_the_built_ins_error():
    assert errors("timeframe = 5\nb = timeframe.change(timeframe)") == [
        "4:22 error: Cannot call 'timeframe.change' with argument 'timeframe'='timeframe'. An "
        "argument of 'const int' type was used but a 'series string' is expected"
    ]


def test_a_user_type_named_like_a_namespace_shadows_it():
    result = analysis("type line\n    int x\nline l = line.new(5)\nplot(l.x)")
    assert result.ok, result.format_diagnostics()
    assert isinstance(call_on_line(result, 5), UserType)


# ---- contextual keywords are names where a name is expected --------------------------------------

KEYWORDS_AS_NAMES = [
    'ma(type, src, len) =>\n    switch type\n        "SMA" => ta.sma(src, len)\n'
    '        => ta.ema(src, len)\nx = ma("SMA", close, 10)',
    "f(series, length) => ta.sma(series, length)\nx = f(close, 3)",
    "g(simple, const, method, enum, import, export) => simple + const + method + enum + "
    "import + export\nx = g(1, 2, 3, 4, 5, 6)",
    'type = input.string("EMA", "MA type")\nx = type == "EMA" ? 1 : 0',
    "series float series = close\nmethod = 2\nx = series * method",
    "type Trade\n    string type = 'long'\n    int method = 1\nt = Trade.new()\nx = t.type",
    "simple int simple = 3\nfor const = 0 to simple\n    label.new(bar_index, const)",
]


@pytest.mark.parametrize("source", KEYWORDS_AS_NAMES)
def test_contextual_keywords_are_names(source):
    result = analysis(source)
    assert result.ok, result.format_diagnostics()


def test_contextual_keywords_still_open_their_constructs():
    result = analysis(
        "type Point\n    float x\nenum Side\n    long\n"
        "method twice(Point p) => p.x * 2\nsimple int n = 2\nx = Point.new(1).twice() * n"
    )
    assert result.ok, result.format_diagnostics()


# ---- shadowing ---------------------------------------------------------------------------------

SHADOWING = [
    # the manual, Objects > Shadowing: of the built-in types, only the five primitive ones cannot
    # name user types or objects
    ("type int\n    int x", "3:6 error: 'int' is a primitive type and cannot name a user-defi"),
    ("type color\n    float r", "3:6 error: 'color' is a primitive type and cannot name a user"),
    ("enum string\n    a", "3:6 error: 'string' is a primitive type and cannot name an enum"),
    (
        "type P\n    int x\nP float = P.new(1)",
        "5:3 error: 'float' is a primitive type and cannot name an object (here of the type 'P')",
    ),
    (
        "type P\n    int x\nf(P bool) => bool.x\ny = f(P.new(1))",
        "5:5 error: 'bool' is a primitive type and cannot name an object (here of the type 'P')",
    ),
    (
        "type P\n    int x\nfor color in array.new<P>()\n    label.new(bar_index, color.x)",
        "5:5 error: 'color' is a primitive type and cannot name an object (here of the type 'P')",
    ),
    # a built-in variable cannot be shadowed once the script has used it
    (
        "y = hl2 + 1\nif close > open\n    hl2 = 1.0\n    label.new(bar_index, hl2)",
        "5:5 error: Cannot shadow the built-in variable 'hl2' because it has already been used "
        "as a built-in (line 3)",
    ),
    (
        "y = high\n[high, low2] = request.security(syminfo.tickerid, 'D', [high, low])",
        "4:2 error: Cannot shadow the built-in variable 'high' because it has already been used",
    ),
]


@pytest.mark.parametrize(("source", "expected"), SHADOWING)
def test_shadowing_that_tradingview_refuses(source, expected):
    found = errors(source)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_shadowing_that_tradingview_allows():
    # types may take the names of namespaces and of the other built-in types, and so may
    # objects of built-in types (not those of user-defined types)
    assert (
        errors("type line\n    int x\nl = line.new(1)\ntable = table.new(position.top_right, 1, 1)")
        == []
    )
    # a built-in variable not used yet, or used in its own declaration: a warning only
    assert messages("if close > open\n    hl2 = 1.0\n    label.new(bar_index, hl2)") == [
        "4:5 warning: Shadowing built-in variable 'hl2'"
    ]
    assert messages("high = request.security(syminfo.tickerid, 'D', high)") == [
        "3:1 warning: Shadowing built-in variable 'high'"
    ]
    # the names of namespaces, built-in functions and plain values are silent
    assert messages('str = "a"\nnz = 1.0\ncolor = color.red\nx = nz + str.length(str)') == []


# ---- str.tostring of collections, text formats ---------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "str.tostring(array.from(1, 2))",
        "str.tostring(array.from(1.5, 2))",
        "str.tostring(array.from(true))",
        'str.tostring(array.from("a"))',
        "str.tostring(matrix.new<int>(2, 2, 0))",
        'str.tostring(array.from(1.5, 2), "#.00")',
        "str.tostring(matrix.new<float>(2, 2, 0), format.mintick)",
    ],
)
def test_str_tostring_takes_arrays_and_matrices(call):
    result = analysis(f"s = {call}")
    assert result.ok, result.format_diagnostics()
    assert str(result.types[result.script.body[1].value]) == "series string"


def test_str_tostring_refuses_what_the_reference_does_not_list():
    assert errors("s = str.tostring(array.from(color.red))") == [
        "3:18 error: Cannot call 'str.tostring' with argument 'value'='array.from(color.red)'. "
        "An argument of 'array<color>' type was used but a 'int/float/bool/string/enum' is "
        "expected"
    ]
    assert errors('s = str.tostring(array.from(true), "#")')[0].startswith(
        "3:18 error: Cannot call 'str.tostring' with argument 'value'"
    )


def test_text_formats_combine_with_plus():
    result = analysis(
        "label.new(bar_index, high, 'x', text_formatting = text.format_bold + text.format_italic)"
    )
    assert result.ok, result.format_diagnostics()
    assert errors("f = text.format_bold + 1") == [
        "3:22 error: Cannot apply operator '+' to operands of type 'const text_format' and "
        "'const int'"
    ]
