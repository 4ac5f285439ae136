"""Rich display of PineOpt objects in Jupyter: HTML summaries and interactive Bokeh charts.

Nothing here is a method of a runtime class: :func:`register_formatters` adds ``text/html``
printers to IPython's display formatter for :class:`~pineopt.runtime.engine.Result`,
:class:`~pineopt.compiler.Conversion`, :class:`~pineopt.data.dataset.Dataset` and
Performance-Summary dicts (``{"all": {...}, "long": ..., "short": ...}``), and
:func:`unregister_formatters` removes them again.

:func:`result_chart` builds the chart of a run from its bars and :class:`Result`: candles, the
script's plots (overlay plots on the price, the others in a pane below), ``plotshape``/
``plotchar``/``plotarrow`` markers, ``hline``, ``fill``, ``bgcolor``, the labels, lines, boxes
and polylines left at the end, and for strategies the trades, equity and drawdown.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "chart_widget",
    "conversion_html",
    "dataset_html",
    "diagnostics_html",
    "error_html",
    "is_metrics",
    "metrics_html",
    "register_formatters",
    "result_chart",
    "result_html",
    "unregister_formatters",
]

PALETTE = (
    "#2962ff",
    "#ff6d00",
    "#00897b",
    "#d81b60",
    "#8e24aa",
    "#6d4c41",
    "#546e7a",
    "#c0ca33",
    "#00acc1",
    "#5e35b1",
)

_STYLE = (
    "<style>.pineopt-box{font-family:var(--jp-ui-font-family,sans-serif);font-size:13px}"
    ".pineopt-box h4{margin:4px 0}.pineopt-box pre{margin:4px 0;padding:6px;"
    "background:var(--jp-layout-color2,#f5f5f5);white-space:pre;overflow-x:auto}"
    ".pineopt-error{color:#c62828}.pineopt-warning{color:#ef6c00}</style>"
)


# --------------------------------------------------------------------------- HTML summaries


def _esc(value: object) -> str:
    return html.escape(str(value))


def diagnostics_html(text: str, *, title: str | None = None) -> str:
    """Formatted diagnostics (``FILE:LINE:COL: error: MESSAGE`` + source line + carets) as a
    ``<pre>`` block; the first line of each diagnostic is coloured by its severity."""
    rows = []
    for line in text.splitlines():
        css = ""
        if ": error: " in line:
            css = "pineopt-error"
        elif ": warning: " in line:
            css = "pineopt-warning"
        rows.append(f'<span class="{css}">{_esc(line)}</span>' if css else _esc(line))
    head = f"<h4>{_esc(title)}</h4>" if title else ""
    return f'{_STYLE}<div class="pineopt-box">{head}<pre>{"<br>".join(rows)}</pre></div>'


def error_html(text: str) -> str:
    """An error message (already located and formatted) as HTML."""
    return diagnostics_html(text)


def conversion_html(conversion: Any) -> str:
    """A :class:`~pineopt.compiler.Conversion`: whether it converted and its diagnostics."""
    ok = bool(getattr(conversion, "ok", False))
    name = getattr(conversion, "filename", "<input>")
    diagnostics = list(getattr(conversion, "diagnostics", ()) or ())
    errors = sum(1 for d in diagnostics if getattr(d, "is_error", False))
    warnings = len(diagnostics) - errors
    status = "converted" if ok else "not converted"
    head = f"<b>Conversion</b> of {_esc(name)}: {status}, {errors} error(s), {warnings} warning(s)"
    text = conversion.format_diagnostics() if diagnostics else ""
    body = diagnostics_html(text) if text else ""
    if ok:
        lines = (getattr(conversion, "code", "") or "").count("\n") + 1
        head += f"; {lines} lines of Python in <code>.code</code>"
    return f'{_STYLE}<div class="pineopt-box">{head}{body}</div>'


def is_metrics(value: object) -> bool:
    """Whether ``value`` looks like a strategy's Performance Summary (``result.metrics``)."""
    if not isinstance(value, Mapping) or "all" not in value:
        return False
    if not set(value) <= {"all", "long", "short"}:
        return False
    sections = [v for v in value.values() if v is not None]
    return bool(sections) and all(isinstance(v, Mapping) for v in sections)


