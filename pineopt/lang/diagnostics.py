"""Diagnostics: what the front end tells the user, in the compilers' classic form.

``Diagnostic.format`` gives::

    script.pine:3:11: error: unexpected ')'
    float x = ) + 1
              ^

the caret line copies the tabs of the source line, so that it lines up in any terminal. A
source line longer than ``SHOWN_WIDTH`` characters is shown as a window around the span, with
``…`` marking the cut ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from pineopt.lang.nodes import Span

SHOWN_WIDTH = 120


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One message about one place of one file."""

    severity: Severity
    message: str
    span: Span
    filename: str = "<input>"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        """The first line: ``FILE:LINE:COL: SEVERITY: MESSAGE``."""
        return (
            f"{self.filename}:{self.span.line}:{self.span.column}: "
            f"{self.severity.value}: {self.message}"
        )

    def format(self, source_line: str | None = None) -> str:
        """The first line, then ``source_line`` (the text of line ``span.line``) and carets
        under the part of the span on that line."""
        if source_line is None or self.span.line < 1:
            return str(self)
        shown, span = window(source_line, self.span)
        return f"{self}\n{shown}\n{caret_line(shown, span)}"


def window(source_line: str, span: Span, width: int = SHOWN_WIDTH) -> tuple[str, Span]:
    """The part of a long line worth showing (centred on the span's start) and the span moved
    to match; short lines come back unchanged."""
    if len(source_line) <= width:
        return source_line, span
    first = max(0, min(span.column - 1 - width // 2, len(source_line) - width))
    prefix = "…" if first else ""
    suffix = "…" if first + width < len(source_line) else ""
    shift = len(prefix) - first
    end_column = span.end_column if span.end_line == span.line else len(source_line) + 1
    end_column = min(end_column + shift, width + len(prefix) + 1)
    moved = Span(span.line, span.column + shift, span.line, end_column)
    return prefix + source_line[first : first + width] + suffix, moved


def caret_line(source_line: str, span: Span) -> str:
    """Spaces (tabs where the source has tabs) up to the span's column, then ``^`` under each
    character of the span on its first line (at least one)."""
    start = max(span.column - 1, 0)
    end = span.end_column - 1 if span.end_line == span.line else len(source_line)
    padding = "".join("\t" if ch == "\t" else " " for ch in source_line[:start])
    return padding + "^" * max(end - start, 1)


def error(message: str, span: Span, filename: str = "<input>") -> Diagnostic:
    return Diagnostic(Severity.ERROR, message, span, filename)


def warning(message: str, span: Span, filename: str = "<input>") -> Diagnostic:
    return Diagnostic(Severity.WARNING, message, span, filename)


def split_lines(source: str) -> list[str]:
    """The lines of ``source`` as the lexer counts them: LF, CR LF and CR end a line (with
    ``str.splitlines``, form feeds and other separators would too)."""
    return source.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_diagnostics(diagnostics: Iterable[Diagnostic], source: str | None = None) -> str:
    """All diagnostics of one file, each with its source line and carets, one after the other."""
    lines = split_lines(source) if source is not None else []
    parts = []
    for diagnostic in diagnostics:
        line_number = diagnostic.span.line
        text = lines[line_number - 1] if 0 < line_number <= len(lines) else None
        parts.append(diagnostic.format(text))
    return "\n".join(parts)
