"""The OHLCV frame contract, and a validator that reports what is wrong with a frame.

Every provider returns the same shape: a pandas DataFrame indexed by a tz-aware UTC
``DatetimeIndex`` of bar **open** times, strictly increasing, with float64 columns
``open, high, low, close, volume``. :func:`to_ohlcv` builds that shape from a loosely typed
frame and refuses what cannot be fixed without guessing (unsorted or duplicate rows, missing
columns); :func:`validate` describes everything else (OHLC inconsistencies, gaps, placeholder
bars, …) and never changes the data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError

OHLCV_COLUMNS = ("open", "high", "low", "close", "volume")
PRICE_COLUMNS = OHLCV_COLUMNS[:4]


def parse_times(
    values: pd.Series | pd.Index | np.ndarray | list, name: str = "time"
) -> pd.DatetimeIndex:
    """Turn a time column into a UTC ``DatetimeIndex``.

    Numbers are epoch time whose unit follows from the magnitude (< 1e11 seconds, < 1e14
    milliseconds, < 1e17 microseconds, else nanoseconds). Strings are ISO 8601; those without an
    offset are UTC, those with one are converted. Datetime values pass through (naive = UTC).
    """
    series = pd.Series(values)
    if series.empty:
        return pd.DatetimeIndex([], tz="UTC", name="time")
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        index = pd.DatetimeIndex(series)
        index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        return index.rename("time")
    if pd.api.types.is_bool_dtype(series.dtype):
        raise DataError(f"column {name!r} holds booleans, not times")
    if pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.to_numpy(dtype="float64")
        if np.isnan(numbers).any():
            row = int(np.flatnonzero(np.isnan(numbers))[0])
            raise DataError(f"column {name!r} has an empty time at row {row + 1}")
        magnitude = float(np.nanmax(np.abs(numbers)))
        unit = (
            "s"
            if magnitude < 1e11
            else "ms"
            if magnitude < 1e14
            else "us"
            if magnitude < 1e17
            else "ns"
        )
        integral = np.all(numbers == np.round(numbers))
        values_ = numbers.astype("int64") if integral else numbers
        return pd.DatetimeIndex(pd.to_datetime(values_, unit=unit, utc=True), name="time")
    text = series.astype("string").str.strip()
    if text.isna().any() or (text == "").any():
        row = int(np.flatnonzero((text.isna() | (text == "")).to_numpy())[0])
        raise DataError(f"column {name!r} has an empty time at row {row + 1}")
    if text.str.fullmatch(r"-?\d+(\.\d+)?").all():
        return parse_times(text.astype("float64"), name)
    try:
        parsed = pd.to_datetime(text, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        bad = _first_unparsable(text)
        raise DataError(
            f"column {name!r} is not ISO 8601 or epoch time (row {bad[0] + 1}: {bad[1]!r})"
        ) from exc
    if parsed.isna().any():  # "NaN", "NaT", "null" … parse to NaT without an error
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise DataError(f"column {name!r} has no time at row {row + 1} ({text.iloc[row]!r})")
    return pd.DatetimeIndex(parsed, name="time")


def _first_unparsable(text: pd.Series) -> tuple[int, str]:
    for position, value in enumerate(text):
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError):
            return position, value
    return 0, str(text.iloc[0])


def to_ohlcv(frame: pd.DataFrame, source: str = "data", require_order: bool = True) -> pd.DataFrame:
    """Return ``frame`` in the contract shape, or raise :class:`DataError` saying why not.

    ``frame`` needs a ``DatetimeIndex`` (naive means UTC) and the five OHLCV columns in any
    case; other columns are dropped (callers keep them aside). Rows must already be strictly
    increasing in time: the first offending row is named rather than silently re-sorted
    (``require_order=False`` skips that check, for :func:`validate` to report every problem).
    """
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(f"{source}: the index must hold bar open times")
    lower = {str(column).strip().lower(): column for column in frame.columns}
    missing = [name for name in OHLCV_COLUMNS if name not in lower]
    if missing:
        raise DataError(
            f"{source}: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(map(str, frame.columns)) or 'none'})"
        )
    data = {}
    for name in OHLCV_COLUMNS:
        column = frame[lower[name]]
        numbers = pd.to_numeric(column, errors="coerce")
        bad = numbers.isna() & column.notna()
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{source}: column {name!r} is not numeric at {frame.index[position]} "
                f"(value {column.iloc[position]!r})"
            )
        data[name] = numbers.to_numpy(dtype="float64")
    index = frame.index
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    index = pd.DatetimeIndex(index.as_unit("ns"), name="time", freq=None)
    if require_order:
        check_increasing(index, source)
    return pd.DataFrame(data, index=index)


def check_increasing(index: pd.DatetimeIndex, source: str = "data") -> None:
    """Raise :class:`DataError` naming the first row whose time is not after the previous one."""
    if len(index) < 2:
        return
    steps = np.diff(index.asi8)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        row = int(bad[0]) + 1
        kind = "duplicates" if steps[bad[0]] == 0 else "is earlier than"
        raise DataError(
            f"{source}: rows are not strictly increasing in time: row {row + 1} "
            f"({_iso(index[row])}) {kind} row {row} ({_iso(index[row - 1])})"
        )


def check_contract(frame: pd.DataFrame, source: str = "frame") -> None:
    """Raise :class:`DataError` unless ``frame`` already is a contract OHLCV frame."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{source}: expected a DataFrame, got {type(frame).__name__}")
    if not isinstance(frame.index, pd.DatetimeIndex) or str(frame.index.tz) != "UTC":
        raise DataError(f"{source}: the index must be a UTC DatetimeIndex of bar open times")
    if tuple(frame.columns) != OHLCV_COLUMNS:
        raise DataError(f"{source}: columns must be {', '.join(OHLCV_COLUMNS)}")
    for name in OHLCV_COLUMNS:
        if frame[name].dtype != np.float64:
            raise DataError(f"{source}: column {name!r} must be float64, not {frame[name].dtype}")
    check_increasing(frame.index, source)


