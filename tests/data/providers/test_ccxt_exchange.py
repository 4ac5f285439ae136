"""The ccxt provider against a fake Binance: ccxt's own request signing, HTTP error mapping and
response parsing run; only the transport (a ``requests`` adapter mounted on the exchange's
session) answers with JSON built here, shaped like api.binance.com's. The network-failure tests
leave the transport alone and make the socket layer fail instead, so the exceptions come out of
requests/urllib3/ccxt exactly as they would offline."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import ccxt
import pandas as pd
import pytest
import requests
from requests.adapters import BaseAdapter
from urllib3.exceptions import ProtocolError

from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.providers import DataRequest, get_provider
from pineopt.data.providers.ccxt_exchange import CcxtProvider, guess_symbol
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError, NetworkUnavailable, ProviderError

HOUR = 3_600_000
T0 = 1_704_067_200_000  # 2024-01-01T00:00Z
NOW = T0 + 20 * HOUR + 30 * 60_000  # 20:30, so the 20:00 bar is still forming
H1 = Timeframe.parse("60")


def ts(ms: int) -> pd.Timestamp:
    return pd.Timestamp(ms, unit="ms", tz="UTC")


def make_bars(hours) -> dict[int, tuple[float, float, float, float, float]]:
    """Hourly bars from T0 keyed by open time; prices tell the hour (100 + h)."""
    bars = {}
    for hour in hours:
        base = 100.0 + hour
        bars[T0 + hour * HOUR] = (base, base + 0.75, base - 0.5, base + 0.25, 10.0 + hour / 4)
    return bars


EXCHANGE_INFO = {
    "timezone": "UTC",
    "serverTime": T0,
    "rateLimits": [],
    "exchangeFilters": [],
    "symbols": [
        {
            "symbol": symbol,
            "status": "TRADING",
            "baseAsset": base,
            "baseAssetPrecision": 8,
            "quoteAsset": quote,
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "MARKET"],
            "icebergAllowed": True,
            "ocoAllowed": True,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": tick,
                    "maxPrice": "1000000.00",
                    "tickSize": tick,
                },
                {
                    "filterType": "LOT_SIZE",
                    "minQty": "0.00001",
                    "maxQty": "9000.0",
                    "stepSize": "0.00001",
                },
            ],
            "permissions": [],
            "permissionSets": [["SPOT"]],
        }
        for symbol, base, quote, tick in [
            ("BTCUSDT", "BTC", "USDT", "0.01"),
            ("ETHBTC", "ETH", "BTC", "0.00001"),
            ("BTCPLN", "BTC", "PLN", "1"),
        ]
    ],
}


class FakeBinance(BaseAdapter):
    """Answers Binance's exchangeInfo and klines endpoints from ``bars`` like the real API:
    prices as strings, ``startTime`` inclusive, at most ``limit`` rows, the forming bar
    included. ``script`` queues what the next klines calls do instead (an exception to raise or
    ``(status, json)``; ``None`` means answer normally)."""

    def __init__(self, bars: dict, now: int) -> None:
        super().__init__()
        self.bars = bars
        self.now = now
        self.urls: list[str] = []
        self.klines: list[dict[str, str]] = []
        self.script: list = []

    def send(self, request, **kwargs):
        url = urlparse(request.url)
        self.urls.append(request.url)
        if url.path.endswith("/exchangeInfo"):
            spot = url.netloc == "api.binance.com"
            return self.reply(request, EXCHANGE_INFO if spot else {"symbols": []})
        if url.path == "/api/v3/klines":
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            self.klines.append(query)
            action = self.script.pop(0) if self.script else None
            if isinstance(action, BaseException):
                raise action
            if action is not None:
                return self.reply(request, action[1], action[0])
            return self.reply(request, self.rows(query))
        return self.reply(request, {"code": -1, "msg": "not faked"}, 404)

    def rows(self, query: dict[str, str]) -> list[list]:
        if query["symbol"] != "BTCUSDT":
            return []
        start, limit = int(query["startTime"]), int(query["limit"])
        opens = sorted(t for t in self.bars if start <= t <= self.now)[:limit]
        return [
            [t, *(f"{value:.8f}" for value in self.bars[t]), t + HOUR - 1, "0", 7, "0", "0", "0"]
            for t in opens
        ]

    @staticmethod
    def reply(request, body, status: int = 200) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.reason = http.client.responses.get(status, "")
        response.url = request.url
        response.request = request
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(body).encode()
        return response

    def close(self) -> None:
        pass


class Setup:
    """A provider on a tmp cache with a fake Binance, a fixed exchange clock and recorders
    for our backoff sleeps and ccxt's rate-limit throttle."""

    def __init__(
        self, root: Path, bars: dict | None = None, now: int = NOW, mount=True, **options
    ) -> None:
        self.sleeps: list[float] = []
        self.throttles: list = []
        self.cache = ParquetCache(root)
        options = {
            "cache": self.cache,
            "progress": False,
            "max_retries": 3,
            "backoff": 0.01,
            "sleep": self.sleeps.append,
            "page_limit": 6,
            **options,
        }
        self.provider = CcxtProvider(**options)
        self.client = self.provider.client("binance")
        self.client.milliseconds = lambda: self.fake.now
        self.client.throttle = lambda cost=None: self.throttles.append(cost)
        self.fake = FakeBinance(make_bars(range(21)) if bars is None else bars, now)
        if mount:
            self.client.session.mount("https://", self.fake)

    def load(
        self,
        symbol="BTC/USDT",
        start: int | None = T0,
        end: int | None = None,
        tf="60",
        exchange=None,
    ):
        request = DataRequest.make(
            symbol,
            tf,
            None if start is None else ts(start),
            None if end is None else ts(end),
            exchange,
        )
        return self.provider.load(request)

    @property
    def path(self) -> Path:
        return self.cache.path(CacheKey("ccxt", "binance", "BTC/USDT", H1))

    def starts(self) -> list[int]:
        return [int(query["startTime"]) for query in self.fake.klines]