def metrics_html(metrics: Mapping[str, Mapping[str, Any]]) -> str:
    """The Performance Summary as an HTML table (rows: metrics; columns: All, Long, Short)."""
    from pineopt.strategy.metrics import summary_frame

    frame = summary_frame(metrics)
    shown = frame.map(_format_number) if hasattr(frame, "map") else frame.applymap(_format_number)
    return shown.to_html(classes="pineopt-metrics", border=0, na_rep="")


def _format_number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return f"{float(value):,.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return str(value)


def result_html(result: Any, *, head: int = 5) -> str:
    """A :class:`Result`: title, bars, plots (first rows), inputs, logs/alerts counts and, for a
    strategy, the trade count and the Performance Summary."""
    declaration = getattr(result, "declaration", {}) or {}
    title = declaration.get("title", "script")
    kind = declaration.get("kind", "indicator")
    plots = result.plots
    parts = [f"<h4>{_esc(kind)} {_esc(title)!s}</h4>"]
    facts = [f"{len(plots):,} bars", f"{len(plots.columns)} plot column(s)"]
    if len(plots):
        facts.append(f"{_esc(plots.index[0])} → {_esc(plots.index[-1])}")
    trades = getattr(result, "trades", None)
    if trades is not None:
        facts.append(f"{len(trades)} trade(s)")
    facts.append(f"{len(result.logs)} log(s), {len(result.alerts)} alert(s)")
    drawn = {k: len(v) for k, v in (result.drawings or {}).items() if v}
    if drawn:
        facts.append(", ".join(f"{n} {k}" for k, n in drawn.items()))
    parts.append("<p>" + "; ".join(facts) + "</p>")
    if result.inputs:
        values = ", ".join(
            f"{_esc(spec.title or spec.name)}={_esc(_input_text(spec.value))}"
            for spec in result.inputs
        )
        parts.append(f"<p>inputs: {values}</p>")
    if len(plots.columns):
        parts.append(plots.dropna(how="all").head(head).to_html(border=0, max_cols=12))
    metrics = getattr(result, "metrics", None)
    if metrics:
        parts.append("<h4>Performance summary</h4>" + metrics_html(metrics))
    diagnostics = getattr(result, "diagnostics", ()) or ()
    if diagnostics:
        parts.append(diagnostics_html("\n".join(str(d) for d in diagnostics)))
    return f'{_STYLE}<div class="pineopt-box">{"".join(parts)}</div>'


def dataset_html(dataset: Any, *, head: int = 3) -> str:
    """A :class:`Dataset`: description, provenance and first/last bars."""
    frame = dataset.frame
    parts = [f"<h4>{_esc(repr(dataset))}</h4>"]
    describe = getattr(dataset, "describe", None)
    if callable(describe):
        parts.append(f"<pre>{_esc(describe())}</pre>")
    if len(frame):
        table = pd.concat([frame.head(head), frame.tail(head)]) if len(frame) > 2 * head else frame
        parts.append(table.to_html(border=0))
    return f'{_STYLE}<div class="pineopt-box">{"".join(parts)}</div>'


def _input_text(value: object) -> str:
    to_hex = getattr(value, "to_hex", None)
    return to_hex() if callable(to_hex) else str(value)


# --------------------------------------------------------------------------- formatters

_REGISTERED: list[tuple[Any, type, object]] = []


