"""``pineopt run`` and ``pineopt convert`` through the entry point, per the CLI contract."""

import csv
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from pineopt.cli import main

SMA = '//@version=6\nindicator("sma")\nplot(ta.sma(close, 3), "SMA")\n'
PLOTS = (
    "//@version=6\n"
    'indicator("plots")\n'
    'length = input.int(2, "Length", minval=1)\n'
    'plot(ta.sma(close, length), "MA")\n'
    "plot(close)\n"
    'plotshape(close > open, "up")\n'
    'plot(close / 3, "MA")\n'
)
BAD = '//@version=6\nindicator("bad")\nx = close +* 2\n'
STRATEGY = '//@version=6\nstrategy("s")\nplot(close)\n'
HTF_CLOSE = (
    '//@version=6\nindicator("htf")\n'
    'plot(request.security(syminfo.tickerid, "1D", close[1], lookahead=barmerge.lookahead_on))\n'
)


@pytest.fixture
def write(tmp_path):
    def write(name, content):
        path = tmp_path / name
        path.write_text(content)
        return path

    return write


@pytest.fixture
def bars_csv(tmp_path):
    """Five hourly bars; the second closes below its open."""
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


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def read_rows(path):
    with open(path, newline="") as stream:
        return list(csv.reader(stream))


def test_plots_csv_layout(capsys, write, bars_csv, tmp_path):
    out_csv = tmp_path / "out" / "plots.csv"
    code, out, err = run(
        capsys, "run", write("p.pine", PLOTS), "--data", bars_csv, "--plots", out_csv
    )
    assert (code, out, err) == (0, "", "")
    rows = read_rows(out_csv)
    assert rows[0] == ["time", "MA", "Plot", "up", "MA (2)"]
    assert [r[0] for r in rows[1:]] == [
        "2025-03-31T05:15:00Z",
        "2025-03-31T06:15:00Z",
        "2025-03-31T07:15:00Z",
        "2025-03-31T08:15:00Z",
        "2025-03-31T09:15:00Z",
    ]
    assert rows[1] == ["2025-03-31T05:15:00Z", "", "10.5", "1", repr(10.5 / 3)]
    assert rows[2][1:4] == ["10.25", "10.0", "0"]
    assert rows[5][1] == repr((11.5 + 12.1) / 2)
    assert out_csv.read_bytes().endswith(b"\n") and b"\r" not in out_csv.read_bytes()
    assert [p.name for p in out_csv.parent.iterdir()] == ["plots.csv"]  # no temporary left


def test_input_overrides(capsys, write, bars_csv, tmp_path):
    script = write("p.pine", PLOTS)
    out_csv = tmp_path / "plots.csv"
    for name in ("Length", "length"):
        code, _, err = run(
            capsys, "run", script, "--data", bars_csv, "--input", f"{name}=3", "--plots", out_csv
        )
        assert (code, err) == (0, "")
        assert [r[1] for r in read_rows(out_csv)[1:4]] == ["", "", repr((10.5 + 10 + 11) / 3)]


@pytest.mark.parametrize(
    ("value", "message"),
    [("Nope=1", "no input named 'Nope'"), ("Length=abc", "not a valid int")],
)
def test_bad_input_is_a_usage_error_listing_the_inputs(capsys, write, bars_csv, value, message):
    code, out, err = run(
        capsys, "run", write("p.pine", PLOTS), "--data", bars_csv, "--input", value
    )
    assert code == 2 and out == ""
    assert message in err and "Length / length (int, default 2)" in err
    assert "Traceback" not in err


def test_summary_without_outputs(capsys, write, bars_csv):
    code, out, err = run(capsys, "run", write("s.pine", SMA), "--data", bars_csv)
    assert code == 0 and err == ""
    assert "sma: TEST 60, 5 bars (2025-03-31T05:15:00Z → 2025-03-31T09:15:00Z)" in out
    assert "1 plots" in out and " s" in out


