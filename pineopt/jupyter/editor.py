"""What a Pine editor asks PineOpt, as plain JSON-ready data (served by
:mod:`pineopt.jupyter.server_extension`).

* :func:`editor_diagnostics` - the problems of a script or a ``%%pine`` cell, checked as
  ``%%pine`` and ``pineopt run`` check it before generating code
  (:func:`pineopt.compiler.diagnose`: parser, analyser, refusals), in the coordinates of the
  text sent. Nothing is generated or run.
* :func:`builtins_reference` - keywords, types, namespaces and every built-in function,
  variable and constant, from the table the analyser checks calls against.

A diagnostic is ``{"line", "column", "end_line", "end_column", "severity", "message"}``:
1-based, end exclusive, never empty (a span without an end covers one character).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from pineopt.jupyter.cells import pine_text, to_cell
from pineopt.lang.builtins import Signature
from pineopt.lang.diagnostics import Diagnostic
from pineopt.lang.nodes import Span

__all__ = ["FILENAME", "KINDS", "builtins_reference", "editor_diagnostics", "span_json"]

KINDS = ("cell", "file")
"""``cell``: a notebook cell (a first line starting with ``%%pine`` is the magic's, not Pine);
``file``: a ``.pine`` file, all Pine."""
FILENAME = "<cell>"
LANGUAGE_VERSION = 6
"""The version whose overloads and values the reference shows."""

log = logging.getLogger(__name__)


def editor_diagnostics(text: str, kind: str = "cell") -> list[dict[str, Any]]:
    """The diagnostics of ``text`` (see :data:`KINDS`) as JSON objects, lines counted in
    ``text``. A failure of PineOpt itself is one error at 1:1 saying so."""
    source, offset = pine_text(text) if kind == "cell" else (text, 0)
    from pineopt.compiler import diagnose

    try:
        found = diagnose(source, FILENAME)
    except Exception as exc:  # the analyser's bug must not look like the script's
        log.exception("PineOpt failed to analyse a script")
        message = f"PineOpt failed to analyse this script ({type(exc).__name__}: {exc})"
        return [{**span_json(Span(1, 1, 1, 2)), "severity": "error", "message": message}]
    return [_diagnostic_json(d, offset) for d in found]


def _diagnostic_json(diagnostic: Diagnostic, offset: int) -> dict[str, Any]:
    return {
        **span_json(to_cell(diagnostic.span, offset)),
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
    }


def span_json(span: Span) -> dict[str, int]:
    """``span`` as the editor's range: a span of no place is 1:1; one that ends where it
    starts (or before) covers one character."""
    line, column = (span.line, span.column) if span.line >= 1 else (1, 1)
    column = max(column, 1)
    end = (span.end_line, span.end_column)
    if end <= (line, column):
        end = (line, column + 1)
    return {"line": line, "column": column, "end_line": end[0], "end_column": end[1]}


@functools.cache
def builtins_reference() -> dict[str, Any]:
    """``version`` (PineOpt's), ``keywords``, ``types``, ``namespaces``, ``functions``
    (``name``, ``signature``: one line per overload, ``doc``), ``variables`` and ``constants``
    (``name``, ``type``), built once from :mod:`pineopt.lang.builtins` (the analyser's table),
    the lexer's keywords and the runtime's :func:`~pineopt.compiler.supported_names`."""
    import pineopt
    from pineopt.compiler import supported_names
    from pineopt.lang import builtins
    from pineopt.lang.grammar import terminal_names
    from pineopt.lang.lexer import Lexer

    table = builtins.table()
    supported = supported_names()
    values = [
        ("variables", table.variable_names, table.variable),
        ("constants", table.constant_names, table.constant),
    ]
    reference: dict[str, Any] = {
        "version": pineopt.__version__,
        "keywords": sorted(Lexer(terminal_names()).keywords),
        "types": list(builtins.TYPE_NAMES),
        "namespaces": list(table.namespaces()),
        "functions": [
            _function_json(name, table.functions(name, LANGUAGE_VERSION), name in supported)
            for name in sorted(table.function_names)
        ],
    }
    for key, names, lookup in values:
        entries = (lookup(name, LANGUAGE_VERSION) or lookup(name, 5) for name in sorted(names))
        reference[key] = [{"name": e.name, "type": str(e.type)} for e in entries if e]
    return reference


def _function_json(name: str, overloads: list[Signature], supported: bool) -> dict[str, str]:
    """One function: its overloads as TradingView's reference writes them
    (``ta.sma(source, length) → series float``); the doc gives their parameters' types and
    defaults, then what limits the function's use."""
    signature = "\n".join(_call(sig, typed=False) for sig in overloads)
    notes = [_call(sig, typed=True) for sig in overloads]
    if any(sig.deprecated for sig in overloads):
        notes.append("Deprecated.")
    if all(sig.top_level_only for sig in overloads):
        notes.append("Only in the global scope.")
    if not supported:
        notes.append("Not supported by PineOpt yet: a script that calls it is refused.")
    return {"name": name, "signature": signature, "doc": "\n".join(notes)}


def _call(sig: Signature, *, typed: bool) -> str:
    params = []
    for param in sig.params_for(LANGUAGE_VERSION):
        text = ("..." if param.variadic else "") + param.name
        if typed:
            text += f": {param.type}"
            if param.default is not None:
                text += f" = {param.default}"
            elif not param.required and not param.variadic:
                text += " (optional)"
        params.append(text)
    generics = "<" + ", ".join(g.name for g in sig.generics) + ">" if sig.generics else ""
    return f"{sig.name}{generics}({', '.join(params)}) → {sig.returns}"
