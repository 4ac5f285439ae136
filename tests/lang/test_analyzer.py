"""The semantic analyser: one small script per rule, inference tables, overloads, v5/v6."""

import pytest

from pineopt.lang import analyze, check, parse
from pineopt.lang.builtins import Signature
from pineopt.lang.scopes import SymbolKind, UserFunction, UserType
from pineopt.lang.types import Qualifier

HEADER = '//@version={version}\n{kind}("test")\n'


def analysis(source: str, version: int = 6, kind: str = "indicator", output: bool = True):
    text = HEADER.format(version=version, kind=kind) + source + ("\nplot(close)" if output else "")
    return check(text + "\n", "t.pine")


def messages(source: str, version: int = 6, **options) -> list[str]:
    """``LINE:COL severity: message`` of every diagnostic; line 3 is the first of ``source``."""
    return [
        f"{d.span.line}:{d.span.column} {d.severity.value}: {d.message}"
        for d in analysis(source, version, **options).diagnostics
    ]


def errors(source: str, version: int = 6, **options) -> list[str]:
    return [m for m in messages(source, version, **options) if " error: " in m]


def variable_type(source: str, name: str, version: int = 6) -> str:
    """The type of the variable ``name`` declared in ``source``, as Pine writes it (a global
    variable is used once more at the end, to find its symbol)."""
    for text in (source, f"{source}\nprobe = {name}"):
        result = analysis(text, version)
        assert result.ok, result.format_diagnostics()
        for node, symbol in result.symbols.items():
            if node.id == name:
                return str(symbol.info)
    raise AssertionError(f"no variable {name}")


def value_type(source: str, version: int = 6) -> str:
    """The type of ``x`` in ``x = SOURCE``."""
    result = analysis(f"x = {source}", version)
    assert result.ok, result.format_diagnostics()
    return str(result.types[result.script.body[1].value])


# ---- one script per rule -------------------------------------------------------------------------

