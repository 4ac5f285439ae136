"""Where each Pine built-in lives in the runtime, and which ones the runtime supports.

The compiler turns ``ns.fn(...)`` into a call of a runtime function bound once per run to a
readable local (``math_max = pine_math.max_``). This module is that table:

* :data:`SCALAR_MODULES` - the runtime module holding each namespace's per-bar functions;
* :data:`BAR_SERIES` - built-in series the context computes over the whole history;
* :data:`RUN_VALUES` - built-in values fixed for a run (``syminfo.*``, ``timeframe.*`` …);
* :func:`supported_names` - every built-in name the compiler and runtime can run, handed to the
  analyser's feature report so that anything else is refused at convert time.
"""

from __future__ import annotations

from functools import cache

from pineopt.lang import builtins

SCALAR_MODULES = {
    "math": "pine_math",
    "str": "pine_str",
    "color": "pine_color",
    "array": "pine_array",
    "map": "pine_map",
    "matrix": "pine_matrix",
}

DRAWING_NAMESPACES = ("label", "line", "box", "table", "polyline", "linefill", "chart.point")

BAR_SERIES = frozenset(
    {
        "open",
        "high",
        "low",
        "close",
        "volume",
        "hl2",
        "hlc3",
        "ohlc4",
        "hlcc4",
        "bar_index",
        "time",
        "time_close",
        "time_tradingday",
        "year",
        "month",
        "weekofyear",
        "dayofmonth",
        "dayofweek",
        "hour",
        "minute",
        "second",
        "barstate.isfirst",
        "barstate.islast",
        "barstate.isconfirmed",
        "barstate.ishistory",
        "barstate.isnew",
        "barstate.isrealtime",
        "barstate.islastconfirmedhistory",
        "session.isfirstbar",
        "session.isfirstbar_regular",
        "session.islastbar",
        "session.islastbar_regular",
        "session.ismarket",
        "session.ispremarket",
        "session.ispostmarket",
        "ta.obv",
        "ta.accdist",
        "ta.tr",
        "ta.vwap",
        "ta.iii",
        "ta.nvi",
        "ta.pvi",
        "ta.pvt",
        "ta.wad",
        "ta.wvad",
    }
)
"""Built-in series variables: whole-history arrays from :meth:`Context.series`."""

INT_SERIES = frozenset(
    {
        "bar_index",
        "time",
        "time_close",
        "time_tradingday",
        "year",
        "month",
        "weekofyear",
        "dayofmonth",
        "dayofweek",
        "hour",
        "minute",
        "second",
    }
)
"""Series whose values are ints (converted to Python ints for the bar loop)."""

RUN_VALUES_PREFIXES = ("syminfo.", "timeframe.", "chart.")
RUN_VALUES = frozenset({"last_bar_index", "last_bar_time", "timenow"})

SERIES_DATA_PARAMS = frozenset(
    {"source", "series", "condition", "source1", "source2", "high", "low", "anchor"}
)
"""Parameters of ``ta.*`` that carry a series; the others must be fixed for the vector path."""

OUTPUT_FUNCTIONS = frozenset(
    {
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
    }
)

LOCAL_FUNCTIONS = frozenset(
    {
        "na",
        "nz",
        "fixnan",
        "int",
        "float",
        "bool",
        "string",
        "color",
        "label",
        "line",
        "box",
        "linefill",
        "table",
        "max_bars_back",
        "runtime.error",
        "log.info",
        "log.warning",
        "log.error",
        "alert",
        "timestamp",
        "time",
        "time_close",
        "year",
        "month",
        "weekofyear",
        "dayofmonth",
        "dayofweek",
        "hour",
        "minute",
        "second",
        "timeframe.change",
        "timeframe.in_seconds",
        "timeframe.from_seconds",
        "request.security",
        "request.security_lower_tf",
        "indicator",
    }
)
"""Functions the code generator handles itself rather than through a namespace module."""


SUPPORTED_FEATURES = frozenset(
    {
        "var",
        "varip",
        "history",
        "user_functions",
        "methods",
        "udt",
        "enums",
        "if",
        "switch",
        "for",
        "for_in",
        "while",
        "tuples",
        "arrays",
        "matrices",
        "maps",
        "drawings",
        "request",
        "inputs",
        "strategy",
    }
)
"""Language features (:data:`pineopt.lang.features.LANGUAGE_FEATURES`) the compiler handles."""


