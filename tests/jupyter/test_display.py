"""Rich display: HTML summaries, the IPython formatters and the chart of a run."""

from __future__ import annotations

from pathlib import Path

import pytest
from bokeh.models import Label, Span
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing.globalipapp import start_ipython

import pineopt
from pineopt.jupyter import display as jd
from pineopt.runtime.pine_color import Color

MA = Path(__file__).parents[1] / "data" / "files" / "ma.csv"

STRATEGY = """//@version=6
strategy("Cross", overlay=true)
fast = ta.sma(close, 8)
plot(fast, "Fast", color=color.orange)
plotshape(ta.crossover(close, fast), "Up", shape.triangleup, location.belowbar, color.green)
bgcolor(close > fast ? color.new(color.green, 85) : na)
if ta.crossover(close, fast)
    strategy.entry("L", strategy.long)
    label.new(bar_index, high, "buy")
if ta.crossunder(close, fast)
    strategy.close("L")
    line.new(bar_index - 3, low, bar_index, low)
"""

OSCILLATOR = """//@version=6
indicator("Osc")
r = ta.rsi(close, 5)
plot(r, "RSI", color=color.purple)
plot(r - 50, "Hist", style=plot.style_histogram)
hline(70, "Up")
hline(30, "Down")
plotshape(ta.crossover(r, 70), "X", shape.circle, location.absolute)
if bar_index == 20
    label.new(bar_index, 50, "hi")
"""


@pytest.fixture(scope="module")
def bars():
    return pineopt.load(str(MA), provider="file")


@pytest.fixture(scope="module")
def strategy(bars):
    return pineopt.run(STRATEGY, bars)


def _figures(layout):
    return [child[0] for child in layout.children]


def _glyphs(fig):
    return [type(r.glyph).__name__ for r in fig.renderers]


def test_result_html_has_title_bars_plots_and_metrics(strategy):
    text = jd.result_html(strategy)
    assert "strategy Cross" in text
    assert "150 bars" in text and "trade(s)" in text
    assert "Fast" in text  # the plots' head
    assert "Performance summary" in text and "net_profit" in text


def test_metrics_html_is_the_summary_frame(strategy):
    text = jd.metrics_html(strategy.metrics)
    assert "<table" in text
    for column in ("All", "Long", "Short"):
        assert f"<th>{column}</th>" in text
    assert jd.is_metrics(strategy.metrics)
    assert not jd.is_metrics({"a": 1})
    assert not jd.is_metrics({"all": 3})


def test_conversion_html_shows_the_caret_lines():
    conversion = pineopt.convert('//@version=6\nindicator("x")\nplot(clos)\n', filename="<cell>")
    text = jd.conversion_html(conversion)
    assert "not converted" in text and "1 error(s)" in text
    assert "&lt;cell&gt;:3:6: error: Undeclared identifier" in text
    assert "     ^^^^" in text
    ok = jd.conversion_html(pineopt.convert('//@version=6\nindicator("x")\nplot(close)\n'))
    assert "converted, 0 error(s)" in ok and "lines of Python" in ok


def test_formatters_are_registered_and_removed(strategy, bars):
    start_ipython()
    shell = InteractiveShell.instance()
    html = shell.display_formatter.formatters["text/html"]
    jd.register_formatters(shell)
    try:
        assert "strategy Cross" in html.lookup(strategy)(strategy)
        assert "<table" in html.lookup(strategy.metrics)(strategy.metrics)
        assert html.lookup({"a": 1})({"a": 1}) is None  # other dicts: plain repr
        conversion = pineopt.convert('//@version=6\nindicator("x")\nplot(close)\n')
        assert "Conversion" in html.lookup(conversion)(conversion)
        assert "BTC" not in html.lookup(bars)(bars) and "<table" in html.lookup(bars)(bars)
        assert strategy.trades._repr_html_()  # the trades frame keeps pandas' own HTML
    finally:
        jd.unregister_formatters(shell)
    with pytest.raises(KeyError):
        html.lookup(strategy)
    with pytest.raises(KeyError):
        html.lookup({"all": {}})


def test_overlay_strategy_chart(strategy, bars):
    layout = jd.result_chart(strategy, bars.frame)
    price, equity, drawdown = _figures(layout)
    glyphs = _glyphs(price)
    assert glyphs[:2] == ["Segment", "VBar"]  # candles
    assert glyphs.count("Scatter") >= 4  # long/short entries, exits, the plotshape
    assert "Line" in glyphs  # the overlay plot
    assert any(r.level == "underlay" for r in price.renderers)  # bgcolor
    assert any(isinstance(c, Label) and c.text == "buy" for c in price.center)
    assert glyphs.count("Segment") >= 2  # candle wicks and the line drawing
    assert equity.x_range is price.x_range and drawdown.x_range is price.x_range
    assert _glyphs(equity) == ["Line"] and _glyphs(drawdown) == ["VArea"]
    assert "docs_json" in jd.chart_widget(layout).render_bundle  # serialisable


def test_indicator_in_its_own_pane(bars):
    result = pineopt.run(OSCILLATOR, bars)
    records = result.outputs.records
    up, down = [r for r in records if r.kind == "hline"]
    rsi = records[0]
    result.outputs.fill(up, down, color=Color(0, 0, 255, 90))
    mid = result.outputs.plot(title="Mid")  # a second plot to fill against
    mid.set_all(50.0)
    result.plots["Mid"] = 50.0
    result.outputs.fill(rsi, mid, color=Color(255, 0, 0, 80))
    layout = jd.result_chart(result, bars.frame)
    price, pane = _figures(layout)
    assert _glyphs(price) == ["Segment", "VBar"]  # candles only
    glyphs = _glyphs(pane)
    assert glyphs.count("Line") == 2 and "Scatter" in glyphs
    assert glyphs.count("VBar") == 1  # the histogram
    assert glyphs.count("VArea") == 2  # the fills between the hlines and between two plots
    spans = [c for c in pane.center if isinstance(c, Span)]
    assert sorted(s.location for s in spans) == [30.0, 70.0]
    assert any(isinstance(c, Label) and c.text == "hi" for c in pane.center)
    assert pane.x_range is price.x_range
    assert "docs_json" in jd.chart_widget(layout).render_bundle


def test_chart_without_bars_and_widget(strategy):
    layout = jd.result_chart(strategy, None)
    assert len(_figures(layout)) == 3  # the script's pane, equity, drawdown
    widget = jd.chart_widget(layout)
    assert type(widget).__name__ == "BokehModel"


def test_diagnostics_html_escapes_and_colours():
    text = jd.diagnostics_html("<cell>:1:1: error: bad <b>\nx\n^", title="Errors")
    assert "&lt;b&gt;" in text and "pineopt-error" in text and "<h4>Errors</h4>" in text