RULES = [
    # names and scopes
    ("plot(foo * 2)", "3:6 error: Undeclared identifier 'foo'"),
    ("total := close", "3:1 error: Undeclared identifier 'total'"),
    ("total += 1", "3:1 error: Undeclared identifier 'total'"),
    ("float level = close\nfloat level = open", "4:7 error: 'level' is already declared in this"),
    ("close := open", "3:1 error: Cannot modify the built-in variable 'close'"),
    ("float range = high - low", "3:7 error: 'range' is a reserved word and cannot name a var"),
    ("y = f(1)\nf(x) => x", "3:5 error: 'f' is called before its definition"),
    ("y = nothing(1)", "3:5 error: Could not find function or function reference 'nothing'"),
    ("y = ta.nothing(1)", "3:5 error: Could not find function or function reference 'ta.noth"),
    ("y = ta.sma", "3:5 error: 'ta.sma' is a function: call it with parentheses"),
    # functions
    ("f(int n) => n <= 1 ? 1 : n * f(n - 1)", "3:30 error: Recursive call: the function 'f'"),
    ("var float g = na\nf(float v) =>\n    g := v\n    v", "5:5 error: Cannot modify global va"),
    ("f(float v) =>\n    v := 0\n    v", "4:5 error: Cannot modify the parameter 'v'"),
    ("method twice(this) => this * 2", "3:14 error: The first parameter of a method must have"),
    ("method answer() => 42", "3:8 error: The method 'answer' has no parameters: a method needs"),
    ("export half(float x) => x / 2", "3:1 error: 'export' is only allowed in library scripts"),
    ("f(int a) => a\ny = f('x')", "4:7 error: Cannot call 'f' with argument 'a'='\"x\"'."),
    ("f(a, b = 1) => a + b\ny = f(1, 2, 3)", "4:13 error: Too many arguments in the call of 'f'"),
    ("f(a) => a\ny = f(1, b = 1)", "4:10 error: The 'f' function does not have an argument with"),
    ("f(a) => a\ny = f()", "4:5 error: Missing required argument 'a' in the call of 'f'"),
    ("f(simple int n) => n\ny = f(bar_index)", "4:7 error: Cannot call 'f' with argument 'n'"),
    # declarations and assignments
    ("x = na", "3:5 error: Value with NA type cannot be assigned to a variable that was defined"),
    ("x = array.clear(array.new_float())", "3:5 error: Void expression cannot be assigned"),
    ("x = [close, open]", "3:5 error: A tuple cannot be assigned to one variable"),
    ("int x = 1.5", "3:9 error: Cannot assign a value of type 'const float' to the variable 'x'"),
    ("float x = close\nx := 'text'", "4:6 error: Cannot assign a value of type 'const string'"),
    ("x = 'a'\nx -= 1", "4:6 error: Cannot apply '-=' to a variable of type 'series string'"),
    ("const int x = bar_index", "3:15 error: Cannot assign a 'series int' value to the const var"),
    ("const int n = 14\nn := 20", "4:1 error: Cannot modify the const variable 'n'"),
    ("simple int n = 14\nn := bar_index", "4:6 error: Cannot assign a 'series int' value to t"),
    ("const int n = 14\nn += 1", "4:1 error: Cannot modify the const variable 'n'"),
    ("int half = 7 / 2.0", "3:12 error: Cannot assign a value of type 'const float' to the vari"),
    ("int half = bar_index / 2.0", "3:12 error: Cannot assign a value of type 'series float'"),
    ("[a, b] = ta.bb(close, 20, 2)", "3:10 error: The right side returns 3 values but 2 varia"),
    ("[a, b] = close", "3:10 error: A tuple declaration needs a tuple value"),
    # operators and structures
    ("x = 'a' + 1", "3:9 error: Cannot apply operator '+' to operands of type 'const string'"),
    ("x = close < 'a'", "3:11 error: Cannot apply operator '<' to operands"),
    ("enum E\n    a\n    b\nx = E.a < E.b", "6:9 error: Cannot apply operator '<' to enum va"),
    ("enum E\n    a\nx = E.c", "5:7 error: The enum 'E' has no member 'c'"),
    ("enum E\n    a\n    b\n    a", "6:5 error: The enum member 'a' is already declared"),
    ("x = close > open ? 1 : 'a'", "3:24 error: The two results of '?:' have incompatible"),
    ("x = if close > open\n    1\nelse\n    'a'", "3:5 error: Return type of one of the 'if'"),
    ("x = close[1.5]", "3:11 error: The history offset must be an int"),
    ("x = close[-1]", "3:11 error: The history offset cannot be negative"),
    ("if close > open\n    break", "4:5 error: 'break' can only be used inside a loop"),
    ("continue", "3:1 error: 'continue' can only be used inside a loop"),
    ("for x in close\n    y = x", "3:10 error: Cannot iterate over a value of type 'series"),
    ("s = switch close\n    'a' => 1\n    => 2", "4:5 error: The case value of type 'const str"),
    ("type P\n    float x\np = P.new()\ny = p.z", "6:7 error: The type 'P' has no field 'z'"),
    ("type P\n    float x\n    int x", "5:9 error: The field 'x' is already declared"),
    ("type P\n    float x\ntype P\n    int y", "5:6 error: The type 'P' is already defined"),
    ("type P\n    float x\np = P.new(x = 'a')", "5:15 error: Cannot call 'P.new' with argument"),
    ("type P\n    Q x", "4:5 error: Unknown type 'Q'"),
    ("a = array.new_float()\na.nothing()", "4:1 error: Could not find method 'nothing' for a "),
    # built-in calls
    ("plot(close, thickness = 2)", "3:13 error: The 'plot' function does not have an argument"),
    ("plot(ta.sma(close))", "3:6 error: Missing required argument 'length' in the call of 'ta"),
    ("plot(ta.sma('close', 14))", "3:13 error: Cannot call 'ta.sma' with argument 'source'="),
    ("plot(ta.sma(close, 1, 2))", "3:23 error: Too many arguments in the call of 'ta.sma'"),
    ("hline(close)", "3:7 error: Cannot call 'hline' with argument 'price'='close'."),
    ("plot(close, title = 'C' + str.tostring(close))", "3:21 error: Cannot call 'plot' with"),
    ("m = map.new<string, int>()\nm.put(1, 1)", "4:7 error: Cannot call 'map.put' with argu"),
    ("a = array.from(1, 2)\na.push('x')", "4:8 error: Cannot call 'array.push' with argument"),
    # placement and script kind
    ("f(float v) =>\n    plot(v)", "4:5 error: Cannot use 'plot' in local scope: plot() is onl"),
    ("if close > open\n    plot(close)", "4:5 error: Cannot use 'plot' in local scope"),
    ("for i = 0 to 2\n    plot(close[i])", "4:5 error: Cannot use 'plot' in local scope"),
    ("x = close > open ? plot(close) : na", "3:20 error: Cannot use 'plot' in local scope"),
    ("if close > open\n    strategy.entry('L', strategy.long)", "4:5 error: Cannot use 'strat"),
]


