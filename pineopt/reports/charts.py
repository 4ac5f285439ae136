"""Bokeh charts of a strategy run: price with trades, equity, drawdown, and all three linked.

Every builder returns a Bokeh model (nothing is shown or written); :func:`save_html` writes one
as a self-contained HTML file with BokehJS inlined, so the page needs no CDN.

Times are drawn in UTC on datetime axes (Bokeh gets naive UTC times, so the browser does not
shift them to its local zone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from bokeh.embed import file_html
from bokeh.layouts import gridplot
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.palettes import Category10_10
from bokeh.plotting import figure
from bokeh.resources import INLINE

from pineopt.errors import PineOptError
from pineopt.fileio import atomic_write_text

__all__ = ["drawdown_chart", "equity_chart", "price_chart", "save_html", "strategy_layout"]

UP_COLOR = "#26a69a"
DOWN_COLOR = "#ef5350"
LONG_COLOR = "#2e7d32"
SHORT_COLOR = "#c62828"
EXIT_COLOR = "#37474f"
EQUITY_COLOR = "#1565c0"
DRAWDOWN_COLOR = "#e53935"

_TOOLS = "pan,xwheel_zoom,box_zoom,reset,save"
_TIME_FORMAT = "%F %T"


def price_chart(
    bars: pd.DataFrame,
    trades: pd.DataFrame | None = None,
    plots: pd.DataFrame | None = None,
    overlay: Sequence[str] | None = None,
    *,
    title: str = "Price",
    height: int = 400,
):
    """Candlesticks of ``bars``, the ``trades``' entries and exits, and ``plots`` lines.

    Long entries are green up-triangles, short entries red down-triangles, exits x markers;
    hovering one shows its signal, price and profit (an open trade has an entry marker only).
    ``plots`` is a frame indexed like ``bars`` with one column per plotted series; ``overlay``
    names the columns drawn over the price (``None``: every column). Renderers, in order:
    wicks (segment), bodies (vbar), one line per overlay column, then — when ``trades`` is
    given, even empty — long entries, short entries and exits (scatter).
    """
    frame = _bars(bars)
    time = _naive_utc(frame.index)
    rising = (frame["close"] >= frame["open"]).to_numpy()
    candles = ColumnDataSource(
        {
            "time": time,
            "open": frame["open"].to_numpy(dtype=float),
            "high": frame["high"].to_numpy(dtype=float),
            "low": frame["low"].to_numpy(dtype=float),
            "close": frame["close"].to_numpy(dtype=float),
            "top": np.maximum(frame["open"], frame["close"]).to_numpy(dtype=float),
            "bottom": np.minimum(frame["open"], frame["close"]).to_numpy(dtype=float),
            "color": np.where(rising, UP_COLOR, DOWN_COLOR),
        }
    )
    fig = _figure(title, height)
    fig.yaxis.axis_label = "price"
    fig.segment("time", "high", "time", "low", source=candles, color="color", line_width=1)
    bodies = fig.vbar(
        "time",
        _bar_width_ms(frame.index),
        "top",
        "bottom",
        source=candles,
        fill_color="color",
        line_color="color",
    )
    fig.add_tools(
        HoverTool(
            renderers=[bodies],
            tooltips=[
                ("time", f"@time{{{_TIME_FORMAT}}}"),
                ("open", "@open"),
                ("high", "@high"),
                ("low", "@low"),
                ("close", "@close"),
            ],
            formatters={"@time": "datetime"},
        )
    )
    if plots is not None:
        _overlay_lines(fig, plots, overlay, frame.index)
    if trades is not None:
        _trade_markers(fig, trades)
    if fig.legend:
        fig.legend.location = "top_left"
        fig.legend.click_policy = "hide"
    return fig


def equity_chart(equity_df: pd.DataFrame, *, title: str = "Equity", height: int = 200):
    """The ``equity`` column as a line (one renderer)."""
    equity = _equity(equity_df)
    source = ColumnDataSource({"time": _naive_utc(equity.index), "equity": equity.to_numpy()})
    fig = _figure(title, height)
    fig.yaxis.axis_label = "equity"
    line = fig.line("time", "equity", source=source, color=EQUITY_COLOR, line_width=1.5)
    fig.add_tools(
        HoverTool(
            renderers=[line],
            tooltips=[("time", f"@time{{{_TIME_FORMAT}}}"), ("equity", "@equity{0,0.00}")],
            formatters={"@time": "datetime"},
            mode="vline",
        )
    )
    return fig


def drawdown_chart(equity_df: pd.DataFrame, *, title: str = "Drawdown", height: int = 150):
    """Drawdown (equity minus its running maximum, so ≤ 0) as an area (one renderer)."""
    equity = _equity(equity_df)
    drawdown = equity - equity.cummax()
    source = ColumnDataSource(
        {
            "time": _naive_utc(equity.index),
            "drawdown": drawdown.to_numpy(),
            "zero": np.zeros(len(drawdown)),
        }
    )
    fig = _figure(title, height)
    fig.yaxis.axis_label = "drawdown"
    area = fig.varea(
        "time", "drawdown", "zero", source=source, fill_color=DRAWDOWN_COLOR, fill_alpha=0.4
    )
    fig.add_tools(
        HoverTool(
            renderers=[area],
            tooltips=[("time", "$x{%F %T}"), ("drawdown", "$y{0,0.00}")],
            formatters={"$x": "datetime"},
        )
    )
    return fig


def strategy_layout(
    bars: pd.DataFrame,
    trades: pd.DataFrame | None,
    equity_df: pd.DataFrame,
    plots: pd.DataFrame | None = None,
    overlay: Sequence[str] | None = None,
):
    """Price (with trades and plots), equity and drawdown stacked, sharing one x range.

    Returns a Bokeh ``GridPlot`` (one column, one merged toolbar); panning or zooming one
    chart moves the others.
    """
    price = price_chart(bars, trades, plots, overlay)
    equity = equity_chart(equity_df)
    drawdown = drawdown_chart(equity_df)
    for fig in (equity, drawdown):
        fig.x_range = price.x_range
    price.xaxis.visible = False
    equity.xaxis.visible = False
    return gridplot(
        [[price], [equity], [drawdown]],
        merge_tools=True,
        toolbar_location="right",
        sizing_mode="stretch_width",
    )


_SERVER_SCRIPTS = re.compile(r'<script[^>]*\bsrc="static/[^"]*"[^>]*>\s*</script>\s*')


def save_html(layout, path: str | Path, *, title: str = "PineOpt") -> Path:
    """Write ``layout`` as a standalone HTML page (BokehJS inlined, no CDN) atomically.

    Once Panel is imported in the process it adds its own scripts to Bokeh's resources as
    server-relative ``static/...`` URLs; a file has no server, and plain Bokeh charts do not use
    them, so they are left out."""
    path = Path(path)
    html = _SERVER_SCRIPTS.sub("", file_html(layout, resources=INLINE, title=title))
    atomic_write_text(path, html)
    return path


def _figure(title: str, height: int):
    return figure(
        title=title,
        x_axis_type="datetime",
        height=height,
        sizing_mode="stretch_width",
        tools=_TOOLS,
        active_scroll="xwheel_zoom",
    )


def _bars(bars: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("open", "high", "low", "close") if c not in getattr(bars, "columns", ())]
    if missing:
        raise PineOptError(f"the bars lack column(s) {', '.join(missing)}")
    if not isinstance(bars.index, pd.DatetimeIndex):
        raise PineOptError("the bars must be indexed by bar open time (a DatetimeIndex)")
    return bars


def _equity(equity_df: pd.DataFrame) -> pd.Series:
    if not isinstance(equity_df, pd.DataFrame) or "equity" not in equity_df.columns:
        raise PineOptError("the equity frame needs an 'equity' column")
    if not isinstance(equity_df.index, pd.DatetimeIndex):
        raise PineOptError("the equity frame must be indexed by bar time (a DatetimeIndex)")
    return pd.to_numeric(equity_df["equity"], errors="coerce").astype(float)


def _naive_utc(times) -> np.ndarray:
    """Datetimes as naive UTC ``datetime64`` (Bokeh draws them as they are)."""
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.to_numpy()


def _bar_width_ms(index: pd.DatetimeIndex) -> float:
    """70 % of the usual gap between bars, in milliseconds (a day for a single bar)."""
    steps = pd.Series(index.sort_values()).diff()
    steps = steps[steps > pd.Timedelta(0)]
    step = steps.median() if len(steps) else pd.Timedelta(days=1)
    return 0.7 * (step / pd.Timedelta(milliseconds=1))


def _overlay_lines(fig, plots: pd.DataFrame, overlay, index: pd.DatetimeIndex) -> None:
    if not isinstance(plots, pd.DataFrame):
        raise PineOptError("plots must be a DataFrame with one column per plotted series")
    columns = list(plots.columns) if overlay is None else list(overlay)
    unknown = [c for c in columns if c not in plots.columns]
    if unknown:
        raise PineOptError(f"no plot(s) named {', '.join(map(str, unknown))}")
    frame = plots if plots.index.equals(index) else plots.reindex(index)
    time = _naive_utc(frame.index)
    for number, column in enumerate(columns):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        fig.line(
            time,
            values,
            color=Category10_10[number % len(Category10_10)],
            line_width=1.5,
            legend_label=str(column),
        )


def _trade_markers(fig, trades: pd.DataFrame) -> None:
    """Scatter renderers of long entries, short entries and exits, with one hover tool."""
    if not isinstance(trades, pd.DataFrame) or "entry_time" not in trades.columns:
        raise PineOptError("the trades need at least 'entry_time' and 'entry_price' columns")
    if "direction" in trades.columns:
        direction = trades["direction"].astype(str).str.lower().to_numpy()
    else:
        direction = np.full(len(trades), "long")
    long_entries = _marker_source(trades[direction == "long"], "entry")
    short_entries = _marker_source(trades[direction == "short"], "entry")
    if "exit_time" in trades.columns:
        closed = trades[pd.notna(trades["exit_time"]).to_numpy()]
    else:
        closed = trades.iloc[0:0]
    exits = _marker_source(closed, "exit")
    renderers = [
        fig.scatter(
            "time",
            "price",
            source=long_entries,
            marker="triangle",
            size=11,
            fill_color=LONG_COLOR,
            line_color=LONG_COLOR,
            legend_label="Long entry",
        ),
        fig.scatter(
            "time",
            "price",
            source=short_entries,
            marker="inverted_triangle",
            size=11,
            fill_color=SHORT_COLOR,
            line_color=SHORT_COLOR,
            legend_label="Short entry",
        ),
        fig.scatter(
            "time",
            "price",
            source=exits,
            marker="x",
            size=11,
            line_color=EXIT_COLOR,
            line_width=2,
            legend_label="Exit",
        ),
    ]
    fig.add_tools(
        HoverTool(
            renderers=renderers,
            tooltips=[
                ("trade", "@trade"),
                ("", "@kind @direction"),
                ("signal", "@signal"),
                ("time", f"@time{{{_TIME_FORMAT}}}"),
                ("price", "@price"),
                ("qty", "@qty"),
                ("profit", "@profit{0,0.00}"),
                ("profit %", "@profit_pct{0.00}"),
            ],
            formatters={"@time": "datetime"},
        )
    )


def _marker_source(trades: pd.DataFrame, kind: str) -> ColumnDataSource:
    """One marker per trade at its ``kind`` ("entry" or "exit") time and price."""

    def column(name: str, default=np.nan) -> np.ndarray:
        if name in trades.columns:
            return trades[name].to_numpy()
        return np.full(len(trades), default, dtype=object if isinstance(default, str) else float)

    signal = column(f"{kind}_signal", "")
    return ColumnDataSource(
        {
            "time": _naive_utc(trades[f"{kind}_time"]) if len(trades) else np.array([], "M8[ms]"),
            "price": pd.to_numeric(pd.Series(column(f"{kind}_price")), errors="coerce").to_numpy(
                dtype=float
            ),
            "kind": np.full(len(trades), kind, dtype=object),
            "direction": column("direction", "").astype(object),
            "signal": np.array(["" if pd.isna(s) else str(s) for s in signal], dtype=object),
            "trade": column("trade", "").astype(object),
            "qty": pd.to_numeric(pd.Series(column("qty")), errors="coerce").to_numpy(float),
            "profit": pd.to_numeric(pd.Series(column("profit")), errors="coerce").to_numpy(float),
            "profit_pct": pd.to_numeric(pd.Series(column("profit_pct")), errors="coerce").to_numpy(
                float
            ),
        }
    )
