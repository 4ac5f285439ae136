"""Every name of the Pine v6 catalogue (``pineopt/lang/data/v6-builtins.tsv``, the copy of
TradingView's list of built-ins) either runs or is refused with a located diagnostic naming it.

* a built-in function, variable or constant in the runtime's supported set
  (:func:`~pineopt.compiler.builtins_map.supported_names`) converts, and each supported function
  runs once with plausible arguments at the top level, in an ``if`` block and in a user function;
* every other one is refused at convert time, at the line that uses it, by name;
* keywords, types, operators and annotations run in a script that uses them, or are refused by
  name (reserved words, ``import``, library ``export``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import pineopt
from pineopt.compiler import convert
from pineopt.compiler.builtins_map import supported_names
from pineopt.errors import PineRuntimeError
from pineopt.lang import builtins
from pineopt.lang.types import Qualifier

CATALOGUE = builtins.catalog()
SUPPORTED = supported_names()

# Objects and collections a generated call can take (one of each, made on every bar or once).
PRELUDE = """\
enum Side
    buy = "Buy"
    sell = "Sell"
var lb = label.new(bar_index, close, "l")
var ln = line.new(bar_index, close, bar_index + 1, close)
var ln2 = line.new(bar_index, open, bar_index + 1, open)
var bx = box.new(bar_index, high, bar_index + 1, low)
var tb = table.new(position.top_right, 2, 2)
var lf = linefill.new(ln, ln2, color.red)
var cp = chart.point.from_index(bar_index, close)
var pts = array.from(cp, chart.point.from_index(bar_index + 1, open))
var pl = polyline.new(pts)
h1 = hline(1)
h2 = hline(2)
af = array.from(1.0, 2.0, 3.0, 4.0)
ai = array.from(1, 2, 3, 4)
as_ = array.from("a", "b")
ab = array.from(true, false)
ac = array.from(color.red, color.blue)
mf = matrix.new<float>(2, 2, 1.0)
mf.set(0, 1, 2.0)
mf.set(1, 0, 3.0)
mi = matrix.new<int>(2, 2, 1)
ms = matrix.new<string>(2, 2, "a")
mp = map.new<string, float>()
mp.put("a", 1.0)
footprint fp = na
volume_row vr = na
"""

# Each call gets its own copy where there is one, so that no call sees what another did
# (array.clear before array.first, label.delete before label.get_x).
OBJECTS = {
    "label": "label.copy(lb)",
    "line": "line.copy(ln)",
    "box": "box.copy(bx)",
    "table": "tb",
    "linefill": "lf",
    "polyline": "pl",
    "chart.point": "chart.point.copy(cp)",
    "hline": "h1",
    "footprint": "fp",
    "volume_row": "vr",
    "map": "map.copy(mp)",
}
ARRAYS = {"float": "af", "int": "ai", "string": "as_", "bool": "ab", "color": "ac"}
MATRICES = {"int": "mi", "string": "ms"}

# Arguments chosen by parameter name where the type alone would give an invalid value.
BY_NAME = {
    "length": "3",
    "timeframe": '"60"',
    "timezone": '"UTC"',
    "session": '"0000-2400"',
    "symbol": "syminfo.tickerid",
    "tickerid": "syminfo.tickerid",
    "percentage": "50",
    "format": '"#.##"',
    "dateString": '"2024-01-01"',
    "key": '"a"',
    "type": '"Traditional"',
    "rows": "1",
    "columns": "4",
    "hline1": "h1",
    "hline2": "h2",
    "id": None,  # from the type
}
INDEX_PARAMS = {"index", "row", "column", "from_index", "row1", "row2", "column1", "column2"}
BAR_PARAMS = {"x1", "x2", "left", "right", "bar_index"}

# What a runtime argument decides: a located runtime error is the expected outcome.
RUNTIME_REFUSALS = {
    "runtime.error": "a",  # raises the script's own message
}
DECLARATIONS = {"indicator", "strategy", "library"}


def _argument(param, function: str) -> str:
    """A Pine expression for ``param`` of ``function``."""
    t = param.type.unqualified()
    kinds = [m.name for m in t.members] if t.is_union else [t.name]
    if "array" in kinds:
        array = next(m for m in t.members if m.name == "array")
        element = array.args[0].name if array.args else "float"
        return f"array.copy({'pts' if element == 'chart.point' else ARRAYS.get(element, 'af')})"
    if kinds[0] == "matrix":
        return f"matrix.copy({MATRICES.get(t.args[0].name if t.args else 'float', 'mf')})"
    if kinds[0] in OBJECTS:
        return OBJECTS[kinds[0]]
    reshape = function == "matrix.reshape" or param.name not in ("rows", "columns")
    if function == "input.enum" and param.name == "defval":
        return "Side.buy"
    if BY_NAME.get(param.name) and reshape:
        return BY_NAME[param.name]
    series = param.qualifier is Qualifier.SERIES or param.type.poly
    if "int" in kinds and "float" in kinds:
        return "close" if series else "2"
    if kinds[0] == "int":
        if param.name in BAR_PARAMS:
            return "bar_index"
        if param.name in ("time", "t"):
            return "time"
        return "0" if param.name in INDEX_PARAMS else "1"
    simple = {
        "float": "close" if series else "1.5",
        "bool": "close > open" if series else "true",
        "string": '"a"',
        "color": "color.red",
        "enum": "Side.buy",
    }
    if kinds[0] in simple:
        return simple[kinds[0]]
    if kinds[0] in ("T", "K", "V", "any"):
        return "close"
    constant = next(c for c in builtins.table().constants if c.type.unqualified() == t)
    return param.default if param.default not in (None, "na") else constant.name


def _call(name: str) -> tuple[str, builtins.Signature]:
    """``name(args)`` with its required arguments, and the signature used."""
    sig = builtins.functions(name, 6)[0]
    args = [_argument(p, name) for p in sig.params_for(6) if p.required]
    type_args = "<float>" if sig.explicit_type_args else ""
    if name == "map.new":
        type_args = "<string, float>"
    return f"{name}{type_args}({', '.join(args)})", sig


def _statement(name: str, indent: str = "", result: str = "r") -> str:
    """The call of ``name`` as a statement: its result (or tuple) assigned to ``result``."""
    call, sig = _call(name)
    if sig.returns.is_tuple:
        names = ", ".join(f"{result}_{i}" for i in range(len(sig.returns.args)))
        return f"{indent}[{names}] = {call}"
    return f"{indent}{call}" if sig.returns.is_void else f"{indent}{result} = {call}"


def _script(body: str, strategy: bool = False) -> str:
    declaration = 'strategy("catalogue")' if strategy else 'indicator("catalogue")'
    return f"//@version=6\n{declaration}\n{PRELUDE}{body}\nplot(close)\n"


def _use(entry: builtins.CatalogEntry) -> str:
    """A script using the catalogue name ``entry`` once, at the top level."""
    if entry.kind == "function":
        body = _statement(entry.name)
    else:  # na alone has no type
        body = f"{'float ' if entry.name == 'na' else ''}r = {entry.name}"
    return _script(body, strategy=entry.name.startswith("strategy"))


def _bars(n: int = 40) -> pd.DataFrame:
    i = np.arange(n, dtype=float)
    close = 100 + 5 * np.sin(i / 3) + 0.3 * i
    opens = close - np.cos(i) * 0.8
    index = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC")
    columns = {"open": opens, "high": np.maximum(opens, close) + 0.5}
    columns |= {"low": np.minimum(opens, close) - 0.4, "close": close, "volume": 10 + i}
    return pd.DataFrame(columns, index=index)


USE_LINE = 2 + len(PRELUDE.splitlines()) + 1
"""The line of the statement :func:`_use` writes."""

VALUES = [e for e in CATALOGUE if e.kind in ("function", "variable", "constant")]
FUNCTIONS = sorted(
    e.name
    for e in CATALOGUE
    if e.kind == "function" and e.name in SUPPORTED and e.name not in DECLARATIONS
)


@pytest.mark.parametrize("entry", VALUES, ids=lambda e: f"{e.kind}:{e.name}")
def test_a_built_in_converts_or_is_refused_by_name(entry):
    if entry.name in DECLARATIONS:
        pytest.skip("every script declares itself: covered by all the others")
    conversion = convert(_use(entry), "use.pine")
    if conversion.ok:
        assert entry.name in SUPPORTED, f"{entry.name} ran but is not in the supported set"
        return
    refusals = [d for d in conversion.errors if f"'{entry.name}'" in d.message]
    assert refusals, conversion.format_diagnostics()
    assert refusals[0].span.line == USE_LINE  # the line that uses it


def _run_batch(names: list[str], where: str) -> None:
    """Call each of ``names`` once, ``where`` (global, an if block, a user function)."""
    lines: list[str] = []
    for i, name in enumerate(names):
        sig = builtins.functions(name, 6)[0]
        if where == "global" or sig.top_level_only:
            lines.append(_statement(name, result=f"r{i}"))
        elif where == "if":
            lines += ["if bar_index >= 0", _statement(name, "    ")]
        else:
            lines += [f"f{i}() =>", _statement(name, "    "), "    0", f"f{i}()"]
    strategy = any(name.startswith("strategy") for name in names)
    source = _script("\n".join(lines), strategy)
    conversion = convert(source, "batch.pine")
    assert conversion.ok, conversion.format_diagnostics()
    pineopt.run(conversion, _bars())


def _batches() -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for name in FUNCTIONS:
        if name in RUNTIME_REFUSALS:
            continue
        groups.setdefault(name.partition(".")[0] if "." in name else "", []).append(name)
    return sorted(groups.items())


@pytest.mark.parametrize("where", ["global", "if", "function"])
@pytest.mark.parametrize(("namespace", "names"), _batches(), ids=lambda x: x or "-")
def test_supported_functions_run(namespace, names, where):
    if namespace == "request" and where != "global":
        # per bar: refused by name
        names = [n for n in names if n not in ("request.security", "request.security_lower_tf")]
    _run_batch(names, where)


@pytest.mark.parametrize(("name", "message"), sorted(RUNTIME_REFUSALS.items()))
def test_a_runtime_argument_decides_with_a_located_error(name, message):
    source = _script(_statement(name))
    with pytest.raises(PineRuntimeError, match=re.escape(message)) as info:
        pineopt.run(source, _bars())
    assert info.value.pine_line == source.splitlines().index(_statement(name)) + 1


def test_per_bar_request_security_is_refused_by_name():
    source = _script("if bar_index > 0\n" + _statement("request.security", "    "))
    conversion = convert(source, "t.pine")
    assert not conversion.ok and "request.security" in conversion.errors[0].message


# --- keywords, types, operators, annotations -----------------------------------------------

LANGUAGE = """\
//@version=6
// @description the language entries of the catalogue
strategy("language")
// @type a point
// @field x its value
type Pt
    float x = 1.0
