"""The printer: canonical Pine text, minimal parentheses, and parse → print → parse round trips."""

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pineopt.lang import nodes as n
from pineopt.lang import parse, same_tree, unparse
from pineopt.lang.printer import BINARY_PRECEDENCE, expression

HEADER = '//@version=6\nindicator("test")\n'


def reprint(source: str) -> str:
    result = parse(source)
    assert result.ok, result.format_diagnostics()
    return unparse(result.script)


def value_of(source: str) -> str:
    """The printed value of ``x = source``."""
    return expression(parse(HEADER + f"x = {source}\n").script.body[1].value)


# ---- canonical text -----------------------------------------------------------------------------

CANONICAL = """\
//@version=6
//@description Everything, once.
indicator("All", overlay = true)
import user/Lib/3 as lib
var float hi = na
varip int ticks = 0
const string TITLE = "a \\"b\\"\\n"
export const float RATIO = 0.5
simple int len = input.int(14, "Length", minval = 1)
array<float> xs = array.new<float>(0)
map<string, lib.Pair> m = map.new<string, lib.Pair>()
float[] old = na
[a, _] = lib.pair(close)
hi := math.max(hi, high)
ticks += 1
color c = close > open ? #26A69A : #EF535080
float band = if close > open
    high
else if close < open
    low
else
    hl2
int n = switch
    close > open => 1
    => -1
string s = switch TITLE
    "a" => "x"
    "b" =>
        string t = "y"
        t
for i = 0 to 10 by 2
    if i % 4 == 0
        continue
    break
for [i, x] in xs
    hi := x
for x in xs
    hi := x
while ticks < 3
    ticks += 1

//@function Doubles.
//@param v Value.
double(float v) => v * 2

export method add(lib.Pair this, simple int k = 1, bool flag = false) =>
    this.a += k
    [this.a, not flag]

type Point
    float price = 0.0
    varip int idx

enum Side
    up = "Bullish"
    down

plot((x[1])[2] + (b[1]).top - -close + (a + b) * c, series = close)
"""


def test_canonical_text_is_a_fixed_point():
    assert reprint(CANONICAL) == CANONICAL


def test_layout_is_normalised():
    source = (
        "//@version=6\n"
        "indicator(\n    'Wrapped',\n  overlay=true)\n"
        "float total = open +\n  high +   // comment\n     low\n"
        "f(x) =>\n  x+1\n"
        "if total>0\n\ttotal:=total*2 , total -= 1\n"
    )
    assert reprint(source) == (
        "//@version=6\n"
        'indicator("Wrapped", overlay = true)\n'
        "float total = open + high + low\n"
        "\n"
        "f(x) => x + 1\n"
        "\n"
        "if total > 0\n"
        "    total := total * 2\n"
        "    total -= 1\n"
    )


def test_strings_are_printed_double_quoted_with_escapes():
    assert value_of("'it\\'s'") == '"it\'s"'
    assert value_of('"""two\n\tlines"""') == '"two\\n\\tlines"'
    assert value_of('"back\\\\slash \\d"') == '"back\\\\slash \\\\d"'


@pytest.mark.parametrize(
    ("source", "printed"),
    [
        ("(a + b) * c", "(a + b) * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a / (b * c)", "a / (b * c)"),
        ("-(a + b)", "-(a + b)"),
        ("-(-a)", "--a"),
        ("not (a and b)", "not (a and b)"),
        ("(not a) and b", "not a and b"),
        ("not (a == b)", "not (a == b)"),
        ("a or (b and c)", "a or b and c"),
        ("(a or b) and c", "(a or b) and c"),
        ("(a < b) == c", "a < b == c"),
        ("a < (b == c)", "a < (b == c)"),
        ("c ? a : (d ? e : f)", "c ? a : d ? e : f"),
        ("(c ? a : b) ? d : e", "(c ? a : b) ? d : e"),
        ("c ? (a ? b : d) : e", "c ? a ? b : d : e"),
        ("(c ? a : b) + 1", "(c ? a : b) + 1"),
        ("(a + b)[1]", "(a + b)[1]"),
        ("(x[1])[2]", "(x[1])[2]"),
        ("(b[1]).top", "(b[1]).top"),
        ("(f(a)[1]).b", "(f(a)[1]).b"),
        ("[a, (b + 1)]", "[a, b + 1]"),
        ("(na).x", "(na).x"),
    ],
)
def test_minimal_parentheses(source, printed):
    assert value_of(source) == printed


