"""Running a converted module over data, with or without the compiler around.

A converted module ends with::

    if __name__ == '__main__':
        from pineopt.runtime.standalone import main
        main(DECLARATION, script)

so ``python OUT.py --data FILE.csv [--plots OUT.csv] [--input NAME=VALUE ...]`` runs it with no
Pine source and no compiler in sight. The same helpers serve :func:`pineopt.run`:

* :func:`prepare` turns a DataFrame, a :class:`~pineopt.data.dataset.Dataset`, a file path or a
  data name (:func:`~pineopt.data.resolver.resolve_data`: ``BTCUSDT_1D``, a cached series) into
  the chart frame, its :class:`~pineopt.data.symbol.SymbolInfo` and
  :class:`~pineopt.data.timeframe.Timeframe`, applying the overrides of the CLI contract
  (``symbol``, ``timezone``, ``mintick``, ``pointvalue``, ``session``, ``start``/``end``);
* :func:`run_module` runs a loaded module over them and turns a bad ``--input`` into an
  :class:`~pineopt.runtime.inputs.InputError` that lists the script's inputs;
* :func:`plots_csv` writes the ``--plots`` layout: ``time`` (ISO 8601 UTC bar open), then one
  column per plotted series in declaration order, full-precision numbers, bools as ``1``/``0``
  and ``na`` as an empty cell.

This module imports only the runtime and data sides of PineOpt (never the compiler), the
standard library and pandas.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NoReturn

from pineopt.errors import DataError, PineOptError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from pineopt.data.symbol import SymbolInfo
    from pineopt.data.timeframe import Timeframe
    from pineopt.runtime.engine import Result

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""How ``time`` cells of the plots CSV are written (the bar's open, UTC)."""

_TIME_COLUMNS = ("time", "timestamp", "date", "datetime")


# --------------------------------------------------------------------------- data


@dataclass
class Chart:
    """The chart a script runs on: its bars, symbol, timeframe and other-timeframe feeds."""

    frame: pd.DataFrame
    symbol: SymbolInfo
    timeframe: Timeframe
    htf_frames: dict[str, pd.DataFrame]
    source_frame: pd.DataFrame | None = None
    """The whole ``--data`` feed, rows before ``start`` included: higher timeframes of the chart
    symbol are aggregated from it."""
    provenance: dict = dataclasses.field(default_factory=dict)
    """Where the bars came from (the Dataset's ``provenance``: ``provider``, ``path``, ``cache``
    ...); empty for a bare DataFrame."""


def prepare_from_args(args: Any) -> Chart:
    """:func:`prepare` from the parsed flags of a command line (``--data``, ``--symbol``,
    ``--timeframe`` …, ``--htf-data`` when the command has it)."""
    return prepare(
        args.data,
        symbol=args.symbol,
        timeframe=args.timeframe,
        timezone=args.timezone,
        mintick=args.mintick,
        pointvalue=args.pointvalue,
        session=args.session,
        syminfo=args.syminfo,
        start=args.start,
        end=args.end,
        htf_data=dict(getattr(args, "htf_data", None) or {}),
        security_data=dict(getattr(args, "security_data", None) or {}),
    )


