"""The built-in signature table: coverage of the catalogue, DSL parsing, ~60 spot checks."""

from __future__ import annotations

import pytest

from pineopt.lang import builtins
from pineopt.lang.builtins import (
    TYPE_NAMES,
    V5_ONLY_NAMES,
    Signature,
    SignatureSyntaxError,
    catalog,
    constant,
    functions,
    is_builtin,
    namespaces,
    parse_signatures,
    variable,
)
from pineopt.lang.types import Bindings, Qualifier, is_assignable, parse_type, unify

TABLE = builtins.table()  # parse errors in signatures.txt surface here, with their line number


def one(name: str, index: int = 0, version: int | None = None) -> Signature:
    return functions(name, version)[index]


def names(sig: Signature, version: int = 6) -> list[str]:
    return [p.name for p in sig.params_for(version)]


def ptype(sig: Signature, param: str, version: int = 6) -> str:
    found = sig.param(param, version)
    assert found is not None, f"{sig.name} has no parameter {param} in v{version}"
    return str(found.type)


def default(sig: Signature, param: str, version: int = 6) -> str | None:
    found = sig.param(param, version)
    assert found is not None
    return found.default


# ---------------------------------------------------------------------------- coverage
def _catalog_names(kind: str) -> set[str]:
    return {row.name for row in catalog() if row.kind == kind}


def test_catalog_is_the_v6_name_list():
    rows = catalog()
    assert len(rows) == 960
    kinds = {}
    for row in rows:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    assert kinds == {
        "function": 475,
        "variable": 161,
        "constant": 239,
        "type": 20,
        "keyword": 34,
        "annotation": 10,
        "operator": 21,
    }


@pytest.mark.parametrize(
    ("kind", "defined"),
    [
        ("function", TABLE.function_names),
        ("variable", TABLE.variable_names),
        ("constant", TABLE.constant_names),
    ],
)
def test_every_catalogue_name_has_an_entry_and_nothing_else_does(kind, defined):
    expected = _catalog_names(kind)
    assert expected - defined == set(), f"{kind}s without an entry"
    assert defined - expected - V5_ONLY_NAMES == set(), f"{kind}s not in the catalogue"


def test_v5_only_names_are_marked_v5_only():
    for name in V5_ONLY_NAMES:
        for sig in functions(name):
            assert sig.versions == frozenset({5})


def test_type_names_match_the_catalogue():
    assert set(TYPE_NAMES) == _catalog_names("type")
    assert len(TYPE_NAMES) == 20


def test_namespaces_and_is_builtin():
    spaces = set(namespaces())
    for ns in ("ta", "math", "str", "array", "matrix", "map", "color", "input", "request"):
        assert ns in spaces
    for ns in ("strategy", "strategy.closedtrades", "strategy.opentrades", "strategy.risk"):
        assert ns in spaces
    assert {"chart", "chart.point", "timeframe", "syminfo", "barstate", "log", "runtime"} <= spaces
    assert "close" not in spaces
    for name in ("ta.sma", "close", "color.red", "float", "chart.point", "time", "na"):
        assert is_builtin(name)
    for name in ("sma", "if", "study", "ta", "myVar"):
        assert not is_builtin(name)


def test_counts_of_the_main_namespaces():
    def count(prefix: str) -> int:
        return len({n for n in TABLE.function_names if n.startswith(prefix + ".")})

    assert count("ta") == 59
    assert count("math") == 24
    assert count("str") == 18
    assert count("array") == 55
    assert count("map") == 11
    assert count("matrix") == 49
    assert count("strategy") == 47
    assert count("request") == 11


# ---------------------------------------------------------------------------- DSL round trip
def test_every_entry_prints_back_to_itself():
    for sig in TABLE.signatures:
        again = parse_signatures(str(sig), context=TABLE).signatures
        assert again == (sig,), str(sig)
    for value in (*TABLE.variables, *TABLE.constants):
        parsed = parse_signatures(str(value), context=TABLE)
        assert (*parsed.variables, *parsed.constants) == (value,), str(value)


