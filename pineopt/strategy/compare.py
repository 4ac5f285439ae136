"""Compare PineOpt's trades with a TradingView "List of trades" export.

:func:`compare_trades` lays two trade lists (PineOpt's ``--trades`` layout, see
:data:`~pineopt.strategy.tv_trades.TRADE_COLUMNS`) side by side in order: our ``i``-th trade
against TradingView's ``i``-th. Each pair gets a status:

``match``
    same direction, entry and exit times (both still open counts as the same exit), prices
    within ``price_tolerance``, size and P&L within ``pnl_tolerance``;
``side-diff``
    the directions differ;
``time-diff``
    the entry or the exit time differs (or only one of the two is still open);
``price-diff``
    times agree but an entry or exit price differs by more than ``price_tolerance``;
``pnl-diff``
    times and prices agree but the net P&L differs by more than ``pnl_tolerance`` or the
    position size differs;
``missing-ours`` / ``missing-tv``
    the other list has more trades; this one has no trade at that position.

Once an entry time or a direction differs the two lists usually drift apart (every later pair
compares different trades), so the summary names that *first divergence* separately from the
first mismatch of any kind.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pineopt.errors import DataError
from pineopt.fileio import atomic_write_text
from pineopt.strategy.tv_trades import TRADE_COLUMNS

__all__ = [
    "STATUSES",
    "TradeComparison",
    "compare_trades",
    "read_trades_csv",
    "write_trades_csv",
]

#: Every status :func:`compare_trades` gives a pair of trades, best first.
STATUSES = (
    "match",
    "pnl-diff",
    "price-diff",
    "time-diff",
    "side-diff",
    "missing-ours",
    "missing-tv",
)

_REQUIRED = ("direction", "entry_time", "entry_price", "exit_time", "exit_price", "qty", "profit")
_TIMES = ("entry_time", "exit_time")
_NUMBERS = ("entry_price", "exit_price", "qty", "profit", "profit_pct", "cum_profit", "mfe", "mae")
_EPS = 1e-9  # float noise allowed on top of the tolerances

TABLE_COLUMNS = (
    "position",
    "ours_trade",
    "tv_trade",
    "ours_direction",
    "tv_direction",
    "ours_entry_time",
    "tv_entry_time",
    "ours_exit_time",
    "tv_exit_time",
    "ours_entry_price",
    "tv_entry_price",
    "ours_exit_price",
    "tv_exit_price",
    "ours_profit",
    "tv_profit",
    "entry_match",
    "exit_match",
    "entry_price_delta",
    "exit_price_delta",
    "qty_delta",
    "profit_delta",
    "status",
    "detail",
)


@dataclass(frozen=True)
class TradeComparison:
    """The result of :func:`compare_trades`.

    ``table`` has one row per position (:data:`TABLE_COLUMNS`; deltas are ours minus
    TradingView's), ``summary`` the counts, the first mismatch and divergence, the largest
    deltas and a one-paragraph ``text``.
    """

    table: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def all_match(self) -> bool:
        return bool(self.summary.get("all_match"))

    @property
    def text(self) -> str:
        return str(self.summary.get("text", ""))

    def __str__(self) -> str:
        return self.text


# ----------------------------------------------------------------------------- our CSV layout


def read_trades_csv(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a trades CSV in PineOpt's ``--trades`` layout (ISO 8601 UTC times).

    Returns a frame with :data:`~pineopt.strategy.tv_trades.TRADE_COLUMNS` (optional columns
    absent from the file are filled with NaN). Raises :class:`~pineopt.errors.DataError`
    naming the file (and line) when it cannot be read.
    """
    name = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8").removeprefix("\ufeff")
    except OSError as exc:
        raise DataError(f"{name}: cannot read the trades file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not a UTF-8 text file (a PineOpt trades CSV)") from exc
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(row)]
    except csv.Error as exc:
        raise DataError(f"{name}: not a readable CSV file ({exc})") from exc
    if not rows:
        raise DataError(f"{name}: empty file, not a PineOpt trades CSV")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [column for column in _REQUIRED if column not in header]
    if missing:
        hint = " (a TradingView export? pass it as the second file)" if "type" in header else ""
        raise DataError(
            f"{name}: not a PineOpt trades CSV, missing column(s) {', '.join(missing)}{hint}"
        )
    index = {column: header.index(column) for column in TRADE_COLUMNS if column in header}
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataError(
                f"{name}, line {line}: {len(row)} fields where the header has {len(header)}"
            )
        record: dict[str, Any] = {}
        for column, position in index.items():
            cell = row[position].strip()
            record[column] = _cell(column, cell, f"{name}, line {line}")
        record.setdefault("trade", len(records) + 1)
        records.append(record)
    return normalize_trades(pd.DataFrame.from_records(records, columns=list(TRADE_COLUMNS)))


