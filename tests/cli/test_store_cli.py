"""``pineopt db | strategies | backtests`` through the real entry point, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pineopt
from pineopt.cli import main
from pineopt.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sma_cross_strategy.pine"


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exit:  # argparse's usage errors
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def runs():
    bars = pineopt.load("BTCUSDT", "1h", provider="sample").between("2024-01-01", "2024-02-01")
    source = EXAMPLE.read_text()
    return pineopt.run(source, bars), pineopt.run(source, bars, inputs={"Fast length": 20})


def test_db_info_and_upgrade(capsys, database_url):
    code, out, _ = run(capsys, "db", "info", "--database", database_url)
    assert code == 0 and "revision: none (empty: `pineopt db upgrade` creates the schema)" in out
    code, out, _ = run(capsys, "db", "upgrade", "--database", database_url)
    assert code == 0 and "revision 0001 (upgraded from empty)" in out
    code, out, _ = run(capsys, "db", "upgrade", "--database", database_url)
    assert "(up to date)" in out
    code, out, _ = run(capsys, "db", "info", "--database", database_url, "--json")
    info = json.loads(out)
    assert code == 0 and info["revision"] == info["head"] and info["tables"]["strategies"] == 0


def test_add_list_show_remove_strategies(capsys, database_url, tmp_path):
    db = ("--database", database_url)
    code, out, _ = run(
        capsys, "strategies", "add", str(EXAMPLE), "--tag", "trend", "--author", "me", *db
    )
    assert code == 0 and out.strip() == "saved strategy 1: SMA cross (pine, valid, 4 inputs)"
    code, _, err = run(capsys, "strategies", "add", str(EXAMPLE), *db)
    assert code == 1 and "already exists (id 1)" in err and "--replace" in err
    code, out, _ = run(capsys, "strategies", "add", str(EXAMPLE), "--replace", *db)
    assert code == 0 and "saved strategy 1" in out
    code, out, _ = run(capsys, "strategies", "add", str(EXAMPLE), "--name", "Copy", *db)
    assert "saved strategy 2: Copy" in out

    code, out, _ = run(capsys, "strategies", "list", *db)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["id", "name", "language"]
    assert "Copy" in lines[1] and "SMA cross" in lines[2] and "trend" in lines[2]
    code, out, _ = run(capsys, "strategies", "list", "--tag", "trend", "--json", *db)
    assert [row["name"] for row in json.loads(out)] == ["SMA cross"]
    code, out, _ = run(capsys, "strategies", "list", "--limit", "1", *db)
    assert "(1 of 2 shown: --limit 2 shows all)" in out
    code, out, _ = run(capsys, "strategies", "list", "--search", "nothing", *db)
    assert out.strip() == "no strategies match"

    code, out, _ = run(capsys, "strategies", "show", "SMA cross", *db)
    assert code == 0 and "strategy 1: SMA cross (pine)" in out and "Fast length" in out
    code, out, _ = run(capsys, "strategies", "show", "1", "--source", *db)
    assert out == EXAMPLE.read_text()
    code, out, _ = run(capsys, "strategies", "show", "2", "--json", *db)
    assert json.loads(out)["name"] == "Copy" and json.loads(out)["backtests"] == 0
    code, _, err = run(capsys, "strategies", "show", "Nope", *db)
    assert code == 1 and err.strip() == "pineopt: error: no strategy named 'Nope'"

    code, out, _ = run(capsys, "strategies", "rm", "Copy", *db)
    assert code == 0 and out.strip() == "deleted strategy 2: Copy and 0 backtests"
    code, _, err = run(capsys, "strategies", "rm", "2", *db)
    assert code == 1 and "no strategy named '2'" in err


def test_add_refuses_invalid_pine_with_its_diagnostics(capsys, database_url, tmp_path):
    broken = tmp_path / "broken.pine"
    broken.write_text('//@version=6\nstrategy("b")\nx = ta.sma(close, 14\n')
    code, out, err = run(capsys, "strategies", "add", str(broken), "--database", database_url)
    assert code == 1 and out == ""
    assert f"{broken}:3:11: error:" in err and "^" in err
    assert err.strip().endswith(f"{broken} was not saved")
    code, _, err = run(capsys, "strategies", "add", str(tmp_path / "missing.pine"))
    assert code == 2 and "no such file" in err


def test_backtests_list_show_compare(capsys, database_url, runs):
    with Store(database_url) as store:
        first, second = (store.record(result) for result in runs)
        store.save_strategy(EXAMPLE, name="Queued one")
        queued = store.create_backtest("Queued one", symbol="ETHUSDT", timeframe="4h")
    db = ("--database", database_url)
    code, out, _ = run(capsys, "backtests", "list", *db)
    lines = out.splitlines()
    assert code == 0 and "net profit" in lines[0]
    assert [int(line.split()[0]) for line in lines[1:]] == [queued, second, first]
    code, out, _ = run(capsys, "backtests", "list", "--strategy", "SMA cross", "--json", *db)
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [second, first] and rows[0]["net_profit"] is not None
    code, out, _ = run(capsys, "backtests", "list", "--status", "queued", *db)
    assert "ETHUSDT" in out and "BTCUSDT" not in out
    code, _, err = run(capsys, "backtests", "list", "--status", "lost", *db)
    assert code == 2 and "invalid choice" in err

    code, out, _ = run(capsys, "backtests", "show", str(first), "--trades", *db)
    assert code == 0 and f"backtest {first}: SMA cross" in out
    assert "data: BINANCE:BTCUSDT 60 from sample, 2024-01-01 → 2024-02-01" in out
    assert "net_profit" in out and "trades (" in out and "entry_time" in out
    code, out, _ = run(capsys, "backtests", "show", str(second), "--json", *db)
    record = json.loads(out)
    assert record["inputs"]["Fast length"] == 20 and record["metrics"]["all"]["net_profit"]
    code, _, err = run(capsys, "backtests", "show", "99", *db)
    assert code == 1 and err.strip() == "pineopt: error: no backtest with id 99"

    code, out, _ = run(capsys, "backtests", "compare", str(first), str(second), *db)
    assert code == 0 and f"#{first} SMA cross" in out and "input: Fast length" in out
    code, out, _ = run(capsys, "backtests", "compare", str(first), str(second), "--json", *db)
    table = json.loads(out)
    assert table[f"#{second} SMA cross"]["input: Fast length"] == 20
    code, _, err = run(capsys, "backtests", "compare", str(first), "0", *db)
    assert code == 2


def test_the_default_database_is_pineopt_database_url(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PINEOPT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    code, out, _ = run(capsys, "strategies", "add", str(EXAMPLE))
    assert code == 0 and (tmp_path / "env.db").exists()
    code, out, _ = run(capsys, "db", "info")
    assert f"database: sqlite:///{tmp_path / 'env.db'} (sqlite)" in out