def _types() -> list[tuple[type, Callable[[Any], str | None]]]:
    from IPython.utils.dir2 import get_real_method

    from pineopt.compiler import Conversion
    from pineopt.data.dataset import Dataset
    from pineopt.runtime.engine import Result

    def metrics_or_none(value: Any) -> str | None:
        if is_metrics(value):
            return metrics_html(value)
        own = get_real_method(value, "_repr_html_")  # a dict subclass keeps its own HTML
        return own() if own is not None else None

    return [
        (Result, result_html),
        (Conversion, conversion_html),
        (Dataset, dataset_html),
        (dict, metrics_or_none),
    ]


def register_formatters(ipython: Any) -> None:
    """Add the ``text/html`` printers to ``ipython``'s display formatter (idempotent).

    The ``dict`` printer answers only for Performance-Summary dicts and returns ``None`` (no
    HTML, so the plain repr is shown) for every other dict.
    """
    formatter = ipython.display_formatter.formatters["text/html"]
    unregister_formatters(ipython)
    for cls, printer in _types():
        previous = formatter.for_type(cls, printer)
        _REGISTERED.append((formatter, cls, previous))


def unregister_formatters(ipython: Any = None) -> None:
    """Remove the printers :func:`register_formatters` added (restoring any earlier one)."""
    while _REGISTERED:
        formatter, cls, previous = _REGISTERED.pop()
        if previous is not None:
            formatter.for_type(cls, previous)
        else:
            formatter.pop(cls, None)


# --------------------------------------------------------------------------- charts


def _color(value: Any, default: str | None = None) -> str | None:
    """A Pine colour (``Color``, ``#RRGGBB[AA]`` text) as a Bokeh colour string."""
    if value is None:
        return default
    to_hex = getattr(value, "to_hex", None)
    if callable(to_hex):
        return to_hex()
    if isinstance(value, str) and value.startswith("#"):
        return value
    return default


def _alpha(color: str | None) -> float:
    if color and len(color) == 9:
        return int(color[7:], 16) / 255
    return 1.0


def _fixed_color(record: Any, param: str = "color") -> str | None:
    value = record.params.get(param)
    return _color(value) if not _is_series(value) else None


def _is_series(value: Any) -> bool:
    return type(value).__name__ == "_SeriesMarker"


def _records(result: Any) -> list:
    outputs = getattr(result, "outputs", None)
    return list(getattr(outputs, "records", None) or [])


def _record_columns(result: Any) -> dict[int, list[str]]:
    """``{id(record): [plots column, ...]}`` for the value-carrying records (the frame's
    column order follows the records' declaration order)."""
    columns = list(result.plots.columns)
    mapping: dict[int, list[str]] = {}
    position = 0
    for record in _records(result):
        parts = record.column_parts()
        if not parts:
            continue
        mapping[id(record)] = columns[position : position + len(parts)]
        position += len(parts)
    return mapping


def _is_overlay(result: Any, record: Any | None = None) -> bool:
    if record is not None and record.params.get("force_overlay"):
        return True
    return bool((getattr(result, "declaration", {}) or {}).get("overlay", False))


def _hidden(record: Any) -> bool:
    """Whether a plot stays out of the chart pane (its ``display`` lacks ``display.pane``)."""
    from pineopt.runtime.ops import display_locations

    display = str(record.params.get("display", "display.all"))
    return "display.pane" not in display_locations(display)


