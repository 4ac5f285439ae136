"""save=: the campaign and its iterations in a real SQLite store."""

from __future__ import annotations

import pytest
from sweep_helpers import CONSTRAINT, DATA, END, SCRIPT, START, small_sweep

import pineopt
from pineopt.store import Store


def test_campaign_and_iterations(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    results = small_sweep(
        workers=0,
        save="fast vs slow",
        store=url,
        seed=9,
    )
    with Store(url) as store:
        campaign = store.campaign(results.attrs["campaign"])
        iterations = store.iterations(campaign["id"])
        strategy = store.strategy("SMA cross")
    assert campaign["name"] == "fast vs slow"
    assert (campaign["method"], campaign["objective"], campaign["status"]) == (
        "grid",
        "net_profit",
        "done",
    )
    assert campaign["strategy"] == "SMA cross"
    assert strategy["source"] == SCRIPT.read_text()
    assert campaign["space"]["Slow length"] == {"values": [10, 20, 30]}
    assert campaign["settings"]["constraints"] == [CONSTRAINT]
    assert campaign["settings"]["seed"] == 9
    assert campaign["iterations"] == 7
    best = results.iloc[0]
    assert campaign["best"]["number"] == best["set"]
    assert campaign["best"]["objective"] == pytest.approx(best["objective"])
    by_set = results.set_index("set")
    for _, row in iterations.iterrows():
        expected = by_set.loc[row["number"]]
        assert row["objective"] == pytest.approx(expected["objective"])
        assert row["parameters"] == {
            "Fast length": expected["Fast length"],
            "Slow length": expected["Slow length"],
            "ATR stop": False,
        }
        assert row["metrics"]["net_profit"] == pytest.approx(expected["net_profit"])
        assert row["status"] == "done"


def test_a_second_campaign_reuses_the_strategy(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    for _ in range(2):
        results = pineopt.sweep(
            SCRIPT,
            DATA,
            {"Fast length": "5", "Slow length": "20"},
            start=START,
            end=END,
            workers=0,
            progress=False,
            save=True,
            store=url,
        )
    with Store(url) as store:
        assert len(store.strategies()) == 1
        assert store.campaign(results.attrs["campaign"])["name"].startswith("SMA cross grid ")
