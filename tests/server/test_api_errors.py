"""The app as a whole: the schema and docs, health, and every kind of refusal - each a JSON
``{"detail": ...}``, never a stack trace."""

from __future__ import annotations

from api_helpers import SMA_CROSS, upload

ISSUE_PATHS = {
    "/api/convert-pine": {"post"},
    "/api/strategies/upload": {"post"},
    "/api/strategies": {"get", "post"},
    "/api/strategies/{id}": {"get", "put", "delete"},
    "/api/strategies/{id}/validate": {"post"},
    "/api/strategies/{id}/profile": {"post"},
    "/api/backtests/run": {"post"},
    "/api/backtests/{id}": {"get", "delete"},
    "/api/backtests": {"get"},
    "/api/backtests/{id}/stats": {"get"},
    "/api/backtests/{id}/chart": {"get"},
    "/api/backtests/{id}/trades": {"get"},
    "/api/backtests/latest/{strategy_id}": {"get"},
    "/api/backtests/compare": {"post"},
    "/api/market/ohlcv": {"get"},
    "/api/market/status": {"get"},
    "/api/ai/analyze": {"post"},
    "/api/ai/validate": {"post"},
    "/api/ai/ui-config": {"get"},
    "/api/ai/capabilities": {"get"},
    "/api/health": {"get"},
}


def test_the_schema_has_every_path_of_the_issue(client):
    schema = client.get("/openapi.json").json()
    assert {path: set(ops) for path, ops in schema["paths"].items()} == ISSUE_PATHS
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path != "/api/health":
                error = operation["responses"]["422"]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    assert "securitySchemes" not in schema.get("components", {})  # no key configured


