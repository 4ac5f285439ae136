"""Pine ``str`` functions, scalar path.

Only outputs we are confident TradingView produces are asserted. Unverified choices (the
default number of fractional digits of ``str.tostring(float)`` beyond 8, ``format.percent``,
the sign of values that round to zero, ``{0,date,...}`` time zone) are not tested for exact
TradingView equality.
"""

from __future__ import annotations

import math

import pytest

from pineopt.errors import PineRuntimeError
from pineopt.runtime import pine_str as ps
from pineopt.runtime.pine_matrix import PineMatrix

NAN = float("nan")
T = 1700000000000  # 2023-11-14 22:13:20 UTC, a Tuesday

CASES = [
    (ps.contains, ("hello", "ell"), True),
    (ps.contains, ("hello", "xyz"), False),
    (ps.contains, (None, "a"), False),
    (ps.startswith, ("hello", "he"), True),
    (ps.endswith, ("hello", "lo"), True),
    (ps.endswith, ("hello", "he"), False),
    (ps.length, ("hello",), 5),
    (ps.length, ("",), 0),
    (ps.length, (None,), NAN),
    (ps.lower, ("AbC",), "abc"),
    (ps.upper, ("AbC",), "ABC"),
    (ps.trim, ("  a b  ",), "a b"),
    (ps.pos, ("abc", "c"), 2),
    (ps.pos, ("abc", "z"), NAN),
    (ps.pos, (None, "z"), NAN),
    (ps.match, ("BTCUSD:123", r"\d+"), "123"),
    (ps.match, ("abc", r"\d+"), ""),
    (ps.repeat, ("ab", 3), "ababab"),
    (ps.repeat, ("ab", 3, "-"), "ab-ab-ab"),
    (ps.repeat, ("ab", 0), ""),
    (ps.replace, ("a-b-c", "-", "+"), "a+b-c"),
    (ps.replace, ("a-b-c", "-", "+", 1), "a-b+c"),
    (ps.replace, ("a-b-c", "-", "+", 5), "a-b-c"),
    (ps.replace_all, ("a-b-c", "-", "+"), "a+b+c"),
    (ps.split, ("a,b,,c", ","), ["a", "b", "", "c"]),
    (ps.split, ("abc", ""), ["a", "b", "c"]),
    (ps.substring, ("hello", 1, 3), "el"),
    (ps.substring, ("hello", 2), "llo"),
    (ps.substring, ("hello", 0, 5), "hello"),
    (ps.tonumber, ("12.5",), 12.5),
    (ps.tonumber, ("-3",), -3.0),
    (ps.tonumber, (" 42 ",), 42.0),
    (ps.tonumber, ("1e3",), 1000.0),
    (ps.tonumber, ("abc",), NAN),
    (ps.tonumber, ("",), NAN),
    (ps.tonumber, ("nan",), NAN),
    (ps.tonumber, (None,), NAN),
    (ps.tostring, (3.0,), "3"),
    (ps.tostring, (1.0,), "1"),
    (ps.tostring, (1.23456789,), "1.23456789"),
    (ps.tostring, (0.1 + 0.2,), "0.3"),
    (ps.tostring, (-2.5,), "-2.5"),
    (ps.tostring, (42,), "42"),
    (ps.tostring, (True,), "true"),
    (ps.tostring, (False,), "false"),
    (ps.tostring, ("txt",), "txt"),
    (ps.tostring, (NAN,), "NaN"),
    (ps.tostring, (None,), "NaN"),
    (ps.tostring, (3.14159, "#.##"), "3.14"),
    (ps.tostring, (3.0, "#.##"), "3"),
    (ps.tostring, (3.0, "0.00"), "3.00"),
    (ps.tostring, (1234567.891, "#,##0.00"), "1,234,567.89"),
    (ps.tostring, (12345.678, ps.FORMAT_VOLUME), "12.346K"),
    (ps.tostring, (2500000, ps.FORMAT_VOLUME), "2.5M"),
    (ps.tostring, ([1, 2.5],), "[1, 2.5]"),
    (ps.tostring, ([1, 2.5], "0.00"), "[1.00, 2.50]"),
    (ps.tostring, ([True, False],), "[true, false]"),
    (ps.tostring, ([],), "[]"),
    (ps.tostring, (PineMatrix([[1, 2], [3.5, NAN]]),), "[1, 2]\n[3.5, NaN]"),
    (ps.tostring, (PineMatrix([[1.26, 2]]), "#.0"), "[1.3, 2.0]"),
]


