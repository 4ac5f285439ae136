"""Fixtures of the sweep tests: the example strategy's declared inputs and the in-process sweep
the other ways are compared with (the real Dask cluster, ``dask_cluster``, is in
tests/conftest.py)."""

from __future__ import annotations

import pytest
from sweep_helpers import SCRIPT, small_sweep


@pytest.fixture(scope="session")
def specs():
    from pineopt.api import _module
    from pineopt.runtime.engine import declared_inputs

    return declared_inputs(_module(str(SCRIPT))[1])


@pytest.fixture(scope="session")
def serial():
    """The reference sweep: in this process (``workers=0``), run once per session."""
    return small_sweep(workers=0)
