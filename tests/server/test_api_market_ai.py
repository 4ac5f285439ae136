"""Market data and the static-analysis ("ai") endpoints."""

from __future__ import annotations

from api_helpers import BAD_PINE, SMA_CROSS, upload

from pineopt.compiler.builtins_map import supported_names
from pineopt.lang import builtins

# ------------------------------------------------------------------ market


def test_ohlcv_from_the_bundled_sample(client):
    params = {"symbol": "BTCUSDT", "timeframe": "1h", "start": "2024-01-01", "end": "2024-01-02"}
    body = client.get("/api/market/ohlcv", params=params).json()
    assert (body["symbol"], body["timeframe"], body["provider"]) == (
        "BINANCE:BTCUSDT",
        "60",
        "sample",
    )
    assert body["total"] == 25  # both ends included
    assert len(body["bars"]) == 25
    first = body["bars"][0]
    assert first["time"].startswith("2024-01-01T00:00:00")
    assert first["high"] >= max(first["open"], first["close"]) >= first["low"]
    page = client.get("/api/market/ohlcv", params={**params, "limit": 5, "offset": 20}).json()
    assert (page["limit"], page["offset"], len(page["bars"])) == (5, 20, 5)
    assert page["bars"][0] == body["bars"][20]


def test_ohlcv_of_a_data_name(client):
    params = {"symbol": "SOLUSDT_1D", "start": "2024-01-01", "end": "2024-01-31"}
    body = client.get("/api/market/ohlcv", params=params).json()
    assert (body["symbol"], body["timeframe"], body["total"]) == ("BINANCE:SOLUSDT", "1D", 31)


