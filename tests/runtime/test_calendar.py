"""Unit tests of ``pineopt.runtime.calendar``: timezones, DST, day numbering, FX sessions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pineopt.data.symbol import SymbolInfo
from pineopt.errors import PineRuntimeError
from pineopt.runtime import calendar as cal

HOUR_MS = 3_600_000
NY = "America/New_York"
FX = SymbolInfo("EURUSD", type="forex", timezone=NY, session="1700-1700:23456")


def _ms(text: str, tz: str = "UTC") -> float:
    return float(pd.Timestamp(text, tz=tz).value // 1_000_000)


def _utc(*texts: str, tz: str = "UTC") -> pd.DatetimeIndex:
    return pd.DatetimeIndex([pd.Timestamp(t, tz=tz) for t in texts]).tz_convert("UTC")


# -- timezone arguments


@pytest.mark.parametrize(
    ("name", "hours"),
    [
        ("UTC", 0),
        ("GMT", 0),
        ("GMT+3", 3),
        ("GMT-5", -5),
        ("UTC+3", 3),
        ("GMT+05:30", 5.5),
        ("GMT+0530", 5.5),
        ("GMT-3:30", -3.5),
        ("+0200", 2),
    ],
)
def test_gmt_offsets_count_east_of_utc_as_positive(name, hours):
    tz = cal.parse_timezone(name)
    assert tz.utcoffset(None) == dt.timedelta(hours=hours)


def test_gmt_plus_is_the_opposite_of_iana_etc_gmt_plus():
    t = _ms("2024-06-01 12:00")
    assert cal.hour([t], "GMT+3")[0] == 15
    assert cal.hour([t], "Etc/GMT+3")[0] == 9  # IANA's POSIX-style sign
    assert cal.timestamp("GMT+3", 2024, 6, 1, 15, 0) == t


@pytest.mark.parametrize("name", ["Mars/Olympus", "GMT+25", "GMT+3:75"])
def test_bad_timezones_are_refused(name):
    with pytest.raises(PineRuntimeError):
        cal.parse_timezone(name)


# -- calendar fields


def test_dayofweek_numbers_sunday_1_to_saturday_7():
    days = [_ms(f"2024-12-{d} 12:00") for d in range(22, 29)]  # Sunday 22 … Saturday 28
    assert cal.dayofweek(days).tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_fields_use_the_exchange_timezone_by_default():
    t = [_ms("2025-01-01 03:30")]  # 22:30 on 31 December in New York
    assert cal.year(t, symbol=FX)[0] == 2024
    assert cal.month(t, symbol=FX)[0] == 12
    assert cal.dayofmonth(t, symbol=FX)[0] == 31
    assert cal.hour(t, symbol=FX)[0] == 22
    assert cal.minute(t, symbol=FX)[0] == 30
    assert cal.dayofweek(t, symbol=FX)[0] == 3  # Tuesday
    assert cal.year(t)[0] == 2025  # no symbol, no timezone: UTC


def test_weekofyear_is_the_iso_week():
    t = [_ms("2024-12-29 12:00"), _ms("2024-12-30 00:00"), _ms("2021-01-03 12:00")]
    assert cal.weekofyear(t).tolist() == [52, 1, 53]


def test_na_times_give_na():
    out = cal.hour([np.nan, _ms("2024-01-01 05:00")])
    assert np.isnan(out[0]) and out[1] == 5


def test_dst_transitions_in_new_york():
    # 2024-03-10 07:00 UTC is 03:00 EDT (clocks jump from 02:00 EST); 06:59 UTC is 01:59 EST
    t = [_ms("2024-03-10 06:59"), _ms("2024-03-10 07:00"), _ms("2024-11-03 05:30")]
    assert cal.hour(t, NY).tolist() == [1, 3, 1]  # 05:30 UTC on 3 November is 01:30 EDT
    assert cal.hour([_ms("2024-11-03 06:30")], NY)[0] == 1  # … and 06:30 UTC 01:30 EST
    # timestamp() takes the wall clock in the zone's offset of that date
    assert cal.timestamp(NY, 2024, 7, 1, 9, 30) == _ms("2024-07-01 13:30")
    assert cal.timestamp(NY, 2024, 1, 2, 9, 30) == _ms("2024-01-02 14:30")


def test_timestamp_rolls_over_out_of_range_parts():
    assert cal.timestamp(2024, 13, 1) == _ms("2025-01-01")
    assert cal.timestamp(2024, 3, 0) == _ms("2024-02-29")
    assert cal.timestamp(2024, 1, 1, 25, 0) == _ms("2024-01-02 01:00")


def test_timestamp_date_strings():
    assert cal.timestamp("2020-02-20") == _ms("2020-02-20")
    assert cal.timestamp("20 Feb 2020 10:00:00 +0100") == _ms("2020-02-20 09:00")
    assert cal.timestamp("2020-02-20T10:00:00Z") == _ms("2020-02-20 10:00")
    with pytest.raises(PineRuntimeError):
        cal.timestamp("yesterday")


# -- an overnight FX session: New York 17:00 → 17:00, Monday … Friday trading days


def _fx_week() -> pd.DatetimeIndex:
    """Hourly bars from Sunday 2025-01-05 17:00 to Friday 2025-01-10 16:00 New York."""
    start = pd.Timestamp("2025-01-05 17:00", tz=NY).tz_convert("UTC")
    return pd.date_range(start, periods=5 * 24, freq="h", name="time")


def test_fx_trading_day_rolls_at_the_17_00_open():
    index = _utc("2025-01-05 17:00", "2025-01-06 16:00", "2025-01-06 17:00", tz=NY)
    assert cal.time_tradingday(index, FX).tolist() == [
        _ms("2025-01-06"),
        _ms("2025-01-06"),
        _ms("2025-01-07"),
    ]


def test_fx_session_first_and_last_bars():
    index = _fx_week()
    local = index.tz_convert(NY)
    first = cal.session_isfirstbar(index, "60", FX)
    last = cal.session_islastbar(index, "60", FX)
    assert (local[first].hour == 17).all() and first.sum() == 5
    assert (local[last].hour == 16).all() and last.sum() == 5
    assert cal.session_ismarket(index, "60", FX).all()
    assert (cal.session_isfirstbar_regular(index, "60", FX) == first).all()
    assert (cal.session_islastbar_regular(index, "60", FX) == last).all()


def test_fx_time_close_is_cut_at_the_session_end():
    index = _utc("2025-01-06 15:00", "2025-01-06 16:00", tz=NY)
    # a 4-hour chart: bars open 17, 21, 01, 05, 09, 13 New York; the 13:00 bar closes at 17:00
    four = _utc("2025-01-06 13:00", tz=NY)
    assert cal.time_close(four, "240", FX)[0] == _ms("2025-01-06 17:00", NY)
    assert (cal.time_close(index, "60", FX) - cal.time(index)).tolist() == [HOUR_MS, HOUR_MS]


def test_weekend_bars_are_outside_the_market():
    index = _utc("2025-01-04 12:00", "2025-01-05 12:00", "2025-01-05 17:00", tz=NY)
    assert cal.session_ismarket(index, "60", FX).tolist() == [False, False, True]


def test_stock_session_premarket_and_first_bar():
    stock = SymbolInfo("AAPL", type="stock", timezone=NY, session="0930-1600:23456")
    index = _utc("2025-01-06 08:30", "2025-01-06 09:30", "2025-01-06 15:30", tz=NY)
    assert cal.session_ismarket(index, "30", stock).tolist() == [False, True, True]
    assert cal.session_isfirstbar(index, "30", stock).tolist() == [False, True, False]
    assert cal.session_islastbar(index, "30", stock).tolist() == [False, False, True]


def test_timeframe_change_is_false_on_the_first_bar():
    index = _fx_week()
    change = cal.timeframe_change(index, "D", FX)
    assert not change[0]
    assert change.sum() == 4  # Tuesday … Friday open at 17:00 the evening before
    assert cal.timeframe_change(index[:0], "D", FX).size == 0


def test_daily_charts_flag_every_bar_as_first_and_last():
    index = _utc("2025-01-05 17:00", "2025-01-06 17:00", tz=NY)
    assert cal.session_isfirstbar(index, "1D", FX).all()
    assert cal.session_islastbar(index, "1D", FX).all()
    assert cal.session_ismarket(index, "1D", FX).all()
    assert cal.time_close(index, "1D", FX)[0] == _ms("2025-01-06 17:00", NY)