def test_multi_line_entries_and_comments():
    text = """# a comment
    ## another
    f(a: series int,
        b: simple float = 1.5,
        ...rest: series any) -> series float [unsure]

    variable v: simple string
    constant c: const int = 3 [v5]
    """
    t = parse_signatures(text)
    sig = t.signatures[0]
    assert sig.line == 3
    assert sig.variadic and sig.unsure and sig.max_args() is None
    assert [str(p) for p in sig.params] == [
        "a: series int",
        "b: simple float = 1.5",
        "...rest: series any",
    ]
    assert t.variables[0].qualifier is Qualifier.SIMPLE
    assert t.constants[0].value == "3" and t.constants[0].versions == {5}
    assert t.constant("c") is None and t.constant("c", 5) is not None


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("f(x: series int) -> void\n\n\ng(x int) -> void", 4, "expected ':'"),
        ("f(x: series integer) -> void", 1, "unknown type"),
        ("f(x: int) -> void", 1, "needs a qualifier"),
        ("f(x: series int) -> series void", 1, "void takes no qualifier"),
        ("f(x: series T) -> void", 1, "not declared"),
        ("f<T, U>(x: series T) -> void", 1, "never used"),
        ("f(x: series int) -> void [toplevle]", 1, "unknown flag"),
        ('f(x: series int = "a") -> void', 1, "does not fit"),
        ("f(x: input plot_style = display.all) -> void", 1, "does not fit"),
        ("f(x: series int = nosuch.constant) -> void", 1, "not a literal"),
        ("f(x: series int, x: series float) -> void", 1, "repeated"),
        ("f(x: series int = 1 {v5}, x: series int = 2 {v5}) -> void", 1, "repeated"),
        ("f(...x: series int, y: series int) -> void", 1, "variadic"),
        ("method f() -> void", 1, "method needs"),
        ("\nf(x: series int,\n  y: series int -> void", 2, "unclosed"),
        ("f(x: series int)) -> void", 1, "unbalanced"),
        ("constant c: const color = 5", 1, "does not fit"),
        ("variable v: float", 1, "needs a qualifier"),
        ("variable v: series float\nvariable v: series float", 2, "defined twice"),
        ("f(x: series int) -> void extra", 1, "unexpected"),
        ("f(x: series int) -> array<int, int>", 1, "type argument"),
        ("f<T>(x: array<series T>) -> void", 1, "expected a type name"),
        ("f<T>(x: series int) -> T", 1, "needs a qualifier"),
    ],
)
def test_parse_errors_name_the_line(text, line, fragment):
    with pytest.raises(SignatureSyntaxError) as info:
        parse_signatures(text, "test.txt", context=TABLE)
    assert info.value.line == line
    assert str(info.value).startswith(f"test.txt:{line}: ")
    assert fragment in info.value.message


def test_every_default_fits_its_parameter():
    # The loader rejects a default that does not fit; this documents that the check ran.
    sig = one("plot")
    assert default(sig, "style") == "plot.style_line"
    assert is_assignable(constant("plot.style_line").type, sig.param("style").type)


# ---------------------------------------------------------------------------- flags
TOP_LEVEL = {
    "plot",
    "plotshape",
    "plotchar",
    "plotarrow",
    "plotcandle",
    "plotbar",
    "hline",
    "fill",
    "bgcolor",
    "barcolor",
    "alertcondition",
    "indicator",
    "strategy",
    "library",
}
METHOD_NAMESPACES = {
    "array": "array",
    "matrix": "matrix",
    "map": "map",
    "line": "line",
    "linefill": "linefill",
    "box": "box",
    "polyline": "polyline",
    "label": "label",
    "table": "table",
    "chart.point": "chart.point",
    "footprint": "footprint",
    "volume_row": "volume_row",
}


def test_top_level_only_functions():
    flagged = {s.name for s in TABLE.signatures if s.top_level_only}
    assert flagged == TOP_LEVEL
    for name in TOP_LEVEL:
        assert all(s.top_level_only for s in functions(name))


