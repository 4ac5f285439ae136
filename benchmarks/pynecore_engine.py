"""PyneCore as a benchmark baseline: run a Pine script in PyneCore over an OHLCV DataFrame.

The Pine text is turned into PyneCore Python by ``opencode-pine2pyne`` and run by PyneCore's
own ``ScriptRunner`` (the engine behind ``pyne run``), in this process. Both come with the
``bench`` extra::

    .venv/bin/pip install -e '.[bench]'

Two steps, so that a timing covers execution only:

* :func:`prepare` does the one-off work: transpiles the script and writes the bars in PyneCore's
  ``.ohlcv`` format with its ``.toml`` symbol information (what ``pyne data convert-from`` does).
* :func:`run_prepared` builds a ``ScriptRunner`` (which imports the script; timed apart as
  ``setup_seconds``) and times the bar loop alone as ``seconds``.

:func:`run_pynecore` does both. No step raises for a script PyneCore cannot take: the result then
carries ``error`` (the text) and ``stage`` (``"convert"``, ``"data"``, ``"setup"`` or ``"run"``).

Run standalone: ``.venv/bin/python benchmarks/pynecore_engine.py [--repeat 3] [scripts...]``.

PyneCore runs each ``request.security`` context in a child process started by ``multiprocessing``
(forkserver), which re-imports the caller's ``__main__``: a calling script must keep its work under
``if __name__ == "__main__":``, or a script with ``request.security`` fails at ``run``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"

# The scripts' own ``.toml`` files (written by PyneCore's script decorator) are of no use here.
os.environ.setdefault("PYNE_SAVE_SCRIPT_TOML", "0")


@dataclass
class PreparedData:
    """Bars written in PyneCore's format: ``<name>.ohlcv`` with its ``<name>.toml`` beside it."""

    ohlcv_path: Path
    toml_path: Path
    bars: int
    seconds: float = 0.0  # time the preparation took (0 when reused)


