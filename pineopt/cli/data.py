"""``pineopt data list | show | fetch | import | validate``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from pineopt.cli import positive_int, print_json
from pineopt.data import Dataset, ParquetCache, ValidationReport, load, validate
from pineopt.data.cache import CacheKey
from pineopt.data.dataset import slice_frame
from pineopt.data.providers import DataRequest, get_provider, provider_names, provider_options
from pineopt.data.providers.file import read_frames, symbol_for_file
from pineopt.data.resolver import data_name, looks_like_path, resolve_data
from pineopt.errors import DataError


def add_data_commands(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser(
        "data",
        help="list, show, fetch, import and validate market data",
        description="Market data: bundled samples, files, exchanges and the cache.",
    )
    sub = data.add_subparsers(title="data commands", metavar="ACTION", required=True)

    listing = sub.add_parser(
        "list",
        help="bundled samples and cached series, with the name --data takes for each",
    )
    listing.add_argument("--provider", choices=["sample", "cache"], help="only this source")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    _cache_option(listing)
    listing.set_defaults(handler=cmd_list)

    show = sub.add_parser("show", help="describe a dataset and print its first and last bars")
    _source_arguments(show)
    show.add_argument("--rows", type=positive_int, default=5, help="bars shown at each end (5)")
    show.set_defaults(handler=cmd_show)

    fetch = sub.add_parser("fetch", help="download bars from a remote provider into the cache")
    fetch.add_argument("symbol", help="exchange symbol, e.g. BTC/USDT")
    fetch.add_argument(
        "--timeframe", "-t", required=True, help="Pine notation (60, 240, 1D) or 1h, 4h, 1d"
    )
    fetch.add_argument("--provider", default="ccxt", help="remote provider (ccxt, tardis)")
    fetch.add_argument("--exchange", default=None, help="exchange id (default binance)")
    fetch.add_argument("--start", help="first bar, ISO 8601")
    fetch.add_argument("--end", help="last bar, ISO 8601 (default: now)")
    fetch.add_argument("--no-progress", action="store_true", help="no progress bar")
    _cache_option(fetch)
    fetch.set_defaults(handler=cmd_fetch)

    imports = sub.add_parser("import", help="copy a CSV/Parquet/TradingView export into the cache")
    imports.add_argument("path", type=Path, help="the file to import")
    imports.add_argument("--symbol", help="ticker to file it under (default: from the file name)")
    imports.add_argument(
        "--timeframe", "-t", help="timeframe (default: inferred from the bar spacing)"
    )
    imports.add_argument("--exchange", default="", help="exchange or prefix to file it under")
    imports.add_argument("--syminfo", type=Path, help="symbol information TOML")
    imports.add_argument(
        "--tradingview", action="store_true", help="the file is a TradingView chart export"
    )
    _cache_option(imports)
    imports.set_defaults(handler=cmd_import)

    check = sub.add_parser(
        "validate", help="report duplicates, gaps, OHLC errors and placeholder bars"
    )
    _source_arguments(check)
    check.add_argument("--json", action="store_true", help="machine-readable report")
    check.set_defaults(handler=cmd_validate)


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        help="a file path, a bundled sample (BTCUSDT, BTCUSDT_1h) or a cached series "
        "([EXCHANGE:]SYMBOL[_TF], as `data list` names it)",
    )
    parser.add_argument("--timeframe", "-t", help="timeframe (Pine notation or 1h/4h/1d)")
    parser.add_argument(
        "--provider",
        help="sample, file, tradingview, cache, ccxt, tardis "
        "(default: file for paths, else the samples, then the cache)",
    )
    parser.add_argument("--exchange", help="exchange for ccxt/tardis/cache")
    parser.add_argument("--start", help="first bar, ISO 8601")
    parser.add_argument("--end", help="last bar, ISO 8601")
    parser.add_argument("--syminfo", type=Path, help="symbol information TOML (files)")
    _cache_option(parser)


def _cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache-dir", type=Path, help="cache root (default outputs/datasets or $PINEOPT_DATA_DIR)"
    )


def _is_path(source: str) -> bool:
    return looks_like_path(source) or Path(source).exists()


def _open(args: argparse.Namespace) -> Dataset:
    """Load the dataset named by the common source arguments (see
    :func:`pineopt.data.resolver.resolve_data`)."""
    return resolve_data(
        args.source,
        timeframe=args.timeframe,
        provider=args.provider,
        exchange=args.exchange,
        start=args.start,
        end=args.end,
        syminfo=args.syminfo,
        cache=args.cache_dir,
    )


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    sources = [args.provider] if args.provider else ["sample", "cache"]
    for name in sources:
        options = (
            {"cache": ParquetCache(args.cache_dir)} if name == "cache" and args.cache_dir else {}
        )
        rows.extend(get_provider(name, **options).available())
    if args.json:
        print_json([{"name": data_name(r.symbol, r.timeframe), **r.__dict__} for r in rows])
        return 0
    if not rows:
        print("nothing to list")
        return 0
    table = pd.DataFrame(
        [
            {
                "name": data_name(r.symbol, r.timeframe),
                "provider": r.provider,
                "symbol": r.symbol,
                "timeframe": r.timeframe,
                "bars": r.rows,
                "first": r.start or "",
                "last": r.end or "",
                "description": r.description,
            }
            for r in rows
        ]
    )
    print(table.to_string(index=False))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    dataset = _open(args)
    print(dataset.describe())
    symbol = dataset.symbol
    print(
        f"symbol: {symbol.tickerid} ({symbol.type}, {symbol.timezone}, session {symbol.session}, "
        f"mintick {symbol.mintick:g}, pointvalue {symbol.pointvalue:g}, currency {symbol.currency})"
    )
    for key, value in dataset.provenance.items():
        print(f"{key}: {value}")
    if dataset.reference is not None and len(dataset.reference.columns):
        print("reference columns: " + ", ".join(map(str, dataset.reference.columns)))
    frame = dataset.frame
    if len(frame):
        with pd.option_context("display.width", 120, "display.max_columns", 10):
            if len(frame) <= 2 * args.rows:
                print(frame.to_string())
            else:
                print(frame.head(args.rows).to_string())
                print("…")
                print(frame.tail(args.rows).to_string(header=False, index_names=False))
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    if args.provider not in provider_names():
        raise DataError(
            f"unknown provider {args.provider!r} (one of {', '.join(provider_names())})"
        )
    options: dict[str, Any] = {"progress": not args.no_progress}
    if args.cache_dir:
        options["cache"] = ParquetCache(args.cache_dir)
    constructor = provider_options(args.provider, options)
    provider = get_provider(args.provider, **constructor)
    if not provider.remote:
        raise DataError(
            f"provider {args.provider!r} is not remote; nothing to fetch "
            "(use `pineopt data import` for files)"
        )
    dataset = provider.load(
        DataRequest.make(args.symbol, args.timeframe, args.start, args.end, args.exchange)
    )
    print(dataset.describe())
    where = dataset.provenance.get("cache") or dataset.provenance.get("path")
    if where:
        print(f"cached in {where}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {}
    if args.syminfo:
        options["syminfo"] = args.syminfo
    provider = "tradingview" if args.tradingview else "file"
    dataset = load(str(args.path), args.timeframe, provider=provider, **options)
    symbol = dataset.symbol
    if args.symbol:
        symbol = symbol.replace(ticker=args.symbol.upper())
    if args.exchange:
        symbol = symbol.replace(prefix=args.exchange.upper())
    cache = ParquetCache(args.cache_dir) if args.cache_dir else ParquetCache()
    key = CacheKey("import", symbol.prefix or "local", symbol.ticker, dataset.timeframe)
    start, end = dataset.frame.index[0], dataset.frame.index[-1]
    entry = cache.store(
        key,
        dataset.frame,
        (start, end + pd.Timedelta(seconds=1)),
        source=f"imported from {args.path.name}",
        extra={"symbol_info": symbol.to_dict()},
    )
    print(
        f"imported {len(dataset)} bars of {symbol.tickerid} {dataset.timeframe} "
        f"({len(entry.frame)} cached) into {entry.path}"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    if (args.provider or "file") == "file" and _is_path(args.source):
        described, report = _validate_file(args)
    else:
        dataset = _open(args)
        described, report = dataset.describe(), dataset.validate()
    if args.json:
        print_json({"dataset": described, **report.to_dict()})
    else:
        print(described)
        print(report.summary())
    return 0 if report.ok else 1


def _validate_file(args: argparse.Namespace) -> tuple[str, ValidationReport]:
    """Validate a file as it is: unsorted and duplicate rows are reported, not refused."""
    path = Path(args.source)
    contents = read_frames(path, require_order=False)
    frame = slice_frame(contents.frame, args.start, args.end)
    symbol, _ = symbol_for_file(path, None, args.syminfo)
    return f"{path} ({symbol.tickerid})", validate(frame, args.timeframe, symbol)
