"""Many writers at once, and a writer killed mid-transaction: nothing committed is lost, nothing
half-written appears, and the database stays usable."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from pineopt.store import NotFound, Store

ROOT = Path(__file__).resolve().parents[2]

# A child process: waits for the start signal, then records a pickled Result COUNT times.
RECORDER = """
import pickle, sys, time
from pathlib import Path
from pineopt.store import Store
url, result_path, go, ready, count = sys.argv[1:6]
result = pickle.loads(Path(result_path).read_bytes())
store = Store(url)
Path(ready).touch()
while not Path(go).exists():
    time.sleep(0.005)
for _ in range(int(count)):
    print(store.record(result), flush=True)
"""

# A child process: records COUNT backtests, then stops inside a write transaction.
DYING_WRITER = """
import pickle, sys, time
from pathlib import Path
from pineopt.store import Store
from pineopt.store.models import Strategy
url, result_path, count = sys.argv[1:4]
store = Store(url)
result = pickle.loads(Path(result_path).read_bytes())
for _ in range(int(count)):
    print(store.record(result), flush=True)
with store._db.write() as session:
    session.add(Strategy(name="half written", language="pine", source="x", source_sha256="0"))
    session.flush()
    print("inside", flush=True)
    time.sleep(600)
"""


def _child(script: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture
def pickled_run(sma_run, tmp_path) -> Path:
    path = tmp_path / "result.pickle"
    path.write_bytes(pickle.dumps(sma_run))
    return path


def test_eight_backtests_recorded_at_once_from_threads(store, sma_run):
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda _: store.record(sma_run), range(8)))
    assert len(set(ids)) == 8
    assert store.count_backtests(status="done") == 8
    assert store.count_strategies() == 1  # saved once, found by the others
    tables = store.info()["tables"]
    assert tables["backtest_trades"] == 8 * len(sma_run.trades)
    assert tables["backtest_results"] == 8 and tables["data_sessions"] == 1
    for backtest_id in ids:
        pd.testing.assert_frame_equal(store.trades(backtest_id), sma_run.trades)


def test_eight_backtests_recorded_at_once_from_four_processes(tmp_path, pickled_run, sma_source):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Store(url) as store:  # saved once here: the children only record
        store.save_strategy(sma_source)
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    children = [_child(RECORDER, url, pickled_run, go, flag, 2) for flag in ready]
    while not all(flag.exists() for flag in ready):
        assert all(c.poll() is None for c in children), [c.communicate() for c in children]
        time.sleep(0.01)
    go.touch()
    outputs = [child.communicate(timeout=300) for child in children]
    assert [c.returncode for c in children] == [0] * 4, outputs
    ids = [int(line) for out, _ in outputs for line in out.split()]
    assert len(ids) == len(set(ids)) == 8
    with Store(url) as store:
        assert sorted(store.backtests()["id"]) == sorted(ids)
        assert store.count_strategies() == 1
        assert store.info()["tables"]["backtest_results"] == 8


def test_a_writer_killed_mid_transaction_loses_nothing_committed(
    database_url, pickled_run, sma_source
):
    with Store(database_url) as store:  # migrated, the strategy saved: the child only records
        store.save_strategy(sma_source)
    child = _child(DYING_WRITER, database_url, pickled_run, 3)
    committed = []
    for line in child.stdout:
        if line.strip() == "inside":
            break
        committed.append(int(line))
    else:
        pytest.fail(f"the writer died early: {child.communicate()}")
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL and len(committed) == 3
    with Store(database_url) as store:
        assert sorted(store.backtests()["id"]) == sorted(committed)
        with pytest.raises(NotFound):
            store.strategy("half written")
        for backtest_id in committed:
            assert store.backtest(backtest_id)["status"] == "done"
        assert store.record(pickle.loads(pickled_run.read_bytes())) > max(committed)
        assert store.count_backtests() == 4
        if store.backend == "sqlite":
            with store._db.read() as session:
                check = session.connection().exec_driver_sql("PRAGMA integrity_check")
                assert check.scalar() == "ok"
