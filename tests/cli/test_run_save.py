"""``pineopt run ... --save [NAME] [--database URL]``: the run recorded in a real SQLite store."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from pineopt.cli import main
from pineopt.store import Store
from pineopt.strategy.metrics import to_json

CROSS = (
    "//@version=6\n"
    'strategy("cross", initial_capital=1000, default_qty_type=strategy.fixed, '
    "default_qty_value=2)\n"
    'step = input.int(1, "Step")\n'
    "if close > open\n"
    '    strategy.entry("L", strategy.long)\n'
    "if close < open\n"
    '    strategy.entry("S", strategy.short)\n'
)
SMA = '//@version=6\nindicator("sma")\nplot(ta.sma(close, 3), "SMA")\n'
SAVED = re.compile(r"^saved: backtest (\d+) of strategy '([^']+)' in (\S+)$", re.MULTILINE)


@pytest.fixture
def bars_csv(tmp_path):
    """Five hourly bars of TEST: up, down, up, up, up."""
    path = tmp_path / "TEST_1h.csv"
    path.write_text(
        "time,open,high,low,close,volume\n"
        "2025-03-31T05:15:00Z,10,11,9,10.5,1\n"
        "2025-03-31T06:15:00Z,10.5,11,9,10,1\n"
        "2025-03-31T07:15:00Z,10,12,9,11,1\n"
        "2025-03-31T08:15:00Z,11,12,10,11.5,1\n"
        "2025-03-31T09:15:00Z,11.5,13,11,12.1,1\n"
    )
    return path


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "cross.pine"
    path.write_text(CROSS)
    return path


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store" / "pineopt.db"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_save_records_the_run(capsys, script, bars_csv, db, tmp_path):
    metrics_json = tmp_path / "m.json"
    code, out, err = run(
        capsys,
        "run",
        script,
        "--data",
        bars_csv,
        "--strategy",
        "default_qty_value=3",
        "--metrics",
        metrics_json,
        "--save",
        "--database",
        f"sqlite:///{db}",
    )
    assert (code, err) == (0, "")
    (backtest, name, url), *more = SAVED.findall(out)
    assert not more and name == "cross" and url == f"sqlite:///{db}"
    with Store(db) as store:
        listed = store.backtests()
        assert listed["id"].tolist() == [int(backtest)]
        row = listed.iloc[0]
        assert (row["strategy"], row["symbol"], row["timeframe"], row["provider"]) == (
            "cross",
            "TEST",
            "60",
            "file",
        )
        stats = json.loads(to_json(store.stats(int(backtest))))  # NaN as null, as in the file
        assert stats == json.loads(metrics_json.read_text())
        record = store.backtest(int(backtest))
        assert record["settings"] == {"default_qty_value": "3"}
        assert record["inputs"] == {"Step": 1}
        assert record["start"] == pd.Timestamp("2025-03-31T05:15:00Z")
        assert record["data"]["cache_path"] == str(bars_csv.resolve())
        assert len(store.trades(int(backtest))) == 3
        assert store.strategy("cross")["source"] == CROSS


def test_save_under_a_name_twice_is_one_strategy(capsys, script, bars_csv, db):
    for fast in ("1", "2"):
        code, out, _ = run(
            capsys,
            "run",
            script,
            "--data",
            bars_csv,
            "--input",
            f"Step={fast}",
            "--save",
            "My cross",
            "--database",
            db,
        )
        assert code == 0 and "saved: backtest" in out and "of strategy 'My cross'" in out
    with Store(db) as store:
        assert store.strategies()["name"].tolist() == ["My cross"]
        listed = store.backtests(strategy="My cross")
        assert len(listed) == 2
        assert [store.backtest(i)["inputs"]["Step"] for i in listed["id"]] == [2, 1]


def test_save_uses_the_default_database(capsys, script, bars_csv, db, monkeypatch):
    monkeypatch.setenv("PINEOPT_DATABASE_URL", f"sqlite:///{db}")
    code, out, _ = run(capsys, "run", script, "--data", bars_csv, "--save")
    assert code == 0 and f"in sqlite:///{db}" in out
    with Store(db) as store:
        assert store.count_backtests() == 1


def test_saved_line_goes_to_stderr_when_stdout_carries_csv(capsys, script, bars_csv, db):
    code, out, err = run(
        capsys, "run", script, "--data", bars_csv, "--plots", "-", "--save", "--database", db
    )
    assert code == 0
    assert out.startswith("time\n2025-03-31T05:15:00Z") and "saved" not in out
    assert SAVED.search(err)


def test_save_refuses_indicators_before_running(capsys, tmp_path, bars_csv, db):
    indicator = tmp_path / "sma.pine"
    indicator.write_text(SMA)
    code, out, err = run(capsys, "run", indicator, "--data", bars_csv, "--save", "--database", db)
    assert (code, out) == (1, "")
    assert "--save needs a strategy() script" in err
    assert not db.exists()


def test_database_without_save_is_a_usage_error(capsys, script, bars_csv, db):
    code, _, err = run(capsys, "run", script, "--data", bars_csv, "--database", db)
    assert code == 2 and "--database needs --save" in err


def test_an_unusable_database_fails_after_the_run(capsys, script, bars_csv, tmp_path):
    code, out, err = run(
        capsys, "run", script, "--data", bars_csv, "--save", "--database", "mysql://x/y"
    )
    assert code == 1
    assert "cross: TEST" in out  # the run itself happened and was summarised
    assert err.startswith("pineopt run: error: the run was not saved:")
    assert "Traceback" not in err
