"""``file``: OHLCV bars from a CSV or Parquet file (the request's symbol is the path).

:func:`read_ohlcv_file` is what the ``file`` provider, ``pineopt run --data`` and the TradingView
importer use. The rules (see the CLI contract):

* **Formats.** ``.csv``, ``.txt`` and ``.tsv`` are delimited text (the delimiter — comma,
  semicolon, tab or ``|`` — is sniffed from the header line; UTF-8, with or without a BOM);
  ``.parquet`` and ``.pq`` are Parquet. Any other extension is refused rather than guessed.
* **Time.** The first column named ``time``, ``timestamp``, ``date`` or ``datetime`` (any case);
  failing that an unnamed first column (the index column pandas writes, as in backtesting.py's
  ``GOOG.csv``); in Parquet also a ``DatetimeIndex``. Separate ``Date`` and ``Time`` columns
  (clock times such as ``09:05:00``) are joined. Numbers are epoch time with the unit taken from
  their magnitude; strings are ISO 8601 and those without an offset are UTC.
* **Prices.** ``open, high, low, close, volume`` in any case. A file with no volume column
  (TradingView exports without the Volume indicator, many price-only CSVs) gets volume 0.0 on
  every bar and the provenance says so (``volume_filled``); any other missing column is an error
  listing the columns found.
* **Other columns** are kept aside in :attr:`Dataset.reference` on the same index: numbers as
  float64 (``NaN``, ``NA``, ``null`` and empty cells are na), anything else as text. HTML
  entities in header names (``&quot;``, from TradingView) are unescaped; a repeated name gets
  ``" (2)"``, ``" (3)"``, … (TradingView's ``base/time.csv`` has a plotted ``time`` after the
  chart ``time``).
* **Order.** Rows must be strictly increasing in time; an unsorted or duplicated row is an error
  naming it. Nothing is re-sorted, de-duplicated or written.
* **Symbol.** An explicit :class:`SymbolInfo` wins; otherwise a syminfo TOML (given, or the file's
  namesake beside it: ``vwap.csv`` + ``vwap.toml``); otherwise defaults with the ticker taken from
  the file name (``BTCUSDT_1h.csv`` → ``BTCUSDT``; TradingView's ``BINANCE_BTCUSDT, 60.csv`` →
  ``BINANCE:BTCUSDT``).

Every failure is a one-line :class:`~pineopt.errors.DataError` that starts with the path.
"""

from __future__ import annotations

