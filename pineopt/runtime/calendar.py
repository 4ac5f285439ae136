"""Pine's time variables and functions over a whole chart at once (the vectorised path).

A chart is a UTC :class:`~pandas.DatetimeIndex` of bar open times, the symbol
(:class:`~pineopt.data.symbol.SymbolInfo`: exchange timezone and session) and the chart
timeframe. Times are UNIX milliseconds held in float64 arrays (a Pine ``int`` is a double at
runtime; ``na`` is NaN, which the calendar functions pass through).

* ``time`` is the bar open; ``time_close`` the bar close, cut short at the session end of the
  trading day (the last bar of an FX day closes at 17:00 New York), as TradingView reports it.
* ``year`` … ``second`` and ``weekofyear`` (ISO 8601 weeks, Monday first) are wall-clock fields
  in the exchange timezone, or in the ``timezone`` argument of the function forms, which takes an
  IANA name (``"America/New_York"``) or Pine's offset spelling ``"UTC"``, ``"GMT+3"``,
  ``"UTC-5"``, ``"GMT+05:30"``, ``"GMT+0530"``. ``GMT+3`` is three hours *ahead* of UTC — the
  opposite of the IANA ``Etc/GMT+3``.
* ``dayofweek`` numbers 1 = Sunday … 7 = Saturday.
* ``time_tradingday`` is 00:00 UTC of the trading day the bar belongs to (the next calendar day
  for bars after the 17:00 open of an overnight FX session).
* ``timeframe_change`` and the ``session.*`` flags follow the period and trading-day boundaries of
  :func:`pineopt.data.resample.period_bounds`.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pineopt.data.resample import Calendar, period_bounds
from pineopt.data.timeframe import Timeframe
from pineopt.errors import PineRuntimeError

Array = np.ndarray

__all__ = [
    "dayofmonth",
    "dayofweek",
    "hour",
    "minute",
    "month",
    "parse_timezone",
    "second",
    "session_isfirstbar",
    "session_isfirstbar_regular",
    "session_islastbar",
    "session_islastbar_regular",
    "session_ismarket",
    "time",
    "time_close",
    "time_tradingday",
    "timeframe_change",
    "timestamp",
    "weekofyear",
    "year",
]

_NS_PER_MS = 1_000_000
_MS_PER_DAY = 86_400_000
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_UTC_NAMES = frozenset({"UTC", "GMT", "ETC/UTC", "ETC/GMT", "Z", "UTC0", "GMT0"})


def parse_timezone(name: str) -> dt.tzinfo:
    """A Pine timezone argument as a tzinfo: ``"UTC"``/``"GMT"``, ``"GMT±H[:MM]"`` /
    ``"UTC±HHMM"`` (east of UTC is ``+``) or an IANA name."""
    text = str(name).strip()
    if text.upper() in _UTC_NAMES:
        return dt.timezone.utc
    match = _OFFSET.match(text)
    if match:
        sign, hours, minutes = match.groups()
        hours_i, minutes_i = int(hours), int(minutes or 0)
        if hours_i > 14 or minutes_i > 59:
            raise PineRuntimeError(f"bad timezone offset {name!r}")
        offset = dt.timedelta(hours=hours_i, minutes=minutes_i)
        return dt.timezone(-offset if sign == "-" else offset)
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise PineRuntimeError(
            f"unknown timezone {name!r} (an IANA name, UTC, or GMT±H[:MM])"
        ) from exc


def _timezone(timezone: str | dt.tzinfo | None, symbol: object) -> dt.tzinfo:
    if isinstance(timezone, dt.tzinfo):
        return timezone
    if timezone is None:
        timezone = getattr(symbol, "timezone", "UTC") if symbol is not None else "UTC"
    return parse_timezone(timezone)


def _utc_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(index)
    return index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")


# -- bar times ----------------------------------------------------------------------------------


def time(index: pd.DatetimeIndex) -> Array:
    """``time``: each bar's open, UNIX ms."""
    return (_utc_index(index).as_unit("ns").asi8 // _NS_PER_MS).astype(np.float64)


def time_close(index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None) -> Array:
    """``time_close``: each bar's close, UNIX ms — ``time`` plus the chart timeframe, but never
    past the session end of the bar's trading day (daily and longer bars close at the session
    end of their last trading day)."""
    _, closes = period_bounds(_utc_index(index), timeframe, symbol)
    return (closes // _NS_PER_MS).astype(np.float64)


def time_tradingday(index: pd.DatetimeIndex, symbol: object = None) -> Array:
    """``time_tradingday``: 00:00 UTC of the trading day each bar belongs to, UNIX ms."""
    days = Calendar.of(symbol).trading_days(_utc_index(index))
    return (days.astype("int64") * _MS_PER_DAY).astype(np.float64)


# -- calendar fields ----------------------------------------------------------------------------


def _fields(times: Array | Sequence[float], timezone: str | dt.tzinfo | None, symbol: object):
    """The wall clock of each time in the timezone, and the mask of non-na times."""
    values = np.atleast_1d(np.asarray(times, dtype=np.float64))
    valid = np.isfinite(values)
    ms = np.floor(values[valid]).astype(np.int64)
    stamps = pd.DatetimeIndex(pd.to_datetime(ms, unit="ms", utc=True))
    tz = _timezone(timezone, symbol)
    if tz is not dt.timezone.utc:
        stamps = stamps.tz_convert(tz)
    return stamps, valid, values.shape


def _field(name: str):
    def compute(
        times: Array | Sequence[float],
        timezone: str | dt.tzinfo | None = None,
        symbol: object = None,
    ) -> Array:
        stamps, valid, shape = _fields(times, timezone, symbol)
        out = np.full(shape, np.nan)
        if name == "weekofyear":
            values = stamps.isocalendar().week.to_numpy(dtype=np.float64)
        elif name == "dayofweek":  # pandas: Monday = 0 … Sunday = 6; Pine: Sunday = 1 … 7
            values = (stamps.day_of_week.to_numpy() + 1) % 7 + 1
        elif name == "dayofmonth":
            values = stamps.day.to_numpy()
        else:
            values = getattr(stamps, name).to_numpy()
        out[valid] = values
        return out

    compute.__name__ = name
    compute.__qualname__ = name
    compute.__doc__ = (
        f"``{name}(time, timezone)``: the {name} of each UNIX-ms time in ``timezone`` (default: "
        "the symbol's exchange timezone, else UTC); na gives na. The ``{name}`` variable is this "
        "of :func:`time`."
    ).replace("{name}", name)
    return compute


year = _field("year")
month = _field("month")
weekofyear = _field("weekofyear")
dayofmonth = _field("dayofmonth")
dayofweek = _field("dayofweek")
hour = _field("hour")
minute = _field("minute")
second = _field("second")


# -- timestamp ----------------------------------------------------------------------------------

_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%b %d %Y %H:%M:%S",
    "%b %d %Y %H:%M",
    "%b %d %Y",
)
_TRAILING_ZONE = re.compile(
    r"^(.*\d:\d{2}(?::\d{2})?)\s*(Z|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?|UTC|GMT)$",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+", re.IGNORECASE)


def _parse_date_string(text: str) -> int:
    """UNIX ms of an RFC 2822 / ISO 8601 date string; GMT+0 when it names no timezone."""
    body = _WEEKDAY.sub("", text.strip())
    zone: dt.tzinfo = dt.timezone.utc
    match = _TRAILING_ZONE.match(body)
    if match:
        zone_text = match.group(2).strip()
        zone = dt.timezone.utc if zone_text.upper() == "Z" else parse_timezone(zone_text)
        body = match.group(1)
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(body.strip(), fmt)
        except ValueError:
            continue
        return round(parsed.replace(tzinfo=zone).timestamp() * 1000)
    raise PineRuntimeError(f"timestamp: cannot parse the date string {text!r}")


def timestamp(*args: object, symbol: object = None, **kwargs: object) -> float:
    """Pine's ``timestamp``: ``timestamp(year, month, day, hour, minute, second)`` in the exchange
    timezone, ``timestamp(timezone, year, …)``, or ``timestamp(dateString)``; UNIX ms.

    Out-of-range parts roll over (month 13 is January of the next year, day 0 the last day of the
    previous month), as in Pine.
    """
    if "dateString" in kwargs:
        return float(_parse_date_string(str(kwargs.pop("dateString"))))
    if len(args) == 1 and isinstance(args[0], str) and not kwargs:
        return float(_parse_date_string(args[0]))
    timezone = kwargs.pop("timezone", None)
    if args and isinstance(args[0], str):
        timezone, args = args[0], args[1:]
    names = ("year", "month", "day", "hour", "minute", "second")
    parts = dict(zip(names, args, strict=False))
    for key in names:
        if key in kwargs:
            parts[key] = kwargs.pop(key)
    if kwargs or "year" not in parts or "month" not in parts or "day" not in parts:
        raise PineRuntimeError("timestamp: expected (timezone?, year, month, day, hour?, ...)")
    values = [parts.get(key, 0) for key in names]
    if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in values):
        return float("nan")
    y, mo, d, h, mi, s = (int(v) for v in values)
    months = y * 12 + (mo - 1)
    first = dt.datetime(months // 12, months % 12 + 1, 1)
    wall = first + dt.timedelta(days=d - 1, hours=h, minutes=mi, seconds=s)
    tz = _timezone(timezone, symbol)
    local = pd.Timestamp(wall).tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    return float(local.value // _NS_PER_MS)


# -- timeframe and session ----------------------------------------------------------------------


def timeframe_change(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> Array:
    """``timeframe.change(timeframe)``: true on the first chart bar of a new ``timeframe`` period
    (false on the chart's first bar)."""
    opens, _ = period_bounds(_utc_index(index), timeframe, symbol)
    return np.r_[False, np.diff(opens) != 0] if len(opens) else np.zeros(0, dtype=bool)


def _day_layout(index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object):
    index = _utc_index(index)
    calendar = Calendar.of(symbol)
    days = calendar.trading_days(index)
    day_start, day_end = calendar.day_bounds(days)
    opens, closes = period_bounds(index, timeframe, symbol)
    return calendar, days, day_start, day_end, opens, closes


def session_isfirstbar(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> Array:
    """``session.isfirstbar``: the first in-session bar of its trading day — the bar that opens
    the session, or the first one after a gap (the session's opening bar is missing). The chart's
    first bar counts only when it opens the session. Every bar of a daily or longer chart."""
    tf = Timeframe.parse(timeframe)
    if not tf.is_intraday:
        return np.ones(len(index), dtype=bool)
    _, days, day_start, _, opens, _ = _day_layout(index, tf, symbol)
    market = session_ismarket(index, tf, symbol)
    follows = np.zeros(len(days), dtype=bool)  # the previous bar is in this day's session
    follows[1:] = market[:-1] & (days[1:] == days[:-1])
    first = market & ~follows
    if len(first):
        first[0] = market[0] and opens[0] <= day_start[0]
    return first


def session_islastbar(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> Array:
    """``session.islastbar``: the in-session bar that closes at its trading day's session end
    (known on the bar itself, so the chart's last bar can be one). Every bar of a daily or longer
    chart."""
    tf = Timeframe.parse(timeframe)
    if not tf.is_intraday:
        return np.ones(len(index), dtype=bool)
    _, _, _, day_end, _, closes = _day_layout(index, tf, symbol)
    return session_ismarket(index, tf, symbol) & (closes >= day_end)


def session_ismarket(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> Array:
    """``session.ismarket``: the bar lies in the regular session of a trading day."""
    tf = Timeframe.parse(timeframe)
    if not tf.is_intraday:
        return np.ones(len(index), dtype=bool)
    calendar, days, day_start, day_end, _, _ = _day_layout(index, tf, symbol)
    times = _utc_index(index).as_unit("ns").asi8
    trading = np.is_busday(days, weekmask=calendar.weekmask)
    return trading & (times >= day_start) & (times < day_end)


def session_isfirstbar_regular(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> Array:
    """``session.isfirstbar_regular``: the symbol carries one (regular) session, so this is
    :func:`session_isfirstbar`."""
    return session_isfirstbar(index, timeframe, symbol)


def session_islastbar_regular(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> Array:
    """``session.islastbar_regular``: the symbol carries one (regular) session, so this is
    :func:`session_islastbar`."""
    return session_islastbar(index, timeframe, symbol)