def test_method_flag_is_set_exactly_when_the_object_comes_first():
    for sig in TABLE.signatures:
        object_type = METHOD_NAMESPACES.get(sig.namespace or "")
        first = sig.params[0].type if sig.params else None
        expected = object_type is not None and first is not None and first.name == object_type
        assert sig.method == expected, str(sig)
    assert one("array.get").method and not one("array.new").method
    assert not one("array.from").method and not one("linefill.new").method
    assert one("chart.point.copy").method and not one("chart.point.from_index").method


# ---------------------------------------------------------------------------- ta.*
SIMPLE_LENGTHS = [
    ("ta.ema", "length"),
    ("ta.rma", "length"),
    ("ta.rsi", "length"),
    ("ta.atr", "length"),
    ("ta.hma", "length"),
    ("ta.macd", "fastlen"),
    ("ta.macd", "slowlen"),
    ("ta.macd", "siglen"),
    ("ta.dmi", "diLength"),
    ("ta.dmi", "adxSmoothing"),
    ("ta.tsi", "short_length"),
    ("ta.kc", "length"),
    ("ta.rci", "length"),
    ("ta.supertrend", "atrPeriod"),
    ("ta.valuewhen", "occurrence"),
]
SERIES_LENGTHS = [
    "ta.sma",
    "ta.wma",
    "ta.vwma",
    "ta.highest",
    "ta.lowest",
    "ta.highestbars",
    "ta.lowestbars",
    "ta.stdev",
    "ta.variance",
    "ta.dev",
    "ta.change",
    "ta.mom",
    "ta.roc",
    "ta.rising",
    "ta.falling",
    "ta.cci",
    "ta.mfi",
    "ta.cmo",
    "ta.cog",
    "ta.correlation",
    "ta.median",
    "ta.mode",
    "ta.range",
    "ta.percentrank",
    "ta.percentile_linear_interpolation",
    "ta.percentile_nearest_rank",
    "ta.linreg",
    "ta.stoch",
    "ta.wpr",
    "ta.bb",
    "ta.bbw",
    "ta.alma",
    "math.sum",
]


@pytest.mark.parametrize(("name", "param"), SIMPLE_LENGTHS)
def test_ta_simple_lengths(name, param):
    assert ptype(one(name), param) == "simple int"


@pytest.mark.parametrize("name", SERIES_LENGTHS)
def test_ta_series_lengths(name):
    for sig in functions(name):
        assert ptype(sig, "length") == "series int"


def test_ta_sma_ema_rsi():
    sma = one("ta.sma")
    assert names(sma) == ["source", "length"]
    assert str(sma.returns) == "series float" and ptype(sma, "source") == "series int/float"
    assert [str(p.type) for p in one("ta.ema").params] == ["series int/float", "simple int"]
    assert len(functions("ta.rsi")) == 1 and ptype(one("ta.rsi"), "length") == "simple int"


def test_ta_tuple_returns():
    three = "[series float, series float, series float]"
    for name in ("ta.macd", "ta.bb", "ta.dmi", "ta.kc"):
        assert str(one(name).returns) == three
    assert str(one("ta.supertrend").returns) == "[series float, series float]"
    assert names(one("ta.macd")) == ["source", "fastlen", "slowlen", "siglen"]
    vwap = functions("ta.vwap")
    assert str(vwap[0].returns) == "series float"
    assert str(vwap[-1].returns) == three and vwap[-1].param("stdev_mult").required


def test_ta_pivots_have_two_overloads():
    for name in ("ta.pivothigh", "ta.pivotlow"):
        short, full = functions(name)
        assert names(short) == ["leftbars", "rightbars"]
        assert names(full) == ["source", "leftbars", "rightbars"]
        assert ptype(full, "leftbars") == "series int/float"


def test_ta_misc():
    assert (
        ptype(one("ta.tr"), "handle_na") == "simple bool"
        and one("ta.tr").param("handle_na").required
    )
    assert str(variable("ta.tr").type) == "series float"
    assert default(one("ta.stdev"), "biased") == "true"
    assert default(one("ta.change"), "length") == "1"
    assert [g.name for g in one("ta.change").generics] == ["T"]
    assert str(one("ta.crossover").returns) == "series bool"
    assert str(one("ta.barssince").returns) == "series int"
    assert [len(s.params) for s in functions("ta.highest")] == [2, 1]