def _cell(column: str, cell: str, where: str) -> Any:
    if column == "trade":
        if not cell.isdigit():
            raise DataError(f"{where}: cannot read the trade number {cell!r}")
        return int(cell)
    if column == "direction":
        if cell.lower() not in ("long", "short"):
            raise DataError(f"{where}: direction {cell!r} is not long/short")
        return cell.lower()
    if column in _TIMES:
        if not cell:
            return None
        try:
            stamp = pd.Timestamp(cell)
        except ValueError as exc:
            raise DataError(f"{where}: cannot read the {column} {cell!r}") from exc
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if column in _NUMBERS:
        if not cell:
            return math.nan
        try:
            return float(cell)
        except ValueError as exc:
            raise DataError(f"{where}: cannot read the {column} {cell!r} as a number") from exc
    return cell or None


def write_trades_csv(trades: pd.DataFrame, path: str | PathLike[str] | None = None) -> str:
    """Lay out trades (:data:`TRADE_COLUMNS`) as a ``--trades`` CSV; write it to ``path``.

    Times are ISO 8601 UTC (``2025-03-31T05:15:00Z``), numbers at full precision, a missing
    value an empty cell. Returns the text.
    """
    frame = normalize_trades(trades)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TRADE_COLUMNS)
    writer.writerows(zip(*(_cells(frame[column]) for column in TRADE_COLUMNS), strict=True))
    text = buffer.getvalue()
    if path is not None:
        atomic_write_text(path, text)
    return text


def _cells(column: pd.Series) -> list[str]:
    """The CSV cells of one typed column of :func:`normalize_trades`: times as
    ``2025-03-31T05:15:00Z`` (whole seconds), floats at full precision (an integral one without
    ``.0``), a missing value empty. Whole columns at once: a trade list has thousands of rows."""
    if column.name in _TIMES:
        seconds = column.dt.tz_localize(None).to_numpy("datetime64[s]")
        return [
            "" if text == "NaT" else text + "Z"
            for text in np.datetime_as_string(seconds, unit="s").tolist()
        ]
    return [_out(value) for value in column.tolist()]