@pytest.mark.parametrize(("fn", "args", "expected"), CASES)
def test_str_cases(fn, args, expected) -> None:
    got = fn(*args)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got)
    else:
        assert got == expected and type(got) is type(expected)


def test_tostring_mintick() -> None:
    assert ps.tostring(1.5, ps.FORMAT_MINTICK, mintick=0.01) == "1.50"
    assert ps.tostring(1.23456, ps.FORMAT_MINTICK, mintick=0.25) == "1.23"
    assert ps.tostring(101.0, ps.FORMAT_MINTICK, mintick=1.0) == "101"
    with pytest.raises(PineRuntimeError):
        ps.tostring(1.5, ps.FORMAT_MINTICK)


FORMAT_CASES = [
    ("{0,number,#.##}", (3.14159,), "3.14"),
    ("{0,number,0.000}", (2,), "2.000"),
    ("{0}", (1234.5678,), "1,234.568"),
    ("{0,number}", (1234.5678,), "1,234.568"),
    ("{0,number,integer}", (1234.7,), "1,235"),
    ("{0,number,percent}", (0.256,), "26%"),
    ("{0} is {1}", ("close", 10), "close is 10"),
    ("{1}{0}", ("a", "b"), "ba"),
    ("{0}", (True,), "true"),
    ("it''s {0}", ("ok",), "it's ok"),
    ("'{0}' {0}", ("x",), "{0} x"),
    ("{0,date,yyyy-MM-dd}", (T,), "2023-11-14"),
    ("no args", (), "no args"),
]


@pytest.mark.parametrize(("pattern", "args", "expected"), FORMAT_CASES)
def test_format(pattern, args, expected) -> None:
    assert ps.format_(pattern, *args) == expected


@pytest.mark.parametrize("pattern", ["{0,choice,0#a|1#b}", "{0,date,short}", "{x}", "{0"])
def test_format_unsupported(pattern) -> None:
    with pytest.raises(PineRuntimeError):
        ps.format_(pattern, 1)


def test_format_unsupported_message_names_pattern() -> None:
    with pytest.raises(PineRuntimeError, match="choice"):
        ps.format_("{0,choice,0#a|1#b}", 1.0)


# The Reference's str.format examples and the manual's "Formatting strings" presets: integer
# is #,###, currency '$'#,###.00, percent #,###%, the default #,###.###
NUMBER_PATTERN_CASES = [
    ("{0,number,#.#}", 1.34, "1.3"),
    ("{0,number,integer}", 1.34, "1"),
    ("{0,number,currency}", 1.34, "$1.34"),
    ("{0,number,percent}", 0.5, "50%"),
    ("{0} != {0, number, #.#}", 1.34, "1.34 != 1.3"),
    ("{0, number, currency}", 1340000, "$1,340,000.00"),
    ("{0, number, percent}", 0.1, "10%"),
    ("{0,number,currency}", -1.5, "-$1.50"),
    ("{0,number,'$',###.0000}", 1234.5, "$1,234.5000"),
    ("{0,number,#,###.###%}", 12.3456789, "1,234.568%"),
    ("{0,number,#}", 2.5, "2"),
    ("{0}", 1234567.891, "1,234,567.891"),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), NUMBER_PATTERN_CASES)
def test_format_number_patterns(pattern, value, expected) -> None:
    assert ps.format_(pattern, value) == expected


