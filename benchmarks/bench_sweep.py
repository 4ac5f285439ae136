"""Sweep throughput: a grid of `examples/sma_cross_strategy.pine` against vectorbt and
backtesting.py.

The grid: "Fast length" 5..50 step 1 × "Slow length" 20..240 step 10 with fast < slow (994
parameter sets), "ATR stop" off, on the bundled BTCUSDT 1h sample (58,419 bars). ``--sets N``
thins both ranges by whole strides (every k-th fast, every m-th slow length) to the grid whose
size is nearest N, so every engine still gets a grid and the subset spreads over the whole
square. The rules, the same in the three engines: long on a crossover of SMA(fast) over
SMA(slow), short on a crossunder, always in the market after the first cross, 90 % of equity
per trade, 0.05 % commission per fill, 10,000 initial capital, orders filled at the next bar's
open.

* PineOpt: ``pineopt.sweep`` in this process (``workers=0``); on a LocalCluster of 2 workers
  started by the sweep ("cold", the wall time a user sees); and on a LocalCluster of 2 workers
  started before the clock (``scheduler=`` its address), whose start-up is timed apart.
* vectorbt: ``MA.run`` with one window per column (fast and slow column by column),
  ``ma_crossed_above``/``ma_crossed_below``, and ``Portfolio.from_orders`` with target percent
  +0.9/-0.9 shifted to the next bar and filled at its open (``from_signals`` cannot reverse a
  percent-sized position: its docs say so); the total profit and trade count of every column
  are computed in the timing. It runs in a fresh child process with an empty numba cache
  (``NUMBA_CACHE_DIR``, a new temporary folder), twice: the first run includes numba's
  compilation, the second does not; its import is timed apart.
* backtesting.py: a ``Strategy`` with ``n1``/``n2``, ``self.I`` SMAs, ``lib.crossover`` and
  ``buy``/``sell(size=0.9)`` with ``exclusive_orders=True`` (each order first closes the
  position), ``trade_on_close=False`` (next bar's open), in ``lib.FractionalBacktest`` (BTC
  traded in satoshis; whole units of 40,000 USD would not fit 10,000 of cash), timed around
  ``Backtest.optimize(..., constraint=n1 < n2, maximize="Equity Final [$]")``, which forks a
  ``multiprocessing.Pool`` of ``os.cpu_count()`` processes and runs the best set once more at
  the end.

Printed: after each run, the CPU seconds of this process, of its child processes (workers,
pools) and of other processes meanwhile (Linux; a shared machine's other jobs show there);
then per engine the sets, wall seconds, runs/s, bars/s, peak resident memory (MiB, the
process and all its descendants, sampled every 0.2 s) and the ratio of its wall time to
PineOpt's (2 workers, cold); for PineOpt the sum of the sets' own seconds against the wall (how
many sets were in flight); the load average at the start and the end; the issue's target
(1,000 sets in under 60 s on 2 cores) and, below the full grid, a linear extrapolation to it,
labelled as such; then, as a sanity check and not a test, the net profit (closed trades) and
closed-trade count of the middle parameter set in each engine (their fill, sizing and margin
rules differ in details: the same order of magnitude is expected, not equality).

    .venv/bin/python benchmarks/bench_sweep.py [--sets N] [--repeat 1] \
        [--engines pineopt-0 pineopt-2 pineopt-warm vectorbt backtesting]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "sma_cross_strategy.pine"
FAST = list(range(5, 51))
SLOW = list(range(20, 241, 10))
TARGET_SETS = 1000
TARGET_SECONDS = 60.0
WORKERS = 2
CAPITAL = 10_000
FRACTION = 0.9
COMMISSION = 0.0005
ENGINES = ["pineopt-0", "pineopt-2", "pineopt-warm", "vectorbt", "backtesting"]
REFERENCE = "pineopt-2"


# --- the grid -----------------------------------------------------------------------------


def pairs_of(fast: list[int], slow: list[int]) -> list[tuple[int, int]]:
    return [(f, s) for f in fast for s in slow if f < s]


def grid(sets: int | None) -> tuple[list[int], list[int]]:
    """The fast and slow lengths: all of them, or every k-th and m-th, the strides giving the
    count nearest ``sets`` (ties: the strides closest to each other)."""
    if sets is None:
        return FAST, SLOW
    best = None
    for k in range(1, len(FAST) + 1):
        for m in range(1, len(SLOW) + 1):
            count = len(pairs_of(FAST[::k], SLOW[::m]))
            key = (abs(count - sets), abs(k - m))
            if best is None or key < best[0]:
                best = (key, k, m)
    _, k, m = best
    return FAST[::k], SLOW[::m]


def load_frame() -> pd.DataFrame:
    import pineopt

    return pineopt.load("BTCUSDT", "1h", provider="sample").frame


# --- PineOpt ------------------------------------------------------------------------------


def run_pineopt(fast: list[int], slow: list[int], **placement: Any) -> tuple[float, pd.DataFrame]:
    import pineopt

    data = pineopt.load("BTCUSDT", "1h", provider="sample")
    started = time.perf_counter()
    frame = pineopt.sweep(
        SCRIPT,
        data,
        {"Fast length": fast, "Slow length": slow},
        constraints=["Fast length < Slow length"],
        inputs={"ATR stop": False},
        progress=False,
        **placement,
    )
    seconds = time.perf_counter() - started
    failed = frame["error"].notna().sum()
    if failed:
        raise SystemExit(
            f"PineOpt: {failed} parameter sets failed: {frame['error'].dropna().iloc[0]}"
        )
    return seconds, frame


def pineopt_warm(fast: list[int], slow: list[int]) -> tuple[float, float, pd.DataFrame]:
    """The sweep on a LocalCluster started before the clock, as the sweep would start it (its
    housekeeping intervals included): (start-up s, sweep s, results)."""
    import logging

    import dask
    from distributed import LocalCluster

    from pineopt.sweep.dask_tasks import local_config

    started = time.perf_counter()
    with dask.config.set(local_config()):
        cluster = LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    startup = time.perf_counter() - started
    try:
        seconds, frame = run_pineopt(fast, slow, scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    return startup, seconds, frame


def pineopt_sanity(frame: pd.DataFrame, pair: tuple[int, int]) -> tuple[float, int]:
    row = frame[(frame["Fast length"] == pair[0]) & (frame["Slow length"] == pair[1])].iloc[0]
    return float(row["net_profit"]), int(row["total_closed_trades"])


# --- vectorbt (in a child process) --------------------------------------------------------


def vectorbt_grid(close: pd.Series, open_: pd.Series, pairs: list[tuple[int, int]]):
    """The grid in vectorbt: one portfolio column per pair, its total profit and trade count."""
    import vectorbt as vbt

    fast = vbt.MA.run(close, window=[f for f, _ in pairs], short_name="fast")
    slow = vbt.MA.run(close, window=[s for _, s in pairs], short_name="slow")
    above = fast.ma_crossed_above(slow)
    below = fast.ma_crossed_below(slow)
    target = np.where(above.to_numpy(), FRACTION, np.where(below.to_numpy(), -FRACTION, np.nan))
    # the signal comes at a bar's close; the order fills at the next bar's open
    size = pd.DataFrame(target, index=close.index, columns=above.columns).vbt.fshift(1)
    portfolio = vbt.Portfolio.from_orders(
        close,
        size=size,
        size_type="targetpercent",
        price=open_,
        fees=COMMISSION,
        init_cash=CAPITAL,
        freq="1h",
    )
    return portfolio, portfolio.total_profit(), portfolio.trades.count()


def vectorbt_child(fast: list[int], slow: list[int]) -> None:
    """Runs in the child: prints one JSON line of timings and the sanity figures."""
    frame = load_frame()
    pairs = pairs_of(fast, slow)
    started = time.perf_counter()
    import vectorbt as vbt

    imported = time.perf_counter() - started
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        portfolio, _, _ = vectorbt_grid(frame["close"], frame["open"], pairs)
        runs.append(time.perf_counter() - started)
    column = pairs.index(middle(pairs))
    closed = portfolio.trades.closed
    print(
        json.dumps(
            {
                "version": vbt.__version__,
                "import": imported,
                "first": runs[0],
                "second": runs[1],
                "net_profit": float(closed.pnl.sum().iloc[column]),
                "trades": int(closed.count().iloc[column]),
            }
        )
    )


def run_vectorbt(fast: list[int], slow: list[int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        command = [sys.executable, __file__, "--vectorbt-child", json.dumps([fast, slow])]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"vectorbt child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- backtesting.py -----------------------------------------------------------------------


def backtesting_prepare(frame: pd.DataFrame):
    from backtesting.lib import FractionalBacktest
    from backtesting_baselines import SmaCross

    bars = frame.rename(columns=str.capitalize)[["Open", "High", "Low", "Close", "Volume"]]
    bars.index = bars.index.tz_localize(None)
    return FractionalBacktest(
        bars,
        SmaCross,
        cash=CAPITAL,
        commission=COMMISSION,
        trade_on_close=False,
        exclusive_orders=True,
    )


def run_backtesting(backtest, fast: list[int], slow: list[int]) -> float:
    # every run ends in a position (always in the market): its warning would repeat per set
    warnings.filterwarnings("ignore", message="Some trades remain open")
    started = time.perf_counter()
    backtest.optimize(
        n1=fast, n2=slow, constraint=lambda p: p.n1 < p.n2, maximize="Equity Final [$]"
    )
    return time.perf_counter() - started


def backtesting_sanity(backtest, pair: tuple[int, int]) -> tuple[float, int]:
    trades = backtest.run(n1=pair[0], n2=pair[1])["_trades"]
    return float(trades["PnL"].sum()), len(trades)


# --- the report ---------------------------------------------------------------------------


def middle(pairs: list[tuple[int, int]]) -> tuple[int, int]:
    return pairs[len(pairs) // 2]


def extrapolate(seconds: float, fixed: float, sets: int) -> float:
    """Linear: the fixed part once, the rest scaled from ``sets`` to the target's 1,000."""
    return fixed + (seconds - fixed) * TARGET_SETS / sets


