"""``pineopt report --grid`` on Dask: a LocalCluster (``--workers 2``) and a separately started
scheduler (``--scheduler``) give the index rows of the serial grid; ``--save`` records every
run once, from this process; bad placements are one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pineopt.cli import main
from pineopt.store import Store

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "rsi_macd_strategy.pine"
#: two reports over nine months of daily bars (each with closed trades), without the buy & hold
#: benchmark: fast
GRID = [
    "report",
    str(SCRIPT),
    "--data",
    "BTCUSDT_1D",
    "--start",
    "2023-07-01",
    "--end",
    "2024-03-31",
    "--no-benchmark",
    "--grid",
    "input.rsiLength=10,20",
]


def _rows(index: Path) -> list[list[str]]:
    """The index's rows without the Seconds column and the links (what may differ)."""
    page = index.read_text()
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)[1:]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row)[:-2] for row in rows]


def _grid(capsys, tmp_path: Path, *extra: str) -> tuple[Path, str]:
    code = main([*GRID, "--out", str(tmp_path), *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    return Path(captured.out.strip()), captured.err


@pytest.fixture(scope="module")
def serial_rows(tmp_path_factory):
    """The rows of the grid run in this process (the default), once per module."""
    out = tmp_path_factory.mktemp("serial")
    assert main([*GRID, "--out", str(out), "--quiet"]) == 0
    (index,) = out.glob("batch-*/index.html")
    rows = _rows(index)
    assert [row[0] for row in rows] == ["10", "20"] and all(len(row) == 9 for row in rows)
    return rows


def _check_saved(db: Path, index: Path, err: str) -> None:
    """Every run of the batch is recorded exactly once, linked to its own run folder."""
    saved = re.findall(r"saved: backtest (\d+) of strategy 'RSI grid' in sqlite:///", err)
    assert sorted(saved) == ["1", "2"]
    with Store(db) as store:
        listed = store.backtests(strategy="RSI grid")
        assert sorted(listed["id"]) == [1, 2]
        folders = [Path(store.backtest(b)["report_path"]) for b in listed["id"]]
        assert len(set(folders)) == 2
        for backtest, folder in zip(listed["id"], folders, strict=True):
            assert folder.parent == index.parent and (folder / "report.html").is_file()
            assert store.stats(backtest)["all"]["net_profit"] == pytest.approx(
                json.loads((folder / "metrics.json").read_text())["all"]["net_profit"]
            )


def test_local_cluster_equals_serial_and_saves_once(serial_rows, tmp_path, capsys):
    db = tmp_path / "store.db"
    index, err = _grid(
        capsys, tmp_path / "out", "--workers", "2", "--save", "RSI grid", "--database", str(db)
    )
    assert index.name == "index.html" and _rows(index) == serial_rows
    assert "dask dashboard: http://" in err
    assert "report" in err  # the progress bar
    _check_saved(db, index, err)


def test_separate_scheduler_equals_serial(dask_cluster, serial_rows, tmp_path, capsys):
    db = tmp_path / "store.db"
    index, err = _grid(
        capsys,
        tmp_path / "out",
        "--scheduler",
        dask_cluster.address,
        "--quiet",
        "--save",
        "RSI grid",
        "--database",
        str(db),
    )
    assert _rows(index) == serial_rows
    links = re.findall(r'href="([^"]+/report\.html)"', index.read_text())
    assert len(links) == 2 and all((index.parent / link).is_file() for link in links)
    _check_saved(db, index, err)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "-1"], "argument --workers: must be 0 or more"),
        (["--workers", "two"], "argument --workers: not a whole number: 'two'"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "it takes no --scheduler"),
    ],
)
def test_bad_placement_is_a_usage_error(extra, message, tmp_path, capsys):
    try:
        code = main([*GRID, "--out", str(tmp_path), *extra])
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing ran, no batch folder left


def test_placement_needs_a_grid(tmp_path, capsys):
    argv = ["report", str(SCRIPT), "--data", "BTCUSDT_1D", "--workers", "2"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert "--scheduler and --workers need --grid" in capsys.readouterr().err


def test_unreachable_scheduler_is_one_line(tmp_path, capsys):
    code = main([*GRID, "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("pineopt report: error: cannot reach the Dask scheduler at ")
    assert not list(tmp_path.iterdir())
