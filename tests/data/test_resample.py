import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pineopt.data import load
from pineopt.data.frame import parse_times, to_ohlcv
from pineopt.data.resample import drop_incomplete, expected_bar_times, period_bounds, resample
from pineopt.data.symbol import SymbolInfo
from pineopt.errors import DataError

UTC = "UTC"


# -- the bundled Binance data: our aggregation against Binance's own higher-timeframe bars


def test_binance_1h_to_4h_equals_native_4h_but_for_the_2023_03_24_placeholder():
    hourly_bars = load("BTCUSDT", "1h")
    ours = resample(hourly_bars.frame, "240", hourly_bars.symbol)
    native = load("BTCUSDT", "4h").frame
    assert ours.attrs["incomplete_last_bar"]  # the 1h file ends at 14:00, inside the 12:00 bar
    complete = drop_incomplete(ours)
    common = complete.index.intersection(native.index)
    assert len(common) == len(complete) == 14_620
    volume_close = np.isclose(
        complete.loc[common, "volume"], native.loc[common, "volume"], rtol=1e-9
    )
    prices_differ = (
        complete.loc[common, ["open", "high", "low", "close"]]
        != native.loc[common, ["open", "high", "low", "close"]]
    ).any(axis=1)
    assert volume_close.all()
    differing = list(common[prices_differ.to_numpy()])
    # Binance's 1h series has a flat zero-volume placeholder at 12:00 and no 13:00 bar; its native
    # 4h bar excludes the placeholder and opens at the 14:00 open.
    placeholder = pd.Timestamp("2023-03-24 12:00", tz=UTC)
    assert differing == [placeholder]
    assert complete.loc[placeholder, "open"] == 28080.00
    assert native.loc[placeholder, "open"] == 28079.99
    assert (
        complete.loc[placeholder, ["high", "low", "close"]]
        == native.loc[placeholder, ["high", "low", "close"]]
    ).all()


def test_binance_4h_to_daily_equals_native_daily():
    four_hourly = load("BTCUSDT", "4h")
    ours = resample(four_hourly.frame, "1D", four_hourly.symbol)
    native = load("BTCUSDT", "1D").frame
    assert ours.attrs["incomplete_last_bar"]  # 2026-01-06 ends at 08:00 + 4h
    complete = drop_incomplete(ours)
    assert complete.index.equals(native.index)
    assert (
        (complete[["open", "high", "low", "close"]] == native[["open", "high", "low", "close"]])
        .all()
        .all()
    )
    np.testing.assert_allclose(complete["volume"], native["volume"], rtol=1e-9)


# -- TradingView's own bar boundaries: timeframe.change() exported from an FX chart


@pytest.mark.parametrize("export", ["timeframe.csv", "timeframe2.csv"])
def test_period_starts_match_tradingview_timeframe_change(files, export):
    chart = pd.read_csv(files / "timeframe" / export)
    symbol = SymbolInfo.from_toml(files / "timeframe" / "timeframe.toml")
    times = parse_times(chart["time"])
    columns = [c for c in chart.columns if c.startswith("tf_change_")]
    assert len(columns) in (6, 7)
    for column in columns:
        timeframe = column.removeprefix("tf_change_")
        opens, _ = period_bounds(times, timeframe, symbol)
        changed = np.r_[False, np.diff(opens) != 0]
        tradingview = chart[column].to_numpy() != 0  # plotted as a distinct non-zero per column
        assert (changed == tradingview).all(), (
            f"{timeframe}: {np.flatnonzero(changed != tradingview)[:5]}"
        )


# -- alignment rules on small hand-made series


def test_fx_bars_align_to_the_17_00_new_york_day_start():
    fx = load("EURUSD", "60", end="2022-01-10")
    four = resample(fx.frame, "240", fx.symbol)
    local_hours = set(four.index.tz_convert("America/New_York").hour)
    assert local_hours == {17, 21, 1, 5, 9, 13}
    daily = resample(fx.frame, "1D", fx.symbol)
    local = daily.index.tz_convert("America/New_York")
    assert set(local.hour) == {17} and set(local.day_of_week) <= {6, 0, 1, 2, 3}
    # Sunday-evening bars belong to Monday's trading day: one bar per trading day
    assert len(daily) == len(set(zip(local.year, local.month, local.day, strict=True)))


