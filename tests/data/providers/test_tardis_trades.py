"""The tardis provider with tardis-dev's own downloader running: only ``aiohttp.ClientSession.get``
is replaced, by a fake datasets.tardis.dev that serves gzip CSV trade files built here in the
real format; tardis-dev writes them to disk and the provider parses and aggregates them. The
offline tests keep aiohttp's real connector and make name resolution fail instead."""

from __future__ import annotations

import asyncio
import gzip
import socket
from pathlib import Path

import aiohttp
import pandas as pd
import pytest

from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.providers import DataRequest, get_provider
from pineopt.data.providers import tardis_trades as tardis
from pineopt.data.providers.tardis_trades import TardisProvider, aggregate_trades, tardis_symbol
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError, NetworkUnavailable, ProviderError

HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
URL = "https://datasets.tardis.dev/v1/binance/trades/{:%Y/%m/%d}/BTCUSDT.csv.gz"
H1 = Timeframe.parse("60")
REAL_GET = aiohttp.ClientSession.get


def T(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def us(text: str) -> int:
    return T(text).value // 1000


def trades_file(rows: list[tuple[str, float, float]], arrival_delay_us: int = 1500) -> bytes:
    """A gzip Tardis trades CSV; rows ``(exchange time, price, amount)`` in file order."""
    lines = [HEADER]
    for number, (when, price, amount) in enumerate(rows):
        stamp = us(when)
        side = "buy" if number % 2 else "sell"
        lines.append(
            f"binance,BTCUSDT,{stamp},{stamp + arrival_delay_us},{1000 + number},"
            f"{side},{price},{amount}\n"
        )
    return gzip.compress("".join(lines).encode())


DAY1 = trades_file(
    [  # 2024-03-01, in arrival order (10:00:30 arrived before 10:00:10)
        ("2024-03-01 10:00:30", 101.0, 0.5),
        ("2024-03-01 10:00:10", 100.0, 1.0),
        ("2024-03-01 10:45:00", 104.0, 0.25),
        ("2024-03-01 10:59:59", 99.0, 2.0),
        ("2024-03-01 12:15:00", 110.0, 1.0),  # 11:00 has no trades: no bar
        ("2024-03-01 23:30:00", 120.0, 1.0),
    ]
)
DAY2 = trades_file(
    [
        ("2024-03-01 23:59:59.999", 125.0, 3.0),  # executed on day 1, filed under day 2
        ("2024-03-02 00:00:01", 130.0, 1.0),
        ("2024-03-02 05:00:00", 131.0, 1.0),
    ]
)
DAY3 = trades_file([("2024-03-03 08:00:00", 140.0, 1.0)])


class FakeResponse:
    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body
        self.headers = {"Content-Encoding": "gzip"} if status == 200 else {}
        self.content = self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> bool:
        return False

    async def text(self) -> str:
        return self.body.decode(errors="replace")

    async def iter_any(self):
        for start in range(0, len(self.body), 64):  # in chunks, as over the wire
            yield self.body[start : start + 64]


class FakeTardis:
    """``files``: url → bytes; ``script``: what the next requests do instead (an exception to
    raise, ``(status, text)``, or ``None`` for the normal answer)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.urls: list[str] = []
        self.keys: list[str | None] = []
        self.script: list = []

    def serve(self, day: str, body: bytes) -> None:
        self.files[URL.format(T(day))] = body

    def get(self, session, url, **kwargs):
        self.urls.append(url)
        self.keys.append(session.headers.get("Authorization"))
        action = self.script.pop(0) if self.script else None
        if isinstance(action, BaseException):
            raise action
        if action is not None:
            body = action[1] if isinstance(action[1], bytes) else action[1].encode()
            return FakeResponse(action[0], body)
        if url not in self.files:
            return FakeResponse(404, b'{"code":100,"message":"Dataset not found"}')
        return FakeResponse(200, self.files[url])


class Setup:
    def __init__(self, root: Path, monkeypatch, fake: bool = True, **options) -> None:
        self.sleeps: list[float] = []
        self.cache = ParquetCache(root)
        options = {
            "cache": self.cache,
            "progress": False,
            "max_retries": 3,
            "backoff": 0.01,
            "sleep": self.sleeps.append,
            **options,
        }
        self.provider = TardisProvider(**options)
        self.server = FakeTardis()
        for day, body in (("2024-03-01", DAY1), ("2024-03-02", DAY2), ("2024-03-03", DAY3)):
            self.server.serve(day, body)
        if fake:
            server = self.server
            monkeypatch.setattr(
                aiohttp.ClientSession,
                "get",
                lambda session, url, **kwargs: server.get(session, url, **kwargs),
            )

    def load(self, start="2024-03-01", end="2024-03-02 23:59", tf="60", symbol="BTCUSDT"):
        return self.provider.load(DataRequest.make(symbol, tf, start, end))

    def path(self, tf: Timeframe = H1) -> Path:
        return self.cache.path(CacheKey("tardis", "binance", "BTCUSDT", tf))


@pytest.fixture(autouse=True)
def _clock_and_env(monkeypatch):
    monkeypatch.setattr(tardis, "_now", lambda: T("2024-03-10 12:00"))
    monkeypatch.setenv("TARDIS_API_KEY", "test-key")
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    return Setup(tmp_path / "cache", monkeypatch)


def bar(open_, high, low, close, volume):
    return [open_, high, low, close, volume]


# --------------------------------------------------------------------------- success


def test_trades_become_bars(setup):
    data = setup.load()
    assert setup.server.urls == [URL.format(T("2024-03-01")), URL.format(T("2024-03-02"))]
    assert setup.server.keys == ["Bearer test-key"] * 2
    frame = data.frame
    assert list(frame.index) == [
        T("2024-03-01 10:00"),
        T("2024-03-01 12:00"),
        T("2024-03-01 23:00"),
        T("2024-03-02 00:00"),
        T("2024-03-02 05:00"),
    ]
    # open is the earliest trade by exchange time, not the first line of the file
    assert frame.loc[T("2024-03-01 10:00")].tolist() == bar(100.0, 104.0, 99.0, 99.0, 3.75)
    assert frame.loc[T("2024-03-01 12:00")].tolist() == bar(110.0, 110.0, 110.0, 110.0, 1.0)
    # the trade executed at 23:59:59.999 but filed under the next day closes day 1's last bar
    assert frame.loc[T("2024-03-01 23:00")].tolist() == bar(120.0, 125.0, 120.0, 125.0, 4.0)
    assert frame.loc[T("2024-03-02 00:00")].tolist() == bar(130.0, 130.0, 130.0, 130.0, 1.0)
    assert data.symbol.tickerid == "BINANCE:BTCUSDT" and data.symbol.currency == "USDT"
    assert data.provenance["trades"] == 9 and data.provenance["downloaded_days"] == 2
    assert data.provenance["cache"] == str(setup.path())
    entry = setup.cache.read(CacheKey("tardis", "binance", "BTCUSDT", H1))
    assert entry.fetched == [(T("2024-03-01"), T("2024-03-03"))]
    assert entry.metadata["source"] == "Tardis.dev binance trades BTCUSDT"


def test_daily_bars_and_registry(tmp_path, monkeypatch):
    run = Setup(tmp_path, monkeypatch)
    assert isinstance(get_provider("tardis", cache=run.cache, progress=False), TardisProvider)
    data = run.load(tf="1D")
    assert data.frame.loc[T("2024-03-01")].tolist() == bar(100.0, 125.0, 99.0, 125.0, 8.75)
    assert data.frame.loc[T("2024-03-02")].tolist() == bar(130.0, 131.0, 130.0, 131.0, 2.0)


def test_a_trade_filed_a_day_early_joins_its_bar(setup):
    setup.server.serve(
        "2024-03-05",
        trades_file([("2024-03-05 12:00", 1.0, 1.0), ("2024-03-06 00:00:00.5", 2.0, 1.0)]),
    )
    setup.server.serve("2024-03-06", trades_file([("2024-03-06 00:00:10", 3.0, 1.0)]))
    data = setup.load(start="2024-03-05", end="2024-03-06 23:59")
    assert data.frame.loc[T("2024-03-06 00:00")].tolist() == bar(2.0, 3.0, 2.0, 3.0, 2.0)
    assert len(data) == 2


def test_a_late_trade_of_an_uncached_day_is_left_out(setup):
    data = setup.load(start="2024-03-02", end="2024-03-02 23:59")
    assert list(data.frame.index) == [T("2024-03-02 00:00"), T("2024-03-02 05:00")]
    assert setup.cache.read(CacheKey("tardis", "binance", "BTCUSDT", H1)).frame.index[0] == T(
        "2024-03-02"
    )


def test_aggregate_trades_and_symbols():
    trades = pd.DataFrame(
        {
            "timestamp": [
                us("2024-01-01 00:00:30"),
                us("2024-01-01 00:00:10"),
                us("2024-01-01 00:02:00"),
            ],
            "price": [2.0, 1.0, 3.0],
            "amount": [1.0, 1.0, 0.5],
        }
    )
    bars = aggregate_trades(trades, "1")
    assert list(bars.index) == [T("2024-01-01 00:00"), T("2024-01-01 00:02")]  # no 00:01 bar
    assert bars.iloc[0].tolist() == bar(1.0, 2.0, 1.0, 2.0, 2.0)
    assert tardis_symbol("btc/usdt", "binance") == "BTCUSDT"
    assert tardis_symbol("BTC/USDT:USDT", "binance-futures") == "BTCUSDT"
    assert tardis_symbol("BTC/USD", "coinbase") == "BTC-USD"
    assert tardis_symbol("BTC-PERPETUAL", "deribit") == "BTC-PERPETUAL"


def test_with_a_progress_bar(tmp_path, monkeypatch):
    assert len(Setup(tmp_path, monkeypatch, progress=True).load()) == 5


def test_download_from_inside_a_running_event_loop(setup):
    async def notebook_cell():
        return setup.load()

    assert len(asyncio.run(notebook_cell())) == 5


def test_fallback_to_download_datasets(setup, monkeypatch):
    monkeypatch.setattr(tardis, "_single_attempt", lambda: None)
    assert len(setup.load()) == 5
    assert setup.server.urls == [URL.format(T("2024-03-01")), URL.format(T("2024-03-02"))]


# --------------------------------------------------------------------------- the cache


def test_cache_reuse_and_extension(setup, tmp_path, monkeypatch):
    first = setup.load()
    again = Setup(tmp_path / "cache", monkeypatch)
    pd.testing.assert_frame_equal(again.load().frame, first.frame)
    assert again.server.urls == []
    longer = again.load(end="2024-03-03 23:59")
    assert again.server.urls == [URL.format(T("2024-03-03"))]
    assert len(longer) == 6 and longer.frame.index.is_unique


# --------------------------------------------------------------------------- the API key


def test_without_a_key_only_first_days_of_the_month_are_fetched(setup, monkeypatch):
    monkeypatch.delenv("TARDIS_API_KEY")
    with pytest.raises(
        DataError,
        match="Tardis.dev needs an API key for binance BTCUSDT on "
        r"2024-03-02: set TARDIS_API_KEY \(or api_key=\); "
        "without a key only the first day of each month is "
        r"free \(e.g. 2024-03-01\)",
    ):
        setup.load()
    assert setup.server.urls == []
    data = setup.load(end="2024-03-01 23:59")  # the free day
    assert setup.server.keys == [None] and len(data) == 3


def test_refused_key_and_missing_files_are_permanent(setup):
    setup.server.script = [(401, '{"code":1,"message":"Invalid API key"}')]
    with pytest.raises(
        DataError,
        match=r"refused the API key for binance BTCUSDT trades of "
        r"2024-03-01 \(HTTP 401: .*Invalid API key",
    ):
        setup.load()
    with pytest.raises(
        DataError,
        match=r"Tardis.dev has no binance ETHUSDT trades of "
        r"2024-03-01 \(HTTP 404\): check the Tardis exchange id",
    ):
        setup.load(symbol="ETHUSDT")
    assert setup.sleeps == []


def test_free_day_refused_without_key(setup, monkeypatch):
    monkeypatch.delenv("TARDIS_API_KEY")
    setup.server.files.clear()
    setup.server.script = [(401, "unauthorized")]
    with pytest.raises(
        DataError,
        match=r"refused binance BTCUSDT trades of 2024-03-01 without "
        r"an API key \(HTTP 401: unauthorized\); set TARDIS",
    ):
        setup.load(end="2024-03-01")


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "failure",
    [
        lambda: aiohttp.ServerTimeoutError("Timeout on reading data from socket"),
        lambda: (503, "Service Unavailable"),
        lambda: (429, "Too Many Requests"),
        lambda: aiohttp.ServerDisconnectedError(),
    ],
    ids=["timeout", "http-503", "http-429", "disconnected"],
)
def test_transient_failures_back_off_and_succeed(setup, failure):
    setup.server.script = [failure(), failure()]
    assert len(setup.load(end="2024-03-01 23:59")) == 3
    assert setup.sleeps == [0.01, 0.02] and len(setup.server.urls) == 3


def test_a_cut_off_download_is_retried(setup):
    setup.server.script = [(200, DAY1[: len(DAY1) // 2])]
    assert len(setup.load(end="2024-03-01 23:59")) == 3
    assert setup.sleeps == [0.01] and len(setup.server.urls) == 2


def test_timeouts_exhausted_read_as_unreachable(setup):
    setup.server.script = [aiohttp.ServerTimeoutError("timeout")] * 4
    with pytest.raises(
        NetworkUnavailable,
        match=r"Tardis.dev \(binance\) is unreachable "
        r"\(timed out, 4 attempts; network down\?\)",
    ):
        setup.load()
    assert setup.sleeps == [0.01, 0.02, 0.04]


def test_persistent_server_errors(setup):
    setup.server.script = [(500, "oops")] * 4
    with pytest.raises(ProviderError, match="kept failing"):
        setup.load()


def test_offline_fails_fast_naming_the_cached_data(setup, tmp_path, monkeypatch):
    setup.load(end="2024-03-01 23:59")
    path = setup.path()
    before = path.read_bytes(), path.stat().st_mtime_ns
    monkeypatch.setattr(aiohttp.ClientSession, "get", REAL_GET)  # the real transport again …
    lookups = []

    def fail(host, *args, **kwargs):
        lookups.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", fail)  # … with no DNS
    offline = Setup(tmp_path / "cache", monkeypatch, fake=False)
    with pytest.raises(NetworkUnavailable) as caught:
        offline.load()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "Tardis.dev (binance) is unreachable (cannot resolve "
        "datasets.tardis.dev; network down?): cannot fetch BTCUSDT 1h "
        "trades 2024-03-01 → 2024-03-03; cached: 2024-03-01T10:00Z → "
        "2024-03-01T23:00Z (3 bars) in "
    )
    assert lookups == ["datasets.tardis.dev"] and offline.sleeps == []
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_offline_with_nothing_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: (_ for _ in ()).throw(
            socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        ),
    )
    offline = Setup(tmp_path, monkeypatch, fake=False)
    with pytest.raises(NetworkUnavailable, match=r"nothing cached for BTCUSDT 1h trades$"):
        offline.load()
    assert not offline.path().exists()


@pytest.mark.parametrize(
    "failure", [KeyboardInterrupt(), (404, "gone")], ids=["ctrl-c", "permanent-error"]
)
def test_an_interrupted_run_keeps_the_days_done(setup, failure):
    setup.server.script = [None, None, failure]
    with pytest.raises((KeyboardInterrupt, DataError)):
        setup.load(end="2024-03-03 23:59")
    entry = setup.cache.read(CacheKey("tardis", "binance", "BTCUSDT", H1))
    assert entry.fetched == [(T("2024-03-01"), T("2024-03-03"))] and len(entry.frame) == 5
    setup.server.urls.clear()
    assert len(setup.load(end="2024-03-03 23:59")) == 6
    assert setup.server.urls == [URL.format(T("2024-03-03"))]


# --------------------------------------------------------------------------- empty and bad input


def test_quiet_day_and_no_trades_at_all(setup):
    setup.server.serve("2024-03-04", gzip.compress(b""))  # Tardis: no data that day
    with pytest.raises(DataError, match=r"no bars returned for BTCUSDT 1h trades by Tardis\.dev"):
        setup.load(start="2024-03-04", end="2024-03-04 23:59")
    assert not setup.path().exists()
    data = setup.load(start="2024-03-03", end="2024-03-04 23:59")
    assert len(data) == 1
    setup.server.urls.clear()
    setup.load(start="2024-03-03", end="2024-03-04 23:59")
    assert setup.server.urls == []  # the quiet day is recorded as fetched


def test_timeframe_and_date_checks(setup):
    with pytest.raises(DataError, match="must divide a day"):
        setup.load(tf="7")
    with pytest.raises(DataError, match="must divide a day"):
        setup.load(tf="1W")
    with pytest.raises(DataError, match="needs a timeframe"):
        setup.provider.load(DataRequest.make("BTCUSDT"))
    with pytest.raises(DataError, match="publishes a day's trades the next day"):
        setup.load(start="2024-03-10", end="2024-03-11")
    assert setup.server.urls == []


def test_not_a_trades_file(setup):
    setup.server.serve("2024-03-01", gzip.compress(b"a,b\n1,2\n"))
    with pytest.raises(DataError, match="not a Tardis trades file"):
        setup.load(end="2024-03-01")