def test_start_end_symbol_and_timeframe(capsys, write, bars_csv, tmp_path):
    script = write(
        "t.pine",
        '//@version=6\nindicator("t")\nplot(hour, "hour")\nplot(syminfo.mintick, "tick")\n'
        'plot(timeframe.in_seconds(timeframe.period), "tf")\n',
    )
    out_csv = tmp_path / "plots.csv"
    argv = ["run", script, "--data", bars_csv, "--start", "2025-03-31T06:15:00Z"]
    argv += ["--end", "2025-03-31T08:00Z", "--timezone", "Europe/Paris", "--mintick", "0.25"]
    code, _, err = run(capsys, *argv, "--timeframe", "30", "--symbol", "X:Y", "--plots", out_csv)
    assert (code, err) == (0, "")
    assert read_rows(out_csv) == [
        ["time", "hour", "tick", "tf"],
        ["2025-03-31T06:15:00Z", "8.0", "0.25", "1800.0"],
        ["2025-03-31T07:15:00Z", "9.0", "0.25", "1800.0"],
    ]


def test_script_errors_exit_1_with_located_diagnostics(capsys, write, bars_csv):
    path = write("bad.pine", BAD)
    code, out, err = run(capsys, "run", path, "--data", bars_csv)
    assert code == 1 and out == ""
    assert err.startswith(f"{path}:3:") and ": error: " in err and "^" in err


def test_runtime_errors_exit_1_at_the_pine_line(capsys, write, bars_csv):
    path = write(
        "oops.pine", '//@version=6\nindicator("o")\na = array.new_float(0)\nplot(array.get(a, 5))\n'
    )
    code, out, err = run(capsys, "run", path, "--data", bars_csv)
    assert code == 1 and out == ""
    assert err.startswith(f"{path}:4:1: error: ") and "out of bounds" in err
    assert "Traceback" not in err


def test_a_runaway_loop_exits_1_at_the_loop_line(capsys, write, bars_csv):
    path = write(
        "spin.pine", '//@version=6\nindicator("s")\nx = 0\nwhile true\n    x += 1\nplot(x)\n'
    )
    code, out, err = run(capsys, "run", path, "--data", bars_csv)
    assert code == 1 and out == ""
    assert err.startswith(f"{path}:4:1: error: Loop is too long (> 500 ms) (bar 0, ")
    assert "while true\n^" in err and "Traceback" not in err


CROSS = (
    "//@version=6\n"
    'strategy("cross", initial_capital=1000, default_qty_type=strategy.fixed, '
    "default_qty_value=2)\n"
    "if close > open\n"
    '    strategy.entry("L", strategy.long)\n'
    "if close < open\n"
    '    strategy.entry("S", strategy.short)\n'
)


def test_strategy_trades_and_metrics(capsys, write, bars_csv, tmp_path):
    trades_csv, metrics_json = tmp_path / "t.csv", tmp_path / "m.json"
    code, out, err = run(
        capsys,
        "run",
        write("s.pine", CROSS),
        "--data",
        bars_csv,
        "--trades",
        trades_csv,
        "--metrics",
        metrics_json,
    )
    assert (code, out, err) == (0, "", "")
    rows = read_rows(trades_csv)
    header = "trade,direction,entry_time,entry_price,entry_signal,exit_time,exit_price,"
    assert rows[0] == (header + "exit_signal,qty,profit,profit_pct,cum_profit,mfe,mae").split(",")
    # bar 0 is up: long at bar 1's open 10.5; bar 1 is down: short at bar 2's open 10 (reversal);
    # bar 2 is up: long at bar 3's open 11, still open at the last close 12.1
    assert [r[1:5] for r in rows[1:]] == [
        ["long", "2025-03-31T06:15:00Z", "10.5", "L"],
        ["short", "2025-03-31T07:15:00Z", "10", "S"],
        ["long", "2025-03-31T08:15:00Z", "11", "L"],
    ]
    assert rows[1][6:10] == ["10", "S", "2", "-1"]
    assert rows[3][5:8] == ["", "", ""]  # still open
    import json

    summary = json.loads(metrics_json.read_text())
    assert set(summary) == {"all", "long", "short"}
    assert summary["all"]["total_closed_trades"] == 2 and summary["all"]["net_profit"] == -3.0


def test_strategy_overrides_and_their_errors(capsys, write, bars_csv, tmp_path):
    script = write("s.pine", CROSS)
    trades_csv = tmp_path / "t.csv"
    code, _, err = run(
        capsys,
        "run",
        script,
        "--data",
        bars_csv,
        "--strategy",
        "default_qty_value=5",
        "--trades",
        trades_csv,
    )
    assert (code, err) == (0, "")
    assert read_rows(trades_csv)[1][8] == "5"
    code, _, err = run(capsys, "run", script, "--data", bars_csv, "--strategy", "nonsense=1")
    assert code == 2 and "unknown strategy parameter 'nonsense'" in err


