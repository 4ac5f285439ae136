"""What a script's plot-type calls record during a run: plots, shapes, candles, colours, alerts.

One :class:`Outputs` per run of ``n_bars`` bars. Every plot-type call of the script is a
*declaration* (``[toplevel]`` in the signature table): the compiler registers it once, before
the bar loop, and gets back a record that it fills per bar or at once::

    outputs = Outputs(n_bars)
    p = outputs.plot(title="fast", color=SERIES, linewidth=2)    # registration, no series yet
    for i in range(n_bars):                                      # bar loop ...
        p.values[i] = fast
        p.colors[i] = color_value
    p.set_all(fast_array)                                        # ... or the vector path

Registration methods carry Pine's parameters by Pine's names and order, *minus the per-bar
series arguments* (``series`` of ``plot``, ``open/high/low/close`` of ``plotcandle``,
``condition`` of ``alertcondition``). Constants (``plot.style_line``, ``display.all``,
``location.abovebar`` ...) are the strings of their full Pine names.

**Colours.** A colour argument is either a fixed value (a :class:`Color` or ``None`` for
``na``) or the marker :data:`SERIES`, which says the colour changes per bar: the record then
gets a per-bar list (preset to ``None``) in ``record.series_colors[param]``; the ``color``
parameter's list is also ``record.colors``. ``bgcolor``/``barcolor`` take ``color=SERIES`` too.

**Plot counts** (LANGUAGE-NOTES §16/§17, TradingView's User Manual "Limitations"): a script may
use 64. ``plot`` costs 1 (+1 with a series ``color``); ``plotshape``/``plotchar`` 1 (+1 per
series ``color``/``textcolor`` - the ``textcolor`` share is [unsure]); ``plotarrow`` 1 (+1 per
series ``colorup``/``colordown``); ``plotbar`` 4 (+1 series ``color``); ``plotcandle`` 4 (+1
each for series ``color``/``wickcolor``/``bordercolor``); ``bgcolor``/``barcolor`` 1; ``fill``
1 only with a series colour; ``hline``/``alertcondition`` 0. Going over 64 raises
:class:`~pineopt.errors.PineRuntimeError` at registration (TradingView reports it when the
script is added; the wording here is PineOpt's).

**Column names** (:meth:`Outputs.columns`, :meth:`Outputs.frame`): a plot's title; an untitled
``plot`` is ``"Plot"`` as in TradingView's "Export chart data" (see
``shared/data/pynecore_tv/security/advance_decline_ratio.csv``). Untitled ``plotshape``,
``plotchar``, ``plotarrow``, ``plotcandle``, ``plotbar`` are ``"Shapes"``, ``"Chars"``,
``"Arrows"``, ``"Candles"``, ``"Bars"`` - the names TradingView's Style tab gives them [recalled,
unverified in an export]. ``plotcandle``/``plotbar`` give four columns ``"<title> open"``,
``" high"``, ``" low"``, ``" close"`` [PineOpt's choice; no export seen]. TradingView's export
repeats a header when two plots share a title (``base/time.csv`` has a plot titled ``time`` next
to the bar's ``time``); a DataFrame needs unique names, so duplicates are renamed the way
``pandas.read_csv`` renames repeated headers - ``Plot``, ``Plot.1``, ``Plot.2`` - so that our
frame lines up with ``pd.read_csv`` of a TradingView export.

**Values in the frame.** ``na`` (NaN or ``None``) becomes NaN, ``bool`` becomes 1.0/0.0 (the
exports show ``plot(bool)`` as 1/0, ``ta/cross.csv``; ``plotshape``/``plotchar`` of a bool are
recorded the same way). A non-zero ``offset`` shifts the column as it is displayed (value of bar
``i`` shown at bar ``i + offset``; what falls outside the bars is dropped) [PineOpt's reading of
the export; unverified]; ``frame(index, offsets=False)`` gives the unshifted values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pineopt.errors import PineRuntimeError
from pineopt.runtime.pine_color import Color

__all__ = [
    "MAX_PLOT_COUNT",
    "SERIES",
    "Alert",
    "AlertCondition",
    "Background",
    "Candle",
    "Fill",
    "HLine",
    "OutputRecord",
    "Outputs",
    "Plot",
    "Shape",
]

MAX_PLOT_COUNT = 64
"""TradingView's limit of plot counts per script."""

