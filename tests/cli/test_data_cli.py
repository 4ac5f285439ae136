"""``pineopt data …`` through the real entry point, as a user runs it."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from pineopt.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_the_bundled_samples(capsys):
    code, out, _ = run(capsys, "data", "list", "--provider", "sample")
    assert code == 0
    assert "BTCUSDT" in out and "EURUSD" in out and "2017-08-17T04:00:00Z" in out


def test_list_json(capsys):
    code, out, _ = run(capsys, "data", "list", "--json")
    rows = json.loads(out)
    assert (
        code == 0
        and {"name": "ORCL_1D", "provider": "sample", "symbol": "ORCL", "timeframe": "1D"}.items()
        <= rows[[r["symbol"] for r in rows].index("ORCL")].items()
    )


def test_show_a_sample(capsys):
    code, out, _ = run(
        capsys,
        "data",
        "show",
        "BTCUSDT",
        "-t",
        "1d",
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-10",
        "--rows",
        "2",
    )
    assert code == 0
    assert "BINANCE:BTCUSDT 1D: 10 bars, 2024-01-01T00:00:00Z → 2024-01-10T00:00:00Z" in out
    assert "42283.58" in out  # the 2024-01-01 open
    assert "session 24x7" in out


def test_validate_exit_codes(capsys, tmp_path):
    code, out, _ = run(capsys, "data", "validate", "BTCUSDT", "-t", "60", "--json")
    report = json.loads(out)
    assert code == 0 and report["missing_bars"] == 128 and len(report["gaps"]) == 28
    assert report["placeholders"] == [
        "2017-09-06T16:00:00Z",
        "2019-06-07T21:00:00Z",
        "2021-02-11T03:00:00Z",
        "2023-03-24T12:00:00Z",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "time,open,high,low,close,volume\n2024-01-01,10,9,11,10,1\n2024-01-02,10,11,9,10,1\n"
    )
    code, out, _ = run(capsys, "data", "validate", str(bad), "-t", "1D")
    assert code == 1 and "OHLC inconsistencies: 1" in out and "high < low" in out


def test_errors_are_one_line_and_exit_1(capsys):
    code, _, err = run(capsys, "data", "show", "NOPE")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.startswith(
        "pineopt: error: no bars for NOPE: no file 'NOPE'; no bundled sample 'NOPE'; nothing "
        "cached for 'NOPE' (samples: BTCUSDT_1m, BTCUSDT_1h, BTCUSDT_4h, BTCUSDT_1D, "
    )


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "show"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "frobnicate"])
    assert exit_info.value.code == 2
    assert main([]) == 2


def test_fetch_refuses_a_local_provider(capsys):
    code, _, err = run(capsys, "data", "fetch", "BTCUSDT", "-t", "1D", "--provider", "sample")
    assert code == 1 and "not remote" in err


def test_import_then_load_from_the_cache(capsys, tmp_path):
    index = pd.date_range("2024-02-01", periods=48, freq="h", tz="UTC")
    close = 50 + np.arange(48.0)
    frame = pd.DataFrame(
        {
            "time": index.as_unit("ms").asi8,
            "Open": close,
            "High": close + 1,
            "Low": close - 1,
            "Close": close,
            "Volume": 2.0,
        }
    )
    path = tmp_path / "MYCOIN_1h.csv"
    frame.to_csv(path, index=False)
    cache_dir = tmp_path / "cache"
    code, out, err = run(
        capsys,
        "data",
        "import",
        str(path),
        "--symbol",
        "MYCOIN",
        "--exchange",
        "local",
        "--cache-dir",
        str(cache_dir),
    )
    assert code == 0, err
    assert "imported 48 bars of LOCAL:MYCOIN 60" in out
    assert (cache_dir / "import" / "LOCAL" / "MYCOIN" / "60.parquet").exists()
    code, out, _ = run(capsys, "data", "show", "MYCOIN", "-t", "4h", "--cache-dir", str(cache_dir))
    assert code == 0 and "LOCAL:MYCOIN 240: 12 bars" in out
    code, out, _ = run(capsys, "data", "list", "--provider", "cache", "--cache-dir", str(cache_dir))
    assert "cache:import" in out and "LOCAL:MYCOIN_1h" in out
    code, out, _ = run(capsys, "data", "show", "LOCAL:MYCOIN_1h", "--cache-dir", str(cache_dir))
    assert code == 0 and "LOCAL:MYCOIN 60: 48 bars" in out


def test_console_script_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "pineopt", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.startswith("pineopt ")


def test_validate_reports_every_problem_of_an_unsorted_file(capsys, tmp_path):
    bad = tmp_path / "messy.csv"
    bad.write_text(
        "time,open,high,low,close,volume\n"
        "2024-01-01T00:00Z,10,11,9,10,1\n"
        "2024-01-01T02:00Z,10,11,9,10,1\n"
        "2024-01-01T01:00Z,10,11,9,10,1\n"
        "2024-01-01T02:00Z,10,11,9,10,1\n"
        "2024-01-01T05:00Z,10,11,9,10,1\n"
    )
    code, out, _ = run(capsys, "data", "validate", str(bad), "-t", "60", "--json")
    report = json.loads(out)
    assert code == 1
    assert report["unsorted"] == ["2024-01-01T01:00:00Z"]
    assert report["duplicates"] == ["2024-01-01T02:00:00Z"]
    assert report["gaps"] == [
        {"from": "2024-01-01T03:00:00Z", "to": "2024-01-01T04:00:00Z", "missing_bars": 2}
    ]
    assert bad.read_text().count("\n") == 6  # the file is never touched
