"""``pineopt run`` as a whole process: start-up, conversion, reading the CSV, the run, the trades.

For each strategy probe of ``tests/conformance/data/tv_strategies`` named (default: a handful of
kinds), a fresh ``python -m pineopt run PROBE/strategy.pine --data FEED --trades OUT.csv`` is
timed, ``--repeat`` times, in turn with the other commands compared, so that all see the same
load:

* ``--against DIR``: the same command from another checkout (its folder first on
  ``PYTHONPATH``);
* ``--pynecore`` (the ``bench`` extra, ``pynesys-pynecore[cli]``): PyneCore's own whole
  process, ``pyne run SCRIPT.py FEED.csv`` in a private work folder, on the script pine2pyne
  transpiled from the same Pine (once, untimed: PyneCore's way to run Pine without its
  compilation service) and the same bars; it writes its plots, strategy statistics and trade
  list, as ``pineopt run`` writes its trade list.

The first run of each command is not counted: it fills PineOpt's converted-module cache
(:mod:`pineopt.compiler.cache`), PyneCore's ``.ohlcv`` conversion of the CSV and both byte-code
caches (kept in the work folder even where ``PYTHONDONTWRITEBYTECODE`` is set, as they are on a
user's machine). Printed per
probe: the median wall time and the median CPU time (user + system of the child, steadier than
the wall clock on a busy machine) of each command and the ratios to this checkout; then the
median and the smallest of the PyneCore ratios over the probes.

    .venv/bin/python benchmarks/bench_cli.py [--probes NAME ...] [--repeat 5] [--against DIR] \
        [--pynecore]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shutil
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


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run ``command`` to the end: (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:4])}: {(done.stderr or done.stdout)[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def environment(work: Path, **extra: str) -> dict[str, str]:
    """This process's environment with byte code kept (in the work folder), as on a user's
    machine: an environment that sets ``PYTHONDONTWRITEBYTECODE`` makes every process compile
    every module it imports, PineOpt's, PyneCore's and pandas' alike."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(work / "pycache"), **extra}


def pineopt_command(tree: Path, probe: str, feed: Path, work: Path, name: str):
    """The ``pineopt run`` of ``probe`` from the checkout ``tree``: (command, env, cwd)."""
    env = environment(work, PYTHONPATH=str(tree), XDG_CACHE_HOME=str(work / f"cache-{name}"))
    script = CORPUS / "probes" / probe / "strategy.pine"
    command = [sys.executable, "-m", "pineopt", "run", str(script), "--data", str(feed)]
    return [*command, "--trades", str(work / f"{name}.csv")], env, tree


def pynecore_command(probe: str, feed: Path, work: Path):
    """PyneCore's ``pyne run`` of ``probe`` (transpiled here once): (command, env, cwd), or
    None when pine2pyne cannot transpile the script."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pynecore_engine import convert_script

    workdir = work / "pyne" / "workdir"
    data = workdir / "data" / "bars.csv"
    if not data.exists():
        for folder in ("data", "scripts", "output", "config"):
            (workdir / folder).mkdir(parents=True, exist_ok=True)
        with gzip.open(feed, "rb") as source, data.open("wb") as target:
            shutil.copyfileobj(source, target)
    try:
        script = convert_script(CORPUS / "probes" / probe / "strategy.pine", workdir)
    except Exception as exc:  # any transpiler failure: the probe is left out
        print(f"{probe}: pine2pyne cannot transpile it ({exc}); PyneCore left out")
        return None
    pyne = Path(sys.executable).with_name("pyne")
    command = [str(pyne), "-w", str(workdir), "run", script.name, data.name]
    return command, environment(work), workdir.parent


FLOOR = {
    "python": "pass",
    "python + numpy": "import numpy",
    "python + pandas": "import pandas",
}
"""Processes that only start (and import): the floor under any whole-process time."""


def startup_floor(work: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """The median (wall, CPU) seconds of each :data:`FLOOR` process, byte code kept as for
    the commands compared."""
    env = environment(work)
    medians = {}
    for name, code in FLOOR.items():
        command = [sys.executable, "-c", code]
        runs = [timed(command, env, work) for i in range(repeat + 1)][1:]
        medians[name] = (
            statistics.median(w for w, _ in runs),
            statistics.median(c for _, c in runs),
        )
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", nargs="+", default=PROBES, help="probe names")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per probe and command")
    parser.add_argument("--against", type=Path, help="another checkout, run in turn")
    parser.add_argument("--pynecore", action="store_true", help="also time PyneCore's pyne run")
    args = parser.parse_args(argv)
    feed = next((CORPUS / "data").glob("ohlcv_ETH-USDT-USDT_15m_warmup6m.csv*"))
    print(f"whole processes, feed {feed.name}, median of {args.repeat} runs")
    print(f"{'probe':42} {'command':8} {'wall s':>7} {'cpu s':>7} {'x this (wall, cpu)':>19}")
    ratios: list[tuple[float, float]] = []
    needed: list[float] = []  # PyneCore's wall / 5: the most PineOpt may take for 5x
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for probe in args.probes:
            commands = {"this": pineopt_command(ROOT, probe, feed, work, "this")}
            if args.against:
                commands["other"] = pineopt_command(args.against.resolve(), probe, feed, work, "o")
            if args.pynecore:
                pyne = pynecore_command(probe, feed, work)
                if pyne is not None:
                    commands["pynecore"] = pyne
            runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
            for i in range(args.repeat + 1):
                for name, (command, env, cwd) in commands.items():
                    timing = timed(command, env, cwd)
                    if i:  # the first run fills the caches
                        runs[name].append(timing)
            medians = {
                name: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
                for name, r in runs.items()
            }
            for name, (wall, cpu) in medians.items():
                line = f"{probe:42} {name:8} {wall:7.2f} {cpu:7.2f}"
                if name != "this":
                    ratio = (wall / medians["this"][0], cpu / medians["this"][1])
                    line += f" {ratio[0]:8.2f}x {ratio[1]:8.2f}x"
                    if name == "pynecore":
                        ratios.append(ratio)
                        needed.append(wall / 5)
                print(line, flush=True)
        floor = startup_floor(work, args.repeat) if ratios else {}
    if ratios:
        walls, cpus = [w for w, _ in ratios], [c for _, c in ratios]
        print(
            f"PyneCore / PineOpt over {len(ratios)} probes: "
            f"wall median {statistics.median(walls):.2f}x (smallest {min(walls):.2f}x), "
            f"CPU median {statistics.median(cpus):.2f}x (smallest {min(cpus):.2f}x)"
        )
        print(
            f"5x PyneCore's wall leaves PineOpt {statistics.median(needed):.2f} s on the median "
            f"probe ({min(needed):.2f}-{max(needed):.2f} s); processes that only start:"
        )
        for name, (wall, cpu) in floor.items():
            print(f"  {name:16} wall {wall:5.2f} s  cpu {cpu:5.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