def _out(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if value is None or pd.isna(value):
        return ""
    return str(value)


def normalize_trades(trades: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``trades`` with typed :data:`TRADE_COLUMNS` (UTC times, float numbers)."""
    missing = [column for column in _REQUIRED if column not in trades.columns]
    if missing:
        raise DataError(f"trades lack column(s) {', '.join(missing)}")
    frame = trades.reset_index(drop=True).copy()
    for column in TRADE_COLUMNS:
        if column not in frame.columns:
            frame[column] = range(1, len(frame) + 1) if column == "trade" else None
    frame = frame[list(TRADE_COLUMNS)]
    try:
        for column in _TIMES:
            frame[column] = pd.to_datetime(frame[column], utc=True)
        for column in _NUMBERS:
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
        frame["trade"] = frame["trade"].astype("int64")
    except (ValueError, TypeError) as exc:
        raise DataError(f"trades: {exc}") from exc
    frame["direction"] = [str(value).lower() for value in frame["direction"]]
    for column in ("direction", "entry_signal", "exit_signal"):
        frame[column] = frame[column].astype(object)
    return frame


# ----------------------------------------------------------------------------- the comparison


def compare_trades(
    ours: pd.DataFrame,
    tv: pd.DataFrame,
    price_tolerance: float = 1e-6,
    pnl_tolerance: float = 0.01,
) -> TradeComparison:
    """Compare our trades with TradingView's, pair by pair in list order.

    Both frames are in the :data:`TRADE_COLUMNS` layout (:func:`read_trades_csv`,
    :func:`~pineopt.strategy.tv_trades.read_tv_trades`). ``price_tolerance`` is absolute, in
    price units (the default is below the tick of any usual symbol; pass half a mintick to
    ignore rounding); ``pnl_tolerance`` is absolute, in the account currency (TradingView
    rounds P&L to cents). See the module docstring for the statuses.
    """
    ours = normalize_trades(ours)
    tv = normalize_trades(tv)
    rows = [
        _pair(ours, tv, i, price_tolerance, pnl_tolerance) for i in range(max(len(ours), len(tv)))
    ]
    table = pd.DataFrame.from_records(rows, columns=list(TABLE_COLUMNS))
    for column in ("ours_entry_time", "tv_entry_time", "ours_exit_time", "tv_exit_time"):
        table[column] = pd.to_datetime(table[column], utc=True)
    table["position"] = table["position"].astype("int64")
    for column in ("ours_trade", "tv_trade"):
        table[column] = table[column].astype("Int64")
    return TradeComparison(table, _summary(table, ours, tv))


def _pair(ours: pd.DataFrame, tv: pd.DataFrame, i: int, price_tol: float, pnl_tol: float) -> dict:
    a = ours.iloc[i] if i < len(ours) else None
    b = tv.iloc[i] if i < len(tv) else None
    row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS)
    row["position"] = i + 1
    for prefix, trade in (("ours", a), ("tv", b)):
        if trade is not None:
            row[f"{prefix}_trade"] = int(trade["trade"])
            for column in ("direction", "entry_time", "exit_time", "entry_price", "exit_price"):
                row[f"{prefix}_{column}"] = trade[column]
            row[f"{prefix}_profit"] = trade["profit"]
    if a is None or b is None:
        row.update(entry_match=False, exit_match=False)
        row["status"] = "missing-ours" if a is None else "missing-tv"
        other = b if a is None else a
        row["detail"] = (
            f"{'only TradingView' if a is None else 'only ours'} has a trade here "
            f"({other['direction']} entered {_when(other['entry_time'])})"
        )
        for column in ("entry_price_delta", "exit_price_delta", "qty_delta", "profit_delta"):
            row[column] = math.nan
        return row

    same_side = a["direction"] == b["direction"]
    same_entry = _same_time(a["entry_time"], b["entry_time"])
    same_exit = _same_time(a["exit_time"], b["exit_time"])
    row["entry_match"] = bool(same_side and same_entry)
    row["exit_match"] = bool(same_exit)
    row["entry_price_delta"] = a["entry_price"] - b["entry_price"]
    row["exit_price_delta"] = a["exit_price"] - b["exit_price"]  # NaN if either is open
    row["qty_delta"] = a["qty"] - b["qty"]
    row["profit_delta"] = a["profit"] - b["profit"]

    problems: list[tuple[str, str]] = []
    if not same_side:
        problems.append(("side-diff", f"direction {a['direction']} vs {b['direction']}"))
    if not same_entry:
        problems.append(
            ("time-diff", f"entry {_when(a['entry_time'])} vs {_when(b['entry_time'])}")
        )
    if not same_exit:
        problems.append(("time-diff", f"exit {_when(a['exit_time'])} vs {_when(b['exit_time'])}"))
    for what in ("entry", "exit"):
        delta = row[f"{what}_price_delta"]
        if not pd.isna(delta) and abs(delta) > price_tol + _EPS:
            problems.append(
                (
                    "price-diff",
                    f"{what} price {_num(a[what + '_price'])} vs {_num(b[what + '_price'])}",
                )
            )
    if abs(row["qty_delta"]) > _EPS * max(1.0, abs(b["qty"])):
        problems.append(("pnl-diff", f"qty {_num(a['qty'])} vs {_num(b['qty'])}"))
    if _differs(a["profit"], b["profit"], pnl_tol):
        problems.append(("pnl-diff", f"P&L {_num(a['profit'])} vs {_num(b['profit'])}"))
    if not problems:
        row["status"], row["detail"] = "match", ""
    else:
        worst = max(STATUSES.index(status) for status, _ in problems)
        row["status"] = STATUSES[worst]
        row["detail"] = "; ".join(text for _, text in problems)
    return row


def _same_time(x: Any, y: Any) -> bool:
    if pd.isna(x) or pd.isna(y):
        return pd.isna(x) and pd.isna(y)
    return x == y


def _differs(x: float, y: float, tolerance: float) -> bool:
    if pd.isna(x) or pd.isna(y):
        return not (pd.isna(x) and pd.isna(y))
    return abs(x - y) > tolerance + _EPS


def _when(stamp: Any) -> str:
    return "open" if pd.isna(stamp) else stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(value: Any) -> str:
    return "na" if pd.isna(value) else f"{float(value):.10g}"


def _max_abs(series: pd.Series) -> float:
    values = series.abs().dropna()
    return float(values.max()) if len(values) else 0.0


def _summary(table: pd.DataFrame, ours: pd.DataFrame, tv: pd.DataFrame) -> dict[str, Any]:
    counts = {status: int((table["status"] == status).sum()) for status in STATUSES}
    bad = table[table["status"] != "match"]
    first_mismatch = None
    if len(bad):
        row = bad.iloc[0]
        first_mismatch = {
            "position": int(row["position"]),
            "status": row["status"],
            "reason": row["detail"],
        }
    diverged = table[~table["entry_match"].astype(bool)]
    first_divergence = None
    if len(diverged):
        row = diverged.iloc[0]
        first_divergence = {
            "position": int(row["position"]),
            "status": row["status"],
            "reason": row["detail"],
        }
    total_delta = float(ours["profit"].sum() - tv["profit"].sum())
    summary: dict[str, Any] = {
        "trades_ours": len(ours),
        "trades_tv": len(tv),
        "compared": min(len(ours), len(tv)),
        "matched": counts["match"],
        "mismatched": len(bad),
        "all_match": bool(len(bad) == 0),
        "status_counts": counts,
        "first_mismatch": first_mismatch,
        "first_divergence": first_divergence,
        "max_abs_price_delta": max(
            _max_abs(table["entry_price_delta"]), _max_abs(table["exit_price_delta"])
        ),
        "max_abs_pnl_delta": _max_abs(table["profit_delta"]),
        "total_pnl_delta": total_delta,
    }
    summary["text"] = _text(summary)
    return summary


def _text(s: dict[str, Any]) -> str:
    parts = [f"Compared {s['trades_ours']} of our trades with {s['trades_tv']} TradingView trades:"]
    if s["all_match"]:
        parts.append(f"all {s['matched']} match.")
    else:
        others = ", ".join(
            f"{n} {status}" for status, n in s["status_counts"].items() if n and status != "match"
        )
        parts.append(f"{s['matched']} match, {s['mismatched']} differ ({others}).")
        first = s["first_mismatch"]
        parts.append(
            f"First mismatch at trade {first['position']} ({first['status']}: {first['reason']})."
        )
        div = s["first_divergence"]
        if div is not None and div["position"] != first["position"]:
            parts.append(
                f"The lists diverge at trade {div['position']} ({div['status']}: {div['reason']})."
            )
        elif div is not None:
            parts.append("The lists diverge there (entry time or direction differs).")
    parts.append(
        f"Largest price delta {s['max_abs_price_delta']:.10g}, largest P&L delta "
        f"{s['max_abs_pnl_delta']:.10g}, total P&L delta {s['total_pnl_delta']:+.10g}."
    )
    return " ".join(parts)