# ---- round trips --------------------------------------------------------------------------------

CORPUS = Path(__file__).parent / "corpus"
VALID_CORPUS = sorted([*CORPUS.glob("v5/*.pine"), *CORPUS.glob("v6/*.pine")])


@pytest.mark.parametrize("path", VALID_CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_round_trip(path):
    original = parse(path.read_bytes(), str(path)).script
    printed = unparse(original)
    again = parse(printed, f"{path} (printed)")
    assert again.ok, again.format_diagnostics() + "\n" + printed
    assert same_tree(again.script, original)
    assert unparse(again.script) == printed


NAMES = st.sampled_from(["a", "b", "close", "x_1", "_"])
FIELDS = st.sampled_from(["price", "type", "new", "x"])
# Every string the lexer can produce: no CR (line ends are normalised) and no NUL (refused).
TEXT = st.text(st.characters(blacklist_characters="\r\0", blacklist_categories=("Cs",)), max_size=8)
POSITIVE_FLOATS = st.floats(min_value=0, max_value=1e300, allow_nan=False).filter(
    lambda f: math.copysign(1.0, f) > 0
)
ATOMS = st.one_of(
    NAMES.map(n.Name),
    st.integers(0, 10**15).map(n.Int),
    POSITIVE_FLOATS.map(n.Float),
    TEXT.map(n.String),
    st.booleans().map(n.Bool),
    st.just(n.Na()),
    st.sampled_from(["#FF0000", "#00ff0080"]).map(n.Color),
)
CALLEES = st.one_of(
    NAMES.map(n.Name),
    st.builds(n.Attribute, NAMES.map(n.Name), FIELDS),
)
TYPES = st.sampled_from(["float", "chart.point", "lib.Pair"]).map(n.TypeRef)


def _compound(inner):
    tuples = st.lists(inner, min_size=1, max_size=3).map(tuple)
    keywords = st.lists(
        st.builds(n.Keyword, st.sampled_from(["title", "series", "k"]), inner), max_size=2
    ).map(tuple)
    return st.one_of(
        st.builds(n.Binary, st.sampled_from(sorted(BINARY_PRECEDENCE)), inner, inner),
        st.builds(n.Unary, st.sampled_from(["-", "+", "not"]), inner),
        st.builds(n.Ternary, inner, inner, inner),
        st.builds(n.Index, inner, inner),
        st.builds(n.Attribute, inner, FIELDS),
        st.builds(n.Call, CALLEES, st.lists(inner, max_size=3).map(tuple), keywords),
        st.builds(
            n.Call,
            st.just(n.Attribute(n.Name("array"), "new")),
            type_args=st.lists(TYPES, min_size=1, max_size=2).map(tuple),
        ),
        st.builds(n.Tuple, tuples),
    )


EXPRESSIONS = st.recursive(ATOMS, _compound, max_leaves=24)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_any_expression_round_trips(tree):
    text = expression(tree)
    result = parse(f"{HEADER}x = {text}\n")
    assert result.ok, f"{text}\n{result.format_diagnostics()}"
    assert same_tree(result.script.body[1].value, tree), text


@settings(max_examples=100, deadline=None)
@given(EXPRESSIONS, EXPRESSIONS)
def test_statements_with_any_expression_round_trip(condition, value):
    tree = n.ExprStmt(
        n.If(condition, (n.Assign(n.Name("a"), ":=", value),), orelse=(n.ExprStmt(value),))
    )
    result = parse(HEADER + unparse(tree))
    assert result.ok, result.format_diagnostics()
    assert same_tree(result.script.body[1], tree)


def test_printing_a_structure_inside_an_expression_is_refused():
    with pytest.raises(ValueError, match="cannot be printed inside an expression"):
        expression(n.Binary("+", n.If(n.Name("c"), ()), n.Int(1)))
