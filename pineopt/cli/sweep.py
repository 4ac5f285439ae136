"""``pineopt sweep SCRIPT --data NAME|PATH --param "NAME=VALUES" ...``: parameter sweeps,
optimisation and walk-forward (:mod:`pineopt.sweep`).

Prints the best sets as a table on stdout (``--json``: one JSON document instead) and where
the files are; progress and the Dask dashboard's address go to stderr. The folder
(``--out``, default ``outputs/sweeps/<timestamp>-<script stem>``) gets ``results.parquet``,
``results.csv`` and ``manifest.json``, and after ``--walk-forward`` also ``walk_forward.csv``
and ``oos_equity.parquet``. ``--save [NAME]`` records the campaign in the store.

Exit codes: 0 done; 1 a script or data error (also when every set failed); 2 a usage error
(an unknown flag, input, objective or method, a malformed range, constraint or walk-forward
spec).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pineopt.cli import existing_path, positive_int, worker_count
from pineopt.cli.run import add_override_options

#: rows of the table printed
TOP = 10


def add_sweep_commands(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="parameter sweeps, optimisation and walk-forward of a strategy",
        description="Run a strategy over a space of input values (grid, random or Optuna), "
        "in this process or on a Dask cluster, and rank the sets by an objective. With "
        "--walk-forward, optimise on rolling training windows and test on the windows after.",
        epilog="Examples: pineopt sweep examples/sma_cross_strategy.pine --data BTCUSDT_1h "
        '--param "Fast length=5:50:5" --param "Slow length=20:200:20" --constraint '
        '"Fast length < Slow length". VALUES: LOW:HIGH:STEP (inclusive), LOW:HIGH:log:N, '
        "A,B,C. Exit codes: 0 done; 1 script or data error; 2 usage error.",
    )
    sweep.add_argument("file", type=existing_path, metavar="SCRIPT.pine", help="the strategy")
    data = sweep.add_argument_group("data")
    data.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME|PATH",
        help="a bundled sample (BTCUSDT_1h) or a CSV/Parquet file; repeatable",
    )
    data.add_argument(
        "--symbols",
        metavar="A,B",
        help="bundled samples of these symbols at --timeframe (BTCUSDT,ETHUSDT)",
    )
    data.add_argument("--timeframe", metavar="TF", help="Pine notation (1h, 1D ...)")
    data.add_argument("--start", metavar="ISO", help="first bar")
    data.add_argument("--end", metavar="ISO", help="last bar")
    space = sweep.add_argument_group("what varies and how sets are ranked")
    space.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="an input (title or variable name) and its values: LOW:HIGH:STEP, "
        "LOW:HIGH:log:N or A,B,C; repeatable",
    )
    space.add_argument(
        "--method", default="grid", metavar="grid|random|optuna", help="the search (grid)"
    )
    space.add_argument("--trials", type=positive_int, metavar="N", help="sets for random/optuna")
    space.add_argument(
        "--objective", default="net_profit", metavar="NAME", help="what to rank by (net_profit)"
    )
    space.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="EXPR",
        help='a condition every set meets, e.g. "Fast length < Slow length"; repeatable',
    )
    add_override_options(space, "fix another input; repeatable")
    space.add_argument("--seed", type=int, metavar="N", help="seed of random and optuna")
    space.add_argument(
        "--walk-forward",
        metavar="SPEC",
        help='walk-forward windows: "train=2Y test=6M [step=6M] [anchored] [folds=3]"',
    )
    where = sweep.add_argument_group("where it runs")
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://HOST:8786; default $DASK_SCHEDULER_ADDRESS, else a "
        "local cluster)",
    )
    where.add_argument(
        "--workers",
        type=worker_count,
        metavar="N",
        help="local cluster size (default: one per core); 0 runs in this process",
    )
    where.add_argument("--no-progress", action="store_true", help="no progress bar")
    out = sweep.add_argument_group("outputs")
    out.add_argument(
        "--out", metavar="DIR", help="folder of the files (outputs/sweeps/<time>-<script>)"
    )
    out.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    out.add_argument(
        "--save",
        nargs="?",
        const="",
        metavar="NAME",
        help="record the campaign in the store (put it after SCRIPT.pine; NAME optional)",
    )
    out.add_argument(
        "--database",
        metavar="URL",
        help="the store's database URL or SQLite file (default: $PINEOPT_DATABASE_URL, else "
        "outputs/pineopt.db)",
    )
    sweep.set_defaults(handler=cmd_sweep)


def _usage(message: str) -> int:
    print(f"pineopt sweep: error: {message}", file=sys.stderr)
    return 2


def _datasets(args: argparse.Namespace) -> list[str] | None:
    names = list(args.data)
    if args.symbols:
        if not args.timeframe:
            return None
        names += [f"{s.strip()}_{args.timeframe}" for s in args.symbols.split(",") if s.strip()]
    return names


def cmd_sweep(args: argparse.Namespace) -> int:
    if args.database is not None and args.save is None:
        return _usage("--database needs --save")
    if not args.param:
        return _usage("give at least one --param NAME=VALUES")
    data = _datasets(args)
    if data is None:
        return _usage("--symbols needs --timeframe (e.g. --symbols BTCUSDT,ETHUSDT --timeframe 1D)")
    if not data:
        return _usage("give --data NAME|PATH (repeatable) or --symbols A,B --timeframe TF")

    from pineopt.api import ConversionError
    from pineopt.errors import PineOptError
    from pineopt.sweep import SweepUsageError, walk_forward
    from pineopt.sweep import sweep as run_sweep
    from pineopt.sweep.outputs import default_folder

    folder = Path(args.out) if args.out else default_folder(args.file.name)
    common = dict(
        method=args.method,
        trials=args.trials,
        objective=args.objective,
        constraints=args.constraint,
        inputs=dict(args.input),
        strategy=dict(args.strategy),
        timeframe=args.timeframe if not args.symbols else None,
        start=args.start,
        end=args.end,
        scheduler=args.scheduler,
        workers=args.workers,
        seed=args.seed,
        save=False if args.save is None else (args.save or True),
        store=args.database,
        out=folder,
        progress=not args.no_progress,
    )
    try:
        if args.walk_forward:
            outcome = walk_forward(args.file, data, args.param, args.walk_forward, **common)
            results = outcome.results
        else:
            outcome = None
            results = run_sweep(args.file, data, args.param, **common)
    except SweepUsageError as exc:
        return _usage(str(exc))
    except ConversionError as exc:
        print(exc, file=sys.stderr)
        return 1
    except PineOptError as exc:
        print(f"pineopt sweep: error: {exc}", file=sys.stderr)
        return 1
    _report(args, results, outcome, folder)
    if len(results) and results["error"].notna().all():
        return 1  # every set failed: the script or the data is at fault (errors printed)
    return 0


def _report(args, results, outcome, folder: Path) -> None:  # type: ignore[no-untyped-def]
    from pineopt.sweep import best, pooled

    several = results["dataset"].nunique() > 1 if len(results) else False
    campaign = results.attrs.get("campaign")
    if args.json:
        table = pooled(results) if several else results
        document = {
            "out": str(folder),
            "campaign": campaign,
            "rows": len(results),
            "failed": int(results["error"].notna().sum()),
            "best": best(results),
            "top": json.loads(table.head(TOP).to_json(orient="records")),
        }
        if outcome is not None:
            document["windows"] = json.loads(
                outcome.windows.to_json(orient="records", date_format="iso")
            )
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    if outcome is not None:
        print(_windows_table(outcome))
        equity = outcome.equity
        if len(equity):
            last = equity.iloc[-1]
            shown = last if not hasattr(last, "to_dict") else last.to_dict()
            print(f"\nstitched out-of-sample equity at the end: {shown}")
    else:
        table = pooled(results) if several else results
        print(_top_table(table, several))
    failed = int(results["error"].notna().sum())
    if failed:
        first = results.loc[results["error"].notna(), "error"].iloc[0]
        print(f"\n{failed} of {len(results)} rows failed; the first: {first}")
    files = ["results.parquet", "results.csv", "manifest.json"]
    if outcome is not None:
        files += ["walk_forward.csv", "oos_equity.parquet"]
    print(f"\nfiles: {folder}/ ({', '.join(files)})")
    if campaign is not None:
        print(f"saved: campaign {campaign}")


def _top_table(table, several: bool) -> str:  # type: ignore[no-untyped-def]
    if several:
        columns = list(table.columns)
    else:
        metrics = ("net_profit", "max_drawdown_pct", "profit_factor", "total_closed_trades")
        skip = {"dataset", "seconds", "error"}
        end = list(table.columns).index("objective")
        columns = [c for c in table.columns[: end + 1] if c not in skip]
        columns += [m for m in metrics if m in table.columns and m not in columns]
    return table.head(TOP)[columns].to_string(index=False, float_format=lambda v: f"{v:.4g}")


def _windows_table(outcome) -> str:  # type: ignore[no-untyped-def]
    frame = outcome.windows.copy()
    for column in ("train_start", "train_end", "test_start", "test_end"):
        frame[column] = frame[column].map(lambda t: t.strftime("%Y-%m-%d"))
    frame["train"] = frame["train_start"] + ".." + frame["train_end"]
    frame["test"] = frame["test_start"] + ".." + frame["test_end"]
    parameters = outcome.windows.attrs.get("parameters", [])
    columns = ["window", "dataset", "train", "test", *parameters]
    columns += ["in_sample", "out_of_sample", "oos_return_pct", "oos_max_drawdown_pct"]
    if frame["dataset"].nunique() == 1:
        columns.remove("dataset")
    return frame[columns].to_string(index=False, float_format=lambda v: f"{v:.4g}")
