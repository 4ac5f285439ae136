"""``pineopt report``: one run, a grid batch, and the exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pineopt.cli import main
from pineopt.cli.report import parse_grid
from pineopt.store import Store

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "rsi_macd_strategy.pine"
INDICATOR = ROOT / "examples" / "bollinger_indicator.pine"


def test_single_run_prints_the_report(tmp_path, capsys):
    code = main(
        [
            "report",
            str(SCRIPT),
            "--data",
            "BTCUSDT_1D",
            "--start",
            "2023-01-01",
            "--input",
            "RSI length=10",
            "--strategy",
            "initial_capital=2000",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    html = Path(captured.out.strip())
    assert html.name == "report.html" and html.is_file()
    assert html.parent.parent == tmp_path
    manifest = json.loads((html.parent / "manifest.json").read_text())
    assert manifest["parameters"]["inputs"] == {"RSI length": "10"}
    assert manifest["parameters"]["strategy"] == {"initial_capital": "2000"}
    assert manifest["data"]["timeframe"] == "1D"
    for name in ("trades.csv", "metrics.json", "plots.csv", "tearsheet.html", "report.ipynb"):
        assert (html.parent / name).is_file(), name


def test_indicator_report(tmp_path, capsys):
    code = main(
        [
            "report",
            str(INDICATOR),
            "--symbol",
            "ETHUSDT",
            "--provider",
            "sample",
            "--timeframe",
            "1D",
            "--start",
            "2024-01-01",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    folder = Path(captured.out.strip()).parent
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["script"]["kind"] == "indicator"
    assert manifest["headline"] == {}
    assert manifest["outputs"]["trades"] is None and manifest["outputs"]["tearsheet"] is None
    assert "Upper" in (folder / "plots.csv").read_text().splitlines()[0]
    assert manifest["data"]["symbol"] == "BINANCE:ETHUSDT"


def test_grid_writes_an_index_and_saves_every_run(tmp_path, capsys):
    db = tmp_path / "store.db"
    code = main(
        [
            "report",
            str(SCRIPT),
            "--data",
            "BTCUSDT_1D",
            "--start",
            "2023-06-01",
            "--grid",
            "symbol=BTCUSDT,ETHUSDT timeframe=1D",
            "--out",
            str(tmp_path),
            "--save",
            "RSI MACD grid",
            "--database",
            str(db),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    index = Path(captured.out.strip())
    assert index.name == "index.html" and index.parent.parent == tmp_path
    assert index.parent.name.startswith("batch-")
    page = index.read_text()
    links = re.findall(r'href="([^"]+/report\.html)"', page)
    assert len(links) == 2
    for link in links:
        assert (index.parent / link).is_file()
    assert "ETHUSDT" in page and "BTCUSDT" in page and "Net profit" in page
    symbols = sorted(
        json.loads(p.read_text())["data"]["symbol"] for p in index.parent.glob("*/manifest.json")
    )
    assert symbols == ["BINANCE:BTCUSDT", "BINANCE:ETHUSDT"]
    assert "report" in captured.err  # the progress bar
    saved = re.findall(
        r"saved: backtest (\d) of strategy 'RSI MACD grid' in sqlite:///", captured.err
    )
    assert saved == ["1", "2"]  # on stderr: stdout holds only the index's path
    with Store(db) as store:
        listed = store.backtests(strategy="RSI MACD grid").sort_values("id")
        assert listed["symbol"].tolist() == ["BTCUSDT", "ETHUSDT"]
        for backtest in listed["id"]:
            folder = Path(store.backtest(backtest)["report_path"])
            assert folder.parent == index.parent and (folder / "report.html").is_file()
            assert store.stats(backtest)["all"]["net_profit"] == pytest.approx(
                json.loads((folder / "metrics.json").read_text())["all"]["net_profit"]
            )


def test_save_refuses_an_indicator_before_running(tmp_path, capsys):
    db = tmp_path / "store.db"
    argv = ["report", str(INDICATOR), "--data", "BTCUSDT_1D", "--out", str(tmp_path / "out")]
    assert main([*argv, "--save", "--database", str(db)]) == 2
    err = capsys.readouterr().err
    assert "save needs a strategy() script; the script declares indicator()" in err
    assert not (tmp_path / "out").exists()  # refused before anything was written
    assert main([*argv, "--database", str(db)]) == 2
    assert "--database needs --save" in capsys.readouterr().err


def test_bad_input_is_a_usage_error(tmp_path, capsys):
    code = main(
        [
            "report",
            str(SCRIPT),
            "--data",
            "BTCUSDT_1D",
            "--start",
            "2024-01-01",
            "--input",
            "No such input=3",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "InputError" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_script_and_data_errors(tmp_path, capsys):
    bad = tmp_path / "bad.pine"
    bad.write_text('//@version=6\nindicator("bad")\nplot(nosuch(close))\n')
    assert main(["report", str(bad), "--data", "BTCUSDT_1D", "--out", str(tmp_path)]) == 1
    assert "bad.pine:3" in capsys.readouterr().err
    code = main(["report", str(SCRIPT), "--data", "NOSUCH_1D", "--out", str(tmp_path)])
    assert code == 1
    assert "pineopt: error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "missing.pine", "--data", "BTCUSDT_1D"],
        ["report", str(SCRIPT)],  # no data
        ["report", str(SCRIPT), "--data", "BTCUSDT_1D", "--symbol", "BTCUSDT"],
        ["report", str(SCRIPT), "--data", "BTCUSDT_1D", "--grid", "colour=red"],
        ["report", str(SCRIPT), "--data", "BTCUSDT_1D", "--grid", "symbol"],
        ["report", str(SCRIPT), "--data", "BTCUSDT_1D", "--input", "novalue"],
    ],
)
def test_usage_errors(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_parse_grid():
    assert parse_grid("symbol=BTCUSDT,ETHUSDT timeframe=1D,4h input.Fast=5") == [
        ("symbol", ["BTCUSDT", "ETHUSDT"]),
        ("timeframe", ["1D", "4h"]),
        ("input.Fast", ["5"]),
    ]
