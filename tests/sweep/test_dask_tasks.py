"""The Dask plumbing sweeps and report grids share (:mod:`pineopt.sweep.dask_tasks`)."""

from __future__ import annotations

import os

import dask
import distributed  # noqa: F401  (its settings' defaults)

from pineopt.sweep import dask_tasks


def _worker_settings() -> dict:
    return {
        "trim": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "profile": dask.config.get("distributed.worker.profile.interval"),
    }


def test_local_config_drops_the_malloc_trim_threshold_and_keeps_the_rest():
    config = dask_tasks.local_config()
    environ = config["distributed.nanny.pre-spawn-environ"]
    assert "MALLOC_TRIM_THRESHOLD_" not in environ
    default = dask.config.get("distributed.nanny.pre-spawn-environ")
    assert environ == {k: v for k, v in default.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    assert config["distributed.worker.profile.interval"] == "100ms"


def test_a_local_cluster_started_here_has_workers_with_those_settings(monkeypatch):
    """Workers of a LocalCluster started by connect(): no malloc trim threshold in their
    environment (glibc's adaptive mmap threshold stays on), one BLAS/OpenMP thread, the
    slowed profiler."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    client, cluster = dask_tasks.connect(workers=1)
    try:
        (settings,) = client.run(_worker_settings).values()
    finally:
        dask_tasks.disconnect(client, cluster)
    assert settings == {"trim": None, "threads": "1", "profile": "100ms"}
