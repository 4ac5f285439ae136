"""``pineopt compare-tv`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pineopt.cli import main
from pineopt.strategy.compare import write_trades_csv
from pineopt.strategy.tv_trades import read_tv_trades

DATA = Path(__file__).parents[1] / "strategy" / "data"
TV = DATA / "rsi_trades.csv"


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trades() -> pd.DataFrame:
    return read_tv_trades(TV, "America/New_York")


def test_identical_lists_exit_0(tmp_path, capsys, trades):
    ours = tmp_path / "ours.csv"
    write_trades_csv(trades, ours)
    code, out, err = run(capsys, "compare-tv", ours, TV, "--tz", "America/New_York")
    assert code == 0 and err == ""
    assert "all 194 match" in out
    # the export's times carry their own offsets; a negative --tz is spelled with "="
    code, out, _ = run(capsys, "compare-tv", ours, TV, "--tz=-05:00")
    assert code == 0, out


def test_differences_exit_1_with_table_and_json(tmp_path, capsys, trades):
    altered = trades.copy()
    altered.loc[4, "exit_price"] += 0.00001
    altered.loc[7, "profit"] += 0.02
    ours = tmp_path / "ours.csv"
    write_trades_csv(altered, ours)
    table = tmp_path / "table.csv"
    code, out, err = run(capsys, "compare-tv", ours, TV, "--tz", "America/New_York", "--out", table)
    assert code == 1 and err == ""
    assert "192 match, 2 differ" in out
    assert "trade 5: price-diff: exit price 1.13774 vs 1.13773" in out
    assert "trade 8: pnl-diff" in out
    written = pd.read_csv(table)
    assert len(written) == 194
    assert written.loc[4, "status"] == "price-diff" and written.loc[7, "status"] == "pnl-diff"
    assert written.loc[0, "ours_entry_time"] == "2022-01-04T00:00:00Z"

    code, out, _ = run(capsys, "compare-tv", ours, TV, "--tz", "America/New_York", "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["matched"] == 192 and summary["all_match"] is False
    assert summary["first_mismatch"] == {
        "position": 5,
        "status": "price-diff",
        "reason": "exit price 1.13774 vs 1.13773",
    }
    assert [m["position"] for m in summary["mismatches"]] == [5, 8]


def test_tolerances_from_the_command_line(tmp_path, capsys, trades):
    altered = trades.copy()
    altered.loc[7, "profit"] += 0.02
    ours = tmp_path / "ours.csv"
    write_trades_csv(altered, ours)
    code, _, _ = run(capsys, "compare-tv", ours, TV, "--tz", "America/New_York")
    assert code == 1
    code, out, _ = run(
        capsys, "compare-tv", ours, TV, "--tz", "America/New_York", "--pnl-tolerance", "0.05"
    )
    assert code == 0, out


def test_data_errors_exit_1_with_one_line(tmp_path, capsys, trades):
    ours = tmp_path / "ours.csv"
    write_trades_csv(trades, ours)
    code, _, err = run(capsys, "compare-tv", TV, TV, "--tz", "America/New_York")
    assert code == 1
    assert err.startswith("pineopt: error:") and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "compare-tv", ours, ours, "--tz", "America/New_York")
    assert code == 1 and "TradingView" in err
    code, _, err = run(capsys, "compare-tv", ours, TV, "--tz", "Mars/Olympus")
    assert code == 1 and "timezone" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["compare-tv"],
        ["compare-tv", "missing.csv", str(TV), "--tz", "UTC"],
        ["compare-tv", str(TV), str(TV)],  # no --tz
        ["compare-tv", str(TV), str(TV), "--tz", "UTC", "--pnl-tolerance", "-1"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    capsys.readouterr()


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare-tv", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "0 every trade matches" in out and "missing-ours" in out
