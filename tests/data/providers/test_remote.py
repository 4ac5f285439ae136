"""The machinery shared by the remote providers: bar grid, failure classification, retries,
cache bookkeeping and messages."""

from __future__ import annotations

import asyncio
import errno
import socket

import pandas as pd
import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.frame import OHLCV_COLUMNS, empty_ohlcv
from pineopt.data.providers.remote import (
    Failure,
    RangeWriter,
    RemoteSeries,
    RetryPolicy,
    bar_end,
    bar_floor,
    classify_network,
    format_time,
    is_timeout,
    iter_days,
    progress_bar,
    shift_bars,
    short_error,
    split_prefix,
    unreachable_reason,
)
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError, NetworkUnavailable, ProviderError

KEY = CacheKey("ccxt", "binance", "BTC/USDT", Timeframe.parse("60"))


def T(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def hourly(start: str, count: int) -> pd.DataFrame:
    index = pd.date_range(T(start), periods=count, freq="h", name="time").as_unit("ns")
    values = [[100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1.0] for i in range(count)]
    return pd.DataFrame(values, index=index, columns=list(OHLCV_COLUMNS))


def raised(make):
    """The exception ``make()`` raises, with its traceback chain set as Python sets it."""
    try:
        make()
    except Exception as exc:
        return exc
    raise AssertionError("did not raise")


# --------------------------------------------------------------------------- the grid


@pytest.mark.parametrize(
    ("tf", "stamp", "floor", "end"),
    [
        ("60", "2024-01-01 10:30", "2024-01-01 10:00", "2024-01-01 11:00"),
        ("240", "2024-01-01 10:30", "2024-01-01 08:00", "2024-01-01 12:00"),
        ("1S", "2024-01-01 10:30:05.5", "2024-01-01 10:30:05", "2024-01-01 10:30:06"),
        ("1D", "2024-02-29 23:59", "2024-02-29", "2024-03-01"),
        ("1W", "2024-01-03 12:00", "2024-01-01", "2024-01-08"),  # weeks open on Mondays
        ("1W", "1970-01-02", "1969-12-29", "1970-01-05"),
        ("1M", "2024-02-29 12:00", "2024-02-01", "2024-03-01"),
        ("3M", "2024-05-15", "2024-04-01", "2024-07-01"),
    ],
)
def test_bar_grid(tf, stamp, floor, end):
    timeframe = Timeframe.parse(tf)
    assert bar_floor(T(stamp), timeframe) == T(floor)
    assert bar_end(T(floor), timeframe) == T(end)


def test_shift_days_and_formatting():
    assert shift_bars(T("2024-01-31"), Timeframe.parse("1M"), -2) == T("2023-11-30")
    assert shift_bars(T("2024-01-01"), Timeframe.parse("60"), -3) == T("2023-12-31 21:00")
    assert list(iter_days(T("2024-01-30"), T("2024-02-02"))) == [
        T("2024-01-30"),
        T("2024-01-31"),
        T("2024-02-01"),
    ]
    assert format_time(T("2024-01-31")) == "2024-01-31"
    assert format_time(T("2024-01-31 12:00")) == "2024-01-31T12:00Z"
    assert format_time(T("2024-01-31 12:00:05")) == "2024-01-31T12:00:05Z"
    assert bar_floor(pd.Timestamp("2024-01-01 10:30"), Timeframe.parse("60")) == T(
        "2024-01-01 10:00"
    )  # naive means UTC


def test_split_prefix():
    assert split_prefix("BINANCE:BTCUSDT") == ("binance", "BTCUSDT")
    assert split_prefix(" BTC/USDT:USDT ") == (None, "BTC/USDT:USDT")
    assert split_prefix("BTCUSDT") == (None, "BTCUSDT")


# --------------------------------------------------------------------------- classification


def requests_error(reason: Exception) -> requests.ConnectionError:
    """What requests raises when urllib3 gives up with ``reason`` (set up as requests does)."""

    def make():
        try:
            raise MaxRetryError(None, "/api/v3/klines", reason)
        except MaxRetryError as exc:
            raise requests.ConnectionError(exc) from None

    return raised(make)


def test_name_resolution_failures_are_unreachable():
    gai = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    exc = requests_error(NameResolutionError("api.binance.com", None, gai))
    assert unreachable_reason(exc) == "cannot resolve api.binance.com"
    assert classify_network(exc) is Failure.UNREACHABLE
    assert unreachable_reason(RuntimeError("wrapped", gai)) == "cannot resolve the host name"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connection refused"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "network unreachable"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "no route to host"),
    ],
)
def test_refused_and_unroutable_are_unreachable(error, reason):
    def make():
        try:
            raise error
        except OSError as exc:
            raise NewConnectionError(None, f"Failed to establish a new connection: {exc}") from exc

    assert unreachable_reason(requests_error(raised(make))) == reason


