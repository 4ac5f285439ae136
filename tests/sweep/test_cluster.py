"""Sweeps on Dask: a LocalCluster, a separately started scheduler with two workers (through
``pineopt sweep --scheduler``), and a worker killed mid-campaign. Each must give exactly the
rows of the serial sweep."""

from __future__ import annotations

import json
import threading
import time

import pandas as pd
import pytest
from sweep_helpers import CONSTRAINT, DATA, END, PARAMS, SCRIPT, START, small_sweep

import pineopt
from pineopt.cli import main
from pineopt.sweep.cluster import batch_size


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="seconds").sort_values("set").reset_index(drop=True)


def test_batches_keep_task_overhead_small():
    assert batch_size(1000, 2) == 32  # capped: a lost worker costs at most 32 runs
    assert batch_size(100, 2) == 13  # four shares per worker of what is left
    assert batch_size(7, 2) == 1  # the last batches are small: the workers finish together
    assert batch_size(3, 4) == 1
    assert batch_size(50, 0) == 1  # in-process: the progress bar moves per set


def test_batches_shrink_to_the_end_and_cover_every_set_once():
    from pineopt.sweep.campaign import Campaign

    class Recorder:  # a runner that keeps the batches it is given and runs none
        workers = 2

        def run(self, batches):
            self.batches = list(batches)
            return iter(())

    campaign = Campaign(SCRIPT, [DATA, DATA], {"Fast length": "2:51"}, start=START, end=END)
    campaign.runner = Recorder()
    sets = campaign.number({"Fast length": n} for n in range(2, 52))
    campaign.evaluate(sets)
    batches = campaign.runner.batches
    assert len(batches[0].sets) == 13 and len(batches[-1].sets) == 1  # 100 rows, 2 workers
    for name in ("BTCUSDT_1h", "BTCUSDT_1h (2)"):
        mine = [b for b in batches if b.dataset == name]
        assert [s for b in mine for s in b.sets] == sets
        sizes = [len(b.sets) for b in mine]
        assert sizes == sorted(sizes, reverse=True)


def test_local_cluster_equals_serial(serial, capsys, tmp_path):
    results = small_sweep(workers=2, out=tmp_path)
    pd.testing.assert_frame_equal(_comparable(results), _comparable(serial))
    assert "dask dashboard: http://" in capsys.readouterr().err
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["runner"] == "Dask LocalCluster of 2 worker processes"


def test_cli_through_a_separate_scheduler(dask_cluster, serial, tmp_path, capsys):
    args = ["sweep", str(SCRIPT), "--data", DATA, "--start", START, "--end", END]
    for name, values in PARAMS.items():
        args += ["--param", f"{name}={values}"]
    args += ["--constraint", CONSTRAINT, "--scheduler", dask_cluster.address]
    args += ["--out", str(tmp_path), "--no-progress", "--json"]
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["rows"] == 7 and document["failed"] == 0
    assert document["best"]["set"] == int(serial.iloc[0]["set"])
    stored = pd.read_parquet(tmp_path / "results.parquet")
    pd.testing.assert_frame_equal(_comparable(stored), _comparable(serial), check_dtype=False)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["runner"] == f"Dask scheduler {dask_cluster.address}"


KILL_PARAMS = {"Fast length": "3:14", "Slow length": "30,40", "ATR stop": "true"}
KILL_END = "2024-02-10"


def test_a_worker_killed_mid_campaign(dask_cluster):
    from distributed import Client

    victim = dask_cluster.start_worker("victim")
    dask_cluster.wait_for_workers(3)
    outcome: dict = {}

    def campaign():
        try:
            outcome["results"] = pineopt.sweep(
                SCRIPT,
                DATA,
                KILL_PARAMS,
                start=START,
                end=KILL_END,
                scheduler=dask_cluster.address,
                progress=False,
            )
        except BaseException as exc:  # reported by the assertions below
            outcome["error"] = exc

    worker = threading.Thread(target=campaign)
    with Client(dask_cluster.address, timeout="60s") as monitor:
        address = next(
            a
            for a, w in monitor.scheduler_info(n_workers=-1)["workers"].items()
            if w["name"] == "victim"
        )
        worker.start()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            busy = monitor.processing(workers=[address]).get(address, ())
            if any(str(key).startswith("pineopt-sweep-") for key in busy):
                break
            time.sleep(0.02)
        else:
            pytest.fail("the victim worker never received a batch")
        still_running = worker.is_alive()
        victim.kill()
        victim.wait(timeout=30)
        # the monitor stays connected until the campaign ends: closing a second client of
        # this process mid-campaign is not what is tested here
        worker.join(timeout=600)
    assert not worker.is_alive(), "the campaign did not end"
    assert still_running, "the campaign ended before the worker was killed"
    assert "error" not in outcome, outcome.get("error")
    results = outcome["results"]
    assert sorted(results["set"]) == list(range(1, 25))  # every set exactly once
    assert results["error"].isna().all()
    reference = pineopt.sweep(
        SCRIPT, DATA, KILL_PARAMS, start=START, end=KILL_END, workers=0, progress=False
    )
    pd.testing.assert_frame_equal(_comparable(results), _comparable(reference))


def test_ctrl_c_cancels_and_stops_the_local_cluster(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import psutil
    from sweep_helpers import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "pineopt",
        "sweep",
        str(SCRIPT),
        "--data",
        DATA,
        "--param",
        "Fast length=2:60",
        "--param",
        "Slow length=100,200",
        "--workers",
        "1",
        "--no-progress",
        "--out",
        str(tmp_path / "out"),
    ]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stderr:
            if line.startswith("dask dashboard: "):
                break
        children = psutil.Process(process.pid).children(recursive=True)
        assert children, "the local cluster has no worker process"
        process.send_signal(signal.SIGINT)
        # read stderr to the end while waiting: a shutdown that logs more than a pipe holds
        # must not block on its own writes
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 130, errors[-2000:]
        assert "pineopt: interrupted" in errors
        _, alive = psutil.wait_procs(children, timeout=60)
        assert not alive, f"left running: {alive}"
        assert not (tmp_path / "out" / "results.parquet").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
