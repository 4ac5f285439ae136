"""Recorded outputs: registration, per-bar recording, column names, frame, plot-count limit.

The untitled name ``Plot`` comes from TradingView exports
(``shared/data/pynecore_tv/security/advance_decline_ratio.csv``); the duplicate suffixes follow
``pandas.read_csv``'s renaming of repeated headers (PineOpt's documented choice).
"""

from __future__ import annotations

import math
import random
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime.outputs import MAX_PLOT_COUNT, SERIES, Outputs
from pineopt.runtime.pine_color import Color

RED = Color(255, 0, 0)
SHARED = Path(__file__).resolve().parents[1] / "conformance" / "data"


def test_plot_registration_defaults_and_per_bar_values() -> None:
    out = Outputs(3)
    p = out.plot()
    assert p.title is None and p.kind == "plot"
    assert p.params["style"] == "plot.style_line" and p.params["display"] == "display.all"
    assert p.params["linewidth"] == 1 and p.params["offset"] == 0
    assert all(math.isnan(v) for v in p.values) and len(p.values) == 3
    assert p.colors is None
    p.values[1] = 2.5
    assert out.frame()["Plot"].tolist()[1] == 2.5


def test_series_color_gets_per_bar_list() -> None:
    out = Outputs(2)
    p = out.plot("a", color=SERIES)
    assert p.colors == [None, None]
    p.colors[0] = RED
    assert p.series_colors["color"][0] is RED
    q = out.plot("b", color=RED)
    assert q.colors is None and q.params["color"] is RED


def test_set_all_from_numpy_and_scalar() -> None:
    out = Outputs(4)
    p = out.plot("x")
    p.set_all(np.array([1.0, np.nan, 3.0, 4.0]))
    assert isinstance(p.values, list) and p.values[2] == 3.0
    p.set_all(7)
    assert p.values == [7, 7, 7, 7]
    with pytest.raises(ValueError):
        p.set_all(np.zeros(3))


def test_columns_untitled_and_duplicates() -> None:
    out = Outputs(1)
    out.plot()
    out.plot("ema")
    out.plot()
    out.plot("ema")
    out.plot("Plot.1")  # a real title keeps its name; generated names skip it (as pandas)
    out.hline(10)  # not value-carrying
    out.plot()
    assert out.columns() == ["Plot", "ema", "Plot.2", "ema.1", "Plot.1", "Plot.3"]


def test_columns_match_pandas_reading_repeated_headers() -> None:
    rng = random.Random(7)
    pool = [None, "Plot", "Plot.1", "Plot.2", "a", "a.1", "Plot.1.1"]
    for _ in range(300):
        titles = [rng.choice(pool) for _ in range(rng.randint(1, 8))]
        out = Outputs(1)
        for t in titles:
            out.plot(t)
        header = ",".join("Plot" if t is None else t for t in titles)
        csv = header + "\n" + ",".join(["1"] * len(titles)) + "\n"
        assert out.columns() == list(pd.read_csv(StringIO(csv)).columns), titles


def test_untitled_plot_export_name_from_tradingview_csv() -> None:
    path = SHARED / "security" / "advance_decline_ratio.csv"
    header = path.read_text().splitlines()[0].split(",")
    out = Outputs(1)
    out.plot()
    assert header[-1] == out.columns()[0] == "Plot"


def test_shapes_candles_columns_and_values() -> None:
    out = Outputs(3)
    s = out.plotshape(style="shape.circle")
    c = out.plotchar(title="ch", char="x")
    a = out.plotarrow()
    k = out.plotcandle(title="k")
    b = out.plotbar()
    assert s.params["style"] == "shape.circle" and s.params["location"] == "location.abovebar"
    assert out.columns() == [
        "Shapes", "ch", "Arrows", "k open", "k high", "k low", "k close",
        "Bars open", "Bars high", "Bars low", "Bars close",
    ]  # fmt: skip
    s.values[:] = [True, False, None]
    c.set_all([1.5, float("nan"), 2])
    a.values[2] = -1
    k.set_all([1, 2, 3], [4, 5, 6], [0, 1, 2], [2, 3, 4])
    b.open[0] = 9.0
    f = out.frame(pd.Index([10, 20, 30]))
    assert list(f.index) == [10, 20, 30]
    assert f["Shapes"].tolist()[:2] == [1.0, 0.0] and math.isnan(f["Shapes"].iloc[2])
    assert f["ch"].iloc[0] == 1.5 and math.isnan(f["ch"].iloc[1])
    assert f["Arrows"].iloc[2] == -1.0
    assert f["k high"].tolist() == [4.0, 5.0, 6.0]
    assert f["Bars open"].iloc[0] == 9.0
    assert all(dt == np.float64 for dt in f.dtypes)


