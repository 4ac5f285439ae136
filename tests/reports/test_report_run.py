"""The report pipeline: papermill runs of notebooks/report.ipynb on 3,000 BTCUSDT hourly bars."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.api import ConversionError
from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.resolver import resolve_data
from pineopt.data.timeframe import Timeframe
from pineopt.errors import PineOptError, PineRuntimeError
from pineopt.reports import run as report_run
from pineopt.reports.run import ReportError, fingerprint, monthly_returns, run_report
from pineopt.store import Store, StoreError
from pineopt.strategy.compare import write_trades_csv
from pineopt.strategy.metrics import to_json

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "sma_cross_strategy.pine"
START, END = "2023-12-12T11:00:00Z", "2024-04-15T10:00:00Z"
INPUTS = {"Fast length": 20, "Slow length": 60}
STRATEGY = {"initial_capital": 5000}
FILES = ("report.ipynb", "report.html", "tearsheet.html", "trades.csv", "metrics.json")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """The SQLite file the second run of :func:`runs` is saved in."""
    return tmp_path_factory.mktemp("store") / "pineopt.db"


@pytest.fixture(scope="module")
def runs(tmp_path_factory, database):
    """The same report twice; the second is saved in the store as well."""
    out = tmp_path_factory.mktemp("reports")
    first = run_report(
        SCRIPT,
        "BTCUSDT_1h",
        start=START,
        end=END,
        inputs=INPUTS,
        strategy=STRATEGY,
        out=out,
        progress=False,
    )
    second = run_report(
        str(SCRIPT),
        "BTCUSDT_1h",
        start=START,
        end=END,
        inputs=INPUTS,
        strategy=STRATEGY,
        out=out,
        progress=False,
        save="SMA report",
        store=f"sqlite:///{database}",
    )
    return out, first, second


def test_run_folder_and_manifest(runs):
    out, run, _ = runs
    assert run.directory.parent == out
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?", run.run_id)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary folder left
    manifest = json.loads((run.directory / "manifest.json").read_text())
    assert manifest == run.manifest
    assert manifest["run_id"] == run.run_id == run.directory.name
    assert manifest["script"]["sha256"] == pineopt.api._digest(SCRIPT.read_bytes())
    assert manifest["script"]["kind"] == "strategy"
    assert manifest["script"]["title"] == "SMA cross"
    bars = resolve_data("BTCUSDT_1h", start=START, end=END).frame
    assert len(bars) == 3000
    assert manifest["data"] == {
        "source": "BTCUSDT_1h",
        "symbol": "BINANCE:BTCUSDT",
        "timeframe": "60",
        **fingerprint(bars),
    }
    assert manifest["data"]["bars"] == 3000
    assert manifest["parameters"]["inputs"] == INPUTS
    assert manifest["parameters"]["strategy"] == STRATEGY
    assert set(manifest["versions"]) == {
        "pineopt",
        "numpy",
        "pandas",
        "papermill",
        "quantstats",
        "bokeh",
    }
    assert manifest["versions"]["pineopt"] == pineopt.__version__
    assert set(manifest["timings"]) == {"prepare", "execute", "export", "write", "total"}
    for name, relative in manifest["outputs"].items():
        assert relative, name
        assert (run.directory / relative).is_file(), name
    for name in FILES:
        assert (run.directory / name).stat().st_size > 0


def test_outputs_match_a_direct_run(runs):
    _, run, _ = runs
    bars = resolve_data("BTCUSDT_1h", start=START, end=END)
    result = pineopt.run(SCRIPT, bars, inputs=INPUTS, strategy=STRATEGY)
    assert (run.directory / "trades.csv").read_text() == write_trades_csv(result.trades)
    assert (run.directory / "metrics.json").read_text() == to_json(result.metrics) + "\n"
    metrics = json.loads((run.directory / "metrics.json").read_text())
    assert run.headline["net_profit"] == pytest.approx(metrics["all"]["net_profit"])
    assert run.headline["total_closed_trades"] == metrics["all"]["total_closed_trades"]
    plots = pd.read_csv(run.directory / "plots.csv")
    assert len(plots) == 3000
    assert {"Fast SMA", "Slow SMA"} <= set(plots.columns)


def test_html_report(runs):
    _, run, _ = runs
    page = run.html.read_text()
    for heading in (
        "Conversion summary",
        "Performance summary",
        "Trades",
        "Equity and drawdown",
        "Monthly returns",
        "QuantStats tear sheet",
        "Market regimes",
    ):
        assert heading in page, heading
    assert 'href="tearsheet.html"' in page
    assert re.search(r"<img [^>]*src=\"data:image/png;base64,", page)  # embedded figure
    assert "Bokeh" in page  # BokehJS inlined
    assert not re.search(r"<script\s+src=\"https?://", page)  # nothing loaded from a CDN
    assert "<title>SMA cross · PineOpt report</title>" in page
    notebook = json.loads(run.notebook.read_text())
    errors = [
        output
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    assert "<html" in run.tearsheet.read_text()[:2000]


def test_reproducible(runs):
    _, first, second = runs
    assert first.run_id != second.run_id
    one, two = dict(first.manifest), dict(second.manifest)
    for manifest in (one, two):
        manifest.pop("run_id")
        manifest.pop("timings")
    assert one == two
    for name in ("trades.csv", "metrics.json", "plots.csv"):
        assert (first.directory / name).read_bytes() == (second.directory / name).read_bytes()


def test_saved_run_is_the_reports(runs, database):
    _, first, second = runs
    assert first.backtest_id is None and second.backtest_id == 1
    with Store(database) as store:
        record = store.backtest(1)
        assert record["strategy"] == "SMA report" and record["status"] == "done"
        assert record["report_path"] == str(second.directory)
        assert (record["symbol"], record["exchange"], record["timeframe"]) == (
            "BTCUSDT",
            "BINANCE",
            "60",
        )
        assert record["data"]["fingerprint"] == second.manifest["data"]["sha256"]
        assert record["settings"] == STRATEGY
        assert {k: record["inputs"][k] for k in INPUTS} == INPUTS
        assert to_json(store.stats(1)) + "\n" == (second.directory / "metrics.json").read_text()
        trades = (second.directory / "trades.csv").read_text()
        assert write_trades_csv(store.trades(1)) == trades
        assert store.strategy("SMA report")["source"] == SCRIPT.read_text()


def test_save_refuses_an_indicator_and_an_unusable_database(tmp_path):
    indicator = ROOT / "examples" / "bollinger_indicator.pine"
    with pytest.raises(ReportError, match=r"declares indicator\(\)") as refused:
        run_report(indicator, "BTCUSDT_1D", out=tmp_path / "a", progress=False, save=True)
    assert refused.value.usage and not (tmp_path / "a").exists()
    with pytest.raises(StoreError, match="mysql"):
        run_report(
            SCRIPT, "BTCUSDT_1D", out=tmp_path / "b", progress=False, save=True, store="mysql://x"
        )
    assert not list((tmp_path / "b").iterdir())  # failed before the notebook, nothing left


def test_conversion_error_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.pine"
    bad.write_text('//@version=6\nindicator("bad")\nplot(nosuch(close))\n')
    with pytest.raises(ConversionError):
        run_report(bad, "BTCUSDT_1D", out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_runtime_error_is_located_in_the_script_and_leaves_nothing(tmp_path):
    spin = tmp_path / "spin.pine"
    spin.write_text(
        '//@version=6\nindicator("spin")\nx = 0\n'
        "if bar_index == 2\n    while true\n        x += 1\nplot(x)\n"
    )
    with pytest.raises(PineRuntimeError) as info:
        run_report(spin, "BTCUSDT_1D", start="2024-01-01", out=tmp_path / "out", progress=False)
    message = str(info.value)
    assert message.startswith(f"{spin}:5:5: error: Loop is too long (> 500 ms) (bar 2, 2024-01-03")
    assert message.endswith("    while true\n    ^^^^^^^^^^") and info.value.pine_line == 5
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_fingerprint_sensitive_to_values_and_times():
    frame = resolve_data("BTCUSDT_1D", start="2024-04-01").frame
    base = fingerprint(frame)
    assert base["bars"] == len(frame) and base["first"] == "2024-04-01T00:00:00Z"
    changed = frame.copy()
    changed.iloc[3, changed.columns.get_loc("close")] += 0.01
    assert fingerprint(changed)["sha256"] != base["sha256"]
    shifted = frame.copy()
    shifted.index = shifted.index + pd.Timedelta(hours=1)
    assert fingerprint(shifted)["sha256"] != base["sha256"]
    assert fingerprint(frame.copy())["sha256"] == base["sha256"]


def test_monthly_returns():
    index = pd.to_datetime(
        ["2024-01-15", "2024-01-31", "2024-02-10", "2024-02-29", "2024-03-05"], utc=True
    )
    equity = pd.DataFrame({"equity": [100.0, 110.0, 99.0, 121.0, 133.1]}, index=index)
    table = monthly_returns(equity, initial_capital=100)
    assert table.loc[2024, "Jan"] == pytest.approx(10.0)
    assert table.loc[2024, "Feb"] == pytest.approx(10.0)
    assert table.loc[2024, "Mar"] == pytest.approx(10.0)
    assert pd.isna(table.loc[2024, "Apr"])
    assert table.loc[2024, "Year"] == pytest.approx(33.1)


def test_headline_and_missing_notebook(tmp_path):
    assert report_run.headline(None) == {}
    assert report_run.headline({"all": {"net_profit": 1.0}})["net_profit"] == 1.0
    with pytest.raises(PineOptError, match="notebook is missing"):
        run_report(SCRIPT, "BTCUSDT_1D", notebook=tmp_path / "none.ipynb", out=tmp_path)


def test_run_folder_name_taken(tmp_path):
    (tmp_path / "RUN").mkdir()
    (tmp_path / "RUN" / "x").write_text("older run")
    work = tmp_path / ".RUN.tmp"
    work.mkdir()
    manifest = {"run_id": "RUN"}
    target = report_run._move_into_place(work, tmp_path, "RUN", manifest)
    assert target == tmp_path / "RUN-2" and not work.exists()
    assert json.loads((target / "manifest.json").read_text())["run_id"] == "RUN-2"
    assert (tmp_path / "RUN" / "x").read_text() == "older run"


def test_pine_text_and_dataframe(tmp_path):
    frame = resolve_data("ETHUSDT_1D", start="2023-06-01", end="2024-03-31").frame
    text = (ROOT / "examples" / "rsi_macd_strategy.pine").read_text()
    store = Store(tmp_path / "pineopt.db")
    run = run_report(
        text, frame, timeframe="1D", out=tmp_path, progress=False, save=True, store=store
    )
    manifest = run.manifest
    assert manifest["data"]["source"] == "<DataFrame>"
    assert manifest["data"]["sha256"] == fingerprint(frame)["sha256"]
    assert manifest["parameters"]["script"] is None
    assert (run.directory / manifest["outputs"]["script"]).read_text() == text
    assert (run.directory / manifest["outputs"]["data"]).is_file()
    assert manifest["script"]["title"] == "RSI + MACD"
    direct = pineopt.run(text, frame, timeframe="1D")
    assert (run.directory / "trades.csv").read_text() == write_trades_csv(direct.trades)
    # saved under the script's title, with the caller's store left open
    assert store.backtests()["strategy"].tolist() == ["RSI + MACD"]
    assert write_trades_csv(store.trades(run.backtest_id)) == write_trades_csv(direct.trades)
    assert store.backtest(run.backtest_id)["timeframe"] == "1D"
    store.close()


def test_a_cached_series_by_name(tmp_path, monkeypatch):
    """A series of the default cache (``outputs/datasets`` under the working folder) is found
    by the notebook too, although its kernel runs in the run folder."""
    monkeypatch.delenv("PINEOPT_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    bars = resolve_data("ETHUSDT_1D", start="2023-01-01", end="2023-12-31").frame
    key = CacheKey("ccxt", "kraken", "ETH/USD", Timeframe.parse("1D"))
    ParquetCache(tmp_path / "outputs" / "datasets").store(key, bars)
    run = run_report(SCRIPT, "kraken:ETH/USD_1D", out=tmp_path / "reports", progress=False)
    assert run.manifest["data"]["source"] == "kraken:ETH/USD_1D"
    assert run.manifest["data"]["bars"] == 365
    direct = pineopt.run(SCRIPT, "kraken:ETH/USD_1D")
    assert run.headline["net_profit"] == direct.metrics["all"]["net_profit"]


def _work_folder(root: Path, host: str, pid: int) -> Path:
    folder = root / f".20261207T000000Z-0123abcd.{host}-{pid}.k3j2.tmp"
    folder.mkdir(parents=True)
    (folder / "report.ipynb").write_text("{}")
    return folder


def test_abandoned_work_folders_of_this_host_are_removed(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid names a process that is no more
    host = report_run._HOST
    other_host = "0" * 8 if host != "0" * 8 else "1" * 8
    dead = _work_folder(tmp_path, host, gone.pid)
    live = _work_folder(tmp_path, host, os.getpid())
    elsewhere = _work_folder(tmp_path, other_host, gone.pid)
    foreign = tmp_path / ".notes.tmp"
    foreign.mkdir()
    assert report_run.remove_abandoned(tmp_path) == [dead]
    assert not dead.exists() and live.is_dir() and elsewhere.is_dir() and foreign.is_dir()


def test_a_killed_report_leaves_a_folder_the_next_run_removes(tmp_path):
    """The real case: a report process killed mid-run (a Dask worker lost) cannot clean up;
    its work folder carries its host and pid, so the next report into the same place removes
    it."""
    out = tmp_path / "out"
    code = (
        "from pineopt.reports.run import run_report\n"
        f"run_report({str(SCRIPT)!r}, 'BTCUSDT_1D', out={str(out)!r}, progress=False)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(".*.tmp")) and child.poll() is None:
            assert time.monotonic() < deadline, "the report never started its work folder"
            time.sleep(0.02)
    finally:
        child.kill()
        child.wait()
    (left,) = out.glob(".*.tmp")
    assert report_run.remove_abandoned(out) == [left]
    assert not list(out.glob(".*.tmp"))
