"""schemathesis over every operation of ``/openapi.json``, in-process, with 0 failures.

schemathesis's own engine (what ``st run`` uses) runs all its phases against the real app on a
real store that holds a strategy and a finished backtest: the schema's examples, the coverage
phase (boundary and invalid values of every parameter, undeclared methods), fuzzing, and
stateful sequences that follow ids from one answer into the next call. Its default checks
apply: no 5xx, status codes, content types, headers and bodies as documented, invalid input
refused, valid input accepted, ``Allow`` on 405.

One check is configured: ``positive_data_acceptance`` also accepts 422. A request can fit the
schema and still be refused on its meaning - Pine that does not convert, a symbol with no bars,
a file that is neither ``.pine`` nor ``.py`` - and the issue asks for exactly that answer (422
with the located diagnostics).

The number of requests per operation and per status goes to
``outputs/schemathesis/report.json`` and to the test's output.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from api_helpers import SHORT, upload, wait_for
from fastapi.testclient import TestClient
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.engine import events, from_schema

from pineopt.server import create_app
from pineopt.server.settings import Settings
from pineopt.store import Store

REPORT_DIR = Path(__file__).resolve().parents[2] / "outputs" / "schemathesis"
MAX_EXAMPLES = 3
SEED = 20261207


def without_lifespan(app):
    """``app`` for schemathesis's ASGI client, which would start the app's lifespan (and so a
    second job runner) on its first call: the test client already runs it."""

    async def wrapper(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        await app(scope, receive, send)

    return wrapper


def run_schemathesis(app) -> tuple[Counter, Counter, list[str]]:
    """Run every phase; return requests by operation, answers by status, failures."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(app))
    schema.config.seed = SEED
    schema.config.generation.update(max_examples=MAX_EXAMPLES)
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
    )
    requests: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                requests[recorder.label] += 1
                if interaction.response is not None:
                    statuses[interaction.response.status_code] += 1
            for checks in recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(
                            f"{check.name} on {recorder.label}: {failure.title}\n"
                            f"{failure.message}\n{check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            failures.append(f"error on {event.label}: {event.info.title}: {event.info}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception}")
    return requests, statuses, failures


@pytest.fixture
def sqlite_client(tmp_path):
    """The app on a SQLite store of its own: the schema does not depend on the database (the
    API tests run on both), so this test runs once."""
    with Store(f"sqlite:///{tmp_path / 'schemathesis.db'}") as store:
        settings = Settings(rate_limit=0, remote_data=False, workers=1, run_timeout=10.0)
        with TestClient(
            create_app(store=store, settings=settings), raise_server_exceptions=False
        ) as client:
            yield client


def test_every_operation_conforms_to_the_schema(sqlite_client):
    client = sqlite_client
    strategy = upload(client).json()
    week = {**SHORT, "end": "2024-01-08"}
    backtest = client.post("/api/backtests/run", json={"strategy_id": strategy["id"], **week})
    assert wait_for(client, backtest.json()["id"])["status"] == "done"

    requests, statuses, failures = run_schemathesis(client.app)

    total = sum(requests.values())
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    report = {
        "backend": "sqlite",
        "requests": total,
        "operations": len([label for label in requests if " /" in label]),
        "failures": len(failures),
        "by_operation": dict(sorted(requests.items())),
        "by_status": {str(k): v for k, v in sorted(statuses.items())},
    }
    (REPORT_DIR / "report.json").write_text(json.dumps(report, indent=2))
    print(
        f"\nschemathesis: {total} requests, {report['operations']} operations, "
        f"{len(failures)} failures"
    )
    assert not failures, "\n\n".join(dict.fromkeys(failures))
    schema_paths = client.get("/openapi.json").json()["paths"]
    documented = {f"{m.upper()} {p}" for p, ops in schema_paths.items() for m in ops}
    assert documented <= set(requests)  # every operation was exercised
    assert not any(status >= 500 for status in statuses)
