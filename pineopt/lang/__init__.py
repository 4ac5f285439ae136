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
"""

from pineopt.lang import nodes
from pineopt.lang.diagnostics import Diagnostic, Severity, format_diagnostics
from pineopt.lang.nodes import NodeTransformer, NodeVisitor, Span, same_tree, to_dict
from pineopt.lang.parser import ParseResult, parse
from pineopt.lang.printer import unparse

__all__ = [
    "Diagnostic",
    "NodeTransformer",
    "NodeVisitor",
    "ParseResult",
    "Severity",
    "Span",
    "format_diagnostics",
    "nodes",
    "parse",
    "same_tree",
    "to_dict",
    "unparse",
]
