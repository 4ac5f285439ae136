"""``pineopt sweep``: a run in this process, its files and store records, and usage errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pineopt.cli import main
from pineopt.store import Store

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "examples" / "sma_cross_strategy.pine")
BASE = ["sweep", SCRIPT, "--data", "BTCUSDT_1h", "--start", "2024-01-01", "--end", "2024-01-15"]
FAST = ["--param", "Fast length=5:10:5", "--param", "Slow length=20", "--input", "ATR stop=false"]


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path, monkeypatch):
    """Run from a temporary folder: a sweep without --out writes outputs/sweeps/ there."""
    monkeypatch.chdir(tmp_path)


def test_sweep_prints_the_table_and_writes_the_files(tmp_path, capsys):
    out = tmp_path / "sweep"
    database = tmp_path / "store.db"
    code = main(
        [
            *BASE,
            *FAST,
            "--workers",
            "0",
            "--out",
            str(out),
            "--save",
            "mine",
            "--database",
            str(database),
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    lines = printed.out.splitlines()
    assert lines[0].split()[:4] == ["set", "Fast", "length", "Slow"]
    assert f"files: {out}/ (results.parquet, results.csv, manifest.json)" in printed.out
    assert "saved: campaign 1" in printed.out
    results = pd.read_parquet(out / "results.parquet")
    assert list(results["Fast length"].sort_values()) == [5, 10]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"] == {"ATR stop": False}
    with Store(f"sqlite:///{database}") as store:
        assert store.campaign(1)["name"] == "mine"
        assert store.campaign(1)["iterations"] == 2


def test_symbols_and_json(tmp_path, capsys):
    code = main(
        [
            "sweep",
            SCRIPT,
            "--symbols",
            "BTCUSDT,ETHUSDT",
            "--timeframe",
            "1D",
            "--start",
            "2023-01-01",
            "--end",
            "2023-06-30",
            *FAST,
            "--workers",
            "0",
            "--out",
            str(tmp_path),
            "--no-progress",
            "--json",
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    document = json.loads(printed.out)
    assert document["rows"] == 4
    assert set(document["top"][0]) >= {
        "set",
        "objective",
        "objective: BTCUSDT_1D",
        "objective: ETHUSDT_1D",
    }
    assert printed.err == ""  # --no-progress, and no cluster to announce


def test_walk_forward_files(tmp_path, capsys):
    code = main(
        [
            *BASE[:-1],
            "2024-02-11",
            *FAST,
            "--walk-forward",
            "train=3W test=1W",
            "--workers",
            "0",
            "--out",
            str(tmp_path),
            "--no-progress",
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "in_sample" in printed.out and "out_of_sample" in printed.out
    assert "stitched out-of-sample equity at the end" in printed.out
    windows = pd.read_csv(tmp_path / "walk_forward.csv")
    assert list(windows["window"]) == [1, 2, 3]
    assert (tmp_path / "oos_equity.parquet").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "Fast lenth=5:10:5"], "no input named 'Fast lenth'; the script's inputs"),
        (["--param", "Fast length=5:x:5"], "'x' is not a number"),
        (["--param", "Fast length=10:5:1"], "HIGH is below LOW"),
        (["--param", "Fast length=5,10", "--objective", "profit"], "unknown objective 'profit'"),
        (["--param", "Fast length=5,10", "--method", "anneal"], "unknown method 'anneal'"),
        (
            ["--param", "Fast length=5,10", "--constraint", "Fast length < Slo"],
            "no input named 'Slo'",
        ),
        (["--param", "Fast length=5,10", "--walk-forward", "train=2Y"], "test= is missing"),
        (["--param", "Fast length=5,10", "--database", "x.db"], "--database needs --save"),
        (["--param", "Fast length=5,10", "--workers", "-1"], "must be 0 or more"),
        ([], "give at least one --param"),
    ],
)
def test_usage_errors_exit_2(extra, message, capsys):
    workers = [] if "--workers" in extra else ["--workers", "0"]
    try:
        code = main([*BASE, *extra, *workers, "--no-progress"])
    except SystemExit as stopped:  # argparse's own refusals
        code = stopped.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err
    assert "Traceback" not in err


def test_symbols_need_a_timeframe(capsys):
    code = main(["sweep", SCRIPT, "--symbols", "BTCUSDT", *FAST])
    assert code == 2
    assert "--symbols needs --timeframe" in capsys.readouterr().err


def test_unknown_sample_is_a_data_error(capsys):
    code = main(["sweep", SCRIPT, "--data", "NOPE_1h", *FAST, "--workers", "0"])
    assert code == 1
    assert "no bundled sample 'NOPE'" in capsys.readouterr().err


def test_every_set_failing_exits_1(tmp_path, capsys):
    script = tmp_path / "fails.pine"
    script.write_text(
        "//@version=6\n"
        'strategy("fails")\n'
        'n = input.int(3, "N")\n'
        "s = ta.sma(close, n - 3)\n"
        "if close > s\n"
        '    strategy.entry("L", strategy.long)\n'
    )
    code = main(
        [
            "sweep",
            str(script),
            "--data",
            "BTCUSDT_1h",
            "--start",
            "2024-01-01",
            "--end",
            "2024-01-03",
            "--param",
            "N=2,3",
            "--workers",
            "0",
            "--no-progress",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    printed = capsys.readouterr()
    assert code == 1
    assert "2 of 2 rows failed; the first: line 4: ta.sma: invalid length argument" in printed.out
    assert (tmp_path / "out" / "results.csv").is_file()


def test_the_default_folder(tmp_path, capsys):
    assert main([*BASE, *FAST, "--workers", "0", "--no-progress"]) == 0
    (folder,) = (tmp_path / "outputs" / "sweeps").iterdir()
    assert re.fullmatch(r"\d{8}T\d{6}Z-sma_cross_strategy", folder.name)
    assert {p.name for p in folder.iterdir()} == {"results.parquet", "results.csv", "manifest.json"}
    assert f"files: {Path('outputs') / 'sweeps' / folder.name}/" in capsys.readouterr().out