@pytest.fixture
def setup(tmp_path):
    return Setup(tmp_path / "cache")


def file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# --------------------------------------------------------------------------- success


def test_paginates_parses_and_drops_the_forming_bar(setup):
    data = setup.load()
    assert setup.starts() == [T0, T0 + 6 * HOUR, T0 + 12 * HOUR, T0 + 18 * HOUR]
    assert {query["limit"] for query in setup.fake.klines} == {"6"}
    assert {query["interval"] for query in setup.fake.klines} == {"1h"}
    assert len(data) == 20 and data.end == ts(T0 + 19 * HOUR)  # 20:00 is still forming
    expected = pd.DataFrame.from_dict(
        make_bars(range(20)), orient="index", columns=["open", "high", "low", "close", "volume"]
    )
    assert (data.frame.to_numpy() == expected.to_numpy()).all()
    assert data.symbol.tickerid == "BINANCE:BTCUSDT" and data.symbol.currency == "USDT"
    assert data.symbol.mintick == 0.01 and data.timeframe == H1
    assert data.provenance["exchange"] == "binance" and data.provenance["fetched_bars"] == 20
    assert data.provenance["cache"] == str(setup.path) and setup.path.exists()
    entry = setup.cache.read(CacheKey("ccxt", "binance", "BTC/USDT", H1))
    assert entry.fetched == [(ts(T0), ts(T0 + 20 * HOUR))]  # the forming hour is not claimed
    assert entry.metadata["symbol_info"]["prefix"] == "BINANCE"
    # ccxt's own limiter spaced every request; we added no sleep of our own
    assert len(setup.throttles) == len(setup.fake.urls) and setup.sleeps == []


def test_the_forming_bar_is_fetched_once_it_has_closed(setup):
    setup.load()
    setup.fake.urls.clear()
    setup.fake.klines.clear()
    setup.load()
    assert setup.fake.urls == []  # same clock: everything closed is cached
    setup.fake.bars = make_bars(range(22))
    setup.fake.now = NOW + HOUR  # 20:00 closed, 21:00 forming
    data = setup.load()
    assert setup.starts() == [T0 + 20 * HOUR]
    assert len(data) == 21 and data.frame.index.is_unique and data.end == ts(T0 + 20 * HOUR)


