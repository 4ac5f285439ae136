import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from pineopt.data.cache import CacheKey, ParquetCache, merge_ranges, subtract_ranges
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError

T = lambda text: pd.Timestamp(text, tz="UTC")  # noqa: E731
KEY = CacheKey("ccxt", "binance", "BTC/USDT", Timeframe.parse("60"))


def test_layout_and_metadata(tmp_path, make_bars):
    cache = ParquetCache(tmp_path)
    entry = cache.store(
        KEY, make_bars("2024-01-01", 3), (T("2024-01-01"), T("2024-01-01 03:00")), source="test"
    )
    assert entry.path == tmp_path / "ccxt" / "binance" / "BTC-USDT" / "60.parquet"
    again = cache.read(KEY)
    pd.testing.assert_frame_equal(again.frame, make_bars("2024-01-01", 3))
    assert again.fetched == [(T("2024-01-01"), T("2024-01-01 03:00"))]
    assert again.metadata["source"] == "test" and again.metadata["pineopt_version"]
    assert again.metadata["fetched_at"].endswith("Z") and again.metadata["rows"] == 3


def test_new_bars_merge_without_duplicates_and_replace_old_values(tmp_path, make_bars):
    cache = ParquetCache(tmp_path)
    cache.store(KEY, make_bars("2024-01-01", 5), (T("2024-01-01"), T("2024-01-01 05:00")))
    newer = make_bars("2024-01-01 03:00", 5, base=500.0)
    entry = cache.store(KEY, newer, (T("2024-01-01 03:00"), T("2024-01-01 08:00")))
    assert (
        len(entry.frame) == 8
        and entry.frame.index.is_unique
        and entry.frame.index.is_monotonic_increasing
    )
    assert entry.frame.loc[T("2024-01-01 03:00"), "close"] == 500.0
    assert entry.fetched == [(T("2024-01-01"), T("2024-01-01 08:00"))]
    assert entry.missing(T("2023-12-31 22:00"), T("2024-01-01 10:00")) == [
        (T("2023-12-31 22:00"), T("2024-01-01")),
        (T("2024-01-01 08:00"), T("2024-01-01 10:00")),
    ]


def test_ranges():
    a, b, c, d = T("2024-01-01"), T("2024-01-02"), T("2024-01-03"), T("2024-01-04")
    assert merge_ranges([(c, d), (a, b), (b, c)]) == [(a, d)]
    assert subtract_ranges((a, d), [(b, c)]) == [(a, b), (c, d)]
    assert subtract_ranges((b, c), [(a, d)]) == []


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path, monkeypatch, make_bars):
    cache = ParquetCache(tmp_path)
    cache.store(KEY, make_bars("2024-01-01", 3))
    before = cache.path(KEY).read_bytes()

    def broken_write(table, stream, **kwargs):
        stream.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr("pineopt.data.cache.pq.write_table", broken_write)
    with pytest.raises(OSError, match=r"disk full"):
        cache.store(KEY, make_bars("2024-01-02", 3))
    assert cache.path(KEY).read_bytes() == before
    assert [p.name for p in cache.path(KEY).parent.iterdir()] == ["60.parquet"]


WRITER = textwrap.dedent("""
    import sys, numpy as np, pandas as pd
    from pineopt.data.cache import CacheKey, ParquetCache
    from pineopt.data.frame import to_ohlcv
    from pineopt.data.timeframe import Timeframe
    cache = ParquetCache(sys.argv[1])
    key = CacheKey("ccxt", "binance", "BTC/USDT", Timeframe.parse("1"))
    n = 400_000
    index = pd.date_range("2020-01-01", periods=n, freq="min", tz="UTC")
    round_ = 0
    while True:
        round_ += 1
        values = np.random.default_rng(round_).random(n) + round_
        columns = ("open", "high", "low", "close", "volume")
        frame = to_ohlcv(pd.DataFrame({c: values for c in columns},
                                      index=index))
        cache.store(key, frame)
        print(round_, flush=True)
""")


def test_killing_a_writer_mid_write_keeps_the_previous_cache_readable(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    root = tmp_path / "cache"
    process = subprocess.Popen(
        [sys.executable, str(script), str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "1"  # one complete write exists
        time.sleep(0.15)  # the writer is now inside a later write
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    entry = ParquetCache(root).read(CacheKey("ccxt", "binance", "BTC/USDT", Timeframe.parse("1")))
    assert len(entry.frame) == 400_000
    rounds = np.unique(np.floor(entry.frame["open"].to_numpy()))
    assert len(rounds) == 1  # every bar comes from one complete write, never a mix


def test_unreadable_cache_file_says_what_to_do(tmp_path):
    cache = ParquetCache(tmp_path)
    cache.path(KEY).parent.mkdir(parents=True)
    cache.path(KEY).write_bytes(b"garbage")
    with pytest.raises(DataError, match=r"unreadable cache file.*delete it"):
        cache.read(KEY)
    assert list(cache.entries()) == []


def test_find_and_entries(tmp_path, make_bars):
    cache = ParquetCache(tmp_path)
    cache.store(KEY, make_bars("2024-01-01", 3))
    cache.store(
        CacheKey("import", "local", "ETHUSDT", Timeframe.parse("1D")), make_bars("2024-01-01", 2)
    )
    assert [e.key.symbol for e in cache.find("btcusdt")] == ["BTC/USDT"]
    assert len(list(cache.entries())) == 2


def test_store_refuses_a_frame_that_breaks_the_contract(tmp_path, make_bars):
    broken = make_bars("2024-01-01", 3).iloc[[0, 2, 1]]
    with pytest.raises(DataError, match=r"not strictly increasing"):
        ParquetCache(tmp_path).store(KEY, broken)
    assert not ParquetCache(tmp_path).path(KEY).exists()
