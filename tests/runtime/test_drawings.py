"""Drawings: creation (both overloads), defaults, getters/setters, copy, delete, garbage
collection of the oldest, tables, linefills, chart.point, snapshot, and completeness of
``FUNCTIONS`` against the v6 catalogue.

Defaults come from the signature table (``pineopt/lang/data/signatures.txt``); the na/deleted
rules and the ``?`` defaults are PineOpt's documented choices (module docstring).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime.drawings import (
    FUNCTIONS,
    NAMES,
    VARIABLES,
    ChartPoint,
    DrawingNamespaces,
    Drawings,
)
from pineopt.runtime.pine_color import Color, constants

V6 = constants(6)
V5 = constants(5)
RED = Color(255, 0, 0)
TSV = Path(__file__).resolve().parents[2] / "pineopt" / "lang" / "data" / "v6-builtins.tsv"
NAMESPACES = ("label", "line", "box", "table", "polyline", "linefill", "chart.point")


@pytest.fixture
def d() -> Drawings:
    dr = Drawings()
    dr.set_bar(7, 1_700_000_000_000, 101.5)
    return dr


@pytest.fixture
def ns(d: Drawings) -> DrawingNamespaces:
    return DrawingNamespaces(d)


# --- completeness ----------------------------------------------------------------------------


def _catalogue(kind: str) -> set[str]:
    names = set()
    for row in TSV.read_text().splitlines()[1:]:
        name, k, _ns = row.split("\t")[:3]
        if k == kind and any(name.startswith(p + ".") for p in NAMESPACES):
            names.add(name)
    return names


def test_functions_cover_the_catalogue(d: Drawings) -> None:
    expected = _catalogue("function")
    assert len(expected) > 100
    fns = FUNCTIONS(d)
    assert set(fns) == expected
    assert all(callable(f) for f in fns.values())


def test_all_variables_cover_the_catalogue(d: Drawings) -> None:
    assert set(VARIABLES(d)) == _catalogue("variable")


def test_names_lists_functions_and_variables(d: Drawings) -> None:
    assert set(FUNCTIONS(d)) | set(VARIABLES(d)) == NAMES


# --- label -----------------------------------------------------------------------------------


def test_label_new_defaults_v6(ns: DrawingNamespaces) -> None:
    lbl = ns.label.new(3, 10.0)
    assert (lbl.x, lbl.y, lbl.text) == (3, 10.0, "")
    assert lbl.bar_index == 7
    assert lbl.xloc == "xloc.bar_index" and lbl.yloc == "yloc.price"
    assert lbl.style == "label.style_label_down" and lbl.size == "size.normal"
    assert lbl.textcolor == V6["white"] and lbl.color == V6["blue"]
    assert lbl.textalign == "text.align_center" and lbl.tooltip is None
    assert lbl.text_formatting == "text.format_none"


def test_label_textcolor_v5() -> None:
    d5 = Drawings(version=5)
    assert DrawingNamespaces(d5).label.new(0, 1.0).textcolor == V5["black"]


def test_label_point_overload_and_keywords(ns: DrawingNamespaces) -> None:
    p = ns.chart.point.from_index(5, 3.5)
    a = ns.label.new(p, "hi", style="label.style_label_up")
    assert (a.x, a.y, a.text, a.style) == (5, 3.5, "hi", "label.style_label_up")
    tp = ns.chart.point.from_time(1_000, 2.0)
    b = ns.label.new(point=tp, xloc="xloc.bar_time")
    assert (b.x, b.y) == (1_000, 2.0)
    c = ns.label.new(x=1, y=2, text="k", color=RED)
    assert (c.x, c.y, c.text, c.color) == (1, 2, "k", RED)
    with pytest.raises(TypeError):
        ns.label.new(1)  # y missing
    with pytest.raises(TypeError):
        ns.label.new(1, 2.0, bogus=1)


def test_label_getters_setters(ns: DrawingNamespaces) -> None:
    lbl = ns.label.new(1, 2)
    ns.label.set_xy(lbl, 4, 5.5)
    assert ns.label.get_x(lbl) == 4 and ns.label.get_y(lbl) == 5.5
    assert isinstance(ns.label.get_y(lbl), float)
    ns.label.set_text(lbl, "t")
    ns.label.set_color(id=lbl, color=RED)
    ns.label.set_xloc(lbl, 123, "xloc.bar_time")
    ns.label.set_point(lbl, ChartPoint(999, 8, 1.25))
    assert ns.label.get_text(lbl) == "t" and lbl.color == RED
    assert (lbl.x, lbl.y, lbl.xloc) == (999, 1.25, "xloc.bar_time")
    for name, value in [
        ("set_size", "size.large"), ("set_style", "label.style_none"),
        ("set_textalign", "text.align_left"), ("set_textcolor", RED),
        ("set_tooltip", "tip"), ("set_text_font_family", "font.family_monospace"),
        ("set_text_formatting", "text.format_bold"), ("set_yloc", "yloc.abovebar"),
    ]:  # fmt: skip
        getattr(ns.label, name)(lbl, value)
        assert lbl.props[name[4:]] == value
    ns.label.set_x(lbl, 1)
    ns.label.set_y(lbl, 2)
    assert (lbl.x, lbl.y) == (1, 2)


def test_na_and_deleted_objects(ns: DrawingNamespaces, d: Drawings) -> None:
    ns.label.set_text(None, "x")  # no-op
    ns.label.delete(None)
    assert math.isnan(ns.label.get_x(None)) and ns.label.get_text(None) is None
    assert ns.label.copy(None) is None
    lbl = ns.label.new(1, 2, "a")
    ns.label.delete(lbl)
    ns.label.delete(lbl)  # twice is fine
    assert lbl.deleted and d.all("label") == []
    ns.label.set_text(lbl, "b")
    assert lbl.text == "a"
    assert math.isnan(ns.label.get_y(lbl)) and ns.label.get_text(lbl) is None
    assert ns.label.copy(lbl) is None


def test_copy_is_independent(ns: DrawingNamespaces, d: Drawings) -> None:
    a = ns.label.new(1, 2, "a")
    d.set_bar(9)
    b = ns.label.copy(a)
    assert b is not a and b.text == "a" and b.bar_index == 9 and b.id != a.id
    ns.label.set_text(b, "b")
    assert a.text == "a"
    assert d.all("label") == [a, b]


# --- garbage collection ----------------------------------------------------------------------


def test_gc_deletes_oldest_per_kind() -> None:
    d = Drawings(max_labels_count=3, max_lines_count=2)
    ns = DrawingNamespaces(d)
    labels = [ns.label.new(i, float(i)) for i in range(5)]
    assert d.all("label") == labels[2:]
    assert labels[0].deleted and labels[1].deleted and not labels[2].deleted
    lines = [ns.line.new(i, 0, i + 1, 1) for i in range(3)]
    assert d.all("line") == lines[1:] and len(d.all("label")) == 3
    ns.line.copy(lines[1])
    assert d.all("line")[0] is lines[2]


def test_gc_default_and_clamped_limits() -> None:
    d = Drawings(max_labels_count=10_000, max_polylines_count=1_000, max_boxes_count=0)
    assert d.max_count == {"label": 500, "line": 50, "box": 1, "polyline": 100}
    ns = DrawingNamespaces(d)
    for i in range(60):
        ns.line.new(i, 0, i, 1)
    assert len(ns.line.all()) == 50 and ns.line.all()[0].x1 == 10


# --- line ------------------------------------------------------------------------------------


def test_line_new_both_overloads_and_defaults(ns: DrawingNamespaces) -> None:
    ln = ns.line.new(0, 1.0, 10, 2.0)
    assert (ln.x1, ln.y1, ln.x2, ln.y2) == (0, 1.0, 10, 2.0)
    assert ln.xloc == "xloc.bar_index" and ln.extend == "extend.none"
    assert ln.style == "line.style_solid" and ln.width == 1 and ln.color == V6["blue"]
    p1, p2 = ChartPoint(100, 1, 5.0), ChartPoint(200, 2, 6.0)
    a = ns.line.new(p1, p2, width=3)
    assert (a.x1, a.y1, a.x2, a.y2, a.width) == (1, 5.0, 2, 6.0, 3)
    b = ns.line.new(first_point=p1, second_point=p2, xloc="xloc.bar_time")
    assert (b.x1, b.x2) == (100, 200)


def test_line_getters_setters_get_price(ns: DrawingNamespaces) -> None:
    ln = ns.line.new(0, 0.0, 10, 10.0)
    assert ns.line.get_price(ln, 5) == 5.0
    assert ns.line.get_price(ln, 20) == 20.0  # extended both ways
    assert ns.line.get_price(ln, -5) == -5.0
    ns.line.set_xy1(ln, 2, 4.0)
    ns.line.set_xy2(ln, 4, 8.0)
    assert (ns.line.get_x1(ln), ns.line.get_y1(ln)) == (2, 4.0)
    assert (ns.line.get_x2(ln), ns.line.get_y2(ln)) == (4, 8.0)
    ns.line.set_x1(ln, 1)
    ns.line.set_x2(ln, 3)
    ns.line.set_y1(ln, 1.5)
    ns.line.set_y2(ln, 2.5)
    assert (ln.x1, ln.x2, ln.y1, ln.y2) == (1, 3, 1.5, 2.5)
    ns.line.set_first_point(ln, ChartPoint(0, 0, 0.0))
    ns.line.set_second_point(ln, ChartPoint(0, 0, 9.0))
    assert math.isnan(ns.line.get_price(ln, 0))  # vertical
    ns.line.set_color(ln, RED)
    ns.line.set_extend(ln, "extend.both")
    ns.line.set_style(ln, "line.style_dashed")
    ns.line.set_width(ln, 4)
    assert (ln.color, ln.extend, ln.style, ln.width) == (RED, "extend.both", "line.style_dashed", 4)
    ns.line.set_xloc(ln, 1000, 2000, "xloc.bar_time")
    assert (ln.x1, ln.x2, ln.xloc) == (1000, 2000, "xloc.bar_time")
    with pytest.raises(PineRuntimeError):
        ns.line.get_price(ln, 1500)
    assert math.isnan(ns.line.get_price(None, 1))


# --- box -------------------------------------------------------------------------------------


def test_box_new_defaults_getters_setters(ns: DrawingNamespaces) -> None:
    bx = ns.box.new(1, 10.0, 5, 2.0)
    assert bx.border_color == V6["blue"] and bx.bgcolor == V6["blue"]
    assert bx.text_color == V6["black"] and bx.text_size == "size.auto"
    assert bx.text_wrap == "text.wrap_none" and bx.border_width == 1
    assert (ns.box.get_left(bx), ns.box.get_top(bx)) == (1, 10.0)
    assert (ns.box.get_right(bx), ns.box.get_bottom(bx)) == (5, 2.0)
    ns.box.set_lefttop(bx, 0, 11)
    ns.box.set_rightbottom(bx, 6, 1)
    assert (bx.left, bx.top, bx.right, bx.bottom) == (0, 11, 6, 1)
    ns.box.set_top_left_point(bx, ChartPoint(50, 2, 20.0))
    ns.box.set_bottom_right_point(bx, ChartPoint(60, 3, 15.0))
    assert (bx.left, bx.top, bx.right, bx.bottom) == (2, 20.0, 3, 15.0)
    ns.box.set_left(bx, 1)
    ns.box.set_right(bx, 4)
    ns.box.set_top(bx, 9)
    ns.box.set_bottom(bx, 8)
    assert (bx.left, bx.top, bx.right, bx.bottom) == (1, 9, 4, 8)
    ns.box.set_bgcolor(bx, RED)
    ns.box.set_border_color(bx, None)
    ns.box.set_border_style(bx, "line.style_dotted")
    ns.box.set_border_width(bx, 2)
    ns.box.set_text(bx, "t")
    ns.box.set_text_color(bx, RED)
    ns.box.set_text_halign(bx, "text.align_left")
    ns.box.set_text_valign(bx, "text.align_top")
    ns.box.set_text_size(bx, 14)
    ns.box.set_text_wrap(bx, "text.wrap_auto")
    ns.box.set_extend(bx, "extend.right")
    ns.box.set_text_font_family(bx, "font.family_monospace")
    ns.box.set_text_formatting(bx, "text.format_italic")
    ns.box.set_xloc(bx, 10, 20, "xloc.bar_time")
    assert bx.bgcolor == RED and bx.border_color is None and bx.border_width == 2
    assert (bx.text, bx.text_size, bx.extend, bx.xloc) == ("t", 14, "extend.right", "xloc.bar_time")
    tl, br = ChartPoint(1, 2, 3.0), ChartPoint(4, 5, 1.0)
    b2 = ns.box.new(tl, br, bgcolor=None)
    assert (b2.left, b2.top, b2.right, b2.bottom, b2.bgcolor) == (2, 3.0, 5, 1.0, None)
    assert ns.box.copy(b2).top == 3.0


# --- polyline / linefill ---------------------------------------------------------------------


def test_polyline_copies_points(ns: DrawingNamespaces, d: Drawings) -> None:
    pts = [ChartPoint(i, i, float(i)) for i in range(3)]
    pl = ns.polyline.new(pts, closed=True)
    pts[0].price = 99.0
    pts.append(ChartPoint(3, 3, 3.0))
    assert [p["price"] for p in pl.points] == [0.0, 1.0, 2.0]
    assert pl.line_color == V6["blue"] and pl.fill_color is None and pl.closed
    assert ns.polyline.new([], line_color=None).line_color is None
    ns.polyline.delete(pl)
    assert ns.polyline.all() == d.all("polyline") and pl not in ns.polyline.all()


def test_linefill_lifecycle(ns: DrawingNamespaces, d: Drawings) -> None:
    l1, l2, l3 = (ns.line.new(0, float(i), 1, float(i)) for i in range(3))
    lf = ns.linefill.new(l1, l2, RED)
    assert ns.linefill.get_line1(lf) is l1 and ns.linefill.get_line2(lf) is l2
    ns.linefill.set_color(lf, None)
    assert lf.color is None
    lf2 = ns.linefill.new(l2, l1, RED)  # same pair: replaces
    assert lf.deleted and d.all("linefill") == [lf2]
    lf3 = ns.linefill.new(l2, l3, RED)
    ns.line.delete(l1)  # takes its linefill with it
    assert lf2.deleted and d.all("linefill") == [lf3]
    assert ns.linefill.get_line1(lf2) is None
    ns.linefill.delete(lf3)
    assert d.all("linefill") == []
    assert ns.linefill.new(l1, l2, RED) is None  # a deleted line


def test_linefill_dies_with_collected_line() -> None:
    d = Drawings(max_lines_count=2)
    ns = DrawingNamespaces(d)
    a, b = ns.line.new(0, 0, 1, 0), ns.line.new(0, 1, 1, 1)
    ns.linefill.new(a, b, RED)
    ns.line.new(0, 2, 1, 2)  # collects a
    assert a.deleted and d.all("linefill") == []


# --- chart.point -----------------------------------------------------------------------------


def test_chart_point(ns: DrawingNamespaces, d: Drawings) -> None:
    p = ns.chart.point.new(1000, 5, 2.5)
    assert (p.time, p.index, p.price) == (1000, 5, 2.5)
    q = ns.chart.point.copy(p)
    q.price = 3.0
    assert p.price == 2.5 and ns.chart.point.copy(None) is None
    fi = ns.chart.point.from_index(4, 1.0)
    assert math.isnan(fi.time) and fi.index == 4
    ft = ns.chart.point.from_time(99, 1.0)
    assert math.isnan(ft.index) and ft.time == 99
    now = ns.chart.point.now()
    assert (now.time, now.index, now.price) == (1_700_000_000_000, 7, 101.5)
    assert ns.chart.point.now(5.0).price == 5.0


# --- table -----------------------------------------------------------------------------------


def test_table_new_cells_and_setters(ns: DrawingNamespaces) -> None:
    t = ns.table.new("position.top_right", 3, 2, bgcolor=RED)
    assert (t.position, t.columns, t.rows, t.bgcolor, t.frame_width) == (
        "position.top_right", 3, 2, RED, 0,
    )  # fmt: skip
    ns.table.cell(t, 0, 0, "a", text_color=RED)
    ns.table.cell(table_id=t, column=2, row=1, text="b", width=10)
    assert t.cells[(0, 0)]["text"] == "a" and t.cells[(0, 0)]["text_color"] == RED
    c = t.cells[(2, 1)]
    assert (c["width"], c["height"], c["text_size"], c["bgcolor"]) == (10, 0, "size.normal", None)
    assert c["text_color"] == V6["black"] and c["text_halign"] == "text.align_center"
    ns.table.cell_set_text(t, 1, 1, "new")  # creates the cell with defaults
    assert t.cells[(1, 1)]["text"] == "new" and t.cells[(1, 1)]["width"] == 0
    for prop, value in [
        ("bgcolor", RED), ("height", 5), ("text_color", None), ("text_font_family", "f"),
        ("text_formatting", "text.format_bold"), ("text_halign", "text.align_left"),
        ("text_size", 12), ("text_valign", "text.align_top"), ("tooltip", "tt"), ("width", 3),
    ]:  # fmt: skip
        getattr(ns.table, f"cell_set_{prop}")(t, 0, 0, value)
        assert t.cells[(0, 0)][prop] == value
    ns.table.set_bgcolor(t, None)
    ns.table.set_border_color(t, RED)
    ns.table.set_border_width(t, 2)
    ns.table.set_frame_color(t, RED)
    ns.table.set_frame_width(t, 3)
    ns.table.set_position(t, "position.bottom_left")
    assert (t.bgcolor, t.border_width, t.frame_width, t.position) == (
        None, 2, 3, "position.bottom_left",
    )  # fmt: skip


def test_table_bounds_merge_clear_delete(ns: DrawingNamespaces, d: Drawings) -> None:
    t = ns.table.new("position.middle_center", 2, 2)
    with pytest.raises(PineRuntimeError):
        ns.table.cell(t, 2, 0, "x")
    with pytest.raises(PineRuntimeError):
        ns.table.cell_set_text(t, 0, -1, "x")
    with pytest.raises(PineRuntimeError):
        ns.table.new("position.top_left", 0, 1)
    for c in range(2):
        for r in range(2):
            ns.table.cell(t, c, r, f"{c}{r}")
    ns.table.merge_cells(t, 0, 0, 1, 0)
    assert t.merges == [(0, 0, 1, 0)]
    with pytest.raises(PineRuntimeError):
        ns.table.merge_cells(t, 1, 0, 0, 0)
    ns.table.clear(t, 0, 0)  # single cell + the merge starting there
    assert (0, 0) not in t.cells and t.merges == []
    ns.table.clear(t, 0, 0, 1, 1)
    assert t.cells == {}
    ns.table.cell(None, 0, 0, "x")  # na table: no-op
    ns.table.delete(t)
    assert d.all("table") == []
    ns.table.cell(t, 0, 0, "x")  # deleted: no-op
    assert t.cells == {}


# --- all / snapshot --------------------------------------------------------------------------


def test_all_returns_new_list(ns: DrawingNamespaces, d: Drawings) -> None:
    a = ns.label.new(0, 1)
    lst = ns.label.all()
    lst.clear()
    assert d.all("label") == [a] and VARIABLES(d)["label.all"]() == [a]


def test_snapshot_is_json_ready(ns: DrawingNamespaces, d: Drawings) -> None:
    lbl = ns.label.new(1, 2.0, "a", color=Color(255, 0, 0, 50))
    ns.label.new(ns.chart.point.from_time(5, float("nan")), xloc="xloc.bar_time")
    l1, l2 = ns.line.new(0, 1, 2, 3), ns.line.new(0, 2, 2, 4)
    ns.linefill.new(l1, l2, RED)
    ns.box.new(0, 2, 1, 1)
    ns.polyline.new([ChartPoint(1, 2, 3.0)])
    t = ns.table.new("position.top_right", 2, 2)
    ns.table.cell(t, 1, 0, "x", bgcolor=RED)
    ns.table.cell(t, 0, 1, "y")
    ns.table.merge_cells(t, 0, 1, 1, 1)
    gone = ns.label.new(0, 0)
    ns.label.delete(gone)
    snap = d.snapshot()
    text = json.dumps(snap, allow_nan=False)
    back = json.loads(text)
    assert set(back) == {"labels", "lines", "boxes", "polylines", "linefills", "tables"}
    labels = back["labels"]
    assert [x["id"] for x in labels] == [lbl.id, lbl.id + 1]
    assert labels[0]["color"] == "#FF000080" and labels[0]["textcolor"] == "#FFFFFFFF"
    assert labels[0]["bar_index"] == 7 and labels[0]["text"] == "a"
    assert labels[1]["x"] == 5 and labels[1]["y"] is None
    assert back["linefills"][0]["line1"] == l1.id and back["linefills"][0]["color"] == "#FF0000FF"
    assert back["polylines"][0]["points"] == [{"time": 1, "index": 2, "price": 3.0}]
    tab = back["tables"][0]
    assert [(c["column"], c["row"]) for c in tab["cells"]] == [(1, 0), (0, 1)]
    assert tab["cells"][0]["bgcolor"] == "#FF0000FF" and tab["cells"][1]["bgcolor"] is None
    assert tab["merges"] == [[0, 1, 1, 1]]
    assert back["boxes"][0]["bgcolor"] == "#2196F3FF"
