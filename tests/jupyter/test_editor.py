"""What an editor asks PineOpt (pineopt/jupyter/editor.py), without a server."""

from __future__ import annotations

import pineopt.compiler
from pineopt.jupyter.editor import builtins_reference, editor_diagnostics, span_json
from pineopt.lang.nodes import NO_SPAN, Span


def test_a_span_is_never_empty_and_always_somewhere():
    assert span_json(Span(2, 3, 2, 7)) == {"line": 2, "column": 3, "end_line": 2, "end_column": 7}
    assert span_json(Span(1, 1, 1, 1)) == {"line": 1, "column": 1, "end_line": 1, "end_column": 2}
    assert span_json(Span(4, 9, 3, 1)) == {
        "line": 4,
        "column": 9,
        "end_line": 4,
        "end_column": 10,
    }
    assert span_json(NO_SPAN) == {"line": 1, "column": 1, "end_line": 1, "end_column": 2}


def test_the_missing_version_is_on_the_cells_first_pine_line():
    (found,) = editor_diagnostics('%%pine\nindicator("x")\nplot(close)\n')
    assert (found["line"], found["column"], found["end_column"]) == (2, 1, 2)
    assert "//@version=6" in found["message"]


def test_a_failure_of_pineopt_is_one_diagnostic_at_the_start(monkeypatch):
    def broken(source, filename):
        raise RuntimeError("boom")

    monkeypatch.setattr(pineopt.compiler, "diagnose", broken)
    (found,) = editor_diagnostics("%%pine\n//@version=6\n")
    assert (found["line"], found["column"], found["severity"]) == (1, 1, "error")
    assert found["message"] == "PineOpt failed to analyse this script (RuntimeError: boom)"


def test_the_reference_is_built_once_from_the_analysers_table():
    reference = builtins_reference()
    assert builtins_reference() is reference
    functions = {f["name"]: f for f in reference["functions"]}
    assert len(functions) == len(reference["functions"])
    assert (
        functions["ta.sma"]["doc"]
        == "ta.sma(source: series int/float, length: series int) → series float"
    )
    assert "Only in the global scope." in functions["plot"]["doc"]
    assert "title: const string (optional)" in functions["plot"]["doc"]
    assert functions["str.format"]["signature"] == "str.format(formatString, ...args) → q string"
    assert "Not supported by PineOpt yet" in functions["request.financial"]["doc"]
    assert len(functions["str.tostring"]["signature"].splitlines()) > 1  # one line per overload
    assert {"name": "color.red", "type": "const color"} in reference["constants"]
    assert {"float", "series", "chart.point"} <= set(reference["types"])
    assert {"if", "var", "varip", "switch"} <= set(reference["keywords"])
