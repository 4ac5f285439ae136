"""``pineopt conformance DIR``: the strategy scoreboard against folders of TradingView exports."""

from __future__ import annotations

import argparse
import json
import sys

from pineopt.cli import existing_path, positive_int
from pineopt.errors import PineOptError


def add_conformance_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "conformance",
        help="run probe folders of TradingView trade lists and score PineOpt's trades",
        description="Run every probe folder under DIR (strategy.pine, TradingView's List of "
        "trades tv_trades.csv[.gz], optional inputs.json) through the same path as `pineopt "
        "run`, score each against TradingView's fills, and print a line per probe, a table per "
        "category, the worst probes with their first divergence and the line "
        "`exact N/M within1pct K/M`. The folder layout is in the README.",
        epilog="Exit codes: 0 every probe is within 1 %%; 1 some probe differs or fails; "
        "2 usage error.",
    )
    parser.add_argument("dir", type=existing_path, help="folder of probes (or with probes/)")
    parser.add_argument(
        "--data",
        type=existing_path,
        metavar="FEED",
        help="the chart feed of probes that name none (default: the largest file in DIR/data)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        default=None,
        help="worker processes (default: the cores)",
    )
    parser.add_argument("--only", metavar="TEXT", help="only probes whose name contains TEXT")
    parser.add_argument(
        "--tz",
        default=None,
        help="timezone of the trade lists' times when a probe does not say (IANA name, UTC or "
        "an offset such as +08:00; default +08:00, the corpus convention)",
    )
    parser.add_argument(
        "--chart-start",
        metavar="WHEN",
        help="the chart's first bar for probes whose inputs.json gives no ohlcv_start_ms "
        "(ms since 1970 UTC or a time such as 2025-03-31T00:00Z): earlier bars of the feed do "
        "not exist for the script (default: the feed's first bar)",
    )
    parser.add_argument("--symbol", help="ticker of the feed (default: from the feed)")
    parser.add_argument("--mintick", type=float, help="tick size (default: from the feed)")
    parser.add_argument("--pointvalue", type=float, help="point value (default: from the feed)")
    parser.add_argument("--json", metavar="OUT.json", help="write every probe's score here")
    parser.add_argument(
        "--worst", type=int, default=10, metavar="N", help="worst probes listed (default 10)"
    )
    parser.set_defaults(handler=cmd_conformance)


def cmd_conformance(args: argparse.Namespace) -> int:
    from pineopt.conformance import (
        DEFAULT_TZ,
        chart_start_time,
        default_feed,
        default_jobs,
        find_probes,
        probe_line,
        report_json,
        report_text,
        run_probes,
    )
    from pineopt.fileio import atomic_write_text
    from pineopt.strategy.tv_trades import export_timezone

    tz = args.tz or DEFAULT_TZ
    chart_start = None
    try:
        export_timezone(tz)
        if args.chart_start is not None:
            chart_start = chart_start_time(args.chart_start)
    except PineOptError as exc:  # a bad --tz or --chart-start: usage error, said at once
        print(f"pineopt conformance: error: {exc}", file=sys.stderr)
        return 2
    probes = find_probes(args.dir, args.only)
    if not probes:
        print(f"pineopt conformance: no probe name contains {args.only!r}", file=sys.stderr)
        return 2
    feed = args.data or default_feed(args.dir)
    symbol = {
        k: v
        for k, v in (
            ("ticker", args.symbol),
            ("mintick", args.mintick),
            ("pointvalue", args.pointvalue),
        )
        if v is not None
    }
    total = len(probes)
    jobs = args.jobs or default_jobs()
    if feed is not None:
        print(f"{total} probes, default feed {feed.name}, {jobs} jobs", file=sys.stderr)

    def show(done: int, result) -> None:  # type: ignore[no-untyped-def]
        print(f"[{done:>{len(str(total))}}/{total}] {probe_line(result)}", flush=True)

    results = run_probes(
        probes, feed, jobs=jobs, tz=tz, symbol=symbol, on_result=show, chart_start=chart_start
    )
    print()
    print(report_text(results, args.worst))
    if args.json:
        atomic_write_text(args.json, json.dumps(report_json(results), indent=2, default=str) + "\n")
    return 0 if all(r.within_1pct for r in results) else 1
