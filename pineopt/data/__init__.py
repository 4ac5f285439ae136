"""Market data: the OHLCV frame contract, symbols, timeframes, providers and the Parquet cache.

>>> from pineopt.data import load
>>> btc = load("BTCUSDT", "1D", provider="sample", start="2024-01-01")
>>> btc.frame.columns.tolist()
['open', 'high', 'low', 'close', 'volume']
"""

from __future__ import annotations

from typing import Any

from pineopt.data.cache import ParquetCache
from pineopt.data.dataset import Dataset
from pineopt.data.frame import OHLCV_COLUMNS, ValidationReport, infer_timeframe, to_ohlcv, validate
from pineopt.data.providers import DataRequest, get_provider, provider_names, provider_options
from pineopt.data.resample import drop_incomplete, resample
from pineopt.data.session import Session
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe

__all__ = [
    "OHLCV_COLUMNS",
    "DataRequest",
    "Dataset",
    "ParquetCache",
    "Session",
    "SymbolInfo",
    "Timeframe",
    "ValidationReport",
    "drop_incomplete",
    "get_provider",
    "infer_timeframe",
    "load",
    "provider_names",
    "resample",
    "to_ohlcv",
    "validate",
]


def load(
    symbol: str,
    timeframe: Any = None,
    start: Any = None,
    end: Any = None,
    provider: str = "sample",
    exchange: str | None = None,
    **options: Any,
) -> Dataset:
    """Load bars of ``symbol`` at ``timeframe`` between ``start`` and ``end`` (inclusive).

    ``provider`` is a registered provider name: ``"sample"`` (bundled data, the default),
    ``"file"`` (``symbol`` is a CSV or Parquet path), ``"tradingview"``, ``"ccxt"`` (``exchange``
    defaults to binance) or ``"tardis"``. Times are ISO 8601 strings, epoch numbers or datetimes
    (naive means UTC). Provider options (``cache=``, ``progress=``, …) pass through.
    """
    source = get_provider(provider, **provider_options(provider, options))
    return source.load(DataRequest.make(symbol, timeframe, start, end, exchange, **options))