def test_text_fallback_and_other_failures():
    assert unreachable_reason(Exception("getaddrinfo failed")) == "cannot resolve the host name"
    assert unreachable_reason(Exception("[Errno 111] Connection refused")) == "connection refused"
    timeout = raised(lambda: (_ for _ in ()).throw(TimeoutError("timed out")))
    assert unreachable_reason(timeout) is None and is_timeout(timeout)
    assert classify_network(asyncio.TimeoutError()) is Failure.TIMEOUT
    assert classify_network(ConnectionResetError(errno.ECONNRESET, "reset")) is None
    assert classify_network(ValueError("x")) is None
    assert short_error(ValueError("a\n  b")) == "a b" and short_error(KeyError()) == "KeyError"
    assert len(short_error(ValueError("x" * 500))) == 200


def test_retry_policy():
    policy = RetryPolicy(max_retries=10, backoff=0.5, max_delay=3.0)
    assert [policy.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    with pytest.raises(DataError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(DataError, match="backoff"):
        RetryPolicy(backoff=float("nan"))


# --------------------------------------------------------------------------- RemoteSeries


def series(tmp_path, retries: int = 2) -> tuple[RemoteSeries, list[float]]:
    sleeps: list[float] = []
    policy = RetryPolicy(retries, 0.1, sleep=sleeps.append)
    remote = RemoteSeries(ParquetCache(tmp_path), KEY, "binance", policy, label="BTC/USDT 1h")
    remote.window = (T("2024-01-01"), T("2024-01-02"))
    return remote, sleeps


def classify(exc):
    return {
        OSError: Failure.TRANSIENT,
        TimeoutError: Failure.TIMEOUT,
        LookupError: Failure.PERMANENT,
        ConnectionAbortedError: Failure.UNREACHABLE,
    }.get(type(exc))


def flaky(*failures):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return "ok"

    return call, calls


def test_call_retries_transient_failures(tmp_path):
    remote, sleeps = series(tmp_path)
    call, calls = flaky(OSError("busy"), OSError("busy"))
    assert remote.call(call, classify, str) == "ok" and sleeps == [0.1, 0.2] and len(calls) == 3


def test_call_outcomes(tmp_path):
    remote, sleeps = series(tmp_path)
    with pytest.raises(DataError, match=r"^explained: nope$") as caught:
        remote.call(flaky(LookupError("nope"))[0], classify, lambda e: f"explained: {e}")
    assert not isinstance(caught.value, ProviderError) and sleeps == []
    with pytest.raises(NetworkUnavailable, match=r"^binance is unreachable \(down; network down"):
        remote.call(flaky(ConnectionAbortedError("down"))[0], classify, str)
    assert sleeps == []
    with pytest.raises(ValueError, match="a bug"):  # unknown failures are not swallowed
        remote.call(flaky(ValueError("a bug"))[0], classify, str)
    with pytest.raises(
        ProviderError,
        match=r"binance kept failing for BTC/USDT 1h 2024-01-01 → "
        r"2024-01-02 \(3 attempts\): busy; nothing cached",
    ):
        remote.call(flaky(*[OSError("busy")] * 3)[0], classify, str)
    with pytest.raises(NetworkUnavailable, match=r"timed out, 3 attempts"):
        remote.call(flaky(*[TimeoutError()] * 3)[0], classify, str)


def test_cached_summary(tmp_path):
    remote, _ = series(tmp_path)
    assert remote.cached_summary() == "nothing cached for BTC/USDT 1h"
    remote.store(hourly("2024-01-01 00:00", 3), (T("2024-01-01"), T("2024-01-01 03:00")), "t")
    remote.store(empty_ohlcv(), (T("2024-01-01 06:00"), T("2024-01-01 08:00")), "t")
    remote.store(hourly("2024-01-03", 2), (T("2024-01-03"), T("2024-01-03 02:00")), "t")
    assert remote.cached_summary() == (
        "cached: 2024-01-01 → 2024-01-01T02:00Z (3 bars), 2024-01-01T06:00Z → "
        f"2024-01-01T08:00Z (no bars) in {remote.path}"
    )
    remote.window = (T("2024-02-01"), T("2024-02-02"))
    assert remote.cached_summary() == (
        "nothing cached in this range (the cache holds 5 bars, 2024-01-01 → "
        f"2024-01-03T01:00Z in {remote.path})"
    )


def test_dataset_and_no_bars(tmp_path):
    remote, _ = series(tmp_path)
    info = SymbolInfo.default("BTC/USDT", "ccxt", "binance")
    with pytest.raises(
        DataError,
        match=r"^no bars returned for BTC/USDT 1h by binance between "
        r"2024-01-01 and 2024-01-01T05:00Z$",
    ):
        remote.dataset(T("2024-01-01"), T("2024-01-01 05:00"), info, KEY.timeframe, {})
    remote.store(hourly("2024-01-01", 5), (T("2024-01-01"), T("2024-01-01 05:00")), "t")
    data = remote.dataset(
        T("2024-01-01 01:00"), T("2024-01-01 02:00"), info, KEY.timeframe, {"provider": "ccxt"}
    )
    assert len(data) == 2 and data.provenance == {"provider": "ccxt", "cache": str(remote.path)}


# --------------------------------------------------------------------------- RangeWriter


def test_range_writer_batches_and_keeps_pages_on_error(tmp_path, monkeypatch):
    remote, _ = series(tmp_path)
    stores = []
    original = remote.store
    monkeypatch.setattr(remote, "store", lambda *a, **k: (stores.append(a[1]), original(*a, **k)))
    with (
        pytest.raises(KeyboardInterrupt),
        RangeWriter(remote, T("2024-01-01"), source="t", batch=4) as writer,
    ):
        writer.add(hourly("2024-01-01 00:00", 2), T("2024-01-01 02:00"))
        writer.add(hourly("2024-01-01 02:00", 2), T("2024-01-01 04:00"))  # 4 pending: stored
        writer.add(hourly("2024-01-01 04:00", 1), T("2024-01-01 05:00"))
        raise KeyboardInterrupt
    assert stores == [
        (T("2024-01-01"), T("2024-01-01 04:00")),
        (T("2024-01-01 04:00"), T("2024-01-01 05:00")),
    ]
    assert len(remote.entry.frame) == 5 and writer.stored == 5


def test_range_writer_never_creates_an_empty_file(tmp_path):
    remote, _ = series(tmp_path)
    with RangeWriter(remote, T("2024-01-01"), source="t") as writer:
        writer.finish(T("2024-01-02"))
    assert remote.entry is None and not remote.path.exists()
    remote.store(hourly("2024-01-03", 1), (T("2024-01-03"), T("2024-01-03 01:00")), "t")
    with RangeWriter(remote, T("2024-01-01"), source="t") as writer:
        writer.finish(T("2024-01-02"))  # with a file, a quiet range is recorded
    assert remote.entry.fetched[0] == (T("2024-01-01"), T("2024-01-02"))


def test_progress_bar_can_be_silenced():
    with progress_bar(False, 10, "x", "bar") as bar:
        bar.update(3)
    assert bar.disable