def test_frame_applies_offset_unless_disabled() -> None:
    out = Outputs(4)
    p = out.plot("p", offset=2)
    q = out.plot("q", offset=-1)
    p.set_all([1.0, 2.0, 3.0, 4.0])
    q.set_all([1.0, 2.0, 3.0, 4.0])
    f = out.frame()
    assert f["p"].tolist()[2:] == [1.0, 2.0] and f["p"].isna().tolist()[:2] == [True, True]
    assert f["q"].tolist()[:3] == [2.0, 3.0, 4.0] and math.isnan(f["q"].iloc[3])
    assert out.frame(offsets=False)["p"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_empty_frame() -> None:
    out = Outputs(2)
    out.bgcolor()
    f = out.frame()
    assert f.shape == (2, 0)


def test_bgcolor_barcolor_hline_fill_alertcondition() -> None:
    out = Outputs(2)
    bg = out.bgcolor(color=SERIES, title="bg")
    bg.colors[1] = RED
    bar = out.barcolor(RED)
    assert bar.colors is None and bar.params["color"] is RED
    h1 = out.hline(70, title="up", linestyle="hline.style_dashed")
    h2 = out.hline(30)
    assert h1.price == 70 and h1.params["linestyle"] == "hline.style_dashed"
    f1 = out.fill(h1, h2, color=RED)
    assert f1.obj1 is h1 and f1.obj2 is h2 and f1.params["color"] is RED
    p1, p2 = out.plot("a"), out.plot("b")
    f2 = out.fill_kw(plot1=p1, plot2=p2, color=SERIES, title="band")
    assert f2.params["plot1"] is p1 and f2.colors == [None, None]
    f3 = out.fill_kw(plot1=p1, plot2=p2, top_value=1, bottom_value=0, top_color=SERIES,
                     bottom_color=RED)  # fmt: skip
    assert f3.gradient and len(f3.top_value) == 2 and "top_color" in f3.series_colors
    with pytest.raises(PineRuntimeError):
        out.fill(p1, h1)
    ac = out.alertcondition(title="cross", message="crossed")
    assert ac.values == [False, False] and ac.message == "crossed"
    ac.set_all(np.array([0, 1]))
    assert ac.values == [False, True]
    assert [r.kind for r in out.records] == [
        "bgcolor", "barcolor", "hline", "hline", "fill", "plot", "plot", "fill", "fill",
        "alertcondition",
    ]  # fmt: skip
    assert out.columns() == ["a", "b"]


def test_alert_events() -> None:
    out = Outputs(5)
    out.alert(3, 1_700_000_000_000, "hello")
    out.alert(4, 1_700_000_060_000, "bye", "alert.freq_all")
    assert [(a.bar_index, a.freq) for a in out.alerts] == [
        (3, "alert.freq_once_per_bar"),
        (4, "alert.freq_all"),
    ]
    df = out.alerts_frame()
    assert list(df.columns) == ["bar_index", "time", "message", "freq"]
    assert df["message"].tolist() == ["hello", "bye"]


def test_plot_counts() -> None:
    out = Outputs(1)
    out.plot()
    assert out.plot_count == 1
    out.plot(color=SERIES)
    assert out.plot_count == 3
    out.plotcandle(color=SERIES, wickcolor=SERIES, bordercolor=SERIES)
    assert out.plot_count == 10
    out.plotbar()
    out.bgcolor()
    out.barcolor()
    h = out.hline(1)
    out.fill(h, out.hline(2))
    out.alertcondition()
    assert out.plot_count == 16
    out.plotarrow(colorup=SERIES)
    out.plotshape(color=SERIES, textcolor=SERIES)
    assert out.plot_count == 21


def test_plot_count_limit_raises_at_registration() -> None:
    out = Outputs(1)
    for _ in range(MAX_PLOT_COUNT):
        out.plot()
    assert out.plot_count == 64
    out.hline(1)  # counts 0: still fine
    with pytest.raises(PineRuntimeError, match="64"):
        out.plot()
    assert len(out.records) == 65  # the failing plot was not registered


def test_plot_count_limit_with_candles() -> None:
    out = Outputs(1)
    for _ in range(15):
        out.plotcandle()
    assert out.plot_count == 60
    out.plotbar()
    with pytest.raises(PineRuntimeError):
        out.plot(color=SERIES)
