"""``tradingview``: TradingView chart exports, and downloads through an optional client.

TradingView's chart menu → **Export chart data…** writes a CSV with ``time`` (Unix seconds or
ISO 8601), ``open, high, low, close``, ``Volume`` when the Volume indicator is on the chart, and
one column per plot of the indicators on it. :func:`read_tradingview_export` reads such a file
into a :class:`~pineopt.data.dataset.Dataset` (the plot columns land in ``reference``) and
:func:`read_tradingview_plots` returns just the plot values, which the conformance tests compare
against. Both are thin layers over :mod:`pineopt.data.providers.file`, which does the parsing.

A request whose symbol is not a file (``BINANCE:BTCUSDT``) is downloaded only when the optional
``tvDatafeed`` client (PyPI ``tvdatafeed-enhanced``) is installed; without it the error says how
to export the data by hand. PineOpt does not depend on that client.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pandas as pd

from pineopt.data.dataset import Dataset
from pineopt.data.frame import OHLCV_COLUMNS, to_ohlcv
from pineopt.data.providers.base import DataRequest, Provider, register
from pineopt.data.providers.file import (
    CSV_SUFFIXES,
    PARQUET_SUFFIXES,
    read_frames,
    read_ohlcv_file,
)
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError, ProviderError

CLIENT_MODULES = ("tvDatafeed", "tvdatafeed")
CLIENT_PACKAGE = "tvdatafeed-enhanced"
MAX_BARS = 5000
# Timeframe (as str(Timeframe)) → the client's Interval member.
INTERVALS = {
    "1": "in_1_minute",
    "3": "in_3_minute",
    "5": "in_5_minute",
    "15": "in_15_minute",
    "30": "in_30_minute",
    "45": "in_45_minute",
    "60": "in_1_hour",
    "120": "in_2_hour",
    "180": "in_3_hour",
    "240": "in_4_hour",
    "1D": "in_daily",
    "1W": "in_weekly",
    "1M": "in_monthly",
}

HOW_TO_EXPORT = (
    'open the chart in TradingView, choose "Export chart data…" in the chart\'s menu, then use '
    "the file: `pineopt data import FILE` or `--provider tradingview --data FILE`"
)


def read_tradingview_export(
    path: str | Path,
    timeframe: Timeframe | str | None = None,
    symbol: SymbolInfo | str | None = None,
    *,
    syminfo: str | Path | None = None,
) -> Dataset:
    """Read a TradingView "Export chart data" CSV: bars in ``frame``, plots in ``reference``.

    Same rules and arguments as :func:`~pineopt.data.providers.file.read_ohlcv_file`; the
    provenance names the ``tradingview`` provider.
    """
    dataset = read_ohlcv_file(path, timeframe, symbol, syminfo=syminfo)
    dataset.provenance = {
        "provider": "tradingview",
        "source": "TradingView chart export",
        **{key: value for key, value in dataset.provenance.items() if key != "provider"},
    }
    return dataset


def read_tradingview_plots(path: str | Path) -> pd.DataFrame:
    """The plot columns of a TradingView chart export, indexed by UTC bar open time.

    Columns keep the export's titles (HTML entities unescaped, a repeated title suffixed
    ``" (2)"``); values are float64 with ``NaN`` for na. An export without plots gives a frame
    with no columns.
    """
    contents = read_frames(path)
    if contents.reference is None:
        return pd.DataFrame(index=contents.frame.index)
    return contents.reference


def download_tradingview(
    symbol: str,
    timeframe: Timeframe | str,
    exchange: str | None = None,
    bars: int = MAX_BARS,
    client: Any = None,
) -> Dataset:
    """Download up to ``bars`` recent bars of ``EXCHANGE:SYMBOL`` with the optional client.

    Raises :class:`~pineopt.errors.ProviderError` saying how to export the data by hand when no
    client is installed. ``client`` is a ready ``TvDatafeed`` instance (for a login); by default
    an anonymous one is made.
    """
    prefix, sep, ticker = symbol.strip().rpartition(":")
    prefix = prefix if sep else (exchange or "")
    if not prefix or not ticker:
        raise DataError(f"{symbol!r}: give the TradingView symbol as EXCHANGE:SYMBOL")
    tf = Timeframe.parse(timeframe)
    interval_name = INTERVALS.get(str(tf))
    if interval_name is None:
        raise DataError(
            f"TradingView download: timeframe {tf} is not offered "
            f"(one of {', '.join(INTERVALS)}); or {HOW_TO_EXPORT}"
        )
    module = _client_module()
    if module is None:
        raise ProviderError(
            f"cannot download {prefix}:{ticker} from TradingView: no download client is "
            f"installed (optional: pip install {CLIENT_PACKAGE}); otherwise {HOW_TO_EXPORT}"
        )
    try:
        feed = client if client is not None else module.TvDatafeed()
        raw = feed.get_hist(
            symbol=ticker,
            exchange=prefix,
            interval=getattr(module.Interval, interval_name),
            n_bars=int(bars),
        )
    except Exception as exc:  # the client's own errors: network, login, protocol
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ProviderError(
            f"TradingView download of {prefix}:{ticker} failed ({detail}); {HOW_TO_EXPORT}"
        ) from None
    if raw is None or len(raw) == 0:
        raise ProviderError(
            f"TradingView download of {prefix}:{ticker} {tf} returned no data "
            f"(unknown symbol or no connection); {HOW_TO_EXPORT}"
        )
    source = f"TradingView {prefix}:{ticker} {tf}"
    frame = to_ohlcv(_utc_index(raw)[list(OHLCV_COLUMNS)], source)
    info = SymbolInfo.default(ticker, "tradingview", prefix)
    provenance = {
        "provider": "tradingview",
        "source": module.__name__,
        "symbol": f"{prefix}:{ticker}",
        "notes": ["the last bar may still be forming"],
    }
    return Dataset(frame, info, tf, provenance=provenance)


@register
class TradingViewProvider(Provider):
    """TradingView data: ``request.symbol`` is a chart export file, or ``EXCHANGE:SYMBOL`` to
    download with the optional client.

    Request options: ``symbol_info``, ``syminfo`` and ``ticker`` as for the ``file`` provider;
    ``bars`` (how many to download, at most 5000).
    """

    name = "tradingview"
    description = "TradingView chart exports (Export chart data…); downloads need tvDatafeed"

    def load(self, request: DataRequest) -> Dataset:
        options = request.options
        if _is_path(request.symbol):
            dataset = read_tradingview_export(
                request.symbol,
                request.timeframe,
                options.get("symbol_info") or options.get("ticker"),
                syminfo=options.get("syminfo"),
            )
        else:
            if request.timeframe is None:
                raise DataError(
                    f"{request.symbol}: a timeframe is needed to download from TradingView"
                )
            dataset = download_tradingview(
                request.symbol,
                request.timeframe,
                request.exchange,
                options.get("bars", MAX_BARS),
                options.get("client"),
            )
        return dataset.between(request.start, request.end)


def _is_path(symbol: str) -> bool:
    """A file name rather than ``EXCHANGE:SYMBOL``."""
    path = Path(symbol).expanduser()
    return (
        path.suffix.lower() in CSV_SUFFIXES + PARQUET_SUFFIXES
        or "/" in symbol
        or "\\" in symbol
        or path.exists()
    )


def _client_module() -> Any:
    for name in CLIENT_MODULES:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _utc_index(raw: pd.DataFrame) -> pd.DataFrame:
    """The client's frame with a UTC index: it stamps bars with naive *local* times
    (``datetime.fromtimestamp``), which ``datetime.timestamp`` turns back into epoch seconds."""
    frame = raw.copy()
    frame.columns = [str(c).lower() for c in frame.columns]
    if "volume" not in frame.columns:
        frame["volume"] = 0.0
    index = pd.DatetimeIndex(frame.index)
    if index.tz is None:
        seconds = [round(stamp.timestamp()) for stamp in index.to_pydatetime()]
        index = pd.DatetimeIndex(pd.to_datetime(seconds, unit="s", utc=True))
    frame.index = index.tz_convert("UTC").rename("time")
    return frame
