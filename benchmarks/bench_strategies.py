"""Strategy speed: PineOpt's strategy tester against PyneCore and hand-written backtrader.

For every ``strategies/*.pine`` (three strategies in Pine v6 written for this benchmark), over
the bundled BTCUSDT 1h sample (58k bars), each engine is prepared once, untimed:

* PineOpt: ``convert`` + ``load`` (time printed apart as "convert s");
* PyneCore: pine2pyne transpile + ``.ohlcv`` data (``pynecore_engine.prepare``);
* backtrader: a ``Cerebro`` with a ``PandasData`` feed and the hand-written equivalent of the
  script (``backtrader_baselines.py``), observers off.

Then the three run in turn, ``--repeat`` times each, and only execution is timed: PineOpt's
``execute`` call (context, bar loop, broker, the trades and equity DataFrames), PyneCore's bar
loop (its ``ScriptRunner`` construction is not timed; the closed trades it yields are collected),
backtrader's ``cerebro.run()``. The table prints bars/s per engine, the ratios of medians
PineOpt/PyneCore and PineOpt/backtrader per script and their medians over the scripts, against
the targets (>= 5x PyneCore, >= 10x backtrader).

Sanity check, not a test: the trades of the three engines are compared, counts (closed + still
open at the last bar) and, trade by trade in order, the first trade whose direction, entry or exit
bar, or entry or exit price (1e-6 relative) differs from PineOpt's; quantities are compared apart
(largest relative difference). A difference is a possible bug in any of the three engines (or a
place where the backtrader version cannot say the Pine logic exactly: see its module doc).

    .venv/bin/python benchmarks/bench_strategies.py [--scripts sma_cross] [--repeat 3]
        [--bars N] [--no-pynecore] [--no-backtrader]

PyneCore may run child processes that re-import this module: the work stays under
``if __name__ == "__main__":``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
STRATEGIES_DIR = BENCH_DIR / "strategies"
TARGET_PYNECORE = 5.0
TARGET_BACKTRADER = 10.0
REL_TOL = 1e-6
TRADE_COLUMNS = ["direction", "entry_bar", "entry_price", "exit_bar", "exit_price", "qty"]


# --- the three engines --------------------------------------------------------------------


def pineopt_prepare(script: Path) -> tuple[Any, float]:
    """Convert and load ``script``: the module and the seconds it took."""
    from pineopt.compiler import convert, load

    started = time.perf_counter()
    module = load(convert(script.read_text(encoding="utf-8"), script.name))
    return module, time.perf_counter() - started


def pineopt_run(module: Any, dataset: Any) -> tuple[float, pd.DataFrame]:
    """One timed ``execute``: (seconds, trades in :data:`TRADE_COLUMNS`)."""
    from pineopt.runtime.engine import execute

    gc.collect()
    started = time.perf_counter()
    result = execute(module, dataset.frame, dataset.symbol, dataset.timeframe)
    seconds = time.perf_counter() - started
    trades = result.trades
    frame = pd.DataFrame(
        {
            "direction": trades["direction"],
            "entry_bar": trades["entry_bar"].astype(int),
            "entry_price": trades["entry_price"].astype(float),
            "exit_bar": trades["exit_bar"].astype(int).where(~trades["is_open"], -1),
            "exit_price": trades["exit_price"].astype(float),
            "qty": trades["qty"].astype(float).abs(),
        }
    )
    return seconds, frame


def _pyne_trade(trade: Any, still_open: bool) -> dict[str, Any]:
    return {
        "direction": "long" if trade.size > 0 else "short",
        "entry_bar": int(trade.entry_bar_index),
        "entry_price": float(trade.entry_price),
        "exit_bar": -1 if still_open else int(trade.exit_bar_index),
        "exit_price": math.nan if still_open else float(trade.exit_price),
        "qty": abs(float(trade.size)),
    }


def pynecore_run(prepared: Any) -> dict[str, Any]:
    """One run of a prepared script in PyneCore's ``ScriptRunner`` (as
    ``pynecore_engine.run_prepared``, without plots): ``{"seconds", "bars", "trades",
    "error"}``; ``seconds`` is the bar loop, which collects the closed trades it yields."""
    out: dict[str, Any] = {"seconds": None, "bars": 0, "trades": None, "error": prepared.error}
    if prepared.error is not None:
        return out
    try:
        from pynecore.core.ohlcv import ChartBarWindow, OHLCVReader
        from pynecore.core.script_runner import ScriptRunner
        from pynecore.core.syminfo import SymInfo

        data = prepared.data
        syminfo = SymInfo.load_toml(data.toml_path)
        gc.collect()
        with OHLCVReader(data.ohlcv_path) as reader:
            start_ts, end_ts = reader.start_timestamp, reader.end_timestamp
            window = ChartBarWindow(reader.path, start_ts, end_ts)
            runner = ScriptRunner(
                prepared.python_path,
                window.bars(),
                syminfo,
                last_bar_index=reader.get_size(start_ts, end_ts) - 1,
                last_bar_time=reader.get_last_bar_time(start_ts, end_ts),
                chart_bar_window=window,
                chart_data_path=data.ohlcv_path,
                lossless_volume=reader.lossless_volume,
                lossless_prices=reader.lossless_prices,
            )
            rows: list[dict[str, Any]] = []
            bars = 0
            started = time.perf_counter()
            for item in runner.run_iter(copy_results=False):
                for trade in item[2]:
                    rows.append(_pyne_trade(trade, False))
                bars += 1
            out["seconds"] = time.perf_counter() - started
        rows += [_pyne_trade(t, True) for t in runner.script.position.open_trades]
        out["bars"] = bars
        out["trades"] = pd.DataFrame(rows, columns=TRADE_COLUMNS)
    except (Exception, SystemExit) as exc:  # a failing script is a result
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out


def backtrader_run(cerebro: Any, recorder: Any) -> tuple[float, pd.DataFrame]:
    """One timed ``cerebro.run()``: (seconds, trades)."""
    gc.collect()
    started = time.perf_counter()
    cerebro.run()
    seconds = time.perf_counter() - started
    return seconds, pd.DataFrame(recorder.all_trades(), columns=TRADE_COLUMNS)


# --- trades -------------------------------------------------------------------------------


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b), 1e-9)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["direction"] == b["direction"]
        and a["entry_bar"] == b["entry_bar"]
        and a["exit_bar"] == b["exit_bar"]
        and _close(a["entry_price"], b["entry_price"])
        and _close(a["exit_price"], b["exit_price"])
    )


def first_difference(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[int, int, str] | None:
    """``None`` when both lists hold the same trades, in order; else the position of the first
    trade that differs, how many positions differ and a description of the first."""
    a_rows = ours.to_dict("records")
    b_rows = theirs.to_dict("records")
    n = max(len(a_rows), len(b_rows))
    differing = [
        i
        for i in range(n)
        if i >= len(a_rows) or i >= len(b_rows) or not _same(a_rows[i], b_rows[i])
    ]
    if not differing:
        return None
    i = differing[0]
    a = _describe(a_rows[i]) if i < len(a_rows) else "none"
    b = _describe(b_rows[i]) if i < len(b_rows) else "none"
    return i, len(differing), f"PineOpt {a} | other {b}"


def _describe(trade: dict[str, Any]) -> str:
    exit_part = (
        "open"
        if trade["exit_bar"] < 0
        else f"exit bar {trade['exit_bar']} @ {trade['exit_price']:.2f}"
    )
    return (
        f"{trade['direction']} entry bar {trade['entry_bar']} @ {trade['entry_price']:.2f}, "
        f"{exit_part}, qty {trade['qty']:.6g}"
    )


def qty_difference(ours: pd.DataFrame, theirs: pd.DataFrame) -> float:
    """Largest relative quantity difference over the trades both lists have (by position)."""
    n = min(len(ours), len(theirs))
    if n == 0:
        return 0.0
    a = ours["qty"].to_numpy()[:n]
    b = theirs["qty"].to_numpy()[:n]
    return float((abs(a - b) / abs(a).clip(min=1e-12)).max())


def _count(trades: pd.DataFrame | None) -> str:
    if trades is None:
        return "-"
    still_open = int((trades["exit_bar"] < 0).sum())
    return f"{len(trades)} ({still_open} open)"


# --- main ---------------------------------------------------------------------------------


def _rate(bars: int, seconds: float | None) -> str:
    return f"{bars / seconds:,.0f}" if seconds else "-"


def _ratio(value: float | None) -> str:
    return f"{value:.1f}x" if value else "-"


def _summary(name: str, ratios: list[float], target: float) -> str:
    median = statistics.median(ratios)
    verdict = "met" if median >= target else "NOT met"
    geo = math.exp(statistics.fmean(map(math.log, ratios)))
    return (
        f"median PineOpt/{name} over {len(ratios)} scripts: {median:.1f}x "
        f"(target >= {target:.0f}x: {verdict}); geometric mean {geo:.1f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scripts", nargs="*", default=None, help="strategy names (stem), default: all"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine and script")
    parser.add_argument("--bars", type=int, default=0, help="first N bars only (0 = all)")
    parser.add_argument("--no-pynecore", action="store_true", help="without PyneCore")
    parser.add_argument("--no-backtrader", action="store_true", help="without backtrader")
    parser.add_argument("--workdir", type=Path, default=None, help="PyneCore's files (temp)")
    args = parser.parse_args(argv)

    import pineopt

    dataset = pineopt.load("BTCUSDT", "1h", provider="sample")
    if args.bars:
        dataset = dataclasses.replace(dataset, frame=dataset.frame.iloc[: args.bars])
    bars = len(dataset.frame)

    scripts = sorted(STRATEGIES_DIR.glob("*.pine"))
    if args.scripts:
        wanted = {Path(name).stem for name in args.scripts}
        scripts = [s for s in scripts if s.stem in wanted]
        missing = wanted - {s.stem for s in scripts}
        if missing:
            parser.error(f"no such strategy in {STRATEGIES_DIR}: {', '.join(sorted(missing))}")

    sys.path.insert(0, str(BENCH_DIR))
    use_pyne, use_bt = not args.no_pynecore, not args.no_backtrader
    tmp = tempfile.TemporaryDirectory(prefix="bench_strategies_")
    workdir = args.workdir or Path(tmp.name)
    data = None
    if use_pyne:
        import pynecore_engine as pyne

        print(pyne.pynecore_version())
        data = pyne.prepare_data(dataset.frame, workdir)
        print(f"PyneCore data: {data.bars} bars written in {data.seconds:.1f}s")
    if use_bt:
        import backtrader
        import backtrader_baselines as btb

        print(f"backtrader {backtrader.__version__}")

    print(f"BTCUSDT 1h sample, {bars} bars, {args.repeat} alternating runs per engine (median)")
    print(
        f"{'script':<26}{'convert s':>10}{'PineOpt s':>10}{'bars/s':>10}"
        f"{'PyneCore s':>11}{'bars/s':>9}{'backtr. s':>10}{'bars/s':>9}"
        f"{'/PyneCore':>10}{'/backtr.':>9}"
    )
    pyne_ratios: list[float] = []
    bt_ratios: list[float] = []
    details: list[str] = []
    checks: list[str] = []
    for script in scripts:
        module, convert_seconds = pineopt_prepare(script)
        prepared = pyne.prepare(script, data, workdir) if use_pyne else None
        cerebro = recorder = None
        if use_bt:
            cerebro, recorder = btb.build(script.stem, dataset.frame)
        ours: list[float] = []
        theirs: list[float] = []
        bts: list[float] = []
        our_trades = pyne_trades = bt_trades = None
        errors: list[str] = []
        for _ in range(args.repeat):
            seconds, our_trades = pineopt_run(module, dataset)
            ours.append(seconds)
            if prepared is not None and not errors:
                result = pynecore_run(prepared)
                if result["error"]:
                    errors.append(f"PyneCore failed: {result['error'].splitlines()[-1]}")
                else:
                    theirs.append(result["seconds"])
                    pyne_trades = result["trades"]
            if cerebro is not None:
                seconds, bt_trades = backtrader_run(cerebro, recorder)
                bts.append(seconds)
        a = statistics.median(ours)
        b = statistics.median(theirs) if theirs else None
        c = statistics.median(bts) if bts else None
        vs_pyne = b / a if b else None
        vs_bt = c / a if c else None
        if vs_pyne:
            pyne_ratios.append(vs_pyne)
        if vs_bt:
            bt_ratios.append(vs_bt)
        print(
            f"{script.name:<26}{convert_seconds:>10.3f}{a:>10.3f}{_rate(bars, a):>10}"
            f"{(f'{b:.3f}' if b else '-'):>11}{_rate(bars, b):>9}"
            f"{(f'{c:.3f}' if c else '-'):>10}{_rate(bars, c):>9}"
            f"{_ratio(vs_pyne):>10}{_ratio(vs_bt):>9}"
        )
        line = f"  {script.name}: PineOpt {' '.join(f'{s:.3f}' for s in ours)}"
        if theirs:
            line += f" | PyneCore {' '.join(f'{s:.3f}' for s in theirs)}"
        if bts:
            line += f" | backtrader {' '.join(f'{s:.3f}' for s in bts)}"
        details.append(line)
        details += [f"  {script.name}: {e}" for e in errors]

        counts = f"PineOpt {_count(our_trades)}"
        if use_pyne:
            counts += f", PyneCore {_count(pyne_trades)}"
        if use_bt:
            counts += f", backtrader {_count(bt_trades)}"
        checks.append(f"{script.name}: trades {counts}")
        for name, other in (("PyneCore", pyne_trades), ("backtrader", bt_trades)):
            if other is None or our_trades is None:
                continue
            diff = first_difference(our_trades, other)
            qty = qty_difference(our_trades, other)
            if diff is None:
                checks.append(f"  vs {name}: every trade the same (max qty diff {qty:.1e} rel.)")
            else:
                i, count, text = diff
                checks.append(
                    f"  vs {name}: {count} of {len(our_trades)} trades differ, the first is "
                    f"trade {i + 1}: {text} (max qty diff {qty:.1e} rel.)"
                )

    print("runs (s):")
    print("\n".join(details))
    if pyne_ratios:
        print(_summary("PyneCore", pyne_ratios, TARGET_PYNECORE))
    if bt_ratios:
        print(_summary("backtrader", bt_ratios, TARGET_BACKTRADER))
    print("\ntrades (closed + open at the last bar), first trade differing from PineOpt's:")
    print("\n".join(checks))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
