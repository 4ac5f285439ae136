"""``make demo``: the bundled example strategy through the report pipeline, offline.

Converts ``examples/sma_cross_strategy.pine``, runs it over the bundled Binance BTCUSDT hourly
bars (2017-08 → 2024-04) via :func:`pineopt.reports.run.run_report`, prints the headline
metrics (net profit, trades, max drawdown, profit factor) and the path of the HTML report.
Then a small campaign: a grid of 20 fast/slow lengths (ATR stop off) over the bundled
BTCUSDT, ETHUSDT and SOLUSDT daily bars from 2021 (:func:`pineopt.sweep`, in this process),
written to ``outputs/sweeps/``, and its campaign report
(:func:`pineopt.reports.campaign_run.run_campaign_report`); the path of both reports ends the
output.

``python -m pineopt.demo [--bars N] [--out DIR] [--script FILE.pine] [--data NAME|PATH]
[--no-campaign]``: ``--bars`` keeps only the last N bars of the single run (a quicker run).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pineopt.errors import PineOptError

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "sma_cross_strategy.pine"
DATA = "BTCUSDT_1h"
OUT = Path("outputs") / "reports"
#: the demo campaign: instruments, first bar, and the grid (20 sets)
CAMPAIGN_DATA = ("BTCUSDT_1D", "ETHUSDT_1D", "SOLUSDT_1D")
CAMPAIGN_START = "2021-01-01"
CAMPAIGN_PARAMS = {"Fast length": "10:40:10", "Slow length": "60:180:30", "ATR stop": "false"}
SWEEPS = Path("outputs") / "sweeps"


def run(
    out_dir: Path = OUT,
    *,
    script: str | Path = SCRIPT,
    data: str = DATA,
    bars: int | None = None,
    progress: bool = True,
):
    """Run the report and print its headline; returns the :class:`ReportRun`."""
    from pineopt.data.resolver import resolve_data
    from pineopt.reports.run import run_report

    started = time.perf_counter()
    start = None
    if bars:
        frame = resolve_data(data).frame
        start = frame.index[max(0, len(frame) - bars)].strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"PineOpt demo: {Path(script).name} on {data}" + (f" (last {bars} bars)" if bars else ""))
    report = run_report(script, data, start=start, out=out_dir, progress=progress)
    print(format_headline(report))
    print(f"finished in {time.perf_counter() - started:.1f} s")
    return report


def campaign(
    out_dir: Path = OUT,
    *,
    script: str | Path = SCRIPT,
    sweeps: Path = SWEEPS,
    progress: bool = True,
):
    """Sweep the demo grid over the daily bars, print the best sets pooled over the
    instruments and return the campaign report's :class:`ReportRun`."""
    import pineopt
    from pineopt.reports.campaign_run import run_campaign_report
    from pineopt.sweep.outputs import default_folder

    started = time.perf_counter()
    names = ", ".join(CAMPAIGN_DATA)
    print(f"\nPineOpt demo campaign: {Path(script).name} on {names} from {CAMPAIGN_START}")
    folder = default_folder(Path(script).name, sweeps)
    results = pineopt.sweep(
        script,
        list(CAMPAIGN_DATA),
        CAMPAIGN_PARAMS,
        start=CAMPAIGN_START,
        workers=0,
        progress=progress,
        out=folder,
    )
    table = pineopt.sweep.pooled(results)
    best = table.iloc[0]
    print(
        f"  {table['set'].nunique()} parameter sets x {len(CAMPAIGN_DATA)} instruments; best "
        f"pooled: Fast length {best['Fast length']}, Slow length {best['Slow length']} "
        f"(mean net profit {best['objective']:,.2f})"
    )
    report = run_campaign_report(folder, out=out_dir, progress=progress)
    print(f"finished in {time.perf_counter() - started:.1f} s")
    return report


def format_headline(report) -> str:  # type: ignore[no-untyped-def]
    """Headline lines of a strategy report (empty for an indicator)."""
    h = report.headline
    data = report.manifest["data"]
    lines = [
        f"{report.manifest['script']['title']}: {data['symbol']} {data['timeframe']}, "
        f"{data['bars']} bars ({data['first']} → {data['last']})"
    ]
    if h:
        lines += [
            f"  net profit     {h['net_profit']:>14,.2f}  ({h['net_profit_pct']:.2f} %)",
            f"  trades         {h['total_closed_trades']:>14}  "
            f"({_num(h['percent_profitable'], '{:.1f}')} % profitable)",
            f"  max drawdown   {h['max_drawdown']:>14,.2f}  ({h['max_drawdown_pct']:.2f} %)",
            f"  profit factor  {_num(h['profit_factor'], '{:>14.3f}')}",
            f"  buy & hold     {h['buy_hold_return']:>14,.2f}",
        ]
    return "\n".join(lines)


def _num(value, fmt: str) -> str:  # type: ignore[no-untyped-def]
    return "n/a" if value is None else fmt.format(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pineopt.demo", description=__doc__)
    parser.add_argument("--bars", type=int, help="only the last N bars")
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the run folders")
    parser.add_argument("--script", type=Path, default=SCRIPT, help="the Pine strategy")
    parser.add_argument(
        "--data", default=DATA, help="a bundled sample, a cached series or a CSV/Parquet file"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-campaign", action="store_true", help="only the single run, no demo campaign"
    )
    args = parser.parse_args(argv)
    try:
        report = run(
            args.out, script=args.script, data=args.data, bars=args.bars, progress=not args.quiet
        )
        swept = None
        if not args.no_campaign:
            swept = campaign(args.out, script=args.script, progress=not args.quiet)
    except PineOptError as exc:
        print(f"pineopt demo: error: {exc}", file=sys.stderr)
        return 1
    print(f"\nReport: {report.html}")
    if report.tearsheet:
        print(f"Tear sheet: {report.tearsheet}")
    if swept is not None:
        print(f"Campaign report: {swept.html}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
