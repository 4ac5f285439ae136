"""Diagnostics: the ``FILE:LINE:COL: severity: message`` line, the source line and the carets."""

from pineopt.lang import parse
from pineopt.lang.diagnostics import (
    Diagnostic,
    Severity,
    caret_line,
    error,
    format_diagnostics,
    split_lines,
    warning,
)
from pineopt.lang.nodes import Span


def test_the_first_line():
    assert str(error("unexpected ')'", Span(4, 12, 4, 13), "a.pine")) == (
        "a.pine:4:12: error: unexpected ')'"
    )
    assert str(warning("deprecated", Span(1, 2, 1, 3))) == "<input>:1:2: warning: deprecated"


def test_format_shows_the_line_and_carets_under_the_span():
    diagnostic = error("unexpected name 'plot'", Span(2, 3, 2, 7), "s.pine")
    assert diagnostic.format("  plot(a)") == (
        "s.pine:2:3: error: unexpected name 'plot'\n  plot(a)\n  ^^^^"
    )


def test_an_empty_span_still_gets_one_caret():
    assert caret_line("x = 1", Span(1, 6, 1, 6)) == "     ^"


def test_a_span_over_several_lines_is_marked_to_the_end_of_its_first_line():
    assert caret_line("s = '''abc", Span(1, 5, 3, 4)) == "    ^^^^^^"


def test_tabs_before_the_column_are_kept_so_carets_line_up():
    assert caret_line("\t\tx = )", Span(1, 7, 1, 8)) == "\t\t    ^"


def test_without_a_source_line_only_the_first_line_is_given():
    diagnostic = Diagnostic(Severity.ERROR, "not a text file", Span(1, 1, 1, 1), "b.bin")
    assert diagnostic.format(None) == "b.bin:1:1: error: not a text file"
    assert diagnostic.is_error and not warning("w", Span(1, 1, 1, 1)).is_error


def test_format_diagnostics_of_a_parse():
    source = '//@version=6\r\nindicator("x")\r\nint[] a = na\r\nb = )\r\n'
    result = parse(source, "t.pine")
    assert result.format_diagnostics() == (
        "t.pine:3:1: warning: 'int[]' is the deprecated array type syntax: write 'array<int>'\n"
        "int[] a = na\n"
        "^^^^^\n"
        "t.pine:4:5: error: unexpected ')'; expected an expression\n"
        "b = )\n"
        "    ^"
    )


def test_lines_are_split_as_the_lexer_counts_them():
    assert split_lines("a\r\nb\rc\fd\n") == ["a", "b", "c\fd", ""]


def test_a_diagnostic_beyond_the_source_has_no_source_line():
    assert format_diagnostics([error("late", Span(9, 1, 9, 1))], "one line") == (
        "<input>:9:1: error: late"
    )


def test_long_source_lines_are_shown_as_a_window_around_the_error():
    line = "x = " + "a + " * 200 + ")"
    column = len(line)
    diagnostic = Diagnostic(
        Severity.ERROR, "unexpected ')'", Span(3, column, 3, column + 1), "s.pine"
    )
    first, shown, carets = diagnostic.format(line).split("\n")
    assert first == f"s.pine:3:{column}: error: unexpected ')'"
    assert shown.startswith("…") and shown.endswith(")") and len(shown) == 121
    assert carets == " " * (len(shown) - 1) + "^"