def result_chart(result: Any, bars: pd.DataFrame | None, *, height: int = 420) -> Any:
    """The Bokeh layout of a run (a ``GridPlot``; panes share the x range).

    ``bars`` is the OHLCV frame the script ran over (rows outside ``result.plots.index`` are
    dropped); without it the indicator pane is drawn alone.
    """
    from bokeh.layouts import gridplot

    from pineopt.reports.charts import drawdown_chart, equity_chart, price_chart

    index = result.plots.index
    price = None
    frame = None
    if bars is not None and len(bars):
        frame = bars.loc[bars.index.isin(index)] if len(index) else bars
        trades = getattr(result, "trades", None)
        price = price_chart(frame, trades, height=height, title=_chart_title(result))
    script_overlay = _is_overlay(result)
    needs_pane = any(
        not _is_overlay(result, r) and not _hidden(r)
        for r in _records(result)
        if r.kind in ("plot", "hline", "fill", "bgcolor", "plotshape", "plotchar", "plotarrow")
    )
    if not _records(result) and len(result.plots.columns) and not script_overlay:
        needs_pane = True
    pane = None
    if needs_pane or price is None:
        pane = _pane(price, _chart_title(result) if price is None else "", 220)
    context = _Drawer(result, index, frame, price, pane)
    context.draw()
    figures = [f for f in (price, pane) if f is not None]
    equity = getattr(result, "equity", None)
    if equity is not None and len(equity) and "equity" in equity.columns:
        equity_fig = equity_chart(equity)
        drawdown_fig = drawdown_chart(equity)
        figures += [equity_fig, drawdown_fig]
    for fig in figures[1:]:
        fig.x_range = figures[0].x_range
    for fig in figures[:-1]:
        fig.xaxis.visible = False
    for fig in figures:
        if fig.legend:
            fig.legend.location = "top_left"
            fig.legend.click_policy = "hide"
    return gridplot(
        [[f] for f in figures],
        merge_tools=True,
        toolbar_location="right",
        sizing_mode="stretch_width",
    )


def _chart_title(result: Any) -> str:
    declaration = getattr(result, "declaration", {}) or {}
    return str(declaration.get("title", "script"))


def _pane(price: Any, title: str, height: int) -> Any:
    from bokeh.plotting import figure

    fig = figure(
        title=title or None,
        x_axis_type="datetime",
        height=height,
        sizing_mode="stretch_width",
        tools="pan,xwheel_zoom,box_zoom,reset,save,hover",
        active_scroll="xwheel_zoom",
    )
    if price is not None:
        fig.x_range = price.x_range
    return fig


def _naive(times: Any) -> np.ndarray:
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.to_numpy()


