"""IPython magics: ``%%pine``, ``%pine_convert`` / ``%%pine_convert`` and ``%pine_data``.

They call only the public API (:func:`pineopt.convert`, :func:`pineopt.run`,
:func:`pineopt.data.resolver.resolve_data`, :class:`pineopt.Store`). A script or data error is
printed to stderr as a located diagnostic (``<cell>:LINE:COL: error: MESSAGE``, the source line
and a caret), never as a traceback, and the magic returns ``None``. ``LINE`` is the cell's own
line as the editor shows it, the magic's line counted (:mod:`pineopt.jupyter.cells`).

``%%pine --save [NAME]`` records the cell's run of a strategy in the store (the strategy under
NAME, default its title, and a backtest; ``--database URL`` picks the database, default
``$PINEOPT_DATABASE_URL`` or ``outputs/pineopt.db``) and prints ``saved: backtest ID ...``.
"""

from __future__ import annotations

import argparse
import ast
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.core.magic import Magics, cell_magic, line_cell_magic, line_magic, magics_class
from IPython.display import HTML, Code, display

import pineopt
from pineopt.data import resolver
from pineopt.errors import PineOptError
from pineopt.jupyter.cells import MAGIC_LINES, format_cell_diagnostics
from pineopt.jupyter.display import (
    chart_widget,
    dataset_html,
    diagnostics_html,
    metrics_html,
    result_chart,
    result_html,
)
from pineopt.lang.diagnostics import error, split_lines
from pineopt.lang.nodes import Span

__all__ = ["PineMagics", "format_error", "resolve_data"]

CELL = "<cell>"


