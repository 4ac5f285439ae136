"""Execution speed: PineOpt's compiled scripts against PyneCore, from the same Pine text.

For every ``scripts/*.pine``, over the bundled BTCUSDT 1h sample (58k bars), each engine is
prepared once, untimed (PineOpt: ``convert`` + ``load``, whose time is printed apart; PyneCore:
pine2pyne transpile + ``.ohlcv`` data, see ``pynecore_engine.py``), then the two are run in
turn, ``--repeat`` times each. Only execution is timed: PineOpt's ``execute`` call (which
includes building its context and the plots DataFrame) and PyneCore's bar loop (which includes
collecting its plots, but not the ``ScriptRunner`` construction). The table prints bars/s of
each and their ratio of medians; the summary prints the median ratio over scripts against the
target (PineOpt >= 5x PyneCore).

Agreement: every plot present in both engines (same title) is compared bar by bar: the largest
absolute difference where both have a value, the bars where only one is ``na``, both over all
bars and after the first 500 (warm-up). Plots differing beyond 1e-6 relative are listed with the
first such bar and both values: a bug in one engine or the other, to investigate.

Cold start: a fresh ``python -m pineopt run`` of a one-plot script over a 500-bar CSV (or, when
that command is missing, a ``python -c`` that converts and runs the same), against the 1.5 s
target, with PyneCore's equivalent beside it.

    .venv/bin/python benchmarks/bench_engines.py [--scripts udt security] [--repeat 3]
        [--bars N] [--no-pynecore]

PyneCore runs ``request.security`` in child processes that re-import this module: all the work
stays under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SCRIPTS_DIR = BENCH_DIR / "scripts"
TARGET_RATIO = 5.0
TARGET_COLD = 1.5
WARMUP = 500
REL_TOL = 1e-6

COLD_SCRIPT = '//@version=6\nindicator("cold start")\nplot(ta.sma(close, 14), "SMA 14")\n'
COLD_CODE = """
import sys
import pandas as pd
from pineopt.compiler import convert, load
from pineopt.data import Timeframe
from pineopt.data.symbol import SymbolInfo
from pineopt.runtime.engine import execute
frame = pd.read_csv({csv!r}, index_col=0)
frame.index = pd.to_datetime(frame.index, utc=True)
text = open({script!r}, encoding="utf-8").read()
module = load(convert(text, "cold.pine"))
result = execute(module, frame, SymbolInfo(ticker="BTCUSDT"), Timeframe.parse("60"))
print(len(result.plots))
"""


# --- PineOpt side ---------------------------------------------------------------------------


def pineopt_prepare(script: Path) -> tuple[Any, float]:
    """Convert and load ``script``: the module and the seconds it took."""
    from pineopt.compiler import convert, load

    started = time.perf_counter()
    conversion = convert(script.read_text(encoding="utf-8"), script.name)
    module = load(conversion)
    return module, time.perf_counter() - started


def pineopt_run(module: Any, dataset: Any) -> tuple[float, pd.DataFrame]:
    """One timed ``execute`` over the dataset: (wall seconds, plots)."""
    from pineopt.runtime.engine import execute

    gc.collect()
    started = time.perf_counter()
    result = execute(module, dataset.frame, dataset.symbol, dataset.timeframe)
    return time.perf_counter() - started, result.plots


# --- agreement ------------------------------------------------------------------------------


def _numeric(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column.astype(object), errors="coerce").astype(float).to_numpy()


def compare_plots(ours: pd.DataFrame, theirs: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per plot title present in both: max |diff| and na-pattern mismatches, over all
    bars and after ``WARMUP``, plus the first bar beyond ``REL_TOL`` relative (if any)."""
    left, right = ours.copy(), theirs.copy()
    left.index = pd.DatetimeIndex(left.index).tz_convert("UTC") if left.index.tz else left.index
    common = left.index.intersection(right.index)
    rows = []
    for title in [c for c in left.columns if c in right.columns]:
        a = _numeric(left.loc[common, title])
        b = _numeric(right.loc[common, title])
        both = ~np.isnan(a) & ~np.isnan(b)
        na_differs = np.isnan(a) != np.isnan(b)
        diff = np.where(both, np.abs(a - b), 0.0)
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-9)
        bad = (diff > REL_TOL * scale) | na_differs
        row: dict[str, Any] = {
            "title": title,
            "bars": len(common),
            "max_abs": float(diff.max()) if len(diff) else 0.0,
            "na_diff": int(na_differs.sum()),
            "max_abs_warm": float(diff[WARMUP:].max()) if len(diff) > WARMUP else 0.0,
            "na_diff_warm": int(na_differs[WARMUP:].sum()),
            "bad": int(bad.sum()),
            "bad_warm": int(bad[WARMUP:].sum()),
            "first_bad": None,
        }
        if bad.any():
            i = int(np.argmax(bad))
            row["first_bad"] = (i, common[i], a[i], b[i])
        rows.append(row)
    only = [c for c in left.columns if c not in right.columns]
    only += [c for c in right.columns if c not in left.columns]
    for title in only:
        where = "PineOpt" if title in left.columns else "PyneCore"
        rows.append({"title": title, "only": where})
    return rows


