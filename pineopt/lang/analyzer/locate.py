"""Finding tokens the syntax tree does not keep, for messages that point at them."""

from __future__ import annotations

import re

from pineopt.lang import nodes as n
from pineopt.lang.diagnostics import split_lines
from pineopt.lang.nodes import Span


class Locator:
    """Finds the position of a token inside a node's text (a declared name, an operator, the
    ``[`` of a history reference), for messages that point at it. Without the source text it
    falls back to the start of the node."""

    def __init__(self, source: str) -> None:
        self.lines = split_lines(source) if source else []

    def find(self, pattern: str, line: int, column: int, fallback: Span) -> Span:
        """The first match of ``pattern`` at or after ``line:column`` (within a few lines)."""
        regex = re.compile(pattern)
        for number in range(line, min(line + 5, len(self.lines) + 1)):
            text = self.lines[number - 1]
            start = column - 1 if number == line else 0
            found = regex.search(text, start)
            if found:
                return Span(number, found.start() + 1, number, found.end() + 1)
        return fallback

    def name(self, name: str, node: n.Node, after: n.Node | None = None) -> Span:
        """Where ``name`` is declared in ``node``: its first occurrence as a word, after the
        written type ``after`` if there is one (keywords cannot be names, so ``var``,
        ``simple``, ``method`` ... before it never match)."""
        if after is not None:
            line, column = after.span.end_line, after.span.end_column
        else:
            line, column = node.span.line, node.span.column
        return self.find(r"\b" + re.escape(name) + r"\b", line, column, node.span)

    def after(self, node: n.Node, token: str, fallback: Span) -> Span:
        """``token`` following ``node`` (an operator after its left operand, ``[`` after the
        value of a history reference)."""
        regex = re.compile(r"\s*" + re.escape(token))
        line, column = node.span.end_line, node.span.end_column
        if 0 < line <= len(self.lines):
            found = regex.match(self.lines[line - 1], column - 1)
            if found:
                end = found.end() + 1
                return Span(line, end - len(token), line, end)
        return fallback
