"""``cache``: whatever is already in the Parquet cache, from any provider, offline.

Series land in the cache through ``pineopt data fetch`` (remote providers) and
``pineopt data import`` (files); this provider loads them back by symbol (``BTC/USDT``, or
``binance:BTC/USDT`` for one exchange's) and timeframe without touching the network,
aggregating from a lower cached timeframe when needed.
"""

from __future__ import annotations

from pineopt.data.cache import CacheEntry, ParquetCache
from pineopt.data.dataset import Dataset
from pineopt.data.providers.base import DataRequest, DatasetInfo, Provider, register
from pineopt.data.providers.remote import split_prefix
from pineopt.data.resample import resample
from pineopt.data.symbol import SymbolInfo
from pineopt.errors import DataError


@register
class CacheProvider(Provider):
    name = "cache"
    description = "series already in the local Parquet cache (offline)"

    def __init__(self, cache: ParquetCache | None = None) -> None:
        self.cache = cache or ParquetCache()

    def available(self) -> list[DatasetInfo]:
        return [
            DatasetInfo(
                f"cache:{entry.key.provider}",
                f"{entry.key.exchange}:{entry.key.symbol}",
                str(entry.key.timeframe),
                len(entry.frame),
                _iso(entry.frame.index[0]) if len(entry.frame) else None,
                _iso(entry.frame.index[-1]) if len(entry.frame) else None,
                str(entry.path),
            )
            for entry in self.cache.entries()
        ]

    def load(self, request: DataRequest) -> Dataset:
        prefix, symbol = split_prefix(request.symbol)
        entries = self.cache.find(symbol, exchange=request.exchange or prefix)
        if not entries:
            raise DataError(
                f"nothing cached for {request.symbol!r} under {self.cache.root} "
                "(fetch it with `pineopt data fetch` or import a file with `pineopt data import`)"
            )
        wanted = request.timeframe
        exact = [e for e in entries if wanted is None or e.key.timeframe == wanted]
        if wanted is None and len({e.key.timeframe for e in exact}) > 1:
            choices = ", ".join(sorted({str(e.key.timeframe) for e in exact}))
            raise DataError(
                f"{request.symbol} is cached in several timeframes ({choices}); choose one"
            )
        if exact:
            entry = max(exact, key=lambda e: len(e.frame))
            frame, timeframe = entry.frame, entry.key.timeframe
        else:
            lower = [e for e in entries if e.key.timeframe.seconds < wanted.seconds]
            if not lower:
                cached = ", ".join(sorted({str(e.key.timeframe) for e in entries}))
                raise DataError(
                    f"{request.symbol} is cached only at {cached}, not at {wanted} or below"
                )
            entry = max(lower, key=lambda e: e.key.timeframe.seconds)
            frame, timeframe = (
                resample(entry.frame, wanted, _symbol(entry), entry.key.timeframe),
                wanted,
            )
        dataset = Dataset(
            frame,
            _symbol(entry),
            timeframe,
            provenance={
                "provider": "cache",
                "origin": entry.key.provider,
                "path": str(entry.path),
                "source": entry.metadata.get("source", ""),
            },
        )
        return dataset.between(request.start, request.end)


def _symbol(entry: CacheEntry) -> SymbolInfo:
    stored = entry.metadata.get("symbol_info")
    if isinstance(stored, dict):
        return SymbolInfo(**stored)
    return SymbolInfo.default(entry.key.symbol, entry.key.provider, entry.key.exchange)


def _iso(stamp) -> str:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