# ---------------------------------------------------------------------------- math / str / color
def test_math_qualifier_polymorphism():
    mx = one("math.max")
    assert mx.variadic and mx.qualifier_polymorphic
    assert len(mx.required_params()) == 2
    assert str(mx.returns) == "q T" and str(mx.generics[0]) == "T: int/float"
    rounds = functions("math.round")
    assert [str(s.returns) for s in rounds] == ["q int", "q float"]
    assert [str(s.returns) for s in functions("math.round_to_mintick")] == [
        "simple float",
        "series float",
    ]
    assert str(one("math.random").returns) == "series float"
    assert constant("math.pi").value.startswith("3.14159")


def test_str_and_color():
    assert one("str.format").variadic and names(one("str.format"))[0] == "formatString"
    assert len(functions("str.tostring")) == 6  # numbers, values, arrays, matrices ± format
    assert str(one("str.split").returns) == "array<string>"
    new = one("color.new")
    assert names(new) == ["color", "transp"] and str(new.returns) == "q color"
    assert default(one("color.rgb"), "transp") == "0"
    assert str(one("color.from_gradient").returns) == "series color"


# ---------------------------------------------------------------------------- collections
def test_array_functions():
    get = one("array.get")
    assert str(get) == "method array.get<T>(id: array<T>, index: series int) -> series T"
    new = one("array.new")
    assert new.explicit_type_args and str(new.returns) == "array<T>"
    assert default(new, "size") == "0" and default(new, "initial_value") == "na"
    frm = one("array.from")
    assert frm.variadic and str(frm.returns) == "array<T>" and len(frm.required_params()) == 1
    assert str(one("array.push").returns) == "void"
    assert default(one("array.sort"), "order") == "order.ascending"
    assert str(one("array.avg").returns) == "series T"


def test_map_and_matrix():
    new = one("map.new")
    assert new.explicit_type_args and not new.params
    assert [g.name for g in new.generics] == ["K", "V"]
    assert "string" in str(new.generics[0].constraint)
    assert str(one("map.get").returns) == "series V"
    assert str(one("map.keys").returns) == "array<K>"
    assert names(one("matrix.new")) == ["rows", "columns", "initial_value"]
    assert str(functions("matrix.mult")[-1].returns) == "array<T>"


# ---------------------------------------------------------------------------- request.*
def test_request_security():
    sig = one("request.security")
    assert names(sig) == [
        "symbol",
        "timeframe",
        "expression",
        "gaps",
        "lookahead",
        "ignore_invalid_symbol",
        "currency",
        "calc_bars_count",
    ]
    assert [p.name for p in sig.required_params()] == ["symbol", "timeframe", "expression"]
    assert ptype(sig, "symbol") == "series string"
    assert ptype(sig, "symbol", 5) == "simple string"
    assert names(sig, 5) == names(sig)
    assert ptype(sig, "gaps") == "simple barmerge_gaps"
    assert default(sig, "gaps") == "barmerge.gaps_off"
    assert default(sig, "lookahead") == "barmerge.lookahead_off"
    assert default(sig, "ignore_invalid_symbol") == "false"
    assert str(sig.returns) == "series T"
    assert str(one("request.security_lower_tf").returns) == "array<T>"


def test_request_others():
    assert one("request.footprint").versions == {6}
    assert functions("request.footprint", 5) == []
    assert one("request.quandl").deprecated
    assert names(one("request.financial"))[:3] == ["symbol", "financial_id", "period"]


# ---------------------------------------------------------------------------- strategy
STRATEGY_DEFAULTS = {
    "pyramiding": "0",
    "calc_on_order_fills": "false",
    "calc_on_every_tick": "false",
    "backtest_fill_limits_assumption": "0",
    "default_qty_type": "strategy.fixed",
    "default_qty_value": "1",
    "initial_capital": "1000000",
    "currency": "currency.NONE",
    "slippage": "0",
    "commission_type": "strategy.commission.percent",
    "commission_value": "0",
    "process_orders_on_close": "false",
    "close_entries_rule": '"FIFO"',
    "margin_long": "100",
    "margin_short": "100",
    "risk_free_rate": "2",
    "use_bar_magnifier": "false",
    "fill_orders_on_standard_ohlc": "false",
    "dynamic_requests": "true",
}


