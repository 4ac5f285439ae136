"""Rules by which TradingView refuses scripts, as the Pine v6 User Manual shows them: names that
would obscure a namespace, the qualifier of typed parameters, overloads, input options, library
exports, requests of drawings, ``na`` in comparisons and tuples. Each rule has its refusal and,
next to it, the valid Pine that must stay accepted."""

import pytest

from pineopt.lang import check

HEADER = '//@version={version}\n{kind}("test")\n'


def analysis(source: str, version: int = 6, kind: str = "indicator"):
    text = HEADER.format(version=version, kind=kind) + source
    if kind != "library":
        text += "\nplot(close)"
    return check(text + "\n", "t.pine")


def messages(source: str, version: int = 6, kind: str = "indicator") -> list[str]:
    """``LINE:COL severity: message`` of every diagnostic; line 3 is the first of ``source``."""
    return [
        f"{d.span.line}:{d.span.column} {d.severity.value}: {d.message}"
        for d in analysis(source, version, kind).diagnostics
    ]


def errors(source: str, version: int = 6, kind: str = "indicator") -> list[str]:
    return [m for m in messages(source, version, kind) if " error: " in m]


def variable_type(source: str, name: str) -> str:
    """The type of the global variable ``name`` (used once more at the end to find it)."""
    result = analysis(f"{source}\nprobe = {name}")
    assert result.ok, result.format_diagnostics()
    found = [str(s.info) for node, s in result.symbols.items() if node.id == name]
    return found[-1]


def accepted(source: str, version: int = 6, kind: str = "indicator") -> None:
    result = analysis(source, version, kind)
    assert result.ok, result.format_diagnostics()


# ---- names that would obscure a namespace -------------------------------------------------------


@pytest.mark.parametrize("version", [5, 6])
@pytest.mark.parametrize("name", ["ta", "syminfo", "polyline", "array", "line"])
def test_an_enum_cannot_take_a_namespace_or_built_in_type_name(name, version):
    # the manual, Enums > Shadowing: `enum syminfo`, `enum polyline`, `enum ta` are errors
    assert errors(f"enum {name}\n    abcd", version) == [
        f"3:6 error: An enum cannot be named '{name}': an enum's name must not match a built-in "
        "type or namespace"
    ]


def test_an_enum_may_differ_from_a_namespace_by_case():
    accepted("enum Syminfo\n    abcd\nenum Ta\n    first\nx = Ta.first")


def test_a_user_type_variable_cannot_take_a_namespace_name():
    # the manual, Variable declarations > Shadowing: `myType syminfo = myType.new()`
    assert errors("type myType\n    int tickerid = 1\nmyType syminfo = myType.new()") == [
        "5:8 error: A variable of the user-defined type 'myType' cannot be named 'syminfo': it "
        "would obscure the built-in namespace 'syminfo'"
    ]
    assert errors("type P\n    int x\nta = P.new(1)")[0].startswith("5:1 error: A variable of")
    found = errors("type P\n    int x\nf() => [P.new(1), 2]\n[ta, n] = f()")
    assert found[0].startswith("6:2 error: A variable of the user-defined type 'P' cannot be")


def test_types_and_built_in_objects_may_take_namespace_names():
    # a user type named like a namespace shadows it (Objects > Shadowing); a variable of a
    # built-in type named like a namespace does not obscure it
    accepted("type table\n    float level\nvar table t = table.new(close)\nx = t.level")
    accepted("line = line.new(bar_index, low, bar_index, high)\nbarstate = 1")
    accepted("type P\n    int x\nanchor = P.new(1)\nx = anchor.x")


# ---- typed parameters without a qualifier keyword ----------------------------------------------


def test_a_typed_parameter_is_series_so_the_result_is_series():
    # the manual, User-defined functions > Qualifier keywords ("Qualifier promotion demo")
    source = "pass(int source) =>\n    source\nint lengthVal = pass(14)"
    assert variable_type(source, "lengthVal") == "series int"
    assert errors(source + "\nfloat e = ta.ema(close - open, length = lengthVal)") == [
        "6:41 error: Cannot call 'ta.ema' with argument 'length'='lengthVal'. An argument of "
        "'series int' type was used but a 'simple int' is expected"
    ]


def test_an_untyped_or_simple_parameter_keeps_a_weaker_qualifier():
    assert variable_type("pass(source) => source\nint v = pass(14)", "v") == "const int"
    assert variable_type("pass(simple int source) => source\nint v = pass(14)", "v") == (
        "simple int"
    )
    accepted("pass(simple int source) => source\nfloat e = ta.ema(close, pass(14))")


