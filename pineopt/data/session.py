"""Trading sessions: when an exchange trades and where its trading days begin.

A :class:`Session` is the part of Pine's session model that bar alignment needs: the local
time at which a trading day starts and ends, and which weekdays are trading days. It parses
Pine session strings (``"24x7"``, ``"0930-1600"``, ``"1700-1700:23456"``, days numbered
1 = Sunday … 7 = Saturday as in Pine) and the ``[[opening_hours]]`` tables of a syminfo TOML.

A session whose start is not before its end (``"1700-1700"``, ``"1800-1600"``) is *overnight*:
a trading day starts on the previous calendar day, so the bar at Sunday 17:00 belongs to
Monday's trading day, as on TradingView's FX charts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pineopt.errors import DataError

ALL_DAYS = frozenset(range(7))  # Python weekday numbers: 0 = Monday … 6 = Sunday
_SPEC = re.compile(r"^(\d{4})-(\d{4})(?::([1-7]+))?$")
_MIDNIGHT = dt.time(0, 0)


def _pine_day_to_weekday(day: int) -> int:
    """Pine numbers days 1 = Sunday … 7 = Saturday; Python 0 = Monday … 6 = Sunday."""
    return (day - 2) % 7


def _weekday_to_pine_day(weekday: int) -> int:
    return (weekday + 1) % 7 + 1


def _hhmm(text: str) -> dt.time:
    hours, minutes = int(text[:2]), int(text[2:])
    if hours == 24 and minutes == 0:
        return _MIDNIGHT
    if hours > 23 or minutes > 59:
        raise DataError(f"bad session time {text!r}")
    return dt.time(hours, minutes)


@dataclass(frozen=True)
class Session:
    """Trading hours in the exchange timezone: a daily ``start``/``end`` on trading ``days``."""

    start: dt.time = _MIDNIGHT
    end: dt.time = _MIDNIGHT
    days: frozenset[int] = ALL_DAYS

    @classmethod
    def parse(cls, spec: str | Session | None) -> Session:
        """Parse ``"24x7"``, ``"HHMM-HHMM"`` or ``"HHMM-HHMM:DAYS"`` (several ranges: the first
        start and the last end are used)."""
        if isinstance(spec, Session):
            return spec
        if spec is None or not str(spec).strip() or str(spec).strip().lower() == "24x7":
            return cls()
        parts = [part.strip() for part in str(spec).split(",")]
        parsed = []
        for part in parts:
            match = _SPEC.match(part)
            if not match:
                raise DataError(
                    f"bad session {spec!r}: expected 24x7, HHMM-HHMM or HHMM-HHMM:DAYS "
                    "(days 1 = Sunday … 7 = Saturday)"
                )
            parsed.append(match.groups())
        start, end = _hhmm(parsed[0][0]), _hhmm(parsed[-1][1])
        day_text = parsed[0][2]
        days = frozenset(_pine_day_to_weekday(int(c)) for c in day_text) if day_text else ALL_DAYS
        return cls(start, end, days)

    @classmethod
    def from_opening_hours(cls, hours: Iterable[Mapping[str, object]]) -> Session:
        """Build a session from syminfo ``[[opening_hours]]`` entries (``day`` 0 = Monday,
        ``start``/``end`` ``"HH:MM:SS"``): trading days are those on which trading ends, and the
        day starts at the earliest start that is not a continuation from midnight."""
        entries = [
            (
                int(h["day"]),
                dt.time.fromisoformat(str(h["start"])),
                dt.time.fromisoformat(str(h["end"])),
            )
            for h in hours
        ]
        if not entries:
            return cls()
        ends_day = {day for day, _, end in entries if end != _MIDNIGHT}
        if not ends_day:  # every interval runs to midnight: calendar days, all of them traded
            return cls(_MIDNIGHT, _MIDNIGHT, frozenset(day for day, _, _ in entries))
        starts = [start for _, start, _ in entries if start != _MIDNIGHT]
        ends = [end for _, _, end in entries if end != _MIDNIGHT]
        crosses_midnight = any(end == _MIDNIGHT and start != _MIDNIGHT for _, start, end in entries)
        if crosses_midnight:
            start = min(start for _, start, end in entries if end == _MIDNIGHT)
            return cls(start, start, frozenset(ends_day))
        start = min(starts) if starts else _MIDNIGHT
        return cls(start, max(ends), frozenset(ends_day))

    @property
    def is_24x7(self) -> bool:
        return self.start == _MIDNIGHT and self.end == _MIDNIGHT and self.days == ALL_DAYS

    @property
    def overnight(self) -> bool:
        """True when a trading day starts on the previous calendar day (``start >= end``,
        neither of them midnight)."""
        return _MIDNIGHT not in (self.start, self.end) and self.start >= self.end

    @property
    def start_offset(self) -> dt.timedelta:
        """Offset of the trading day's start from the trading day's calendar midnight
        (negative for overnight sessions)."""
        offset = dt.timedelta(hours=self.start.hour, minutes=self.start.minute)
        return offset - dt.timedelta(days=1) if self.overnight else offset

    @property
    def end_offset(self) -> dt.timedelta:
        """Offset of the trading day's end from the trading day's calendar midnight."""
        if self.end == _MIDNIGHT:
            return dt.timedelta(days=1)
        return dt.timedelta(hours=self.end.hour, minutes=self.end.minute)

    def __str__(self) -> str:
        if self.is_24x7:
            return "24x7"
        text = f"{self.start:%H%M}-{self.end:%H%M}"
        if self.days != ALL_DAYS:
            text += ":" + "".join(
                str(_weekday_to_pine_day(d)) for d in sorted(self.days, key=_weekday_to_pine_day)
            )
        return text
