"""`Dataset`: a contract OHLCV frame together with what describes it.

Providers return a Dataset: the frame (see :mod:`pineopt.data.frame`), the
:class:`~pineopt.data.symbol.SymbolInfo` and :class:`~pineopt.data.timeframe.Timeframe` it was
loaded for, any extra columns of the source kept aside as ``reference`` (for example the plot
columns of a TradingView chart export), and a ``provenance`` dict saying where the bars came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from pineopt.data.frame import check_contract, validate
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe


@dataclass
class Dataset:
    """OHLCV bars of one symbol at one timeframe, with their description."""

    frame: pd.DataFrame
    symbol: SymbolInfo
    timeframe: Timeframe
    reference: pd.DataFrame | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_contract(self.frame, f"{self.symbol.tickerid} {self.timeframe}")

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def start(self) -> pd.Timestamp | None:
        return self.frame.index[0] if len(self.frame) else None

    @property
    def end(self) -> pd.Timestamp | None:
        return self.frame.index[-1] if len(self.frame) else None

    def between(self, start: Any = None, end: Any = None) -> Dataset:
        """The bars whose open time lies in ``[start, end]`` (either bound may be omitted)."""
        frame = slice_frame(self.frame, start, end)
        reference = None if self.reference is None else self.reference.loc[frame.index]
        return replace(self, frame=frame, reference=reference)

    def validate(self):
        """A :class:`~pineopt.data.frame.ValidationReport` against this symbol's calendar."""
        return validate(self.frame, self.timeframe, self.symbol)

    def describe(self) -> str:
        """One line: symbol, timeframe, bar count and range."""
        span = f"{_iso(self.start)} → {_iso(self.end)}" if len(self) else "no bars"
        return f"{self.symbol.tickerid} {self.timeframe}: {len(self)} bars, {span}"

    def __repr__(self) -> str:
        return f"<Dataset {self.describe()}>"


def to_timestamp(value: Any, name: str = "time") -> pd.Timestamp | None:
    """A UTC timestamp from a string, number (epoch, unit by magnitude) or datetime; naive = UTC."""
    from pineopt.data.frame import parse_times
    from pineopt.errors import DataError

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, pd.Timestamp | pd.DatetimeIndex) or hasattr(value, "year"):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    try:
        return parse_times([value], name)[0]
    except DataError as exc:
        raise DataError(
            f"bad {name}: {value!r} (use ISO 8601 such as 2024-01-31 or 2024-01-31T12:00Z)"
        ) from exc


def slice_frame(frame: pd.DataFrame, start: Any = None, end: Any = None) -> pd.DataFrame:
    """Rows of ``frame`` with open time in ``[start, end]``."""
    lo, hi = to_timestamp(start, "start"), to_timestamp(end, "end")
    mask = pd.Series(True, index=frame.index)
    if lo is not None:
        mask &= frame.index >= lo
    if hi is not None:
        mask &= frame.index <= hi
    return frame.loc[mask.to_numpy()]


def _iso(stamp: pd.Timestamp | None) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp is not None else "-"
