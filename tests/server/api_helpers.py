"""Constants and helpers shared by the REST shim's tests (imported as ``api_helpers``)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SMA_CROSS = (EXAMPLES / "sma_cross_strategy.pine").read_text(encoding="utf-8")
RSI_MACD = (EXAMPLES / "rsi_macd_strategy.pine").read_text(encoding="utf-8")
BOLLINGER = (EXAMPLES / "bollinger_indicator.pine").read_text(encoding="utf-8")
#: a strategy whose every bar runs a long loop (tens of milliseconds, under TradingView's 500 ms
#: loop limit): a backtest of it over thousands of bars takes far longer than a second on any
#: machine, whatever the speed of the broker
SLOW = """//@version=6
strategy("Slow loop")
total = 0.0
for i = 0 to 20000
    total += i % 7
if total > 0 and bar_index % 50 == 0
    strategy.entry("L", strategy.long)
"""
BAD_PINE = '//@version=6\nindicator("bad")\nx = close +* 2\nplot(x)\n'

#: a short stretch of the bundled BTCUSDT 1h sample (1,441 bars): a backtest over it takes well
#: under a second
SHORT = {"symbol": "BTCUSDT", "timeframe": "1h", "start": "2024-01-01", "end": "2024-03-01"}


def upload(
    client: TestClient, text: str = SMA_CROSS, filename: str = "sma_cross_strategy.pine", **form
):
    """Upload a strategy file; returns the response."""
    return client.post(
        "/api/strategies/upload", files={"file": (filename, text.encode("utf-8"))}, data=form
    )


def wait_for(client: TestClient, backtest_id: int, limit: float = 180.0) -> dict:
    """Poll a backtest until it is done or failed (``limit`` only guards against a hang)."""
    deadline = time.monotonic() + limit
    while True:
        row = client.get(f"/api/backtests/{backtest_id}").json()
        if row["status"] in ("done", "failed") or time.monotonic() > deadline:
            return row
        time.sleep(0.1)
