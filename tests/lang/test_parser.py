"""The parser: every construct of the language, precedence, layout, errors and limits."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pineopt.lang import NodeVisitor, parse, same_tree, to_dict, unparse
from pineopt.lang import nodes as n
from pineopt.lang.nodes import Span
from pineopt.lang.parser import MAX_DEPTH, MAX_ERRORS, MAX_SOURCE_CHARS, V4_MESSAGE

HEADER = '//@version=6\nindicator("test")\n'


def body(source: str) -> tuple[n.Stmt, ...]:
    """The statements of ``source`` placed after a version and a declaration."""
    result = parse(HEADER + source)
    assert result.ok, result.format_diagnostics()
    return result.script.body[1:]


def stmt(source: str) -> n.Stmt:
    [statement] = body(source)
    return statement


def expr(source: str) -> n.Expr:
    return stmt(f"x = {source}").value


def diagnostics(source: str, header: str = HEADER) -> list[str]:
    return [str(d) for d in parse(header + source).diagnostics]


def paren(e: n.Expr) -> str:
    """An expression with every operation in parentheses: shows how it was grouped."""
    if isinstance(e, n.Binary):
        return f"({paren(e.left)} {e.op} {paren(e.right)})"
    if isinstance(e, n.Unary):
        return f"({e.op}{' ' if e.op == 'not' else ''}{paren(e.operand)})"
    if isinstance(e, n.Ternary):
        return f"({paren(e.condition)} ? {paren(e.if_true)} : {paren(e.if_false)})"
    if isinstance(e, n.Index):
        return f"{paren(e.value)}[{paren(e.index)}]"
    if isinstance(e, n.Attribute):
        return f"{paren(e.value)}.{e.attr}"
    if isinstance(e, n.Call):
        args = [paren(a) for a in e.args] + [f"{k.name}={paren(k.value)}" for k in e.keywords]
        return f"{paren(e.func)}({', '.join(args)})"
    if isinstance(e, n.Name):
        return e.id
    if isinstance(e, n.Int):
        return str(e.value)
    raise AssertionError(type(e).__name__)


# ---- script -------------------------------------------------------------------------------------


def test_a_minimal_script():
    result = parse('//@version=6\nindicator("Hi", overlay = true)\nplot(close)\n', "hi.pine")
    assert result.ok and result.diagnostics == ()
    script = result.script
    assert script.version == 6
    assert [(a.name, a.text) for a in script.annotations] == [("version", "6")]
    assert script.declaration is script.body[0].expr
    assert same_tree(
        script.declaration,
        n.Call(n.Name("indicator"), (n.String("Hi"),), (n.Keyword("overlay", n.Bool(True)),)),
    )
    assert script.span == Span(1, 1, 3, 12)


def test_version_5_is_read():
    assert parse('//@version=5\nstrategy("s")\n').script.version == 5


def test_all_annotations_are_kept():
    source = (
        "//@version=6\n//@description Tools\nlibrary('L')\n"
        "//@function Adds.\n//@param a First.\n//@returns Sum.\nexport add(int a) => a + 1\n"
        "//@type T\n//@field v Value.\nexport type T\n    int v\n"
        "//@enum E\nexport enum E\n    a\n"
        "//@variable The x.\nvar x = 1\n//@strategy_alert_message {{strategy.order.action}}\n"
    )
    names = [a.name for a in parse(source).script.annotations]
    assert names == [
        "version",
        "description",
        "function",
        "param",
        "returns",
        "type",
        "field",
        "enum",
        "variable",
        "strategy_alert_message",
    ]


# ---- declarations and assignments ----------------------------------------------------------------


def test_plain_declaration():
    assert same_tree(stmt("a = 1"), n.VarDecl(None, None, None, "a", n.Int(1)))


@pytest.mark.parametrize(
    ("source", "mode", "qualifier", "type_"),
    [
        ("var a = 1", "var", None, None),
        ("varip int a = 1", "varip", None, "int"),
        ("const float a = 1", None, "const", "float"),
        ("simple int a = 1", None, "simple", "int"),
        ("var series string a = 1", "var", "series", "string"),
        ("chart.point a = 1", None, None, "chart.point"),
        ("var lib.Pair a = 1", "var", None, "lib.Pair"),
    ],
)
def test_declaration_modifiers(source, mode, qualifier, type_):
    decl = stmt(source)
    assert (decl.mode, decl.qualifier, decl.type and decl.type.name) == (mode, qualifier, type_)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("int a = 1", n.TypeRef("int")),
        ("array<float> a = na", n.TypeRef("array", (n.TypeRef("float"),))),
        ("matrix<int> a = na", n.TypeRef("matrix", (n.TypeRef("int"),))),
        ("map<string, Pair> a = na", n.TypeRef("map", (n.TypeRef("string"), n.TypeRef("Pair")))),
        ("array<chart.point> a = na", n.TypeRef("array", (n.TypeRef("chart.point"),))),
        ("float[] a = na", n.TypeRef("float", legacy_array=True)),
        ("label a = na", n.TypeRef("label")),
    ],
)
def test_declared_types(source, expected):
    assert same_tree(stmt(source).type, expected)


def test_tuple_declaration_with_discards():
    assert same_tree(stmt("[a, _, c] = f()"), n.TupleDecl(("a", "_", "c"), n.Call(n.Name("f"))))


@pytest.mark.parametrize("op", [":=", "+=", "-=", "*=", "/=", "%="])
def test_reassignments(op):
    assert same_tree(stmt(f"a {op} 1"), n.Assign(n.Name("a"), op, n.Int(1)))


def test_field_reassignment():
    target = stmt("t.seg.finish.price := close").target
    assert paren(target) == "t.seg.finish.price"


def test_statements_joined_by_commas():
    statements = body("var float hi = na, var float lo = na\nhi := high, lo := low\n")
    assert [type(s).__name__ for s in statements] == ["VarDecl", "VarDecl", "Assign", "Assign"]


# ---- expressions --------------------------------------------------------------------------------


PRECEDENCE = [
    ("a + b * c", "(a + (b * c))"),
    ("a * b + c", "((a * b) + c)"),
    ("a - b - c", "((a - b) - c)"),
    ("a / b * c % d", "(((a / b) * c) % d)"),
    ("-a * b", "((-a) * b)"),
    ("-a[1]", "(-a[1])"),
    ("- -a", "(-(-a))"),
    ("+a", "(+a)"),
    ("a + b > c - d", "((a + b) > (c - d))"),
    ("a < b == c > d", "((a < b) == (c > d))"),
    ("a == b != c", "((a == b) != c)"),
    ("a <= b and c >= d", "((a <= b) and (c >= d))"),
    ("a and b or c and d", "((a and b) or (c and d))"),
    ("a or b or c", "((a or b) or c)"),
    ("not a and b", "((not a) and b)"),
    ("not a == b", "((not a) == b)"),
    ("not not a", "(not (not a))"),
    ("a or b ? c : d", "((a or b) ? c : d)"),
    ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
    ("a ? b ? c : d : e", "(a ? (b ? c : d) : e)"),
    ("(a ? b : c) ? d : e", "((a ? b : c) ? d : e)"),
    ("(a + b) * c", "((a + b) * c)"),
    ("f(a)[1].b", "f(a)[1].b"),
    ("(a + b)[2]", "(a + b)[2]"),
    ("(x[1])[2]", "x[1][2]"),
    ("a.b(c).d[e + 1]", "a.b(c).d[(e + 1)]"),
]


@pytest.mark.parametrize(("source", "grouped"), PRECEDENCE)
def test_precedence_and_associativity(source, grouped):
    assert paren(expr(source)) == grouped


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("42", n.Int(42)),
        ("1.", n.Float(1.0)),
        (".5", n.Float(0.5)),
        ("1e-3", n.Float(0.001)),
        ("1.5E+10", n.Float(1.5e10)),
        ("true", n.Bool(True)),
        ("false", n.Bool(False)),
        ("na", n.Na()),
        ("#FF000080", n.Color("#FF000080")),
        ('"a\\"b\\n\\tc\\\\"', n.String('a"b\n\tc\\')),
        ("'it\\'s \"fine\"'", n.String('it\'s "fine"')),
        ('"\\d+"', n.String("\\d+")),
        ('"""one\n  two"""', n.String("one\n  two")),
        ("'''x'''", n.String("x")),
    ],
)
def test_literals(source, expected):
    assert same_tree(expr(source), expected)


def test_na_as_a_function_is_a_name():
    assert same_tree(expr("na(a)"), n.Call(n.Name("na"), (n.Name("a"),)))


def test_namespaced_names_are_attributes():
    assert same_tree(expr("color.red"), n.Attribute(n.Name("color"), "red"))


def test_calls_with_positional_and_named_arguments():
    call = expr('plot(c, "t", color = color.red, series = s)')
    assert [type(a).__name__ for a in call.args] == ["Name", "String"]
    assert [k.name for k in call.keywords] == ["color", "series"]
    assert call.keywords[0].span == Span(3, 18, 3, 35)


def test_generic_calls():
    assert same_tree(
        expr("map.new<string, float>()"),
        n.Call(
            n.Attribute(n.Name("map"), "new"),
            type_args=(n.TypeRef("string"), n.TypeRef("float")),
        ),
    )
    assert same_tree(expr("array.new<chart.point>(0)").type_args, (n.TypeRef("chart.point"),))


def test_method_calls():
    assert paren(expr("arr.get(0).price")) == "arr.get(0).price"


def test_tuples_as_values():
    assert same_tree(
        expr("[a, b + 1]"), n.Tuple((n.Name("a"), n.Binary("+", n.Name("b"), n.Int(1))))
    )


def test_spans_cover_the_whole_construct():
    value = expr("(a + b) * f(c)[1]")
    assert value.span == Span(3, 5, 3, 22)
    assert value.left.span == Span(3, 5, 3, 12)  # with its parentheses
    assert value.right.span == Span(3, 15, 3, 22)


# ---- control structures -------------------------------------------------------------------------


def test_if_else_if_else():
    source = (
        "if a\n    x := 1\n"
        "// a comment between branches\n"
        "else if b\n    x := 2\n"
        "else if c\n    x := 3\n"
        "else\n    x := 4\n"
    )
    statement = stmt(source)
    node = statement.expr
    assert isinstance(node, n.If)
    assert [paren(e.condition) for e in node.elifs] == ["b", "c"]
    assert len(node.body) == len(node.orelse) == 1
    assert node.span == Span(3, 1, 11, 11)


def test_if_without_else():
    node = stmt("if a\n    x := 1\n").expr
    assert node.elifs == () and node.orelse is None


def test_if_as_a_value():
    decl = stmt("float band = if close > open\n    high\nelse\n    low\n")
    assert isinstance(decl.value, n.If) and decl.type.name == "float"


def test_nested_ifs_and_else_pairing():
    outer = stmt("if a\n    if b\n        x := 1\nelse\n    x := 2\n").expr
    inner = outer.body[0].expr
    assert inner.orelse is None and outer.orelse is not None


def test_switch_with_subject_and_default():
    node = expr('switch mode\n    "a" => 1\n    "b" =>\n        y = 2\n        y\n    => 3\n')
    assert isinstance(node, n.Switch) and paren(node.subject) == "mode"
    assert [len(c.body) for c in node.cases] == [1, 2]
    assert same_tree(node.default, (n.ExprStmt(n.Int(3)),))


def test_switch_without_subject():
    node = stmt("switch\n    a > b => x += 1\n    f(a) => x -= 1\n").expr
    assert node.subject is None and node.default is None
    assert [paren(c.pattern) for c in node.cases] == ["(a > b)", "f(a)"]
    assert isinstance(node.cases[0].body[0], n.Assign)


def test_tuple_declared_from_a_switch():
    decl = stmt("[t, b] = switch m\n    1 => [high, low]\n    => [open, close]\n")
    assert isinstance(decl, n.TupleDecl) and isinstance(decl.value, n.Switch)


def test_for_to_by():
    loop = stmt("for i = 10 to 0 by 2\n    s += i\n").expr
    assert (loop.var, paren(loop.start), paren(loop.end), paren(loop.step)) == ("i", "10", "0", "2")
    assert stmt("for i = 0 to n - 1\n    s += i\n").expr.step is None


def test_for_in_forms():
    plain = stmt("for x in arr\n    s += x\n").expr
    pair = stmt("for [i, x] in arr\n    s += x\n").expr
    assert (plain.index, plain.item, pair.index, pair.item) == (None, "x", "i", "x")


def test_while_break_continue():
    loop = stmt("while i < 5\n    i += 1\n    if i == 2\n        continue\n    break\n").expr
    assert isinstance(loop, n.While)
    assert isinstance(loop.body[1].expr.body[0], n.Continue)
    assert isinstance(loop.body[2], n.Break)


def test_loops_as_values():
    decl = stmt("float last = for x in arr\n    x * 2\n")
    assert isinstance(decl.value, n.ForIn)


# ---- definitions --------------------------------------------------------------------------------


def test_one_line_function():
    fn = stmt("double(x) => x * 2")
    assert same_tree(
        fn,
        n.FunctionDef(
            "double",
            (n.Param(None, None, "x", None),),
            (n.ExprStmt(n.Binary("*", n.Name("x"), n.Int(2))),),
        ),
    )


def test_function_parameters():
    fn = stmt(
        "band(series float src, simple int len = 20, mult = 2.0, float[] a = na) =>\n    src\n"
    )
    params = [(p.qualifier, p.type and p.type.name, p.name, p.default) for p in fn.params]
    assert params[:2] == [("series", "float", "src", None), ("simple", "int", "len", params[1][3])]
    assert same_tree(fn.params[1].default, n.Int(20))
    assert (fn.params[2].type, fn.params[3].type.legacy_array) == (None, True)


def test_block_function_returning_a_tuple():
    fn = stmt("hiLo(int n) =>\n    h = ta.highest(n)\n    [h, ta.lowest(n)]\n")
    assert isinstance(fn.body[-1].expr, n.Tuple) and len(fn.body) == 2


def test_function_body_on_a_continuation_line():
    fn = stmt("f(x) =>\n  x + 1\n")
    assert len(fn.body) == 1 and paren(fn.body[0].expr) == "(x + 1)"


def test_methods_and_exports():
    source = (
        "method m(Stats this, float x) => this.n + x\nexport method e(T t) => 1\nexport f() => 1\n"
    )
    flags = [(s.name, s.is_method, s.is_export) for s in body(source)]
    assert flags == [("m", True, False), ("e", True, True), ("f", False, True)]


def test_exported_constants():
    # release notes, June 2025: `export const float SILVER_RATIO = 1.0 + math.sqrt(2)`
    decl = stmt("export const float SILVER_RATIO = 1.0 + math.sqrt(2)\n")
    assert isinstance(decl, n.VarDecl) and decl.is_export
    assert (decl.qualifier, decl.type.name, decl.name) == ("const", "float", "SILVER_RATIO")
    assert decl.span.column == 1  # the span starts at `export`
    assert not stmt("const float RATIO = 0.5\n").is_export


def test_type_definitions():
    td = stmt(
        "export type Level\n"
        "    float price\n"
        "    varip int hits = 0\n"
        '    string s = "x"\n'
        "    Level next\n"
    )
    assert td.is_export and td.name == "Level"
    assert [(f.is_varip, f.type.name, f.name) for f in td.fields] == [
        (False, "float", "price"),
        (True, "int", "hits"),
        (False, "string", "s"),
        (False, "Level", "next"),
    ]
    assert same_tree(td.fields[1].default, n.Int(0)) and td.fields[0].default is None


def test_enum_definitions():
    ed = stmt('enum Side\n    up = "Bullish"\n    down\n')
    assert [(m.name, m.title) for m in ed.members] == [("up", "Bullish"), ("down", None)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import TradingView/ta/7 as tv", n.Import("TradingView", "ta", 7, "tv")),
        ("import user/Lib_2/12", n.Import("user", "Lib_2", 12, None)),
    ],
)
def test_imports(source, expected):
    assert same_tree(stmt(source), expected)


# ---- layout through the parser ------------------------------------------------------------------


def test_free_wrapping_inside_parentheses():
    source = 'p = plot(\n series = lower, title = "Lower",\n        linewidth = 1\n)\n'
    call = stmt(source).value
    assert [k.name for k in call.keywords] == ["series", "title", "linewidth"]


def test_tab_indented_blocks():
    fn = stmt("f(int n) =>\n\tint c = 0\n\tfor i = 0 to n\n\t\tc += 1\n\tc\n")
    assert len(fn.body) == 3 and isinstance(fn.body[1].expr, n.For)


def test_crlf_source():
    assert len(body("a = 1\r\nif a\r\n    b = 2\r\n")) == 2


# ---- versions and declarations ------------------------------------------------------------------


def test_version_4_is_refused_with_advice():
    result = parse('//@version=4\nstudy("Old")\n')
    assert result.script is None
    assert [str(d) for d in result.diagnostics] == [f"<input>:1:1: error: {V4_MESSAGE}"]


def test_missing_version():
    assert diagnostics('indicator("x")\n', header="\n") == [
        "<input>:2:1: error: missing '//@version=6' annotation (without it TradingView reads "
        "the script as Pine Script v1)"
    ]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("7", "Pine Script v7 is not supported (PineOpt reads v5 and v6)"),
        ("six", "invalid version 'six': write //@version=6"),
    ],
)
def test_unsupported_versions(version, message):
    assert diagnostics("", header=f'//@version={version}\nindicator("x")\n') == [
        f"<input>:1:1: error: {message}"
    ]


def test_duplicate_version():
    assert diagnostics("//@version=6\n") == [
        "<input>:3:1: error: duplicate //@version annotation (the first is on line 1)"
    ]


def test_no_declaration():
    assert diagnostics("float x = close\n", header="//@version=6\n") == [
        "<input>:2:1: error: the script has no declaration statement: it needs indicator(), "
        "strategy() or library()"
    ]


def test_two_declarations():
    assert diagnostics('strategy("again")\n') == [
        "<input>:3:1: error: a script has exactly one declaration statement (indicator, strategy "
        "or library); the first is on line 2"
    ]


def test_a_declaration_with_a_syntax_error_is_not_reported_missing():
    assert diagnostics('indicator("x",)\n', header="//@version=6\n") == [
        "<input>:2:15: error: unexpected ')'; expected an expression"
    ]


def test_warnings_do_not_withhold_the_tree():
    result = parse(HEADER + "float[] a = na\n")
    assert result.ok and result.script is not None
    assert [d.severity.value for d in result.diagnostics] == ["warning"]


# ---- syntax errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("plot(close))\n", "3:12: error: unexpected ')'"),
        ("x = close +* 2\n", "3:12: error: unexpected '*'; expected an expression"),
        ("int a = 1 2\n", "3:11: error: unexpected number 2"),
        ("x = 1\nelse\n    x := 2\n", "4:1: error: 'else' without an 'if' at the same indentation"),
        ("if a\nx := 1\n", "3:5: error: expected an indented block"),
        (
            "if a\n    x := 1\n        x := 2\n",
            "5:9: error: unexpected indentation: only the lines after if, else, for, while, "
            "switch, =>, type and enum start a block; a line that continues a statement is "
            "indented by a number of spaces that is not a multiple of 4",
        ),
        (
            "f(x) =>\n    g(y) => y\n    x\n",
            "4:5: error: functions, methods, types and enums can only be defined in the global "
            "scope",
        ),
        (
            "f(x) =>\n    return x * 2\n",
            "4:5: error: Pine has no 'return': a function returns the value of its last line",
        ),
        (
            "y = close[1][2]\n",
            "3:13: error: history of a history needs parentheses: write (x[1])[2], not x[1][2]",
        ),
        (
            "[a, b] := f()\n",
            "3:8: error: a tuple cannot be reassigned with ':=': declare new variables with "
            "[a, b] = ... instead",
        ),
        (
            "[a, b + 1] = f()\n",
            "3:5: error: a tuple declaration declares variables: write names (or _) between the "
            "brackets",
        ),
        ("f(a) := 1\n", "3:1: error: ':=' needs a variable or a field on its left"),
        (
            "plot(title = 'a', close)\n",
            "3:19: error: a positional argument cannot follow a named argument",
        ),
        (
            "x = switch\n    => 1\n    => 2\n",
            "5:5: error: a switch can have only one default branch '=> ...'",
        ),
        (
            "for i = 0 10\n    x := i\n",
            "3:11: error: unexpected number 10; expected 'to' in the 'for' header "
            "(for i = start to end)",
        ),
        (
            "x = switch close\n    1 2\n",
            "4:7: error: unexpected number 2; expected '=>' between a switch case and its result",
        ),
        (
            "double(src) src * 2\n",
            "3:13: error: unexpected name 'src'; a function definition needs '=>' after its "
            "parameters",
        ),
        ("x = 1 2\n", "3:7: error: unexpected number 2"),
        ("var [a, b] = f()\n", "3:5: error: a tuple declaration cannot use 'var'"),
        (
            "a = array.new<>()\n",
            "3:15: error: empty type argument list '<>': name the type, as in array.new<float>()",
        ),
        (
            "float x := 1\n",
            "3:9: error: ':=' reassigns an existing variable: a declaration (with a type or "
            "'var') uses '='",
        ),
        ("import user/lib as x\n", "3:17: error: unexpected 'as'; expected '/'"),
        ("x = (1 +\n", "3:5: error: '(' is never closed"),
        ("x = f(a]\n", "3:8: error: ']' does not match '(' (line 3, column 6); expected ')'"),
    ],
)
def test_syntax_errors(source, expected):
    assert diagnostics(source) == [f"<input>:{expected}"]


def test_one_error_per_statement_and_parsing_goes_on():
    source = "a = )\nb = 1\nc = (\n    2 +)\nd = 3\nif x\n    y = ]\ne = 4\n"
    assert [d.split(": error")[0] for d in diagnostics(source)] == [
        "<input>:3:5",
        "<input>:6:8",
        "<input>:9:9",
    ]


def test_the_tree_is_withheld_when_there_is_an_error():
    result = parse(HEADER + "a = )\n")
    assert result.script is None and not result.ok


def test_errors_stop_after_the_limit():
    result = parse(HEADER + "a = )\n" * (MAX_ERRORS + 10))
    assert len(result.diagnostics) == MAX_ERRORS + 1
    assert result.diagnostics[-1].message == f"too many errors; stopped after {MAX_ERRORS}"


def test_a_lexical_error_is_not_reported_twice():
    assert diagnostics("x = 1 @ 2\n") == ["<input>:3:7: error: unexpected character '@'"]


# ---- limits and hostile input -------------------------------------------------------------------


def test_binary_content_is_not_a_text_file():
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00", "x\0y"):
        assert [str(d) for d in parse(data, "a.png").diagnostics] == [
            "a.png:1:1: error: not a text file (it contains NUL bytes)"
        ]


def test_bytes_that_are_not_utf8():
    assert [str(d) for d in parse(b'//@version=6\nx = "\xe9"\n').diagnostics] == [
        "<input>:2:6: error: the file is not UTF-8 text (byte 0xe9 at offset 18); save it as UTF-8"
    ]


def test_utf8_bytes_with_a_byte_order_mark():
    assert parse(("\ufeff" + HEADER).encode()).ok


def test_too_large_a_source_is_refused_at_once():
    result = parse(HEADER + "x = 1\n" * 1_700_000)  # about 10 MB
    assert [str(d) for d in result.diagnostics] == [
        f"<input>:1:1: error: the file is too large (more than {MAX_SOURCE_CHARS:,} characters): "
        "Pine scripts are far smaller"
    ]


def test_a_thousand_nested_parentheses_give_a_diagnostic():
    [diagnostic] = parse(HEADER + "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n").diagnostics
    assert diagnostic.message.startswith("brackets nested more than")


@pytest.mark.parametrize(
    "value",
    [
        " + ".join(["1"] * (MAX_DEPTH + 5)),
        "-" * (MAX_DEPTH + 5) + "1",
        "c ? 1 : " * (MAX_DEPTH + 5) + "0",
    ],
)
def test_too_deep_a_statement_is_refused(value):
    assert diagnostics(f"x = {value}\n") == [
        f"<input>:3:1: error: statement nested more than {MAX_DEPTH} levels deep; split it into "
        "smaller statements"
    ]


@pytest.mark.parametrize(
    "source",
    [
        "".join("    " * i + "if c\n" for i in range(MAX_DEPTH // 2 - 1))
        + "    " * (MAX_DEPTH // 2 - 1)
        + "x := 1\n",
        "y = " + " + ".join(["1"] * (MAX_DEPTH - 2)) + "\n",
    ],
    ids=["nested blocks", "long sum"],
)
def test_trees_at_the_depth_limit_suit_every_recursive_helper(source):
    script = parse(HEADER + source).script
    assert max(n.depth(stmt) for stmt in script.body) in (MAX_DEPTH - 1, MAX_DEPTH)
    assert same_tree(parse(unparse(script)).script, script)
    json.dumps(to_dict(script))
    NodeVisitor().visit(script)


def test_deeply_nested_blocks_are_refused():
    source = "".join("    " * i + "if c\n" for i in range(MAX_DEPTH)) + "    " * MAX_DEPTH + "x\n"
    assert diagnostics(source)[0].endswith("split it into smaller statements")


KEYWORDS = ["if", "else", "for", "to", "by", "in", "while", "switch", "var", "method", "type"]
PUNCTUATION = ["(", ")", "[", "]", "[]", "<", ">", "=", ":=", "+=", "=>", "?", ":", ",", "."]
OPERANDS = ["x", "f", "1", "1.5", '"s"', "#fff", "array", "float", "na", "+", "-", "not", "and"]
LAYOUT = ["\n", "\n    ", "\n  ", "\n\t", "//c", "//@version=6", '\nindicator("t")\n']
PINE_WORDS = KEYWORDS + PUNCTUATION + OPERANDS + LAYOUT


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(PINE_WORDS)).map(" ".join)))
def test_any_input_gives_diagnostics_never_an_exception(source):
    result = parse(source)
    lines = source.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    assert result.ok == (result.script is not None)
    assert all(1 <= d.span.line <= lines for d in result.diagnostics)
    result.format_diagnostics()


CORPUS = Path(__file__).parent / "corpus"
VALID_CORPUS = sorted([*CORPUS.glob("v5/*.pine"), *CORPUS.glob("v6/*.pine")])
INVALID_CORPUS = sorted(CORPUS.glob("invalid/*.pine"))


def corpus_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", VALID_CORPUS, ids=corpus_id)
def test_corpus_scripts_parse(path):
    result = parse(path.read_bytes(), str(path))
    assert result.ok, result.format_diagnostics()


@pytest.mark.parametrize("path", INVALID_CORPUS, ids=corpus_id)
def test_invalid_corpus_scripts_give_diagnostics_not_exceptions(path):
    """Many of these are errors for the semantic analysis, not for the parser; whatever the
    parser says must point inside the file."""
    source = path.read_text(encoding="utf-8")
    result = parse(source, str(path))
    lines = source.count("\n") + 1
    assert all(1 <= d.span.line <= lines for d in result.diagnostics)
    assert result.ok == (result.script is not None)


def test_parser_tables_are_cached_in_the_user_cache(tmp_path, monkeypatch) -> None:
    from pineopt.lang import grammar

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = grammar.GRAMMAR_FILE.read_text(encoding="utf-8")
    target = grammar._cache_file(text)
    assert target is not None and target.parent == tmp_path / "pineopt"
    grammar.pine_parser.cache_clear()
    try:
        grammar.pine_parser()
        assert target.exists() and not list(target.parent.glob("*.tmp"))
        grammar.pine_parser.cache_clear()
        assert grammar.pine_parser().parser is not None  # read back from the file
    finally:
        grammar.pine_parser.cache_clear()