// @enum sides
// @field buy long
enum Side
    buy = "Buy"
    sell = "Sell"
// @function twice
// @param v a value
// @returns two times v
twice(float v) => v * 2
method bump(Pt self) =>
    self.x += 1
    self.x
// @variable a counter
var int count = 0
varip float tick = 0.0
const int LIMIT = 10
simple int every = 2
series float level = close
array<float> values = array.new<float>()
matrix<float> grid = matrix.new<float>(1, 1, 0.0)
map<string, float> named = map.new<string, float>()
label lb = na
line ln = na
box bx = na
table tb = na
linefill lf = na
polyline pl = na
chart.point cp = chart.point.now(close)
footprint fp = na
volume_row vr = na
string text_ = "t"
bool flag = true
color tint = color.red
int n = 7
float f = 1.5
count := count + 1
n += 1
n -= 1
n *= 2
n %= 5
f /= 2
for i = 0 to 10 by 2
    if i > 6
        break
    else if i == 2
        continue
    values.push(i)
for [i, v] in values
    f := f + v * i
for v in values
    f := v % 3 != 0 ? f + 1 : f - 1
while n > 0 and not (n == 3) or n > 100
    n := n - 1
s = switch
    close > open => Side.buy
    => Side.sell
p = Pt.new()
p.bump()
up = close >= open and close <= high and high > low and low < high and close[1] == close[1]
plot(f + twice(p.x) + (up ? 1 : 0) - n * 1.0 / 2 + (s == Side.buy ? 1 : 0))
// @strategy_alert_message {{strategy.order.action}}
"""

REFUSED_LANGUAGE = {
    "import": '//@version=6\nindicator("i")\nimport user/Lib/1 as lib\nplot(lib.f(close))\n',
    "as": '//@version=6\nindicator("i")\nimport user/Lib/1 as lib\nplot(lib.f(close))\n',
    "export": '//@version=6\nlibrary("L")\nexport f(float x) => x + 1\n',
}
RESERVED = ["catch", "class", "do", "ellipse", "is", "polygon", "range", "return", "struct"]
RESERVED += ["text", "throw", "try"]


def _spelled(entry: builtins.CatalogEntry) -> str:
    """How the catalogue entry appears in a script (a pattern)."""
    if entry.name == "for...in":
        return r"for \S+ in "
    if entry.name == "?:":
        return r" \? .* : "
    if entry.name == "[]":
        return r"\w\[\d\]"
    if entry.kind == "annotation":
        return re.escape(entry.name)
    if entry.kind == "operator":
        return rf"(?<![=!<>:+\-*/%]){re.escape(entry.name)}(?![=>])"
    return rf"(?<![\w.]){re.escape(entry.name)}(?![\w.])"


def test_the_language_entries_run():
    """One strategy uses every keyword, type, operator and annotation that PineOpt runs."""
    assert len(pineopt.run(LANGUAGE, _bars()).plots) == 40
    for entry in CATALOGUE:
        if entry.kind not in ("keyword", "type", "operator", "annotation"):
            continue
        if entry.name not in REFUSED_LANGUAGE and entry.name not in RESERVED:
            assert re.search(_spelled(entry), LANGUAGE), entry.name


@pytest.mark.parametrize("keyword", sorted(REFUSED_LANGUAGE))
def test_imports_and_exports_are_refused_by_name(keyword):
    conversion = convert(REFUSED_LANGUAGE[keyword], "t.pine")
    assert not conversion.ok
    feature = {"import": "imports", "as": "imports", "export": "exports"}[keyword]
    assert any(f"'{feature}'" in d.message for d in conversion.errors)


@pytest.mark.parametrize("word", RESERVED)
def test_reserved_words_are_refused_by_name(word):
    conversion = convert(f'//@version=6\nindicator("r")\n{word} = 1\nplot(close)\n', "t.pine")
    assert [(d.span.line, d.message) for d in conversion.errors] == [
        (3, f"'{word}' is a reserved word and cannot name a variable")
    ]