@pytest.mark.parametrize(("source", "expected"), RULES, ids=[e.split(":")[-1] for _, e in RULES])
def test_each_rule_reports_one_error_at_the_offending_token(source, expected):
    found = errors(source)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_the_expected_message_texts():
    assert errors("plot(ta.ema(close, bar_index))") == [
        "3:20 error: Cannot call 'ta.ema' with argument 'length'='bar_index'. An argument of "
        "'series int' type was used but a 'simple int' is expected"
    ]


def test_several_errors_are_reported_and_an_unknown_name_does_not_cascade():
    found = errors("a = foo + 1\nb = a * 2\nc = ta.sma(a, 'x')\nd = bar")
    assert [m.split(" error")[0] for m in found] == ["3:5", "5:15", "6:5"]


def test_errors_stop_after_fifty():
    found = errors("\n".join(f"x{i} = nope{i}" for i in range(60)))
    assert len(found) == 51 and found[-1].endswith("too many errors; stopped after 50")


def test_errors_in_a_function_body_that_only_its_arguments_cause_name_the_call():
    found = errors("f(len) => ta.ema(close, len)\na = f(14)\nb = f(bar_index)")
    assert found == [
        "3:25 error: Cannot call 'ta.ema' with argument 'length'='len'. An argument of "
        "'series int' type was used but a 'simple int' is expected (in the call of 'f' on "
        "line 5)"
    ]


def test_shadowing_an_outer_variable_is_a_warning():
    assert messages("a = close\nif true\n    a = 2") == [
        "5:5 warning: Shadowing variable 'a' which exists in parent scope. Did you want to use "
        "the ':=' operator instead of '='?"
    ]


def test_underscore_discards_values_and_may_repeat():
    assert errors("[_, _, c] = ta.bb(close, 20, 2)\nplot(c)") == []


def test_script_rules():
    assert errors("half(float x) => x / 2", kind="library") == [
        "2:1 error: A library must export at least one function, method, type or enum"
    ]
    assert errors("x = ta.sma(close, 10)", output=False) == [
        "2:1 error: Script must have at least one output function call (e.g. plot, plotshape, "
        "bgcolor, alertcondition, label.new)"
    ]
    assert errors("x = close", kind="strategy", output=False) == []
    assert errors("export f(x) => x", kind="library", output=False) == [
        "3:10 error: The parameter 'x' of an exported function must have a type"
    ]


def test_a_library_exports_constants_of_value_types():
    # release notes, June 2025: exported variables are "int", "float", "bool", "color" or
    # "string" and declared `const`; a library exporting only a constant exports something
    assert errors("export const float RATIO = 1.0 + math.sqrt(2)", kind="library") == []
    constants = 'export const string NAME = "x"\nexport const color C = #FF0000'
    assert errors(constants, kind="library") == []
    assert errors("export float RATIO = 0.5", kind="library") == [
        "3:1 error: The exported variable 'RATIO' must be declared 'const' (export const "
        "<type> RATIO = <value>)"
    ]
    assert errors("export const array<float> A = array.new<float>()", kind="library") == [
        "3:1 error: The exported variable 'A' must be of type int, float, bool, color or "
        "string, not 'array<float>'"
    ]
    assert errors("export const float RATIO = 0.5") == [
        "3:1 error: 'export' is only allowed in library scripts"
    ]


def test_the_declaration_is_checked_like_any_call_and_only_by_the_parser_for_its_count():
    text = '//@version=6\nindicator("a", overlay = 1)\nplot(close)\n'
    assert [d.message.split(".")[0] for d in check(text).errors] == [
        "Cannot call 'indicator' with argument 'overlay'='1'"
    ]
    two = '//@version=6\nindicator("a")\nindicator("b")\nplot(close)\n'
    assert len(check(two).errors) == 1


# ---- v5 and v6 -----------------------------------------------------------------------------------

