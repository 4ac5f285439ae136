"""Fixtures of the store tests: a fresh :class:`Store` on each backend (``database_url`` in
tests/conftest.py), and real runs of the example strategy on a slice of the bundled BTCUSDT 1h
bars."""

from __future__ import annotations

import pytest
from store_samples import SMA_CROSS

import pineopt
from pineopt.store import Store


@pytest.fixture
def store(database_url):
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