def test_docs_page(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "/openapi.json" in response.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/docs"


def test_health(client, store):
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["database"]["backend"] == store.backend
    assert body["database"]["backtests"] == 0
    assert body["jobs"] == {"workers": 2, "executor": "processes", "queued": 0, "running": 0}
    assert body["auth"] is False
    assert {"enabled", "reason", "modules"} <= set(body["sandbox"])


def test_unknown_path_and_method(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "no such path: /api/nothing (the API is described at /docs)"
    }
    response = client.patch("/api/strategies")
    assert response.status_code == 405
    assert response.json() == {
        "detail": "PATCH is not allowed on /api/strategies (allowed: GET, POST)"
    }
    assert response.headers["allow"] == "GET, POST"
    # a fixed path beside an id path: the id route does not swallow it
    response = client.get("/api/backtests/compare")
    assert (response.status_code, response.headers["allow"]) == (405, "POST")
    assert client.put("/api/strategies/upload").headers["allow"] == "POST"


def test_unknown_ids_are_404(client):
    for method, path in [
        ("get", "/api/strategies/999"),
        ("put", "/api/strategies/999"),
        ("delete", "/api/strategies/999"),
        ("post", "/api/strategies/999/validate"),
        ("post", "/api/strategies/999/profile"),
        ("get", "/api/backtests/999"),
        ("delete", "/api/backtests/999"),
        ("get", "/api/backtests/999/stats"),
        ("get", "/api/backtests/999/chart"),
        ("get", "/api/backtests/999/trades"),
        ("get", "/api/backtests/latest/999"),
    ]:
        kwargs = {"json": {"description": "x"}} if method == "put" else {}
        response = getattr(client, method)(path, **kwargs)
        assert response.status_code == 404, (method, path)
        assert response.json()["detail"].startswith("no "), (method, path, response.json())
    response = client.post(
        "/api/backtests/run", json={"strategy_id": 999, "symbol": "BTCUSDT", "timeframe": "1h"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "no strategy with id 999"}


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/convert-pine", content=b'{"source": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("the request body is not valid JSON")


def test_a_body_outside_the_schema_is_422_with_where_and_why(client):
    response = client.post("/api/backtests/run", json={"strategy_id": 0, "symbol": "", "extra": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("invalid request: ")
    where = {tuple(e["loc"]) for e in body["errors"]}
    assert {
        ("body", "strategy_id"),
        ("body", "symbol"),
        ("body", "extra"),
    } <= where
    assert "Traceback" not in response.text
    response = client.get("/api/strategies/0")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "id"]
    assert client.get("/api/strategies/abc").status_code == 404  # ids are numbers
    response = client.post("/api/convert-pine", json={"source": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "source"], "message": "text must not contain the NUL character"}
    ]


def test_oversize_body_and_upload_are_413(make_client):
    client = make_client(max_body_bytes=4096, max_upload_bytes=1000)
    response = client.post("/api/convert-pine", json={"source": "//" + "x" * 5000})
    assert response.status_code == 413
    assert response.json() == {"detail": "the request body is larger than the limit of 4,096 bytes"}
    big = SMA_CROSS + "//" + "x" * 2000 + "\n"
    response = upload(client, big)
    assert response.status_code == 413
    assert response.json() == {"detail": "the upload is larger than the limit of 1,000 bytes"}
    # without a Content-Length the bytes are counted as they arrive
    response = client.post(
        "/api/convert-pine",
        content=iter([b'{"source": "', b"x" * 5000, b'"}']),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_api_key(make_client):
    client = make_client(api_keys=("k1", "k2"))
    response = client.get("/api/strategies")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "this server needs an API key: send it in the X-API-Key header"
    }
    response = client.get("/api/strategies", headers={"X-API-Key": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "the API key in the X-API-Key header is not valid"}
    assert client.get("/api/strategies", headers={"X-API-Key": "k2"}).status_code == 200
    health = client.get("/api/health")
    assert health.status_code == 200 and health.json()["auth"] is True
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    assert schema["paths"]["/api/strategies"]["get"]["security"] == [{"ApiKey": []}]
    assert "security" not in schema["paths"]["/api/health"]["get"]
    # the key is checked before the body is read
    response = client.post(
        "/api/convert-pine", content=b"{", headers={"content-type": "application/json"}
    )
    assert response.status_code == 401


def test_rate_limit_per_key(make_client):
    client = make_client(api_keys=("k1", "k2"), rate_limit=3)
    one, two = {"X-API-Key": "k1"}, {"X-API-Key": "k2"}
    assert [client.get("/api/strategies", headers=one).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/strategies", headers=one)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["detail"].startswith("too many requests: the limit is 3 per 60 s")
    assert client.get("/api/strategies", headers=two).status_code == 200  # its own budget
    assert client.get("/api/health").status_code == 200  # probes are not counted


def test_rate_limit_per_client_without_a_key(make_client):
    client = make_client(rate_limit=2)
    assert [client.get("/api/ai/capabilities").status_code for _ in range(3)] == [200, 200, 429]


def test_an_internal_error_is_a_plain_500(make_client, caplog):
    client = make_client()

    def broken() -> dict:
        raise ZeroDivisionError("a bug")

    client.app.add_api_route("/api/broken", broken)
    response = client.get("/api/broken")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "internal error of the PineOpt server (the details are in the server's log)"
    }
    assert "ZeroDivisionError" not in response.text
    assert "ZeroDivisionError" in caplog.text


def test_pagination_is_capped(make_client):
    client = make_client(page_max=3)
    for i in range(5):
        assert upload(client, SMA_CROSS, name=f"s{i}").status_code == 201
    page = client.get("/api/strategies", params={"limit": 1000}).json()
    assert (page["limit"], page["total"], len(page["items"])) == (3, 5, 3)
    page = client.get("/api/strategies", params={"limit": 2, "offset": 4}).json()
    assert (page["limit"], page["offset"], len(page["items"])) == (2, 4, 1)
    assert client.get("/api/strategies", params={"limit": 0}).status_code == 422
    assert client.get("/api/strategies", params={"offset": -1}).status_code == 422
    assert client.get("/api/strategies").json()["limit"] == 3