def empty_ohlcv() -> pd.DataFrame:
    """A contract frame with no rows."""
    index = pd.DatetimeIndex([], tz="UTC", name="time").as_unit("ns")
    return pd.DataFrame(
        {name: np.array([], dtype="float64") for name in OHLCV_COLUMNS}, index=index
    )


def infer_timeframe(index: pd.DatetimeIndex) -> Timeframe:
    """The timeframe of the most common spacing between bars (daily data across weekends still
    reads as ``1D``; monthly data as ``1M``)."""
    if len(index) < 2:
        raise DataError("cannot infer the timeframe from fewer than two bars (give it explicitly)")
    steps = np.diff(index.as_unit("ns").asi8) // 1_000_000_000
    steps = steps[steps > 0]
    if steps.size == 0:
        raise DataError("cannot infer the timeframe: all bars share one time")
    values, counts = np.unique(steps, return_counts=True)
    seconds = int(values[np.argmax(counts)])
    if 28 * 86_400 <= seconds <= 31 * 86_400:
        return Timeframe(1, "M")
    return Timeframe.from_seconds(seconds)


def fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """What identifies a run's bars: ``sha256`` of the UTC open times (int64 nanoseconds) then
    of each OHLCV column as float64, in contract order, with ``bars`` (their count) and the
    ``first`` and last open times (ISO 8601 UTC). Two frames with the same times and values
    have the same fingerprint whatever their dtypes or extra columns; a naive index is read as
    UTC."""
    index = pd.DatetimeIndex(frame.index)
    index = index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(index.as_unit("ns").asi8, dtype="<i8").tobytes())
    for column in OHLCV_COLUMNS:
        digest.update(column.encode())
        if column in frame.columns:
            values = frame[column].to_numpy(dtype="<f8", na_value=np.nan)
            digest.update(np.ascontiguousarray(values).tobytes())
    return {
        "sha256": digest.hexdigest(),
        "bars": len(frame),
        "first": _iso(index[0]) if len(index) else None,
        "last": _iso(index[-1]) if len(index) else None,
    }


