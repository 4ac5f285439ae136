"""``pineopt run FILE.pine --data NAME|PATH [options]`` and ``pineopt convert FILE.pine``.

Both follow ../shared/CLI-CONTRACT.md: diagnostics on stderr as ``FILE:LINE:COL: error: ...``
with the source line and a caret; exit 0 ran, 1 a script or data error, 2 a usage error (an
unknown flag, a missing file, a malformed ``NAME=VALUE``, an unknown input or a value of the
wrong type; a ``--data`` name that names nothing is a data error). ``--data`` and the feeds
take what :func:`pineopt.data.resolver.resolve_data` reads: a file, a bundled sample
(``BTCUSDT_1D``) or a series of the Parquet cache. The compiler, the runtime and pandas are
imported inside the commands, so that ``pineopt --help`` and usage errors stay quick.

``pineopt run ... --save [NAME]`` also records the run in the store (:class:`pineopt.Store`, the
database of ``--database URL``, else ``$PINEOPT_DATABASE_URL``, else ``outputs/pineopt.db``):
the strategy under NAME (default: its declared title) and a backtest with its trades, equity
and Performance Summary; the line ``saved: backtest ID ...`` tells its id. Only strategies are
recorded: ``--save`` on an indicator is refused before anything runs, as ``--trades`` is.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pineopt.cli import data_argument, existing_path

DATA_HELP = (
    "a bundled sample (BTCUSDT_1D, ETHUSDT_1h), a series in the Parquet cache "
    "([EXCHANGE:]SYMBOL_TF, as `pineopt data list` shows) or a CSV/Parquet file (time column: "
    "time/timestamp/date/datetime; OHLCV in any case)"
)


def add_run_commands(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser(
        "run",
        help="run a Pine script over bars: a file, a bundled sample or a cached series",
        description="Convert a Pine script and run it over one chart feed (a CSV or Parquet "
        "file, a bundled sample or a cached series). Without an output flag a short summary "
        "is printed.",
        epilog="Exit codes: 0 ran; 1 script or data error (diagnostics on stderr); 2 usage "
        "error, including an unknown --input name or a value of the wrong type.",
    )
    run.add_argument("file", type=existing_path, metavar="FILE.pine", help="the Pine script")
    data = run.add_argument_group("data and symbol")
    data.add_argument(
        "--data", required=True, type=data_argument, metavar="NAME|PATH", help=DATA_HELP
    )
    data.add_argument("--timeframe", metavar="TF", help="Pine notation (default: inferred)")
    data.add_argument(
        "--syminfo", type=existing_path, metavar="FILE", help="symbol information TOML"
    )
    data.add_argument("--symbol", metavar="TICKER", help="ticker (default: from the file name)")
    data.add_argument("--timezone", metavar="TZ", help="exchange timezone: IANA name or UTC")
    data.add_argument("--mintick", type=float, metavar="X", help="minimum price step (0.01)")
    data.add_argument("--pointvalue", type=float, metavar="X", help="point value (1)")
    data.add_argument(
        "--session", metavar="SPEC", help="Pine session string, e.g. 0930-1600:23456 (24x7)"
    )
    ran = run.add_argument_group("the run")
    add_override_options(
        ran, "override an input by title or variable name, VALUE spelled as in Pine; repeatable"
    )
    ran.add_argument("--start", metavar="ISO", help="first chart bar executed")
    ran.add_argument("--end", metavar="ISO", help="last chart bar executed")
    ran.add_argument(
        "--htf-data",
        action="append",
        default=[],
        type=_feed("--htf-data"),
        metavar="TF=NAME|PATH",
        help="bars of the chart symbol at another timeframe (a file, sample or cached "
        "series); repeatable",
    )
    ran.add_argument(
        "--security-data",
        action="append",
        default=[],
        type=_feed("--security-data"),
        metavar="SYMBOL:TF=NAME|PATH",
        help="bars of another symbol (a file, sample or cached series); repeatable",
    )
    ran.add_argument(
        "--magnifier-data",
        type=data_argument,
        metavar="NAME|PATH",
        help="lower-timeframe bars for use_bar_magnifier (a file, sample or cached series)",
    )
    out = run.add_argument_group("outputs")
    out.add_argument(
        "--plots", metavar="OUT.csv", help="plotted series: time, one column each (- for stdout)"
    )
    out.add_argument("--trades", metavar="OUT.csv", help="strategy trades, one row per trade")
    out.add_argument("--metrics", metavar="OUT.json", help="strategy performance summary (JSON)")
    store = run.add_argument_group("saving the run (strategies only)")
    store.add_argument(
        "--save",
        nargs="?",
        const="",
        metavar="NAME",
        help="record the run in the store: the strategy under NAME (default: its title) and a "
        "backtest; prints the backtest id. Put it after FILE.pine (NAME is optional)",
    )
    store.add_argument(
        "--database",
        metavar="URL",
        help="the store's database URL or SQLite file (default: $PINEOPT_DATABASE_URL, else "
        "outputs/pineopt.db)",
    )
    run.set_defaults(handler=cmd_run)

    convert = commands.add_parser(
        "convert",
        help="convert a Pine script to Python",
        description="Convert a Pine script to a Python module and print it, or write it to "
        "OUT.py. The module runs stand-alone: python OUT.py --data FILE.csv.",
        epilog="Exit codes: 0 converted; 1 the script has errors (diagnostics on stderr); 2 "
        "usage error.",
    )
    convert.add_argument("file", type=existing_path, metavar="FILE.pine", help="the Pine script")
    convert.add_argument("-o", "--output", metavar="OUT.py", help="write the module here")
    convert.set_defaults(handler=cmd_convert)


def add_override_options(group, input_help: str) -> None:  # type: ignore[no-untyped-def]
    """``--input NAME=VALUE`` and ``--strategy KEY=VALUE`` (both repeatable), as every command
    that runs a script spells them."""
    group.add_argument(
        "--input",
        action="append",
        default=[],
        type=_pair("--input"),
        metavar="NAME=VALUE",
        help=input_help,
    )
    group.add_argument(
        "--strategy",
        action="append",
        default=[],
        type=_pair("--strategy"),
        metavar="KEY=VALUE",
        help="override a strategy() parameter; repeatable",
    )


def _pair(flag: str):  # type: ignore[no-untyped-def]
    def parse(text: str) -> tuple[str, str]:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"{flag} expects NAME=VALUE, got {text!r}")
        return name.strip(), value

    parse.__name__ = flag.strip("-")
    return parse


def _feed(flag: str):  # type: ignore[no-untyped-def]
    pair = _pair(flag)

    def parse(text: str) -> tuple[str, str]:
        key, value = pair(text)
        value = data_argument(value)
        if flag == "--htf-data":
            from pineopt.data.timeframe import Timeframe

            try:
                key = str(Timeframe.parse(key))
            except Exception:  # any refusal of the timeframe is a usage error
                raise argparse.ArgumentTypeError(f"bad timeframe {key!r} in {text!r}") from None
        return key, value

    parse.__name__ = flag.strip("-")
    return parse


def _read_script(path: Path) -> bytes | None:
    from pineopt.lang.limits import MAX_SOURCE_CHARS

    try:
        with path.open("rb") as file:
            return file.read(MAX_SOURCE_CHARS + 1)
    except OSError as exc:
        print(f"pineopt: error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None


def _convert(path: Path, *, for_run: bool = False):  # type: ignore[no-untyped-def]
    """The Conversion of ``path`` (diagnostics printed), or None when it cannot be read;
    ``for_run``: one kept from an earlier run when there is one
    (:mod:`pineopt.compiler.cache`)."""
    from pineopt.api import convert
    from pineopt.compiler.cache import convert_for_run

    source = _read_script(path)
    if source is None:
        return None
    conversion = (convert_for_run if for_run else convert)(source, str(path))
    if conversion.diagnostics:
        print(conversion.format_diagnostics(), file=sys.stderr)
    return conversion


def _is_strategy(conversion) -> bool:  # type: ignore[no-untyped-def]
    """Whether the script declares ``strategy()``."""
    return conversion.kind == "strategy"


def cmd_convert(args: argparse.Namespace) -> int:
    conversion = _convert(args.file)
    if conversion is None:
        return 2
    if not conversion.ok:
        return 1
    if args.output:
        from pineopt.runtime.standalone import write_output

        write_output(args.output, conversion.code)
    else:
        sys.stdout.write(conversion.code)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.database is not None and args.save is None:
        print("pineopt run: error: --database needs --save", file=sys.stderr)
        return 2
    conversion = _convert(args.file, for_run=True)
    if conversion is None:
        return 2
    if not conversion.ok:
        return 1
    for flag, value in (
        ("--trades", args.trades),
        ("--metrics", args.metrics),
        ("--strategy", args.strategy),
        ("--magnifier-data", args.magnifier_data),
        ("--save", args.save is not None),
    ):
        if value and not _is_strategy(conversion):
            print(
                f"pineopt: error: {flag} needs a strategy() script; {args.file} is an indicator",
                file=sys.stderr,
            )
            return 1

    from pineopt.api import run
    from pineopt.errors import PineOptError, PineRuntimeError
    from pineopt.runtime.inputs import InputError
    from pineopt.runtime.standalone import (
        prepare_from_args,
        summary,
        write_metrics,
        write_plots_csv,
        write_trades,
    )
    from pineopt.strategy.config import StrategyConfigError

    try:
        chart = prepare_from_args(args)
        result = run(
            conversion,
            chart,
            inputs=dict(args.input),
            strategy=dict(args.strategy) or None,
            magnifier_data=args.magnifier_data,
        )
    except (InputError, StrategyConfigError) as exc:
        print(f"pineopt run: error: {exc}", file=sys.stderr)
        return 2
    except PineRuntimeError as exc:
        print(_runtime_error(exc, args.file, conversion.source), file=sys.stderr)
        return 1
    except PineOptError as exc:
        print(f"pineopt: error: {exc}", file=sys.stderr)
        return 1
    if args.plots:
        write_plots_csv(result, args.plots)
    if args.trades:
        write_trades(result, args.trades)
    if args.metrics:
        write_metrics(result, args.metrics)
    if not (args.plots or args.trades or args.metrics):
        print(summary(result, chart, time.perf_counter() - started))
    if args.save is not None:
        return _save(args, result)
    return 0


def _save(args: argparse.Namespace, result) -> int:  # type: ignore[no-untyped-def]
    """Record ``result`` in the store and say so: on stdout, or on stderr when an output flag
    writes to stdout (``--plots -``), so that the CSV stays clean."""
    from pineopt.store import Store, StoreError

    name = args.save or result.declaration.get("title") or args.file.stem
    try:
        with Store(args.database) as store:
            backtest = store.record(result, strategy=name, settings=dict(args.strategy) or None)
            where = store.url
    except StoreError as exc:
        print(f"pineopt run: error: the run was not saved: {exc}", file=sys.stderr)
        return 1
    stream = sys.stderr if "-" in (args.plots, args.trades, args.metrics) else sys.stdout
    print(f"saved: backtest {backtest} of strategy {name!r} in {where}", file=stream)
    return 0


def _runtime_error(exc: Exception, path: Path, source: str) -> str:
    """A runtime error in the ``FILE:LINE:COL: error:`` form, with the source line."""
    line = getattr(exc, "pine_line", None)
    message = str(exc)
    if not line:
        return f"{path}: error: {message}"
    prefix = f"line {line}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = len(text) - len(text.lstrip()) + 1
    where = f"{path}:{line}:{column}: error: {message}"
    if not text.strip():
        return where
    return f"{where}\n{text}\n{' ' * (column - 1)}^"
