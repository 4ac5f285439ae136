"""Optimization campaigns and the activity log."""

from __future__ import annotations

import math

import pytest

from pineopt.store import NotFound, StoreError


def test_a_campaign_from_start_to_finish(store, sma_source, sma_run):
    store.save_strategy(sma_source)
    backtest_id = store.record(sma_run)
    campaign_id = store.create_campaign(
        "SMA cross",
        name="fast vs slow",
        method="grid",
        objective="net_profit",
        space={"Fast length": [20, 50], "Slow length": [100, 200]},
        settings={"symbol": "BTCUSDT"},
    )
    ids = store.add_iterations(
        campaign_id,
        [
            {"number": 1, "parameters": {"Fast length": 20, "Slow length": 100}, "objective": 5.0},
            {
                "number": 2,
                "parameters": {"Fast length": 50, "Slow length": 200},
                "objective": 12.5,
                "metrics": {"net_profit": 12.5},
                "seconds": 0.2,
                "backtest_id": backtest_id,
            },
        ],
    )
    assert len(ids) == 2
    store.add_iterations(
        campaign_id,
        [{"number": 3, "parameters": {"Fast length": 5}, "status": "failed", "error": "boom"}],
    )
    running = store.campaign(campaign_id)
    assert running["status"] == "running" and running["iterations"] == 3 and running["best"] is None
    store.finish_campaign(campaign_id, best_iteration=2)
    done = store.campaign(campaign_id)
    assert done["status"] == "done" and done["finished_at"] is not None
    assert done["best"]["number"] == 2 and done["best"]["backtest_id"] == backtest_id
    assert done["space"]["Fast length"] == [20, 50] and done["strategy"] == "SMA cross"
    table = store.iterations(campaign_id)
    assert table.columns.tolist()[:5] == [
        "number",
        "status",
        "objective",
        "Fast length",
        "Slow length",
    ]
    assert table["number"].tolist() == [1, 2, 3]
    assert table["Fast length"].tolist() == [20, 50, 5]
    assert math.isnan(table["objective"].iloc[2]) and table["error"].iloc[2] == "boom"
    assert table["metrics"].iloc[1] == {"net_profit": 12.5}
    with pytest.raises(StoreError, match="is done: it takes no more"):
        store.add_iterations(campaign_id, [{"number": 4, "parameters": {}}])


def test_campaign_errors(store, sma_source):
    store.save_strategy(sma_source)
    campaign_id = store.create_campaign(1, name="c", method="random", objective="x", space={})
    store.add_iterations(campaign_id, [{"number": 1, "parameters": {}}])
    with pytest.raises(StoreError, match="already has an iteration numbered among 1"):
        store.add_iterations(campaign_id, [{"number": 1, "parameters": {}}])
    with pytest.raises(StoreError, match="unknown iteration field\\(s\\) colour"):
        store.add_iterations(campaign_id, [{"number": 2, "colour": "red"}])
    with pytest.raises(StoreError, match="iteration 2: no backtest with id 5"):
        store.add_iterations(campaign_id, [{"number": 2, "backtest_id": 5}])
    with pytest.raises(StoreError, match="has no iteration 9"):
        store.finish_campaign(campaign_id, best_iteration=9)
    with pytest.raises(StoreError, match="a campaign ends done, failed, cancelled, not 'running'"):
        store.finish_campaign(campaign_id, status="running")
    with pytest.raises(StoreError, match="needs a name"):
        store.create_campaign(1, name=" ", method="grid", objective="x", space={})
    with pytest.raises(NotFound, match="no optimization campaign with id 99"):
        store.campaign(99)
    with pytest.raises(NotFound, match="no strategy with id 3"):
        store.create_campaign(3, name="c", method="grid", objective="x", space={})
    store.finish_campaign(campaign_id, status="cancelled")
    assert store.campaign(campaign_id)["status"] == "cancelled"
    assert store.count_strategies() == 1


def test_the_activity_log(store):
    first = store.log("strategy.upload", entity="strategy", entity_id=3, actor="key:ab12")
    second = store.log("backtest.run", detail={"symbol": "BTCUSDT", "nan": float("nan")})
    log = store.activity()
    assert log["id"].tolist() == [second, first]  # newest first
    assert log.columns.tolist() == ["id", "at", "actor", "action", "entity", "entity_id", "detail"]
    assert log.iloc[1]["actor"] == "key:ab12" and log.iloc[1]["entity_id"] == 3
    assert log.iloc[0]["detail"] == {"symbol": "BTCUSDT", "nan": None}
    assert str(log["at"].dtype).endswith("UTC]")
    assert store.activity(limit=1)["id"].tolist() == [second]
