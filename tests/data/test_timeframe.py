import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError


@pytest.mark.parametrize(
    ("text", "multiplier", "unit", "printed", "seconds"),
    [
        ("1S", 1, "S", "1S", 1),
        ("30S", 30, "S", "30S", 30),
        ("1", 1, "", "1", 60),
        ("5", 5, "", "5", 300),
        ("15", 15, "", "15", 900),
        ("60", 60, "", "60", 3600),
        ("240", 240, "", "240", 14400),
        ("D", 1, "D", "1D", 86400),
        ("1D", 1, "D", "1D", 86400),
        ("3D", 3, "D", "3D", 259200),
        ("W", 1, "W", "1W", 604800),
        ("1W", 1, "W", "1W", 604800),
        ("M", 1, "M", "1M", 2628003),
        ("3M", 3, "M", "3M", 3 * 2628003),
        ("12M", 12, "M", "12M", 12 * 2628003),
    ],
)
def test_pine_notation_parses_and_prints_like_tradingview(text, multiplier, unit, printed, seconds):
    tf = Timeframe.parse(text)
    assert (tf.multiplier, tf.unit) == (multiplier, unit)
    assert str(tf) == printed
    assert tf.seconds == seconds
    assert Timeframe.parse(str(tf)) == tf


@pytest.mark.parametrize(
    ("text", "pine", "ccxt"),
    [
        ("1m", "1", "1m"),
        ("15m", "15", "15m"),
        ("1h", "60", "1h"),
        ("4h", "240", "4h"),
        ("1d", "1D", "1d"),
        ("1w", "1W", "1w"),
        ("1M", "1M", "1M"),
        ("30s", "30S", "30s"),
    ],
)
def test_exchange_spellings(text, pine, ccxt):
    tf = Timeframe.parse(text)
    assert str(tf) == pine
    assert tf.to_ccxt() == ccxt


def test_in_seconds_matches_tradingview_export(files):
    export = pd.read_csv(files / "timeframe" / "timeframe_is.csv")
    for column in export.columns[6:]:
        spelled = column[len("in_seconds(") : -1]
        assert Timeframe.parse(spelled).seconds == export[column].iloc[0], column


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (1, "1S"),
        (90, "90S"),
        (60, "1"),
        (14400, "240"),
        (86400, "1D"),
        (259200, "3D"),
        (604800, "1W"),
        (1209600, "2W"),
    ],
)
def test_from_seconds(seconds, expected):
    assert str(Timeframe.from_seconds(seconds)) == expected


def test_flags():
    assert Timeframe.parse("60").is_intraday and Timeframe.parse("60").is_minutes
    assert Timeframe.parse("1S").is_seconds
    assert Timeframe.parse("1D").is_daily and Timeframe.parse("1D").is_dwm
    assert Timeframe.parse("1W").is_weekly and Timeframe.parse("1M").is_monthly


@pytest.mark.parametrize("bad", ["", "  ", "0", "0D", "1X", "-5", "1.5D", "H", "abc", None, 5])
def test_bad_timeframes_are_refused(bad):
    with pytest.raises(DataError, match="timeframe"):
        Timeframe.parse(bad)


@given(st.integers(1, 10_000), st.sampled_from(["S", "", "D", "W", "M"]))
def test_printing_round_trips(multiplier, unit):
    tf = Timeframe(multiplier, unit)
    assert Timeframe.parse(str(tf)) == tf