NAN = float("nan")


class _SeriesMarker:
    """The type of :data:`SERIES`."""

    _instance: _SeriesMarker | None = None

    def __new__(cls) -> _SeriesMarker:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SERIES"


SERIES = _SeriesMarker()
"""Pass as a colour argument at registration when that colour is a ``series`` (per bar)."""

ColorArg = Color | _SeriesMarker | None
"""A registration colour: fixed (``Color``), ``na`` (``None``) or per bar (:data:`SERIES`)."""


def _is_series(value: object) -> bool:
    return value is SERIES


def _fill_list(values: Any, n: int, what: str) -> list:
    """A list of ``n`` values from an array/sequence of length ``n`` or a scalar."""
    if isinstance(values, np.ndarray | list | tuple | pd.Series):
        out = list(np.asarray(values).tolist()) if isinstance(values, np.ndarray) else list(values)
        if len(out) != n:
            raise ValueError(f"{what}: expected {n} values, got {len(out)}")
        return out
    return [values] * n


def _to_float_array(values: list) -> np.ndarray:
    """Floats for a frame column: ``None``/NaN -> NaN, bool -> 1.0/0.0 (numpy converts each
    value as ``float()`` does, ``None`` to NaN)."""
    return np.array(values, dtype=float)


def _shift(arr: np.ndarray, offset: int) -> np.ndarray:
    if not offset:
        return arr
    out = np.full_like(arr, NAN)
    n = len(arr)
    if abs(offset) >= n:
        return out
    if offset > 0:
        out[offset:] = arr[: n - offset]
    else:
        out[: n + offset] = arr[-offset:]
    return out


# --- records ---------------------------------------------------------------------------------