class _Drawer:
    """Draws a Result's outputs and drawings onto the price figure and the indicator pane."""

    def __init__(self, result: Any, index: pd.DatetimeIndex, bars, price, pane) -> None:
        self.result = result
        self.index = pd.DatetimeIndex(index)
        self.time = _naive(self.index)
        self.bars = bars.reindex(self.index) if bars is not None else None
        self.price = price
        self.pane = pane
        self.columns = _record_columns(result)
        self.palette = iter(PALETTE * 10)
        self.drawn: dict[int, tuple[Any, np.ndarray]] = {}
        steps = pd.Series(self.index).diff().dropna()
        steps = steps[steps > pd.Timedelta(0)]
        self.step = steps.median() if len(steps) else pd.Timedelta(days=1)

    # which figure an output or drawing belongs to
    def target(self, record: Any | None = None, force_overlay: bool = False) -> Any:
        overlay = force_overlay or _is_overlay(self.result, record)
        if overlay and self.price is not None:
            return self.price
        return self.pane if self.pane is not None else self.price

    def draw(self) -> None:
        records = _records(self.result)
        if not records:  # no output records: plain lines of the plots frame
            for column in self.result.plots.columns:
                self.line(self.target(), column, None, 1)
            return
        for record in records:
            if _hidden(record):
                continue
            method = getattr(self, "draw_" + record.kind, None)
            if method is not None:
                try:
                    method(record)
                except (KeyError, ValueError, TypeError, AttributeError):
                    continue  # an output this chart cannot draw is left out
        self.drawings()

    def values(self, record: Any) -> tuple[str, np.ndarray] | None:
        columns = self.columns.get(id(record))
        if not columns:
            return None
        column = columns[0]
        series = pd.to_numeric(self.result.plots[column], errors="coerce")
        return column, series.to_numpy(dtype=float)

    def line(self, fig, column: str, color: str | None, width: float, values=None):
        if values is None:
            values = pd.to_numeric(self.result.plots[column], errors="coerce").to_numpy(float)
        color = color or next(self.palette)
        return fig.line(
            self.time,
            values,
            color=color[:7],
            line_alpha=_alpha(color),
            line_width=width,
            legend_label=str(column),
        )

    def draw_plot(self, record: Any) -> None:
        found = self.values(record)
        if found is None:
            return
        column, values = found
        fig = self.target(record)
        color = _fixed_color(record) or next(self.palette)
        style = str(record.params.get("style", "plot.style_line"))
        width = float(record.params.get("linewidth") or 1)
        if style in ("plot.style_histogram", "plot.style_columns", "plot.style_area"):
            base = float(record.params.get("histbase") or 0.0)
            ms = 0.6 * (self.step / pd.Timedelta(milliseconds=1))
            fig.vbar(
                self.time,
                ms,
                values,
                np.full(len(values), base),
                fill_color=color[:7],
                line_color=color[:7],
                fill_alpha=0.6 * _alpha(color),
                legend_label=str(column),
            )
        elif style in ("plot.style_circles", "plot.style_cross"):
            marker = "circle" if style == "plot.style_circles" else "cross"
            fig.scatter(
                self.time,
                values,
                marker=marker,
                size=4 + width,
                color=color[:7],
                legend_label=str(column),
            )
        else:
            fig.line(
                self.time,
                values,
                color=color[:7],
                line_alpha=_alpha(color),
                line_width=1.5 * width,
                legend_label=str(column),
            )
        self.drawn[id(record)] = (fig, values)

    def draw_plotshape(self, record: Any) -> None:
        found = self.values(record)
        if found is None:
            return
        column, values = found
        fired = np.nan_to_num(values, nan=0.0) != 0
        if record.kind == "plotarrow":
            fired = ~np.isnan(values) & (values != 0)
        if not fired.any():
            return
        location = str(record.params.get("location", "location.abovebar"))
        fig = self.target(record)
        on_price = fig is self.price and self.bars is not None
        if location == "location.absolute" or not on_price:
            y = values
        elif location in ("location.belowbar", "location.bottom"):
            y = self.bars["low"].to_numpy(float)
        else:
            y = self.bars["high"].to_numpy(float)
        marker = _marker(record)
        if record.kind == "plotarrow":
            marker = np.where(values > 0, "triangle", "inverted_triangle")[fired].tolist()
            colors = np.where(values > 0, "#26a69a", "#ef5350")[fired].tolist()
        else:
            colors = [_fixed_color(record) or "#2962ff"] * int(fired.sum())
        source = {
            "x": self.time[fired],
            "y": y[fired],
            "marker": marker if isinstance(marker, list) else [marker] * int(fired.sum()),
            "color": [c[:7] for c in colors],
        }
        from bokeh.models import ColumnDataSource

        fig.scatter(
            "x",
            "y",
            source=ColumnDataSource(source),
            marker="marker",
            color="color",
            size=9,
            legend_label=str(column),
        )

    draw_plotchar = draw_plotshape
    draw_plotarrow = draw_plotshape

    def draw_hline(self, record: Any) -> None:
        from bokeh.models import Span

        price = record.params.get("price")
        if price is None or (isinstance(price, float) and math.isnan(price)):
            return
        color = _fixed_color(record) or "#787b86"
        dash = {
            "hline.style_dashed": "dashed",
            "hline.style_dotted": "dotted",
            "hline.style_solid": "solid",
        }.get(str(record.params.get("linestyle", "hline.style_dashed")), "dashed")
        fig = self.target(record)
        fig.add_layout(
            Span(
                location=float(price),
                dimension="width",
                line_color=color[:7],
                line_alpha=_alpha(color),
                line_dash=dash,
                line_width=float(record.params.get("linewidth") or 1),
            )
        )
        self.drawn[id(record)] = (fig, np.full(len(self.time), float(price)))

    def draw_fill(self, record: Any) -> None:
        first = self.drawn.get(id(getattr(record, "obj1", None)))
        second = self.drawn.get(id(getattr(record, "obj2", None)))
        if first is None or second is None or first[0] is not second[0]:
            return
        color = _fixed_color(record) or _fixed_color(record, "top_color") or "#2962ff33"
        alpha = _alpha(color) if len(color) == 9 else 0.2
        first[0].varea(
            self.time, first[1], second[1], fill_color=color[:7], fill_alpha=alpha, level="underlay"
        )

    def draw_bgcolor(self, record: Any) -> None:
        n = len(self.time)
        if record.colors is not None:
            colors = [_color(c) for c in record.colors]
        else:
            colors = [_fixed_color(record)] * n
        colors = (colors + [None] * n)[:n]
        chosen = np.array([c is not None for c in colors])
        if not chosen.any():
            return
        fig = self.target(record)
        if fig is self.price and self.bars is not None:
            low = float(np.nanmin(self.bars["low"].to_numpy(float)))
            high = float(np.nanmax(self.bars["high"].to_numpy(float)))
        else:
            numbers = self.result.plots.to_numpy(dtype=float)
            if not np.isfinite(numbers).any():
                return
            low, high = float(np.nanmin(numbers)), float(np.nanmax(numbers))
        ms = self.step / pd.Timedelta(milliseconds=1)
        kept = [c for c, keep in zip(colors, chosen, strict=True) if keep]
        fig.vbar(
            self.time[chosen],
            ms,
            high,
            low,
            fill_color=[c[:7] for c in kept],
            fill_alpha=[_alpha(c) for c in kept],
            line_alpha=0,
            level="underlay",
        )

    # drawings (labels, lines, boxes, polylines)
    def x_time(self, x: Any, xloc: str | None) -> Any:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return None
        if str(xloc) == "xloc.bar_time":
            return pd.Timestamp(int(x), unit="ms").to_datetime64()
        position = int(x)
        if not len(self.index):
            return None
        if 0 <= position < len(self.index):
            return self.time[position]
        base = self.index[-1] if position >= len(self.index) else self.index[0]
        delta = position - (len(self.index) - 1 if position >= len(self.index) else 0)
        return _naive([base + delta * self.step])[0]

    def drawings(self) -> None:
        drawings = getattr(self.result, "drawings", None) or {}
        for label in drawings.get("labels", []):
            self.draw_label(label)
        for line in drawings.get("lines", []):
            self.draw_line(line)
        for box in drawings.get("boxes", []):
            self.draw_box(box)
        for polyline in drawings.get("polylines", []):
            self.draw_polyline(polyline)

    def draw_label(self, label: Mapping[str, Any]) -> None:
        from bokeh.models import Label

        x = self.x_time(label.get("x"), label.get("xloc"))
        y = label.get("y")
        if x is None or y is None or (isinstance(y, float) and math.isnan(y)):
            return
        yloc = str(label.get("yloc", "yloc.price"))
        fig = self.target(force_overlay=bool(label.get("force_overlay")))
        if yloc in ("yloc.abovebar", "yloc.belowbar") and self.bars is not None:
            row = self.bars.index.get_indexer([pd.Timestamp(x, tz=self.index.tz)])
            if len(row) and row[0] >= 0:
                y = self.bars["high" if yloc == "yloc.abovebar" else "low"].iloc[row[0]]
        color = _color(label.get("color"), "#2196F3")
        text_color = _color(label.get("textcolor"), "#FFFFFF")
        text = str(label.get("text") or "")
        fig.add_layout(
            Label(
                x=pd.Timestamp(x).value / 1e6,
                y=float(y),
                text=text or "●",
                text_font_size="10px",
                text_color=text_color[:7] if text else color[:7],
                background_fill_color=color[:7] if text else None,
                background_fill_alpha=_alpha(color),
                text_align="center",
                y_offset=6,
            )
        )

    def draw_line(self, line: Mapping[str, Any]) -> None:
        xloc = line.get("xloc")
        x1, x2 = self.x_time(line.get("x1"), xloc), self.x_time(line.get("x2"), xloc)
        y1, y2 = line.get("y1"), line.get("y2")
        if None in (x1, x2, y1, y2):
            return
        color = _color(line.get("color"), "#2196F3")
        fig = self.target(force_overlay=bool(line.get("force_overlay")))
        fig.segment(
            [x1],
            [float(y1)],
            [x2],
            [float(y2)],
            line_color=color[:7],
            line_alpha=_alpha(color),
            line_width=float(line.get("width") or 1),
            line_dash=_dash(line.get("style")),
        )

    def draw_box(self, box: Mapping[str, Any]) -> None:
        xloc = box.get("xloc")
        left, right = self.x_time(box.get("left"), xloc), self.x_time(box.get("right"), xloc)
        top, bottom = box.get("top"), box.get("bottom")
        if None in (left, right, top, bottom):
            return
        border = _color(box.get("border_color"), "#2196F3")
        fill = _color(box.get("bgcolor"), "#2196F333")
        fig = self.target(force_overlay=bool(box.get("force_overlay")))
        fig.quad(
            left=[left],
            right=[right],
            top=[float(top)],
            bottom=[float(bottom)],
            fill_color=fill[:7],
            fill_alpha=_alpha(fill),
            line_color=border[:7],
            line_alpha=_alpha(border),
            line_width=float(box.get("border_width") or 1),
        )

    def draw_polyline(self, polyline: Mapping[str, Any]) -> None:
        xloc = polyline.get("xloc")
        points = polyline.get("points") or []
        xs, ys = [], []
        for point in points:
            x = point.get("time") if str(xloc) == "xloc.bar_time" else point.get("index")
            x = self.x_time(x, xloc)
            if x is None or point.get("price") is None:
                continue
            xs.append(x)
            ys.append(float(point["price"]))
        if len(xs) < 2:
            return
        if polyline.get("closed"):
            xs.append(xs[0])
            ys.append(ys[0])
        color = _color(polyline.get("line_color"), "#2196F3")
        fig = self.target(force_overlay=bool(polyline.get("force_overlay")))
        fig.line(xs, ys, line_color=color[:7], line_alpha=_alpha(color))