class _UsageError(Exception):
    """Bad magic arguments (shown as one line with the usage)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.format_usage().strip()}\n{self.prog}: error: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise _UsageError((message or "").strip() or self.format_help())


def _pine_parser() -> _Parser:
    parser = _Parser(prog="%%pine", description="Convert and run the Pine script of the cell.")
    source = parser.add_argument_group("data")
    source.add_argument(
        "--data",
        metavar="NAME_OR_PATH",
        help="a variable holding a DataFrame or Dataset, a bundled sample (BTCUSDT_1h, "
        "ETHUSDT_1D), a cached series ([EXCHANGE:]SYMBOL_TF) or a CSV/Parquet path",
    )
    source.add_argument("--symbol", help="symbol to load (with --timeframe and --provider)")
    source.add_argument("--timeframe", "-t", help="timeframe (Pine notation or 1h, 4h, 1d)")
    source.add_argument(
        "--provider", default=None, help="data provider (default: the samples, then the cache)"
    )
    source.add_argument("--exchange", default=None, help="exchange of a ccxt provider")
    parser.add_argument("--start", help="first bar executed (ISO time)")
    parser.add_argument("--end", help="last bar executed (ISO time)")
    parser.add_argument(
        "--input", "-i", action="append", default=[], metavar="NAME=VALUE", help="input override"
    )
    parser.add_argument(
        "--strategy",
        "-s",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="strategy() parameter override (initial_capital=10000)",
    )
    parser.add_argument("--as", dest="name", default="_pine", help="variable for the Result")
    parser.add_argument("--interactive", action="store_true", help="widgets for the inputs")
    parser.add_argument("--no-chart", action="store_true", help="no chart, a summary only")
    parser.add_argument(
        "--save",
        nargs="?",
        const="",
        metavar="NAME",
        help="record the run of a strategy in the store, the strategy under NAME (default: its "
        "title); with --interactive, the cell's first run",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="the store's database URL or SQLite file (default: $PINEOPT_DATABASE_URL, else "
        "outputs/pineopt.db)",
    )
    return parser


def _convert_parser(prog: str) -> _Parser:
    parser = _Parser(prog=prog, description="Show the Python a Pine script converts to.")
    parser.add_argument("path", nargs="?", help="a .pine file (line magic)")
    parser.add_argument("--as", dest="name", default=None, help="variable for the Conversion")
    return parser


def _data_parser() -> _Parser:
    parser = _Parser(prog="%pine_data", description="List or load market data.")
    parser.add_argument(
        "symbol", nargs="?", help="a data name (BTCUSDT_1h), a symbol or a file path"
    )
    parser.add_argument("timeframe", nargs="?", help="timeframe (Pine notation or 1h, 4h, 1d)")
    parser.add_argument(
        "--provider", default=None, help="provider (default: the samples, then the cache)"
    )
    parser.add_argument("--exchange", default=None)
    parser.add_argument("--start")
    parser.add_argument("--end")
    parser.add_argument("--as", dest="name", default="_pine_data", help="variable for the Dataset")
    return parser


def _parse(parser: _Parser, line: str) -> argparse.Namespace | None:
    try:
        return parser.parse_args(shlex.split(line, posix=True))
    except ValueError as exc:  # unbalanced quotes
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
    return None


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise PineOptError(f"{what} {item!r} is not NAME=VALUE")
        pairs[name.strip()] = value.strip()
    return pairs


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        return text


# --------------------------------------------------------------------------- errors


_LINE_PREFIX = re.compile(r"^line \d+: ")


def format_error(
    exc: BaseException, source: str | None = None, filename: str = CELL, *, offset: int = 0
) -> str:
    """The text shown for ``exc``: a conversion's diagnostics, a runtime error located at its
    Pine line of ``source`` (``FILE:LINE:COL: error: MESSAGE``, the line, carets under its
    text), or one ``error:`` line. Lines are named ``offset`` lines further down (a ``%%pine``
    cell: :data:`~pineopt.jupyter.cells.MAGIC_LINES`)."""
    conversion = getattr(exc, "conversion", None)
    if conversion is not None:
        shown = format_cell_diagnostics(conversion.diagnostics, conversion.source or "", offset)
        return shown or f"{filename}: error: {exc}"
    line = getattr(exc, "pine_line", None)
    message = _LINE_PREFIX.sub("", str(exc))
    if not isinstance(exc, PineOptError):
        message = f"internal error, please report it ({type(exc).__name__}: {exc})"
    if isinstance(line, int) and line > 0 and source is not None:
        lines = split_lines(source)
        span = Span(line, 1, line, 1)
        if line <= len(lines):
            text = lines[line - 1].rstrip()
            span = Span(line, len(text) - len(text.lstrip()) + 1, line, len(text) + 1)
        return format_cell_diagnostics([error(message, span, filename)], source, offset)
    return f"{filename}: error: {message}"


def _report(exc: BaseException, source: str | None = None, filename: str = CELL) -> None:
    """Print ``exc`` (:func:`format_error`); a place in ``source``, the Pine text of a
    ``%%pine`` cell, is named by the cell's line."""
    print(format_error(exc, source, filename, offset=MAGIC_LINES), file=sys.stderr)


def _cell_diagnostics(conversion: Any) -> str:
    """The diagnostics of a cell's conversion, naming the cell's lines."""
    return format_cell_diagnostics(conversion.diagnostics, conversion.source or "")


# --------------------------------------------------------------------------- data


def resolve_data(args: argparse.Namespace, namespace: dict[str, Any]) -> tuple[Any, Any]:
    """``(data for pineopt.run, OHLCV frame for the chart or None)`` from the magic's options.

    ``--data`` is a variable of ``namespace`` holding a Dataset or DataFrame, else what
    :func:`pineopt.data.resolver.resolve_data` reads: a bundled sample (``BTCUSDT_1h``; a
    ``SYMBOL`` alone with ``--timeframe``), a cached series (``binance:BTC/USDT_4h``) or a file.
    ``--symbol`` names the same with ``--timeframe`` and ``--provider``. Local bars are loaded
    whole (the run is cut to ``--start``/``--end``); a remote provider fetches only that range.
    """
    name = args.data
    if name is not None and name.isidentifier() and name in namespace:
        return _from_object(namespace[name], name)
    remote = resolver.fetches_range(args.provider)
    dataset = resolver.resolve_data(
        name,
        symbol=args.symbol,
        provider=args.provider,
        timeframe=args.timeframe,
        exchange=args.exchange,
        start=args.start if remote else None,
        end=args.end if remote else None,
    )
    return dataset, dataset.frame


