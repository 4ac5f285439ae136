"""Timeframes in Pine's notation.

TradingView writes a timeframe as a multiplier and a unit letter: ``"1S"`` (seconds),
``"1"``/``"60"``/``"240"`` (minutes, no letter), ``"1D"``, ``"1W"``, ``"1M"`` (months). Pine v5
also accepts the bare ``"D"``, ``"W"`` and ``"M"``. :class:`Timeframe` parses any of these (and
the exchange spellings ``"1m"``, ``"4h"``, ``"1d"``, ``"1w"`` that ccxt uses) into a value object
and prints back TradingView's spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pineopt.errors import DataError

SECOND, MINUTE, DAY, WEEK, MONTH = "S", "", "D", "W", "M"
_UNIT_SECONDS = {SECOND: 1, MINUTE: 60, DAY: 86_400, WEEK: 604_800, MONTH: 2_628_003}
# TradingView's timeframe.in_seconds("1M") is 2628003 (an average month, see its manual).

_PINE = re.compile(r"^\s*(\d*)\s*([SDWM]?)\s*$")
_EXCHANGE = re.compile(r"^\s*(\d+)\s*([smhdwM])\s*$")
_EXCHANGE_UNITS = {
    "s": (SECOND, 1),
    "m": (MINUTE, 1),
    "h": (MINUTE, 60),
    "d": (DAY, 1),
    "w": (WEEK, 1),
    "M": (MONTH, 1),
}


@dataclass(frozen=True, order=True)
class Timeframe:
    """A bar duration: ``multiplier`` units of ``unit``.

    ``unit`` is ``"S"`` (seconds), ``""`` (minutes), ``"D"``, ``"W"`` or ``"M"`` (months).
    """

    multiplier: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in _UNIT_SECONDS:
            raise DataError(f"unknown timeframe unit {self.unit!r}")
        if self.multiplier < 1:
            raise DataError(f"timeframe multiplier must be positive, got {self.multiplier}")

    @classmethod
    def parse(cls, text: str | Timeframe) -> Timeframe:
        """Parse Pine notation (``"15"``, ``"1D"``, ``"D"``, ``"3M"``, ``"1S"``) or an exchange
        spelling (``"1m"``, ``"4h"``, ``"1d"``, ``"1w"``, ``"1M"``)."""
        if isinstance(text, Timeframe):
            return text
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"not a timeframe: {text!r}")
        match = _PINE.match(text)
        if match and (match.group(1) or match.group(2)):
            digits, unit = match.groups()
            return cls(int(digits) if digits else 1, unit)
        match = _EXCHANGE.match(text)
        if match:
            unit, factor = _EXCHANGE_UNITS[match.group(2)]
            return cls(int(match.group(1)) * factor, unit)
        raise DataError(
            f"not a timeframe: {text!r} (use Pine notation such as 1S, 15, 60, 240, 1D, 1W, 1M)"
        )

    @classmethod
    def from_seconds(cls, seconds: float) -> Timeframe:
        """The timeframe TradingView's ``timeframe.from_seconds`` gives for a duration."""
        seconds = int(seconds)
        if seconds <= 0:
            raise DataError(f"timeframe duration must be positive, got {seconds}s")
        if seconds < 60 or seconds % 60:
            return cls(seconds, SECOND)
        if seconds < 86_400 or seconds % 86_400:
            return cls(seconds // 60, MINUTE)
        if seconds % 604_800 == 0:
            return cls(seconds // 604_800, WEEK)
        return cls(seconds // 86_400, DAY)

    @property
    def seconds(self) -> int:
        """Duration in seconds as ``timeframe.in_seconds`` reports it (a month is 2,628,003 s)."""
        return self.multiplier * _UNIT_SECONDS[self.unit]

    @property
    def is_intraday(self) -> bool:
        return self.unit in (SECOND, MINUTE)

    @property
    def is_seconds(self) -> bool:
        return self.unit == SECOND

    @property
    def is_minutes(self) -> bool:
        return self.unit == MINUTE

    @property
    def is_daily(self) -> bool:
        return self.unit == DAY

    @property
    def is_weekly(self) -> bool:
        return self.unit == WEEK

    @property
    def is_monthly(self) -> bool:
        return self.unit == MONTH

    @property
    def is_dwm(self) -> bool:
        return self.unit in (DAY, WEEK, MONTH)

    def to_ccxt(self) -> str:
        """The exchange spelling ccxt uses (``"1m"``, ``"4h"``, ``"1d"``, ``"1w"``, ``"1M"``)."""
        if self.unit == SECOND:
            return f"{self.multiplier}s"
        if self.unit == MINUTE:
            if self.multiplier % 60 == 0:
                return f"{self.multiplier // 60}h"
            return f"{self.multiplier}m"
        return f"{self.multiplier}{ {DAY: 'd', WEEK: 'w', MONTH: 'M'}[self.unit] }"

    def __str__(self) -> str:
        return f"{self.multiplier}{self.unit}"

    def __repr__(self) -> str:
        return f"Timeframe({str(self)!r})"
