"""Fixtures of the sweep tests: the example strategy's declared inputs, the in-process sweep
the other ways are compared with, and a real Dask cluster (a scheduler and two workers) for
the module that asks for it."""

from __future__ import annotations

import pytest
from sweep_helpers import CONSTRAINT, DATA, END, PARAMS, SCRIPT, START, DaskProcesses

import pineopt


@pytest.fixture(scope="session")
def specs():
    from pineopt.api import _module
    from pineopt.runtime.engine import declared_inputs

    return declared_inputs(_module(str(SCRIPT))[1])


@pytest.fixture(scope="session")
def serial():
    """The reference sweep: in this process (``workers=0``), run once per session."""
    return pineopt.sweep(
        SCRIPT,
        DATA,
        PARAMS,
        constraints=[CONSTRAINT],
        start=START,
        end=END,
        workers=0,
        progress=False,
    )


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    cluster = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        cluster.start_scheduler()
        cluster.start_worker("w1")
        cluster.start_worker("w2")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.stop()
