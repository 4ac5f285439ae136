"""``pineopt db upgrade|info``, ``pineopt strategies list|show|add|rm`` and ``pineopt backtests
list|show|compare``: the store (:class:`pineopt.Store`) from the command line.

Every command takes ``--database URL`` (default ``$PINEOPT_DATABASE_URL``, else
``outputs/pineopt.db``); listings print a table, or JSON with ``--json``. Exit codes follow the
CLI contract: 0 done, 1 a store or script error (an unknown id, a Pine script with errors: its
diagnostics on stderr), 2 a usage error.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pineopt.cli import existing_path, positive_int, print_json

if TYPE_CHECKING:  # pragma: no cover
    from pineopt.store import Store

#: rows shown by ``list`` commands unless ``--limit`` says otherwise
DEFAULT_LIMIT = 50


def add_store_commands(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser(
        "db", help="create, upgrade or describe PineOpt's database", description=_DB_HELP
    )
    sub = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    upgrade = sub.add_parser("upgrade", help="create the schema or migrate it to this PineOpt's")
    _database_option(upgrade)
    upgrade.set_defaults(handler=cmd_db_upgrade)
    info = sub.add_parser("info", help="the database's URL, revision and row counts")
    _database_option(info)
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(handler=cmd_db_info)

    strategies = commands.add_parser(
        "strategies",
        help="list, show, add and remove saved strategies",
        description="Strategies saved in PineOpt's database.",
    )
    sub = strategies.add_subparsers(title="strategies commands", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the saved strategies, by name")
    listing.add_argument("--tag", help="only strategies with this tag")
    listing.add_argument("--language", choices=["pine", "python"], help="only this language")
    listing.add_argument("--search", help="text to find in the name, description or author")
    _listing_options(listing)
    listing.set_defaults(handler=cmd_strategies_list)
    show = sub.add_parser("show", help="one strategy: details, inputs, backtests")
    show.add_argument("strategy", metavar="ID_OR_NAME", help="the strategy's id or name")
    show.add_argument("--source", action="store_true", help="print only the script's text")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    _database_option(show)
    show.set_defaults(handler=cmd_strategies_show)
    add = sub.add_parser("add", help="save a Pine script (converted first) or a Python strategy")
    add.add_argument("file", type=existing_path, metavar="FILE", help="a .pine or .py file")
    add.add_argument("--name", help="the strategy's name (default: the declaration's title)")
    add.add_argument("--description", help="what the strategy does")
    add.add_argument("--author", help="who wrote it")
    add.add_argument("--tag", action="append", dest="tags", help="a tag (repeatable)")
    add.add_argument(
        "--replace", action="store_true", help="replace the source of a strategy of that name"
    )
    _database_option(add)
    add.set_defaults(handler=cmd_strategies_add)
    remove = sub.add_parser("rm", help="delete a strategy with its backtests")
    remove.add_argument("strategy", metavar="ID_OR_NAME", help="the strategy's id or name")
    _database_option(remove)
    remove.set_defaults(handler=cmd_strategies_rm)

    backtests = commands.add_parser(
        "backtests",
        help="list, show and compare recorded backtests",
        description="Backtests recorded in PineOpt's database.",
    )
    sub = backtests.add_subparsers(title="backtests commands", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="the backtests, newest first")
    listing.add_argument("--strategy", metavar="ID_OR_NAME", help="only this strategy's")
    listing.add_argument("--symbol", help="only this symbol (BTCUSDT or BINANCE:BTCUSDT)")
    listing.add_argument("--timeframe", help="only this timeframe (60, 1D, 1h ...)")
    listing.add_argument(
        "--status", choices=["queued", "running", "done", "failed"], help="only this status"
    )
    _listing_options(listing)
    listing.set_defaults(handler=cmd_backtests_list)
    show = sub.add_parser("show", help="one backtest: request, outcome, performance")
    show.add_argument("backtest", type=positive_int, metavar="ID", help="the backtest's id")
    show.add_argument("--trades", action="store_true", help="also print its trades")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    _database_option(show)
    show.set_defaults(handler=cmd_backtests_show)
    compare = sub.add_parser("compare", help="backtests side by side")
    compare.add_argument(
        "backtests", type=positive_int, nargs="+", metavar="ID", help="backtest ids"
    )
    compare.add_argument("--json", action="store_true", help="machine-readable output")
    _database_option(compare)
    compare.set_defaults(handler=cmd_backtests_compare)


_DB_HELP = (
    "PineOpt's database: SQLite by default (outputs/pineopt.db), PostgreSQL by URL "
    "(postgresql+psycopg://USER:PASSWORD@HOST/DB). The schema is created and migrated on first "
    "use; `db upgrade` does it explicitly."
)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="database URL or SQLite file (default: $PINEOPT_DATABASE_URL, else "
        "outputs/pineopt.db)",
    )


def _listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit", type=positive_int, default=DEFAULT_LIMIT, help=f"rows shown ({DEFAULT_LIMIT})"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    _database_option(parser)


def _open(args: argparse.Namespace, *, migrate: bool = True) -> Store:
    from pineopt.store import Store

    return Store(args.database, migrate=migrate)


# --------------------------------------------------------------------------- db


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    with _open(args, migrate=False) as store:
        before = store.info()["revision"]
        revision = store.upgrade()
        state = "up to date" if before == revision else f"upgraded from {before or 'empty'}"
        print(f"{store.url}: revision {revision} ({state})")
    return 0


def cmd_db_info(args: argparse.Namespace) -> int:
    with _open(args, migrate=False) as store:
        info = store.info()
    if args.json:
        print_json(info)
        return 0
    revision = info["revision"] or "none (empty: `pineopt db upgrade` creates the schema)"
    state = "" if info["revision"] in (None, info["head"]) else f", PineOpt's is {info['head']}"
    print(f"database: {info['url']} ({info['backend']})")
    print(f"revision: {revision}{state}")
    if info["tables"]:
        rows = pd.DataFrame({"table": list(info["tables"]), "rows": list(info["tables"].values())})
        print(rows.to_string(index=False))
    return 0


# --------------------------------------------------------------------------- strategies


def cmd_strategies_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        filters = {"tag": args.tag, "language": args.language, "search": args.search}
        table = store.strategies(**filters, limit=args.limit)
        total = store.count_strategies(**filters)
    if args.json:
        print_json(_records(table))
        return 0
    if table.empty:
        print("no strategies" + (" match" if any(filters.values()) else " saved yet"))
        return 0
    shown = table.assign(tags=table["tags"].map(", ".join), updated=table["updated_at"].map(_when))[
        ["id", "name", "language", "validation_status", "backtests", "tags", "author", "updated"]
    ]
    print(shown.rename(columns={"validation_status": "status"}).to_string(index=False))
    _more(len(table), total)
    return 0


def cmd_strategies_show(args: argparse.Namespace) -> int:
    with _open(args) as store:
        strategy = store.strategy(_strategy_ref(store, args.strategy))
        backtests = store.count_backtests(strategy=strategy["id"])
    if args.source:
        sys.stdout.write(strategy["source"])
        return 0
    if args.json:
        print_json(_json({**strategy, "backtests": backtests}))
        return 0
    print(f"strategy {strategy['id']}: {strategy['name']} ({strategy['language']})")
    for label, key in (("description", "description"), ("author", "author")):
        if strategy[key]:
            print(f"{label}: {strategy[key]}")
    if strategy["tags"]:
        print("tags: " + ", ".join(strategy["tags"]))
    print(f"validation: {strategy['validation_status']}")
    for problem in (strategy["validation"] or {}).get("diagnostics") or []:
        where = f"{problem['line']}:{problem['col']}: " if problem.get("line") else ""
        print(f"  {where}{problem.get('severity', 'note')}: {problem.get('message')}")
    if strategy["dependencies"]:
        print("imports: " + ", ".join(strategy["dependencies"]))
    print(f"created {_when(strategy['created_at'])}, updated {_when(strategy['updated_at'])}")
    print(f"backtests: {backtests}")
    if strategy["parameters"]:
        inputs = pd.DataFrame(strategy["parameters"], dtype=object)
        columns = ["title", "name", "kind", "default", "minval", "maxval", "step", "options"]
        inputs = inputs[[c for c in columns if c in inputs.columns]]
        print("inputs:")
        print(inputs.fillna("").to_string(index=False))
    return 0


def cmd_strategies_add(args: argparse.Namespace) -> int:
    from pineopt.store import InvalidScript

    with _open(args) as store:
        try:
            strategy_id = store.save_strategy(
                Path(args.file),
                name=args.name,
                description=args.description,
                author=args.author,
                tags=args.tags,
                replace=args.replace,
            )
        except InvalidScript as error:
            print(error, file=sys.stderr)
            print(f"pineopt: error: {args.file} was not saved", file=sys.stderr)
            return 1
        strategy = store.strategy(strategy_id)
    inputs = len(strategy["parameters"])
    print(
        f"saved strategy {strategy_id}: {strategy['name']} ({strategy['language']}, "
        f"{strategy['validation_status']}, {inputs} input{'s' if inputs != 1 else ''})"
    )
    return 0


def cmd_strategies_rm(args: argparse.Namespace) -> int:
    with _open(args) as store:
        strategy = store.strategy(_strategy_ref(store, args.strategy))
        backtests = store.count_backtests(strategy=strategy["id"])
        store.delete_strategy(strategy["id"])
    plural = "" if backtests == 1 else "s"
    print(f"deleted strategy {strategy['id']}: {strategy['name']} and {backtests} backtest{plural}")
    return 0


def _strategy_ref(store: Any, text: str) -> int | str:
    """An id when ``text`` is a number naming one, else a name."""
    from pineopt.store import NotFound

    if text.isdigit():
        try:
            return store.strategy(int(text))["id"]
        except NotFound:
            return text  # a strategy may be named "2024"
    return text


# --------------------------------------------------------------------------- backtests


def cmd_backtests_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        strategy = None if args.strategy is None else _strategy_ref(store, args.strategy)
        filters = {
            "strategy": strategy,
            "symbol": args.symbol,
            "timeframe": args.timeframe,
            "status": args.status,
        }
        table = store.backtests(**filters, limit=args.limit)
        total = store.count_backtests(**filters)
    if args.json:
        print_json(_records(table))
        return 0
    if table.empty:
        print("no backtests" + (" match" if any(v is not None for v in filters.values()) else ""))
        return 0
    shown = pd.DataFrame(
        {
            "id": table["id"],
            "strategy": table["strategy"],
            "symbol": table["symbol"],
            "tf": table["timeframe"],
            "range": [
                f"{_day(a)} → {_day(b)}" for a, b in zip(table["start"], table["end"], strict=True)
            ],
            "status": table["status"],
            "net profit": table["net_profit"].map(_number),
            "net %": table["net_profit_pct"].map(_number),
            "trades": table["total_trades"].map(lambda v: "" if pd.isna(v) else str(v)),
            "win %": table["percent_profitable"].map(_number),
            "PF": table["profit_factor"].map(_number),
            "max DD": table["max_drawdown"].map(_number),
            "created": table["created_at"].map(_when),
        }
    )
    print(shown.to_string(index=False))
    _more(len(table), total)
    return 0


def cmd_backtests_show(args: argparse.Namespace) -> int:
    with _open(args) as store:
        record = store.backtest(args.backtest)
        trades = store.trades(args.backtest) if args.trades and record["status"] == "done" else None
    if args.json:
        payload = _json(record)
        if trades is not None:
            payload["trade_list"] = _records(trades)
        print_json(payload)
        return 0
    exchange = f"{record['exchange']}:" if record["exchange"] else ""
    print(f"backtest {record['id']}: {record['strategy']} (strategy {record['strategy_id']})")
    print(f"status: {record['status']}" + (f": {record['error']}" if record["error"] else ""))
    print(
        f"data: {exchange}{record['symbol']} {record['timeframe']}"
        + (f" from {record['provider']}" if record["provider"] else "")
        + f", {_day(record['start'])} → {_day(record['end'])}"
    )
    if record["data"]:
        data = record["data"]
        print(f"bars: {data['bars']} (sha256 {data['fingerprint'][:16]}…)")
    account = [
        f"{label} {_number(record[key])}"
        for label, key in (
            ("capital", "initial_capital"),
            ("commission", "commission"),
            ("slippage", "slippage"),
        )
        if record[key] is not None
    ]
    if account:
        print("account: " + ", ".join(account))
    if record["settings"]:
        print("settings: " + ", ".join(f"{k}={v}" for k, v in record["settings"].items()))
    if record["inputs"]:
        print("inputs: " + ", ".join(f"{k}={v}" for k, v in record["inputs"].items()))
    timing = f"created {_when(record['created_at'])}"
    if record["finished_at"] is not None:
        timing += f", finished {_when(record['finished_at'])}"
    if record["seconds"] is not None:
        timing += f" ({record['seconds']:.2f} s)"
    print(timing)
    if record["report_path"]:
        print(f"report: {record['report_path']}")
    summary = (record["metrics"] or {}).get("all")
    if summary:
        from pineopt.store.backtests import COMPARED_METRICS

        print("performance (all trades):")
        width = max(map(len, COMPARED_METRICS))
        for key in COMPARED_METRICS:
            if key in summary:
                print(f"  {key:<{width}}  {_number(summary[key])}")
    if trades is not None:
        print(f"trades ({len(trades)}):")
        print(trades.to_string(index=False) if len(trades) else "  none")
    return 0


def cmd_backtests_compare(args: argparse.Namespace) -> int:
    with _open(args) as store:
        table = store.compare(args.backtests)
    if args.json:
        print_json({column: _json(dict(table[column])) for column in table.columns})
        return 0
    shown = table.map(_cell)
    print(shown.to_string())
    return 0


# --------------------------------------------------------------------------- formatting


def _more(shown: int, total: int) -> None:
    if total > shown:
        print(f"({shown} of {total} shown: --limit {total} shows all)")


def _when(value: Any) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _day(value: Any) -> str:
    if value is None or pd.isna(value):
        return "…"
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M")


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:g}"
    return f"{value:,.2f}"


def _cell(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return _day(value)
    return _number(value)


def _json(value: Any) -> Any:
    from pineopt.store.codec import json_safe

    return json_safe(value)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return _json(table.to_dict("records"))
