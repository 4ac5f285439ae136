"""``pineopt compare-tv OURS.csv TV.csv --tz TZ``."""

from __future__ import annotations

import argparse
import math
from typing import Any

from pineopt.cli import existing_path, print_json
from pineopt.fileio import atomic_write_text
from pineopt.strategy.compare import compare_trades, read_trades_csv
from pineopt.strategy.tv_trades import read_tv_trades

#: mismatching rows printed in the text output (the --out table has them all)
SHOWN = 20


def add_strategy_commands(commands: argparse._SubParsersAction) -> None:
    compare = commands.add_parser(
        "compare-tv",
        help="compare our trades with a TradingView 'List of trades' export",
        description="Lay our trades (the --trades CSV of `pineopt run`) beside a TradingView "
        "Strategy Tester 'List of trades' export, pair by pair in order, and report entries and "
        "exits matched by time and side, price and P&L deltas.",
        epilog="Statuses: match, pnl-diff, price-diff, time-diff, side-diff, missing-ours, "
        "missing-tv. Exit codes: 0 every trade matches; 1 some trade differs, or a file cannot "
        "be read; 2 usage error.",
    )
    compare.add_argument("ours", type=existing_path, help="our trades CSV (ISO 8601 UTC times)")
    compare.add_argument("tv", type=existing_path, help="TradingView 'List of trades' CSV")
    compare.add_argument(
        "--tz",
        required=True,
        help="chart timezone of the TradingView export: IANA name, UTC or an offset like +08:00 "
        "(a negative offset as --tz=-05:00)",
    )
    compare.add_argument(
        "--price-tolerance",
        type=_tolerance,
        default=1e-6,
        help="allowed absolute price difference (default 1e-6)",
    )
    compare.add_argument(
        "--pnl-tolerance",
        type=_tolerance,
        default=0.01,
        help="allowed absolute P&L difference in the account currency (default 0.01)",
    )
    compare.add_argument("--json", action="store_true", help="print the summary as JSON")
    compare.add_argument("--out", metavar="TABLE.csv", help="write the per-trade table here")
    compare.set_defaults(handler=cmd_compare_tv)


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError("must be a non-negative number")
    return value


def cmd_compare_tv(args: argparse.Namespace) -> int:
    ours = read_trades_csv(args.ours)
    tv = read_tv_trades(args.tv, args.tz)
    result = compare_trades(ours, tv, args.price_tolerance, args.pnl_tolerance)
    table = result.table
    if args.out:
        out = table.copy()
        for column in ("ours_entry_time", "tv_entry_time", "ours_exit_time", "tv_exit_time"):
            out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        atomic_write_text(args.out, out.to_csv(index=False, lineterminator="\n"))
    bad = table[table["status"] != "match"]
    if args.json:
        summary: dict[str, Any] = dict(result.summary)
        summary["mismatches"] = [
            {"position": int(row.position), "status": row.status, "detail": row.detail}
            for row in bad.itertuples(index=False)
        ]
        print_json(summary)
    else:
        print(result.text)
        for row in bad.head(SHOWN).itertuples(index=False):
            print(f"  trade {row.position}: {row.status}: {row.detail}")
        if len(bad) > SHOWN:
            print(f"  … and {len(bad) - SHOWN} more" + ("" if args.out else " (see --out)"))
    return 0 if result.all_match else 1
