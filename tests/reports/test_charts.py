"""Bokeh charts of a strategy run: glyphs, linked x ranges, self-contained HTML."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from bokeh.models import GlyphRenderer, GridPlot, HoverTool, Line, Scatter, Segment, VArea, VBar

from pineopt.errors import PineOptError
from pineopt.reports.charts import (
    drawdown_chart,
    equity_chart,
    price_chart,
    save_html,
    strategy_layout,
)

T = pd.Timestamp


@pytest.fixture
def bars(make_bars):
    return make_bars(periods=48, freq="h")


@pytest.fixture
def equity(bars):
    values = 1000 + np.sin(np.arange(len(bars))) * 20 + np.arange(len(bars))
    return pd.DataFrame({"equity": values, "position_size": 0.0}, index=bars.index)


def trade_frame(rows: list[dict]) -> pd.DataFrame:
    columns = [
        "trade", "direction", "entry_time", "exit_time", "entry_price", "exit_price",
        "entry_signal", "exit_signal", "qty", "profit", "profit_pct", "cum_profit", "mfe",
        "mae", "is_open",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("entry_time", "exit_time"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@pytest.fixture
def trades():
    return trade_frame(
        [
            dict(trade=1, direction="long", entry_time=T("2024-01-01 02:00", tz="UTC"),
                 exit_time=T("2024-01-01 05:00", tz="UTC"), entry_price=102.0,
                 exit_price=105.0, entry_signal="Long", exit_signal="Close", qty=1.0,
                 profit=3.0, profit_pct=2.94, cum_profit=3.0, mfe=4.0, mae=-1.0,
                 is_open=False),
            dict(trade=2, direction="short", entry_time=T("2024-01-01 08:00", tz="UTC"),
                 exit_time=T("2024-01-01 10:00", tz="UTC"), entry_price=108.0,
                 exit_price=110.0, entry_signal="Short", exit_signal=None, qty=2.0,
                 profit=-4.0, profit_pct=-1.85, cum_profit=-1.0, mfe=1.0, mae=-5.0,
                 is_open=False),
            dict(trade=3, direction="long", entry_time=T("2024-01-02 20:00", tz="UTC"),
                 exit_time=pd.NaT, entry_price=144.0, exit_price=np.nan,
                 entry_signal="Long", exit_signal=None, qty=1.0, profit=1.5,
                 profit_pct=1.04, cum_profit=0.5, mfe=2.0, mae=0.0, is_open=True),
        ]
    )  # fmt: skip


def glyphs(fig, kind) -> list[GlyphRenderer]:
    return [r for r in fig.renderers if isinstance(r.glyph, kind)]


def markers(fig) -> dict[str, GlyphRenderer]:
    return {r.glyph.marker: r for r in glyphs(fig, Scatter)}


def test_price_chart_without_trades_has_candles_only(bars):
    fig = price_chart(bars)
    assert fig.xaxis[0].__class__.__name__ == "DatetimeAxis"
    assert [type(r.glyph) for r in fig.renderers] == [Segment, VBar]
    candles = fig.renderers[1].data_source.data
    assert len(candles["time"]) == 48
    # Times are naive UTC datetime64, i.e. drawn in UTC.
    assert candles["time"][0] == np.datetime64("2024-01-01T00:00")
    assert list(candles["close"]) == list(bars["close"])
    # Bodies are 70 % of an hour wide.
    assert fig.renderers[1].glyph.width == pytest.approx(0.7 * 3_600_000)


def test_price_chart_marks_entries_and_exits_including_an_open_trade(bars, trades):
    fig = price_chart(bars, trades)
    assert len(glyphs(fig, Scatter)) == 3
    by_marker = markers(fig)
    assert set(by_marker) == {"triangle", "inverted_triangle", "x"}
    long_entries = by_marker["triangle"].data_source.data
    short_entries = by_marker["inverted_triangle"].data_source.data
    exits = by_marker["x"].data_source.data
    assert list(long_entries["price"]) == [102.0, 144.0]  # the open trade's entry too
    assert list(long_entries["signal"]) == ["Long", "Long"]
    assert by_marker["triangle"].glyph.fill_color == "#2e7d32"
    assert list(short_entries["price"]) == [108.0]
    assert by_marker["inverted_triangle"].glyph.fill_color == "#c62828"
    assert list(exits["price"]) == [105.0, 110.0]  # the open trade has no exit
    assert list(exits["signal"]) == ["Close", ""]
    assert list(exits["profit"]) == [3.0, -4.0]
    assert exits["time"][0] == np.datetime64("2024-01-01T05:00")
    hover = [t for t in fig.tools if isinstance(t, HoverTool) and t.renderers != "auto"]
    marker_hover = next(t for t in hover if by_marker["x"] in t.renderers)
    labels = [label for label, _ in marker_hover.tooltips]
    assert {"signal", "price", "profit"} <= set(labels)


def test_price_chart_with_empty_trades_has_empty_marker_renderers(bars, trades):
    fig = price_chart(bars, trades.iloc[0:0])
    assert len(glyphs(fig, Scatter)) == 3
    assert all(len(r.data_source.data["time"]) == 0 for r in glyphs(fig, Scatter))


def test_price_chart_overlays_plot_lines(bars):
    plots = pd.DataFrame(
        {"fast": bars["close"].rolling(3).mean(), "slow": bars["close"].rolling(9).mean()},
        index=bars.index,
    )
    assert len(glyphs(price_chart(bars, plots=plots), Line)) == 2
    only_fast = glyphs(price_chart(bars, plots=plots, overlay=["fast"]), Line)
    assert len(only_fast) == 1
    assert np.isnan(only_fast[0].data_source.data["y"][0])  # na before the average exists
    with pytest.raises(PineOptError, match="nope"):
        price_chart(bars, plots=plots, overlay=["nope"])


def test_equity_and_drawdown_charts(equity):
    fig = equity_chart(equity)
    assert [type(r.glyph) for r in fig.renderers] == [Line]
    assert list(fig.renderers[0].data_source.data["equity"]) == list(equity["equity"])
    dd = drawdown_chart(equity)
    assert [type(r.glyph) for r in dd.renderers] == [VArea]
    data = dd.renderers[0].data_source.data
    expected = equity["equity"] - equity["equity"].cummax()
    assert list(data["drawdown"]) == pytest.approx(list(expected))
    assert max(data["drawdown"]) == 0.0
    assert set(data["zero"]) == {0.0}


def test_strategy_layout_links_the_x_ranges(bars, trades, equity):
    layout = strategy_layout(bars, trades, equity)
    assert isinstance(layout, GridPlot)
    figures = [child[0] for child in layout.children]
    assert len(figures) == 3
    price, eq, dd = figures
    assert eq.x_range is price.x_range
    assert dd.x_range is price.x_range
    assert len(glyphs(price, Scatter)) == 3
    assert len(glyphs(eq, Line)) == 1
    assert len(glyphs(dd, VArea)) == 1


def test_strategy_layout_without_trades(bars, equity):
    layout = strategy_layout(bars, None, equity)
    price = layout.children[0][0]
    assert glyphs(price, Scatter) == []


def test_save_html_is_self_contained(tmp_path, bars, trades, equity):
    path = save_html(strategy_layout(bars, trades, equity), tmp_path / "sub" / "chart.html")
    assert path == tmp_path / "sub" / "chart.html"
    html = path.read_text(encoding="utf-8")
    assert "Bokeh" in html
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html, re.I)
    assert tags  # BokehJS is there, inline
    for tag in tags:
        assert not re.search(r"\b(?:src|href)\s*=", tag, re.I), tag
    assert "cdn.bokeh.org" not in html
    assert sorted(p.name for p in path.parent.iterdir()) == ["chart.html"]


def test_bad_inputs_are_clear_errors(bars, equity):
    with pytest.raises(PineOptError, match="close"):
        price_chart(bars.drop(columns="close"))
    with pytest.raises(PineOptError, match="DatetimeIndex"):
        price_chart(bars.reset_index(drop=True))
    with pytest.raises(PineOptError, match="equity"):
        equity_chart(equity.drop(columns="equity"))