def _iso(stamp: pd.Timestamp) -> str:
    return (
        stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        if stamp.tzinfo
        else stamp.isoformat()
    )


# --------------------------------------------------------------------------- validation


@dataclass
class ValidationReport:
    """What :func:`validate` found; lists of UTC times (or ranges) per kind of problem."""

    rows: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    timeframe: Timeframe | None
    duplicates: list[pd.Timestamp] = field(default_factory=list)
    unsorted: list[pd.Timestamp] = field(default_factory=list)
    ohlc_inconsistent: list[tuple[pd.Timestamp, str]] = field(default_factory=list)
    non_positive: list[pd.Timestamp] = field(default_factory=list)
    nans: dict[str, list[pd.Timestamp]] = field(default_factory=dict)
    gaps: list[tuple[pd.Timestamp, pd.Timestamp, int]] = field(default_factory=list)
    placeholders: list[pd.Timestamp] = field(default_factory=list)
    zero_volume: list[pd.Timestamp] = field(default_factory=list)
    volume_all_zero: bool = False

    @property
    def errors(self) -> int:
        """Problems that make the data wrong (as opposed to merely incomplete)."""
        return (
            len(self.duplicates)
            + len(self.unsorted)
            + len(self.ohlc_inconsistent)
            + len(self.non_positive)
            + sum(len(v) for v in self.nans.values())
        )

    @property
    def ok(self) -> bool:
        """True when there are no errors (gaps and zero-volume bars are reported, not errors)."""
        return self.errors == 0

    @property
    def missing_bars(self) -> int:
        return sum(count for _, _, count in self.gaps)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: counts plus the times involved."""
        return {
            "rows": self.rows,
            "start": _iso(self.start) if self.start is not None else None,
            "end": _iso(self.end) if self.end is not None else None,
            "timeframe": str(self.timeframe) if self.timeframe else None,
            "ok": self.ok,
            "duplicates": [_iso(t) for t in self.duplicates],
            "unsorted": [_iso(t) for t in self.unsorted],
            "ohlc_inconsistent": [
                {"time": _iso(t), "problem": why} for t, why in self.ohlc_inconsistent
            ],
            "non_positive": [_iso(t) for t in self.non_positive],
            "nans": {name: [_iso(t) for t in times] for name, times in self.nans.items()},
            "gaps": [{"from": _iso(a), "to": _iso(b), "missing_bars": n} for a, b, n in self.gaps],
            "missing_bars": self.missing_bars,
            "placeholders": [_iso(t) for t in self.placeholders],
            "zero_volume": [_iso(t) for t in self.zero_volume],
            "volume_all_zero": self.volume_all_zero,
        }

    def summary(self, limit: int = 5) -> str:
        """Human-readable lines, at most ``limit`` examples per kind."""
        lines = [
            f"{self.rows} bars"
            + (f" from {_iso(self.start)} to {_iso(self.end)}" if self.rows else "")
            + (f", timeframe {self.timeframe}" if self.timeframe else "")
        ]

        def show(label: str, items: list, render=_iso) -> None:
            if items:
                shown = ", ".join(render(item) for item in items[:limit])
                more = f", … ({len(items) - limit} more)" if len(items) > limit else ""
                lines.append(f"{label}: {len(items)} ({shown}{more})")

        show("duplicate times", self.duplicates)
        show("out-of-order rows", self.unsorted)
        show("OHLC inconsistencies", self.ohlc_inconsistent, lambda p: f"{_iso(p[0])} {p[1]}")
        show("non-positive prices", self.non_positive)
        for name, times in self.nans.items():
            show(f"NaN {name}", times)
        show("gaps", self.gaps, lambda g: f"{_iso(g[0])}→{_iso(g[1])} ({g[2]} bars)")
        show("zero-volume placeholder bars (O=H=L=C)", self.placeholders)
        show("other zero-volume bars", self.zero_volume)
        if self.volume_all_zero:
            lines.append("volume is zero on every bar (no volume data)")
        lines.append("OK" if self.ok else f"{self.errors} error(s)")
        return "\n".join(lines)


def validate(
    frame: pd.DataFrame, timeframe: Timeframe | str | None = None, symbol: Any = None
) -> ValidationReport:
    """Describe the problems of an OHLCV frame without changing it.

    Works on frames that break the contract too (unsorted, duplicated), as long as they have a
    ``DatetimeIndex`` and the OHLCV columns. Gaps are measured against ``timeframe`` (inferred when
    omitted) and, when ``symbol`` (a :class:`~pineopt.data.symbol.SymbolInfo`) is given, against
    its session and trading days, so weekends of a stock are not gaps.
    """
    from pineopt.data.resample import expected_bar_times  # resample builds on this module

    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError("validate: the index must hold bar open times")
    lower = {str(c).lower(): c for c in frame.columns}
    missing = [name for name in OHLCV_COLUMNS if name not in lower]
    if missing:
        raise DataError(f"validate: missing column(s) {', '.join(missing)}")
    index = frame.index if frame.index.tz is not None else frame.index.tz_localize("UTC")
    index = index.tz_convert("UTC")
    columns: Mapping[str, np.ndarray] = {
        name: pd.to_numeric(frame[lower[name]], errors="coerce").to_numpy(dtype="float64")
        for name in OHLCV_COLUMNS
    }
    times = index.as_unit("ns").asi8
    report = ValidationReport(
        rows=len(frame),
        start=index.min() if len(index) else None,
        end=index.max() if len(index) else None,
        timeframe=None,
    )
    if not len(frame):
        return report
    steps = np.diff(times)
    report.unsorted = list(index[1:][steps < 0])
    report.duplicates = list(index[index.duplicated(keep="first")])

    o, h, low, c, v = (columns[name] for name in OHLCV_COLUMNS)
    for name, values in columns.items():
        bad = np.isnan(values)
        if bad.any():
            report.nans[name] = list(index[bad])
    with np.errstate(invalid="ignore"):
        problems = [
            (h < low, "high < low"),
            (h < np.maximum(o, c), "high < max(open, close)"),
            (low > np.minimum(o, c), "low > min(open, close)"),
        ]
        seen = np.zeros(len(frame), dtype=bool)
        found: list[tuple[int, str]] = []
        for mask, why in problems:
            for position in np.flatnonzero(mask & ~seen):
                found.append((int(position), why))
            seen |= mask
        report.ohlc_inconsistent = [(index[p], why) for p, why in sorted(found)]
        non_positive = (o <= 0) | (h <= 0) | (low <= 0) | (c <= 0)
        report.non_positive = list(index[non_positive])
        zero_volume = v == 0
        flat = (o == h) & (h == low) & (low == c)
    if zero_volume.all():
        report.volume_all_zero = True
    else:
        report.placeholders = list(index[zero_volume & flat])
        report.zero_volume = list(index[zero_volume & ~flat])

    clean = index[~index.duplicated()].sort_values()
    try:
        report.timeframe = (
            Timeframe.parse(timeframe) if timeframe is not None else infer_timeframe(clean)
        )
    except DataError:
        report.timeframe = None
    if report.timeframe is not None and len(clean) >= 2:
        expected = expected_bar_times(clean[0], clean[-1], report.timeframe, symbol)
        absent = expected[~expected.isin(clean)]
        report.gaps = _ranges(absent, expected)
    return report


def _ranges(
    absent: pd.DatetimeIndex, expected: pd.DatetimeIndex
) -> list[tuple[pd.Timestamp, pd.Timestamp, int]]:
    """Group missing expected times into consecutive runs ``(first, last, count)``."""
    if not len(absent):
        return []
    positions = expected.get_indexer(absent)
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    runs = np.split(np.arange(len(absent)), breaks)
    return [(absent[run[0]], absent[run[-1]], len(run)) for run in runs]
