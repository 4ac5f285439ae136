"""``pineopt report FILE.pine [--data …] [--grid "KEY=V1,V2 …"]``: the report pipeline.

One run prints the path of its HTML report. ``--grid`` runs the cartesian product of the listed
values as a batch (a progress bar on stderr: tqdm when installed, else one line per run), writes
``index.html`` linking every run with its headline metrics and prints that path. A grid runs in
this process, one report after another, unless ``--workers N`` (a local Dask cluster of N
processes) or ``--scheduler ADDRESS`` (a running Dask cluster) runs each report as a Dask task
(:mod:`pineopt.reports.grid`); this process alone writes ``index.html`` and the store. Exit
codes: 0 done; 1 a script, data or notebook error (one line on stderr); 2 a usage error (a malformed
``NAME=VALUE`` or grid, an unknown input or a strategy parameter of the wrong type, ``--save``
on an indicator).

``--save [NAME]`` records every run of a strategy in the store (``--database URL``, default
``$PINEOPT_DATABASE_URL`` or ``outputs/pineopt.db``) as a backtest whose report path is its run
folder, and says ``saved: backtest ID ...`` on stderr (stdout keeps only the report's path).

``pineopt report --campaign ID|FOLDER`` reports on an optimisation campaign instead: one saved
in the store by ``pineopt sweep --save`` (its id; ``--database URL`` names the store) or a
sweep's ``--out`` folder (:func:`pineopt.reports.campaign_run.run_campaign_report`), and prints
the path of its HTML report. An id the store does not know exits 1; a folder that does not
exist or is not a sweep's, or a Pine file or single-run option beside ``--campaign``, exits 2.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import itertools
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pineopt.cli import data_argument, existing_path, positive_int, worker_count

#: what a grid may vary; ``input.NAME`` and ``strategy.KEY`` are accepted too
GRID_KEYS = ("data", "symbol", "provider", "timeframe", "start", "end")
HEADLINE_COLUMNS = (
    ("net_profit", "Net profit", "{:,.2f}"),
    ("net_profit_pct", "Net %", "{:.2f}"),
    ("total_closed_trades", "Trades", "{}"),
    ("percent_profitable", "Win %", "{:.1f}"),
    ("profit_factor", "Profit factor", "{:.3f}"),
    ("max_drawdown_pct", "Max DD %", "{:.2f}"),
    ("buy_hold_return", "Buy & hold", "{:,.2f}"),
)


def add_report_commands(commands: argparse._SubParsersAction) -> None:
    from pineopt.cli.run import add_override_options

    report = commands.add_parser(
        "report",
        help="run a Pine script through the report notebook (HTML report, tear sheet, files), "
        "or report on an optimisation campaign (--campaign)",
        description="Execute notebooks/report.ipynb for a Pine script and write "
        "outputs/reports/<run-id>/: the executed notebook and its HTML export, a QuantStats "
        "tear sheet, trades.csv, metrics.json, plots.csv and manifest.json. Prints the path of "
        "the HTML report (with --grid: of the batch's index.html). With --campaign ID|FOLDER, "
        "execute notebooks/campaign.ipynb for a campaign saved in the store (pineopt sweep "
        "--save) or a sweep's --out folder instead: best sets, parameter heatmaps and "
        "stability, per-instrument results, walk-forward windows and the regime breakdown.",
        epilog="Exit codes: 0 done; 1 script, data or notebook error (or an unknown campaign "
        "id); 2 usage error.",
    )
    report.add_argument(
        "file", nargs="?", type=existing_path, metavar="FILE.pine", help="the Pine script"
    )
    report.add_argument(
        "--campaign",
        metavar="ID|FOLDER",
        help="report on an optimisation campaign: its id in the store (--database) or a "
        "sweep's output folder",
    )
    report.add_argument(
        "--top", type=positive_int, metavar="N", help="sets the tables list (--campaign; 10)"
    )
    data = report.add_argument_group("data")
    data.add_argument(
        "--data",
        type=data_argument,
        metavar="NAME|PATH",
        help="a bundled sample (BTCUSDT_1h), a series in the Parquet cache "
        "([EXCHANGE:]SYMBOL_TF, as `pineopt data list` shows) or a CSV/Parquet file",
    )
    data.add_argument("--symbol", metavar="S", help="a symbol to load (with --timeframe) instead")
    data.add_argument(
        "--provider", metavar="P", help="data provider (default: the samples, then the cache)"
    )
    data.add_argument("--timeframe", metavar="TF", help="Pine notation: 1h, 240, 1D")
    data.add_argument("--start", metavar="ISO", help="first bar")
    data.add_argument("--end", metavar="ISO", help="last bar")
    ran = report.add_argument_group("the run")
    add_override_options(ran, "override an input by title or variable name; repeatable")
    ran.add_argument("--no-benchmark", action="store_true", help="tear sheet without buy & hold")
    ran.add_argument(
        "--grid",
        type=parse_grid,
        metavar='"KEY=V1,V2 …"',
        help='run every combination, e.g. "symbol=BTCUSDT,ETHUSDT timeframe=1D,4h"; keys: '
        + ", ".join(GRID_KEYS)
        + ", input.NAME, strategy.KEY",
    )
    ran.add_argument("--out", metavar="DIR", help="folder of the run folders (outputs/reports)")
    ran.add_argument("--quiet", action="store_true", help="no progress output")
    where = report.add_argument_group(
        "where a --grid runs",
        "By default a grid's reports run one after another in this process (a grid is "
        "usually a handful of reports, and a cluster's workers must share the batch folder); "
        "unlike pineopt sweep, $DASK_SCHEDULER_ADDRESS is not used. With --workers or "
        "--scheduler each report is one Dask task, its notebook executed on a worker; this "
        "process alone writes index.html and the store (--save).",
    )
    where.add_argument(
        "--workers",
        type=worker_count,
        metavar="N",
        help="run the reports on a local Dask cluster of N single-threaded worker processes, "
        "started and stopped here (0: in this process, the default)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the reports on the Dask cluster of this scheduler (tcp://HOST:8786). Its "
        "workers write the run folders: --out, FILE.pine and data files must be on storage "
        "they share with this machine, at the same paths",
    )
    store = report.add_argument_group("saving the runs (strategies only)")
    store.add_argument(
        "--save",
        nargs="?",
        const="",
        metavar="NAME",
        help="record each run in the store as a backtest linked to its report, the strategy "
        "under NAME (default: its title). Put it after FILE.pine (NAME is optional)",
    )
    store.add_argument(
        "--database",
        metavar="URL",
        help="the store's database URL or SQLite file, for --save and --campaign ID (default: "
        "$PINEOPT_DATABASE_URL, else outputs/pineopt.db)",
    )
    report.set_defaults(handler=cmd_report)


def parse_grid(text: str) -> list[tuple[str, list[str]]]:
    """``"symbol=A,B timeframe=1D"`` → ``[("symbol", ["A", "B"]), ("timeframe", ["1D"])]``."""
    axes: list[tuple[str, list[str]]] = []
    for part in text.split():
        key, sep, values = part.partition("=")
        key = key.strip()
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"--grid expects KEY=V1,V2 …, got {part!r}")
        if key not in GRID_KEYS and not key.startswith(("input.", "strategy.")):
            raise argparse.ArgumentTypeError(
                f"--grid: unknown key {key!r} (use {', '.join(GRID_KEYS)}, input.NAME, "
                "strategy.KEY)"
            )
        items = [value for value in values.split(",") if value != ""]
        if not items:
            raise argparse.ArgumentTypeError(f"--grid: no values for {key!r}")
        if any(existing == key for existing, _ in axes):
            raise argparse.ArgumentTypeError(f"--grid: {key!r} given twice")
        axes.append((key, items))
    if not axes:
        raise argparse.ArgumentTypeError("--grid: nothing to vary")
    return axes


def _base(args: argparse.Namespace) -> dict[str, Any]:
    """What a run is about, as :func:`~pineopt.reports.run.run_report`'s keywords (a grid
    varies them, and they are passed on as they are)."""
    return {
        "data": args.data,
        "symbol": args.symbol,
        "provider": args.provider,
        "timeframe": args.timeframe,
        "start": args.start,
        "end": args.end,
        "inputs": dict(args.input),
        "strategy": dict(args.strategy),
    }


def _combinations(base: dict[str, Any], axes: list[tuple[str, list[str]]]):
    keys = [key for key, _ in axes]
    for values in itertools.product(*(items for _, items in axes)):
        options = {**base, "inputs": dict(base["inputs"]), "strategy": dict(base["strategy"])}
        for key, value in zip(keys, values, strict=True):
            if key.startswith("input."):
                options["inputs"][key[len("input.") :]] = value
            elif key.startswith("strategy."):
                options["strategy"][key[len("strategy.") :]] = value
            else:
                options[key] = value
        if "symbol" in keys and "data" not in keys:
            options["data"] = None  # the grid's symbol replaces --data
        yield dict(zip(keys, values, strict=True)), options


def _check(options: dict[str, Any]) -> str | None:
    if options["data"] is None and options["symbol"] is None:
        return "pineopt report: error: give --data NAME|PATH or --symbol S"
    if options["data"] is not None and options["symbol"] is not None:
        return "pineopt report: error: give --data or --symbol, not both"
    return None


def _run(
    args: argparse.Namespace,
    options: dict[str, Any],
    out: Path | None,
    progress: bool,
    store: Any = None,
):
    from pineopt.reports.run import run_report

    report = run_report(
        args.file,
        **options,
        out=out,
        progress=progress,
        benchmark=not args.no_benchmark,
        save=False if store is None else args.save or True,
        store=store,
    )
    if report.backtest_id is not None:
        _say_saved(args, report, store)
    return report


def _say_saved(args: argparse.Namespace, report: Any, store: Any) -> None:
    name = args.save or report.manifest["script"]["title"]
    print(
        f"saved: backtest {report.backtest_id} of strategy {name!r} in {store.url}",
        file=sys.stderr,
    )


def cmd_report(args: argparse.Namespace) -> int:
    from pineopt.api import ConversionError
    from pineopt.errors import PineRuntimeError
    from pineopt.reports.run import DEFAULT_OUT, ReportError

    out = Path(args.out) if args.out else None
    if args.campaign is not None:
        return _campaign(args, out)
    if args.file is None:
        print("pineopt report: error: give FILE.pine, or --campaign ID|FOLDER", file=sys.stderr)
        return 2
    if args.top is not None:
        print("pineopt report: error: --top needs --campaign", file=sys.stderr)
        return 2
    if args.database is not None and args.save is None:
        print("pineopt report: error: --database needs --save", file=sys.stderr)
        return 2
    if args.grid is None and (args.scheduler is not None or args.workers is not None):
        print("pineopt report: error: --scheduler and --workers need --grid", file=sys.stderr)
        return 2
    store = None
    try:
        if args.save is not None:
            from pineopt.store import Store

            store = Store(args.database)
        if args.grid is None:
            options = _base(args)
            problem = _check(options)
            if problem:
                print(problem, file=sys.stderr)
                return 2
            run = _run(args, options, out, progress=not args.quiet, store=store)
            print(run.html)
            return 0
        return _grid(args, out if out is not None else DEFAULT_OUT, store)
    except (ConversionError, PineRuntimeError) as exc:  # located in the script
        print(str(exc), file=sys.stderr)
        return 1
    except ReportError as exc:
        print(f"pineopt report: error: {exc}", file=sys.stderr)
        return 2 if exc.usage else 1
    finally:
        if store is not None:
            store.close()


def _campaign(args: argparse.Namespace, out: Path | None) -> int:
    """``pineopt report --campaign ID|FOLDER``."""
    from pineopt.errors import PineRuntimeError
    from pineopt.reports.campaign import CampaignNotFound
    from pineopt.reports.campaign_run import run_campaign_report
    from pineopt.reports.run import ReportError

    single = [
        flag
        for flag, given in (
            ("FILE.pine", args.file is not None),
            ("--data", args.data is not None),
            ("--symbol", args.symbol is not None),
            ("--provider", args.provider is not None),
            ("--timeframe", args.timeframe is not None),
            ("--start", args.start is not None),
            ("--end", args.end is not None),
            ("--input", bool(args.input)),
            ("--strategy", bool(args.strategy)),
            ("--grid", args.grid is not None),
            ("--save", args.save is not None),
            ("--no-benchmark", args.no_benchmark),
            ("--scheduler", args.scheduler is not None),
            ("--workers", args.workers is not None),
        )
        if given
    ]
    if single:
        print(
            f"pineopt report: error: --campaign takes no {', '.join(single)} (the campaign "
            "says what ran)",
            file=sys.stderr,
        )
        return 2
    try:
        report = run_campaign_report(
            args.campaign,
            database=args.database,
            out=out,
            top=args.top or 10,
            progress=not args.quiet,
        )
    except CampaignNotFound as exc:
        print(f"pineopt report: error: {exc}", file=sys.stderr)
        return 2 if exc.usage else 1
    except PineRuntimeError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ReportError as exc:
        print(f"pineopt report: error: {exc}", file=sys.stderr)
        return 2 if exc.usage else 1
    print(report.html)
    return 0


def _grid(args: argparse.Namespace, out_root: Path, store: Any = None) -> int:
    """Run every combination (:func:`pineopt.reports.grid.run_combinations`: in this process
    or on Dask), record each finished report in the store here (``--save``) and write the
    batch's ``index.html``."""
    from pineopt.errors import PineOptError
    from pineopt.reports.grid import run_combinations
    from pineopt.reports.run import check_saveable, save_report
    from pineopt.sweep.errors import SweepUsageError

    combos = list(_combinations(_base(args), args.grid))
    for _, options in combos:
        problem = _check(options)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    if store is not None:
        check_saveable(args.file)  # an indicator is refused before anything runs
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    key = json.dumps([str(args.file), _base(args), args.grid], sort_keys=True, default=str)
    batch = Path(out_root) / f"batch-{stamp}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    number = 2
    while batch.exists():
        batch = batch.with_name(f"{batch.name.rsplit('~', 1)[0]}~{number}")
        number += 1
    batch.mkdir(parents=True)
    rows: list[dict[str, Any] | None] = [None] * len(combos)
    failed = 0
    usage = False
    with contextlib.ExitStack() as stack:
        try:
            outcomes = stack.enter_context(
                run_combinations(
                    args.file,
                    [options for _, options in combos],
                    batch,
                    benchmark=not args.no_benchmark,
                    scheduler=args.scheduler,
                    workers=args.workers,
                    announce=not args.quiet,
                )
            )
        except BaseException as exc:
            batch.rmdir()  # nothing ran
            if isinstance(exc, SweepUsageError):
                print(f"pineopt report: error: {exc}", file=sys.stderr)
                return 2
            if isinstance(exc, PineOptError):  # e.g. an unreachable scheduler
                print(f"pineopt report: error: {_first_line(exc)}", file=sys.stderr)
                return 1
            raise
        bar = _Progress(len(combos), quiet=args.quiet)
        try:
            for outcome in outcomes:
                varied = combos[outcome.number][0]
                label = " ".join(f"{k}={v}" for k, v in varied.items())
                run, error = outcome.report, outcome.error
                if run is not None and store is not None:
                    try:  # the workers never open the store: this process records each run
                        save_report(run, store, name=args.save or None)
                        _say_saved(args, run, store)
                    except PineOptError as exc:
                        run, error = None, f"not saved: {_first_line(exc)}"
                if error is not None:
                    failed += 1
                    usage = usage or outcome.usage
                    print(f"pineopt report: {label}: error: {error}", file=sys.stderr)
                rows[outcome.number] = {
                    "varied": varied,
                    "run": run,
                    "error": error,
                    "seconds": outcome.seconds,
                }
                bar.describe(label)
                bar.advance()
        finally:
            bar.close()
            index = write_index(batch, args.file, [row for row in rows if row is not None])
    print(index)
    if failed:
        if failed == len(combos):
            return 2 if usage else 1
        return 1
    return 0


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def write_index(batch: Path, script: Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``index.html`` of a batch: one table row per run, linking its report."""
    from pineopt.fileio import atomic_write_text

    keys: list[str] = []
    for row in rows:
        keys += [key for key in row["varied"] if key not in keys]
    head = "".join(f"<th>{html.escape(k)}</th>" for k in keys)
    head += "".join(f"<th>{html.escape(title)}</th>" for _, title, _ in HEADLINE_COLUMNS)
    head += "<th>Bars</th><th>Seconds</th><th>Report</th>"
    body = []
    for row in rows:
        cells = "".join(f"<td>{html.escape(str(row['varied'].get(k, '')))}</td>" for k in keys)
        run = row["run"]
        if run is None:
            cells += f'<td colspan="{len(HEADLINE_COLUMNS) + 2}" class="error">'
            cells += f"{html.escape(row['error'] or 'failed')}</td><td></td>"
        else:
            for key, _, fmt in HEADLINE_COLUMNS:
                value = run.headline.get(key)
                cells += f'<td class="num">{_fmt(value, fmt)}</td>'
            cells += f'<td class="num">{run.manifest["data"]["bars"]}</td>'
            cells += f'<td class="num">{row["seconds"]:.1f}</td>'
            link = f"{run.directory.name}/{run.manifest['outputs']['html']}"
            links = f'<a href="{html.escape(link)}">report</a>'
            if run.manifest["outputs"].get("tearsheet"):
                sheet = f"{run.directory.name}/{run.manifest['outputs']['tearsheet']}"
                links += f' · <a href="{html.escape(sheet)}">tear sheet</a>'
            cells += f"<td>{links}</td>"
        body.append(f"<tr>{cells}</tr>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>PineOpt batch: {html.escape(script.name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; }}
th {{ background: #f3f3f3; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.error {{ color: #b71c1c; }}
</style></head>
<body>
<h1>{html.escape(script.name)}: {len(rows)} runs</h1>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</body></html>
"""
    path = batch / "index.html"
    atomic_write_text(path, page)
    return path


def _fmt(value: Any, fmt: str) -> str:
    if value is None:
        return "–"
    try:
        return html.escape(fmt.format(value))
    except (ValueError, TypeError):
        return html.escape(str(value))


class _Progress:
    """tqdm on stderr when installed, else a ``[i/n] label`` line per run."""

    def __init__(self, total: int, *, quiet: bool) -> None:
        self.total = total
        self.done = 0
        self.quiet = quiet
        self.bar = None
        if quiet:
            return
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - tqdm is a dependency
            return
        self.bar = tqdm(total=total, file=sys.stderr, unit="run", desc="report")

    def describe(self, label: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(label)
        else:
            print(f"[{self.done + 1}/{self.total}] {label}", file=sys.stderr, flush=True)

    def advance(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