def test_ohlcv_never_reads_a_file(client, tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text("time,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n")
    for params in ({"symbol": str(path), "timeframe": "1D"}, {"symbol": f"{path}_1D"}):
        response = client.get("/api/market/ohlcv", params=params)
        assert response.status_code == 404
        assert response.json()["detail"].startswith(f"no bars for {path} 1D: no bundled sample")


def test_ohlcv_is_capped(make_client):
    client = make_client(max_bars=100)
    body = client.get("/api/market/ohlcv", params={"symbol": "ETHUSDT", "timeframe": "1D"}).json()
    assert body["total"] > 100
    assert (body["limit"], len(body["bars"])) == (100, 100)


def test_ohlcv_refusals(client):
    response = client.get("/api/market/ohlcv", params={"symbol": "NOPE", "timeframe": "1h"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("no bars for NOPE 1h: no bundled sample 'NOPE'")
    response = client.get("/api/market/ohlcv", params={"symbol": "BTCUSDT", "timeframe": "soon"})
    assert response.status_code == 422
    response = client.get(
        "/api/market/ohlcv", params={"symbol": "BTCUSDT", "timeframe": "1h", "provider": "ccxt"}
    )
    assert response.status_code == 422
    assert "does not fetch remote data" in response.json()["detail"]
    response = client.get(
        "/api/market/ohlcv", params={"symbol": "/etc/passwd", "timeframe": "1h", "provider": "file"}
    )
    assert response.status_code == 422  # not an offered provider
    response = client.get("/api/market/ohlcv", params={"symbol": "BTCUSDT"})
    assert response.status_code == 422  # timeframe is required


def test_market_status(client):
    body = client.get("/api/market/status").json()
    names = {p["name"]: p for p in body["providers"]}
    assert set(names) == {"sample", "cache", "ccxt", "tardis"}
    assert names["sample"]["enabled"] and not names["sample"]["remote"]
    assert names["ccxt"]["remote"] and not names["ccxt"]["enabled"]  # remote data is off here
    samples = {(d["symbol"], d["timeframe"]) for d in body["datasets"] if d["provider"] == "sample"}
    assert ("BTCUSDT", "60") in samples and ("ETHUSDT", "1D") in samples


# ------------------------------------------------------------------ ai


def test_capabilities_come_from_the_runtime_tables(client):
    body = client.get("/api/ai/capabilities").json()
    assert body["pine_versions"] == [5, 6]
    supported = supported_names()
    for kind in ("function", "variable", "constant"):
        names = [e.name for e in builtins.catalog() if e.kind == kind]
        row = body["builtins"][kind]
        assert row["total"] == len(names)
        assert row["runs"] == sum(name in supported for name in names)
        assert row["refused"] == sorted(name for name in names if name not in supported)
    assert "request.earnings" in body["builtins"]["function"]["refused"]
    assert set(body["refused_features"]) == {"imports", "exports"}
    assert "calc_on_order_fills" in body["refused_settings"]
    assert body["limits"]["loop_seconds_per_bar"] == 0.5
    assert {p["name"] for p in body["data_providers"]} >= {"sample", "cache"}
    assert {"enabled", "reason", "modules", "builtins"} <= set(body["python_uploads"])
    assert "pineopt.runtime" in body["python_uploads"]["modules"]


def test_analyze_pine_text(client):
    body = client.post("/api/ai/analyze", json={"source": SMA_CROSS}).json()
    assert (body["kind"], body["title"], body["version"]) == ("strategy", "SMA cross", 6)
    assert body["runs"] is True and body["problems"] == [] and body["diagnostics"] == []
    assert [i["name"] for i in body["inputs"]] == ["fastLength", "slowLength", "useStop", "atrMult"]
    widgets = {w["key"]: w for w in body["widgets"]}
    assert widgets["fastLength"]["widget"] == "number"  # one bound only
    assert widgets["fastLength"]["min"] == 1
    assert widgets["useStop"]["widget"] == "checkbox"
    assert widgets["atrMult"]["step"] == 0.1
    assert body["profile"]["execution"]["per_bar"]


def test_analyze_a_saved_strategy_and_the_refusals(client):
    strategy = upload(client).json()
    body = client.post("/api/ai/analyze", json={"strategy_id": strategy["id"]}).json()
    assert body["title"] == "SMA cross"
    both = client.post("/api/ai/analyze", json={"strategy_id": strategy["id"], "source": "x"})
    assert both.status_code == 422  # one or the other
    assert {e["loc"][-1] for e in both.json()["errors"]} == {"strategy_id", "source"}
    assert client.post("/api/ai/analyze", json={}).status_code == 422
    assert client.post("/api/ai/analyze", json={"strategy_id": 12345}).status_code == 404


def test_analyze_explains_what_does_not_run(client):
    source = '//@version=6\nindicator("e")\nplot(request.earnings("AAPL"))\n'
    body = client.post("/api/ai/analyze", json={"source": source}).json()
    assert body["runs"] is False
    assert body["problems"] == [
        "<input>.pine:3:6: error: 'request.earnings' is not supported by PineOpt yet"
    ]
    assert body["features"]["unsupported"][0]["name"] == "request.earnings"


def test_ai_validate(client):
    good = client.post("/api/ai/validate", json={"source": SMA_CROSS}).json()
    assert good == {"valid": True, "errors": 0, "warnings": 0, "diagnostics": [], "unsupported": []}
    bad = client.post("/api/ai/validate", json={"source": BAD_PINE})
    assert bad.status_code == 200
    assert bad.json()["valid"] is False and bad.json()["errors"] >= 1
    assert bad.json()["diagnostics"][0]["line"] == 3


def test_ui_config(client):
    strategy = upload(client).json()
    body = client.get("/api/ai/ui-config", params={"strategy_id": strategy["id"]}).json()
    assert body["title"] == "SMA cross"
    assert [(w["key"], w["widget"]) for w in body["widgets"]] == [
        ("fastLength", "number"),
        ("slowLength", "number"),
        ("useStop", "checkbox"),
        ("atrMult", "number"),
    ]
    assert client.get("/api/ai/ui-config", params={"strategy_id": 999}).status_code == 404
    assert client.get("/api/ai/ui-config").status_code == 422