TIME_CASES = [
    ("yyyy-MM-dd HH:mm:ss", "UTC", "2023-11-14 22:13:20"),
    ("yyyy-MM-dd'T'HH:mm:ssZ", "UTC", "2023-11-14T22:13:20+0000"),
    ("yyyy-MM-dd HH:mm", "America/New_York", "2023-11-14 17:13"),
    ("HH:mm Z", "GMT+3", "01:13 +0300"),
    ("HH:mm", "UTC-05:30", "16:43"),
    ("dd MMM yy, EEE", "UTC", "14 Nov 23, Tue"),
    ("MMMM EEEE", "UTC", "November Tuesday"),
    ("hh:mm a", "UTC", "10:13 PM"),
    ("D", "UTC", "318"),
]


@pytest.mark.parametrize(("fmt", "tz", "expected"), TIME_CASES)
def test_format_time(fmt, tz, expected) -> None:
    assert ps.format_time(T, fmt, tz) == expected


def _ms(*date: int) -> int:
    import datetime as dt

    return int(dt.datetime(*date, tzinfo=dt.timezone.utc).timestamp() * 1000)


# The tokens of the manual's table ("Formatting dates and times", Time page) and the rest of
# Java's SimpleDateFormat letters, US rules: weeks start on Sunday and week 1 of a year (of a
# month) is the week holding its first day
WEEK_CASES = [
    ((2023, 11, 14), "w W", "46 3"),  # 2023 starts on a Sunday: Nov 14 is in week 46
    ((2023, 11, 14), "ww F u", "46 2 2"),  # 2nd Tuesday of the month, Tuesday is day 2
    ((2024, 3, 31), "W", "6"),  # March 2024 starts on a Friday: its 31st is in week 6
    ((2024, 12, 29), "w YYYY yyyy", "1 2025 2024"),  # the week holding Jan 1st 2025
    ((2024, 12, 28), "w YY", "52 24"),
    ((2025, 1, 1), "w W G", "1 1 AD"),
    ((2025, 1, 5), "w W EEE", "2 2 Sun"),
    ((2024, 2, 29), "D DDD LLL", "60 060 Feb"),
]


@pytest.mark.parametrize(("date", "fmt", "expected"), WEEK_CASES)
def test_format_time_week_tokens(date, fmt, expected) -> None:
    assert ps.format_time(_ms(*date), fmt, "UTC") == expected


@pytest.mark.parametrize(
    ("date", "tz", "expected"),
    [
        ((2024, 7, 1, 15), "America/New_York", "EDT (Eastern Daylight Time)"),
        ((2024, 1, 1, 15), "America/New_York", "EST (Eastern Standard Time)"),
        ((2024, 1, 1, 15), "Europe/Berlin", "CET (Central European Standard Time)"),
        ((2024, 1, 1, 15), "Asia/Shanghai", "CST (China Standard Time)"),
        ((2024, 1, 1, 15), "UTC", "UTC (Coordinated Universal Time)"),
    ],
)
def test_format_time_zone_names(date, tz, expected) -> None:
    assert ps.format_time(_ms(*date), "z (zzzz)", tz) == expected


def test_format_time_default_and_errors() -> None:
    assert ps.format_time(T) == "2023-11-14T22:13:20+0000"
    assert ps.format_time(T + 7, "ss.SSS") == "20.007"
    assert ps.format_time(None) is None
    with pytest.raises(PineRuntimeError, match="'Q'"):
        ps.format_time(T, "Q")
    with pytest.raises(PineRuntimeError, match="timezone"):
        ps.format_time(T, "HH", "Mars/Olympus")


def test_errors() -> None:
    with pytest.raises(PineRuntimeError):
        ps.substring("hello", 3, 1)
    with pytest.raises(PineRuntimeError):
        ps.substring("hello", 6)
    with pytest.raises(PineRuntimeError):
        ps.repeat("a", -1)
    with pytest.raises(PineRuntimeError):
        ps.match("a", "(")
    with pytest.raises(PineRuntimeError):
        ps.tostring(1.0, "0.0E0")
