"""Read and write TradingView Strategy Tester "List of trades" CSV exports.

TradingView lists each trade as two rows (an ``Entry long``/``Entry short`` row and an
``Exit long``/``Exit short`` row, in either order) that repeat the trade's P&L columns.
:func:`read_tv_trades` turns such an export into PineOpt's trades layout (one row per trade,
the ``--trades`` columns of the CLI contract, times in UTC); :func:`write_tv_trades` does the
reverse, so our own trades can be laid side by side with TradingView's.

Header variants of different TradingView versions are accepted (``Trade #``/``Trade number``,
``Position size (qty)``/``Size (qty)``, ``Net P&L USD``/``Net PnL USD``, any currency suffix,
a UTF-8 BOM). ``Date/Time`` cells with a UTC offset (``2022-01-02T19:00:00-0500``) are taken
at that offset; naive cells (``2025-03-31 05:15``) are in the chart timezone ``tz``. An exit
row whose signal is ``Open`` (or a missing exit row of the last trade) marks a trade still
open at the end of the export: its exit fields are empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import math
import re
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import IO, Any

import pandas as pd

from pineopt.errors import DataError, PineOptError
from pineopt.fileio import atomic_write_text
from pineopt.runtime.calendar import parse_timezone

__all__ = ["TRADE_COLUMNS", "read_tv_trades", "write_tv_trades"]

#: PineOpt's trades layout (``--trades`` in the CLI contract).
TRADE_COLUMNS = (
    "trade",
    "direction",
    "entry_time",
    "entry_price",
    "entry_signal",
    "exit_time",
    "exit_price",
    "exit_signal",
    "qty",
    "profit",
    "profit_pct",
    "cum_profit",
    "mfe",
    "mae",
)

_CUR = r"(?:\s+[a-z]{2,6})?"
_PNL = r"p(?:&|n)l"
# canonical field -> pattern over the lower-cased, whitespace-collapsed header cell
_HEADERS: dict[str, re.Pattern[str]] = {
    key: re.compile(pattern)
    for key, pattern in {
        "trade": r"trade(?: #| number| no\.?|)",
        "type": r"type",
        "time": r"date/time|date and time|date|time",
        "signal": r"signal",
        "price": rf"price{_CUR}",
        "qty": r"(?:position )?size \(qty\)|contracts|qty|quantity",
        "value": r"(?:position )?size \(value\)",
        "profit": rf"net {_PNL}{_CUR}|profit{_CUR}",
        "profit_pct": rf"net {_PNL} %|profit %",
        # the 2025 layout names them "Favorable/Adverse excursion"
        "runup": rf"(?:run-?up|favorable excursion){_CUR}",
        "runup_pct": r"(?:run-?up|favorable excursion) %",
        "drawdown": rf"(?:drawdown|adverse excursion){_CUR}",
        "drawdown_pct": r"(?:drawdown|adverse excursion) %",
        "cum_profit": rf"cumulative {_PNL}{_CUR}|cum\.? profit{_CUR}",
        "cum_profit_pct": rf"cumulative {_PNL} %|cum\.? profit %",
    }.items()
}
_REQUIRED = (
    "trade",
    "type",
    "time",
    "signal",
    "price",
    "qty",
    "profit",
    "profit_pct",
    "runup",
    "drawdown",
    "cum_profit",
)
_TYPE = re.compile(r"(entry|exit)\s+(long|short)", re.IGNORECASE)
_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?", re.IGNORECASE)
_OPEN = "open"

Source = str | PathLike[str] | IO[str] | IO[bytes]


def export_timezone(tz: str) -> dt.tzinfo:
    try:
        return parse_timezone(tz)
    except PineOptError as exc:
        raise DataError(
            f"unknown chart timezone {tz!r} (an IANA name such as 'America/New_York', "
            f"'UTC', or a fixed offset such as '+08:00')"
        ) from exc


def _source_name(source: Source) -> str:
    if isinstance(source, (str, PathLike)):
        return str(source)
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, str) else "<buffer>"


def _read_text(source: Source, name: str) -> str:
    try:
        if isinstance(source, (str, PathLike)):
            raw: str | bytes = Path(source).read_bytes()
        else:
            raw = source.read()
    except OSError as exc:
        raise DataError(f"{name}: cannot read the trade list ({exc.strerror or exc})") from exc
    if isinstance(raw, bytes) and raw[:2] == b"\x1f\x8b":  # a gzipped export
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{name}: a damaged gzip file ({exc})") from exc
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(f"{name}: not a UTF-8 text file (a TradingView trade list)") from exc
    return raw.removeprefix("\ufeff")


def _map_header(header: list[str], name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = " ".join(cell.replace("\ufeff", "").split()).lower()
        for key, pattern in _HEADERS.items():
            if key not in found and pattern.fullmatch(text):
                found[key] = index
                break
    if "type" not in found or sum(key in found for key in _REQUIRED) < len(_REQUIRED) // 2:
        raise DataError(
            f"{name}: not a TradingView 'List of trades' export (header {','.join(header)[:120]!r})"
        )
    missing = [key for key in _REQUIRED if key not in found]
    if missing:
        raise DataError(f"{name}: missing column(s) {', '.join(missing)} in the trade list")
    return found


def _number(cell: str, what: str, where: str) -> float:
    text = cell.strip().replace("\u2212", "-").replace(",", "").replace("\u00a0", "")
    text = text.replace(" ", "")
    if not _NUMBER.fullmatch(text):
        raise DataError(f"{where}: cannot read {what} {cell!r} as a number")
    return float(text)


def _time(cell: str, zone: dt.tzinfo, where: str) -> dt.datetime:
    match = _TIME.fullmatch(cell.strip())
    if not match:
        raise DataError(f"{where}: cannot read the date/time {cell!r}")
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        naive = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
        )
    except ValueError as exc:
        raise DataError(f"{where}: cannot read the date/time {cell!r} ({exc})") from exc
    if offset is not None:
        if offset.upper() == "Z":
            tzinfo: dt.tzinfo = dt.timezone.utc
        else:
            digits = offset[1:].replace(":", "")
            delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            tzinfo = dt.timezone(-delta if offset[0] == "-" else delta)
        moment = naive.replace(tzinfo=tzinfo)
    else:
        # fold=0: an hour repeated when DST ends is read as its first occurrence
        moment = naive.replace(tzinfo=zone)
        back = moment.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            raise DataError(f"{where}: the date/time {cell!r} does not exist in the chart timezone")
    return moment.astimezone(dt.timezone.utc)


def read_tv_trades(path_or_buffer: Source, tz: str) -> pd.DataFrame:
    """Read a TradingView "List of trades" CSV into PineOpt's trades layout.

    ``tz`` is the chart timezone of the export (IANA name, ``"UTC"`` or a fixed offset such as
    ``"+08:00"``); it converts naive ``Date/Time`` cells to UTC. Returns one row per trade, in
    trade-number order, with the :data:`TRADE_COLUMNS`: times as UTC timestamps, ``mfe`` the
    run-up, ``mae`` minus the drawdown (``<= 0``), ``profit_pct`` in percent. Raises
    :class:`~pineopt.errors.DataError` naming the file and line on anything it cannot read.
    """
    zone = export_timezone(tz)
    name = _source_name(path_or_buffer)
    text = _read_text(path_or_buffer, name)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataError(f"{name}: not a readable CSV file ({exc})") from exc
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise DataError(f"{name}: empty file, not a TradingView 'List of trades' export")
    columns = _map_header(rows[0], name)
    width = len(rows[0])

    trades: dict[int, dict[str, tuple[int, list[str]]]] = {}
    for line, row in enumerate(rows[1:], start=2):
        where = f"{name}, line {line}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            raise DataError(f"{where}: {len(row)} fields where the header has {width}")
        trade_cell = row[columns["trade"]].strip()
        if not trade_cell.isdigit():
            raise DataError(f"{where}: cannot read the trade number {trade_cell!r}")
        kind = _TYPE.fullmatch(row[columns["type"]].strip())
        if not kind:
            raise DataError(
                f"{where}: unknown trade type {row[columns['type']]!r} "
                f"(expected 'Entry long', 'Exit short', …)"
            )
        side = kind.group(1).lower()
        sides = trades.setdefault(int(trade_cell), {})
        if side in sides:
            raise DataError(
                f"{where}: trade {trade_cell} has a second {side} row "
                f"(first on line {sides[side][0]})"
            )
        sides[side] = (line, row)

    last = max(trades, default=None)
    records = []
    for number in sorted(trades):
        sides = trades[number]
        if "entry" not in sides:
            line = sides["exit"][0]
            raise DataError(f"{name}, line {line}: trade {number} has an exit row but no entry row")
        entry_line, entry = sides["entry"]
        exit_line, exit_row = sides.get("exit", (None, None))
        if exit_row is None and number != last:
            raise DataError(
                f"{name}, line {entry_line}: trade {number} has an entry row but no exit row"
            )
        direction = _TYPE.fullmatch(entry[columns["type"]].strip()).group(2).lower()
        where = f"{name}, line {entry_line}"
        record: dict[str, Any] = {
            "trade": number,
            "direction": direction,
            "entry_time": _time(entry[columns["time"]], zone, where),
            "entry_price": _number(entry[columns["price"]], "the price", where),
            "entry_signal": entry[columns["signal"]],
            "exit_time": None,
            "exit_price": math.nan,
            "exit_signal": None,
        }
        if exit_row is not None:
            where_exit = f"{name}, line {exit_line}"
            exit_direction = _TYPE.fullmatch(exit_row[columns["type"]].strip()).group(2).lower()
            if exit_direction != direction:
                raise DataError(
                    f"{where_exit}: trade {number} enters {direction} but exits {exit_direction}"
                )
            if exit_row[columns["signal"]].strip().lower() != _OPEN:
                record["exit_time"] = _time(exit_row[columns["time"]], zone, where_exit)
                record["exit_price"] = _number(exit_row[columns["price"]], "the price", where_exit)
                record["exit_signal"] = exit_row[columns["signal"]]
        record["qty"] = _number(entry[columns["qty"]], "the position size", where)
        record["profit"] = _number(entry[columns["profit"]], "the net P&L", where)
        record["profit_pct"] = _number(entry[columns["profit_pct"]], "the net P&L %", where)
        record["cum_profit"] = _number(entry[columns["cum_profit"]], "the cumulative P&L", where)
        record["mfe"] = _number(entry[columns["runup"]], "the run-up", where)
        record["mae"] = -abs(_number(entry[columns["drawdown"]], "the drawdown", where))
        records.append(record)

    frame = pd.DataFrame.from_records(records, columns=list(TRADE_COLUMNS))
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["trade"] = frame["trade"].astype("int64")
    for column in ("entry_time", "exit_time"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in ("entry_price", "exit_price", "qty", "profit", "profit_pct", "cum_profit"):
        frame[column] = frame[column].astype("float64")
    for column in ("mfe", "mae"):
        frame[column] = frame[column].astype("float64")
    for column in ("direction", "entry_signal", "exit_signal"):
        frame[column] = frame[column].astype(object)
    return frame.reset_index(drop=True)


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _pct(numerator: float, denominator: float | None) -> str:
    if denominator is None or not denominator or math.isnan(numerator):
        return ""
    return _fmt(round(numerator / denominator * 100.0, 2))


def _rows(
    frame: pd.DataFrame,
    zone: dt.tzinfo,
    point_value: float,
    initial_capital: float | None,
) -> Iterable[list[str]]:
    def stamps(column: str) -> list[str]:
        times = pd.to_datetime(frame[column], utc=True).dt.tz_convert(zone)
        return times.dt.strftime("%Y-%m-%dT%H:%M:%S%z").fillna("").tolist()

    entry_times, exit_times = stamps("entry_time"), stamps("exit_time")
    for index, trade in enumerate(frame.itertuples(index=False)):
        direction = str(trade.direction).lower()
        if direction not in ("long", "short"):
            raise DataError(f"trade {trade.trade}: direction {trade.direction!r} is not long/short")
        value = float(trade.qty) * float(trade.entry_price)
        basis = abs(value * point_value)
        common = [
            _fmt(trade.qty),
            _fmt(value),
            _fmt(trade.profit),
            _fmt(trade.profit_pct),
            _fmt(trade.mfe),
            _pct(float(trade.mfe), basis),
            _fmt(-abs(float(trade.mae))),
            _pct(-abs(float(trade.mae)), basis),
            _fmt(trade.cum_profit),
            _pct(float(trade.cum_profit), initial_capital),
        ]
        number = str(int(trade.trade))
        is_open = not exit_times[index]
        entry_signal = "" if pd.isna(trade.entry_signal) else str(trade.entry_signal)
        exit_signal = "" if pd.isna(trade.exit_signal) else str(trade.exit_signal)
        yield [
            number,
            f"Entry {direction}",
            entry_times[index],
            entry_signal,
            _fmt(trade.entry_price),
            *common,
        ]
        yield [
            number,
            f"Exit {direction}",
            exit_times[index],
            "Open" if is_open else exit_signal,
            "" if is_open else _fmt(trade.exit_price),
            *common,
        ]


def write_tv_trades(
    trades: pd.DataFrame,
    tz: str,
    currency: str = "USD",
    *,
    path: str | PathLike[str] | None = None,
    point_value: float = 1.0,
    initial_capital: float | None = None,
) -> str:
    """Lay out PineOpt trades (:data:`TRADE_COLUMNS`) as a TradingView "List of trades" CSV.

    Two rows per trade (entry, then exit; an open trade's exit row has signal ``Open`` and no
    time or price), TradingView's header with ``currency``, times as
    ``2022-01-02T19:00:00-0500`` in the chart timezone ``tz``. ``Run-up %``/``Drawdown %`` are
    relative to the entry value times ``point_value``; ``Cumulative P&L %`` needs
    ``initial_capital`` and is left empty without it. Returns the text and, given ``path``,
    also writes it there atomically.
    """
    zone = export_timezone(tz)
    missing = [column for column in TRADE_COLUMNS if column not in trades.columns]
    if missing:
        raise DataError(f"trades to write lack column(s) {', '.join(missing)}")
    cur = currency.strip() or "USD"
    header = [
        "Trade #",
        "Type",
        "Date/Time",
        "Signal",
        f"Price {cur}",
        "Position size (qty)",
        "Position size (value)",
        f"Net P&L {cur}",
        "Net P&L %",
        f"Run-up {cur}",
        "Run-up %",
        f"Drawdown {cur}",
        "Drawdown %",
        f"Cumulative P&L {cur}",
        "Cumulative P&L %",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(_rows(trades, zone, point_value, initial_capital))
    text = buffer.getvalue()
    if path is not None:
        atomic_write_text(path, text)
    return text
