"""Conversions and strategies over HTTP, on a real store."""

from __future__ import annotations

import pytest
from api_helpers import BAD_PINE, BOLLINGER, EXAMPLES, RSI_MACD, SMA_CROSS, upload

# ------------------------------------------------------------------ convert-pine


def test_convert_pine(client, store):
    before = store.info()["tables"]["conversions"]
    response = client.post("/api/convert-pine", json={"source": SMA_CROSS, "filename": "sma.pine"})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert "def script(ctx):" in body["code"]
    assert body["declaration"]["title"] == "SMA cross"
    assert body["declaration"]["kind"] == "strategy"
    assert body["features"]["builtins"]["ta.sma"] == 2
    assert body["features"]["unsupported"] == []
    assert body["diagnostics"] == []
    assert store.info()["tables"]["conversions"] == before + 1


def test_invalid_pine_is_422_with_located_diagnostics(client, store):
    before = store.info()["tables"]["conversions"]
    response = client.post("/api/convert-pine", json={"source": BAD_PINE, "filename": "bad.pine"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("bad.pine:3:")
    assert "x = close +* 2" in body["detail"]  # the source line and its caret
    (first, *_) = body["diagnostics"]
    assert (first["line"], first["severity"]) == (3, "error")
    assert first["col"] >= 1 and first["end_col"] >= first["col"]
    assert store.info()["tables"]["conversions"] == before + 1  # failures are history too


def test_unsupported_features_are_named(client):
    source = '//@version=6\nindicator("i")\nimport user/Lib/1 as lib\nplot(lib.f(close))\n'
    response = client.post("/api/convert-pine", json={"source": source})
    assert response.status_code == 422
    messages = [d["message"] for d in response.json()["diagnostics"]]
    assert "'imports' is not supported by PineOpt yet" in messages


def test_a_file_name_is_never_read_as_the_script(client):
    """``pineopt.convert`` reads a one-line text naming a file; the API must not."""
    path = str(EXAMPLES / "sma_cross_strategy.pine")
    response = client.post("/api/convert-pine", json={"source": path})
    assert response.status_code == 422
    assert "SMA cross" not in response.text
    response = client.post("/api/strategies", json={"source": path})
    assert response.status_code == 422
    assert "SMA cross" not in response.text


# ------------------------------------------------------------------ saving


def test_upload_a_pine_file(client):
    response = upload(client, SMA_CROSS, description="crossover", author="me", tags="trend, demo")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "SMA cross"
    assert (body["language"], body["validation_status"]) == ("pine", "valid")
    assert (body["description"], body["author"]) == ("crossover", "me")
    assert sorted(body["tags"]) == ["demo", "trend"]
    assert [p["title"] for p in body["parameters"]] == [
        "Fast length",
        "Slow length",
        "ATR stop",
        "ATR multiple",
    ]
    assert body["parameters"][0]["default"] == 50
    assert body["source"] == SMA_CROSS
    assert client.get(f"/api/strategies/{body['id']}").json() == body


def test_a_taken_name_is_409_unless_replaced(client):
    first = upload(client).json()
    response = upload(client)
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    changed = SMA_CROSS.replace("input.int(50,", "input.int(30,")
    response = upload(client, changed, replace="true")
    assert response.status_code == 201
    assert response.json()["id"] == first["id"]
    assert response.json()["parameters"][0]["default"] == 30


def test_upload_refusals(client):
    response = upload(client, BAD_PINE, filename="bad.pine")
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["line"] == 3
    response = upload(client, SMA_CROSS, filename="notes.txt")
    assert response.status_code == 422
    assert response.json()["detail"] == "only .pine and .py files are accepted, not 'notes.txt'"
    response = client.post(
        "/api/strategies/upload", files={"file": ("latin.pine", "é".encode("latin-1"))}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "latin.pine is not UTF-8 text (byte 0)"
    response = upload(client, "  \n", filename="empty.pine")
    assert (response.status_code, response.json()["detail"]) == (422, "empty.pine is empty")
    response = client.post("/api/strategies/upload", data={"name": "x"})
    assert response.status_code == 422  # no file part


def test_create_from_json_list_and_filter(client):
    made = []
    for source, name, tags in [
        (SMA_CROSS, "alpha", ["trend"]),
        (RSI_MACD, "beta", ["momentum"]),
        (BOLLINGER, "gamma", ["trend", "bands"]),
    ]:
        response = client.post(
            "/api/strategies", json={"source": source, "name": name, "tags": tags}
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    page = client.get("/api/strategies").json()
    assert page["total"] == 3
    assert {item["name"] for item in page["items"]} == {"alpha", "beta", "gamma"}
    assert all(item["backtests"] == 0 for item in page["items"])
    trend = client.get("/api/strategies", params={"tag": "trend"}).json()
    assert {item["name"] for item in trend["items"]} == {"alpha", "gamma"}
    assert trend["total"] == 2
    found = client.get("/api/strategies", params={"search": "BET"}).json()
    assert [item["name"] for item in found["items"]] == ["beta"]
    assert client.get("/api/strategies", params={"language": "python"}).json()["total"] == 0
    assert client.get("/api/strategies", params={"language": "cobol"}).status_code == 422


def test_update_and_delete(client):
    strategy = upload(client).json()
    url = f"/api/strategies/{strategy['id']}"
    response = client.put(url, json={"description": "new", "tags": ["x"], "name": "renamed"})
    assert response.status_code == 200
    assert (response.json()["description"], response.json()["tags"]) == ("new", ["x"])
    assert response.json()["name"] == "renamed"
    response = client.put(url, json={"source": BAD_PINE})
    assert response.status_code == 422
    assert response.json()["diagnostics"][0]["line"] == 3
    assert client.get(url).json()["source"] == SMA_CROSS  # unchanged
    assert client.put(url, json={"colour": "red"}).status_code == 422  # unknown field
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_validate_and_profile(client):
    strategy = upload(client).json()
    response = client.post(f"/api/strategies/{strategy['id']}/validate")
    assert response.status_code == 200
    assert response.json()["status"] == "valid"
    profile = client.post(f"/api/strategies/{strategy['id']}/profile").json()
    assert profile["runs"] is True and profile["problems"] == []
    assert profile["declaration"]["title"] == "SMA cross"
    assert profile["counts"]["branches"] == 4
    # the SMAs are computed over the whole history; the order logic runs bar by bar
    assert {12, 13} <= set(profile["execution"]["whole_history"])
    assert {17, 19} <= set(profile["execution"]["per_bar"])
    assert profile["features"]["builtins"]["strategy.entry"] == 2


def test_python_uploads_need_the_sandbox(client):
    """A .py upload is the module ``pineopt convert`` writes; where bubblewrap cannot run,
    it is refused with the way to enable it."""
    from pineopt.compiler import convert
    from pineopt.server import sandbox

    module = convert(SMA_CROSS, "sma_cross_strategy.pine").code
    response = upload(client, module, filename="sma_cross.py", name="py cross")
    if not sandbox.available():
        assert response.status_code == 422
        assert "bubblewrap" in response.json()["detail"]
        return
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["language"], body["name"], body["validation_status"]) == (
        "python",
        "py cross",
        "valid",
    )
    assert [p["name"] for p in body["parameters"]] == [
        "fastLength",
        "slowLength",
        "useStop",
        "atrMult",
    ]
    validated = client.post(f"/api/strategies/{body['id']}/validate").json()
    assert validated["status"] == "valid"
    profile = client.post(f"/api/strategies/{body['id']}/profile").json()
    assert profile["language"] == "python" and profile["runs"] is True


def test_python_uploads_are_checked(client):
    from pineopt.compiler import convert

    module = convert(SMA_CROSS, "sma_cross_strategy.pine").code
    evil = module.replace("def script(ctx):", "import os\n\ndef script(ctx):", 1)
    response = upload(client, evil, filename="evil.py")
    assert response.status_code == 422
    body = response.json()
    assert "evil.py:" in body["detail"] and "'os'" in body["detail"]
    assert body["diagnostics"][0]["severity"] == "error"
    assert body["diagnostics"][0]["line"] == evil.splitlines().index("import os") + 1
    assert client.get("/api/strategies").json()["total"] == 0


@pytest.mark.parametrize("field", ["name", "author", "description"])
def test_text_fields_refuse_nul(client, field):
    response = client.post("/api/strategies", json={"source": SMA_CROSS, field: "a\x00b"})
    assert response.status_code == 422