def _dash(style: Any) -> str:
    return {"line.style_dashed": "dashed", "line.style_dotted": "dotted"}.get(str(style), "solid")


_MARKERS = {
    "shape.xcross": "x",
    "shape.cross": "cross",
    "shape.circle": "circle",
    "shape.triangleup": "triangle",
    "shape.triangledown": "inverted_triangle",
    "shape.flag": "triangle_pin",
    "shape.arrowup": "triangle",
    "shape.arrowdown": "inverted_triangle",
    "shape.labelup": "triangle",
    "shape.labeldown": "inverted_triangle",
    "shape.square": "square",
    "shape.diamond": "diamond",
}


def _marker(record: Any) -> str:
    if record.kind == "plotchar":
        return "circle"
    return _MARKERS.get(str(record.params.get("style", "shape.xcross")), "circle")


def chart_widget(layout: Any) -> Any:
    """``layout`` as something ``display`` shows interactively in Jupyter: a
    ``jupyter_bokeh.BokehModel`` widget (works inside ``ipywidgets.Output``), or, without
    jupyter_bokeh, a self-contained HTML page (BokehJS inlined)."""
    try:
        from jupyter_bokeh import BokehModel
    except ImportError:  # pragma: no cover - jupyter_bokeh is a dependency
        from bokeh.embed import file_html
        from bokeh.resources import INLINE
        from IPython.display import HTML

        return HTML(file_html(layout, resources=INLINE, title="PineOpt"))
    return BokehModel(layout)