def test_registered_and_accepts_exchange_ids_and_tradingview_prefixes(tmp_path):
    assert isinstance(
        get_provider("ccxt", cache=ParquetCache(tmp_path), progress=False), CcxtProvider
    )
    run = Setup(tmp_path, exchange="kraken")
    data = run.load("BINANCE:BTCUSDT", end=T0 + 5 * HOUR)  # the prefix picks binance
    assert data.provenance["symbol"] == "BTC/USDT" and len(data) == 6
    run.fake.urls.clear()
    again = run.load("BTCUSDT", end=T0 + 5 * HOUR, exchange="binance")  # request.exchange
    assert run.fake.urls == [] and len(again) == 6  # same cache file, nothing fetched
    assert run.path.exists()


def test_with_a_progress_bar(tmp_path):
    assert len(Setup(tmp_path, progress=True).load(end=T0 + 15 * HOUR)) == 16


def test_exchange_ids_resolve_through_the_market_list(setup):
    with pytest.raises(DataError, match="no bars returned for BTC/PLN 1h by binance"):
        setup.load("btcpln", end=T0 + 5 * HOUR)  # no known quote to split on: asks the markets
    assert setup.fake.klines[0]["symbol"] == "BTCPLN"


def test_guess_symbol():
    assert guess_symbol("btc/usdt") == "BTC/USDT"
    assert guess_symbol("BTCUSDT") == "BTC/USDT"
    assert guess_symbol("ETHBTC") == "ETH/BTC"
    assert guess_symbol("BTCFDUSD") == "BTC/FDUSD"
    assert guess_symbol("BTC/USDT:USDT") == "BTC/USDT:USDT"


def test_default_start_is_a_thousand_bars_before_end(setup):
    setup.provider.page_limit = 1000
    data = setup.load(start=None)
    assert setup.starts() == [NOW - NOW % HOUR - 1000 * HOUR]
    assert len(data) == 20


# --------------------------------------------------------------------------- the cache


def test_cached_request_makes_no_http_call(setup, tmp_path):
    first = setup.load(end=T0 + 10 * HOUR)
    again = Setup(tmp_path / "cache")  # a new provider: not even the market list is loaded
    second = again.load(end=T0 + 10 * HOUR)
    assert again.fake.urls == [] and again.throttles == []
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert second.symbol == first.symbol  # restored from the cache metadata


def test_extended_range_fetches_only_the_missing_part(setup):
    setup.load(start=T0 + 5 * HOUR, end=T0 + 9 * HOUR)
    assert setup.starts() == [T0 + 5 * HOUR]
    setup.fake.klines.clear()
    data = setup.load(start=T0, end=T0 + 15 * HOUR)
    assert setup.starts() == [T0, T0 + 10 * HOUR]  # before and after what was cached
    assert len(data) == 16 and data.frame.index.is_unique
    assert data.frame.index.is_monotonic_increasing
    entry = setup.cache.read(CacheKey("ccxt", "binance", "BTC/USDT", H1))
    assert entry.fetched == [(ts(T0), ts(T0 + 16 * HOUR))] and len(entry.frame) == 16


def test_request_inside_cached_range_is_sliced(setup):
    setup.load(end=T0 + 15 * HOUR)
    setup.fake.urls.clear()
    data = setup.load(start=T0 + 3 * HOUR, end=T0 + 4 * HOUR + 59 * 60_000)
    assert setup.fake.urls == [] and list(data.frame.index) == [
        ts(T0 + 3 * HOUR),
        ts(T0 + 4 * HOUR),
    ]


# --------------------------------------------------------------------------- retries


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (429, {"code": -1003, "msg": "Too many requests."}, ccxt.DDoSProtection),
        (400, {"code": -1003, "msg": "Too much request weight used."}, ccxt.RateLimitExceeded),
    ],
)
def test_rate_limit_answer_is_retried_then_succeeds(setup, status, body, error):
    setup.fake.script = [(status, body)]
    with pytest.raises(error):  # ccxt itself maps this answer (checked once, directly)
        setup.client.fetch_ohlcv("BTC/USDT", "1h", since=T0, limit=6)
    setup.fake.klines.clear()
    setup.fake.script = [(status, body)]
    data = setup.load(end=T0 + 5 * HOUR)
    assert setup.sleeps == [0.01] and setup.starts() == [T0, T0]
    assert len(data) == 6