def test_a_typed_parameter_the_body_needs_simple_becomes_simple():
    # Libraries > Qualified type control: `myEma(int x) => ta.ema(close, length = x)`
    source = "myEma(int x) => ta.ema(close, length = x)\na = myEma(20)"
    accepted(source)
    assert errors(source + "\nb = myEma(bar_index)") == [
        "5:11 error: Cannot call 'myEma' with argument 'x'='bar_index'. An argument of "
        "'series int' type was used but a 'simple int' is expected"
    ]
    # each parameter on its own: `source` stays series
    accepted(
        "zScore(float source, int length) =>\n    (source - ta.sma(source, length)) / "
        "ta.stdev(source, length)\nz = zScore(close, 20)"
    )


def test_a_typed_parameter_neither_series_nor_simple_can_be_is_an_error():
    assert errors('g(int d) => input.int(d, "x")\nc = g(3)') == [
        "3:23 error: Cannot call 'input.int' with argument 'defval'='d'. An argument of "
        "'simple int' type was used but a 'const int' is expected"
    ]


def test_an_error_the_body_has_anyway_does_not_make_the_parameter_simple():
    # `g(bar_index)` is wrong whatever `n` is: `n` stays series, so `f(bar_index)` is no error
    result = analysis("g(x) => ta.ema(close, x)\nf(int n) => g(bar_index) + n\nplot(f(bar_index))")
    assert [d.span.line for d in result.errors] == [3], result.format_diagnostics()


# ---- overloads ---------------------------------------------------------------------------------

NEGATE = "negate(float value) =>\n    -value\nnegate(bool value) =>\n    not value\n"


@pytest.mark.parametrize(
    "overload",
    [
        "negate(float value, float scale = 1.0) =>\n    -value * scale",  # only an optional extra
        "negate(float comparedValue) =>\n    not (comparedValue > open)",  # only the name differs
    ],
)
def test_overloads_with_the_same_required_parameters_are_ambiguous(overload):
    # the manual, User-defined functions > Function overloading
    assert errors(NEGATE + overload + "\nx = negate(close)") == [
        "7:1 error: The overload of 'negate' is ambiguous: it has the same required parameter "
        "types (series float) as the one defined on line 3; overloads must differ in the number "
        "or the types of their required parameters"
    ]


def test_overloads_differing_in_number_or_types_of_required_parameters_are_valid():
    accepted(
        NEGATE + "negate(color value) =>\n    color.rgb(255 - color.r(value), 0, 0)\n"
        "negate(float value1, float value2) =>\n    negate(value1 * value2)\n"
        "x = negate(close > open) ? negate(close) : negate(close, open)"
    )
    accepted("f(simple float x) => x\nf(float x) => x * 2\ny = f(close)")
    assert errors("f(x) => x\nf(y) => y * 2")[0].startswith("4:1 error: The overload of 'f' is")


# ---- input options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "column"),
    [
        ('input.int(7, "Length", options = [5, 10, 20])', 15),
        ('input.string("Maybe", "Mode", options = ["On", "Off"])', 18),
        ("input.float(-1.5, options = [1.5, 2.5])", 17),
        ("input.enum(Side.flat, options = [Side.buy, Side.sell])", 16),
    ],
)
def test_the_default_of_an_input_with_options_must_be_one_of_them(call, column):
    # the manual, Inputs > Input function parameters: `options`
    found = errors(f"enum Side\n    buy\n    sell\n    flat\nx = {call}")
    assert len(found) == 1 and found[0].startswith(f"7:{column} error: The defval"), found
    assert "is not one of its options" in found[0]


def test_a_default_among_the_options_is_valid():
    accepted('x = input.int(10, "Length", options = [5, 10, 20])')
    accepted("x = input.float(5, options = [1.5, 5.0])")  # 5 and 5.0 are the same number
    accepted("x = input.int(-1, options = [-1, 1])")
    accepted("const int D = 7\nx = input.int(D, options = [5, 10])")  # not a literal: unchecked


# ---- library exports ----------------------------------------------------------------------------


def test_an_exported_function_uses_only_const_globals():
    # the manual, Libraries > Library functions
    found = errors(
        'int lengthInput = input.int(14, "Length")\nexport smoothed(float src) =>\n'
        "    ta.sma(src, lengthInput)",
        kind="library",
    )
    assert found == [
        "5:17 error: The exported function 'smoothed' cannot use the global variable "
        "'lengthInput' of type 'input int': exported functions can only use global variables "
        "that are 'const'"
    ]
    found = errors(
        "var levels = array.new<float>()\nexport last() => levels.last()", kind="library"
    )
    assert found[0].startswith("4:18 error: The exported function 'last' cannot use the global")


