"""Where a ``%%pine`` cell's Pine text sits in the cell: the rule that turns a Pine line into
the line the editor shows.

A ``%%pine`` cell is the magic's line, then the script::

    1  %%pine --data BTCUSDT_1h      <- IPython hands the magic only what follows this line
    2  //@version=6                  <- Pine line 1
    3  indicator("x")                <- Pine line 2

so Pine line ``N`` is the cell's line ``N + 1``, and columns do not move. The magics
(:mod:`pineopt.jupyter.magics`) and the editor's diagnostics
(:mod:`pineopt.jupyter.editor`) both name the cell's lines through :func:`to_cell`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from pineopt.lang.diagnostics import Diagnostic, split_lines
from pineopt.lang.nodes import Span

__all__ = ["MAGIC", "MAGIC_LINES", "format_cell_diagnostics", "pine_text", "to_cell"]

MAGIC = "%%pine"
"""A cell whose first line starts with this (``%%pine``, ``%%pine_convert``) holds Pine below
that line."""
MAGIC_LINES = 1
"""The lines of a ``%%pine`` cell above its Pine text."""
_LINE_END = re.compile(r"\r\n|\r|\n")  # as the lexer ends lines


def pine_text(cell: str) -> tuple[str, int]:
    """The Pine text of an editor's cell and how many of the cell's lines come before it:
    ``(script, MAGIC_LINES)`` when the first line starts with :data:`MAGIC`, else
    ``(cell, 0)``."""
    if not cell.startswith(MAGIC):
        return cell, 0
    end = _LINE_END.search(cell)
    return (cell[end.end() :] if end else ""), MAGIC_LINES


def to_cell(span: Span, offset: int = MAGIC_LINES) -> Span:
    """``span`` (in Pine lines) in the cell's lines: ``offset`` lines further down. A span of
    no place (line 0) stays as it is."""
    if span.line < 1:
        return span
    return span._replace(line=span.line + offset, end_line=span.end_line + offset)


def format_cell_diagnostics(
    diagnostics: Iterable[Diagnostic], source: str, offset: int = MAGIC_LINES
) -> str:
    """``diagnostics`` of the Pine ``source`` as :func:`~pineopt.lang.format_diagnostics`
    prints them, each naming the cell's line (:func:`to_cell`) over the same source line."""
    lines = split_lines(source)
    parts = []
    for diagnostic in diagnostics:
        line = diagnostic.span.line
        text = lines[line - 1] if 0 < line <= len(lines) else None
        moved = replace(diagnostic, span=to_cell(diagnostic.span, offset))
        parts.append(moved.format(text))
    return "\n".join(parts)