def cpu_seconds() -> tuple[float, float, float] | None:
    """CPU seconds so far of the whole machine, of this process (PineOpt's client, and the
    scheduler and nannies of a LocalCluster it started) and of its finished children (the
    workers once their cluster closed, vectorbt's child, backtesting.py's pool); None without
    ``/proc/stat`` (not Linux). On a shared machine the difference is other jobs' CPU."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:9]]
    except OSError:
        return None
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # not idle, iowait
    here, children = (
        sum(resource.getrusage(who)[:2]) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return busy, here, children


def cpu_used(before: tuple[float, float, float] | None) -> str:
    """What :func:`cpu_seconds` counted since ``before``, in words."""
    after = cpu_seconds()
    if before is None or after is None:
        return ""
    busy, here, children = (b - a for a, b in zip(before, after, strict=True))
    return (
        f" (CPU s: this process {here:.1f}, its child processes {children:.1f},"
        f" other processes {max(0.0, busy - here - children):.1f})"
    )


class PeakMemory:
    """The peak resident memory of this process and all its descendants together (the
    LocalCluster's workers, vectorbt's child, backtesting.py's pool), sampled every 0.2 s by a
    thread while the ``with`` block runs: :attr:`peak` bytes."""

    def __init__(self) -> None:
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while True:
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)
            if self._done.wait(0.2):
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=int, help="an evenly spread sub-grid of about N sets")
    parser.add_argument("--repeat", type=int, default=1, help="alternating runs per engine")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=ENGINES)
    parser.add_argument("--vectorbt-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bars
    if args.vectorbt_child:
        vectorbt_child(*json.loads(args.vectorbt_child))
        return

    fast, slow = grid(args.sets)
    pairs = pairs_of(fast, slow)
    sets = len(pairs)
    frame = load_frame()
    bars = len(frame)
    pair = middle(pairs)
    print(
        f"BTCUSDT 1h sample, {bars} bars; grid: fast {fast[0]}..{fast[-1]} ({len(fast)} values),"
        f" slow {slow[0]}..{slow[-1]} ({len(slow)} values), fast < slow: {sets} parameter sets;"
        f" {args.repeat} alternating run(s) per engine, load average"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )

    times: dict[str, list[float]] = {name: [] for name in args.engines}
    startups: list[float] = []
    work: dict[str, list[float]] = {name: [] for name in args.engines}  # PineOpt: sum of set s
    compiled: list[float] = []
    imports: list[float] = []
    sanity: dict[str, tuple[float, int]] = {}
    versions: dict[str, str] = {}
    backtest = backtesting_prepare(frame) if "backtesting" in args.engines else None
    peaks: dict[str, list[int]] = {name: [] for name in args.engines}
    for _ in range(args.repeat):
        for name in args.engines:
            before = cpu_seconds()
            with PeakMemory() as memory:
                if name == "pineopt-0":
                    seconds, results = run_pineopt(fast, slow, workers=0)
                    sanity["PineOpt"] = pineopt_sanity(results, pair)
                    work[name].append(results["seconds"].sum())
                elif name == "pineopt-2":
                    seconds, results = run_pineopt(fast, slow, workers=WORKERS)
                    sanity["PineOpt"] = pineopt_sanity(results, pair)
                    work[name].append(results["seconds"].sum())
                elif name == "pineopt-warm":
                    startup, seconds, results = pineopt_warm(fast, slow)
                    startups.append(startup)
                    sanity["PineOpt"] = pineopt_sanity(results, pair)
                    work[name].append(results["seconds"].sum())
                elif name == "vectorbt":
                    child = run_vectorbt(fast, slow)
                    seconds = child["second"]
                    compiled.append(child["first"])
                    imports.append(child["import"])
                    versions["vectorbt"] = child["version"]
                    sanity["vectorbt"] = (child["net_profit"], child["trades"])
                else:
                    seconds = run_backtesting(backtest, fast, slow)
            times[name].append(seconds)
            peaks[name].append(memory.peak)
            print(
                f"  {name}: {seconds:.2f} s{cpu_used(before)}, peak memory"
                f" {memory.peak / 2**20:,.0f} MiB",
                flush=True,
            )
    if backtest is not None:
        import backtesting

        versions["backtesting.py"] = backtesting.__version__
        sanity["backtesting.py"] = backtesting_sanity(backtest, pair)

    rows: list[tuple[str, float, float, float]] = []  # label, median wall s, fixed s, peak MiB
    labels = {
        "pineopt-0": "PineOpt in-process (workers=0)",
        "pineopt-2": f"PineOpt {WORKERS} workers, cold",
        "pineopt-warm": f"PineOpt {WORKERS} workers, warm cluster",
        "backtesting": "backtesting.py optimize",
    }
    startup = statistics.median(startups) if startups else 0.0
    for name in args.engines:
        median = statistics.median(times[name])
        peak = max(peaks[name]) / 2**20
        if name == "vectorbt":
            first = statistics.median(compiled)
            rows.append(("vectorbt, 1st run (compile)", first, first - median, peak))
            rows.append(("vectorbt, 2nd run", median, 0.0, peak))
        else:
            rows.append((labels[name], median, startup if name == "pineopt-2" else 0.0, peak))
    reference = statistics.median(times[REFERENCE]) if REFERENCE in times else None

    print()
    head = f"{'engine':<34}{'sets':>6}{'wall s':>10}{'runs/s':>9}{'bars/s':>13}{'MiB':>7}"
    print(head + (f"{'/PineOpt':>10}" if reference else ""))
    for label, seconds, _, peak in rows:
        line = f"{label:<34}{sets:>6}{seconds:>10.2f}{sets / seconds:>9.1f}"
        line += f"{sets * bars / seconds:>13,.0f}{peak:>7,.0f}"
        if reference:
            line += f"{seconds / reference:>9.2f}x"
        print(line)
    for name in args.engines:
        if work[name]:
            total = statistics.median(work[name])
            print(
                f"{labels[name]}: the sets' own seconds sum to {total:.2f} s"
                f" ({total / sets:.3f} s a set; {total / statistics.median(times[name]):.2f}"
                " of the wall)"
            )
    if startups:
        print(
            f"LocalCluster start-up ({WORKERS} workers, timed apart): {startup:.2f} s"
            f" (runs: {' '.join(f'{s:.2f}' for s in startups)})"
        )
    if imports:
        print(
            f"vectorbt {versions['vectorbt']} import in its child:"
            f" {statistics.median(imports):.2f} s"
        )
    if "backtesting.py" in versions:
        print(
            f"backtesting.py {versions['backtesting.py']}: optimize forked a Pool of"
            f" {os.cpu_count()} processes; its wall includes one more run of the best set"
        )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if reference:
        print(f"/PineOpt: engine wall / PineOpt {WORKERS} workers cold wall (> 1: PineOpt faster)")

    print()
    if reference:
        verdict = "met" if reference < TARGET_SECONDS else "NOT met"
        if sets >= TARGET_SETS:
            print(
                f"target, {sets} sets under {TARGET_SECONDS:.0f} s on {WORKERS} cores:"
                f" {reference:.1f} s, {verdict}"
            )
        else:
            print(
                f"EXTRAPOLATED (linear, not measured) from {sets} to {TARGET_SETS} sets,"
                " fixed parts (cluster start-up, numba compile) counted once:"
            )
            for label, seconds, fixed, _ in rows:
                print(f"  {label:<34}~{extrapolate(seconds, fixed, sets):8.1f} s")
            estimate = extrapolate(reference, startup, sets)
            verdict = "would be met" if estimate < TARGET_SECONDS else "would NOT be met"
            print(
                f"  target {TARGET_SETS} sets under {TARGET_SECONDS:.0f} s:"
                f" {verdict} on this estimate"
            )

    print()
    print(
        f"sanity (not a test), fast {pair[0]} / slow {pair[1]}:"
        " net profit of closed trades, closed trades"
    )
    for engine, (profit, count) in sanity.items():
        print(f"  {engine:<16}{profit:>14,.2f}{count:>8}")


if __name__ == "__main__":
    main()