def test_stock_weeks_and_months_open_at_the_first_session():
    orcl = load("ORCL", "1D", start="2013-12-01", end="2014-03-31")
    weekly = resample(orcl.frame, "1W", orcl.symbol)
    local = weekly.index.tz_convert("America/New_York")
    assert set(local.day_of_week) == {0} and set(local.strftime("%H:%M")) == {"09:30"}
    monthly = resample(orcl.frame, "1M", orcl.symbol)
    assert list(monthly.index.tz_convert("America/New_York").strftime("%Y-%m-%d %H:%M")) == [
        "2013-12-02 09:30",
        "2014-01-01 09:30",
        "2014-02-03 09:30",
        "2014-03-03 09:30",
    ]
    jan = orcl.frame.loc["2014-01"]
    row = monthly.iloc[1]
    assert (row.open, row.high, row.low, row.close, row.volume) == (
        jan.open.iloc[0],
        jan.high.max(),
        jan.low.min(),
        jan.close.iloc[-1],
        jan.volume.sum(),
    )


def test_incomplete_last_bar_is_marked(make_bars):
    ends_inside = resample(make_bars(periods=15), "240")  # last hour 14:00 closes 15:00 < 16:00
    assert ends_inside.attrs["incomplete_last_bar"] and len(drop_incomplete(ends_inside)) == 3
    ends_on_boundary = resample(make_bars(periods=16), "240")
    assert not ends_on_boundary.attrs["incomplete_last_bar"]
    assert drop_incomplete(ends_on_boundary) is ends_on_boundary


def test_aggregation_rules(make_bars):
    frame = make_bars(periods=8)
    four = resample(frame, "240")
    assert list(four.index.hour) == [0, 4]
    first = frame.iloc[:4]
    assert four.iloc[0].tolist() == [
        first.open.iloc[0],
        first.high.max(),
        first.low.min(),
        first.close.iloc[-1],
        first.volume.sum(),
    ]


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("240", "60", "lower timeframe"),
        ("60", "90", "whole multiple"),
        ("1W", "1M", "do not nest"),
    ],
)
def test_impossible_resampling_is_refused(source, target, message, make_bars):
    seconds = {"240": "4h", "60": "h", "1W": "7D"}[source]
    with pytest.raises(DataError, match=message):
        resample(make_bars(periods=20, freq=seconds), target, source_timeframe=source)


def test_expected_bar_times_of_a_stock_day():
    stock = SymbolInfo("SPY", type="fund", timezone="America/New_York", session="0930-1600:23456")
    start, end = pd.Timestamp("2024-03-08 14:30", tz=UTC), pd.Timestamp("2024-03-11 19:30", tz=UTC)
    times = expected_bar_times(start, end, "60", stock)
    local = times.tz_convert("America/New_York").strftime("%a %H:%M")
    assert list(local[:7]) == [
        "Fri 09:30",
        "Fri 10:30",
        "Fri 11:30",
        "Fri 12:30",
        "Fri 13:30",
        "Fri 14:30",
        "Fri 15:30",
    ]
    assert list(local[7:]) == [
        "Mon 09:30",
        "Mon 10:30",
        "Mon 11:30",
        "Mon 12:30",
        "Mon 13:30",
        "Mon 14:30",
        "Mon 15:30",
    ]  # across the DST change, still 09:30 local


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 400), st.integers(0, 59), st.lists(st.floats(1, 1000), min_size=1, max_size=1)
)
def test_resampling_composes(length, offset, seed):
    rng = np.random.default_rng(int(seed[0] * 1000))
    index = pd.date_range("2024-01-01", periods=length, freq="min", tz=UTC) + pd.Timedelta(
        minutes=offset
    )
    close = 100 + rng.standard_normal(length).cumsum()
    spread = rng.random(length)
    frame = to_ohlcv(
        pd.DataFrame(
            {
                "open": close + spread - 0.5,
                "high": close + spread + 1,
                "low": close - 1 - spread,
                "close": close,
                "volume": rng.random(length) * 10,
            },
            index=index,
        )
    )
    direct = resample(frame, "15", source_timeframe="1")
    stepped = resample(resample(frame, "5", source_timeframe="1"), "15", source_timeframe="5")
    pd.testing.assert_frame_equal(direct, stepped, check_exact=False, rtol=1e-12)
    assert (direct.high >= direct[["open", "close"]].max(axis=1)).all()
    assert (direct.low <= direct[["open", "close"]].min(axis=1)).all()
    assert np.isclose(direct.volume.sum(), frame.volume.sum())
    assert (direct.index.minute % 15 == 0).all()