@pytest.mark.parametrize(
    "failure",
    [
        lambda: requests.ConnectionError(
            ProtocolError("Connection aborted.", http.client.RemoteDisconnected("closed"))
        ),
        lambda: (502, {"msg": "Bad Gateway"}),
    ],
    ids=["dropped-connection", "http-502"],
)
def test_transient_network_errors_back_off_exponentially(setup, failure):
    setup.fake.script = [failure(), failure()]
    data = setup.load(end=T0 + 5 * HOUR)
    assert setup.sleeps == [0.01, 0.02] and setup.starts() == [T0, T0, T0]
    assert len(data) == 6


def test_timeouts_are_retried_then_reported_as_unreachable(setup):
    setup.fake.script = [requests.exceptions.ReadTimeout("Read timed out. (read timeout=10)")] * 4
    with pytest.raises(NetworkUnavailable) as caught:
        setup.load(end=T0 + 5 * HOUR)
    assert setup.sleeps == [0.01, 0.02, 0.04] and len(setup.fake.klines) == 4
    message = str(caught.value)
    assert "binance is unreachable (timed out, 4 attempts; network down?)" in message
    assert "nothing cached" in message and "\n" not in message


def test_persistent_server_errors_end_in_a_provider_error(setup):
    setup.fake.script = [(503, {"msg": "busy"})] * 4
    with pytest.raises(ProviderError) as caught:
        setup.load(end=T0 + 5 * HOUR)
    assert not isinstance(caught.value, NetworkUnavailable)
    assert "binance kept failing for BTC/USDT 1h" in str(caught.value)
    assert "4 attempts" in str(caught.value) and len(setup.sleeps) == 3


def test_without_ccxt_rate_limiter_the_provider_spaces_pages_itself(tmp_path):
    run = Setup(tmp_path, config={"enableRateLimit": False})
    run.load(end=T0 + 15 * HOUR)
    assert run.client.enableRateLimit is False and run.throttles == []
    assert run.sleeps == [run.client.rateLimit / 1000] * 2  # between the three pages


# --------------------------------------------------------------------------- offline


@pytest.fixture
def no_dns(monkeypatch):
    """Every name lookup fails as it does offline; returns the list of lookups tried."""
    lookups = []

    def fail(host, *args, **kwargs):
        lookups.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    return lookups


def test_offline_fails_fast_naming_the_cached_data(setup, tmp_path, no_dns):
    setup.load(end=T0 + 9 * HOUR)
    before = file_state(setup.path)
    offline = Setup(tmp_path / "cache", mount=False)  # the real transport, with no DNS
    with pytest.raises(NetworkUnavailable) as caught:
        offline.load(end=T0 + 15 * HOUR)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "binance is unreachable (cannot resolve api.binance.com; network down?)"
    )
    assert "cached: 2024-01-01 → 2024-01-01T09:00Z (10 bars)" in message
    assert str(setup.path) in message
    assert no_dns == ["api.binance.com"] and offline.sleeps == []  # one attempt, no retries
    assert file_state(setup.path) == before


def test_offline_with_nothing_cached(tmp_path, no_dns):
    offline = Setup(tmp_path, mount=False)
    with pytest.raises(NetworkUnavailable, match="nothing cached for BTC/USDT 1h"):
        offline.load(end=T0 + 5 * HOUR)
    assert len(no_dns) == 1 and offline.sleeps == [] and not offline.path.exists()


def test_offline_but_fully_cached_needs_no_network(setup, tmp_path, no_dns):
    setup.load(end=T0 + 9 * HOUR)
    offline = Setup(tmp_path / "cache", mount=False)
    assert len(offline.load(start=T0 + 2 * HOUR, end=T0 + 9 * HOUR)) == 8
    assert no_dns == []


def test_connection_refused_fails_fast(tmp_path, monkeypatch):
    def refuse(self, address):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 443))],
    )
    monkeypatch.setattr(socket.socket, "connect", refuse)
    offline = Setup(tmp_path, mount=False)
    with pytest.raises(NetworkUnavailable, match=r"unreachable \(connection refused; network"):
        offline.load(end=T0 + 5 * HOUR)
    assert offline.sleeps == []


# --------------------------------------------------------------------------- empty and bad


def test_no_bars_at_all_is_an_error_and_caches_nothing(tmp_path):
    run = Setup(tmp_path, bars={})
    with pytest.raises(
        DataError,
        match="no bars returned for BTC/USDT 1h by binance between "
        "2024-01-01 and 2024-01-01T05:00Z",
    ):
        run.load(end=T0 + 5 * HOUR)
    assert len(run.fake.klines) == 1 and not run.path.exists()


