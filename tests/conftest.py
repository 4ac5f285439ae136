"""Shared fixtures: paths to test data, an isolated cache root and database for every test,
``database_url``: a fresh empty database on SQLite and on PostgreSQL, and ``dask_cluster``: a
real Dask scheduler with two workers (tests/dask_processes.py)."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import socket
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.data.frame import to_ohlcv

TESTS = Path(__file__).parent
FILES = TESTS / "data" / "files"
TOOLS = TESTS.parent / "tools"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """No test reads or writes the developer's outputs/datasets or user cache."""
    monkeypatch.setenv("PINEOPT_DATA_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))


@pytest.fixture(autouse=True)
def _isolated_database(tmp_path_factory, monkeypatch):
    """No test writes the developer's outputs/pineopt.db: the default store is a fresh file."""
    folder = tmp_path_factory.mktemp("database")
    monkeypatch.setenv("PINEOPT_DATABASE_URL", f"sqlite:///{folder / 'pineopt.db'}")


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory):
    """A PostgreSQL superuser URL: ``$PINEOPT_TEST_POSTGRES_URL``, else a throwaway cluster
    started for this session (tools/pg_throwaway.py; stopped by its PID at the end). Without
    either the PostgreSQL tests are skipped, or fail when ``PINEOPT_REQUIRE_POSTGRES=1`` (CI)."""
    given = os.environ.get("PINEOPT_TEST_POSTGRES_URL", "").strip()
    if given:
        yield given
        return
    throwaway = _pg_throwaway()
    if throwaway.find_bin("initdb") is None:
        message = "no PostgreSQL: set PINEOPT_TEST_POSTGRES_URL or install Debian's postgresql"
        if os.environ.get("PINEOPT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    cluster = throwaway.start()
    try:
        yield cluster.url
    finally:
        throwaway.stop(cluster.folder)


def _pg_throwaway():
    """tools/pg_throwaway.py as a module (tools/ is not a package)."""
    if "pg_throwaway" not in sys.modules:
        spec = importlib.util.spec_from_file_location("pg_throwaway", TOOLS / "pg_throwaway.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["pg_throwaway"] = module  # before running it: its dataclass looks itself up
        spec.loader.exec_module(module)
    return sys.modules["pg_throwaway"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The URL of a fresh, empty database: a SQLite file, or a new database on the PostgreSQL
    server of :func:`postgres_admin_url` (dropped after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pineopt.db'}"
        return
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    admin = sa.make_url(request.getfixturevalue("postgres_admin_url"))
    admin = admin.set(drivername="postgresql+psycopg")
    name = f"pineopt_test_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield admin.set(database=name).render_as_string(hide_password=False)
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (sweeps and
    report grids on a separately started cluster), ended by PID after the module."""
    from dask_processes import DaskProcesses

    cluster = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        cluster.start_scheduler()
        cluster.start_worker("w1")
        cluster.start_worker("w2")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """No test reaches beyond this machine: a connection to anything but a loopback address
    fails loudly (fakes of remote services must answer before a socket is opened)."""

    def guard(connect):
        def guarded(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
                raise RuntimeError(f"a test tried to connect to {address}")
            return connect(sock, address)

        return guarded

    monkeypatch.setattr(socket.socket, "connect", guard(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guard(socket.socket.connect_ex))


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture
def files() -> Path:
    return FILES


@pytest.fixture
def make_bars():
    """Factory of small contract frames: a rising close from ``base``, open half a point below,
    high and low one point around, volume 1."""

    def make(start="2024-01-01", periods=10, freq="h", base=100.0):
        index = pd.date_range(start, periods=periods, freq=freq, tz="UTC")
        close = base + np.arange(periods, dtype=float)
        columns = {"open": close - 0.5, "high": close + 1, "low": close - 1, "close": close}
        return to_ohlcv(pd.DataFrame({**columns, "volume": np.ones(periods)}, index=index))

    return make


TV_HEADER = (
    "Trade #,Type,Date and time,Signal,Price USDT,Size (qty),Size (value),Net P&L USD,Net P&L %,"
    "Favorable excursion USD,Favorable excursion %,Adverse excursion USD,Adverse excursion %,"
    "Cumulative P&L USD,Cumulative P&L %\n"
)
PROBE_SCRIPT = """//@version=6
strategy("p", default_qty_type = strategy.fixed, default_qty_value = 1)
exitBar = input.int(5, "Exit bar")
if bar_index == 0
    strategy.entry("L", strategy.long)
if bar_index == exitBar
    strategy.close("L")
"""


@pytest.fixture
def probe_dir(tmp_path) -> Path:
    """A folder of three probes in the conformance layout, on eight flat 15-minute bars
    priced 100, 101, ... from 2025-01-01 00:00 UTC.

    The chart starts at the third bar (``ohlcv_start_ms``), so bar 0 is priced 102: the long
    placed there fills at bar 1's open 103 (00:45 UTC, 08:45 in the list's UTC+8) and, with
    the input "Exit bar" set to 3, the close fills at bar 4's open 106 (01:30 UTC, 09:30).
    ``order-match-01`` has exactly that trade; ``order-late-01`` a list whose entry is 15
    minutes earlier; ``order-broken-01`` a script that does not compile."""
    data = tmp_path / "data"
    data.mkdir()
    rows = ["timestamp,open,high,low,close,volume"]
    start_ms = 1735689600000  # 2025-01-01 00:00 UTC
    for i in range(8):
        price = 100 + i
        rows.append(f"{start_ms + i * 900_000},{price},{price},{price},{price},1")
    (data / "bars.csv").write_text("\n".join(rows) + "\n")
    settings = {"Exit bar": 3, "ohlcv_start_ms": start_ms + 2 * 900_000, "_comment": "x"}
    lists = {
        "order-match-01": ("09:30", "08:45", "103"),
        "order-late-01": ("09:30", "08:30", "102"),
        "order-broken-01": ("09:30", "08:45", "103"),
    }
    for name, (exit_at, entry_at, entry_price) in lists.items():
        folder = tmp_path / "probes" / name
        folder.mkdir(parents=True)
        script = PROBE_SCRIPT if "broken" not in name else PROBE_SCRIPT.replace("==", "===", 1)
        (folder / "strategy.pine").write_text(script)
        (folder / "inputs.json").write_text(json.dumps(settings))
        (folder / "tv_trades.csv").write_text(
            TV_HEADER
            + f"1,Exit long,2025-01-01 {exit_at},Close entry(s) order L,106,1,103,3,2.91,3,2.91,"
            "0,0,3,0.00\n"
            + f"1,Entry long,2025-01-01 {entry_at},L,{entry_price},1,103,3,2.91,3,2.91,0,0,3,0.00\n"
        )
    return tmp_path
