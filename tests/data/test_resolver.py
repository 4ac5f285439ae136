"""``resolve_data``: every form a ``--data`` argument takes, and every refusal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import pineopt
from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.frame import fingerprint
from pineopt.data.resolver import (
    data_name,
    looks_like_path,
    parse_name,
    resolve_data,
    sample_names,
)
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError, DataNotFound, PineOptError

SYMINFO = """[symbol]
ticker = "MYCOIN"
prefix = "LOCAL"
type = "crypto"
timezone = "UTC"
session = "24x7"
mintick = 0.5
pointvalue = 1.0
currency = "USD"
"""


@pytest.fixture
def cache(tmp_path):
    """A cache holding Binance BTC/USDT 4h bars (the sample's, shifted by +1 so that they are
    told apart) and DOGE/USDT 1h bars (no sample has DOGE)."""
    store = ParquetCache(tmp_path / "cache")
    btc = pineopt.load("BTCUSDT", "240", start="2024-01-01", end="2024-01-31").frame + 1.0
    store.store(CacheKey("ccxt", "binance", "BTC/USDT", Timeframe.parse("240")), btc)
    doge = pineopt.load("ETHUSDT", "60", start="2024-02-01", end="2024-02-03T23:00Z").frame
    store.store(CacheKey("ccxt", "binance", "DOGE/USDT", Timeframe.parse("60")), doge)
    return store


# ------------------------------------------------------------------ the forms


def test_a_dataset_is_used_as_it_is():
    sample = resolve_data("BTCUSDT_1D")
    assert resolve_data(sample) is sample
    cut = resolve_data(sample, start="2024-01-01", end="2024-01-10")
    assert (len(cut), cut.start) == (10, pd.Timestamp("2024-01-01", tz="UTC"))


@pytest.mark.parametrize(
    ("name", "timeframe", "bars"),
    [
        ("BTCUSDT_1D", "1D", 3064),
        ("BTCUSDT_1d", "1D", 3064),
        ("btcusdt_1D", "1D", 3064),
        ("BTCUSDT_1h", "60", 58419),
        ("BTCUSDT_60", "60", 58419),
        ("BTCUSDT_4h", "240", 18370),
        ("BTCUSDT_240", "240", 18370),
        ("BTCUSDT_1m", "1", 43209),
        ("BINANCE:BTCUSDT_1D", "1D", 3064),
        ("BTC/USDT_1D", "1D", 3064),
        ("ETHUSDT_1h", "60", 26278),
        ("SOLUSDT_1h", "60", 26278),
        ("SOLUSDT_1D", "1D", 1974),
        ("EURUSD_1h", "60", 23054),
        ("ORCL_1D", "1D", 5036),
    ],
)
def test_bundled_sample_names(name, timeframe, bars, tmp_path):
    dataset = resolve_data(name, cache=tmp_path)  # an empty cache
    assert dataset.provenance["provider"] == "sample"
    assert (str(dataset.timeframe), len(dataset)) == (timeframe, bars)


def test_a_sample_timeframe_not_stored_is_aggregated():
    weekly = resolve_data("ETHUSDT_1W")
    assert weekly.provenance["resampled_from"] == "1D"
    assert str(weekly.timeframe) == "1W"


def test_symbol_timeframe_and_bounds_name_the_same_bars():
    by_name = resolve_data("BTCUSDT_1D", start="2024-01-01", end="2024-03-31")
    by_symbol = resolve_data(symbol="BTCUSDT", timeframe="1D", start="2024-01-01", end="2024-03-31")
    bare_name = resolve_data("BTCUSDT", timeframe="1d", start="2024-01-01", end="2024-03-31")
    explicit = resolve_data("BTCUSDT_1D", provider="sample", start="2024-01-01", end="2024-03-31")
    prints = {fingerprint(d.frame)["sha256"] for d in (by_name, by_symbol, bare_name, explicit)}
    assert len(prints) == 1 and len(by_name) == 91


def test_a_timeframe_given_overrides_the_names():
    assert str(resolve_data("BTCUSDT_1h", timeframe="1D").timeframe) == "1D"


def test_a_file_path(tmp_path, monkeypatch):
    bars = resolve_data("BTCUSDT_1D", start="2024-01-01", end="2024-01-31").frame
    path = tmp_path / "MYCOIN_1D.csv"
    bars.reset_index().to_csv(path, index=False)
    for given in (path, str(path)):
        dataset = resolve_data(given)
        assert dataset.provenance["provider"] == "file" and len(dataset) == 31
    monkeypatch.chdir(tmp_path)
    relative = resolve_data("MYCOIN_1D.csv", start="2024-01-11")
    assert Path(relative.provenance["path"]) == path  # absolute: found again from anywhere
    assert len(relative) == 21 and relative.symbol.ticker == "MYCOIN"
    (tmp_path / "coin.toml").write_text(SYMINFO)
    with_info = resolve_data(path, syminfo=tmp_path / "coin.toml")
    assert (with_info.symbol.tickerid, with_info.symbol.mintick) == ("LOCAL:MYCOIN", 0.5)


def test_a_symbol_toml_applies_to_every_form(tmp_path):
    (tmp_path / "coin.toml").write_text(SYMINFO)
    sample = resolve_data("BTCUSDT_1D", syminfo=tmp_path / "coin.toml")
    assert sample.symbol.tickerid == "LOCAL:MYCOIN" and len(sample) == 3064
    assert sample.provenance["syminfo"] == str(tmp_path / "coin.toml")


def test_a_cached_series_by_the_name_data_list_shows(cache):
    for name in ("binance:BTC/USDT_240", "binance:BTCUSDT_4h", "BINANCE:btc-usdt_4h"):
        dataset = resolve_data(name, cache=cache.root)
        assert dataset.provenance["provider"] == "cache", name
        assert dataset.frame["open"].iloc[0] == 42283.58 + 1.0  # the cached bars, not the sample
    by_symbol = resolve_data(symbol="binance:BTCUSDT", timeframe="4h", cache=cache)
    assert by_symbol.provenance["provider"] == "cache"


def test_a_sample_that_stores_the_timeframe_wins_over_the_cache(cache):
    assert resolve_data("BTCUSDT_4h", cache=cache).provenance["provider"] == "sample"
    # 15 minutes: the sample would aggregate 1-minute bars of one month, the cache holds 4h only
    assert resolve_data("BTCUSDT_15m", cache=cache).provenance["resampled_from"] == "1"


def test_a_cached_series_no_sample_has(cache, monkeypatch):
    hourly = resolve_data("DOGEUSDT_1h", cache=cache)
    assert (hourly.provenance["provider"], len(hourly)) == ("cache", 72)
    four_hours = resolve_data("DOGE/USDT_4h", cache=cache)
    assert (str(four_hours.timeframe), len(four_hours)) == ("240", 18)
    monkeypatch.setenv("PINEOPT_DATA_DIR", str(cache.root))  # the default cache
    assert len(resolve_data("binance:DOGEUSDT_1h")) == 72


def test_a_sample_of_the_exchange_named_when_nothing_is_cached(tmp_path):
    dataset = resolve_data("BINANCE:ETHUSDT_1D", cache=tmp_path)
    assert dataset.provenance["provider"] == "sample" and len(dataset) == 3064


# ------------------------------------------------------------------ refusals


def test_an_unknown_name_says_what_was_tried_and_lists_the_samples(tmp_path):
    with pytest.raises(DataNotFound) as caught:
        resolve_data("NOSUCH_1h", cache=tmp_path)
    message = str(caught.value)
    assert message.startswith(
        "no bars for NOSUCH_1h: no file 'NOSUCH_1h'; no bundled sample 'NOSUCH'; "
        "nothing cached for 'NOSUCH' (samples: BTCUSDT_1m, BTCUSDT_1h, BTCUSDT_4h, BTCUSDT_1D, "
    )
    assert "SOLUSDT_1h, SOLUSDT_1D;" in message and "`pineopt data list`" in message


def test_a_timeframe_neither_the_sample_nor_the_cache_can_give(cache):
    with pytest.raises(DataNotFound, match="DOGEUSDT only at 60") as caught:
        resolve_data("DOGEUSDT_1m", cache=cache)
    assert "no bundled sample 'DOGEUSDT'" in str(caught.value)
    with pytest.raises(DataNotFound, match="BTCUSDT has no 1S bars nor lower ones"):
        resolve_data("BTCUSDT_1S", cache=cache)


def test_an_exchange_without_that_series(cache):
    with pytest.raises(DataNotFound) as caught:
        resolve_data("kraken:BTCUSDT_1D", cache=cache)
    assert str(caught.value).startswith(
        "no bars for kraken:BTCUSDT_1D: the bundled sample 'BTCUSDT' is not of exchange "
        "'kraken'; nothing cached for 'BTCUSDT' of exchange 'kraken' (samples: "
    )


def test_a_missing_file():
    for path in ("nosuch.csv", "./nosuch", Path("nosuch")):
        with pytest.raises(DataNotFound, match="no such file: "):
            resolve_data(path)
    with pytest.raises(DataNotFound, match="no such file: BTCUSDT_1D"):
        resolve_data("BTCUSDT_1D", provider="file")


def test_a_sample_in_several_timeframes_needs_one():
    with pytest.raises(DataError, match=r"sample SOLUSDT comes in several timeframes \(60, 1D\)"):
        resolve_data("SOLUSDT")
    with pytest.raises(DataError, match="choose one"):
        resolve_data(symbol="BTCUSDT")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "no data: give a sample name, a cached series or a file (samples: BTCUSDT_1m"),
        ({"data": "  "}, "no data: the name is empty"),
        ({"data": "BTCUSDT_1D", "symbol": "BTCUSDT"}, "give data or symbol, not both"),
        ({"data": 42}, "not int"),
        ({"data": "BTCUSDT", "timeframe": "fortnight"}, "not a timeframe: 'fortnight'"),
        ({"data": "BTCUSDT_1D", "start": "2024-02-01", "end": "2024-01-01"}, "is before start"),
        ({"data": "BTCUSDT_1D", "provider": "nosuch"}, "unknown provider 'nosuch'"),
        ({"data": "X" * 5000}, "no bars for XXX"),
        ({"data": "BTC\x00USDT_1D"}, "no bundled sample"),
    ],
)
def test_bad_arguments(arguments, message):
    with pytest.raises(PineOptError, match=message.replace("(", r"\(")):
        resolve_data(**arguments)


def test_files_can_be_refused(tmp_path):
    path = tmp_path / "bars.csv"
    resolve_data("BTCUSDT_1D", end="2017-08-20").frame.reset_index().to_csv(path, index=False)
    with pytest.raises(PineOptError, match="file paths are not offered here"):
        resolve_data(str(path), files=False)
    with pytest.raises(PineOptError, match="the 'file' provider reads files"):
        resolve_data(symbol=str(path), provider="file", files=False)
    with pytest.raises(DataNotFound) as caught:
        resolve_data(symbol="NOSUCH", timeframe="1h", files=False, cache=tmp_path)
    assert str(caught.value).startswith("no bars for NOSUCH 1h: no bundled sample 'NOSUCH';")
    assert len(resolve_data(symbol="BTCUSDT", timeframe="1D", files=False)) == 3064


# ------------------------------------------------------------------ the name's parts


def test_parse_name():
    assert parse_name("binance:BTCUSDT_4h") == ("binance:BTCUSDT", Timeframe(240, ""))
    assert parse_name("BTC/USDT:USDT_1D") == ("BTC/USDT:USDT", Timeframe(1, "D"))
    assert parse_name("BTC_USDT") == ("BTC_USDT", None)
    assert parse_name("BTCUSDT") == ("BTCUSDT", None)
    assert parse_name("BTCUSDT_1M") == ("BTCUSDT", Timeframe(1, "M"))
    assert parse_name("USI:ADVN.NY") == ("USI:ADVN.NY", None)


def test_names_as_listed():
    assert data_name("BTCUSDT", "60") == "BTCUSDT_1h"
    assert data_name("binance:BTC/USDT", "15") == "binance:BTC/USDT_15m"
    assert data_name("ETHUSDT", "1W") == "ETHUSDT_1W"
    names = sample_names()
    assert {"BTCUSDT_1D", "ETHUSDT_1D", "SOLUSDT_1D", "SOLUSDT_1h", "BTCUSDT_4h"} <= set(names)
    for name in names:  # every listed name resolves to its sample
        assert resolve_data(name).provenance["provider"] == "sample"


def test_looks_like_path():
    assert all(map(looks_like_path, ("a.csv", "A.PARQUET", "x.csv.gz", "./a", "/tmp/a", "~/a")))
    assert not any(map(looks_like_path, ("BTCUSDT_1h", "binance:BTC/USDT_4h", "ORCL_1D")))


def test_only_exchange_providers_fetch_the_run_range():
    """Bars on this machine (no provider, the samples, a file, the cache) are loaded whole and
    the run is cut to its dates; an exchange's are fetched for those dates only."""
    from pineopt.data.resolver import fetches_range

    assert [fetches_range(p) for p in (None, "sample", "file", "cache")] == [False] * 4
    assert fetches_range("ccxt") and fetches_range("tardis")
