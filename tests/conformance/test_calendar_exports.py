"""``pineopt.runtime.calendar`` against TradingView's own "Export chart data" files.

Every compared column holds integers or plotted booleans, so the match is exact equality on
every bar (none of these columns has an ``na``; the ``na`` pattern is checked all the same).
See ``data/README.md`` for the Pine expression behind each column.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.data.providers.tradingview import read_tradingview_export
from pineopt.data.symbol import SymbolInfo
from pineopt.runtime import calendar as cal

DATA = Path(__file__).parent / "data"
TIMEFRAME_FILES = Path(__file__).parents[1] / "data" / "files" / "timeframe"
MINUTE_MS = 60_000
BUDAPEST = "Europe/Budapest"


@cache
def _time_chart():
    return read_tradingview_export(DATA / "base" / "time.csv")


@cache
def _session_chart():
    return read_tradingview_export(
        DATA / "session" / "session.csv", syminfo=DATA / "session" / "session.toml"
    )


def _assert_exact(ours: np.ndarray, tv: pd.Series, label: str) -> None:
    tv_values = tv.to_numpy(dtype=np.float64)
    ours = np.asarray(ours, dtype=np.float64)
    assert ours.shape == tv_values.shape, label
    assert (np.isnan(ours) == np.isnan(tv_values)).all(), f"{label}: na pattern differs"
    both = ~np.isnan(tv_values)
    bad = np.flatnonzero(ours[both] != tv_values[both])
    assert not bad.size, (
        f"{label}: {bad.size} bars differ, first at {tv.index[both][bad[0]]}: "
        f"ours {ours[both][bad[0]]}, TradingView {tv_values[both][bad[0]]}"
    )


def test_time_chart_is_the_5_minute_24x7_utc_chart():
    chart = _time_chart()
    assert len(chart.frame) == 2300
    assert str(chart.timeframe) == "5"
    assert chart.symbol.timezone == "UTC" and chart.symbol.session.is_24x7


def test_time_is_the_bar_open():
    chart = _time_chart()
    _assert_exact(cal.time(chart.frame.index), chart.reference["time (2)"], "time")


def test_time_close_is_the_plotted_time_plus_one_bar():
    # "time+" plots time + 5 minutes; on this 24x7 5-minute chart that is every bar's close
    chart = _time_chart()
    ours = cal.time_close(chart.frame.index, chart.timeframe, chart.symbol)
    _assert_exact(ours, chart.reference["time+"], "time_close")


FIELDS = ["dayofmonth", "dayofweek", "hour", "minute", "month", "second", "weekofyear", "year"]


@pytest.mark.parametrize("name", FIELDS)
def test_calendar_variable(name):
    chart = _time_chart()
    fn = getattr(cal, name)
    t = cal.time(chart.frame.index)
    _assert_exact(fn(t, symbol=chart.symbol), chart.reference[name], name)


@pytest.mark.parametrize("name", FIELDS)
def test_calendar_function_of_a_time(name):
    chart = _time_chart()
    fn = getattr(cal, name)
    t = cal.time(chart.frame.index) + 5 * MINUTE_MS
    _assert_exact(fn(t, symbol=chart.symbol), chart.reference[f"{name}_time"], f"{name}(time)")


@pytest.mark.parametrize("name", FIELDS)
def test_calendar_function_with_a_timezone(name):
    chart = _time_chart()
    fn = getattr(cal, name)
    minutes = 10 if name == "dayofmonth" else 5  # the export's dayofmonth probe adds 10 minutes
    t = cal.time(chart.frame.index) + minutes * MINUTE_MS
    _assert_exact(fn(t, BUDAPEST), chart.reference[f"{name}_time_tz"], f"{name}(time, tz)")


def _timestamps(symbol: SymbolInfo) -> dict[str, float]:
    return {
        "timestamp datetime 1": cal.timestamp(2016, 1, 19, 9, 30, symbol=symbol),
        "timestamp datetime 2": cal.timestamp(2019, 6, 19, 9, 30, 15, symbol=symbol),
        "timestamp datetime tz 1": cal.timestamp(symbol.timezone, 2016, 1, 19, 9, 30),
        "timestamp datetime tz 2": cal.timestamp("GMT+6", 2016, 1, 19, 9, 30),
        "timestamp datetime tz 3": cal.timestamp("GMT+3", 2019, 6, 19, 9, 30, 15),
        "timestamp datestr 1": cal.timestamp(dateString="Feb 01 2020 22:10:05"),
        "timestamp datestr 2": cal.timestamp("2011-10-10T14:48:00"),
        "timestamp datestr 3": cal.timestamp("04 Dec 1995 00:12:00 GMT+5"),
    }


@pytest.mark.parametrize("column", list(_timestamps(SymbolInfo("X"))))
def test_timestamp(column):
    chart = _time_chart()
    value = _timestamps(chart.symbol)[column]
    ours = np.full(len(chart.frame), value)
    _assert_exact(ours, chart.reference[column], column)


SESSION_FLAGS = [
    ("isfirstbar", cal.session_isfirstbar, 1.0),
    ("isfirstbar_regular", cal.session_isfirstbar_regular, 1.5),
    ("islastbar", cal.session_islastbar, 2.0),
    ("islastbar_regular", cal.session_islastbar_regular, 2.5),
    ("ismarket", cal.session_ismarket, 3.0),
]


@pytest.mark.parametrize(
    ("column", "fn", "plotted"), SESSION_FLAGS, ids=[c[0] for c in SESSION_FLAGS]
)
def test_session_flag(column, fn, plotted):
    chart = _session_chart()
    assert str(chart.timeframe) == "60"
    ours = np.where(fn(chart.frame.index, chart.timeframe, chart.symbol), plotted, 0.0)
    _assert_exact(ours, chart.reference[column], f"session.{column}")


def test_session_export_has_first_and_last_bars():
    reference = _session_chart().reference
    assert (reference["isfirstbar"] != 0).sum() == 19
    assert (reference["islastbar"] != 0).sum() == 20  # the chart's last bar is a day's last


@pytest.mark.parametrize("export", ["timeframe.csv", "timeframe2.csv"])
def test_timeframe_change(export):
    symbol = SymbolInfo.from_toml(TIMEFRAME_FILES / "timeframe.toml")
    chart = read_tradingview_export(TIMEFRAME_FILES / export, symbol=symbol)
    columns = [c for c in chart.reference.columns if c.startswith("tf_change_")]
    assert len(columns) in (6, 7)
    for column in columns:
        tv = chart.reference[column]
        plotted = np.unique(tv.to_numpy())
        assert len(plotted) == 2 and plotted[0] == 0, column  # false = 0, true = one constant
        ours = cal.timeframe_change(chart.frame.index, column.removeprefix("tf_change_"), symbol)
        _assert_exact(np.where(ours, plotted[1], 0.0), tv, f"timeframe.change {column}")