import gzip
import html
import io
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from pineopt.data.dataset import Dataset
from pineopt.data.frame import OHLCV_COLUMNS, infer_timeframe, parse_times, to_ohlcv
from pineopt.data.providers.base import DataRequest, Provider, register
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
TIME_COLUMNS = ("time", "timestamp", "date", "datetime")
NA_TOKENS = frozenset({"", "nan", "-nan", "na", "n/a", "nat", "null", "none"})
_DELIMITERS = (",", ";", "\t", "|")
_UNNAMED = re.compile(r"unnamed: ?\d+", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+([eE][+-]?\d+)?")
# TradingView names its exports "PREFIX_TICKER, TF.csv", sometimes with "_1a2b3" or " (2)" after.
_TV_NAME = re.compile(
    r"(?P<body>.+?),\s*(?P<tf>\d+[SDWM]?|[SDWM])(?:_[0-9a-fA-F]{5})?(?:\s*\(\d+\))?"
)
_TF_SUFFIX = re.compile(
    r"(?P<body>.+?)[_\-. ](?P<tf>[1-9]\d*\s*(?:s|m|h|d|w|mo|min|mins|minute|minutes|hour|hours"
    r"|day|days|week|weeks|month|months)|daily|hourly|weekly|monthly|[1-9]\d{0,3})",
    re.IGNORECASE,
)
_UNDERSCORED_PREFIXES = ("CME_MINI", "CBOT_MINI", "NYMEX_MINI", "COMEX_MINI", "ICEUS_MINI")


class FileContents(NamedTuple):
    """What a file holds: the contract frame, the other columns, and how it was read."""

    frame: pd.DataFrame
    reference: pd.DataFrame | None
    details: dict[str, Any]


def read_ohlcv_file(
    path: str | Path,
    timeframe: Timeframe | str | None = None,
    symbol: SymbolInfo | str | None = None,
    *,
    syminfo: str | Path | None = None,
) -> Dataset:
    """Read a CSV or Parquet file of bars into a :class:`Dataset`.

    ``timeframe`` (Pine notation or a :class:`Timeframe`) is inferred from the most common bar
    spacing when omitted. ``symbol`` is a :class:`SymbolInfo` (used as it is) or a ticker
    (``"BTCUSDT"`` or ``"BINANCE:BTCUSDT"``) that overrides the ticker of the symbol information
    otherwise found; ``syminfo`` is a syminfo TOML, by default the file's namesake ``.toml`` when
    one lies beside it.
    """
    path = Path(path).expanduser()
    contents = read_frames(path)
    source = str(path)
    if timeframe is not None and timeframe != "":
        tf = Timeframe.parse(timeframe)
    else:
        try:
            tf = infer_timeframe(contents.frame.index)
        except DataError as exc:
            raise DataError(f"{source}: {exc}") from None
    info, toml = symbol_for_file(path, symbol, syminfo)
    provenance: dict[str, Any] = {"provider": "file", "path": source, **contents.details}
    if timeframe is None or timeframe == "":
        provenance["timeframe_inferred"] = True
    if toml is not None:
        provenance["syminfo"] = str(toml)
    return Dataset(contents.frame, info, tf, contents.reference, provenance)


def read_frames(path: str | Path, require_order: bool = True) -> FileContents:
    """Read a file into the contract frame and its other columns, without symbol or timeframe.

    ``require_order=False`` accepts unsorted and duplicate rows (the frame then breaks the
    contract) so that :func:`~pineopt.data.frame.validate` can report them all.
    """
    path = Path(path).expanduser()
    source = str(path)
    kind = _kind(path)
    if kind == "csv":
        table, details = _read_text_table(path)
        return _assemble(table, source, None, details, require_order)
    table, index = _read_parquet_table(path)
    return _assemble(table, source, index, {"format": "parquet"}, require_order)


def ticker_from_path(path: str | Path) -> tuple[str, str]:
    """``(prefix, ticker)`` guessed from a file name: a trailing timeframe is dropped
    (``BTCUSDT_1h.csv`` → ``("", "BTCUSDT")``) and TradingView's export names are split
    (``BINANCE_BTCUSDT, 60.csv`` → ``("BINANCE", "BTCUSDT")``)."""
    path = Path(path)
    stem = (path.with_suffix("") if _gzipped(path) else path).stem.strip()
    match = _TV_NAME.fullmatch(stem)
    if match:
        body = match.group("body").strip()
        for prefix in _UNDERSCORED_PREFIXES:
            if body.upper().startswith(prefix + "_") and len(body) > len(prefix) + 1:
                return prefix, body[len(prefix) + 1 :]
        prefix, sep, ticker = body.partition("_")
        if sep and prefix and ticker:
            return prefix.upper(), ticker
        return "", body
    match = _TF_SUFFIX.fullmatch(stem)
    if match:
        tf = match.group("tf")
        if not tf.isdigit() or int(tf) <= 1440:
            return "", match.group("body").strip()
    return "", stem or "DATA"


def symbol_for_file(
    path: str | Path,
    symbol: SymbolInfo | str | None = None,
    syminfo: str | Path | None = None,
) -> tuple[SymbolInfo, Path | None]:
    """The :class:`SymbolInfo` for a data file and the syminfo TOML it came from (if any)."""
    path = Path(path).expanduser()
    if isinstance(symbol, SymbolInfo):
        return symbol, None
    if symbol is not None and not isinstance(symbol, str):
        raise DataError(f"symbol must be a SymbolInfo or a ticker, not {type(symbol).__name__}")
    toml: Path | None = None
    if syminfo is not None and str(syminfo) != "":
        toml = Path(syminfo).expanduser()
    elif _toml_beside(path).is_file():
        toml = _toml_beside(path)
    if toml is not None:
        info = SymbolInfo.from_toml(toml)
    else:
        prefix, ticker = ticker_from_path(path)
        info = SymbolInfo.default(ticker, "file", prefix)
    if symbol and symbol.strip():
        prefix, sep, ticker = symbol.strip().rpartition(":")
        info = info.replace(ticker=ticker.strip(), **({"prefix": prefix.strip()} if sep else {}))
    return info, toml


def _toml_beside(path: Path) -> Path:
    """The syminfo TOML named like a data file (``BARS.toml`` for ``BARS.csv[.gz]``)."""
    return (path.with_suffix("") if _gzipped(path) else path).with_suffix(".toml")


@register
class FileProvider(Provider):
    """Bars from a local CSV or Parquet file; ``request.symbol`` is the path.

    Request options: ``symbol_info`` (a :class:`SymbolInfo`), ``syminfo`` (a syminfo TOML path)
    and ``ticker`` (overrides the ticker).
    """

    name = "file"
    description = "a CSV or Parquet file of OHLCV bars (the symbol is the path)"

    def load(self, request: DataRequest) -> Dataset:
        options = request.options
        symbol = options.get("symbol_info") or options.get("ticker")
        dataset = read_ohlcv_file(
            request.symbol, request.timeframe, symbol, syminfo=options.get("syminfo")
        )
        return dataset.between(request.start, request.end)


# --------------------------------------------------------------------------- reading


def _kind(path: Path) -> str:
    source = str(path)
    if not path.exists():
        raise DataError(f"{source}: no such file")
    if path.is_dir():
        raise DataError(f"{source}: is a directory, not a data file")
    suffix = _data_suffix(path)
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES and not _gzipped(path):
        return "parquet"
    known = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
    raise DataError(
        f"{source}: unknown file type {suffix or '(no extension)'!r} "
        f"(use {known}; text files may be gzipped, NAME.csv.gz)"
    )


def _gzipped(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def _data_suffix(path: Path) -> str:
    """The suffix telling the format: ``.csv`` for ``BARS.csv`` and ``BARS.csv.gz``."""
    return (path.with_suffix("") if _gzipped(path) else path).suffix.lower()


def _read_text_table(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The file's cells with unique column names: typed when the file is plain numbers (the
    quick way), otherwise every cell as text (na cells as ``None``)."""
    source = str(path)
    text, delimiter = _decode_text(path)
    details: dict[str, Any] = {"format": "csv"}
    if delimiter != ",":
        details["delimiter"] = delimiter
    table = _plain_numbers_table(text, delimiter)
    if table is None:
        table = _text_cells_table(text, delimiter, source)
    return table, details


def _decode_text(path: Path) -> tuple[str, str]:
    """The file as text (gunzipped, UTF-8, leading blank lines dropped) and its delimiter."""
    source = str(path)
    try:
        raw = path.read_bytes()
        if _gzipped(path):
            raw = gzip.decompress(raw)
    except OSError as exc:
        raise DataError(f"{source}: cannot read ({exc.strerror or exc})") from None
    except EOFError:
        raise DataError(f"{source}: a truncated gzip file") from None
    if not raw.strip():
        raise DataError(f"{source}: the file is empty")
    if b"\x00" in raw[:65536]:
        raise DataError(f"{source}: not a text file (binary content; expected CSV with a header)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{source}: not UTF-8 text (byte {exc.start}); expected a CSV file with a header"
        ) from None
    text = text.lstrip("\r\n")
    header_line = text.split("\n", 1)[0]
    return text, _sniff_delimiter(header_line, tab_first=_data_suffix(path) == ".tsv")


def _plain_numbers_table(text: str, delimiter: str) -> pd.DataFrame | None:
    """The cells of a plain comma-separated file of numbers, typed by pandas' C parser, or
    None when the file is anything else.

    Plain: a header of distinct, unquoted, non-blank names, one of them a time column (whole
    epoch numbers or text, which :func:`~pineopt.data.frame.parse_times` reads as the text path
    would), at least one row, every other cell a number, no empty or na cell. The C parser reads
    decimals exactly as :func:`pandas.to_numeric` does on the text path, so both ways give the
    same frame; this way skips building a text cell per value."""
    header_line = text.split("\n", 1)[0].rstrip("\r")
    if delimiter != "," or '"' in header_line or "&" in header_line:
        return None
    names = [name.strip() for name in header_line.split(",")]
    if not all(names) or len(set(names)) != len(names) or all(map(_is_number, names)):
        return None
    try:
        table = pd.read_csv(io.StringIO(text), sep=",", skipinitialspace=True, engine="c")
    except (pd.errors.ParserError, ValueError):
        return None
    if list(table.columns) != names or table.empty or table.isna().any().any():
        return None
    times = [name for name in names if name.lower() in TIME_COLUMNS]
    if len(times) != 1 or table[times[0]].dtype.kind == "f":
        return None  # a date and a clock column, or fractional epochs: the text path decides
    for name in names:
        if name != times[0]:
            if table[name].dtype.kind not in "if":
                return None
            table[name] = table[name].astype("float64")  # as the text path types numbers
    return table


def _text_cells_table(text: str, delimiter: str, source: str) -> pd.DataFrame:
    """Every cell as text (na cells as ``None``), with unique column names."""
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{source}: not a readable CSV ({_one_line(exc)})") from None
    header = [str(cell) for cell in cells.iloc[0]]
    if len(cells) < 2:
        raise DataError(f"{source}: has a header but no rows")
    if all(_is_number(cell) for cell in header if cell.strip()):
        raise DataError(
            f"{source}: the first line has no column names; a header such as "
            "time,open,high,low,close,volume is required"
        )
    body = cells.iloc[1:].reset_index(drop=True)
    body.columns = _unique_names(header)
    return body.apply(_na_to_none)


def _sniff_delimiter(header: str, tab_first: bool = False) -> str:
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside_quotes.count(d) for d in _DELIMITERS}
    if tab_first and counts["\t"]:
        return "\t"
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_parquet_table(path: Path) -> tuple[pd.DataFrame, pd.DatetimeIndex | None]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = str(path)
    if path.stat().st_size == 0:
        raise DataError(f"{source}: the file is empty")
    try:
        table = pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{source}: not a readable Parquet file ({_one_line(exc)})") from None
    if len(table) == 0:
        raise DataError(f"{source}: has no rows")
    if isinstance(table.index, pd.DatetimeIndex):
        index = table.index
        table = table.reset_index(drop=True)
        table.columns = _unique_names([str(c) for c in table.columns])
        return table, index
    if not isinstance(table.index, pd.RangeIndex) or table.index.name is not None:
        table = table.reset_index()
    table = table.reset_index(drop=True)
    table.columns = _unique_names([str(c) for c in table.columns])
    return table, None


def _assemble(
    table: pd.DataFrame,
    source: str,
    index: pd.DatetimeIndex | None,
    details: dict[str, Any],
    require_order: bool = True,
) -> FileContents:
    names = [str(c) for c in table.columns]
    found = ", ".join(names) or "none"
    used: list[str] = []
    if index is None:
        time_column = _time_column(names)
        if time_column is None:
            hint = ""
            if "Trade #" in names:
                hint = " (this is a TradingView list of trades, not chart data)"
            raise DataError(
                f"{source}: no time column: expected one named {', '.join(TIME_COLUMNS)} "
                f"(any case) or an unnamed first column of dates (found: {found}){hint}"
            )
        values = table[time_column]
        used.append(time_column)
        clock = _clock_column(table, names, time_column)
        if clock is not None:
            values = values.str.strip() + " " + table[clock].str.strip()
            used.append(clock)
            details["time_column"] = f"{time_column} + {clock}"
        else:
            details["time_column"] = time_column
        if _UNNAMED.fullmatch(time_column) and _is_row_counter(values):
            raise DataError(
                f"{source}: the unnamed first column holds row numbers, not times; no time "
                f"column named {', '.join(TIME_COLUMNS)} (found: {found})"
            )
        try:
            times = parse_times(values, time_column)
        except DataError as exc:
            raise DataError(f"{source}: {exc}") from None
    else:
        times = parse_times(index, "index")
        details["time_column"] = "index"

    rest = [name for name in names if name not in used]
    by_lower: dict[str, list[str]] = {}
    for name in rest:
        by_lower.setdefault(name.strip().lower(), []).append(name)
    columns: dict[str, str] = {}
    for wanted in OHLCV_COLUMNS:
        matches = by_lower.get(wanted, [])
        if len(matches) > 1:
            raise DataError(f"{source}: ambiguous columns {', '.join(matches)} (one {wanted!r})")
        if matches:
            columns[wanted] = matches[0]
    missing = [name for name in OHLCV_COLUMNS if name not in columns]
    if missing and missing != ["volume"]:
        raise DataError(f"{source}: missing column(s) {', '.join(missing)} (found: {found})")
    decimal_comma = details.get("delimiter") == ";"
    data = {
        name: _numbers(table[column], decimal_comma).to_numpy() for name, column in columns.items()
    }
    if "volume" not in columns:
        data["volume"] = np.zeros(len(table))
        details["volume_filled"] = 0.0
        details.setdefault("notes", []).append("the file has no volume column: volume set to 0")
    raw = pd.DataFrame(data, index=pd.DatetimeIndex(times))
    frame = to_ohlcv(raw[list(OHLCV_COLUMNS)], source, require_order)

    extra = [name for name in rest if name not in columns.values()]
    reference = None
    if extra:
        reference = pd.DataFrame(
            {name: _reference_values(table[name], decimal_comma) for name in extra}
        )
        reference.index = frame.index
        details["reference_columns"] = extra
    details["rows_in_file"] = len(frame)
    return FileContents(frame, reference, details)


def _time_column(names: list[str]) -> str | None:
    for name in names:
        if name.strip().lower() in TIME_COLUMNS:
            return name
    if names and _UNNAMED.fullmatch(names[0]):
        return names[0]
    return None


def _clock_column(table: pd.DataFrame, names: list[str], time_column: str) -> str | None:
    """A ``Time`` column of clock times that completes a ``Date`` column."""
    if time_column.strip().lower() != "date" or table[time_column].dtype.kind in "iufM":
        return None
    for name in names:
        if name != time_column and name.strip().lower() == "time":
            values = table[name]
            if values.dtype.kind in "iufM" or values.isna().any():
                return None
            if values.astype(str).str.strip().str.fullmatch(_CLOCK.pattern).all():
                return name
            return None
    return None


def _is_row_counter(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any():
        return False
    return bool(np.array_equal(numbers.to_numpy(), np.arange(len(numbers))))


def _unique_names(header: list[str]) -> list[str]:
    """Header cells as column names: HTML entities unescaped, blanks named ``Unnamed: N`` (as
    pandas does) and a repeated name suffixed `` (2)``, `` (3)``, …"""
    names: list[str] = []
    for position, cell in enumerate(header):
        base = html.unescape(cell).strip() or f"Unnamed: {position}"
        name, count = base, 1
        while name in names:
            count += 1
            name = f"{base} ({count})"
        names.append(name)
    return names


def _na_to_none(column: pd.Series) -> pd.Series:
    text = column.astype(object)
    na = column.str.strip().str.lower().isin(NA_TOKENS).to_numpy()
    text[na] = None
    return text


def _numbers(column: pd.Series, decimal_comma: bool = False) -> pd.Series:
    """Text cells ready for ``pd.to_numeric`` (stripped; ``1,5`` read as 1.5 when the file's
    delimiter is ``;``); typed columns pass through."""
    if column.dtype.kind in "iufb":
        return column
    text = column.astype(object)
    present = text.notna().to_numpy()
    stripped = text[present].astype(str).str.strip()
    if decimal_comma:
        comma = stripped.str.fullmatch(_DECIMAL_COMMA.pattern)
        stripped = stripped.where(~comma, stripped.str.replace(",", ".", regex=False))
    text[present] = stripped.to_numpy()
    return text


def _reference_values(column: pd.Series, decimal_comma: bool) -> pd.Series:
    """Numbers as float64 when every present cell is one, otherwise the values unchanged."""
    if column.dtype.kind in "iufbM" or isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.reset_index(drop=True)
    numbers = pd.to_numeric(_numbers(column, decimal_comma), errors="coerce")
    if (numbers.isna() == column.isna()).all():
        return numbers.astype("float64").reset_index(drop=True)
    return column.reset_index(drop=True)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