def _from_object(value: Any, name: str) -> tuple[Any, Any]:
    frame = getattr(value, "frame", None)
    if isinstance(frame, pd.DataFrame):  # a Dataset
        return value, frame
    if isinstance(value, pd.DataFrame):
        from pineopt.data import to_ohlcv

        try:
            bars = to_ohlcv(value, name)
        except PineOptError:
            bars = None
        return value, bars
    if isinstance(value, str | Path):
        dataset = resolver.resolve_data(value)
        return dataset, dataset.frame
    raise PineOptError(f"{name} is a {type(value).__name__}, not a DataFrame or Dataset")


# --------------------------------------------------------------------------- rendering


def render(result: Any, bars: Any, conversion: Any = None, *, chart: bool = True) -> None:
    """Display one run of a cell: the chart (or, with ``chart=False``, the Result's summary),
    the Performance Summary of a strategy and the converter's warnings."""
    if chart:
        display(chart_widget(result_chart(result, bars)))
        if getattr(result, "metrics", None):
            display(HTML("<h4>Performance summary</h4>" + metrics_html(result.metrics)))
    else:
        display(HTML(result_html(result)))
        return
    if conversion is not None and conversion.diagnostics:
        display(HTML(diagnostics_html(_cell_diagnostics(conversion), title="Warnings")))