@dataclass
class Prepared:
    """What :func:`run_prepared` needs; ``error`` is set when a step failed."""

    script_path: Path
    python_path: Path | None
    data: PreparedData | None
    error: str | None = None
    stage: str | None = None
    convert_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _error_text(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[-4000:]


def _period_of(ohlcv: pd.DataFrame) -> str:
    """TradingView period string (``"60"``, ``"240"``, ``"1D"``) of the bars' usual spacing."""
    index = pd.DatetimeIndex(ohlcv.index)
    step = pd.Series(index[1:] - index[:-1]).mode().iloc[0]
    minutes = int(step.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}D"
    return str(minutes)


def _frame_key(ohlcv: pd.DataFrame) -> str:
    digest = hashlib.sha1()
    digest.update(pd.util.hash_pandas_object(ohlcv, index=True).values.tobytes())
    return digest.hexdigest()[:12]


def prepare_data(
    ohlcv: pd.DataFrame,
    workdir: Path,
    *,
    ticker: str = "BTCUSDT",
    prefix: str = "BINANCE",
    mintick: float = 0.01,
    period: str | None = None,
) -> PreparedData:
    """Write ``ohlcv`` (index = bar open time, columns open/high/low/close/volume) for PyneCore.

    Goes through PyneCore's own CSV importer (``DataConverter``), then pins the symbol's tick
    size to ``mintick`` (the importer would guess it from the prices) and converts again so the
    ``.ohlcv`` header carries that grid. Reused when the same bars were already written.
    """
    from pynecore.core.data_converter import DataConverter
    from pynecore.core.syminfo import SymInfo

    started = time.perf_counter()
    period = period or _period_of(ohlcv)
    workdir = Path(workdir)
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{ticker}_{period}_{_frame_key(ohlcv)}"
    csv_path = data_dir / f"{stem}.csv"
    ohlcv_path = csv_path.with_suffix(".ohlcv")
    toml_path = csv_path.with_suffix(".toml")
    if ohlcv_path.exists() and toml_path.exists():
        return PreparedData(ohlcv_path, toml_path, len(ohlcv))

    frame = ohlcv[["open", "high", "low", "close", "volume"]].copy()
    index = pd.DatetimeIndex(frame.index)
    if index.tz is None:
        index = index.tz_localize("UTC")
    frame.insert(0, "timestamp", index.tz_convert("UTC").as_unit("ms").asi8)
    frame.to_csv(csv_path, index=False)

    converter = DataConverter()
    converter.convert_to_ohlcv(csv_path, provider=prefix, symbol=ticker, force=True)
    syminfo = SymInfo.load_toml(toml_path)
    pricescale = round(1.0 / mintick)
    syminfo.mintick = mintick
    syminfo.pricescale = pricescale
    syminfo.minmove = 1
    syminfo.mincontract = min(syminfo.mincontract, 1e-6) if syminfo.mincontract else 1e-6
    syminfo.description = ticker
    syminfo.save_toml(toml_path)
    # An existing .toml is the importer's input: this writes the grid into the .ohlcv header
    converter.convert_to_ohlcv(csv_path, provider=prefix, symbol=ticker, force=True)
    csv_path.unlink()
    return PreparedData(ohlcv_path, toml_path, len(ohlcv), time.perf_counter() - started)


def convert_script(script_path: Path, workdir: Path) -> Path:
    """Transpile a Pine script to PyneCore Python with pine2pyne; the ``.py`` written."""
    from pine2pyne import transpile

    script_path = Path(script_path)
    source = script_path.read_text(encoding="utf-8")
    code = transpile(source)
    if not code.strip():
        raise RuntimeError("pine2pyne produced no output")
    scripts_dir = Path(workdir) / "scripts"
    scripts_dir.mkdir(parents=True, exist_ok=True)
    out = scripts_dir / f"{script_path.stem}.py"
    out.write_text(code, encoding="utf-8")
    return out


def prepare(
    script_path: Path,
    ohlcv: pd.DataFrame | PreparedData,
    workdir: Path,
    **data_options: Any,
) -> Prepared:
    """One-off work before timing: transpile the script and write the bars (see module doc).

    ``ohlcv`` may be a :class:`PreparedData` from an earlier call to reuse the written bars.
    Never raises for a script or data problem: the returned :class:`Prepared` says what failed.
    """
    script_path = Path(script_path)
    prepared = Prepared(script_path, None, None)
    started = time.perf_counter()
    try:
        prepared.python_path = convert_script(script_path, workdir)
    except Exception as exc:  # any transpiler failure is a result
        prepared.error, prepared.stage = _error_text(exc), "convert"
        return prepared
    finally:
        prepared.convert_seconds = time.perf_counter() - started
    try:
        if isinstance(ohlcv, PreparedData):
            prepared.data = ohlcv
        else:
            prepared.data = prepare_data(ohlcv, workdir, **data_options)
    except Exception as exc:
        prepared.error, prepared.stage = _error_text(exc), "data"
    return prepared


def run_prepared(prepared: Prepared, *, collect_plots: bool = True) -> dict[str, Any]:
    """Run a prepared script once over all its bars.

    Returns ``{"engine", "script", "bars", "seconds", "setup_seconds", "plots", "error",
    "stage"}``: ``seconds`` is the bar loop alone, ``setup_seconds`` the ``ScriptRunner``
    construction (PyneCore's import of the script, with its AST transformation). ``plots`` is a
    DataFrame indexed by bar time with one column per plot title (``None`` without
    ``collect_plots`` or on failure; collecting costs a dict read per bar and is inside
    ``seconds``). ``bars`` is the number of bars the loop executed.
    """
    result: dict[str, Any] = {
        "engine": "pynecore",
        "script": prepared.script_path.name,
        "bars": 0,
        "seconds": None,
        "setup_seconds": None,
        "plots": None,
        "error": prepared.error,
        "stage": prepared.stage,
    }
    if prepared.error is not None:
        return result
    assert prepared.python_path is not None and prepared.data is not None

    stage = "setup"
    try:
        from pynecore.core.ohlcv import ChartBarWindow, OHLCVReader
        from pynecore.core.script_runner import ScriptRunner
        from pynecore.core.syminfo import SymInfo

        data = prepared.data
        syminfo = SymInfo.load_toml(data.toml_path)
        gc.collect()
        with OHLCVReader(data.ohlcv_path) as reader:
            start_ts, end_ts = reader.start_timestamp, reader.end_timestamp
            size = reader.get_size(start_ts, end_ts)
            window = ChartBarWindow(reader.path, start_ts, end_ts)
            setup_started = time.perf_counter()
            runner = ScriptRunner(
                prepared.python_path,
                window.bars(),
                syminfo,
                last_bar_index=size - 1,
                last_bar_time=reader.get_last_bar_time(start_ts, end_ts),
                chart_bar_window=window,
                chart_data_path=data.ohlcv_path,
                lossless_volume=reader.lossless_volume,
                lossless_prices=reader.lossless_prices,
            )
            result["setup_seconds"] = time.perf_counter() - setup_started

            stage = "run"
            times: list[int] = []
            columns: dict[str, list[Any]] = {}
            bars = 0
            started = time.perf_counter()
            if collect_plots:
                for item in runner.run_iter(copy_results=False):
                    candle, plot_data = item[0], item[1]
                    times.append(candle.timestamp)
                    for title, value in plot_data.items():
                        column = columns.get(title)
                        if column is None:
                            column = columns[title] = [None] * bars
                        column.append(value)
                    bars += 1
                    for column in columns.values():
                        if len(column) < bars:
                            column.append(None)
            else:
                for _ in runner.run_iter(copy_results=False):
                    bars += 1
            result["seconds"] = time.perf_counter() - started
        result["bars"] = bars
        if collect_plots:
            index = pd.to_datetime(times, unit="ms", utc=True)
            plots = pd.DataFrame(columns, index=index)
            plots.index.name = "time"
            # PyneCore's na is an object of its own: make it NaN
            result["plots"] = plots.apply(pd.to_numeric, errors="coerce")
        result["stage"] = None
    except (Exception, SystemExit) as exc:  # a failing script is a result
        result["error"], result["stage"] = _error_text(exc), stage
    return result


def run_pynecore(
    script_path: Path,
    ohlcv: pd.DataFrame | PreparedData,
    workdir: Path,
    *,
    collect_plots: bool = True,
    **data_options: Any,
) -> dict[str, Any]:
    """Prepare (untimed) and run once; see :func:`run_prepared` for the result."""
    prepared = prepare(script_path, ohlcv, workdir, **data_options)
    return run_prepared(prepared, collect_plots=collect_plots)


def pynecore_version() -> str:
    from importlib.metadata import version

    names = ("pynesys-pynecore", "opencode-pine2pyne")
    return ", ".join(f"{name} {version(name)}" for name in names)


COLD_START_CODE = """
import sys, time
from pathlib import Path
import pandas as pd
sys.path.insert(0, {bench_dir!r})
from pynecore_engine import prepare, run_prepared
bars = pd.read_parquet({parquet!r})
p = prepare(Path({script!r}), bars, Path({workdir!r}))
r = run_prepared(p)
assert r['error'] is None, r['error']
print(r['bars'])
"""


def cold_start(workdir: Path, *, bars: int = 500, script: Path | None = None) -> dict[str, Any]:
    """Wall time of a fresh ``python -c`` that imports PyneCore and pine2pyne, transpiles one
    tiny script, writes ``bars`` bars and runs it: what a user waits for one small run."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    script = script or workdir / "cold_start.pine"
    if not script.exists():
        script.write_text(
            '//@version=6\nindicator("cold start")\nplot(ta.sma(close, 14), "SMA 14")\n',
            encoding="utf-8",
        )
    import pineopt

    frame = pineopt.load("BTCUSDT", "1h", provider="sample").frame.iloc[:bars]
    parquet = workdir / f"cold_start_{bars}.parquet"
    frame.to_parquet(parquet)
    code = COLD_START_CODE.format(
        bench_dir=str(Path(__file__).resolve().parent),
        parquet=str(parquet),
        script=str(script),
        workdir=str(workdir / "cold"),
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "bars": bars,
        "error": None if done.returncode == 0 else (done.stderr or done.stdout)[-4000:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scripts", nargs="*", type=Path, help="Pine scripts (default: scripts/*.pine)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per script (median)")
    parser.add_argument("--workdir", type=Path, default=Path("outputs/bench_pynecore"))
    parser.add_argument("--bars", type=int, default=0, help="first N bars only (0 = all)")
    parser.add_argument("--cold-start", action="store_true", help="also time a cold start")
    args = parser.parse_args(argv)

    import pineopt

    frame = pineopt.load("BTCUSDT", "1h", provider="sample").frame
    if args.bars:
        frame = frame.iloc[: args.bars]
    scripts = args.scripts or sorted(SCRIPTS_DIR.glob("*.pine"))
    print(pynecore_version())
    data = prepare_data(frame, args.workdir)
    print(f"data: {data.bars} bars ({data.ohlcv_path.name}, prepared in {data.seconds:.1f}s)")
    print(f"{'script':<22}{'bars':>8}{'run s (median)':>16}{'bars/s':>10}{'setup s':>9}  runs")
    for script in scripts:
        prepared = prepare(script, data, args.workdir)
        runs = [run_prepared(prepared, collect_plots=True) for _ in range(args.repeat)]
        failed = next((r for r in runs if r["error"]), None)
        if failed:
            first_line = failed["error"].splitlines()[-1] if failed["error"] else ""
            print(f"{script.name:<22} FAILED at {failed['stage']}: {first_line}")
            continue
        seconds = [r["seconds"] for r in runs]
        median = statistics.median(seconds)
        setup = statistics.median(r["setup_seconds"] for r in runs)
        shown = " ".join(f"{s:.2f}" for s in seconds)
        print(
            f"{script.name:<22}{runs[0]['bars']:>8}{median:>16.3f}{runs[0]['bars'] / median:>10.0f}"
            f"{setup:>9.3f}  {shown}"
        )
    if args.cold_start:
        cold = cold_start(args.workdir / "cold_start")
        status = "ok" if cold["error"] is None else f"FAILED: {cold['error']}"
        print(
            f"cold start (python -c, {cold['bars']} bars, tiny script): "
            f"{cold['seconds']:.2f}s {status}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
