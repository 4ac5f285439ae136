"""The job runner: restarts, shutdowns and Dask, on a real store."""

from __future__ import annotations

import pytest
from api_helpers import SHORT, SMA_CROSS, upload, wait_for

from pineopt.server.jobs import INTERRUPTED, STOPPED, JobRunner
from pineopt.server.settings import SettingsError


def test_a_restart_marks_interrupted_backtests_failed(store, make_client):
    """What a server killed mid-run leaves behind: one backtest queued, one running."""
    strategy_id = store.save_strategy(SMA_CROSS)
    queued = store.create_backtest(strategy_id, symbol="BTCUSDT", timeframe="1h")
    running = store.create_backtest(strategy_id, symbol="BTCUSDT", timeframe="1h")
    store.start_backtest(running)
    client = make_client()
    for backtest_id in (queued, running):
        row = client.get(f"/api/backtests/{backtest_id}").json()
        assert (row["status"], row["error"]) == ("failed", INTERRUPTED)
    fresh = client.post("/api/backtests/run", json={"strategy_id": strategy_id, **SHORT}).json()
    assert wait_for(client, fresh["id"])["status"] == "done"


def test_stopping_the_server_fails_what_it_did_not_finish(store, make_client):
    client = make_client(workers=1)
    strategy = upload(client).json()
    ids = [
        client.post(
            "/api/backtests/run",
            json={"strategy_id": strategy["id"], "symbol": "BTCUSDT", "timeframe": "1h"},
        ).json()["id"]
        for _ in range(3)
    ]
    client.__exit__(None, None, None)  # the lifespan ends: the runner stops
    rows = [store.backtest(i) for i in ids]
    assert [r["status"] for r in rows] == ["failed"] * 3
    assert {r["error"] for r in rows} == {STOPPED}


def test_backtests_on_a_dask_cluster(store, make_client):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        client = make_client(dask_scheduler=cluster.scheduler_address)
        assert client.get("/api/health").json()["jobs"]["executor"].startswith("dask tcp://")
        strategy = upload(client).json()
        answers = [
            client.post("/api/backtests/run", json={"strategy_id": strategy["id"], **SHORT})
            for _ in range(2)
        ]
        rows = [wait_for(client, a.json()["id"]) for a in answers]
        assert [r["status"] for r in rows] == ["done", "done"], rows
        assert rows[0]["metrics"] == rows[1]["metrics"]
        client.__exit__(None, None, None)


def test_an_unreachable_dask_scheduler_is_a_clear_error(store):
    runner = JobRunner(store, workers=1, dask_scheduler="tcp://127.0.0.1:9", connect_timeout=1)
    with pytest.raises(
        SettingsError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"
    ):
        runner.start()
