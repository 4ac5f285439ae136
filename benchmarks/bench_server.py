"""Load on a real ``pineopt serve``: 100 concurrent conversions and 20 concurrent backtests.

Starts ``pineopt serve`` on 127.0.0.1 (a free port, a fresh SQLite store in a temporary
directory, the rate limit off), then:

1. fires ``--conversions`` (100) ``POST /api/convert-pine`` at once (the three example
   scripts, each made unique by a comment) and times each answer;
2. uploads ``examples/sma_cross_strategy.pine`` and fires ``--backtests`` (20)
   ``POST /api/backtests/run`` at once on the bundled BTCUSDT 1h sample (from ``--start``),
   then polls each until it is done, timing the submission (the 202) and the whole run;
3. checks that every request was answered as expected and that nothing was lost: every
   conversion is in the store's ``conversions`` table and every backtest is ``done`` with its
   trades;
4. prints p50/p95/max latencies and stops the server by its PID (SIGTERM, then SIGKILL).

    .venv/bin/python benchmarks/bench_server.py [--conversions 100] [--backtests 20] \
        [--workers 2] [--start 2023-01-01]

Exits 1 when a request failed or something is missing from the store.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = ("sma_cross_strategy.pine", "rsi_macd_strategy.pine", "bollinger_indicator.pine")


def start_server(workdir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """``pineopt serve`` on a free loopback port; returns the process and its base URL."""
    env = {
        **os.environ,
        "PINEOPT_RATE_LIMIT": "0",
        "PINEOPT_DATA_DIR": str(workdir / "datasets"),
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    env.pop("PINEOPT_API_KEY", None)
    command = [
        sys.executable,
        "-m",
        "pineopt",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--workers",
        str(workers),
        "--database",
        f"sqlite:///{workdir / 'bench.db'}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=sys.stderr, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    if not match:
        stop_server(process)
        raise SystemExit(f"the server did not start: {line!r}")
    return process, match.group(1)


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM by PID, then SIGKILL if it has not stopped within 20 s."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return f"p50 {statistics.median(ordered):6.3f} s  p95 {p95:6.3f} s  max {ordered[-1]:6.3f} s"


async def timed_post(
    client: httpx.AsyncClient, path: str, **kwargs
) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await client.post(path, **kwargs)
    return time.perf_counter() - started, response


async def conversions(client: httpx.AsyncClient, count: int) -> tuple[list[float], list[str]]:
    texts = [(EXAMPLES / name).read_text(encoding="utf-8") for name in SCRIPTS]
    bodies = [
        {"source": texts[i % len(texts)] + f"\n// request {i}\n", "filename": f"load{i}.pine"}
        for i in range(count)
    ]
    answers = await asyncio.gather(
        *(timed_post(client, "/api/convert-pine", json=body) for body in bodies)
    )
    problems = [
        f"convert #{i}: {response.status_code} {response.text[:200]}"
        for i, (_, response) in enumerate(answers)
        if response.status_code != 200 or not response.json().get("ok")
    ]
    return [seconds for seconds, _ in answers], problems


async def backtests(
    client: httpx.AsyncClient, count: int, start: str
) -> tuple[list[float], list[float], list[int], list[str]]:
    upload = await client.post(
        "/api/strategies/upload",
        files={"file": ("sma_cross_strategy.pine", (EXAMPLES / SCRIPTS[0]).read_bytes())},
    )
    upload.raise_for_status()
    strategy_id = upload.json()["id"]
    body = {"strategy_id": strategy_id, "symbol": "BTCUSDT", "timeframe": "1h", "start": start}
    submitted = time.perf_counter()
    answers = await asyncio.gather(
        *(timed_post(client, "/api/backtests/run", json=body) for _ in range(count))
    )
    problems = [
        f"run #{i}: {r.status_code} {r.text[:200]}"
        for i, (_, r) in enumerate(answers)
        if r.status_code != 202
    ]
    ids = [r.json()["id"] for _, r in answers if r.status_code == 202]

    async def finished(backtest_id: int) -> float:
        while True:
            row = (await client.get(f"/api/backtests/{backtest_id}")).json()
            if row["status"] in ("done", "failed"):
                if row["status"] == "failed":
                    problems.append(f"backtest {backtest_id} failed: {row['error']}")
                return time.perf_counter() - submitted
            await asyncio.sleep(0.25)

    completions = await asyncio.gather(*(finished(i) for i in ids))
    return [seconds for seconds, _ in answers], completions, ids, problems


def check_store(workdir: Path, conversions: int, ids: list[int]) -> list[str]:
    """What the store holds, read directly after the run."""
    sys.path.insert(0, str(ROOT))
    from pineopt.store import Store

    problems = []
    with Store(f"sqlite:///{workdir / 'bench.db'}") as store:
        tables = store.info()["tables"]
        if tables.get("conversions", 0) < conversions:
            problems.append(f"only {tables.get('conversions')} of {conversions} conversions stored")
        for backtest_id in ids:
            row = store.backtest(backtest_id)
            if row["status"] != "done":
                problems.append(f"backtest {backtest_id} is {row['status']}")
            elif store.trades(backtest_id).empty:
                problems.append(f"backtest {backtest_id} has no trades")
    return problems


async def run(args: argparse.Namespace, base: str) -> tuple[list[int], list[str]]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as client:
        (await client.get("/api/health")).raise_for_status()
        started = time.perf_counter()
        convert_times, problems = await conversions(client, args.conversions)
        wall = time.perf_counter() - started
        print(f"{args.conversions} concurrent POST /api/convert-pine in {wall:.2f} s")
        print(f"  latency   {percentiles(convert_times)}")
        submit_times, done_times, ids, run_problems = await backtests(
            client, args.backtests, args.start
        )
        print(
            f"{args.backtests} concurrent POST /api/backtests/run "
            f"(BTCUSDT 1h from {args.start}, {args.workers} workers)"
        )
        print(f"  202 answer {percentiles(submit_times)}")
        print(f"  completion {percentiles(done_times)} (submission to done, polled every 0.25 s)")
        return ids, problems + run_problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversions", type=int, default=100)
    parser.add_argument("--backtests", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--start", default="2023-01-01", help="first bar of each backtest")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pineopt-bench-") as tmp:
        workdir = Path(tmp)
        process, base = start_server(workdir, args.workers)
        print(f"server: {base} (pid {process.pid})")
        try:
            ids, problems = asyncio.run(run(args, base))
        finally:
            stop_server(process)
        problems += check_store(workdir, args.conversions, ids)
    if problems:
        print(f"{len(problems)} problem(s):")
        for problem in problems[:20]:
            print("  " + problem)
        return 1
    print(
        f"every request answered; the store holds all {args.conversions} conversions and "
        f"all {len(ids)} backtests, done with their trades"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