def runtime_attr(name: str) -> str:
    """The attribute of its runtime module that implements the built-in ``ns.name``: the
    module's ``FUNCTIONS`` table says, else the member name (``name_`` when that shadows a
    Python keyword or built-in)."""
    import importlib
    import keyword

    namespace, _, member = name.rpartition(".")
    module_name = SCALAR_MODULES.get(namespace)
    if module_name is not None:
        module = importlib.import_module(f"pineopt.runtime.{module_name}")
        function = getattr(module, "FUNCTIONS", {}).get(name)
        attribute = getattr(function, "__name__", None)
        if attribute and getattr(module, attribute, None) is function:
            return attribute
    if keyword.iskeyword(member) or member in _SHADOWED:
        return member + "_"
    return member


_SHADOWED = frozenset({"abs", "max", "min", "round", "pow", "sum", "range", "format", "set"})


@cache
def supported_names() -> frozenset[str]:
    """Every built-in name (function, variable, constant) the runtime runs."""
    import importlib

    names: set[str] = set(BAR_SERIES) | set(RUN_VALUES) | set(OUTPUT_FUNCTIONS)
    names |= set(LOCAL_FUNCTIONS)
    for entry in builtins.catalog():
        name = entry.name
        if entry.kind == "constant":
            names.add(name)
        elif entry.kind == "variable" and name.startswith(RUN_VALUES_PREFIXES):
            if not name.startswith(("syminfo.recommendations", "syminfo.target_price")):
                names.add(name)
        elif name.startswith("input"):
            names.add(name)
    from pineopt.runtime import ta_series  # the per-bar classes cover every ta function

    names |= set(getattr(ta_series, "CLASSES", {}))
    names.add("math.sum")
    for namespace, module_name in SCALAR_MODULES.items():
        try:
            module = importlib.import_module(f"pineopt.runtime.{module_name}")
        except ImportError:
            continue
        table = getattr(module, "FUNCTIONS", None)
        if table is not None:
            names |= set(table)
            continue
        for entry in builtins.catalog():
            if (
                entry.kind == "function"
                and entry.name.startswith(namespace + ".")
                and hasattr(module, runtime_attr(entry.name))
            ):
                names.add(entry.name)
    try:
        from pineopt.runtime import drawings

        names |= set(getattr(drawings, "NAMES", ()))
    except ImportError:
        pass
    names |= SUPPORTED_FEATURES
    names |= strategy_names()
    return frozenset(names)


def _is_value(cls: type, name: str) -> bool:
    """``name`` is a ``strategy.*`` variable the broker answers: a property or attribute of
    one of its classes (methods are order calls, not variables)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return not callable(klass.__dict__[name]) or isinstance(klass.__dict__[name], property)
    return False


def strategy_names() -> set[str]:
    """``strategy()`` and every ``strategy.*`` function and variable the broker implements."""
    from pineopt.strategy.broker import Broker

    names = {"strategy"}
    for entry in builtins.catalog():
        name = entry.name
        if not name.startswith("strategy.") or entry.kind not in ("function", "variable"):
            continue
        member = name.partition(".")[2]
        group = member.rpartition(".")[0]
        if entry.kind == "function":
            accessor = group in ("closedtrades", "opentrades")
            if accessor or hasattr(Broker, member.replace(".", "_")):
                names.add(name)
        elif _is_value(Broker, member) or member in _BROKER_VALUES:
            names.add(name)
    return names


_BROKER_VALUES = frozenset(
    {
        "netprofit_percent",
        "openprofit_percent",
        "grossprofit_percent",
        "grossloss_percent",
        "max_drawdown",
        "max_runup",
        "max_drawdown_percent",
        "max_runup_percent",
        "avg_trade",
        "avg_trade_percent",
        "avg_winning_trade",
        "avg_losing_trade",
        "avg_winning_trade_percent",
        "avg_losing_trade_percent",
        "max_contracts_held_all",
        "max_contracts_held_long",
        "max_contracts_held_short",
        "account_currency",
        "margin_liquidation_price",
        "opentrades.capital_held",
        "closedtrades.first_index",
    }
)
