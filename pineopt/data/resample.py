"""Bars of a higher timeframe, aligned the way TradingView aligns them.

TradingView places bar boundaries in the exchange timezone, relative to the symbol's session:

* intraday bars (seconds, minutes, hours) are counted from the start of each trading day's
  session, so 4-hour bars of a 24x7 crypto pair open at 00:00, 04:00, … UTC and those of an FX
  pair whose day starts at 17:00 New York open at 17:00, 21:00, 01:00, …; the last bar of a
  day is cut short at the session end;
* a daily bar is one trading day and opens at that day's session start (09:30 for a US stock,
  17:00 of the previous calendar day for FX, midnight for crypto);
* weekly bars start on Monday's trading day, monthly bars on the first trading day of the
  calendar month;
* multiples restart every calendar year: ``3D`` counts trading days from the year's first,
  ``5W`` weeks from the year's first Monday, ``3M`` months from January (quarters).

These rules reproduce TradingView's ``timeframe.change`` on its own exports for 15, 240, D, 2D,
3D, 7D, W, 3W, 5W, 7W, M and 3M.

:func:`resample` aggregates open first, high max, low min, close last, volume sum, and marks an
incomplete last bar in ``frame.attrs["incomplete_last_bar"]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pineopt.data.frame import check_contract, infer_timeframe
from pineopt.data.session import Session
from pineopt.data.timeframe import DAY, MONTH, WEEK, Timeframe
from pineopt.errors import DataError

_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS


@dataclass(frozen=True)
class Calendar:
    """The exchange timezone and session that decide where bars begin and end."""

    timezone: str = "UTC"
    session: Session = field(default_factory=Session)

    @classmethod
    def of(cls, symbol: object = None) -> Calendar:
        """The calendar of a :class:`~pineopt.data.symbol.SymbolInfo` (24x7 UTC when ``None``)."""
        if symbol is None:
            return cls()
        if isinstance(symbol, Calendar):
            return symbol
        return cls(
            getattr(symbol, "timezone", "UTC"), Session.parse(getattr(symbol, "session", None))
        )

    @property
    def weekmask(self) -> list[int]:
        return [1 if day in self.session.days else 0 for day in range(7)]

    def trading_days(self, index: pd.DatetimeIndex) -> np.ndarray:
        """The trading day (``datetime64[D]``) each bar open time belongs to."""
        local = self._wall_clock_ns(index)
        if self.session.overnight:
            local = local - _offset_ns(self.session.start_offset)
        return (local // _DAY_NS).astype("datetime64[D]")

    def day_bounds(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """UTC nanoseconds of the session start and end of each trading day."""
        midnight = days.astype("datetime64[ns]").astype("int64")
        start = midnight + _offset_ns(self.session.start_offset)
        end = midnight + _offset_ns(self.session.end_offset)
        return self._to_utc_ns(start), self._to_utc_ns(end)

    def trading_day_range(self, first: np.datetime64, last: np.datetime64) -> np.ndarray:
        """Every trading day from ``first`` to ``last`` inclusive."""
        days = np.arange(first, last + 1, dtype="datetime64[D]")
        return days[np.is_busday(days, weekmask=self.weekmask)]

    def _wall_clock_ns(self, index: pd.DatetimeIndex) -> np.ndarray:
        index = index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")
        if self.timezone in ("UTC", "Etc/UTC"):
            return index.as_unit("ns").asi8
        return index.tz_convert(self.timezone).tz_localize(None).as_unit("ns").asi8

    def _to_utc_ns(self, wall_ns: np.ndarray) -> np.ndarray:
        if self.timezone in ("UTC", "Etc/UTC"):
            return wall_ns
        naive = pd.DatetimeIndex(wall_ns.astype("datetime64[ns]"))
        local = naive.tz_localize(
            self.timezone, ambiguous=np.zeros(len(naive), dtype=bool), nonexistent="shift_forward"
        )
        return local.tz_convert("UTC").as_unit("ns").asi8


def _offset_ns(delta) -> int:
    return int(delta.total_seconds()) * _NS


def period_bounds(
    index: pd.DatetimeIndex, timeframe: Timeframe | str, symbol: object = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each bar open time, the UTC nanoseconds at which its ``timeframe`` period opens and
    closes (the close of a daily or longer period is the session end of its last trading day)."""
    tf = Timeframe.parse(timeframe)
    calendar = Calendar.of(symbol)
    days = calendar.trading_days(index)
    if tf.is_intraday:
        day_start, day_end = calendar.day_bounds(days)
        times = index.as_unit("ns").asi8
        width = tf.seconds * _NS
        opens = day_start + (times - day_start) // width * width
        return opens, np.minimum(opens + width, day_end)
    first, last = _period_first_last_days(days, tf, calendar)
    return calendar.day_bounds(first)[0], calendar.day_bounds(last)[1]


