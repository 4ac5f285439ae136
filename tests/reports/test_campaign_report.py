"""The campaign report: small real campaigns (a grid over two daily datasets, a walk-forward)
read back from their folders and from the store, their tables, and the papermill runs of
notebooks/campaign.ipynb through Python and ``pineopt report --campaign``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.cli import main
from pineopt.reports import parameters as views
from pineopt.reports.campaign import CampaignNotFound, best_runs, load_campaign
from pineopt.reports.campaign_run import run_campaign_report

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "sma_cross_strategy.pine"
PARAMS = {"Fast length": "10:30:10", "Slow length": "60:120:30", "ATR stop": "false"}
SECTIONS = (
    "The campaign",
    "Best parameter sets",
    "Parameter heatmaps",
    "Parameter stability",
    "Per instrument and pooled",
    "Walk-forward",
    "Market regimes of the best set",
)
_REMOTE = re.compile(r"<(script|link)\b[^>]*\b(src|href)=\"(https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory):
    """A 9-set grid over BTCUSDT and ETHUSDT daily bars from 2023 and a walk-forward of 4 sets
    on BTCUSDT daily bars, each written to a folder and saved in one SQLite store."""
    root = tmp_path_factory.mktemp("campaigns")
    database = f"sqlite:///{root / 'pineopt.db'}"
    grid = pineopt.sweep(
        SCRIPT,
        ["BTCUSDT_1D", "ETHUSDT_1D"],
        PARAMS,
        start="2023-01-01",
        workers=0,
        progress=False,
        out=root / "grid",
        save=True,
        store=database,
    )
    walk = pineopt.walk_forward(
        SCRIPT,
        "BTCUSDT_1D",
        {"Fast length": "10,20", "Slow length": "60,90"},
        "train=1Y test=6M",
        start="2023-01-01",
        inputs={"ATR stop": False},
        workers=0,
        progress=False,
        out=root / "walk",
        save=True,
        store=database,
    )
    return {
        "root": root,
        "database": database,
        "grid": grid,
        "grid_id": grid.attrs["campaign"],
        "walk": walk,
        "walk_id": walk.results.attrs["campaign"],
    }


def _key(frame: pd.DataFrame) -> pd.DataFrame:
    columns = ["set", "dataset", "Fast length", "Slow length", "objective", "net_profit"]
    return frame[columns].sort_values(["set", "dataset"]).reset_index(drop=True)


def test_folder_and_store_read_the_same_campaign(campaigns):
    folder = load_campaign(campaigns["root"] / "grid")
    stored = load_campaign(campaigns["grid_id"], database=campaigns["database"])
    assert folder.datasets == stored.datasets == ["BTCUSDT_1D", "ETHUSDT_1D"]
    assert folder.parameters == stored.parameters == ["Fast length", "Slow length", "ATR stop"]
    assert len(folder.results) == len(stored.results) == 18
    pd.testing.assert_frame_equal(_key(folder.results), _key(stored.results), check_dtype=False)
    assert folder.manifest["best"]["set"] == stored.manifest["best"]["set"]
    assert stored.manifest["campaign"] == folder.manifest["campaign"] == campaigns["grid_id"]
    assert stored.manifest["stored"]["id"] == campaigns["grid_id"]
    assert folder.script == stored.script == SCRIPT.read_text(encoding="utf-8")
    assert not folder.is_walk_forward and folder.notes == stored.notes == []


def test_walk_forward_from_the_store_rebuilds_windows_and_equity(campaigns):
    folder = load_campaign(campaigns["root"] / "walk")
    stored = load_campaign(campaigns["walk_id"], database=campaigns["database"])
    assert folder.is_walk_forward and stored.is_walk_forward
    windows = campaigns["walk"].windows
    assert list(stored.windows["set"]) == list(folder.windows["set"]) == list(windows["set"])
    # the store keeps no window per iteration: sets are cut into equal runs per window
    pd.testing.assert_frame_equal(
        folder.results[["set", "window"]].sort_values("set").reset_index(drop=True),
        stored.results[["set", "window"]].sort_values("set").reset_index(drop=True),
        check_dtype=False,
    )
    # the stitched out-of-sample equity is run again from the windows' choices
    expected = campaigns["walk"].equity
    pd.testing.assert_series_equal(
        stored.equity, expected, check_names=False, check_freq=False, rtol=1e-12
    )
    pd.testing.assert_series_equal(folder.equity, expected, check_names=False, check_freq=False)


def test_unknown_campaigns_are_clear_errors(campaigns, tmp_path):
    with pytest.raises(CampaignNotFound, match="no campaign 999") as unknown:
        load_campaign(999, database=campaigns["database"])
    assert not unknown.value.usage
    with pytest.raises(CampaignNotFound, match="not a sweep's folder") as folder:
        load_campaign(tmp_path)
    assert folder.value.usage
    with pytest.raises(CampaignNotFound, match="no such campaign folder"):
        load_campaign(tmp_path / "missing")


def test_heatmap_stability_and_neighbours(campaigns):
    data = load_campaign(campaigns["root"] / "grid")
    table = views.combinations(data.results, data.parameters, maximize=True)
    pooled = pineopt.sweep.pooled(data.results)
    assert len(table) == 9 and table["rows"].eq(2).all()
    assert table["objective"].iloc[0] == pytest.approx(pooled["objective"].iloc[0])
    assert views.heatmap_pairs(table, data.parameters) == [("Fast length", "Slow length")]
    pivot = views.heatmap_table(
        table, "Fast length", "Slow length", data.parameters, method="grid", maximize=True
    )
    assert list(pivot.columns) == [10, 20, 30] and list(pivot.index) == [60, 90, 120]
    for _, row in pooled.iterrows():
        assert pivot.loc[row["Slow length"], row["Fast length"]] == pytest.approx(row["objective"])
    stability = views.stability_table(table, data.parameters, method="grid")
    assert set(stability.index.get_level_values("input")) == {"Fast length", "Slow length"}
    assert stability["sets"].eq(3).all()
    best = table.iloc[0]
    assert stability.loc[("Fast length", best["Fast length"]), "best_slice"] == pytest.approx(
        best["objective"]
    )
    near = views.neighbours(table, data.parameters)
    assert len(near) >= 2 and set(near["step"]) <= {-1, 1}
    for _, row in near.iterrows():
        other = "Slow length" if row["input"] == "Fast length" else "Fast length"
        assert row[other] == best[other]
        assert abs(row["step"]) == 1


def test_many_drawn_values_are_shown_in_ranges():
    """Random and Optuna draw from continuous ranges: more than 15 distinct values of an input
    become ten equal ranges in the heatmap (best per cell) and midpoints in the stability view."""
    table = pd.DataFrame(
        {
            "a": [float(v) for v in range(40)],
            "b": [1.0, 2.0] * 20,
            "objective": [float(v % 7) for v in range(40)],
        }
    )
    pivot = views.heatmap_table(table, "a", "b", ["a", "b"], method="random", maximize=True)
    assert list(pivot.index) == [1.0, 2.0]
    assert len(pivot.columns) == views.BINS and str(pivot.columns[0]).startswith("-0.039–")
    first = table[(table["a"] < 3.9) & (table["b"] == 1.0)]["objective"].max()
    assert pivot.iloc[0, 0] == first
    stability = views.stability_table(table, ["a", "b"], method="random")
    assert len(stability.xs("a", level="input")) == views.BINS
    assert stability.xs("a", level="input")["sets"].sum() == 40
    assert stability["best_slice"].isna().all()


def test_best_runs_match_the_sweep(campaigns):
    data = load_campaign(campaigns["grid_id"], database=campaigns["database"])
    runs = best_runs(data)
    assert list(runs) == ["BTCUSDT_1D", "ETHUSDT_1D"]
    best = data.manifest["best"]["set"]
    for name, (bars, result) in runs.items():
        swept = data.results[(data.results["set"] == best) & (data.results["dataset"] == name)]
        assert result.metrics["all"]["net_profit"] == pytest.approx(swept["net_profit"].iloc[0])
        assert bars.frame.index[0] == pd.Timestamp("2023-01-01", tz="UTC")


def _page(report) -> str:
    page = report.html.read_text(encoding="utf-8")
    assert not _REMOTE.search(page)  # nothing loaded from a CDN: the page renders offline
    for section in SECTIONS:
        assert f">{section}<" in page or f">{section}</h2>" in page, section
    return page


def test_report_from_a_folder(campaigns, tmp_path):
    report = run_campaign_report(campaigns["root"] / "grid", out=tmp_path, progress=False)
    assert report.directory.parent == tmp_path
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    manifest = json.loads((report.directory / "manifest.json").read_text())
    assert manifest == json.loads(json.dumps(report.manifest, default=str))
    assert manifest["kind"] == "campaign"
    assert manifest["campaign"]["data"] == ["BTCUSDT_1D", "ETHUSDT_1D"]
    assert manifest["campaign"]["counts"]["sets"] == 9
    assert manifest["campaign"]["store_id"] == campaigns["grid_id"]
    for name in manifest["outputs"]["campaign"]:
        assert (report.directory / name).is_file()
    assert "campaign/results.parquet" in manifest["outputs"]["campaign"]
    assert (report.directory / "campaign.ipynb").is_file()
    page = _page(report)
    assert "net_profit by Fast length and Slow length" in page  # the heatmap
    assert "other swept inputs held at their value in the best set" in page
    assert "not a walk-forward campaign" in page
    assert "Strategy return by regime and instrument" in page


def test_cli_report_from_the_store(campaigns, tmp_path, capsys):
    code = main(
        [
            "report",
            "--campaign",
            str(campaigns["grid_id"]),
            "--database",
            campaigns["database"],
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    html = tmp_path / captured.out.strip().split("/")[-2] / "campaign.html"
    assert captured.out.strip() == str(html)
    page = html.read_text(encoding="utf-8")
    assert f"campaign {campaigns['grid_id']} of sqlite" in page


def test_walk_forward_report_shows_its_tables(campaigns, tmp_path):
    report = run_campaign_report(
        campaigns["walk_id"], database=campaigns["database"], out=tmp_path, progress=False
    )
    page = _page(report)
    assert "Stitched out-of-sample equity" in page
    assert "walk-forward efficiency" in page
    assert "Chosen on the last training window" in page
    assert "oos_return_pct" in page and "in_sample" in page
    assert report.manifest["campaign"]["walk_forward"] == "train=1Y test=6M"
    assert (report.directory / "campaign" / "oos_equity.parquet").is_file()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--campaign", "999"], 1, "no campaign 999 in sqlite"),
        (["--campaign", "no/such/folder"], 2, "no such campaign folder"),
        (["--campaign", "1", "--data", "BTCUSDT_1D"], 2, "--campaign takes no --data"),
        ([], 2, "give FILE.pine, or --campaign ID|FOLDER"),
        (["examples/sma_cross_strategy.pine", "--top", "3"], 2, "--top needs --campaign"),
    ],
)
def test_cli_usage_errors(campaigns, capsys, argv, code, message):
    extra = ["--database", campaigns["database"]] if "--campaign" in argv else []
    assert main(["report", *argv, *extra, "--quiet"]) == code
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