VERSIONED = [
    ("if bar_index\n    x = 1", "3:4 error: Cannot use a 'series int' value as the condition of"),
    ("x = volume ? 1 : 0", "3:5 error: Cannot use a 'series float' value as the condition of"),
    ("x = not close", "3:9 error: Cannot use a 'series float' value as the condition of 'not'"),
    ("b = close > open\nx = na(b)", "4:8 error: Cannot call 'na' with a 'bool' argument"),
    ("b = close > open\nx = nz(b)", "4:8 error: Cannot call 'nz' with a 'bool' argument"),
    ("bool b = na", "3:10 error: Cannot assign na to the bool variable 'b'"),
    ("x = close + 5[1]", "3:14 error: Pine v6 does not allow '[]' on a literal or a built-in"),
    ("x = color.red[1]", "3:14 error: Pine v6 does not allow '[]' on a literal"),
    ("type B\n    float c\nb = B.new()\nx = b.c[1]", "6:8 error: Pine v6 does not allow '[]' di"),
    ("plot(close, color = color.red, color = color.blue)", "3:32 error: The argument 'color' is"),
    ("plot(close, transp = 50)", "3:13 error: 'transp' is not a valid parameter of 'plot' in P"),
    ("x = 1\nx := 2\ny = ta.ema(close, x)", "5:19 error: Cannot call 'ta.ema' with argument"),
]


@pytest.mark.parametrize(("source", "expected"), VERSIONED)
def test_v6_rules_are_errors_that_v5_accepts(source, expected):
    found = errors(source, 6)
    assert len(found) == 1 and found[0].startswith(expected), found
    assert errors(source, 5) == []


def test_v5_deprecations_are_warnings_and_v6_errors():
    source = "strategy.entry('L', strategy.long, when = close > open)"
    assert messages(source, 5, kind="strategy") == [
        "3:36 warning: The 'when' parameter of 'strategy.entry' is deprecated and removed in "
        "Pine v6 (put the call in an 'if' block)"
    ]
    assert errors(source, 6, kind="strategy") == [
        "3:36 error: 'when' is not a valid parameter of 'strategy.entry' in Pine v6: it was "
        "removed (put the call in an 'if' block)"
    ]


def test_v5_requests_take_series_symbols_only_with_dynamic_requests():
    source = "var s = array.from('A', 'B')\nx = request.security(s.get(0), 'D', close)"
    assert len(errors(source, 5)) == 1
    text = '//@version=5\nindicator("x", dynamic_requests = true)\n' + source + "\nplot(x)\n"
    assert check(text).ok


def test_a_version_can_be_forced():
    result = parse('//@version=6\nindicator("x")\nif bar_index\n    x = 1\nplot(close)\n')
    assert not analyze(result).ok
    assert analyze(result, version=5).ok
    assert analyze(result.script).ok is False  # a bare Script works too (no source lines)


# ---- qualifiers and types ------------------------------------------------------------------------

INFERRED = [
    ("1", "const int"),
    ("1.5", "const float"),
    ("'a'", "const string"),
    ("#ff0000", "const color"),
    ("true", "const bool"),
    ("1 + 2.5", "const float"),
    ("7 / 2", "const int"),
    ("7 / 2.0", "const float"),
    ("bar_index / 2", "series int"),
    ("input.int(10) / 2", "input int"),
    ("7 % 2", "const int"),
    ("close", "series float"),
    ("bar_index", "series int"),
    ("syminfo.mintick", "simple float"),
    ("timeframe.period", "simple string"),
    ("input.int(10)", "input int"),
    ("input(1.5)", "input float"),
    ("input.source(close)", "series float"),
    ("input.int(10) * 2", "input int"),
    ("input.int(10) + syminfo.mintick", "simple float"),
    ("close > open", "series bool"),
    ("math.max(1, 2)", "const int"),
    ("math.max(1, 2.5)", "const float"),
    ("math.max(close, 2)", "series float"),
    ("color.new(color.red, 50)", "const color"),
    ("str.tostring(1)", "const string"),
    ("close[1]", "series float"),
    ("(1 + 2)[0]", "series int"),
    ("true ? 1 : 2.5", "const float"),
    ("close > open ? 1 : na", "series int"),
    ("close > open ? array.from(1) : array.from(1.5)", "array<float>"),
    ("close > open ? matrix.new<float>() : matrix.new<int>()", "matrix<float>"),
    ("ta.sma(close, 10)", "series float"),
    ("ta.highest(10)", "series float"),
    ("ta.highest(high, 10)", "series float"),
    ("ta.change(close > open)", "series bool"),
    ("array.new<float>(3, 0)", "array<float>"),
    ("array.new_int()", "array<int>"),
    ("array.from(1, 2.5)", "array<float>"),
    ("array.from('a', 'b')", "array<string>"),
    ("array.get(array.from(1, 2), 0)", "series int"),
    ("array.from(1, 2).get(0)", "series int"),
    ("map.new<string, int>()", "map<string, int>"),
    ("map.new<string, int>().get('a')", "series int"),
    ("matrix.new<float>(2, 2).row(0)", "array<float>"),
    ("request.security_lower_tf(syminfo.tickerid, '1', close)", "array<float>"),
    ("label.new(bar_index, close)", "label"),
    ("chart.point.now().price", "series float"),
    ("switch\n    close > open => 1\n    => 2", "series int"),
]


