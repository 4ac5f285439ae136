"""The feature report: built-ins, language features and library calls a script uses."""

import json

from pineopt.lang import check
from pineopt.lang.features import LANGUAGE_FEATURES, FeatureReport
from pineopt.lang.nodes import Span

SCRIPT = """//@version=6
indicator("features")
import user/lib/1 as lib
type P
    float x
enum E
    a
method twice(float v) => v * 2
var a = array.new<float>()
a.push(close)
float s = 0.0
for i = 0 to 2
    s += close[i]
[m, sig, h] = ta.macd(close, 12, 26, 9)
y = lib.f(close)
z = request.security(syminfo.tickerid, "D", close)
l = label.new(bar_index, high, "x")
plot(s.twice())
plot(ta.sma(close, input.int(10)))
"""


def test_a_script_reports_what_it_uses():
    report = check(SCRIPT).features
    assert report.builtins["close"] == 6 and report.builtins["array.push"] == 1
    assert {"ta.macd", "ta.sma", "input.int", "label.new", "array.new"} <= set(report.builtins)
    assert set(report.features) == {
        "imports",
        "udt",
        "enums",
        "methods",
        "var",
        "arrays",
        "for",
        "history",
        "tuples",
        "request",
        "drawings",
        "inputs",
    }
    assert dict(report.library_calls) == {"lib.f": 1}


def test_unsupported_names_come_with_their_first_use_in_source_order():
    report = check(SCRIPT).features
    supported = set(report.names()) - {"ta.macd", "history", "lib.f"}
    assert report.unsupported(supported) == [
        ("history", Span(13, 10, 13, 18)),
        ("ta.macd", Span(14, 15, 14, 40)),
        ("lib.f", Span(15, 5, 15, 17)),
    ]


def test_counts_and_first_use():
    report = FeatureReport()
    report.add_builtin("array.push", Span(3, 1, 3, 5))
    report.add_builtin("array.push", Span(9, 1, 9, 5))
    report.add_builtin("strategy", Span(2, 1, 2, 9))  # the declaration, not order commands
    report.add_builtin("input", Span(4, 1, 4, 9))
    assert report.builtins == {"array.push": 2, "strategy": 1, "input": 1}
    assert report.features == {"arrays": 2, "inputs": 1}
    assert report.first_use["array.push"] == Span(3, 1, 3, 5)


def test_json_form():
    report = FeatureReport()
    report.add_feature("var", Span(3, 1, 3, 4))
    report.add_library_call("lib.f", Span(4, 5, 4, 9))
    data = report.to_dict({"var"})
    assert json.loads(json.dumps(data)) == {
        "builtins": {},
        "features": {"var": 1},
        "library_calls": {"lib.f": 1},
        "unsupported": [{"name": "lib.f", "line": 4, "column": 5}],
    }
    assert "unsupported" not in report.to_dict()


def test_every_feature_is_described():
    assert all(isinstance(text, str) and text for text in LANGUAGE_FEATURES.values())