def test_strategy_declaration():
    sig = one("strategy")
    assert sig.top_level_only and [p.name for p in sig.required_params()] == ["title"]
    assert names(sig)[:6] == ["title", "shorttitle", "overlay", "format", "precision", "scale"]
    for param, value in STRATEGY_DEFAULTS.items():
        assert default(sig, param) == value, param
        assert ptype(sig, param).startswith("const "), param
    assert default(sig, "margin_long", 5) == "0"
    assert default(sig, "dynamic_requests", 5) == "false"
    assert sig.param("behind_chart", 5) is None


def test_strategy_entry_and_order():
    v6 = [
        "id",
        "direction",
        "qty",
        "limit",
        "stop",
        "oca_name",
        "oca_type",
        "comment",
        "alert_message",
        "disable_alert",
    ]
    for name in ("strategy.entry", "strategy.order"):
        sig = one(name)
        assert names(sig) == v6
        assert names(sig, 5) == [*v6, "when"]  # `when` exists only in v5
        assert ptype(sig, "direction") == "series strategy_direction"
        assert default(sig, "qty") == "na"
        assert default(sig, "oca_type") == "strategy.oca.none"
        assert [p.name for p in sig.required_params()] == ["id", "direction"]


def test_strategy_exit():
    sig = one("strategy.exit")
    assert names(sig) == [
        "id",
        "from_entry",
        "qty",
        "qty_percent",
        "profit",
        "limit",
        "loss",
        "stop",
        "trail_price",
        "trail_points",
        "trail_offset",
        "oca_name",
        "comment",
        "comment_profit",
        "comment_loss",
        "comment_trailing",
        "alert_message",
        "alert_profit",
        "alert_loss",
        "alert_trailing",
        "disable_alert",
    ]
    assert default(sig, "qty_percent") == "100"
    assert sig.param("when", 6) is None and sig.param("when", 5) is not None


def test_strategy_close_cancel_and_trades():
    close = one("strategy.close")
    assert names(close) == [
        "id",
        "comment",
        "qty",
        "qty_percent",
        "alert_message",
        "immediately",
        "disable_alert",
    ]
    assert names(one("strategy.close_all")) == [
        "comment",
        "alert_message",
        "immediately",
        "disable_alert",
    ]
    assert names(one("strategy.cancel")) == ["id"] and names(one("strategy.cancel_all")) == []
    assert str(one("strategy.closedtrades.profit").returns) == "series float"
    assert str(one("strategy.opentrades.entry_id").returns) == "series string"
    assert ptype(one("strategy.risk.max_drawdown"), "value") == "simple int/float"
    assert str(constant("strategy.long").type) == "const strategy_direction"
    assert str(variable("strategy.position_size").type) == "series float"
    assert str(variable("strategy.account_currency").type) == "simple string"
    assert variable("strategy.closedtrades.first_index", 5) is None


# ---------------------------------------------------------------------------- input*()
def test_input_functions():
    ranged, options = functions("input.int")
    assert names(ranged) == [
        "defval",
        "title",
        "minval",
        "maxval",
        "step",
        "tooltip",
        "inline",
        "group",
        "confirm",
        "display",
        "active",
    ]
    assert names(options)[:3] == ["defval", "title", "options"]
    assert ptype(options, "options") == "[const int, ...]"
    assert ranged.param("active", 5) is None  # active: Jul 2025, v6 only
    assert str(ranged.returns) == "input int" and ptype(ranged, "defval") == "const int"
    assert str(one("input.float").returns) == "input float"
    assert str(one("input.bool").returns) == "input bool"
    assert str(one("input.source").returns) == "series float"
    generic, source = functions("input")
    assert str(generic.returns) == "input T" and str(source.returns) == "series float"
    assert default(one("input.bool"), "display") == "display.none"
    assert str(one("input.enum").returns) == "input E"


