"""Shared fixtures: paths to test data, and an isolated cache root for every test."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pineopt.data.frame import to_ohlcv

TESTS = Path(__file__).parent
FILES = TESTS / "data" / "files"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """No test reads or writes the developer's outputs/datasets or user cache."""
    monkeypatch.setenv("PINEOPT_DATA_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))


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
