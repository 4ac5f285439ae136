import pytest

import pineopt
from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.providers import get_provider
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError


@pytest.fixture
def cache(tmp_path, make_bars):
    cache = ParquetCache(tmp_path)
    info = SymbolInfo("ETHUSDT", prefix="KRAKEN", currency="USDT")
    cache.store(
        CacheKey("ccxt", "kraken", "ETH/USDT", Timeframe.parse("60")),
        make_bars(periods=48),
        extra={"symbol_info": info.to_dict()},
    )
    return cache


def test_loads_cached_series_offline(cache):
    dataset = pineopt.load("ETH/USDT", "1h", provider="cache", cache=cache, start="2024-01-02")
    assert len(dataset) == 24 and dataset.symbol.tickerid == "KRAKEN:ETHUSDT"
    assert dataset.provenance["origin"] == "ccxt"


def test_aggregates_from_a_lower_cached_timeframe(cache):
    daily = pineopt.load("ETHUSDT", "1D", provider="cache", cache=cache)
    assert len(daily) == 2 and daily.frame.volume.tolist() == [24.0, 24.0]


def test_lists_what_is_cached(cache):
    rows = get_provider("cache", cache=cache).available()
    assert [(r.provider, r.symbol, r.timeframe, r.rows) for r in rows] == [
        ("cache:ccxt", "kraken:ETH/USDT", "60", 48)
    ]


def test_nothing_cached(cache):
    with pytest.raises(DataError, match=r"nothing cached for 'XRPUSDT'.*pineopt data fetch"):
        pineopt.load("XRPUSDT", "1h", provider="cache", cache=cache)
    with pytest.raises(DataError, match=r"cached only at 60"):
        pineopt.load("ETHUSDT", "15", provider="cache", cache=cache)