@pytest.mark.parametrize(("source", "expected"), INFERRED)
def test_types_and_qualifiers_of_expressions(source, expected):
    assert value_type(source) == expected


@pytest.mark.parametrize("version", [5, 6])
def test_int_division_keeps_the_int_type_wherever_an_int_is_needed(version):
    # TradingView's own Hull MA: `ta.wma(src, length / 2)`; the value keeps its fraction and
    # is truncated where an int is needed (LANGUAGE-NOTES §10)
    source = (
        "length = input.int(9)\n"
        "int half = length / 2\n"
        "h = ta.wma(2 * ta.wma(close, length / 2) - ta.wma(close, length), half)\n"
        "a = array.from(1.0, 2.0, 3.0)\n"
        "x = a.get(a.size() / 2) + close[bar_index / 2]\n"
        "for i = 0 to a.size() / 2\n"
        "    a.set(i / 2, h)"
    )
    assert errors(source, version) == []
    assert errors("int half = close / 2", version) == [
        "3:12 error: Cannot assign a value of type 'series float' to the variable 'half' of "
        "type 'int'"
    ]
    assert errors("x = array.get(array.from(1), 3 / 2.0)", version)[0].startswith(
        "3:30 error: Cannot call 'array.get' with argument 'index'='3 / 2.0'"
    )


def test_a_declaration_statement_in_a_block_is_reported_where_it_is():
    text = '//@version=6\nif barstate.isfirst\n    indicator("t")\nplot(close)\n'
    assert [f"{d.span.line}:{d.span.column} {d.message}" for d in check(text).errors] == [
        "3:5 Cannot use 'indicator' in local scope: indicator() is only allowed in the global "
        "scope (here: an if block)"
    ]


VARIABLES = [
    ("x = 14", "x", 6, "const int"),
    ("var x = 14", "x", 6, "const int"),
    ("varip float x = 1.5", "x", 6, "const float"),
    ("var x = syminfo.mintick", "x", 6, "simple float"),
    ("var x = 14\nx += 1", "x", 6, "series int"),
    ("var x = 14\nif close > open\n    x := 15", "x", 5, "series int"),
    ("x = 14\nx := 15", "x", 6, "series int"),
    ("x = 14\nx := 15", "x", 5, "const int"),
    ("simple int x = 14", "x", 6, "simple int"),
    ("float x = 14", "x", 6, "const float"),
    ("x = input.int(14)", "x", 6, "input int"),
    ("x = 1\nif close > open\n    x := 2", "x", 6, "series int"),
    ("f(float a) => a * 2\nx = f(1)", "x", 6, "series float"),  # typed: series
    ("f(a) => a * 2\nx = f(close)", "x", 6, "series float"),
    ("f(a) => [a, a > 0]\n[x, y] = f(1)", "y", 6, "simple bool"),  # tuples: >= simple
    ("for i = 0 to 3\n    y = i", "i", 6, "series int"),
    ("for v in array.from('a')\n    y = v", "v", 6, "series string"),
    ("for [i, v] in map.new<string, float>()\n    y = v", "v", 6, "series float"),
]


@pytest.mark.parametrize(("source", "name", "version", "expected"), VARIABLES)
def test_types_and_qualifiers_of_variables(source, name, version, expected):
    assert variable_type(source, name, version) == expected