def _period_first_last_days(
    days: np.ndarray, tf: Timeframe, calendar: Calendar
) -> tuple[np.ndarray, np.ndarray]:
    """First and last trading day of the ``tf`` period (D, W or M multiples) containing each day.

    Multiples restart every calendar year, as TradingView's do: ``nD`` counts trading days from the
    year's first one, ``nW`` counts weeks from the year's first Monday (a week belongs to the year
    of its Monday), ``nM`` counts months from January.
    """
    mask = calendar.weekmask
    n = tf.multiplier
    if tf.unit == DAY and n == 1:
        return days, days
    if tf.unit == WEEK:
        monday = days - ((days.astype("int64") - 4) % 7).astype("timedelta64[D]")
        first_monday = _first_monday(monday.astype("datetime64[Y]"))
        next_first_monday = _first_monday(monday.astype("datetime64[Y]") + 1)
        start = first_monday + ((monday - first_monday).astype("int64") // (7 * n) * 7 * n).astype(
            "timedelta64[D]"
        )
        end = np.minimum(start + np.timedelta64(7 * n, "D"), next_first_monday) - np.timedelta64(
            1, "D"
        )
    else:
        year = days.astype("datetime64[Y]")
        year_start = year.astype("datetime64[D]")
        year_end = (year + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        if tf.unit == DAY:
            ordinal = np.busday_count(year_start, days, weekmask=mask) // n * n
            first = np.busday_offset(year_start, ordinal, roll="forward", weekmask=mask)
            last = np.busday_offset(year_start, ordinal + n - 1, roll="forward", weekmask=mask)
            return first, np.minimum(
                last, np.busday_offset(year_end, 0, roll="backward", weekmask=mask)
            )
        if tf.unit != MONTH:  # pragma: no cover - intraday handled by the caller
            raise DataError(f"not a daily-or-longer timeframe: {tf}")
        month = days.astype("datetime64[M]")
        first_month = month - ((month - year.astype("datetime64[M]")).astype("int64") % n)
        start = first_month.astype("datetime64[D]")
        end = np.minimum(
            (first_month + n).astype("datetime64[D]") - np.timedelta64(1, "D"), year_end
        )
    first = np.busday_offset(start, 0, roll="forward", weekmask=mask)
    last = np.busday_offset(end, 0, roll="backward", weekmask=mask)
    return first, last


def _first_monday(years: np.ndarray) -> np.ndarray:
    """The first Monday on or after 1 January of each year."""
    jan1 = years.astype("datetime64[D]")
    return jan1 + ((4 - jan1.astype("int64")) % 7).astype("timedelta64[D]")


def resample(
    frame: pd.DataFrame,
    timeframe: Timeframe | str,
    symbol: object = None,
    source_timeframe: Timeframe | str | None = None,
) -> pd.DataFrame:
    """Aggregate a contract frame to a higher ``timeframe`` with TradingView's alignment.

    ``symbol`` (a :class:`~pineopt.data.symbol.SymbolInfo`) gives the exchange timezone and session;
    without it the calendar is 24x7 UTC. ``source_timeframe`` is inferred from the bar spacing when
    omitted. The result's ``attrs["incomplete_last_bar"]`` tells whether the data ends before the
    last bar's period does.
    """
    check_contract(frame, "resample")
    target = Timeframe.parse(timeframe)
    source = Timeframe.parse(source_timeframe) if source_timeframe else infer_timeframe(frame.index)
    _check_resampleable(source, target)
    if frame.empty:
        out = frame.copy()
        out.attrs["incomplete_last_bar"] = False
        return out
    opens, closes = period_bounds(frame.index, target, symbol)
    starts = np.concatenate(([0], np.flatnonzero(np.diff(opens)) + 1))
    ends = np.concatenate((starts[1:], [len(frame)])) - 1
    values = {name: frame[name].to_numpy() for name in frame.columns}
    out = pd.DataFrame(
        {
            "open": values["open"][starts],
            "high": np.fmax.reduceat(values["high"], starts),
            "low": np.fmin.reduceat(values["low"], starts),
            "close": values["close"][ends],
            "volume": np.add.reduceat(np.nan_to_num(values["volume"]), starts),
        },
        index=pd.DatetimeIndex(opens[starts].astype("datetime64[ns]"), name="time").tz_localize(
            "UTC"
        ),
    )
    _, source_closes = period_bounds(frame.index[-1:], source, symbol)
    out.attrs["incomplete_last_bar"] = bool(source_closes[-1] < closes[-1])
    return out


def drop_incomplete(frame: pd.DataFrame) -> pd.DataFrame:
    """The resampled frame without its last bar when that bar is marked incomplete."""
    if frame.attrs.get("incomplete_last_bar"):
        out = frame.iloc[:-1].copy()
        out.attrs["incomplete_last_bar"] = False
        return out
    return frame


def _check_resampleable(source: Timeframe, target: Timeframe) -> None:
    if target.seconds < source.seconds:
        raise DataError(f"cannot resample {source} bars to the lower timeframe {target}")
    if target.is_intraday and target.seconds % source.seconds:
        raise DataError(f"{target} is not a whole multiple of the {source} source bars")
    if source.is_dwm and target.is_dwm:
        fits = (source.unit == DAY and source.multiplier == 1) or (
            source.unit == target.unit and target.multiplier % source.multiplier == 0
        )
        if not fits:
            raise DataError(
                f"{source} bars do not nest inside {target} bars; "
                "resample from daily or intraday data"
            )


def expected_bar_times(
    start: pd.Timestamp, end: pd.Timestamp, timeframe: Timeframe | str, symbol: object = None
) -> pd.DatetimeIndex:
    """Every bar open time the calendar expects from ``start`` to ``end`` inclusive."""
    tf = Timeframe.parse(timeframe)
    calendar = Calendar.of(symbol)
    bounds = pd.DatetimeIndex([start, end])
    bounds = bounds.tz_localize("UTC") if bounds.tz is None else bounds.tz_convert("UTC")
    first_day, last_day = calendar.trading_days(bounds)
    days = calendar.trading_day_range(first_day - 1, last_day + 1)
    if not days.size:
        return pd.DatetimeIndex([], tz="UTC", name="time")
    if tf.is_intraday:
        day_start, day_end = calendar.day_bounds(days)
        width = tf.seconds * _NS
        counts = np.maximum(0, -(-(day_end - day_start) // width))
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        times = np.repeat(day_start, counts) + offsets * width
    else:
        first, _ = _period_first_last_days(days, tf, calendar)
        times = np.unique(calendar.day_bounds(np.unique(first))[0])
    lo, hi = bounds.as_unit("ns").asi8
    times = times[(times >= lo) & (times <= hi)]
    return pd.DatetimeIndex(times.astype("datetime64[ns]"), name="time").tz_localize("UTC")