def test_strategy_outputs_need_a_strategy(capsys, write, bars_csv, tmp_path):
    code, _, err = run(
        capsys, "run", write("s.pine", SMA), "--data", bars_csv, "--trades", tmp_path / "t.csv"
    )
    assert code == 1 and "--trades needs a strategy() script" in err


def test_data_errors_exit_1(capsys, write, bars_csv, tmp_path):
    data = tmp_path / "bars.csv"
    data.write_text(
        "time,open,high,low,close,volume\n"
        "2024-01-01T00:00:00Z,1,2,0,1,1\n"
        "2024-01-01T02:00:00Z,1,2,0,1,1\n"
        "2024-01-01T01:00:00Z,1,2,0,1,1\n"
    )
    code, _, err = run(capsys, "run", write("s.pine", SMA), "--data", data)
    assert code == 1 and "row 3" in err and "Traceback" not in err
    code, _, err = run(
        capsys, "run", write("s.pine", SMA), "--data", bars_csv, "--timezone", "No/X"
    )
    assert code == 1 and "timezone" in err


@pytest.mark.parametrize(
    "extra",
    [
        ["--bogus"],
        ["--input", "novalue"],
        ["--mintick", "abc"],
        ["--htf-data", "1D"],
        ["--htf-data", "1D=/no/such/file.csv"],
    ],
)
def test_usage_errors_exit_2(capsys, write, bars_csv, extra):
    with pytest.raises(SystemExit) as caught:
        main(["run", str(write("s.pine", SMA)), "--data", str(bars_csv), *extra])
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_files_are_usage_errors(capsys, write, bars_csv, tmp_path):
    for argv in (
        ["run", str(tmp_path / "none.pine"), "--data", str(bars_csv)],
        ["run", str(write("s.pine", SMA)), "--data", str(tmp_path / "none.csv")],
        ["run", str(write("s.pine", SMA))],
        ["convert", str(tmp_path / "none.pine")],
    ):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2


def test_htf_data_is_read(capsys, write, bars_csv, tmp_path):
    daily = tmp_path / "daily.csv"
    daily.write_text(
        "time,open,high,low,close,volume\n2025-03-31,10,13,9,12.1,5\n2025-04-01,12,13,11,12,5\n"
    )
    code, _, err = run(
        capsys, "run", write("s.pine", SMA), "--data", bars_csv, "--htf-data", f"1D={daily}"
    )
    assert (code, err) == (0, "")


def test_convert_prints_or_writes_the_module(capsys, write, tmp_path):
    script = write("s.pine", SMA)
    code, out, err = run(capsys, "convert", script)
    assert code == 0 and err == "" and "def script(ctx)" in out
    target = tmp_path / "gen" / "s.py"
    code, out2, err = run(capsys, "convert", script, "-o", target)
    assert (code, out2, err) == (0, "", "")
    assert target.read_text() == out


def test_convert_errors_exit_1(capsys, write, tmp_path):
    path = write("bad.pine", BAD)
    target = tmp_path / "bad.py"
    code, out, err = run(capsys, "convert", path, "-o", target)
    assert code == 1 and out == "" and err.startswith(f"{path}:3:")
    assert not target.exists()


def test_plots_match_the_api(capsys, write, files, tmp_path):
    out_csv = tmp_path / "plots.csv"
    code, _, _ = run(
        capsys, "run", write("s.pine", SMA), "--data", files / "ma.csv", "--plots", out_csv
    )
    assert code == 0
    table = pd.read_csv(out_csv)
    import pineopt

    expected = pineopt.run(SMA, files / "ma.csv").plots["SMA"].to_numpy()
    np.testing.assert_array_equal(table["SMA"].to_numpy(), expected)


def test_the_installed_command(write, bars_csv):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pineopt",
            "run",
            str(write("s.pine", SMA)),
            "--data",
            str(bars_csv),
            "--plots",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "time,SMA"
    assert done.stdout.splitlines()[3] == "2025-03-31T07:15:00Z,10.5"