@pytest.mark.parametrize("keyword", ["", "var ", "varip "])
def test_a_variable_initialised_with_a_const_keeps_const_until_reassigned(keyword):
    # the manual's Type system page titles a plot with `var PLOT1_TITLE = "High"`
    source = (
        f'{keyword}GROUP = "Settings"\n'
        f"{keyword}int MAX = 50\n"
        f"{keyword}COLOR = color.red\n"
        f"{keyword}TITLE = 'Len ' + str.tostring(MAX * 2)\n"
        "len = input.int(10, TITLE, maxval = MAX, group = GROUP)\n"
        "c = input.color(COLOR, 'C')\n"
        "simple int s = MAX\n"
        "const int k = MAX / 2\n"
        "plot(close, TITLE)"
    )
    assert errors(source) == []
    reassigned = f"{keyword}int MAX = 50\nMAX := 60\nconst int k = MAX"
    assert errors(reassigned) == [
        "5:15 error: Cannot assign a 'series int' value to the const variable 'k'"
    ]


def test_const_on_a_reference_only_forbids_reassigning_it():
    source = (
        "type P\n    float x = 1\n"
        "const array<float> A = array.from(1.0, 2.0)\n"
        "const matrix<int> M = matrix.new<int>(2, 2, 0)\n"
        "const map<string, float> D = map.new<string, float>()\n"
        "const P obj = P.new()\n"
        "A.push(close)\nM.set(0, 0, 1)\nD.put('a', close)\nobj.x := close"
    )
    assert errors(source) == []
    assert variable_type(source, "A") == "array<float>"
    assert errors("const array<float> A = array.from(1.0)\nA := array.new<float>()") == [
        "4:1 error: Cannot modify the const variable 'A': a variable declared with 'const' "
        "keeps its value"
    ]
    assert errors("const int n = bar_index") == [
        "3:15 error: Cannot assign a 'series int' value to the const variable 'n'"
    ]


def test_qualifier_keywords_on_reference_parameters_are_ignored():
    source = (
        "type P\n    float x = 1\n"
        "f(simple array<float> a, const P p, series matrix<int> m) => a.size() + p.x + m.rows()\n"
        "y = f(array.from(close), P.new(close), matrix.new<int>(1, 1, 0))"
    )
    assert errors(source) == []
    assert errors("f(simple float v) => v\ny = f(close)")[0].startswith(
        "4:7 error: Cannot call 'f' with argument 'v'='close'"
    )


def test_int_element_collections_fit_where_float_element_ones_are_expected():
    # the manual's Matrices page: rows of a matrix<float> written as `array.from(3, 2, 4)`
    source = (
        "matrix<float> m = matrix.new<float>()\n"
        "m.add_row(0, array.from(3, 2, 4))\n"
        "matrix.add_col(m, 0, array.from(1, 2))\n"
        "avgOf(array<float> a) => a.avg()\n"
        "method scaled(matrix<float> this, float k) => this.mult(k)\n"
        "x = avgOf(array.from(1, 2, 4)) + matrix.new<int>(2, 2, 1).scaled(0.5).get(0, 0)\n"
        "array<float> fs = array.from(1, 2)\n"
        "map<string, float> d = map.new<string, int>()\n"
        "fs.concat(array.from(3))"
    )
    assert errors(source) == []


REFUSED_ELEMENTS = [
    # float elements never fit int ones, and no other element type converts
    ("f(array<int> a) => a.size()\ny = f(array.from(1.5))", "4:7 error: Cannot call 'f' with"),
    ("m = matrix.new<int>()\nm.add_row(0, array.from(1.5))", "4:14 error: Cannot call 'matrix.a"),
    ("a = array.from(1)\na.concat(array.from(1.5))", "4:10 error: Cannot call 'array.concat'"),
    ("array<int> a = array.from(1.5)", "3:16 error: Cannot assign a value of type 'array<float>'"),
    ("array<float> a = array.from(true)", "3:18 error: Cannot assign a value of type 'array<bool>"),
    ("a = close > 0 ? array.from(1) : array.from('a')", "3:33 error: The two results of '?:' h"),
    ("method h(matrix<int> this) => 1\ny = matrix.new<float>().h()", "4:5 error: Could not fin"),
]


@pytest.mark.parametrize(("source", "expected"), REFUSED_ELEMENTS)
def test_float_element_collections_do_not_fit_int_element_ones(source, expected):
    found = errors(source)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_an_overload_taking_the_arguments_as_they_are_wins_over_a_widening_one():
    source = (
        "f(float x) => x * 1.5\nf(int x) => x * 2\n"
        "g(array<float> a) => a.sum()\ng(array<int> a) => a.size()\n"
        "int y = f(1)\nint z = g(array.from(1, 2))\nfloat w = g(array.from(1.5))"
    )
    assert errors(source) == []


