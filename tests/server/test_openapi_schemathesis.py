"""schemathesis over every operation of ``/openapi.json``, in-process: no 5xx, every answer
matches the schema (status codes, bodies, headers), invalid input is refused.

The app runs on a real store that holds a strategy and a finished backtest, so that
operations on existing ids are reached too. The number of requests made per operation is
written to ``outputs/schemathesis/report-<backend>.json`` and printed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from api_helpers import SHORT, upload, wait_for
from hypothesis import HealthCheck, settings

REPORT_DIR = Path(__file__).resolve().parents[2] / "outputs" / "schemathesis"
REQUESTS: Counter[str] = Counter()
STATUSES: Counter[int] = Counter()


@pytest.fixture
def api_schema(make_client, store):
    client = make_client(workers=1, run_timeout=30.0)
    strategy = upload(client).json()
    backtest = client.post("/api/backtests/run", json={"strategy_id": strategy["id"], **SHORT})
    assert wait_for(client, backtest.json()["id"])["status"] == "done"
    REQUESTS.clear()
    STATUSES.clear()
    yield schemathesis.openapi.from_asgi("/openapi.json", client.app)
    total = sum(REQUESTS.values())
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    report = {
        "backend": store.backend,
        "requests": total,
        "operations": len(REQUESTS),
        "by_operation": dict(sorted(REQUESTS.items())),
        "by_status": {str(k): v for k, v in sorted(STATUSES.items())},
        "failures": 0,  # a failure fails the test before this line
    }
    (REPORT_DIR / f"report-{store.backend}.json").write_text(json.dumps(report, indent=2))
    operations = len(REQUESTS)
    print(
        f"\nschemathesis ({store.backend}): {total} requests, {operations} operations, 0 failures"
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case):
    response = case.call()
    REQUESTS[case.operation.label] += 1
    STATUSES[response.status_code] += 1
    case.validate_response(response)