def test_const_globals_and_unexported_functions_are_free():
    accepted(
        "LEN = 14\nconst float K = 2.0\nexport f(float src) => ta.sma(src, LEN) * K\n"
        "int n = input.int(3)\ng(float x) => x * n\nplot(g(f(close)))",
        kind="library",
    )


def test_an_exported_function_cannot_call_input():
    assert errors(
        'export scaled(float src) =>\n    src * input.float(2.0, "Factor")', kind="library"
    ) == [
        "4:11 error: Cannot call 'input.float' in the exported function 'scaled': exported "
        "library functions cannot create inputs"
    ]


# ---- what a request can return ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "drawing"),
    [
        ("line.new(bar_index, high, bar_index + 1, low)", "line"),
        ("array.new<box>()", "box"),
        ("Holder.new()", "line"),
    ],
)
def test_a_request_cannot_return_drawings(expression, drawing):
    # the manual, Other timeframes and data > Requestable data
    found = errors(
        f"type Holder\n    line l\nx = request.security(syminfo.tickerid, 'D', {expression})"
    )
    assert len(found) == 1 and found[0].startswith("5:45 error: Cannot call 'request.security'")
    assert f"a request cannot return '{drawing}' objects" in found[0]


def test_a_request_cannot_return_drawings_in_a_tuple():
    found = errors("[c, l] = request.security(syminfo.tickerid, 'D', [close, label.new(0, 0)])")
    assert len(found) == 1 and "a request cannot return 'label' objects" in found[0], found


def test_requestable_data_is_accepted():
    accepted(
        "type TickerInfo\n    string currency\n    array<float> prices\n    chart.point p\n"
        "info = TickerInfo.new(syminfo.currency, array.from(open, close), chart.point.now(high))\n"
        "TickerInfo r = request.security(syminfo.tickerid, 'D', info)\n"
        "[a, m] = request.security(syminfo.tickerid, 'D', [close, map.new<string, float>()])"
    )


# ---- na in comparisons ---------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["==", "!=", ">"])
def test_na_cannot_be_compared_in_v6(op):
    # the manual, Type system > `na` value: `myVar == na` is a compilation error
    assert errors(f"float myVar = na\nfloat myClose = myVar {op} na ? 0 : close") == [
        f"4:23 error: Cannot use '{op}' with na: a value cannot be compared with na directly "
        "(test it with na(x))"
    ]


def test_na_comparisons_only_warn_in_v5():
    # the v5 manual shows `myVar == na` as never true, not as an error
    assert messages("float myVar = na\nfloat myClose = myVar == na ? 0 : close", 5) == [
        "4:23 warning: A comparison with na using '==' is never true: test the value with na(x)"
    ]
    accepted("float myVar = na\nfloat myClose = na(myVar) ? 0 : close")


# ---- tuples ------------------------------------------------------------------------------------


def test_a_ternary_cannot_return_a_tuple():
    # the manual, Type system > Tuples
    assert errors("[v1, v2] = close > open ? [high, close] : [close, low]") == [
        "3:27 error: A ternary operation cannot return a tuple: '?:' is an expression, not a "
        "local scope (return the tuple from an 'if' or 'switch' structure)"
    ]
    accepted("[v1, v2] = if close > open\n    [high, close]\nelse\n    [close, low]")


def test_the_items_of_a_returned_tuple_share_the_strongest_qualifier():
    # the manual, Type system > Tuples: `getParameters(float source, simple int length)`
    source = "both(float source, simple int length) =>\n    [source, length]\n"
    assert variable_type(source + "[src, len] = both(close, 20)", "len") == "series int"
    assert errors(source + "[src, len] = both(close, 20)\nx = ta.ema(src, len)") == [
        "6:17 error: Cannot call 'ta.ema' with argument 'length'='len'. An argument of "
        "'series int' type was used but a 'simple int' is expected"
    ]
    # a tuple of constants is simple; one of an if structure takes its condition's qualifier
    assert variable_type("f() => [1, 'a']\n[n, s] = f()", "n") == "simple int"
    source = "[a, b] = if close > open\n    [1, 2]\nelse\n    [3, 4]"
    assert variable_type(source, "b") == "series int"