def prepare(
    data: Any,
    *,
    symbol: Any = None,
    timeframe: Any = None,
    timezone: str | None = None,
    mintick: float | None = None,
    pointvalue: float | None = None,
    session: str | None = None,
    syminfo: str | Path | None = None,
    start: Any = None,
    end: Any = None,
    htf_data: Mapping[str, Any] | None = None,
    security_data: Mapping[str, Any] | None = None,
) -> Chart:
    """The :class:`Chart` for ``data`` (a contract DataFrame, a Dataset, a CSV/Parquet path or a
    data name such as ``BTCUSDT_1D``, see :func:`~pineopt.data.resolver.resolve_data`; a Chart
    comes back as it is).

    ``symbol`` is a :class:`SymbolInfo` (used as is) or a ticker (``"BTCUSDT"``,
    ``"BINANCE:BTCUSDT"``); ``syminfo`` a symbol TOML. ``timezone``, ``mintick``, ``pointvalue``
    and ``session`` override single fields. ``timeframe`` (Pine notation) is inferred from the
    bar spacing of the whole data when omitted. ``start``/``end`` are the first and last bars
    kept. ``htf_data`` maps timeframes to feeds of the chart symbol (same kinds as ``data``);
    ``security_data`` maps ``SYMBOL`` or ``SYMBOL:TF`` to feeds of other symbols
    (``"USI:ADVN.NY:1D"``).
    """
    from pineopt.data.dataset import Dataset, slice_frame
    from pineopt.data.frame import infer_timeframe
    from pineopt.data.symbol import SymbolInfo
    from pineopt.data.timeframe import Timeframe

    if isinstance(data, Chart):
        overrides = (symbol, timeframe, timezone, mintick, pointvalue, session, syminfo, start, end)
        if any(v is not None for v in overrides) or htf_data or security_data:
            raise DataError("a prepared Chart takes no further overrides")
        return data
    tf = _timeframe(timeframe)
    if isinstance(data, str | Path):
        data = _resolved(data, tf, syminfo)
        syminfo = None  # applied by the resolver
    if isinstance(data, Dataset):
        frame, info, tf = data.frame, data.symbol, tf or data.timeframe
        provenance = dict(data.provenance)
        if syminfo is not None and str(syminfo):
            info = SymbolInfo.from_toml(syminfo)
    elif _is_frame(data):
        frame = _contract_frame(data, "data")
        provenance = {}
        if tf is None:
            tf = infer_timeframe(frame.index)
        if syminfo is not None and str(syminfo):
            info = SymbolInfo.from_toml(syminfo)
        else:
            info = SymbolInfo(ticker="DATA")
    else:
        raise DataError(
            f"data must be a DataFrame, a Dataset, a file path or a data name, not "
            f"{type(data).__name__}"
        )
    info = _override_symbol(info, symbol, timezone, mintick, pointvalue, session)
    htf_frames = {}
    for key, feed in (htf_data or {}).items():
        htf_tf = Timeframe.parse(key)
        htf_frames[str(htf_tf)] = _feed_frame(_resolved(feed, htf_tf), f"htf data {htf_tf}")
    for key, feed in (security_data or {}).items():
        requested, feed_tf = _security_key(str(key))
        feed = _resolved(feed, feed_tf)
        feed_frame = _feed_frame(feed, f"security data {key}")
        feed_frame.attrs["symbol"] = _feed_symbol(feed, requested)
        name = f"{requested}@{feed_tf}" if feed_tf is not None else requested
        htf_frames[name] = feed_frame
    chart_frame = slice_frame(frame, start, end)
    if not len(chart_frame):
        span = (
            f" between {start or 'the first bar'} and {end or 'the last bar'}"
            if (start or end)
            else ""
        )
        raise DataError(f"no bars to run on{span}")
    return Chart(chart_frame, info, tf, htf_frames, frame, provenance)


def _timeframe(value: Any) -> Timeframe | None:
    from pineopt.data.timeframe import Timeframe

    if value is None or value == "":
        return None
    try:
        return Timeframe.parse(value)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, PineOptError):
            raise
        raise DataError(f"bad timeframe {value!r}: {exc}") from None


def _is_frame(value: Any) -> bool:
    import pandas as pd

    return isinstance(value, pd.DataFrame)


