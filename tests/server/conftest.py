"""Fixtures of the REST shim's tests: a real store (SQLite and PostgreSQL, from the store's
``database_url`` fixture), the real app with its job runner, driven in-process by FastAPI's
TestClient (the lifespan runs: worker processes start and stop with each client)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pineopt.server import create_app
from pineopt.server.settings import Settings

TEST_SETTINGS = {"rate_limit": 0, "remote_data": False, "workers": 2, "run_timeout": 120.0}


@pytest.fixture
def store(database_url):
    from pineopt.store import Store

    with Store(database_url) as opened:
        yield opened


@pytest.fixture
def make_client(store):
    """``make_client(**settings)``: a TestClient on the real app over ``store``; the app's
    lifespan (job runner included) ends with the test."""
    clients = []

    def make(**changes) -> TestClient:
        settings = Settings(**{**TEST_SETTINGS, **changes})
        client = TestClient(
            create_app(store=store, settings=settings), raise_server_exceptions=False
        )
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()