# --- cold start -----------------------------------------------------------------------------


def _has_run_command() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "pineopt", "run", "--help"], capture_output=True, text=True
    )
    return done.returncode == 0 and "--data" in done.stdout


def cold_start(dataset: Any, workdir: Path, repeat: int) -> dict[str, Any]:
    """Wall time of fresh subprocesses running a one-plot script over 500 bars."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "cold.pine"
    script.write_text(COLD_SCRIPT, encoding="utf-8")
    csv = workdir / "BTCUSDT_60_500.csv"
    frame = dataset.frame.iloc[:500][["open", "high", "low", "close", "volume"]]
    frame.rename_axis("time").to_csv(csv)
    if _has_run_command():
        how = "python -m pineopt run"
        command = [sys.executable, "-m", "pineopt", "run", str(script), "--data", str(csv)]
    else:
        how = "python -c (convert + execute)"
        code = COLD_CODE.format(csv=str(csv), script=str(script))
        command = [sys.executable, "-c", code]
    runs, error = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        runs.append(time.perf_counter() - started)
        if done.returncode != 0:
            error = (done.stderr or done.stdout)[-2000:]
            break
    return {"how": how, "runs": runs, "error": error}


# --- main -----------------------------------------------------------------------------------


def _fmt_rate(bars: int, seconds: float | None) -> str:
    return f"{bars / seconds:,.0f}" if seconds else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scripts", nargs="*", default=None, help="script names (stem), default: all"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine and script")
    parser.add_argument("--bars", type=int, default=0, help="first N bars only (0 = all)")
    parser.add_argument("--no-pynecore", action="store_true", help="PineOpt alone")
    parser.add_argument("--no-cold-start", action="store_true", help="skip the cold start")
    parser.add_argument("--workdir", type=Path, default=None, help="PyneCore's files (temp)")
    args = parser.parse_args(argv)

    import pineopt

    dataset = pineopt.load("BTCUSDT", "1h", provider="sample")
    if args.bars:
        dataset = dataclasses.replace(dataset, frame=dataset.frame.iloc[: args.bars])
    bars = len(dataset.frame)

    scripts = sorted(SCRIPTS_DIR.glob("*.pine"))
    if args.scripts:
        wanted = {Path(name).stem for name in args.scripts}
        scripts = [s for s in scripts if s.stem in wanted]
        missing = wanted - {s.stem for s in scripts}
        if missing:
            parser.error(f"no such script in {SCRIPTS_DIR}: {', '.join(sorted(missing))}")

    use_pyne = not args.no_pynecore
    tmp = tempfile.TemporaryDirectory(prefix="bench_engines_")
    workdir = args.workdir or Path(tmp.name)
    data = None
    if use_pyne:
        sys.path.insert(0, str(BENCH_DIR))
        import pynecore_engine as pyne

        print(pyne.pynecore_version())
        data = pyne.prepare_data(dataset.frame, workdir)
        print(f"PyneCore data: {data.bars} bars written in {data.seconds:.1f}s")

    # Imports and first-use caches of the converter are paid once, here, not by the first script
    warm = workdir / "warm.pine"
    warm.write_text(COLD_SCRIPT, encoding="utf-8")
    pineopt_prepare(warm)

    print(f"BTCUSDT 1h sample, {bars} bars, {args.repeat} alternating runs per engine (median)")
    header = (
        f"{'script':<22}{'convert s':>10}{'PineOpt s':>11}{'bars/s':>10}"
        f"{'PyneCore s':>12}{'bars/s':>9}{'ratio':>8}"
    )
    print(header)
    ratios: list[float] = []
    agreements: dict[str, list[dict[str, Any]]] = {}
    details: list[str] = []
    for script in scripts:
        module, convert_seconds = pineopt_prepare(script)
        prepared = pyne.prepare(script, data, workdir) if use_pyne else None
        ours: list[float] = []
        theirs: list[float] = []
        our_plots = their_plots = None
        error = None
        for _ in range(args.repeat):
            seconds, our_plots = pineopt_run(module, dataset)
            ours.append(seconds)
            if prepared is not None and error is None:
                result = pyne.run_prepared(prepared)
                if result["error"]:
                    error = (
                        f"PyneCore failed at {result['stage']}: "
                        + (result["error"].splitlines()[-1])
                    )
                else:
                    theirs.append(result["seconds"])
                    their_plots = result["plots"]
        a = statistics.median(ours)
        b = statistics.median(theirs) if theirs else None
        ratio = b / a if b else None
        if ratio:
            ratios.append(ratio)
        print(
            f"{script.name:<22}{convert_seconds:>10.3f}{a:>11.3f}{_fmt_rate(bars, a):>10}"
            f"{(f'{b:.3f}' if b else '-'):>12}{_fmt_rate(bars, b):>9}"
            f"{(f'{ratio:.1f}x' if ratio else '-'):>8}"
        )
        details.append(
            f"  {script.name}: PineOpt {' '.join(f'{s:.3f}' for s in ours)}"
            + (f" | PyneCore {' '.join(f'{s:.3f}' for s in theirs)}" if theirs else "")
        )
        if error:
            details.append(f"  {script.name}: {error}")
        if our_plots is not None and their_plots is not None:
            agreements[script.name] = compare_plots(our_plots, their_plots)

    print("runs (s):")
    print("\n".join(details))
    if ratios:
        median_ratio = statistics.median(ratios)
        verdict = "met" if median_ratio >= TARGET_RATIO else "NOT met"
        print(
            f"median ratio over {len(ratios)} scripts: {median_ratio:.1f}x "
            f"(target >= {TARGET_RATIO:.0f}x: {verdict}); "
            f"geometric mean {math.exp(statistics.fmean(map(math.log, ratios))):.1f}x"
        )

    if agreements:
        print(f"\nagreement, PineOpt vs PyneCore (bars >= {WARMUP}: after warm-up)")
        print(
            f"{'script / plot':<40}{'max |diff|':>12}{'na differ':>10}"
            f"{'max |diff| >=500':>18}{'na differ >=500':>16}"
        )
        disagreements = []
        for name, rows in agreements.items():
            compared = next((row["bars"] for row in rows if "bars" in row), bars)
            if compared != bars:
                print(f"{name}: only {compared} of {bars} bar times are common to both")
            for row in rows:
                label = f"{name[:-5]} / {row['title']}"[:39]
                if "only" in row:
                    print(f"{label:<40}  only in {row['only']}")
                    continue
                print(
                    f"{label:<40}{row['max_abs']:>12.3g}{row['na_diff']:>10}"
                    f"{row['max_abs_warm']:>18.3g}{row['na_diff_warm']:>16}"
                )
                if row["first_bad"] is not None:
                    disagreements.append((name, row))
        if disagreements:
            print(f"\nplots differing beyond {REL_TOL:g} relative (or in na):")
            for name, row in disagreements:
                i, when, a, b = row["first_bad"]
                print(
                    f"  {name} / {row['title']}: {row['bad']} bars ({row['bad_warm']} after "
                    f"warm-up); first at bar {i} ({when:%Y-%m-%d %H:%M}): "
                    f"PineOpt {float(a)!r}, PyneCore {float(b)!r}"
                )
        else:
            print(f"\nall common plots agree within {REL_TOL:g} relative, na included")

    if not args.no_cold_start:
        cold = cold_start(dataset, workdir / "cold", args.repeat)
        if cold["error"]:
            print(f"\ncold start ({cold['how']}) FAILED: {cold['error']}")
        else:
            median = statistics.median(cold["runs"])
            verdict = "met" if median <= TARGET_COLD else "NOT met"
            shown = " ".join(f"{s:.2f}" for s in cold["runs"])
            print(
                f"\ncold start, {cold['how']}, 1 plot, 500 bars: {median:.2f}s median "
                f"({shown}); target <= {TARGET_COLD}s: {verdict}"
            )
        if use_pyne:
            theirs = pyne.cold_start(workdir / "cold_pynecore")
            status = "" if theirs["error"] is None else f" FAILED: {theirs['error']}"
            print(
                f"cold start, PyneCore (python -c: import, transpile, 500 bars): "
                f"{theirs['seconds']:.2f}s{status}"
            )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
