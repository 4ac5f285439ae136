"""``pineopt run`` as a whole process: start-up, conversion, reading the CSV, the run, the trades.

For each strategy probe of ``tests/conformance/data/tv_strategies`` named (default: a handful of
kinds), a fresh ``python -m pineopt run PROBE/strategy.pine --data FEED --trades OUT.csv`` is
timed, ``--repeat`` times; with ``--against DIR`` the same command from another checkout (its
folder put first on ``PYTHONPATH``) runs in turn with it, so that both see the same load. The
first run of each fills the converted-module cache (:mod:`pineopt.compiler.cache`) and is not
counted. Printed per probe: the median wall time and the median CPU time (user + system of the
child, steadier than the wall clock on a busy machine) of each, and their ratio.

    .venv/bin/python benchmarks/bench_cli.py [--probes NAME ...] [--repeat 5] [--against DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "conformance" / "data" / "tv_strategies"
PROBES = [
    "ta-keltner-channel-break-01",
    "bracket-atr-trailing-stop-state-01",
    "composite-ies-integration-01",
    "order-dual-stop-open-tie-01",
    "pyramid-flip-stop-pyramiding-2-01",
]


def timed_run(tree: Path, probe: str, feed: Path, out: Path, cache: Path) -> tuple[float, float]:
    """One fresh ``pineopt run`` from ``tree``: (wall seconds, CPU seconds)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "XDG_CACHE_HOME": str(cache)}
    script = CORPUS / "probes" / probe / "strategy.pine"
    command = [sys.executable, "-m", "pineopt", "run", str(script), "--data", str(feed)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--trades", str(out)], env=env, cwd=tree, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{probe} ({tree}): {done.stderr.strip()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", nargs="+", default=PROBES, help="probe names")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per probe and tree")
    parser.add_argument("--against", type=Path, help="another checkout, run in turn")
    args = parser.parse_args(argv)
    trees = {"this": ROOT, **({"other": args.against.resolve()} if args.against else {})}
    feed = next((CORPUS / "data").glob("ohlcv_ETH-USDT-USDT_15m_warmup6m.csv*"))
    print(f"pineopt run, whole process, feed {feed.name}, median of {args.repeat} runs")
    header = f"{'probe':42} {'tree':5} {'wall s':>7} {'cpu s':>7}"
    print(header + ("   other/this (cpu)" if args.against else ""))
    with tempfile.TemporaryDirectory() as work:
        for probe in args.probes:
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            for i in range(args.repeat + 1):
                for name, tree in trees.items():
                    out = Path(work) / f"{name}.csv"
                    timing = timed_run(tree, probe, feed, out, Path(work) / f"cache-{name}")
                    if i:  # the first run fills the conversion cache
                        runs[name].append(timing)
            cpu = {}
            for name in trees:
                wall = statistics.median(w for w, _ in runs[name])
                cpu[name] = statistics.median(c for _, c in runs[name])
                print(f"{probe:42} {name:5} {wall:7.2f} {cpu[name]:7.2f}", end="")
                print(f"   {cpu['other'] / cpu['this']:.2f}x" if name == "other" else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