@magics_class
class PineMagics(Magics):
    """``%%pine``, ``%pine_convert`` and ``%pine_data``."""

    @cell_magic
    def pine(self, line: str, cell: str) -> None:
        """Convert and run the Pine script of the cell; show its chart; bind the Result.

        ``%%pine [--data NAME_OR_PATH | --symbol S --timeframe TF [--provider P]] [--start T]
        [--end T] [--input NAME=VALUE ...] [--strategy KEY=VALUE ...] [--as VAR]
        [--interactive] [--no-chart] [--save [NAME]] [--database URL]``
        """
        args = _parse(_pine_parser(), line)
        if args is None:
            return None
        if not args.name.isidentifier():
            print(f"%%pine: error: --as {args.name!r} is not a variable name", file=sys.stderr)
            return None
        if args.database is not None and args.save is None:
            print("%%pine: error: --database needs --save", file=sys.stderr)
            return None
        namespace = self.shell.user_ns
        try:
            conversion = pineopt.convert(cell, filename=CELL)
            if not conversion.ok:
                print(_cell_diagnostics(conversion), file=sys.stderr)
                return None
            if args.save is not None and conversion.kind != "strategy":
                print(
                    f"%%pine: error: --save needs a strategy() script; the cell declares "
                    f"{conversion.kind}()",
                    file=sys.stderr,
                )
                return None
            inputs = _pairs(args.input, "--input")
            strategy = {k: _literal(v) for k, v in _pairs(args.strategy, "--strategy").items()}
            data, bars = resolve_data(args, namespace)

            def run(overrides: dict[str, Any]) -> Any:
                return pineopt.run(
                    conversion,
                    data,
                    inputs=overrides,
                    start=args.start,
                    end=args.end,
                    strategy=strategy or None,
                )

            result = run(inputs)
        except Exception as exc:  # every failure is one located message
            _report(exc, cell)
            return None
        namespace[args.name] = result
        if args.save is not None:
            _save(result, args.save, args.database, settings=strategy)
        if args.interactive:
            from pineopt.jupyter.widgets import InteractiveRun

            def bind(new: Any) -> None:
                namespace[args.name] = new

            panel = InteractiveRun(
                result,
                run,
                lambda r: render(r, bars, conversion, chart=not args.no_chart),
                lambda exc: _report(exc, cell),
                on_result=bind,
                base_inputs=inputs,
            )
            panel.show()
            display(panel.box)
            return None
        render(result, bars, conversion, chart=not args.no_chart)
        return None

    @line_cell_magic
    def pine_convert(self, line: str, cell: str | None = None) -> None:
        """Show the Python a Pine script converts to.

        ``%pine_convert PATH [--as VAR]`` or ``%%pine_convert [--as VAR]`` with Pine source.
        """
        prog = "%pine_convert" if cell is None else "%%pine_convert"
        args = _parse(_convert_parser(prog), line)
        if args is None:
            return None
        if cell is None and not args.path:
            print(f"{prog}: error: give the path of a .pine file", file=sys.stderr)
            return None
        try:
            if cell is None:
                conversion = pineopt.convert(Path(args.path).expanduser(), filename=args.path)
            else:
                conversion = pineopt.convert(cell, filename=CELL)
        except Exception as exc:
            _report(exc, cell)
            return None
        if args.name:
            self.shell.user_ns[args.name] = conversion
        shown = conversion.format_diagnostics() if cell is None else _cell_diagnostics(conversion)
        if not conversion.ok:
            print(shown, file=sys.stderr)
            return None
        display(Code(conversion.code, language="python"))
        if conversion.diagnostics:
            display(HTML(diagnostics_html(shown, title="Warnings")))
        return None

    @line_magic
    def pine_data(self, line: str) -> None:
        """List the bundled samples and cached series, or load one.

        ``%pine_data`` lists (with the names ``%%pine --data`` takes); ``%pine_data NAME``
        or ``%pine_data SYMBOL [TIMEFRAME] [--provider P] [--start T] [--end T] [--as VAR]``
        loads (default variable ``_pine_data``) and shows a summary.
        """
        args = _parse(_data_parser(), line)
        if args is None:
            return None
        try:
            if args.symbol is None:
                display(listing(args.provider))
                return None
            dataset = resolver.resolve_data(
                args.symbol,
                timeframe=args.timeframe,
                start=args.start,
                end=args.end,
                provider=args.provider,
                exchange=args.exchange,
            )
        except Exception as exc:
            _report(exc, None, "%pine_data")
            return None
        if args.name:
            self.shell.user_ns[args.name] = dataset
        display(HTML(dataset_html(dataset)))
        return None


def _save(
    result: Any, name: str, database: str | None, *, settings: dict[str, Any] | None = None
) -> int | None:
    """Record ``result`` in the store of ``database`` (None: the default one), the strategy
    under ``name`` (empty: its declared title), and print ``saved: backtest ID ...``; a store
    error is printed instead (the run stays bound and shown). Returns the backtest id."""
    from pineopt.store import Store

    name = name or result.declaration.get("title") or "untitled"
    try:
        with Store(database) as store:
            backtest = store.record(result, strategy=name, settings=settings or None)
            where = store.url
    except PineOptError as exc:
        print(f"%%pine: error: the run was not saved: {exc}", file=sys.stderr)
        return None
    print(f"saved: backtest {backtest} of strategy {name!r} in {where}")
    return backtest


def listing(provider: str | None = None) -> pd.DataFrame:
    """The bundled samples and cached series (``provider``: only ``sample`` or ``cache``), with
    the name ``%%pine --data`` takes for each."""
    from pineopt.data import get_provider

    rows = []
    for name in [provider] if provider else ["sample", "cache"]:
        for info in get_provider(name).available():
            rows.append(
                {
                    "name": resolver.data_name(info.symbol, info.timeframe),
                    "provider": info.provider,
                    "symbol": info.symbol,
                    "timeframe": info.timeframe,
                    "bars": info.rows,
                    "first": info.start or "",
                    "last": info.end or "",
                    "description": info.description,
                }
            )
    columns = ["name", "provider", "symbol", "timeframe", "bars", "first", "last", "description"]
    return pd.DataFrame(rows, columns=columns)