# ---------------------------------------------------------------------------- plots
def test_plot():
    sig = one("plot")
    assert names(sig) == [
        "series",
        "title",
        "color",
        "linewidth",
        "style",
        "trackprice",
        "histbase",
        "offset",
        "join",
        "editable",
        "show_last",
        "display",
        "format",
        "precision",
        "force_overlay",
        "linestyle",
    ]
    assert str(sig.returns) == "plot"
    assert ptype(sig, "series") == "series int/float" and ptype(sig, "title") == "const string"
    assert ptype(sig, "linewidth") == "input int" and default(sig, "linewidth") == "1"
    assert ptype(sig, "style") == "input plot_style"
    assert ptype(sig, "offset") == "simple int" and ptype(sig, "offset", 5) == "series int"
    assert sig.param("transp", 6) is None and sig.param("transp", 5) is not None
    assert [p.name for p in sig.required_params()] == ["series"]


def test_other_visuals():
    assert str(one("hline").returns) == "hline"
    assert ptype(one("hline"), "linestyle") == "input hline_style"
    fills = functions("fill")
    assert {str(s.params[0].type) for s in fills} == {"plot", "hline"}
    assert ptype(one("bgcolor"), "display") == "input plot_simple_display"
    assert names(one("plotshape"))[:4] == ["series", "title", "style", "location"]
    assert ptype(one("plotshape"), "series") == "series int/float/bool"
    assert names(one("plotcandle"))[:7] == [
        "open",
        "high",
        "low",
        "close",
        "title",
        "color",
        "wickcolor",
    ]
    assert [p.name for p in one("alertcondition").required_params()] == ["condition"]
    assert default(one("alert"), "freq") == "alert.freq_once_per_bar"
    assert [p.name for p in one("indicator").required_params()] == ["title"]


# ---------------------------------------------------------------------------- drawings
def test_drawing_constructors():
    by_xy, by_point = functions("label.new")
    assert names(by_xy)[:3] == ["x", "y", "text"] and names(by_point)[:2] == ["point", "text"]
    assert default(by_xy, "textcolor") == "color.white"
    assert default(by_xy, "textcolor", 5) == "color.black"
    assert default(by_xy, "style") == "label.style_label_down"
    assert names(functions("box.new")[0])[:4] == ["left", "top", "right", "bottom"]
    assert names(functions("line.new")[1])[:2] == ["first_point", "second_point"]
    assert str(functions("line.new")[0].returns) == "line"
    assert names(one("table.new"))[:3] == ["position", "columns", "rows"]
    assert str(one("polyline.new").params[0].type) == "array<chart.point>"
    assert str(variable("box.all").type) == "array<box>"
    assert one("box.set_xloc").versions == {6}
    assert one("label.set_text_formatting").versions == {6}


# ---------------------------------------------------------------------------- globals
def test_global_helpers():
    assert str(one("nz").returns) == "q T" and not one("nz").param("replacement").required
    assert functions("nz", 6) == [one("nz")]  # the bool overload is v5-only
    assert str(one("na").returns) == "q bool"
    assert str(one("int").returns) == "q int"
    assert [len(s.params) for s in functions("timestamp")] == [1, 6, 7]
    assert names(functions("time")[1])[:3] == ["timeframe", "session", "timezone"]
    assert functions("time")[0].param("timeframe_bars_back", 5) is None
    assert default(one("hour"), "timezone") == "syminfo.timezone"
    assert [str(s.returns) for s in functions("timeframe.in_seconds")] == [
        "simple int",
        "series int",
    ]
    assert len(functions("log.info")) == 2 and functions("log.info")[1].variadic


# ---------------------------------------------------------------------------- variables/constants
@pytest.mark.parametrize(
    ("name", "type_text"),
    [
        ("close", "series float"),
        ("open", "series float"),
        ("volume", "series float"),
        ("bar_index", "series int"),
        ("last_bar_index", "series int"),
        ("time", "series int"),
        ("timenow", "series int"),
        ("syminfo.mintick", "simple float"),
        ("syminfo.tickerid", "simple string"),
        ("syminfo.pointvalue", "simple float"),
        ("timeframe.period", "simple string"),
        ("timeframe.multiplier", "simple int"),
        ("timeframe.isintraday", "simple bool"),
        ("barstate.islast", "series bool"),
        ("barstate.isconfirmed", "series bool"),
        ("session.ismarket", "series bool"),
        ("chart.bg_color", "input color"),
        ("chart.is_heikinashi", "simple bool"),
        ("strategy.equity", "series float"),
        ("strategy.opentrades", "series int"),
        ("ta.obv", "series float"),
        ("label.all", "array<label>"),
    ],
)
def test_variable_types(name, type_text):
    entry = variable(name)
    assert entry is not None and str(entry.type) == type_text


