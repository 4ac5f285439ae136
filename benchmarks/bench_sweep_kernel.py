"""The kernel of a parameter sweep: one script run many times in one process on the same bars.

``examples/sma_cross_strategy.pine`` on the bundled BTCUSDT 1h sample (58k bars), converted
once, then run (``run_module``: context, loop, broker, trades, equity, metrics) over a grid of
``Fast length`` x ``Slow length`` pairs (fast < slow), with the ATR stop off and on. Two modes,
each in a fresh process so that neither warms the other:

* ``--mode before``: the loop on every bar (``Context._event_bars = False``) and no results
  shared between runs (``shared.enabled = False``): what a run cost before either existed;
* ``--mode after`` (the default): both on.

It prints the median seconds per run for three pairs (10/50, 50/200, 20/100, each repeated)
and for a sample of the grid, twice: the first pass computes each new length's averages, the
second finds them shared, as most runs of a long sweep do (a 1,000-set grid has a few dozen
distinct lengths). The projection for 1,000 sets on 2 processes is the per-run median x 1,000
/ 2; the sweep's own overheads (scheduling, collecting results) are not counted: the full
sweep benchmark measures those.

    .venv/bin/python benchmarks/bench_sweep_kernel.py [--mode before|after|both] [--runs N]
        [--repeat 5]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "sma_cross_strategy.pine"
PAIRS = [(10, 50), (50, 200), (20, 100)]
FAST = range(5, 55, 5)
SLOW = range(20, 210, 10)


def grid(stop: bool) -> list[dict]:
    """The grid of a sweep: every fast < slow pair of ``FAST`` x ``SLOW``."""
    return [
        {"Fast length": f, "Slow length": s, "ATR stop": stop}
        for f, s in itertools.product(FAST, SLOW)
        if f < s
    ]


def measure(mode: str, runs: int, repeat: int) -> None:
    import pineopt
    from pineopt.api import _module
    from pineopt.runtime import shared
    from pineopt.runtime.engine import Context
    from pineopt.runtime.standalone import prepare, run_module

    Context._event_bars = shared.enabled = mode == "after"
    data = pineopt.load("BTCUSDT", "1h", provider="sample")
    _, module = _module(str(SCRIPT))
    chart = prepare(data)

    def seconds(inputs: dict) -> float:
        started = time.perf_counter()
        run_module(module, chart, inputs=inputs)
        return time.perf_counter() - started

    print(f"mode {mode}: {len(chart.frame)} bars")
    for stop in (False, True):
        for fast, slow in PAIRS:
            inputs = {"Fast length": fast, "Slow length": slow, "ATR stop": stop}
            times = [seconds(inputs) for _ in range(repeat)]
            print(
                f"  ATR stop {'on ' if stop else 'off'} {fast:>3}/{slow:<3} "
                f"median {statistics.median(times):.3f} s  (runs: "
                + ", ".join(f"{t:.3f}" for t in times)
                + ")"
            )
        every = grid(stop)
        sets = every[:: max(1, len(every) // runs)][:runs]  # spread over the grid
        for label in ("first pass", "again"):
            times = [seconds(inputs) for inputs in sets]
            per_run = statistics.median(times)
            print(
                f"  ATR stop {'on ' if stop else 'off'} grid of {len(sets)}, {label}: "
                f"{sum(times):.1f} s, median {per_run:.3f} s/run -> 1,000 sets on 2 "
                f"processes ~ {per_run * 1000 / 2:.0f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["before", "after", "both"], default="after")
    parser.add_argument("--runs", type=int, default=60, help="grid sets timed per ATR setting")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each of the three pairs")
    args = parser.parse_args()
    if args.mode != "both":
        measure(args.mode, args.runs, args.repeat)
        return
    for mode in ("before", "after"):
        command = [sys.argv[0], "--mode", mode, "--runs", str(args.runs)]
        subprocess.run(
            [sys.executable, *command, "--repeat", str(args.repeat)], check=True, cwd=ROOT
        )


if __name__ == "__main__":
    main()
