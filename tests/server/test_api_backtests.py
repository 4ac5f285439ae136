"""Backtests over HTTP: queued, run in worker processes, recorded, read back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from api_helpers import BOLLINGER, SHORT, SLOW, SMA_CROSS, upload, wait_for

import pineopt


@pytest.fixture
def sma(client):
    return upload(client, SMA_CROSS).json()


def run(client, strategy_id, **body):
    return client.post("/api/backtests/run", json={"strategy_id": strategy_id, **SHORT, **body})


def test_a_backtest_runs_to_completion(client, sma):
    response = run(client, sma["id"], capital=50_000, commission=0.1, inputs={"Fast length": 20})
    assert response.status_code == 202
    queued = response.json()
    assert queued["status"] == "queued"
    row = wait_for(client, queued["id"])
    assert row["status"] == "done", row["error"]
    assert row["error"] is None
    assert (row["strategy_id"], row["strategy"]) == (sma["id"], "SMA cross")
    assert (row["symbol"], row["timeframe"], row["provider"]) == ("BTCUSDT", "60", "sample")
    assert row["data"]["bars"] > 1000 and row["data"]["fingerprint"]
    assert row["trades"] > 0
    assert row["initial_capital"] == 50_000
    assert row["inputs"]["Fast length"] == 20  # with every other input's value used
    assert row["inputs"]["Slow length"] == 200
    assert row["started_at"] and row["finished_at"] and row["seconds"] >= 0
    stats = client.get(f"/api/backtests/{row['id']}/stats").json()
    assert set(stats["metrics"]) == {"all", "long", "short"}
    assert stats["metrics"] == row["metrics"]
    trades = client.get(f"/api/backtests/{row['id']}/trades", params={"limit": 2}).json()
    assert (
        trades["total"]
        == stats["metrics"]["all"]["total_closed_trades"]
        + stats["metrics"]["all"]["total_open_trades"]
    )
    assert len(trades["items"]) == min(2, trades["total"])
    first = trades["items"][0]
    assert first["trade"] == 1 and first["direction"] in ("long", "short")
    assert first["entry_time"] >= "2024-01-01"
    last = client.get(
        f"/api/backtests/{row['id']}/trades", params={"offset": trades["total"] - 1}
    ).json()["items"]
    assert len(last) == 1
    if last[0]["is_open"]:  # a trade still open at the end has no exit
        assert last[0]["exit_time"] is None and last[0]["exit_price"] is None
    chart = client.get(f"/api/backtests/{row['id']}/chart").json()
    assert len(chart["time"]) == len(chart["equity"]) == len(chart["drawdown"])
    assert chart["time"][0].startswith("2024-01-01T00:00:00")
    assert chart["equity"][0] == pytest.approx(50_000)
    thin = client.get(f"/api/backtests/{row['id']}/chart", params={"points": 10}).json()
    assert 10 <= len(thin["time"]) <= 11 and thin["time"][-1] == chart["time"][-1]
    latest = client.get(f"/api/backtests/latest/{sma['id']}").json()
    assert latest["id"] == row["id"]


def test_a_data_name_as_pineopt_run_takes_it(client, sma):
    """``symbol="BTCUSDT_1D"`` without a timeframe runs on the bars of
    ``pineopt run --data BTCUSDT_1D``, with the same results."""
    response = run(client, sma["id"], symbol="BTCUSDT_1D", timeframe=None, start=None, end=None)
    assert response.status_code == 202
    row = wait_for(client, response.json()["id"])
    assert row["status"] == "done", row["error"]
    assert (row["symbol"], row["timeframe"], row["provider"]) == ("BTCUSDT", "1D", "sample")
    expected = pineopt.run(SMA_CROSS, "BTCUSDT_1D")
    assert row["data"]["bars"] == 3064
    assert row["data"]["fingerprint"] == expected.data_fingerprint["sha256"]
    assert row["metrics"]["all"]["net_profit"] == expected.metrics["all"]["net_profit"]
    response = run(client, sma["id"], symbol="BTCUSDT", timeframe=None)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("no timeframe for 'BTCUSDT': give timeframe")


def test_inputs_and_settings_change_the_run(client, sma):
    default = wait_for(client, run(client, sma["id"]).json()["id"])
    other = wait_for(
        client,
        run(
            client,
            sma["id"],
            inputs={"fastLength": 10, "ATR stop": False},
            settings={"pyramiding": 1},
        ).json()["id"],
    )
    assert default["status"] == other["status"] == "done"
    assert (
        other["metrics"]["all"]["total_closed_trades"]
        != default["metrics"]["all"]["total_closed_trades"]
    )
    listing = client.get("/api/backtests", params={"strategy_id": sma["id"]}).json()
    assert listing["total"] == 2
    assert [item["id"] for item in listing["items"]] == [other["id"], default["id"]]  # newest first
    assert listing["items"][0]["net_profit"] == other["metrics"]["all"]["net_profit"]
    compared = client.post(
        "/api/backtests/compare", json={"ids": [default["id"], other["id"]]}
    ).json()
    assert len(compared["columns"]) == 2
    assert compared["columns"][0].startswith(f"#{default['id']}")
    names = [row["name"] for row in compared["rows"]]
    assert "net_profit" in names and all(len(row["values"]) == 2 for row in compared["rows"])
    assert client.get("/api/backtests", params={"status": "failed"}).json()["total"] == 0
    assert client.get("/api/backtests", params={"symbol": "ETHUSDT"}).json()["total"] == 0


def test_refused_at_once(client, sma):
    response = run(client, sma["id"], timeframe="fortnight")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "invalid request: body.timeframe: not a timeframe: 'fortnight' (use Pine notation such "
        "as 1S, 15, 60, 240, 1D, 1W, 1M)"
    )
    response = run(client, sma["id"], start="2024-05-01", end="2024-04-01")
    assert (response.status_code, response.json()["detail"]) == (
        422,
        "end 2024-04-01 is before start 2024-05-01",
    )
    response = run(client, sma["id"], start="yesterday-ish")
    assert response.status_code == 422 and "bad start" in response.json()["detail"]
    response = run(client, sma["id"], inputs={"Slowness": 3})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "no input named 'Slowness'; the strategy's inputs are: Fast length / fastLength, "
        "Slow length / slowLength, ATR stop / useStop, ATR multiple / atrMult"
    )
    response = run(client, sma["id"], provider="ccxt")
    assert response.status_code == 422
    assert "does not fetch remote data" in response.json()["detail"]
    response = run(client, sma["id"], capital=-5)
    assert response.status_code == 422
    assert client.get("/api/backtests").json()["total"] == 0  # nothing was queued


def test_failures_are_recorded_with_a_message(client, sma):
    missing = wait_for(client, run(client, sma["id"], symbol="NOSUCHCOIN").json()["id"])
    assert missing["status"] == "failed"
    assert missing["error"].startswith("no bars for NOSUCHCOIN 1h: no bundled sample 'NOSUCHCOIN'")
    assert "Traceback" not in missing["error"]
    response = client.get(f"/api/backtests/{missing['id']}/stats")
    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"backtest {missing['id']} failed: no bars")
    bad_value = wait_for(
        client, run(client, sma["id"], inputs={"Fast length": "fast"}).json()["id"]
    )
    assert bad_value["status"] == "failed"
    assert "Fast length" in bad_value["error"]
    indicator = client.post("/api/strategies", json={"source": BOLLINGER}).json()
    row = wait_for(client, run(client, indicator["id"]).json()["id"])
    assert row["status"] == "failed"
    assert row["error"] == "'Bollinger bands' is an indicator, not a strategy: it has no trades"
    assert client.get(f"/api/backtests/latest/{indicator['id']}").status_code == 404


def test_eight_backtests_at_once_are_all_recorded(client, sma, store):
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: run(client, sma["id"]), range(8)))
    assert [a.status_code for a in answers] == [202] * 8
    ids = [a.json()["id"] for a in answers]
    assert len(set(ids)) == 8
    rows = [wait_for(client, i) for i in ids]
    assert [r["status"] for r in rows] == ["done"] * 8
    assert len({r["metrics"]["all"]["net_profit"] for r in rows}) == 1  # same run, same result
    assert store.count_backtests(status="done") == 8
    assert all(len(store.trades(i)) > 0 for i in ids)


def test_a_backtest_past_the_time_limit_is_stopped(make_client, store):
    client = make_client(run_timeout=1.0, workers=1)
    strategy = upload(client, SLOW, "slow.pine").json()
    response = client.post("/api/backtests/run", json={"strategy_id": strategy["id"], **SHORT})
    row = wait_for(client, response.json()["id"])
    assert row["status"] == "failed"
    assert row["error"] == "the backtest exceeded its time limit of 1 s and was stopped"
    # the runner goes on with the next one
    quick = client.post(
        "/api/backtests/run", json={"strategy_id": strategy["id"], **SHORT, "end": "2024-01-03"}
    )
    assert wait_for(client, quick.json()["id"])["status"] in ("done", "failed")


def test_delete_a_backtest(client, sma):
    row = wait_for(client, run(client, sma["id"]).json()["id"])
    assert client.delete(f"/api/backtests/{row['id']}").status_code == 204
    assert client.get(f"/api/backtests/{row['id']}").status_code == 404
    # deleting a running one stops it
    slow = upload(client, SLOW, "slow.pine").json()
    long = client.post("/api/backtests/run", json={"strategy_id": slow["id"], **SHORT}).json()
    assert client.delete(f"/api/backtests/{long['id']}").status_code == 204
    assert client.get(f"/api/backtests/{long['id']}").status_code == 404
    assert client.get("/api/health").json()["jobs"]["running"] in (0, 1)


def test_deleting_a_strategy_stops_its_backtests(client):
    slow = upload(client, SLOW, "slow.pine").json()
    long = client.post("/api/backtests/run", json={"strategy_id": slow["id"], **SHORT}).json()
    assert client.delete(f"/api/strategies/{slow['id']}").status_code == 204
    assert client.get(f"/api/backtests/{long['id']}").status_code == 404
    assert client.get("/api/backtests").json()["total"] == 0


def test_an_uploaded_python_strategy_runs_in_the_sandbox(client, sma):
    """The module ``pineopt convert`` writes, uploaded as .py, runs inside bubblewrap and
    gives the Pine strategy's own result."""
    from pineopt.compiler import convert
    from pineopt.server import sandbox

    if not sandbox.available():
        pytest.skip("bubblewrap cannot run here")
    module = convert(SMA_CROSS, "sma_cross_strategy.pine").code
    uploaded = upload(client, module, filename="sma_cross.py", name="py cross").json()
    pine = wait_for(client, run(client, sma["id"]).json()["id"])
    python = wait_for(client, run(client, uploaded["id"]).json()["id"])
    assert python["status"] == "done", python["error"]
    assert python["metrics"] == pine["metrics"]
    assert python["trades"] == pine["trades"]
