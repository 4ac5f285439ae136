"""A real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 for the tests that run
on a separately started cluster (the ``dask_cluster`` fixture of tests/conftest.py): sweeps and
report grids. :meth:`DaskProcesses.stop` ends them by PID."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pineopt

ROOT = Path(pineopt.__file__).resolve().parents[1]


class DaskProcesses:
    """A scheduler and workers started as subprocesses; :meth:`stop` ends them by PID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            "XDG_CACHE_HOME": str(folder / "cache"),
            "PINEOPT_DATA_DIR": str(folder / "data"),
        }
        self.processes: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, *args: str, log: str) -> subprocess.Popen:
        with open(self.folder / log, "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "dask", *args],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
            )
        self.processes.append(process)
        return process

    def start_scheduler(self) -> str:
        self._start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(self.file),
            log="scheduler.log",
        )
        deadline = time.monotonic() + 120
        while not self.file.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the dask scheduler did not start")
            time.sleep(0.1)
        for _ in range(100):
            try:
                self.address = json.loads(self.file.read_text())["address"]
                break
            except (ValueError, KeyError):
                time.sleep(0.1)
        return self.address

    def start_worker(self, name: str) -> subprocess.Popen:
        return self._start(
            "worker",
            "--scheduler-file",
            str(self.file),
            "--host",
            "127.0.0.1",
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--name",
            name,
            log=f"{name}.log",
        )

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="60s") as client:
            client.wait_for_workers(count, timeout=120)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