# ---- what calls resolve to -----------------------------------------------------------------------


def calls_by_line(source: str) -> dict[int, object]:
    result = analysis(source)
    assert result.ok, result.format_diagnostics()
    return {call.span.line: callee for call, callee in result.calls.items() if call.span.line > 2}


def test_overloads_resolve_to_the_first_that_fits():
    calls = calls_by_line("a = ta.highest(10)\nb = ta.highest(high, 10)")
    assert [str(calls[line]).split(" ->")[0] for line in (3, 4)] == [
        "ta.highest(length: series int)",
        "ta.highest(source: series int/float, length: series int)",
    ]


def test_method_calls_on_built_in_types_resolve_to_their_namespace():
    calls = calls_by_line("a = array.new<float>()\na.push(close)\nl = line.new(0, 0, 1, 1)")
    assert isinstance(calls[4], Signature) and calls[4].name == "array.push"


def test_user_functions_methods_and_types():
    source = (
        "type P\n    float x = 1\n"  # 3-4
        "method twice(P this) => this.x * 2\n"  # 5
        "method twice(float v) => v * 2\n"  # 6
        "p = P.new(2)\n"  # 7
        "a = p.twice()\n"  # 8
        "b = close.twice()\n"  # 9
        "c = p.copy()\n"  # 10
        "d = twice(p)"  # 11
    )
    calls = calls_by_line(source)
    assert isinstance(calls[7], UserType) and calls[7].name == "P"
    assert calls[8].receiver.name == "P" and calls[9].receiver.name == "float"
    assert isinstance(calls[10], UserType)
    assert isinstance(calls[11], UserFunction) and calls[11] is calls[8]
    assert variable_type(source, "c") == "P"


def test_a_user_method_named_like_a_built_in_one_overrides_or_overloads_it():
    # the manual's Methods page, "Method overloading": the user method is called where its
    # parameters fit, the built-in where only the built-in's do
    source = (
        "method fill(array<float> a, float v, float w) => a\n"  # 3
        "z = array.new<float>(3)\n"  # 4
        "z.fill(1.0)\n"  # 5
        "z.fill(1.0, 2.0)\n"  # 6
        "method fill(array<int> a, int v) => a\n"  # 7
        "zi = array.new<int>(2)\n"  # 8
        "zi.fill(4)"  # 9
    )
    calls = calls_by_line(source)
    assert isinstance(calls[5], Signature) and calls[5].name == "array.fill"
    assert isinstance(calls[6], UserFunction) and calls[6].node.span.line == 3
    assert isinstance(calls[9], UserFunction) and calls[9].node.span.line == 7
    assert errors("method fill(array<float> a, float v, float w) => a\narray.new<float>().fill()")


def test_tuples_keep_the_type_of_each_element():
    result = analysis("[a, b] = request.security(syminfo.tickerid, 'D', [close, 1])")
    assert str(result.types[result.script.body[1].value]) == "[series float, const int]"


def test_enums_are_values_with_qualifiers():
    result = analysis("enum Side\n    up = 'Bull'\n    down\ns = input.enum(Side.up)\nt = s")
    assert result.ok, result.format_diagnostics()
    [info] = [symbol.info for node, symbol in result.symbols.items() if node.id == "s"]
    assert (info.name, info.qualifier) == ("Side", Qualifier.INPUT)


def test_library_aliases_accept_anything_and_are_reported():
    result = analysis("import user/lib/1 as lib\nx = lib.f(close)\nlib.T t = lib.T.new()\ny = t.a")
    assert result.ok, result.format_diagnostics()
    assert set(result.features.library_calls) == {"lib.f", "lib.T.new"}


def test_names_resolve_to_symbols():
    result = analysis("len = 10\nf(x) => x + len\ny = f(close)")
    kinds = {node.id: symbol.kind for node, symbol in result.symbols.items()}
    assert kinds == {
        "len": SymbolKind.VARIABLE,
        "x": SymbolKind.PARAMETER,
        "close": SymbolKind.BUILTIN,
    }


def test_a_parse_failure_gives_an_empty_analysis():
    result = check('//@version=6\nindicator("x")\nx = )\n')
    assert result.script is None and not result.ok and result.types == {}
