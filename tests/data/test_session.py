import datetime as dt

import pytest

from pineopt.data.session import Session
from pineopt.data.symbol import SymbolInfo
from pineopt.errors import DataError


def test_24x7_is_the_default():
    session = Session.parse("24x7")
    assert session.is_24x7 and not session.overnight
    assert Session.parse(None) == session == Session.parse("")
    assert str(session) == "24x7"


def test_regular_session_with_days():
    session = Session.parse("0930-1600:23456")
    assert (session.start, session.end) == (dt.time(9, 30), dt.time(16, 0))
    assert session.days == frozenset({0, 1, 2, 3, 4})  # Monday … Friday
    assert not session.overnight
    assert session.start_offset == dt.timedelta(hours=9, minutes=30)
    assert session.end_offset == dt.timedelta(hours=16)
    assert str(session) == "0930-1600:23456"


def test_overnight_session_starts_on_the_previous_day():
    session = Session.parse("1700-1700:23456")
    assert session.overnight
    assert session.start_offset == dt.timedelta(hours=-7)
    assert session.end_offset == dt.timedelta(hours=17)


def test_session_ending_at_midnight_is_not_overnight():
    session = Session.parse("1800-0000")
    assert not session.overnight
    assert session.end_offset == dt.timedelta(days=1)


def test_pine_day_numbers_start_on_sunday():
    assert Session.parse("0000-0000:1").days == frozenset({6})
    assert Session.parse("0000-0000:7").days == frozenset({5})


@pytest.mark.parametrize("bad", ["0930", "930-1600", "2500-1600", "0960-1600", "0930-1600:8", "x"])
def test_bad_sessions_are_refused(bad):
    with pytest.raises(DataError, match="session"):
        Session.parse(bad)


def test_opening_hours_of_an_fx_chart(files):
    symbol = SymbolInfo.from_toml(files / "timeframe" / "timeframe.toml")
    assert str(symbol.session) == "1700-1700:23456"
    assert symbol.timezone == "US/Eastern"


def test_opening_hours_of_a_stock_and_of_crypto():
    stock = Session.from_opening_hours(
        [{"day": d, "start": "09:30:00", "end": "16:00:00"} for d in range(5)]
    )
    assert str(stock) == "0930-1600:23456"
    crypto = Session.from_opening_hours(
        [{"day": d, "start": "00:00:00", "end": "00:00:00"} for d in range(7)]
    )
    assert crypto.is_24x7
