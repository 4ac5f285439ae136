"""Which bars serve a request (``Context.security_lower_tf``, ``Context.security``): for
``request.security_lower_tf`` the chart's own at its timeframe, a supplied finer feed of the
chart's symbol aggregated to a lower one, and a higher timeframe stops the script as on
TradingView (Reference: "a timeframe lower than or equal to the chart's"); a feed supplied at
the requested timeframe is used as it is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pineopt
from pineopt.data.frame import to_ohlcv
from pineopt.data.resample import resample
from pineopt.errors import PineRuntimeError

SCRIPT = """//@version=6
indicator("t")
array<float> closes = request.security_lower_tf("", "{tf}", close)
plot(closes.size(), "n")
plot(closes.size() > 0 ? closes.first() : na, "first")
plot(closes.size() > 0 ? closes.last() : na, "last")
"""


def minutes(count: int) -> pd.DataFrame:
    """``count`` one-minute bars from 2024-01-01 00:00 UTC whose close is the minute's number."""
    index = pd.date_range("2024-01-01", periods=count, freq="min", tz="UTC")
    close = np.arange(count, dtype=float)
    columns = {"open": close, "high": close, "low": close, "close": close}
    return to_ohlcv(pd.DataFrame({**columns, "volume": np.ones(count)}, index=index))


def hours(count: int) -> pd.DataFrame:
    return resample(minutes(60 * count), "60")


def test_a_finer_feed_serves_a_lower_timeframe():
    result = pineopt.run(SCRIPT.format(tf="15"), hours(2), htf_data={"1": minutes(120)})
    plots = result.plots
    assert plots["n"].tolist() == [4, 4]
    # the 15-minute bars of hour 0 close at minutes 14, 29, 44, 59
    assert plots["first"].tolist() == [14, 74]
    assert plots["last"].tolist() == [59, 119]


def test_the_chart_timeframe_is_served_by_the_chart():
    plots = pineopt.run(SCRIPT.format(tf="60"), hours(3)).plots
    assert plots["n"].tolist() == [1, 1, 1]
    assert plots["last"].tolist() == [59, 119, 179]


def test_a_higher_timeframe_stops_the_script():
    with pytest.raises(PineRuntimeError, match="higher than the chart's"):
        pineopt.run(SCRIPT.format(tf="240"), hours(3))


def test_a_lower_timeframe_without_a_feed_asks_for_one():
    with pytest.raises(PineRuntimeError, match="--htf-data 15=PATH"):
        pineopt.run(SCRIPT.format(tf="15"), hours(2))


def test_a_supplied_higher_timeframe_feed_is_used_as_it_is():
    # request.security (not lower_tf): a "240" feed of the chart's symbol wins over aggregating
    # the chart's bars
    src = """//@version=6
indicator("t")
plot(request.security("", "240", close, lookahead = barmerge.lookahead_on), "c")
"""
    four_hours = resample(minutes(480), "240")
    four_hours["close"] = [1000.0, 1001.0]
    plots = pineopt.run(src, hours(8), htf_data={"240": four_hours}).plots
    assert plots["c"].tolist() == [1000.0] * 4 + [1001.0] * 4
