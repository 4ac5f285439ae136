"""The Pine Script front end: source text → syntax tree → diagnostics.

>>> from pineopt.lang import parse, unparse
>>> result = parse('//@version=6\\nindicator("x")\\nplot(close[1] + 1)\\n')
>>> result.ok
True
>>> print(unparse(result.script.body[1]), end="")
plot(close[1] + 1)

``parse`` never raises on bad input: problems come back as :class:`Diagnostic` objects in
``result.diagnostics`` (``FILE:LINE:COL: error: MESSAGE`` with the source line and a caret).
The tree is made of the dataclasses in :mod:`pineopt.lang.nodes`.

``analyze`` checks a parsed script's meaning - names, types, qualifiers, calls, placement - and
reports what it uses; ``check`` parses and analyses in one step:

>>> from pineopt.lang import check
>>> analysis = check('//@version=6\\nindicator("x")\\nplot(ta.ema(close, bar_index))\\n')
>>> print(analysis.errors[0].message)  # doctest: +ELLIPSIS
Cannot call 'ta.ema' with argument 'length'='bar_index'. An argument of 'series int' type ...
>>> sorted(analysis.features.builtins)
['bar_index', 'close', 'indicator', 'plot', 'ta.ema']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pineopt.lang import nodes
from pineopt.lang.diagnostics import Diagnostic, Severity, format_diagnostics
from pineopt.lang.features import FeatureReport
from pineopt.lang.nodes import NodeTransformer, NodeVisitor, Span, same_tree, to_dict
from pineopt.lazy_exports import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from pineopt.lang.analyzer import Analysis, analyze, check
    from pineopt.lang.parser import ParseResult, parse
    from pineopt.lang.printer import unparse
    from pineopt.lang.scopes import Symbol, TypeInfo

__all__ = [
    "Analysis",
    "Diagnostic",
    "FeatureReport",
    "NodeTransformer",
    "NodeVisitor",
    "ParseResult",
    "Severity",
    "Span",
    "Symbol",
    "TypeInfo",
    "analyze",
    "check",
    "format_diagnostics",
    "nodes",
    "parse",
    "same_tree",
    "to_dict",
    "unparse",
]

# The parser, the analyser and the printer are imported on first use: a run whose conversion
# comes from the cache needs the diagnostics and the nodes only.
_HOMES = {
    "Analysis": "analyzer",
    "analyze": "analyzer",
    "check": "analyzer",
    "ParseResult": "parser",
    "parse": "parser",
    "unparse": "printer",
    "Symbol": "scopes",
    "TypeInfo": "scopes",
}


__getattr__ = lazy_exports(__name__, _HOMES, globals())