def _contract_frame(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """``frame`` as a contract frame: a DatetimeIndex or a time column (time, timestamp, date,
    datetime in any case) and the five OHLCV columns in any case."""
    import pandas as pd

    from pineopt.data.frame import parse_times, to_ohlcv

    if not isinstance(frame.index, pd.DatetimeIndex):
        names = {str(c).strip().lower(): c for c in frame.columns}
        column = next((names[n] for n in _TIME_COLUMNS if n in names), None)
        if column is None:
            raise DataError(
                f"{source}: needs a DatetimeIndex of bar open times or a time column "
                f"({', '.join(_TIME_COLUMNS)})"
            )
        frame = frame.set_axis(parse_times(frame[column], str(column)), axis=0)
    return to_ohlcv(frame, source)


def _resolved(feed: Any, timeframe: Timeframe | None = None, syminfo: Any = None) -> Any:
    """A feed given as a file path or a data name, loaded (see
    :func:`pineopt.data.resolver.resolve_data`); anything else comes back as it is."""
    if not isinstance(feed, str | Path):
        return feed
    from pineopt.data.resolver import resolve_data

    return resolve_data(feed, timeframe=timeframe, syminfo=syminfo)


def _feed_frame(feed: Any, source: str) -> pd.DataFrame:
    from pineopt.data.dataset import Dataset

    if isinstance(feed, Dataset):
        return feed.frame
    if _is_frame(feed):
        return _contract_frame(feed, source)
    raise DataError(f"{source}: expected a DataFrame, a Dataset, a file path or a data name")


def _security_key(key: str) -> tuple[str, Timeframe | None]:
    """``SYMBOL:TF`` -> (symbol, timeframe); a key whose last part is no timeframe is a symbol
    (a symbol may itself hold colons: ``USI:ADVN.NY``)."""
    from pineopt.data.timeframe import Timeframe

    symbol, sep, last = key.rpartition(":")
    if sep and symbol:
        try:
            return symbol, Timeframe.parse(last)
        except DataError:
            pass
    return key, None


def _feed_symbol(feed: Any, ticker: str) -> SymbolInfo:
    """The symbol of another symbol's feed: its own syminfo when the feed has one (a Dataset,
    or a file with a TOML beside it), else a default one named ``ticker``."""
    from pineopt.data.dataset import Dataset
    from pineopt.data.symbol import SymbolInfo

    if isinstance(feed, Dataset):
        return feed.symbol
    prefix, _, bare = ticker.rpartition(":")
    return SymbolInfo(ticker=bare, prefix=prefix)


def _override_symbol(
    info: SymbolInfo,
    symbol: Any,
    timezone: str | None,
    mintick: float | None,
    pointvalue: float | None,
    session: str | None,
) -> SymbolInfo:
    from pineopt.data.symbol import SymbolInfo

    if isinstance(symbol, SymbolInfo):
        info = symbol
    elif isinstance(symbol, str) and symbol.strip():
        prefix, sep, ticker = symbol.strip().rpartition(":")
        changes: dict[str, Any] = {"ticker": ticker.strip()}
        if sep:
            changes["prefix"] = prefix.strip()
        info = info.replace(**changes)
    elif symbol is not None:
        raise DataError(f"symbol must be a SymbolInfo or a ticker, not {type(symbol).__name__}")
    changes = {}
    if timezone is not None:
        changes["timezone"] = "UTC" if timezone.upper() == "UTC" else timezone
    if mintick is not None:
        changes["mintick"] = float(mintick)
    if pointvalue is not None:
        changes["pointvalue"] = float(pointvalue)
    if session is not None:
        changes["session"] = session
    if not changes:
        return info
    try:
        return info.replace(**changes)
    except (ValueError, TypeError) as exc:
        if isinstance(exc, PineOptError):
            raise
        raise DataError(str(exc)) from None


# --------------------------------------------------------------------------- running


def run_module(
    module: Any,
    chart: Chart,
    *,
    inputs: Mapping[str, object] | None = None,
    diagnostics: tuple = (),
    strategy: Mapping[str, object] | None = None,
    magnifier: Any = None,
) -> Result:
    """Run a loaded module over ``chart`` (a strategy with ``strategy`` overrides of its
    ``strategy()`` parameters and ``magnifier`` lower-timeframe bars). A bad input override
    (an unknown name, a value of the wrong type or out of range) raises
    :class:`~pineopt.runtime.inputs.InputError` listing the script's inputs; other failures of
    the script raise
    :class:`~pineopt.errors.PineRuntimeError` located at its Pine line."""
    from pineopt.runtime.engine import execute
    from pineopt.runtime.inputs import InputError

    magnifier_frame = (
        None if magnifier is None else _feed_frame(_resolved(magnifier), "magnifier data")
    )

    def go(frame: pd.DataFrame, overrides: Mapping[str, object] | None) -> Result:
        return execute(
            module,
            frame,
            chart.symbol,
            chart.timeframe,
            inputs=overrides,
            htf_frames=chart.htf_frames,
            source_frame=chart.source_frame,
            diagnostics=diagnostics,
            strategy=strategy,
            magnifier_frame=magnifier_frame,
        )

    try:
        return go(chart.frame, inputs)
    except InputError as exc:
        raise InputError(str(exc)) from None


def _pine_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "na"
    if isinstance(value, str):
        return repr(value)
    return str(value)


# --------------------------------------------------------------------------- outputs


def plot_columns(result: Result) -> list[tuple[str, list]]:
    """``(column name, per-bar values)`` of every plotted series in declaration order, named as
    the CLI contract says: a plot's title (untitled: ``Plot``), ``TITLE.open/.high/.low/.close``
    for ``plotcandle``/``plotbar``, a repeated name followed by `` (2)``, `` (3)``, ...; an
    ``offset`` shifts the values as they are displayed."""
    outputs = result.outputs
    if outputs is None:
        return [(str(name), result.plots[name].tolist()) for name in result.plots.columns]
    names: list[str] = []
    columns: list[list] = []
    for record in outputs.value_records():
        parts = record.column_parts()
        multi = len(parts) > 1
        base = record.display_title or "Plot"
        offset = record.params.get("offset") or 0
        for _name, field in parts:
            names.append(f"{base}.{field}" if multi else base)
            columns.append(_shifted(list(getattr(record, field)), offset))
    return list(zip(_numbered(names), columns, strict=True))


def _shifted(values: list, offset: Any) -> list:
    if not isinstance(offset, int | float) or isinstance(offset, bool) or offset != offset:
        return values
    k = int(offset)
    n = len(values)
    if k == 0:
        return values
    if abs(k) >= n:
        return [None] * n
    if k > 0:
        return [None] * k + values[: n - k]
    return values[-k:] + [None] * (-k)


def _numbered(names: list[str]) -> list[str]:
    """Repeated names get `` (2)``, `` (3)``, ... (``time`` is taken by the time column)."""
    taken = {"time"}
    counts: dict[str, int] = {}
    out = []
    for name in names:
        new = name
        if new in taken:
            k = counts.get(name, 1)
            while new in taken:
                k += 1
                new = f"{name} ({k})"
            counts[name] = k
        taken.add(new)
        out.append(new)
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return ""
    if type(value).__name__ in ("bool_", "bool"):  # numpy bools
        return "1" if number else "0"
    return repr(number)


def plots_csv(result: Result) -> str:
    """The plots of ``result`` in the ``--plots`` CSV layout of the CLI contract."""
    columns = plot_columns(result)
    index = result.plots.index
    times = (
        index.tz_convert("UTC").strftime(TIME_FORMAT)
        if getattr(index, "tz", None) is not None
        else [str(t) for t in index]
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["time", *(name for name, _ in columns)])
    cells = [[_cell(v) for v in values] for _, values in columns]
    for row, stamp in enumerate(times):
        writer.writerow([stamp, *(column[row] for column in cells)])
    return buffer.getvalue()


def write_plots_csv(result: Result, path: str | Path) -> None:
    """Write :func:`plots_csv` to ``path`` (see :func:`write_output`)."""
    write_output(path, plots_csv(result))


def write_trades(result: Result, path: str | Path) -> None:
    """A strategy's trades in the ``--trades`` layout of the CLI contract."""
    from pineopt.strategy.compare import write_trades_csv

    if result.trades is None:
        raise DataError("--trades needs a strategy() script")
    write_output(path, write_trades_csv(result.trades))


def write_metrics(result: Result, path: str | Path) -> None:
    """A strategy's Performance Summary as JSON (``{"all", "long", "short"}``)."""
    from pineopt.strategy.metrics import to_json

    if result.metrics is None:
        raise DataError("--metrics needs a strategy() script")
    write_output(path, to_json(result.metrics) + "\n")


def write_output(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; ``-`` is stdout, and a path that is not a regular
    file (``/dev/stdout``, a named pipe) is written in place rather than replaced."""
    from pineopt.fileio import atomic_write_text

    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    if target.exists() and not target.is_file():
        with target.open("w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        return
    atomic_write_text(target, text)


def summary(result: Result, chart: Chart, seconds: float) -> str:
    """A few lines about a run: what ran on what, how long it took, what it produced."""
    title = result.declaration.get("title") or "script"
    frame = chart.frame
    span = (
        f"{frame.index[0].strftime(TIME_FORMAT)} → {frame.index[-1].strftime(TIME_FORMAT)}"
        if len(frame)
        else "no bars"
    )
    drawings = sum(len(v) for v in result.drawings.values() if hasattr(v, "__len__"))
    lines = [
        f"{title}: {chart.symbol.tickerid} {chart.timeframe}, {len(frame)} bars ({span})",
        f"{len(plot_columns(result))} plots, {drawings} drawings, {len(result.alerts)} alerts, "
        f"{len(result.logs)} logs; took {seconds:.3f} s",
    ]
    if result.metrics is not None:
        everything = result.metrics["all"]
        lines.append(
            f"{everything['total_closed_trades']} closed trades "
            f"({everything['total_open_trades']} open), net profit "
            f"{everything['net_profit']:.2f} ({everything['net_profit_pct']:.2f} %), "
            f"max drawdown {everything['max_drawdown']:.2f}, "
            f"profit factor {everything['profit_factor']:.3f}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- stand-alone


class _UsageError(Exception):
    pass


def main(
    declaration: Mapping[str, Any], script: Callable, argv: Sequence[str] | None = None
) -> NoReturn:
    """The command line of a converted module (see the module docstring); exits with 0 (ran),
    1 (data or script error) or 2 (usage error)."""
    raise SystemExit(run_standalone(declaration, script, argv))


def run_standalone(
    declaration: Mapping[str, Any], script: Callable, argv: Sequence[str] | None = None
) -> int:
    """:func:`main` without the exit: returns the exit code."""
    title = str(declaration.get("title") or "script")
    parser = _parser(title)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        inputs = dict(_pair(text, "--input") for text in args.input)
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    module = _module(declaration, script)
    try:
        started = time.perf_counter()
        chart = prepare_from_args(args)
        result = run_module(module, chart, inputs=inputs)
        seconds = time.perf_counter() - started
        if args.plots:
            write_plots_csv(result, args.plots)
            return 0
        print(summary(result, chart, seconds))
        if len(result.plots.columns):
            print(_tail(result, args.rows))
        return 0
    except PineOptError as exc:
        from pineopt.runtime.inputs import InputError

        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InputError) else 1
    except BrokenPipeError:  # pragma: no cover - output piped into head
        return 0


def _parser(title: str) -> argparse.ArgumentParser:
    prog = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "script.py"
    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"Run {title!r} (converted from Pine Script by PineOpt) over OHLCV bars: "
        "a CSV or Parquet file, a bundled sample or a cached series.",
        epilog="Exit codes: 0 ran, 1 data or script error, 2 usage error.",
    )
    parser.add_argument(
        "--data",
        required=True,
        metavar="NAME|PATH",
        help="CSV or Parquet file of bars, a bundled sample (BTCUSDT_1D) or a cached series",
    )
    parser.add_argument("--plots", metavar="OUT.csv", help="write the plotted series here")
    parser.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an input (by title or variable name); repeatable",
    )
    parser.add_argument("--symbol", help="ticker, e.g. BINANCE:BTCUSDT (default: the file name)")
    parser.add_argument("--timeframe", help="Pine notation (default: inferred from the bars)")
    parser.add_argument("--timezone", help="exchange timezone (IANA name or UTC)")
    parser.add_argument("--mintick", type=float, help="minimum price step (0.01)")
    parser.add_argument("--pointvalue", type=float, help="point value (1)")
    parser.add_argument("--session", help="Pine session string (default 24x7)")
    parser.add_argument("--syminfo", help="symbol information TOML")
    parser.add_argument("--start", help="first bar run, ISO 8601")
    parser.add_argument("--end", help="last bar run, ISO 8601")
    parser.add_argument("--rows", type=int, default=10, help="plot rows printed (10)")
    return parser


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise _UsageError(f"{flag} expects NAME=VALUE, got {text!r}")
    return name.strip(), value


def _module(declaration: Mapping[str, Any], script: Callable) -> SimpleNamespace:
    """What :func:`~pineopt.runtime.engine.execute` needs of a module, from the script
    function's globals (``PINE_LINES`` is defined before the module's main block)."""
    namespace = getattr(script, "__globals__", {})
    code = getattr(script, "__code__", None)
    filename = code.co_filename if code is not None else namespace.get("__file__")
    lines = namespace.get("PINE_LINES", {})
    return SimpleNamespace(
        DECLARATION=dict(declaration),
        script=script,
        PINE_LINES=lines,
        __file__=filename,
        __name__=namespace.get("__name__", "__main__"),
    )


def _tail(result: Result, rows: int) -> str:
    import pandas as pd

    columns = plot_columns(result)
    frame = pd.DataFrame(
        {name: [_cell(v) for v in values[-rows:]] for name, values in columns},
        index=result.plots.index[-rows:].strftime(TIME_FORMAT)
        if getattr(result.plots.index, "tz", None) is not None
        else result.plots.index[-rows:],
    )
    frame.index.name = "time"
    frame = frame.replace("", "na")
    with pd.option_context("display.width", 120, "display.max_columns", 12):
        return frame.to_string()
