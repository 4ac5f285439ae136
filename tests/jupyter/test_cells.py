"""The rule that names a ``%%pine`` cell's lines: Pine line N is the cell's line N + 1."""

from __future__ import annotations

from pineopt.jupyter.cells import format_cell_diagnostics, pine_text, to_cell
from pineopt.lang.diagnostics import error
from pineopt.lang.nodes import NO_SPAN, Span


def test_the_magics_line_is_not_pine():
    assert pine_text("%%pine --data BTCUSDT_1h\n//@version=6\n") == ("//@version=6\n", 1)
    assert pine_text("%%pine_convert\r\nplot(close)") == ("plot(close)", 1)
    assert pine_text("%%pine") == ("", 1)


def test_a_cell_without_the_magic_is_all_pine():
    assert pine_text("//@version=6\n%%pine\n") == ("//@version=6\n%%pine\n", 0)


def test_a_pine_line_moves_down_one_line_and_keeps_its_columns():
    assert to_cell(Span(3, 20, 3, 25)) == Span(4, 20, 4, 25)
    assert to_cell(Span(2, 1, 5, 2), offset=0) == Span(2, 1, 5, 2)
    assert to_cell(NO_SPAN) == NO_SPAN


def test_diagnostics_name_the_cells_line_over_the_pine_source_line():
    source = "//@version=6\nindicator('x')\nplot(ta.sma(clos, 3))\n"
    text = format_cell_diagnostics([error("unknown 'clos'", Span(3, 13, 3, 17), "<cell>")], source)
    assert text == ("<cell>:4:13: error: unknown 'clos'\nplot(ta.sma(clos, 3))\n            ^^^^")