def test_security_data_feeds_other_symbols(capsys, tmp_path):
    """TradingView's advance/decline ratio export, reproduced through the command line."""
    from pathlib import Path

    data = Path(__file__).parents[1] / "conformance" / "data" / "security"
    script = Path(__file__).parents[1] / "conformance" / "scripts" / "advance_decline_ratio.pine"
    out_csv = tmp_path / "adr.csv"
    code, _, err = run(
        capsys,
        "run",
        script,
        "--data",
        data / "advance_decline_ratio.csv",
        "--syminfo",
        data / "advance_decline_ratio.toml",
        "--security-data",
        f"USI:ADVN.NY={data / 'USI_ADVN_NY.csv'}",
        "--security-data",
        f"USI:DECL.NY:1D={data / 'USI_DECL_NY.csv'}",
        "--plots",
        out_csv,
    )
    assert (code, err) == (0, "")
    ours = pd.read_csv(out_csv)["Plot"].to_numpy()
    tv = pd.read_csv(data / "advance_decline_ratio.csv")["Plot"].to_numpy()
    assert len(ours) == len(tv)
    assert np.isclose(ours, tv, rtol=1e-9).mean() > 0.99  # all but the known half-days


def test_higher_timeframes_are_aggregated_from_before_start(capsys, write, tmp_path):
    """``--start`` drops chart rows, but a request of a higher timeframe still sees them."""
    rows = ["time,open,high,low,close,volume"]
    for hour in range(48):
        price = 100 + hour
        rows.append(
            f"2025-01-01T00:00:00Z,{price},{price},{price},{price},1".replace(
                "T00", f"T{hour % 24:02d}"
            ).replace("01-01", f"01-0{1 + hour // 24}")
        )
    path = tmp_path / "H_1h.csv"
    path.write_text("\n".join(rows) + "\n")
    script = write(
        "d.pine",
        '//@version=6\nindicator("d")\n'
        'plot(request.security(syminfo.tickerid, "1D", close[1], '
        'lookahead = barmerge.lookahead_on), "prev day")\n',
    )
    out_csv = tmp_path / "d.csv"
    code, _, err = run(
        capsys, "run", script, "--data", path, "--start", "2025-01-02T00:00:00Z", "--plots", out_csv
    )
    assert (code, err) == (0, "")
    plotted = pd.read_csv(out_csv)["prev day"]
    assert len(plotted) == 24 and (plotted == 123.0).all()  # day 1's close, before --start


def test_a_bundled_sample_by_name(capsys, tmp_path):
    """``--data BTCUSDT_1D`` is the bundled sample, as for ``report`` and ``%%pine``; the run
    is the one over the sample's bars written to a file."""
    from pathlib import Path

    import pineopt

    script = Path(__file__).parents[2] / "examples" / "sma_cross_strategy.pine"
    code, out, err = run(capsys, "run", script, "--data", "BTCUSDT_1D")
    assert (code, err) == (0, "")
    assert out.startswith("SMA cross: BINANCE:BTCUSDT 1D, 3064 bars (2017-08-17T00:00:00Z → ")
    named, from_file = tmp_path / "named.json", tmp_path / "file.json"
    bars = tmp_path / "BTCUSDT_1D.csv"
    pineopt.load("BTCUSDT", "1D").frame.reset_index().to_csv(bars, index=False)
    assert run(capsys, "run", script, "--data", "BTCUSDT_1D", "--metrics", named)[0] == 0
    assert run(capsys, "run", script, "--data", bars, "--metrics", from_file)[0] == 0
    assert named.read_text() == from_file.read_text()


def test_feeds_by_name(capsys, write):
    """``--htf-data 1D=BTCUSDT_1D`` on an ETHUSDT chart: the daily feed is the named one (BTC's
    closes), not ETH's hours aggregated."""
    script = write("htf.pine", HTF_CLOSE)
    argv = [
        "run",
        script,
        "--data",
        "ETHUSDT_1h",
        "--start",
        "2024-01-02",
        "--end",
        "2024-01-02T23:00Z",
    ]
    code, out, err = run(capsys, *argv, "--htf-data", "1D=BTCUSDT_1D", "--plots", "-")
    assert (code, err) == (0, "")
    rows = out.splitlines()
    assert len(rows) == 25 and all(row.endswith(",44179.55") for row in rows[1:])  # BTC, 01-01


def test_a_name_that_names_nothing_is_one_line(capsys, write):
    code, out, err = run(capsys, "run", write("s.pine", SMA), "--data", "NOSUCH_1D")
    assert code == 1 and out == ""
    assert err.startswith("pineopt: error: no bars for NOSUCH_1D: no file 'NOSUCH_1D'; ")
    assert "(samples: BTCUSDT_1m, " in err and len(err.splitlines()) == 1
