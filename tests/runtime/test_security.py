"""Unit tests of ``pineopt.runtime.security`` on small hand-made series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pineopt.data.symbol import SymbolInfo
from pineopt.runtime import security as sec

NA = np.nan
CRYPTO = None  # 24x7 UTC
STOCK = SymbolInfo("SPY", timezone="America/New_York", session="0930-1600:23456")


def _hours(start: str, count: int, step: str = "1h") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=count, freq=step, tz="UTC")


def _eq(ours, expected) -> None:
    np.testing.assert_array_equal(np.asarray(ours, dtype=float), np.asarray(expected, dtype=float))


# a 1h 24x7 chart of 12 bars from 00:00; 4h bars 00:00, 04:00, 08:00 valued 10, 20, 30
CHART = _hours("2024-01-01", 12)
H4 = _hours("2024-01-01", 3, "4h")
H4_VALUES = np.array([10.0, 20.0, 30.0])


@pytest.mark.parametrize(
    ("lookahead", "gaps", "expected"),
    [
        (False, False, [NA, NA, NA, 10, 10, 10, 10, 20, 20, 20, 20, 30]),
        (False, True, [NA, NA, NA, 10, NA, NA, NA, 20, NA, NA, NA, 30]),
        (True, False, [10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30]),
        (True, True, [10, NA, NA, NA, 20, NA, NA, NA, 30, NA, NA, NA]),
    ],
)
def test_4h_from_a_1h_chart(lookahead, gaps, expected):
    ours = sec.security(
        H4_VALUES, H4, "240", CRYPTO, CHART, "60", CRYPTO, lookahead=lookahead, gaps=gaps
    )
    _eq(ours, expected)


# a 1h 24x7 chart over three days; daily bars valued 1, 2, 3
CHART3 = _hours("2024-01-01", 72)
DAYS = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
DAY_VALUES = np.array([1.0, 2.0, 3.0])


@pytest.mark.parametrize("lookahead", [False, True])
@pytest.mark.parametrize("gaps", [False, True])
def test_1d_from_a_1h_chart(lookahead, gaps):
    ours = sec.security(
        DAY_VALUES, DAYS, "D", CRYPTO, CHART3, "60", CRYPTO, lookahead=lookahead, gaps=gaps
    )
    expected = np.full(72, NA)
    if lookahead:  # every hour of a day sees that day's final value
        expected[:] = np.repeat(DAY_VALUES, 24)
        if gaps:
            expected[np.arange(72) % 24 != 0] = NA
    else:  # the value arrives on the last hour of its day (23:00-24:00 closes with the day)
        expected[23:47], expected[47:71], expected[71] = 1, 2, 3
        if gaps:
            expected[np.arange(72) % 24 != 23] = NA
    _eq(ours, expected)


@pytest.mark.parametrize("requested", [("240", H4, H4_VALUES), ("D", DAYS, DAY_VALUES)])
@pytest.mark.parametrize("gaps", [False, True])
def test_lookahead_off_never_uses_a_bar_that_has_not_closed(requested, gaps):
    tf, index, _ = requested
    source = sec.source_bars(CHART3, "60", CRYPTO, index, tf, CRYPTO)
    _, chart_close = sec.bar_bounds(CHART3, "60", CRYPTO)
    _, request_close = sec.bar_bounds(index, tf, CRYPTO)
    used = source >= 0
    assert used.any()
    assert (request_close[source[used]] <= chart_close[used]).all()
    # and it is the latest such bar
    later = np.minimum(source + 1, len(index) - 1)
    last = source == len(index) - 1
    assert (last | (request_close[later] > chart_close)).all()
    # values come only from those bars
    values = np.arange(len(index), dtype=float) * 7 + 1
    ours = sec.merge(values, source, gaps=gaps)
    shown = ~np.isnan(ours)
    assert np.isin(ours[shown], values).all()
    assert (np.searchsorted(values, ours[shown]) == source[shown]).all()


def test_lookahead_on_takes_the_bar_containing_the_chart_bar():
    source = sec.source_bars(CHART, "60", CRYPTO, H4, "240", CRYPTO, lookahead=True)
    _eq(source, np.repeat([0, 1, 2], 4))


def test_stock_daily_from_an_hourly_chart_closes_at_the_session_end():
    # 09:30-16:00 New York: hourly bars 09:30 … 15:30 (the last one cut to 16:00)
    chart = pd.DatetimeIndex(
        [pd.Timestamp(f"2024-01-0{d} {h}", tz="America/New_York") for d in (2, 3) for h in
         ("09:30", "10:30", "11:30", "12:30", "13:30", "14:30", "15:30")]
    ).tz_convert("UTC")  # fmt: skip
    days = pd.DatetimeIndex(
        [pd.Timestamp(f"2024-01-0{d} 09:30", tz="America/New_York") for d in (2, 3)]
    ).tz_convert("UTC")
    ours = sec.security(np.array([5.0, 6.0]), days, "D", STOCK, chart, "60", STOCK)
    _eq(ours, [NA] * 6 + [5] + [5] * 6 + [6])


def test_same_timeframe_other_symbol_takes_the_same_period_and_fills_its_gaps():
    chart = DAYS.append(pd.DatetimeIndex([pd.Timestamp("2024-01-04", tz="UTC")]))
    requested = DAYS[[0, 2]]  # no bar on 2024-01-02 nor 2024-01-04
    values = np.array([1.0, 3.0])
    for lookahead in (False, True):
        off = sec.security(values, requested, "D", CRYPTO, chart, "D", CRYPTO, lookahead=lookahead)
        _eq(off, [1, 1, 3, 3])
        on = sec.security(
            values, requested, "D", CRYPTO, chart, "D", CRYPTO, lookahead=lookahead, gaps=True
        )
        _eq(on, [1, NA, 3, NA])


def test_na_before_the_first_requested_bar_and_na_values_pass_through():
    later = H4[1:]
    ours = sec.security(np.array([NA, 30.0]), later, "240", CRYPTO, CHART, "60", CRYPTO)
    _eq(ours, [NA] * 11 + [30])


# lower timeframe: a 4h chart of three bars, 1h intrabars with the 06:00 hour missing
LTF = CHART.delete(6)
LTF_VALUES = np.arange(len(LTF), dtype=float) + 100  # 00:00→100 … 05:00→105, 07:00→106 …
CHART_4H = H4


def test_intrabars_of_every_chart_bar():
    bars = sec.intrabars(CHART_4H, "240", CRYPTO, LTF, "60", CRYPTO)
    _eq(bars.offsets, [0, 4, 7, 11])
    arrays = sec.lower_tf_arrays(LTF_VALUES, bars)
    _eq(arrays[0], [100, 101, 102, 103])
    _eq(arrays[1], [104, 105, 106])
    _eq(arrays[2], [107, 108, 109, 110])
    _eq(sec.lower_tf_last(LTF_VALUES, bars), [103, 106, 110])
    _eq(sec.lower_tf_first(LTF_VALUES, bars), [100, 104, 107])


def test_intrabars_outside_the_chart_bars_and_empty_chart_bars():
    chart = H4[[0, 2]]  # no chart bar 04:00-08:00
    bars = sec.intrabars(chart, "240", CRYPTO, LTF[:4], "60", CRYPTO)
    _eq(bars.offsets, [0, 4, 4])
    arrays = sec.lower_tf_arrays(LTF_VALUES[:4], bars)
    assert len(arrays) == 2 and arrays[1].size == 0
    _eq(sec.lower_tf_last(LTF_VALUES[:4], bars), [103, NA])
    # request.security with a lower timeframe: gaps_off repeats, gaps_on gives na
    _eq(sec.security(LTF_VALUES[:4], LTF[:4], "60", CRYPTO, chart, "240", CRYPTO), [103, 103])
    on = sec.security(LTF_VALUES[:4], LTF[:4], "60", CRYPTO, chart, "240", CRYPTO, gaps=True)
    _eq(on, [103, NA])


@pytest.mark.parametrize(
    ("lookahead", "expected"), [(False, [103, 106, 110]), (True, [100, 104, 107])]
)
@pytest.mark.parametrize("gaps", [False, True])
def test_security_with_a_lower_timeframe_last_or_first_intrabar(lookahead, gaps, expected):
    ours = sec.security(
        LTF_VALUES, LTF, "60", CRYPTO, CHART_4H, "240", CRYPTO, lookahead=lookahead, gaps=gaps
    )
    _eq(ours, expected)


def test_one_value_per_requested_bar():
    with pytest.raises(Exception, match="one value per requested bar"):
        sec.security(np.array([1.0]), H4, "240", CRYPTO, CHART, "60", CRYPTO)
