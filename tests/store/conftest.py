"""Fixtures of the store tests: a fresh :class:`Store` on each backend (``database_url`` in
tests/conftest.py), and real runs of the example strategy on a slice of the bundled BTCUSDT 1h
bars."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from store_samples import SMA_CROSS

import pineopt
from pineopt.store import Store


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url):
    """The name of a PostgreSQL database migrated once per session: copying it (``CREATE
    DATABASE ... TEMPLATE``) is much quicker than migrating every test's database."""
    admin = _admin(postgres_admin_url)
    name = f"pineopt_template_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    Store(sa.make_url(postgres_admin_url).set(database=name)).close()
    yield name
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _admin(url: str) -> sa.Engine:
    admin = sa.make_url(url).set(drivername="postgresql+psycopg")
    return sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@pytest.fixture
def store(database_url, request):
    """A :class:`Store` on the fresh database of ``database_url``, schema in place (on
    PostgreSQL the empty database is replaced by a copy of :func:`postgres_template`)."""
    if database_url.startswith("postgresql"):
        template = request.getfixturevalue("postgres_template")
        url = sa.make_url(database_url)
        admin = _admin(request.getfixturevalue("postgres_admin_url"))
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{url.database}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')
        admin.dispose()
    with Store(database_url) as opened:
        yield opened


@pytest.fixture(scope="session")
def btc():
    """Six weeks of BTCUSDT 1h from the bundled sample (about 1 100 bars)."""
    return pineopt.load("BTCUSDT", "1h", provider="sample").between("2024-01-01", "2024-02-15")


@pytest.fixture(scope="session")
def sma_source() -> str:
    return SMA_CROSS.read_text()


@pytest.fixture(scope="session")
def sma_run(btc, sma_source):
    """The example strategy over :func:`btc`: closed trades and one still open."""
    return pineopt.run(sma_source, btc)


@pytest.fixture(scope="session")
def sma_fast_run(btc, sma_source):
    """The same with a faster fast SMA (other trades, other metrics)."""
    return pineopt.run(sma_source, btc, inputs={"Fast length": 20})