@pytest.mark.parametrize(
    ("name", "type_text"),
    [
        ("color.red", "const color"),
        ("plot.style_line", "const plot_style"),
        ("plot.linestyle_dashed", "const plot_line_style"),
        ("strategy.long", "const strategy_direction"),
        ("strategy.short", "const strategy_direction"),
        ("strategy.fixed", "const string"),
        ("display.all", "const plot_simple_display"),
        ("display.data_window", "const plot_display"),
        ("barmerge.gaps_on", "const barmerge_gaps"),
        ("barmerge.lookahead_on", "const barmerge_lookahead"),
        ("hline.style_dashed", "const hline_style"),
        ("order.ascending", "const sort_order"),
        ("scale.left", "const scale_type"),
        ("text.format_bold", "const text_format"),
        ("label.style_label_up", "const string"),
        ("size.small", "const string"),
        ("currency.USD", "const string"),
        ("dayofweek.monday", "const int"),
        ("math.pi", "const float"),
        ("true", "const bool"),
    ],
)
def test_constant_types(name, type_text):
    entry = constant(name)
    assert entry is not None and str(entry.type) == type_text


def test_versioned_constant_values():
    assert constant("color.red").value == "#F23645"
    assert constant("color.red", 5).value == "#FF5252"
    assert constant("color.teal", 6).value == "#089981"
    assert constant("dayofweek.sunday").value == "1"
    assert constant("dayofweek.saturday").value == "7"
    assert constant("currency.EUR").value == '"EUR"'
    assert constant("text.format_bold", 5) is None
    assert variable("syminfo.mincontract", 5) is None and variable("syminfo.mincontract")


# ---------------------------------------------------------------------------- checking calls
def _check_positional(sig: Signature, args: list[str], version: int = 6):
    """Minimal positional matcher: returns the result type text, or None if the call fails."""
    params = sig.params_for(version)
    if len(args) < len(sig.required_params(version)):
        return None
    bindings = Bindings()
    qualifiers = []
    for index, text in enumerate(args):
        if index >= len(params) and not sig.variadic:
            return None
        param = params[min(index, len(params) - 1)]
        arg = parse_type(text)
        bindings = unify(param.type, arg, bindings, sig.constraints())
        if bindings is None:
            return None
        if param.type.poly:
            qualifiers.append(arg.effective_qualifier)
    result = sig.returns.substitute(bindings.types)
    if result.poly:
        result = result.with_qualifier(Qualifier.strongest(qualifiers))
    return str(result)


def test_table_and_type_model_check_calls():
    ema = one("ta.ema")
    assert _check_positional(ema, ["series float", "simple int"]) == "series float"
    assert _check_positional(ema, ["series float", "series int"]) is None  # series for simple
    assert _check_positional(one("ta.sma"), ["series float", "series int"]) == "series float"
    mx = one("math.max")
    assert _check_positional(mx, ["const int", "const int"]) == "const int"
    assert _check_positional(mx, ["series float", "const int"]) == "series float"
    assert _check_positional(mx, ["input int", "const int", "simple int"]) == "simple int"
    assert _check_positional(mx, ["const int"]) is None  # missing required argument
    get = one("array.get")
    assert _check_positional(get, ["array<float>", "series int"]) == "series float"
    assert _check_positional(one("array.push"), ["array<int>", "series float"]) is None
    assert _check_positional(one("array.push"), ["array<float>", "const int"]) == "void"
    assert _check_positional(one("ta.change"), ["series bool"]) == "series bool"
    assert _check_positional(one("array.avg"), ["array<string>"]) is None  # T: int/float
