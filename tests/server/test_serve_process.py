"""One real ``pineopt serve`` process on 127.0.0.1: the issue's curl session, over HTTP.

Upload ``examples/sma_cross_strategy.pine`` as multipart, run a backtest on the bundled
BTCUSDT 1h sample, poll it to completion, read its trades and stats; then stop the server by
its PID (SIGTERM) and check it stopped cleanly.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from api_helpers import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]


def test_pineopt_serve_upload_run_poll_read(tmp_path):
    """One process, on a SQLite file (the in-process tests cover PostgreSQL)."""
    database_url = f"sqlite:///{tmp_path / 'served.db'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "PINEOPT_WORKERS": "1",
    }
    env.pop("PINEOPT_API_KEY", None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pineopt",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--database",
            database_url,
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        ready, _, _ = select.select([server.stdout], [], [], 120)
        assert ready, "pineopt serve printed nothing"
        line = server.stdout.readline()
        match = re.match(r"PineOpt API on (http://127\.0\.0\.1:\d+) \(docs: \1/docs\)", line)
        assert match, line
        with httpx.Client(base_url=match.group(1), timeout=60) as http:
            assert http.get("/api/health").json()["status"] == "ok"
            with (EXAMPLES / "sma_cross_strategy.pine").open("rb") as file:
                uploaded = http.post(
                    "/api/strategies/upload", files={"file": ("sma_cross_strategy.pine", file)}
                )
            assert uploaded.status_code == 201, uploaded.text
            strategy_id = uploaded.json()["id"]
            queued = http.post(
                "/api/backtests/run",
                json={
                    "strategy_id": strategy_id,
                    "symbol": "BTCUSDT",
                    "timeframe": "1h",
                    "start": "2024-03-01",
                },
            )
            assert queued.status_code == 202
            assert queued.json()["status"] == "queued"
            backtest_id = queued.json()["id"]
            deadline = time.monotonic() + 300
            while (row := http.get(f"/api/backtests/{backtest_id}").json())["status"] not in (
                "done",
                "failed",
            ) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert row["status"] == "done", row
            trades = http.get(f"/api/backtests/{backtest_id}/trades").json()
            stats = http.get(f"/api/backtests/{backtest_id}/stats").json()
            closed = stats["metrics"]["all"]["total_closed_trades"]
            assert closed > 0
            assert trades["total"] == closed + stats["metrics"]["all"]["total_open_trades"]
            assert trades["items"][0]["entry_time"] >= "2024-03-01"
            assert http.get("/docs").status_code == 200
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        finally:
            if server.poll() is None:
                os.kill(server.pid, signal.SIGKILL)
                server.wait(10)
            log.close()
    assert server.returncode == 0, (tmp_path / "server.log").read_text()
    assert "Traceback" not in (tmp_path / "server.log").read_text()