class OutputRecord:
    """One registered plot-type call: its kind, title, Pine parameters and per-bar data."""

    kind: str = ""
    default_title: str | None = None
    value_fields: tuple[str, ...] = ()
    """Names of the per-bar value lists (``values`` or ``open/high/low/close``)."""
    color_params: tuple[str, ...] = ()
    """Parameters that are colours (a fixed value or :data:`SERIES`)."""

    def __init__(self, n_bars: int, order: int, params: dict[str, Any]) -> None:
        self.n_bars = n_bars
        self.order = order
        """Declaration order among all records of the run (0-based)."""
        self.params = params
        """Pine parameters as registered (colours given as :data:`SERIES` stay ``SERIES``)."""
        self.title: str | None = params.get("title")
        self.series_colors: dict[str, list] = {
            p: [None] * n_bars for p in self.color_params if _is_series(params.get(p))
        }
        for name in self.value_fields:
            setattr(self, name, [NAN] * n_bars)

    @property
    def colors(self) -> list | None:
        """Per-bar ``color`` (``None`` = na) when ``color`` was registered as :data:`SERIES`."""
        return self.series_colors.get("color")

    @property
    def display_title(self) -> str | None:
        """The title, or TradingView's name of an untitled output of this kind."""
        return self.title if self.title is not None else self.default_title

    def plot_count(self) -> int:
        """This call's share of the 64 plot counts."""
        return 0

    def column_parts(self) -> list[tuple[str, str]]:
        """(column base name, value field) pairs for the frame; empty if not value-carrying."""
        return []

    def set_colors(self, param: str, colors: Any) -> None:
        """Set a series colour for all bars at once (sequence of ``Color``/``None`` or a scalar)."""
        if param not in self.series_colors:
            raise KeyError(f"{self.kind}: {param!r} was not registered as SERIES")
        self.series_colors[param] = _fill_list(colors, self.n_bars, f"{self.kind}.{param}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind} {self.display_title!r}>"


class Plot(OutputRecord):
    """``plot()``: ``values`` per bar (preset NaN)."""

    kind = "plot"
    default_title = "Plot"
    value_fields = ("values",)
    color_params = ("color",)
    values: list

    def set_all(self, values: Any) -> None:
        """All bars at once from an array of length ``n_bars`` (or a scalar)."""
        self.values = _fill_list(values, self.n_bars, self.kind)

    def plot_count(self) -> int:
        return 1 + len(self.series_colors)

    def column_parts(self) -> list[tuple[str, str]]:
        return [(self.display_title or "Plot", "values")]


class Shape(Plot):
    """``plotshape()``, ``plotchar()``, ``plotarrow()``: the series per bar in ``values``."""

    kind = "plotshape"
    default_title = "Shapes"

    def __init__(self, kind: str, n_bars: int, order: int, params: dict[str, Any]) -> None:
        self.kind = kind
        self.default_title = {"plotshape": "Shapes", "plotchar": "Chars", "plotarrow": "Arrows"}[
            kind
        ]
        self.color_params = (
            ("colorup", "colordown") if kind == "plotarrow" else ("color", "textcolor")
        )
        super().__init__(n_bars, order, params)


class Candle(OutputRecord):
    """``plotcandle()``/``plotbar()``: ``open``, ``high``, ``low``, ``close`` per bar."""

    value_fields = ("open", "high", "low", "close")
    open: list
    high: list
    low: list
    close: list

    def __init__(self, kind: str, n_bars: int, order: int, params: dict[str, Any]) -> None:
        self.kind = kind
        self.default_title = "Candles" if kind == "plotcandle" else "Bars"
        self.color_params = (
            ("color", "wickcolor", "bordercolor") if kind == "plotcandle" else ("color",)
        )
        super().__init__(n_bars, order, params)

    def set_all(self, open: Any, high: Any, low: Any, close: Any) -> None:
        """All bars at once (arrays of length ``n_bars`` or scalars)."""
        for name, v in (("open", open), ("high", high), ("low", low), ("close", close)):
            setattr(self, name, _fill_list(v, self.n_bars, f"{self.kind}.{name}"))

    def plot_count(self) -> int:
        return 4 + len(self.series_colors)

    def column_parts(self) -> list[tuple[str, str]]:
        base = self.display_title or "Candles"
        return [(f"{base} {f}", f) for f in self.value_fields]


class Background(OutputRecord):
    """``bgcolor()``/``barcolor()``: a colour per bar (``colors`` when registered as SERIES)."""

    color_params = ("color",)

    def __init__(self, kind: str, n_bars: int, order: int, params: dict[str, Any]) -> None:
        self.kind = kind
        super().__init__(n_bars, order, params)

    def set_all(self, colors: Any) -> None:
        """All bars' colours at once."""
        self.set_colors("color", colors)

    def plot_count(self) -> int:
        return 1


class HLine(OutputRecord):
    """``hline()``: a constant price, no per-bar values."""

    kind = "hline"

    @property
    def price(self) -> float:
        return self.params["price"]


class Fill(OutputRecord):
    """``fill()`` between two plots or two hlines (``obj1``/``obj2``); plain or gradient."""

    kind = "fill"
    color_params = ("color", "top_color", "bottom_color")

    def __init__(self, n_bars: int, order: int, params: dict[str, Any]) -> None:
        super().__init__(n_bars, order, params)
        self.obj1: OutputRecord = params.get("plot1") or params.get("hline1")
        self.obj2: OutputRecord = params.get("plot2") or params.get("hline2")
        self.gradient = "top_value" in params
        if self.gradient:
            self.top_value: list = [NAN] * n_bars
            self.bottom_value: list = [NAN] * n_bars

    def plot_count(self) -> int:
        return 1 if self.series_colors else 0


class AlertCondition(OutputRecord):
    """``alertcondition()``: ``values`` is the condition per bar (preset ``False``)."""

    kind = "alertcondition"

    def __init__(self, n_bars: int, order: int, params: dict[str, Any]) -> None:
        super().__init__(n_bars, order, params)
        self.values: list = [False] * n_bars

    def set_all(self, values: Any) -> None:
        self.values = [bool(v) for v in _fill_list(values, self.n_bars, self.kind)]

    @property
    def message(self) -> str | None:
        return self.params.get("message")


@dataclass(frozen=True)
class Alert:
    """One ``alert()`` call that executed on a bar."""

    bar_index: int
    time: int
    """Bar time, ms since the epoch (UTC)."""
    message: str | None
    freq: str


def _dedup(names: list[str]) -> list[str]:
    """Rename repeated names as ``pandas.read_csv`` renames repeated headers.

    The first occurrence keeps its name; a later one becomes ``name.k`` with the smallest
    ``k`` above the previous suffix of that name that is not a header nor already given.
    """
    taken = set(names)
    seen: set[str] = set()
    counts: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        if name not in seen:
            new = name
        else:
            k = counts.get(name, 0)
            while True:
                k += 1
                new = f"{name}.{k}"
                if new not in taken:
                    break
            counts[name] = k
            taken.add(new)
        seen.add(name)
        seen.add(new)
        out.append(new)
    return out


# --- the registry ----------------------------------------------------------------------------


class Outputs:
    """Every plot-type declaration and ``alert()`` event of one run of ``n_bars`` bars."""

    SERIES = SERIES
    """The marker of a colour that changes per bar (also reachable from the instance)."""

    def __init__(self, n_bars: int) -> None:
        if n_bars < 0:
            raise ValueError("n_bars must be >= 0")
        self.n_bars = n_bars
        self.records: list[OutputRecord] = []
        """All registrations in declaration order."""
        self.alerts: list[Alert] = []
        """``alert()`` events in the order they fired."""

    # -- bookkeeping --
    @property
    def plot_count(self) -> int:
        """Plot counts used so far (limit :data:`MAX_PLOT_COUNT`)."""
        return sum(r.plot_count() for r in self.records)

    def _register(self, rec: OutputRecord) -> Any:
        total = self.plot_count + rec.plot_count()
        if total > MAX_PLOT_COUNT:
            raise PineRuntimeError(
                f"Script has too many plots: {total} plot counts, "
                f"the maximum is {MAX_PLOT_COUNT} (at {rec.kind}())"
            )
        self.records.append(rec)
        return rec

    def _order(self) -> int:
        return len(self.records)

    # -- registrations (Pine's parameters minus the per-bar series) --
    def plot(
        self,
        title: str | None = None,
        color: ColorArg = None,
        linewidth: int = 1,
        style: str = "plot.style_line",
        trackprice: bool = False,
        histbase: float = 0.0,
        offset: int = 0,
        join: bool = False,
        editable: bool = True,
        show_last: int | None = None,
        display: str = "display.all",
        format: str | None = None,
        precision: int | None = None,
        force_overlay: bool = False,
        linestyle: str = "plot.linestyle_solid",
        transp: float | None = None,
    ) -> Plot:
        """Register ``plot()``; fill ``.values`` (and ``.colors`` if ``color`` is SERIES)."""
        params = dict(locals())
        params.pop("self")
        return self._register(Plot(self.n_bars, self._order(), params))

    def plotshape(
        self,
        title: str | None = None,
        style: str = "shape.xcross",
        location: str = "location.abovebar",
        color: ColorArg = None,
        offset: int = 0,
        text: str = "",
        textcolor: ColorArg = None,
        editable: bool = True,
        size: str = "size.auto",
        show_last: int | None = None,
        display: str = "display.all",
        format: str | None = None,
        precision: int | None = None,
        force_overlay: bool = False,
        transp: float | None = None,
    ) -> Shape:
        """Register ``plotshape()``; fill ``.values`` with the series (bool or number)."""
        params = dict(locals())
        params.pop("self")
        return self._register(Shape("plotshape", self.n_bars, self._order(), params))

    def plotchar(
        self,
        title: str | None = None,
        char: str | None = None,
        location: str = "location.abovebar",
        color: ColorArg = None,
        offset: int = 0,
        text: str = "",
        textcolor: ColorArg = None,
        editable: bool = True,
        size: str = "size.auto",
        show_last: int | None = None,
        display: str = "display.all",
        format: str | None = None,
        precision: int | None = None,
        force_overlay: bool = False,
        transp: float | None = None,
    ) -> Shape:
        """Register ``plotchar()``; fill ``.values`` with the series (bool or number)."""
        params = dict(locals())
        params.pop("self")
        return self._register(Shape("plotchar", self.n_bars, self._order(), params))

    def plotarrow(
        self,
        title: str | None = None,
        colorup: ColorArg = None,
        colordown: ColorArg = None,
        offset: int = 0,
        minheight: int = 5,
        maxheight: int = 100,
        editable: bool = True,
        show_last: int | None = None,
        display: str = "display.all",
        format: str | None = None,
        precision: int | None = None,
        force_overlay: bool = False,
        transp: float | None = None,
    ) -> Shape:
        """Register ``plotarrow()``; fill ``.values`` with the series."""
        params = dict(locals())
        params.pop("self")
        return self._register(Shape("plotarrow", self.n_bars, self._order(), params))

    def plotbar(
        self,
        title: str | None = None,
        color: ColorArg = None,
        editable: bool = True,
        show_last: int | None = None,
        display: str = "display.all",
        format: str | None = None,
        precision: int | None = None,
        force_overlay: bool = False,
    ) -> Candle:
        """Register ``plotbar()``; fill ``.open/.high/.low/.close``."""
        params = dict(locals())
        params.pop("self")
        return self._register(Candle("plotbar", self.n_bars, self._order(), params))

    def plotcandle(
        self,
        title: str | None = None,
        color: ColorArg = None,
        wickcolor: ColorArg = None,
        editable: bool = True,
        show_last: int | None = None,
        bordercolor: ColorArg = None,
        display: str = "display.all",
        format: str | None = None,
        precision: int | None = None,
        force_overlay: bool = False,
    ) -> Candle:
        """Register ``plotcandle()``; fill ``.open/.high/.low/.close``."""
        params = dict(locals())
        params.pop("self")
        return self._register(Candle("plotcandle", self.n_bars, self._order(), params))

    def bgcolor(
        self,
        color: ColorArg = SERIES,
        offset: int = 0,
        editable: bool = True,
        show_last: int | None = None,
        title: str | None = None,
        display: str = "display.all",
        force_overlay: bool = False,
        transp: float | None = None,
    ) -> Background:
        """Register ``bgcolor()``; with ``color=SERIES`` fill ``.colors`` per bar."""
        params = dict(locals())
        params.pop("self")
        return self._register(Background("bgcolor", self.n_bars, self._order(), params))

    def barcolor(
        self,
        color: ColorArg = SERIES,
        offset: int = 0,
        editable: bool = True,
        show_last: int | None = None,
        title: str | None = None,
        display: str = "display.all",
    ) -> Background:
        """Register ``barcolor()``; with ``color=SERIES`` fill ``.colors`` per bar."""
        params = dict(locals())
        params.pop("self")
        return self._register(Background("barcolor", self.n_bars, self._order(), params))

    def hline(
        self,
        price: float,
        title: str | None = None,
        color: Color | None = None,
        linestyle: str = "hline.style_solid",
        linewidth: int = 1,
        editable: bool = True,
        display: str = "display.all",
    ) -> HLine:
        """Register ``hline()`` (a constant price; counts 0 plots)."""
        params = dict(locals())
        params.pop("self")
        return self._register(HLine(self.n_bars, self._order(), params))

    def fill(
        self,
        obj1: OutputRecord,
        obj2: OutputRecord,
        color: ColorArg = None,
        title: str | None = None,
        editable: bool = True,
        show_last: int | None = None,
        fillgaps: bool = False,
        display: str = "display.all",
        transp: float | None = None,
        *,
        gradient: bool = False,
        top_color: ColorArg = None,
        bottom_color: ColorArg = None,
    ) -> Fill:
        """Register ``fill()`` between two plots or two hlines.

        The first two arguments are the ``plot``/``hline`` records (Pine's ``plot1``/``plot2`` or
        ``hline1``/``hline2``; both keyword spellings are accepted through :meth:`fill_kw`). For
        the gradient form pass ``gradient=True`` with ``top_color``/``bottom_color`` and fill
        ``.top_value``/``.bottom_value`` per bar.
        """
        if type(obj1) is not type(obj2) or not isinstance(obj1, Plot | HLine):
            raise PineRuntimeError("fill() needs two plots or two hlines")
        if isinstance(obj1, Shape):
            raise PineRuntimeError("fill() needs two plots or two hlines")
        a, b = ("plot1", "plot2") if isinstance(obj1, Plot) else ("hline1", "hline2")
        params: dict[str, Any] = {
            a: obj1,
            b: obj2,
            "title": title,
            "editable": editable,
            "show_last": show_last,
            "fillgaps": fillgaps,
            "display": display,
        }
        if gradient:
            params.update(
                top_value=SERIES, bottom_value=SERIES, top_color=top_color,
                bottom_color=bottom_color,
            )  # fmt: skip
        else:
            params.update(color=color, transp=transp)
        return self._register(Fill(self.n_bars, self._order(), params))

    def fill_kw(self, **kwargs: Any) -> Fill:
        """``fill()`` with Pine's keyword names (``plot1=``/``hline1=``, ``top_value=`` ...)."""
        obj1 = kwargs.pop("plot1", None) or kwargs.pop("hline1", None)
        obj2 = kwargs.pop("plot2", None) or kwargs.pop("hline2", None)
        gradient = "top_value" in kwargs or "top_color" in kwargs
        kwargs.pop("top_value", None)
        kwargs.pop("bottom_value", None)
        return self.fill(obj1, obj2, gradient=gradient, **kwargs)

    def alertcondition(
        self, title: str | None = None, message: str | None = None
    ) -> AlertCondition:
        """Register ``alertcondition()``; fill ``.values`` with the condition per bar."""
        params = {"title": title, "message": message}
        return self._register(AlertCondition(self.n_bars, self._order(), params))

    def alert(
        self,
        bar_index: int,
        time_ms: int,
        message: str | None,
        freq: str = "alert.freq_once_per_bar",
    ) -> Alert:
        """Record one ``alert(message, freq)`` call made on bar ``bar_index``."""
        a = Alert(int(bar_index), int(time_ms), message, freq)
        self.alerts.append(a)
        return a

    # -- reading back --
    def value_records(self) -> list[OutputRecord]:
        """The value-carrying records (plot, plotshape/char/arrow, plotcandle/bar) in order."""
        return [r for r in self.records if r.column_parts()]

    def columns(self) -> list[str]:
        """Ordered unique column names of :meth:`frame` (see the module docstring)."""
        bases = [b for rec in self.value_records() for b, _f in rec.column_parts()]
        return _dedup(bases)

    def frame(self, index: Any = None, offsets: bool = True) -> pd.DataFrame:
        """One float column per value-carrying output, named by :meth:`columns`."""
        names = self.columns()
        data: dict[str, np.ndarray] = {}
        parts = [(rec, f) for rec in self.value_records() for _b, f in rec.column_parts()]
        for name, (rec, fld) in zip(names, parts, strict=True):
            arr = _to_float_array(getattr(rec, fld))
            off = rec.params.get("offset") or 0
            if offsets and isinstance(off, int | float) and not math.isnan(off):
                arr = _shift(arr, int(off))
            data[name] = arr
        if index is None:
            index = pd.RangeIndex(self.n_bars)
        return pd.DataFrame(data, index=index, columns=names, dtype=float)

    def alerts_frame(self) -> pd.DataFrame:
        """The ``alert()`` events: columns ``bar_index``, ``time``, ``message``, ``freq``."""
        return pd.DataFrame(
            [(a.bar_index, a.time, a.message, a.freq) for a in self.alerts],
            columns=["bar_index", "time", "message", "freq"],
        )
