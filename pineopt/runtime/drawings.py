"""Drawings: ``label``, ``line``, ``box``, ``table``, ``polyline``, ``linefill``, ``chart.point``.

One :class:`Drawings` registry per run records every object a script creates, with all its
properties, for the UI to draw later (:meth:`Drawings.snapshot`). The Pine functions are methods
of namespace objects bound to the registry::

    drawings = Drawings(max_labels_count=100, version=6)
    ns = DrawingNamespaces(drawings)
    for i in range(n):
        drawings.set_bar(i, time[i], close[i])           # once per bar, before the script body
        lbl = ns.label.new(i, high[i], "hi")             # or ns.label.new(point, "hi")
        ns.label.set_color(lbl, red)
    fns = FUNCTIONS(drawings)                            # {"label.new": ..., "table.cell": ...}

Conventions (runtime rules of ``pineopt.runtime``): an ``na`` object is ``None``; constants are
the strings of their full Pine names (``"xloc.bar_index"``); colours are
:class:`~pineopt.runtime.pine_color.Color` or ``None``. Objects are references (identity
equality), as in Pine.

Choices where TradingView's documentation is silent or was not available to check [unsure]:

* **na ids.** A setter, ``delete``, ``table.cell*``/``clear``/``merge_cells`` on ``na``
  (``None``) is a no-op - the common ``label.delete(lbl)`` on a still-``na`` ``var`` label must
  work; a getter on ``na`` returns ``na``; ``copy(na)`` is ``na``.
* **Deleted objects.** Setters are no-ops, getters return ``na`` (NaN for numbers, ``None`` for
  strings/objects) and ``copy`` returns ``na``; a deleted object leaves ``*.all`` and
  :meth:`Drawings.snapshot`.
* **Garbage collection.** Creating (or copying) a label/line/box/polyline beyond its
  ``max_*_count`` deletes the oldest live object of that kind, as TradingView does. The counts
  are clamped to 1..500 (polylines 1..100, LANGUAGE-NOTES §17). Tables and linefills have no
  count here (TradingView shows at most one table per ``position.*``; :meth:`snapshot` lists
  them all and the UI keeps the newest per position).
* **Linefills** die with either of their lines (deleted or collected), and ``linefill.new`` on a
  pair of lines that already has a linefill replaces it [recalled from the User Manual].
* **Defaults** given as ``?`` in the signature table: ``label``/``line`` ``color`` is
  ``color.blue`` (as ``box``'s are); ``tooltip`` is ``na``. ``label.new``'s ``textcolor`` is
  ``color.white`` in v6 and ``color.black`` in v5 (``Drawings(version=...)``).
* ``line.get_price`` extends the line both ways (the Reference's rule) and raises
  :class:`~pineopt.errors.PineRuntimeError` for ``xloc.bar_time`` lines; a vertical line
  (``x1 == x2``) gives ``na``.
* ``chart.point.now(price)`` takes ``time``/``index`` (and the default ``price = close``) from
  the bar set by :meth:`Drawings.set_bar`; ``from_index`` leaves ``time`` ``na`` and
  ``from_time`` leaves ``index`` ``na``. Objects built from points use ``point.index`` with
  ``xloc.bar_index`` and ``point.time`` with ``xloc.bar_time``.
* ``polyline.new`` copies the points' coordinates at creation (later changes to the array or the
  points do not move the polyline).
* ``table.cell``/``cell_set_*`` outside the table's columns/rows raise ``PineRuntimeError``
  (PineOpt's wording); ``cell_set_*`` on a cell never filled creates it with ``table.cell``'s
  defaults. ``table.clear`` removes the cells and the merges that start in the range.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from pineopt.errors import PineRuntimeError
from pineopt.runtime.pine_color import Color, constants

__all__ = [
    "FUNCTIONS",
    "KINDS",
    "NAMES",
    "VARIABLES",
    "Box",
    "ChartPoint",
    "Drawing",
    "DrawingNamespaces",
    "Drawings",
    "Label",
    "Line",
    "Linefill",
    "Polyline",
    "Table",
]

NAN = float("nan")
KINDS = ("label", "line", "box", "polyline", "linefill", "table")
_LIMITS = {"label": 500, "line": 500, "box": 500, "polyline": 100}


def _is_na(x: object) -> bool:
    return x is None or (isinstance(x, float) and x != x)


# --- objects ---------------------------------------------------------------------------------


class ChartPoint:
    """A ``chart.point``: fields ``time``, ``index``, ``price`` (mutable, reference semantics)."""

    __slots__ = ("index", "price", "time")

    def __init__(self, time: float = NAN, index: float = NAN, price: float = NAN) -> None:
        self.time = time
        self.index = index
        self.price = price

    def __repr__(self) -> str:
        return f"ChartPoint(time={self.time!r}, index={self.index!r}, price={self.price!r})"


class Drawing:
    """Base of every drawing: ``id`` (unique per registry), creation ``bar_index``, ``props``."""

    kind = ""

    def __init__(self, id: int, bar_index: int, props: dict[str, Any]) -> None:
        self.id = id
        self.bar_index = bar_index
        """The bar the object was created on."""
        self.props = props
        """Pine properties by their ``*.new`` parameter names."""
        self.deleted = False

    def __getattr__(self, name: str) -> Any:
        props = self.__dict__.get("props")
        if props is not None and name in props:
            return props[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        state = " deleted" if self.deleted else ""
        return f"<{self.kind} #{self.id}{state} {self.props!r}>"


class Label(Drawing):
    kind = "label"


class Line(Drawing):
    kind = "line"


class Box(Drawing):
    kind = "box"


class Polyline(Drawing):
    kind = "polyline"


class Linefill(Drawing):
    kind = "linefill"


class Table(Drawing):
    """A ``table``: ``cells[(column, row)]`` -> cell properties; ``merges`` (c0, r0, c1, r1)."""

    kind = "table"

    def __init__(self, id: int, bar_index: int, props: dict[str, Any]) -> None:
        super().__init__(id, bar_index, props)
        self.cells: dict[tuple[int, int], dict[str, Any]] = {}
        self.merges: list[tuple[int, int, int, int]] = []


_CLASSES: dict[str, type[Drawing]] = {
    "label": Label,
    "line": Line,
    "box": Box,
    "polyline": Polyline,
    "linefill": Linefill,
    "table": Table,
}


# --- registry --------------------------------------------------------------------------------


class Drawings:
    """Every drawing object of one run, with TradingView's garbage collection of the oldest."""

    def __init__(
        self,
        max_lines_count: int = 50,
        max_labels_count: int = 50,
        max_boxes_count: int = 50,
        max_polylines_count: int = 50,
        version: int = 6,
    ) -> None:
        def clamp(v: int, kind: str) -> int:
            return max(1, min(int(v), _LIMITS[kind]))

        self.max_count = {
            "label": clamp(max_labels_count, "label"),
            "line": clamp(max_lines_count, "line"),
            "box": clamp(max_boxes_count, "box"),
            "polyline": clamp(max_polylines_count, "polyline"),
        }
        self.version = version
        self.palette = constants(version)
        self.objects: dict[str, list[Drawing]] = {k: [] for k in KINDS}
        """Live objects per kind, oldest first."""
        self._next_id = 0
        self.bar_index = 0
        self.time: float = NAN
        self.close: float = NAN

    def set_bar(self, bar_index: int, time: float = NAN, close: float = NAN) -> None:
        """The bar being executed (creation bar of new objects, ``chart.point.now``)."""
        self.bar_index = bar_index
        self.time = time
        self.close = close

    def create(self, kind: str, props: dict[str, Any]) -> Drawing:
        """A new live object of ``kind``; deletes the oldest beyond the kind's max count."""
        obj = _CLASSES[kind](self._next_id, self.bar_index, props)
        self._next_id += 1
        live = self.objects[kind]
        live.append(obj)
        limit = self.max_count.get(kind)
        while limit is not None and len(live) > limit:
            self.delete(live[0])
        return obj

    def delete(self, obj: Drawing | None) -> None:
        """Delete an object (no-op for ``na`` or an already deleted object)."""
        if obj is None or obj.deleted:
            return
        obj.deleted = True
        self.objects[obj.kind].remove(obj)
        if obj.kind == "line":
            for lf in [lf for lf in self.objects["linefill"] if obj in (lf.line1, lf.line2)]:
                self.delete(lf)

    def all(self, kind: str) -> list[Drawing]:
        """``<kind>.all``: a new list of the live objects of ``kind``, oldest first."""
        return list(self.objects[kind])

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every live object as JSON-able dicts (colours ``#RRGGBBAA``, ``na`` -> ``None``)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for kind in KINDS:
            items = []
            for obj in self.objects[kind]:
                d: dict[str, Any] = {"id": obj.id, "bar_index": obj.bar_index}
                for k, v in obj.props.items():
                    d[k] = _jsonable(v)
                if isinstance(obj, Table):
                    d["cells"] = [
                        {"column": c, "row": r, **{k: _jsonable(v) for k, v in cell.items()}}
                        for (c, r), cell in sorted(obj.cells.items(), key=lambda kv: kv[0][::-1])
                    ]
                    d["merges"] = [list(m) for m in obj.merges]
                items.append(d)
            out[kind + "s" if kind != "box" else "boxes"] = items
        return out


def _hex8(c: Color) -> str:
    return f"#{c.r:02X}{c.g:02X}{c.b:02X}{c.alpha:02X}"


def _jsonable(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Color):
        return _hex8(v)
    if isinstance(v, Drawing):
        return v.id
    if isinstance(v, bool | str):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        v = float(v)
        return None if not math.isfinite(v) else v
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


# --- namespace helpers -----------------------------------------------------------------------


def _live(obj: Drawing | None) -> bool:
    return obj is not None and not obj.deleted


def _get(obj: Drawing | None, prop: str, kind: str = "float") -> Any:
    if not _live(obj):
        return None if kind == "obj" else NAN
    v = obj.props[prop]  # type: ignore[union-attr]
    if kind == "float":
        return NAN if _is_na(v) else float(v)
    if kind == "int":
        return NAN if _is_na(v) else int(v)
    return v


def _setter(pine_name: str, params: tuple[str, ...], props: tuple[str, ...]) -> Callable:
    """A setter ``f(id, *params)`` writing ``props`` (Pine's parameter names as keywords)."""
    first = "table_id" if pine_name.startswith("table.") else "id"
    names = (first, *params)

    def setter(*args: Any, **kwargs: Any) -> None:
        vals = _bind(pine_name, names, args, kwargs)
        obj = vals[0]
        if not _live(obj):
            return
        for p, v in zip(props, vals[1:], strict=True):
            obj.props[p] = v

    setter.__name__ = pine_name.rsplit(".", 1)[1]
    setter.__qualname__ = pine_name
    setter.__doc__ = f"``{pine_name}({', '.join(names)})``."
    return setter


def _bind(
    pine_name: str,
    names: tuple[str, ...],
    args: tuple,
    kwargs: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> list[Any]:
    if len(args) > len(names):
        raise TypeError(f"{pine_name}() takes {len(names)} arguments, got {len(args)}")
    vals = list(args)
    for name in names[len(args) :]:
        if name in kwargs:
            vals.append(kwargs.pop(name))
        elif defaults is not None and name in defaults:
            vals.append(defaults[name])
        else:
            raise TypeError(f"{pine_name}() missing argument {name!r}")
    if kwargs:
        raise TypeError(f"{pine_name}() got unexpected arguments {sorted(kwargs)}")
    return vals


def _point_x(point: ChartPoint | None, xloc: str) -> Any:
    if point is None:
        return NAN
    return point.time if xloc == "xloc.bar_time" else point.index


def _point_setter(
    pine_name: str, xprop: str, yprop: str
) -> Callable[[Drawing | None, ChartPoint | None], None]:
    def setter(id: Drawing | None, point: ChartPoint | None) -> None:
        if not _live(id):
            return
        id.props[xprop] = _point_x(point, id.props["xloc"])  # type: ignore[union-attr]
        id.props[yprop] = NAN if point is None else point.price  # type: ignore[union-attr]

    setter.__name__ = pine_name.rsplit(".", 1)[1]
    setter.__qualname__ = pine_name
    return setter


class _Namespace:
    """Common base: bound to a registry; ``kind`` is the drawing kind."""

    kind = ""

    def __init__(self, drawings: Drawings) -> None:
        self._d = drawings

    def all(self) -> list[Drawing]:
        """``<kind>.all``."""
        return self._d.all(self.kind)

    def delete(self, id: Drawing | None) -> None:
        """``<kind>.delete(id)``."""
        self._d.delete(id)

    def _copy(self, id: Drawing | None) -> Drawing | None:
        if not _live(id):
            return None
        return self._d.create(self.kind, dict(id.props))  # type: ignore[union-attr]


# --- label -----------------------------------------------------------------------------------

_LABEL_OPTS = (
    "text",
    "xloc",
    "yloc",
    "color",
    "style",
    "textcolor",
    "size",
    "textalign",
    "tooltip",
    "text_font_family",
    "force_overlay",
    "text_formatting",
)


class LabelNamespace(_Namespace):
    """``label.*``."""

    kind = "label"

    def _defaults(self) -> dict[str, Any]:
        p = self._d.palette
        return {
            "text": "",
            "xloc": "xloc.bar_index",
            "yloc": "yloc.price",
            "color": p["blue"],
            "style": "label.style_label_down",
            "textcolor": p["white"] if self._d.version >= 6 else p["black"],
            "size": "size.normal",
            "textalign": "text.align_center",
            "tooltip": None,
            "text_font_family": "font.family_default",
            "force_overlay": False,
            "text_formatting": "text.format_none",
        }

    def new(self, *args: Any, **kwargs: Any) -> Label:
        """``label.new(x, y, text, ...)`` or ``label.new(point, text, ...)``."""
        defaults = self._defaults()
        first = args[0] if args else kwargs.get("point", kwargs.get("x"))
        if isinstance(first, ChartPoint) or "point" in kwargs:
            vals = _bind("label.new", ("point", *_LABEL_OPTS), args, kwargs, defaults)
            point, opts = vals[0], dict(zip(_LABEL_OPTS, vals[1:], strict=True))
            x = _point_x(point, opts["xloc"])
            y = NAN if point is None else point.price
        else:
            vals = _bind("label.new", ("x", "y", *_LABEL_OPTS), args, kwargs, defaults)
            x, y, opts = vals[0], vals[1], dict(zip(_LABEL_OPTS, vals[2:], strict=True))
        return self._d.create("label", {"x": x, "y": y, **opts})  # type: ignore[return-value]

    def copy(self, id: Label | None) -> Label | None:
        """``label.copy(id)``."""
        return self._copy(id)  # type: ignore[return-value]

    def get_text(self, id: Label | None) -> str | None:
        return _get(id, "text", "obj")

    def get_x(self, id: Label | None) -> float:
        return _get(id, "x", "int")

    def get_y(self, id: Label | None) -> float:
        return _get(id, "y")

    set_color = staticmethod(_setter("label.set_color", ("color",), ("color",)))
    set_point = staticmethod(_point_setter("label.set_point", "x", "y"))
    set_size = staticmethod(_setter("label.set_size", ("size",), ("size",)))
    set_style = staticmethod(_setter("label.set_style", ("style",), ("style",)))
    set_text = staticmethod(_setter("label.set_text", ("text",), ("text",)))
    set_text_font_family = staticmethod(
        _setter("label.set_text_font_family", ("text_font_family",), ("text_font_family",))
    )
    set_text_formatting = staticmethod(
        _setter("label.set_text_formatting", ("text_formatting",), ("text_formatting",))
    )
    set_textalign = staticmethod(_setter("label.set_textalign", ("textalign",), ("textalign",)))
    set_textcolor = staticmethod(_setter("label.set_textcolor", ("textcolor",), ("textcolor",)))
    set_tooltip = staticmethod(_setter("label.set_tooltip", ("tooltip",), ("tooltip",)))
    set_x = staticmethod(_setter("label.set_x", ("x",), ("x",)))
    set_xloc = staticmethod(_setter("label.set_xloc", ("x", "xloc"), ("x", "xloc")))
    set_xy = staticmethod(_setter("label.set_xy", ("x", "y"), ("x", "y")))
    set_y = staticmethod(_setter("label.set_y", ("y",), ("y",)))
    set_yloc = staticmethod(_setter("label.set_yloc", ("yloc",), ("yloc",)))


# --- line ------------------------------------------------------------------------------------

_LINE_OPTS = ("xloc", "extend", "color", "style", "width", "force_overlay")


class LineNamespace(_Namespace):
    """``line.*``."""

    kind = "line"

    def _defaults(self) -> dict[str, Any]:
        return {
            "xloc": "xloc.bar_index",
            "extend": "extend.none",
            "color": self._d.palette["blue"],
            "style": "line.style_solid",
            "width": 1,
            "force_overlay": False,
        }

    def new(self, *args: Any, **kwargs: Any) -> Line:
        """``line.new(x1, y1, x2, y2, ...)`` or ``line.new(first_point, second_point, ...)``."""
        defaults = self._defaults()
        first = args[0] if args else kwargs.get("first_point", kwargs.get("x1"))
        if isinstance(first, ChartPoint) or "first_point" in kwargs:
            names = ("first_point", "second_point", *_LINE_OPTS)
            vals = _bind("line.new", names, args, kwargs, defaults)
            p1, p2, opts = vals[0], vals[1], dict(zip(_LINE_OPTS, vals[2:], strict=True))
            x1, x2 = _point_x(p1, opts["xloc"]), _point_x(p2, opts["xloc"])
            y1 = NAN if p1 is None else p1.price
            y2 = NAN if p2 is None else p2.price
        else:
            vals = _bind("line.new", ("x1", "y1", "x2", "y2", *_LINE_OPTS), args, kwargs, defaults)
            x1, y1, x2, y2 = vals[:4]
            opts = dict(zip(_LINE_OPTS, vals[4:], strict=True))
        props = {"x1": x1, "y1": y1, "x2": x2, "y2": y2, **opts}
        return self._d.create("line", props)  # type: ignore[return-value]

    def copy(self, id: Line | None) -> Line | None:
        """``line.copy(id)``."""
        return self._copy(id)  # type: ignore[return-value]

    def get_price(self, id: Line | None, x: int) -> float:
        """Price of the line (extended both ways) at bar index ``x``."""
        if not _live(id) or _is_na(x):
            return NAN
        p = id.props  # type: ignore[union-attr]
        if p["xloc"] != "xloc.bar_index":
            raise PineRuntimeError("line.get_price() works only with lines using xloc.bar_index")
        x1, y1, x2, y2 = p["x1"], p["y1"], p["x2"], p["y2"]
        if any(_is_na(v) for v in (x1, y1, x2, y2)) or x1 == x2:
            return NAN
        return float(y1 + (y2 - y1) * (x - x1) / (x2 - x1))

    def get_x1(self, id: Line | None) -> float:
        return _get(id, "x1", "int")

    def get_x2(self, id: Line | None) -> float:
        return _get(id, "x2", "int")

    def get_y1(self, id: Line | None) -> float:
        return _get(id, "y1")

    def get_y2(self, id: Line | None) -> float:
        return _get(id, "y2")

    set_color = staticmethod(_setter("line.set_color", ("color",), ("color",)))
    set_extend = staticmethod(_setter("line.set_extend", ("extend",), ("extend",)))
    set_first_point = staticmethod(_point_setter("line.set_first_point", "x1", "y1"))
    set_second_point = staticmethod(_point_setter("line.set_second_point", "x2", "y2"))
    set_style = staticmethod(_setter("line.set_style", ("style",), ("style",)))
    set_width = staticmethod(_setter("line.set_width", ("width",), ("width",)))
    set_x1 = staticmethod(_setter("line.set_x1", ("x",), ("x1",)))
    set_x2 = staticmethod(_setter("line.set_x2", ("x",), ("x2",)))
    set_xloc = staticmethod(_setter("line.set_xloc", ("x1", "x2", "xloc"), ("x1", "x2", "xloc")))
    set_xy1 = staticmethod(_setter("line.set_xy1", ("x", "y"), ("x1", "y1")))
    set_xy2 = staticmethod(_setter("line.set_xy2", ("x", "y"), ("x2", "y2")))
    set_y1 = staticmethod(_setter("line.set_y1", ("y",), ("y1",)))
    set_y2 = staticmethod(_setter("line.set_y2", ("y",), ("y2",)))


# --- box -------------------------------------------------------------------------------------

_BOX_OPTS = (
    "border_color",
    "border_width",
    "border_style",
    "extend",
    "xloc",
    "bgcolor",
    "text",
    "text_size",
    "text_color",
    "text_halign",
    "text_valign",
    "text_wrap",
    "text_font_family",
    "force_overlay",
    "text_formatting",
)


class BoxNamespace(_Namespace):
    """``box.*``."""

    kind = "box"

    def _defaults(self) -> dict[str, Any]:
        p = self._d.palette
        return {
            "border_color": p["blue"],
            "border_width": 1,
            "border_style": "line.style_solid",
            "extend": "extend.none",
            "xloc": "xloc.bar_index",
            "bgcolor": p["blue"],
            "text": "",
            "text_size": "size.auto",
            "text_color": p["black"],
            "text_halign": "text.align_center",
            "text_valign": "text.align_center",
            "text_wrap": "text.wrap_none",
            "text_font_family": "font.family_default",
            "force_overlay": False,
            "text_formatting": "text.format_none",
        }

    def new(self, *args: Any, **kwargs: Any) -> Box:
        """``box.new(left, top, right, bottom, ...)``/``box.new(top_left, bottom_right, ...)``.

        Both overloads; the first argument decides which.
        """
        defaults = self._defaults()
        first = args[0] if args else kwargs.get("top_left", kwargs.get("left"))
        if isinstance(first, ChartPoint) or "top_left" in kwargs:
            names = ("top_left", "bottom_right", *_BOX_OPTS)
            vals = _bind("box.new", names, args, kwargs, defaults)
            tl, br, opts = vals[0], vals[1], dict(zip(_BOX_OPTS, vals[2:], strict=True))
            left, right = _point_x(tl, opts["xloc"]), _point_x(br, opts["xloc"])
            top = NAN if tl is None else tl.price
            bottom = NAN if br is None else br.price
        else:
            names = ("left", "top", "right", "bottom", *_BOX_OPTS)
            vals = _bind("box.new", names, args, kwargs, defaults)
            left, top, right, bottom = vals[:4]
            opts = dict(zip(_BOX_OPTS, vals[4:], strict=True))
        props = {"left": left, "top": top, "right": right, "bottom": bottom, **opts}
        return self._d.create("box", props)  # type: ignore[return-value]

    def copy(self, id: Box | None) -> Box | None:
        """``box.copy(id)``."""
        return self._copy(id)  # type: ignore[return-value]

    def get_bottom(self, id: Box | None) -> float:
        return _get(id, "bottom")

    def get_left(self, id: Box | None) -> float:
        return _get(id, "left", "int")

    def get_right(self, id: Box | None) -> float:
        return _get(id, "right", "int")

    def get_top(self, id: Box | None) -> float:
        return _get(id, "top")

    set_bgcolor = staticmethod(_setter("box.set_bgcolor", ("color",), ("bgcolor",)))
    set_border_color = staticmethod(_setter("box.set_border_color", ("color",), ("border_color",)))
    set_border_style = staticmethod(_setter("box.set_border_style", ("style",), ("border_style",)))
    set_border_width = staticmethod(_setter("box.set_border_width", ("width",), ("border_width",)))
    set_bottom = staticmethod(_setter("box.set_bottom", ("bottom",), ("bottom",)))
    set_bottom_right_point = staticmethod(
        _point_setter("box.set_bottom_right_point", "right", "bottom")
    )
    set_extend = staticmethod(_setter("box.set_extend", ("extend",), ("extend",)))
    set_left = staticmethod(_setter("box.set_left", ("left",), ("left",)))
    set_lefttop = staticmethod(_setter("box.set_lefttop", ("left", "top"), ("left", "top")))
    set_right = staticmethod(_setter("box.set_right", ("right",), ("right",)))
    set_rightbottom = staticmethod(
        _setter("box.set_rightbottom", ("right", "bottom"), ("right", "bottom"))
    )
    set_text = staticmethod(_setter("box.set_text", ("text",), ("text",)))
    set_text_color = staticmethod(_setter("box.set_text_color", ("text_color",), ("text_color",)))
    set_text_font_family = staticmethod(
        _setter("box.set_text_font_family", ("text_font_family",), ("text_font_family",))
    )
    set_text_formatting = staticmethod(
        _setter("box.set_text_formatting", ("text_formatting",), ("text_formatting",))
    )
    set_text_halign = staticmethod(
        _setter("box.set_text_halign", ("text_halign",), ("text_halign",))
    )
    set_text_size = staticmethod(_setter("box.set_text_size", ("text_size",), ("text_size",)))
    set_text_valign = staticmethod(
        _setter("box.set_text_valign", ("text_valign",), ("text_valign",))
    )
    set_text_wrap = staticmethod(_setter("box.set_text_wrap", ("text_wrap",), ("text_wrap",)))
    set_top = staticmethod(_setter("box.set_top", ("top",), ("top",)))
    set_top_left_point = staticmethod(_point_setter("box.set_top_left_point", "left", "top"))
    set_xloc = staticmethod(
        _setter("box.set_xloc", ("left", "right", "xloc"), ("left", "right", "xloc"))
    )


# --- polyline / linefill ---------------------------------------------------------------------

_UNSET: Any = object()


class PolylineNamespace(_Namespace):
    """``polyline.*``."""

    kind = "polyline"

    def new(
        self,
        points: list[ChartPoint] | None,
        curved: bool = False,
        closed: bool = False,
        xloc: str = "xloc.bar_index",
        line_color: Any = _UNSET,
        fill_color: Color | None = None,
        line_style: str = "line.style_solid",
        line_width: int = 1,
        force_overlay: bool = False,
    ) -> Polyline:
        """``polyline.new(points, ...)``; ``line_color`` defaults to ``color.blue``."""
        if line_color is _UNSET:
            line_color = self._d.palette["blue"]
        pts = [
            {"time": p.time, "index": p.index, "price": p.price}
            for p in (points or [])
            if p is not None
        ]
        props = {
            "points": pts,
            "curved": curved,
            "closed": closed,
            "xloc": xloc,
            "line_color": line_color,
            "fill_color": fill_color,
            "line_style": line_style,
            "line_width": line_width,
            "force_overlay": force_overlay,
        }
        return self._d.create("polyline", props)  # type: ignore[return-value]


class LinefillNamespace(_Namespace):
    """``linefill.*``."""

    kind = "linefill"

    def new(self, line1: Line | None, line2: Line | None, color: Color | None) -> Linefill | None:
        """``linefill.new``; replaces an existing linefill of the same two lines."""
        if not (_live(line1) and _live(line2)):
            return None
        for lf in self._d.all("linefill"):
            if {id(lf.line1), id(lf.line2)} == {id(line1), id(line2)}:
                self._d.delete(lf)
        props = {"line1": line1, "line2": line2, "color": color}
        return self._d.create("linefill", props)  # type: ignore[return-value]

    def get_line1(self, id: Linefill | None) -> Line | None:
        return _get(id, "line1", "obj")

    def get_line2(self, id: Linefill | None) -> Line | None:
        return _get(id, "line2", "obj")

    set_color = staticmethod(_setter("linefill.set_color", ("color",), ("color",)))


# --- table -----------------------------------------------------------------------------------

_CELL_OPTS = (
    "text",
    "width",
    "height",
    "text_color",
    "text_halign",
    "text_valign",
    "text_size",
    "bgcolor",
    "tooltip",
    "text_font_family",
    "text_formatting",
)


class TableNamespace(_Namespace):
    """``table.*``."""

    kind = "table"

    def new(
        self,
        position: str,
        columns: int,
        rows: int,
        bgcolor: Color | None = None,
        frame_color: Color | None = None,
        frame_width: int = 0,
        border_color: Color | None = None,
        border_width: int = 0,
        force_overlay: bool = False,
    ) -> Table:
        """``table.new(position, columns, rows, ...)``."""
        if _is_na(columns) or _is_na(rows) or columns < 1 or rows < 1:
            raise PineRuntimeError(
                f"table.new(): columns and rows must be at least 1, got {columns} and {rows}"
            )
        props = {
            "position": position,
            "columns": int(columns),
            "rows": int(rows),
            "bgcolor": bgcolor,
            "frame_color": frame_color,
            "frame_width": frame_width,
            "border_color": border_color,
            "border_width": border_width,
            "force_overlay": force_overlay,
        }
        return self._d.create("table", props)  # type: ignore[return-value]

    def _cell_defaults(self) -> dict[str, Any]:
        return {
            "text": "",
            "width": 0,
            "height": 0,
            "text_color": self._d.palette["black"],
            "text_halign": "text.align_center",
            "text_valign": "text.align_center",
            "text_size": "size.normal",
            "bgcolor": None,
            "tooltip": None,
            "text_font_family": "font.family_default",
            "text_formatting": "text.format_none",
        }

    @staticmethod
    def _check(t: Table, column: Any, row: Any, fn: str) -> tuple[int, int]:
        nc, nr = t.props["columns"], t.props["rows"]
        if _is_na(column) or _is_na(row) or not (0 <= column < nc and 0 <= row < nr):
            raise PineRuntimeError(
                f"{fn}(): cell (column {column}, row {row}) is outside the table "
                f"of {nc} columns and {nr} rows"
            )
        return int(column), int(row)

    def cell(
        self, table_id: Table | None, column: int, row: int, *args: Any, **kwargs: Any
    ) -> None:
        """``table.cell(table_id, column, row, text, width, height, ...)``."""
        opts = _bind("table.cell", _CELL_OPTS, args, kwargs, self._cell_defaults())
        if not _live(table_id):
            return
        c, r = self._check(table_id, column, row, "table.cell")  # type: ignore[arg-type]
        table_id.cells[(c, r)] = dict(zip(_CELL_OPTS, opts, strict=True))  # type: ignore[union-attr]

    def _cell_set(self, prop: str) -> Callable:
        fn = f"table.cell_set_{prop}"

        def setter(*args: Any, **kwargs: Any) -> None:
            t, column, row, value = _bind(fn, ("table_id", "column", "row", prop), args, kwargs)
            if not _live(t):
                return
            c, r = self._check(t, column, row, fn)
            cell = t.cells.setdefault((c, r), self._cell_defaults())
            cell[prop] = value

        setter.__name__ = f"cell_set_{prop}"
        setter.__qualname__ = fn
        return setter

    def __getattr__(self, name: str) -> Any:
        if name.startswith("cell_set_") and name[9:] in _CELL_OPTS:
            return self._cell_set(name[9:])
        raise AttributeError(name)

    def clear(
        self,
        table_id: Table | None,
        start_column: int,
        start_row: int,
        end_column: int | None = None,
        end_row: int | None = None,
    ) -> None:
        """``table.clear``: remove the cells (and merges starting) in the range."""
        if not _live(table_id):
            return
        t: Table = table_id  # type: ignore[assignment]
        end_column = start_column if _is_na(end_column) else end_column
        end_row = start_row if _is_na(end_row) else end_row
        c0, r0 = self._check(t, start_column, start_row, "table.clear")
        c1, r1 = self._check(t, end_column, end_row, "table.clear")
        if c1 < c0 or r1 < r0:
            raise PineRuntimeError("table.clear(): the end cell is before the start cell")
        for c, r in list(t.cells):
            if c0 <= c <= c1 and r0 <= r <= r1:
                del t.cells[(c, r)]
        t.merges = [m for m in t.merges if not (c0 <= m[0] <= c1 and r0 <= m[1] <= r1)]

    def merge_cells(
        self,
        table_id: Table | None,
        start_column: int,
        start_row: int,
        end_column: int,
        end_row: int,
    ) -> None:
        """``table.merge_cells``: record the merged range (the start cell's content shows)."""
        if not _live(table_id):
            return
        t: Table = table_id  # type: ignore[assignment]
        c0, r0 = self._check(t, start_column, start_row, "table.merge_cells")
        c1, r1 = self._check(t, end_column, end_row, "table.merge_cells")
        if c1 < c0 or r1 < r0:
            raise PineRuntimeError("table.merge_cells(): the end cell is before the start cell")
        t.merges.append((c0, r0, c1, r1))

    set_bgcolor = staticmethod(_setter("table.set_bgcolor", ("bgcolor",), ("bgcolor",)))
    set_border_color = staticmethod(
        _setter("table.set_border_color", ("border_color",), ("border_color",))
    )
    set_border_width = staticmethod(
        _setter("table.set_border_width", ("border_width",), ("border_width",))
    )
    set_frame_color = staticmethod(
        _setter("table.set_frame_color", ("frame_color",), ("frame_color",))
    )
    set_frame_width = staticmethod(
        _setter("table.set_frame_width", ("frame_width",), ("frame_width",))
    )
    set_position = staticmethod(_setter("table.set_position", ("position",), ("position",)))


# --- chart.point -----------------------------------------------------------------------------


class ChartPointNamespace:
    """``chart.point.*``."""

    def __init__(self, drawings: Drawings) -> None:
        self._d = drawings

    @staticmethod
    def copy(id: ChartPoint | None) -> ChartPoint | None:
        return None if id is None else ChartPoint(id.time, id.index, id.price)

    @staticmethod
    def from_index(index: int, price: float) -> ChartPoint:
        return ChartPoint(NAN, index, price)

    @staticmethod
    def from_time(time: int, price: float) -> ChartPoint:
        return ChartPoint(time, NAN, price)

    @staticmethod
    def new(time: int, index: int, price: float) -> ChartPoint:
        return ChartPoint(time, index, price)

    def now(self, price: float | None = None) -> ChartPoint:
        """A point at the current bar; ``price`` defaults to the bar's ``close``."""
        d = self._d
        return ChartPoint(d.time, d.bar_index, d.close if price is None else price)


class _ChartNamespace:
    def __init__(self, drawings: Drawings) -> None:
        self.point = ChartPointNamespace(drawings)


# --- bundle ----------------------------------------------------------------------------------


class DrawingNamespaces:
    """``label``, ``line``, ``box``, ``table``, ``polyline``, ``linefill``, ``chart.point``."""

    def __init__(self, drawings: Drawings) -> None:
        self.drawings = drawings
        self.label = LabelNamespace(drawings)
        self.line = LineNamespace(drawings)
        self.box = BoxNamespace(drawings)
        self.table = TableNamespace(drawings)
        self.polyline = PolylineNamespace(drawings)
        self.linefill = LinefillNamespace(drawings)
        self.chart = _ChartNamespace(drawings)


_FUNCTION_NAMES: dict[str, tuple[str, ...]] = {
    "label": (
        "copy", "delete", "get_text", "get_x", "get_y", "new", "set_color", "set_point",
        "set_size", "set_style", "set_text", "set_text_font_family", "set_text_formatting",
        "set_textalign", "set_textcolor", "set_tooltip", "set_x", "set_xloc", "set_xy", "set_y",
        "set_yloc",
    ),
    "line": (
        "copy", "delete", "get_price", "get_x1", "get_x2", "get_y1", "get_y2", "new",
        "set_color", "set_extend", "set_first_point", "set_second_point", "set_style",
        "set_width", "set_x1", "set_x2", "set_xloc", "set_xy1", "set_xy2", "set_y1", "set_y2",
    ),
    "box": (
        "copy", "delete", "get_bottom", "get_left", "get_right", "get_top", "new", "set_bgcolor",
        "set_border_color", "set_border_style", "set_border_width", "set_bottom",
        "set_bottom_right_point", "set_extend", "set_left", "set_lefttop", "set_right",
        "set_rightbottom", "set_text", "set_text_color", "set_text_font_family",
        "set_text_formatting", "set_text_halign", "set_text_size", "set_text_valign",
        "set_text_wrap", "set_top", "set_top_left_point", "set_xloc",
    ),
    "table": (
        "cell", "cell_set_bgcolor", "cell_set_height", "cell_set_text", "cell_set_text_color",
        "cell_set_text_font_family", "cell_set_text_formatting", "cell_set_text_halign",
        "cell_set_text_size", "cell_set_text_valign", "cell_set_tooltip", "cell_set_width",
        "clear", "delete", "merge_cells", "new", "set_bgcolor", "set_border_color",
        "set_border_width", "set_frame_color", "set_frame_width", "set_position",
    ),
    "polyline": ("delete", "new"),
    "linefill": ("delete", "get_line1", "get_line2", "new", "set_color"),
    "chart.point": ("copy", "from_index", "from_time", "new", "now"),
}  # fmt: skip


NAMES: frozenset[str] = frozenset(
    [f"{prefix}.{name}" for prefix, names in _FUNCTION_NAMES.items() for name in names]
    + [f"{k}.all" for k in KINDS]
)
"""Every Pine function and ``*.all`` variable name this module implements."""


def FUNCTIONS(drawings: Drawings) -> dict[str, Callable[..., Any]]:
    """Every ``label.*``/``line.*``/``box.*``/``table.*``/``polyline.*``/``linefill.*``/
    ``chart.point.*`` function by its Pine name, bound to ``drawings``."""
    ns = DrawingNamespaces(drawings)
    out: dict[str, Callable[..., Any]] = {}
    for prefix, names in _FUNCTION_NAMES.items():
        target = ns.chart.point if prefix == "chart.point" else getattr(ns, prefix)
        for name in names:
            out[f"{prefix}.{name}"] = getattr(target, name)
    return out


def VARIABLES(drawings: Drawings) -> dict[str, Callable[[], list[Drawing]]]:
    """``label.all`` ... ``table.all`` as zero-argument callables returning a new list."""
    return {f"{k}.all": (lambda k=k: drawings.all(k)) for k in KINDS}