def test_quiet_stretches_are_not_errors_and_not_fetched_twice(tmp_path):
    run = Setup(tmp_path, bars=make_bars([*range(0, 5), *range(10, 13)]), page_limit=5)
    data = run.load(end=T0 + 15 * HOUR)
    assert run.starts() == [T0, T0 + 5 * HOUR, T0 + 13 * HOUR]  # the gap is skipped, the tail
    assert len(data) == 8  # ends with an empty page
    run.fake.urls.clear()
    run.load(end=T0 + 15 * HOUR)
    assert run.fake.urls == []


def test_an_empty_answer_at_the_present_does_not_settle_the_last_closed_bar(tmp_path):
    run = Setup(tmp_path, bars=make_bars(range(5)))
    assert len(run.load()) == 5  # 05:00 … 19:00 answered empty; 19:00 may be the exchange lagging
    entry = run.cache.read(CacheKey("ccxt", "binance", "BTC/USDT", H1))
    assert entry.fetched == [(ts(T0), ts(T0 + 19 * HOUR))]
    run.fake.klines.clear()
    run.load()
    assert run.starts() == [T0 + 19 * HOUR]


def test_unknown_market_is_a_data_error_with_suggestions(setup):
    with pytest.raises(
        DataError,
        match=r"binance has no market 'BTC/USDX' \(did you mean "
        r"BTC/USDT\?\)",
    ):
        setup.load("BTC/USDX", end=T0 + 5 * HOUR)
    assert setup.fake.klines == [] and setup.sleeps == []


def test_bad_symbol_answer_is_permanent(setup):
    setup.fake.script = [(400, {"code": -1121, "msg": "Invalid symbol."})]
    with pytest.raises(DataError, match="binance does not know the market BTC/USDT") as caught:
        setup.load(end=T0 + 5 * HOUR)
    assert isinstance(caught.value.__cause__, ccxt.BadSymbol)
    assert setup.sleeps == [] and len(setup.fake.klines) == 1


def test_restricted_location_is_permanent(setup):
    setup.fake.script = [
        (451, {"code": 0, "msg": "Service unavailable from a restricted location"})
    ]
    with pytest.raises(DataError, match="rejected the request"):
        setup.load(end=T0 + 5 * HOUR)
    assert setup.sleeps == []


def test_unknown_exchange_suggests_close_ids(tmp_path):
    with pytest.raises(DataError, match=r"unknown ccxt exchange 'binanse' \(did you mean binance"):
        CcxtProvider(exchange="binanse", cache=ParquetCache(tmp_path))
    provider = CcxtProvider(cache=ParquetCache(tmp_path), progress=False)
    with pytest.raises(DataError, match="unknown ccxt exchange 'krakn'"):
        provider.load(DataRequest.make("BTC/USDT", "60", exchange="krakn"))


def test_timeframe_checks(setup):
    with pytest.raises(DataError, match=r"binance has no 7 bars \(7m\); it offers 1s, 1m"):
        setup.load(tf="7")
    with pytest.raises(DataError, match="needs a timeframe"):
        setup.provider.load(DataRequest.make("BTC/USDT"))
    assert setup.fake.urls == []


# --------------------------------------------------------------------------- interruptions


@pytest.mark.parametrize(
    "failure",
    [KeyboardInterrupt(), (400, {"code": -1100, "msg": "Illegal characters found."})],
    ids=["ctrl-c", "permanent-error"],
)
def test_an_interrupted_download_keeps_the_pages_received(setup, failure):
    setup.fake.script = [None, None, failure]
    with pytest.raises((KeyboardInterrupt, DataError)):
        setup.load()
    assert setup.starts() == [T0, T0 + 6 * HOUR, T0 + 12 * HOUR]
    entry = setup.cache.read(CacheKey("ccxt", "binance", "BTC/USDT", H1))
    assert len(entry.frame) == 12 and entry.fetched == [(ts(T0), ts(T0 + 12 * HOUR))]
    setup.fake.klines.clear()
    data = setup.load()  # resumes where it stopped
    assert setup.starts() == [T0 + 12 * HOUR, T0 + 18 * HOUR] and len(data) == 20
