"""``tardis``: OHLCV bars aggregated from the historical trades of `Tardis.dev
<https://tardis.dev>`_, cached as Parquet.

What the installed ``tardis-dev`` package (5.x) offers, read from its source:

* ``tardis_dev.download_datasets(exchange, data_types, symbols, from_date, to_date, *, api_key,
  download_dir, timeout, concurrency, get_filename, skip_if_exists, …)`` is the documented entry
  point for the CSV datasets. It downloads one gzip CSV per UTC day from
  ``https://datasets.tardis.dev/v1/{exchange}/{data_type}/{YYYY}/{MM}/{DD}/{SYMBOL}.csv.gz``
  (the symbol upper-cased, ``:`` and ``/`` turned into ``-``) with aiohttp and stores the
  compressed bytes as ``{exchange}_{data_type}_{YYYY-MM-DD}_{SYMBOL}.csv.gz``
  (``tardis_dev.default_file_name``). It does not parse the files.
* Every file goes through ``tardis_dev._http.reliable_download(session, url, dest_path,
  max_attempts=30)`` on a session from ``tardis_dev._http.create_session(api_key, timeout)``.
  That loop retries every failure except HTTP 400/401/403/404 up to 30 times, waiting up to two
  minutes between attempts, a failed name lookup included: offline, ``download_datasets`` would
  sit there for the better part of an hour. This provider therefore calls those two functions
  itself with ``max_attempts=1``, one day at a time, and lets the retry loop shared with the
  ccxt provider decide (:mod:`pineopt.data.providers.remote`: offline → one line at once;
  timeouts, HTTP 429 and 5xx → backoff and retry; 401/403/404 → :class:`DataError` at once). With
  a tardis-dev that lacks them it falls back to ``download_datasets`` for the day (and its own
  retries).
* The ``trades`` files have the columns ``exchange, symbol, timestamp, local_timestamp, id,
  side, price, amount``; times are microseconds since the epoch, UTC. ``timestamp`` is the
  exchange's time of the trade (``local_timestamp``, the arrival time, when the exchange gives
  none). Files are split by *arrival* day, so a trade executed just before midnight can sit in the
  next day's file. A day without trades is an empty gzip file. A day is published the next day,
  around 06:00 UTC.
* Without an API key Tardis.dev serves only the first day of each month. The key comes from
  ``api_key=`` or the ``TARDIS_API_KEY`` environment variable; without one the provider checks
  the days it would download *before* any network call and raises :class:`DataError` naming the
  days that need a key (the free first days of the month work without one).

Bars: trades are assigned by exchange time to the bar containing it; open is the first trade's
price, high the highest, low the lowest, close the last trade's price, volume the sum of the
amounts. A bar without trades is absent, not invented. A trade filed under the neighbouring day
is merged into its bar when both days are downloaded in the same request (a day already cached
from an earlier request is not rewritten). Timeframes must divide a day (``1S`` … ``240``,
``1D``) so bars never straddle two files; build weekly or monthly bars from ``1D`` with
:func:`pineopt.data.resample.resample`. ``end`` defaults to the end of yesterday (UTC), ``start``
to the start of ``end``'s day. Only days the cache has not fetched before are downloaded; the raw
files go to a temporary folder and are deleted once aggregated.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import gzip
import inspect
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.dataset import Dataset
from pineopt.data.frame import OHLCV_COLUMNS, to_ohlcv
from pineopt.data.providers.base import DataRequest, Provider, register
from pineopt.data.providers.remote import (
    Failure,
    RangeWriter,
    RemoteSeries,
    RetryPolicy,
    classify_network,
    format_time,
    iter_days,
    progress_bar,
    short_error,
    split_prefix,
    utc,
)
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError

API_KEY_ENV = "TARDIS_API_KEY"
DAY = pd.Timedelta(days=1)
_PARTIAL_COLUMNS = [*OHLCV_COLUMNS, "first", "last"]
_TRADE_COLUMNS = ("timestamp", "price", "amount")
_CONCATENATED = ("binance", "bybit")  # exchanges whose Tardis symbols join base and quote


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def tardis_symbol(text: str, exchange: str) -> str:
    """The Tardis file symbol: upper case, ``:`` and ``/`` as ``-`` (tardis-dev's own rule), and
    ccxt-style ``BTC/USDT`` (or ``BTC/USDT:USDT``) joined to ``BTCUSDT`` on Binance and Bybit."""
    symbol = text.strip().upper()
    if "/" in symbol and exchange.startswith(_CONCATENATED):
        symbol = symbol.split(":")[0].replace("/", "")
    return re.sub(r"[:/]", "-", symbol)


@register
class TardisProvider(Provider):
    """Bars built from Tardis.dev trade files, one UTC day per download, into the cache."""

    name = "tardis"
    remote = True
    description = "OHLCV bars aggregated from Tardis.dev trades (cached; key in TARDIS_API_KEY)"

    def __init__(
        self,
        exchange: str = "binance",
        cache: ParquetCache | None = None,
        progress: bool = True,
        max_retries: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], None] | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        """``exchange``: default Tardis exchange id; ``api_key``: default ``$TARDIS_API_KEY``;
        ``timeout``: seconds of silence before a download counts as timed out; the other options
        as for the ccxt provider."""
        self.exchange = exchange.strip().lower()
        self.cache = cache if cache is not None else ParquetCache()
        self.progress = progress
        self.policy = RetryPolicy(max_retries, backoff, sleep=sleep or time.sleep)
        self.api_key = api_key
        self.timeout = timeout

    def key(self) -> str:
        """The API key in use (``""`` for none)."""
        return self.api_key if self.api_key is not None else os.environ.get(API_KEY_ENV, "")

    def load(self, request: DataRequest) -> Dataset:
        prefix, text = split_prefix(request.symbol)
        exchange = (request.exchange or prefix or self.exchange).strip().lower()
        symbol = tardis_symbol(text, exchange)
        timeframe = request.timeframe
        if timeframe is None:
            raise DataError("the tardis provider needs a timeframe (for example 1, 60 or 1D)")
        if not (timeframe.is_intraday or timeframe == Timeframe(1, "D")) or (
            86_400 % timeframe.seconds
        ):
            raise DataError(
                f"tardis builds bars from daily trade files, so the timeframe must divide a day "
                f"(1S … 240, 1D), not {timeframe}; resample 1D bars for weeks or months"
            )
        key = CacheKey(self.name, exchange, symbol, timeframe)
        series = RemoteSeries(
            self.cache,
            key,
            f"Tardis.dev ({exchange})",
            self.policy,
            label=f"{symbol} {timeframe.to_ccxt()} trades",
        )

        today = _now().normalize()
        end = request.end if request.end is not None else today - pd.Timedelta(1, "ns")
        start = request.start if request.start is not None else utc(end).normalize()
        lo, hi = utc(start).normalize(), utc(end).normalize() + DAY
        series.window = (lo, hi)
        if lo >= today:
            raise DataError(
                f"Tardis.dev publishes a day's trades the next day (around 06:00 UTC); nothing "
                f"to fetch from {format_time(lo)} on yet"
            )
        pieces = [(a.normalize(), b) for a, b in series.missing(lo, min(hi, today))]
        days = [day for a, b in pieces for day in iter_days(a, b)]
        self._check_key(days, exchange, symbol)
        trades = self._download(series, exchange, symbol, timeframe, pieces) if days else 0

        info = SymbolInfo.default(symbol, self.name, exchange)
        provenance = {
            "provider": self.name,
            "exchange": exchange,
            "symbol": symbol,
            "timeframe": timeframe.to_ccxt(),
            "source": f"Tardis.dev trades via tardis-dev {_tardis_version()}",
            "downloaded_days": len(days),
            "trades": trades,
        }
        return series.dataset(start, end, info, timeframe, provenance)

    def _check_key(self, days: list[pd.Timestamp], exchange: str, symbol: str) -> None:
        paid = [day for day in days if day.day != 1]
        if paid and not self.key():
            shown = ", ".join(format_time(day) for day in paid[:3])
            more = f" and {len(paid) - 3} more" if len(paid) > 3 else ""
            raise DataError(
                f"Tardis.dev needs an API key for {exchange} {symbol} on {shown}{more}: set "
                f"{API_KEY_ENV} (or api_key=); without a key only the first day of each month "
                f"is free (e.g. {format_time(paid[0].replace(day=1))})"
            )

    def _download(
        self,
        series: RemoteSeries,
        exchange: str,
        symbol: str,
        timeframe: Timeframe,
        pieces: list[tuple[pd.Timestamp, pd.Timestamp]],
    ) -> int:
        """Download, aggregate and store the days of ``pieces`` (runs of consecutive days);
        returns the number of trades read."""
        source = f"Tardis.dev {exchange} trades {symbol}"
        info = SymbolInfo.default(symbol, self.name, exchange)
        extra = {"symbol_info": info.to_dict(), "tardis_symbol": symbol}
        step_us = timeframe.seconds * 1_000_000
        total = sum(len(list(iter_days(a, b))) for a, b in pieces)
        count = 0
        with (
            tempfile.TemporaryDirectory(prefix="pineopt-tardis-") as folder,
            progress_bar(self.progress, total, f"tardis {exchange} {symbol}", "day") as bar,
        ):
            for lo, hi in pieces:
                previous: tuple[pd.DataFrame, pd.DataFrame] | None = None  # yesterday's bars
                with RangeWriter(series, lo, source=source, extra=extra, batch=1) as writer:
                    for day in iter_days(lo, hi):
                        fetch = functools.partial(
                            self._day_bars, exchange, symbol, day, Path(folder), step_us
                        )
                        explain = self._explainer(exchange, symbol, day)
                        bars, trades = series.call(fetch, _classify, explain)
                        count += trades
                        own = bars[(bars.index >= day) & (bars.index < day + DAY)]
                        late = bars[(bars.index >= day - DAY) & (bars.index < day)]
                        frames = []
                        if previous is not None:
                            yesterday, early = previous
                            own = _combine(early, own)  # trades of today filed yesterday
                            if len(late):  # trades of yesterday filed today: redo those bars
                                again = yesterday.loc[yesterday.index.isin(late.index)]
                                frames.append(_combine(again, late))
                        frames.append(own)
                        writer.add(_contract(pd.concat(frames), source), day + DAY)
                        previous = (own, bars[bars.index >= day + DAY])
                        bar.update(1)
        return count

    def _day_bars(
        self, exchange: str, symbol: str, day: pd.Timestamp, folder: Path, step_us: int
    ) -> tuple[pd.DataFrame, int]:
        path = download_trades(
            exchange, symbol, day, folder, api_key=self.key(), timeout=self.timeout
        )
        try:
            trades = read_trades(path)
        finally:
            path.unlink(missing_ok=True)
        return _partial_bars(trades, step_us), len(trades)

    def _explainer(
        self, exchange: str, symbol: str, day: pd.Timestamp
    ) -> Callable[[BaseException], str]:
        what = f"{exchange} {symbol} trades of {format_time(day)}"
        has_key = bool(self.key())

        def explain(exc: BaseException) -> str:
            if not isinstance(exc, urllib.error.HTTPError):
                return f"Tardis.dev: cannot read {what}: {short_error(exc)}"
            detail = short_error(Exception(exc.msg or exc.reason or ""), 160)
            if exc.code in (401, 403) and not has_key:
                return (
                    f"Tardis.dev refused {what} without an API key (HTTP {exc.code}: {detail}); "
                    f"set {API_KEY_ENV} (only the first day of each month is meant to be free)"
                )
            if exc.code in (401, 403):
                return (
                    f"Tardis.dev refused the API key for {what} (HTTP {exc.code}: {detail}); "
                    f"check {API_KEY_ENV} and that the subscription covers them"
                )
            if exc.code == 404:
                if day >= _now().normalize() - DAY:
                    hint = "a day is published the next day, around 06:00 UTC"
                else:
                    hint = (
                        "check the Tardis exchange id (binance, binance-futures, bybit, "
                        "deribit, …) and the exchange's own symbol (BTCUSDT on binance)"
                    )
                return f"Tardis.dev has no {what} (HTTP 404): {hint}"
            return f"Tardis.dev refused {what} (HTTP {exc.code}: {detail})"

        return explain


# --------------------------------------------------------------------------- download and parse


def download_trades(
    exchange: str,
    symbol: str,
    day: pd.Timestamp,
    folder: Path,
    *,
    api_key: str = "",
    timeout: float = 60.0,
) -> Path:
    """Download one day of trades into ``folder`` with tardis-dev (a single attempt); returns
    the path of the gzip CSV."""
    import tardis_dev

    stamp = utc(day).to_pydatetime()
    name = tardis_dev.default_file_name(exchange, "trades", stamp, symbol, "csv")
    target = Path(folder) / name
    single = _single_attempt()
    if single is None:  # an older tardis-dev: its own downloader, with its own retries
        tardis_dev.download_datasets(
            exchange,
            ["trades"],
            [symbol],
            stamp.strftime("%Y-%m-%d"),
            (stamp + DAY.to_pytimedelta()).strftime("%Y-%m-%d"),
            api_key=api_key,
            download_dir=str(folder),
            timeout=int(timeout),
            concurrency=1,
            get_filename=lambda *_: name,
            skip_if_exists=False,
        )
        return target
    create_session, reliable_download = single
    url = (
        f"{tardis_dev.DEFAULT_DATASETS_ENDPOINT}/{exchange}/trades/{stamp:%Y/%m/%d}/"
        f"{urllib.parse.quote(symbol, safe='')}.csv.gz"
    )

    async def run() -> None:
        async with await create_session(api_key, int(timeout)) as session:
            await reliable_download(session, url, str(target), max_attempts=1)

    _run_async(run)
    return target


def _single_attempt() -> tuple[Callable, Callable] | None:
    """tardis-dev's session factory and one-file downloader, if it has them with
    ``max_attempts``."""
    try:
        from tardis_dev import _http
    except ImportError:
        return None
    create = getattr(_http, "create_session", None)
    download = getattr(_http, "reliable_download", None)
    if create is None or download is None:
        return None
    if "max_attempts" not in inspect.signature(download).parameters:
        return None
    return create, download


def _run_async(factory: Callable[[], Any]) -> Any:
    """Run a coroutine to completion, also from inside a running loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, factory()).result()


def read_trades(path: str | Path) -> pd.DataFrame:
    """``timestamp`` (µs), ``price`` and ``amount`` of a Tardis trades CSV (gzip or plain)."""
    path = Path(path)
    try:
        frame = pd.read_csv(
            path, usecols=lambda column: column in _TRADE_COLUMNS, compression="infer"
        )
    except pd.errors.EmptyDataError:  # a day without trades is an empty file
        return pd.DataFrame(
            {
                "timestamp": np.array([], "int64"),
                "price": np.array([], "float64"),
                "amount": np.array([], "float64"),
            }
        )
    missing = [column for column in _TRADE_COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(f"{path.name}: not a Tardis trades file (no {', '.join(missing)} column)")
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna().any(axis=1) & frame.notna().all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{path.name}: row {row + 2} is not numeric ({frame.iloc[row].to_dict()})")
    numbers = numbers.dropna()
    return pd.DataFrame(
        {
            "timestamp": numbers["timestamp"].to_numpy("int64"),
            "price": numbers["price"].to_numpy("float64"),
            "amount": numbers["amount"].to_numpy("float64"),
        }
    )


def aggregate_trades(trades: pd.DataFrame, timeframe: Timeframe | str) -> pd.DataFrame:
    """OHLCV bars (contract frame) from trades with ``timestamp`` (µs), ``price``, ``amount``."""
    timeframe = Timeframe.parse(timeframe)
    return _contract(_partial_bars(trades, timeframe.seconds * 1_000_000), "trades")


def _partial_bars(trades: pd.DataFrame, step_us: int) -> pd.DataFrame:
    """Bars plus the times of their first and last trade (``first``, ``last``, µs), which let
    bars built from two files be merged exactly (:func:`_combine`)."""
    times = trades["timestamp"].to_numpy("int64")
    if not len(times):
        empty = pd.DatetimeIndex([], tz="UTC", name="time").as_unit("ns")
        return pd.DataFrame(
            {name: np.array([], "float64") for name in OHLCV_COLUMNS}
            | {"first": np.array([], "int64"), "last": np.array([], "int64")},
            index=empty,
        )
    order = np.argsort(times, kind="stable")  # equal times keep the file's (arrival) order
    times = times[order]
    price = trades["price"].to_numpy("float64")[order]
    amount = trades["amount"].to_numpy("float64")[order]
    opens = times // step_us * step_us
    starts = np.flatnonzero(np.r_[True, opens[1:] != opens[:-1]])
    ends = np.r_[starts[1:], len(times)] - 1
    columns = {
        "open": price[starts],
        "high": np.maximum.reduceat(price, starts),
        "low": np.minimum.reduceat(price, starts),
        "close": price[ends],
        "volume": np.add.reduceat(amount, starts),
        "first": times[starts],
        "last": times[ends],
    }
    index = pd.DatetimeIndex(pd.to_datetime(opens[starts], unit="us", utc=True), name="time")
    return pd.DataFrame(columns, index=index.as_unit("ns"))


def _combine(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Merge two sets of partial bars: for a bar in both, the open of the earlier first trade,
    the close of the later last trade, the extremes and the summed volume."""
    if not len(a):
        return b
    if not len(b):
        return a
    common = a.index.intersection(b.index)
    x, y = a.loc[common], b.loc[common]
    merged = pd.DataFrame(
        {
            "open": np.where(y["first"] < x["first"], y["open"], x["open"]),
            "high": np.maximum(x["high"], y["high"]),
            "low": np.minimum(x["low"], y["low"]),
            "close": np.where(y["last"] >= x["last"], y["close"], x["close"]),
            "volume": x["volume"] + y["volume"],
            "first": np.minimum(x["first"], y["first"]),
            "last": np.maximum(x["last"], y["last"]),
        },
        index=common,
    )
    return pd.concat([a.drop(common), b.drop(common), merged])[_PARTIAL_COLUMNS].sort_index()


def _contract(partial: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = partial[list(OHLCV_COLUMNS)]
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    return to_ohlcv(frame, source)


def _classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code in (408, 425, 429) or exc.code >= 500:
            return Failure.TRANSIENT
        return Failure.PERMANENT
    if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)):
        return Failure.TRANSIENT  # a download cut short
    kind = classify_network(exc)
    if kind is not None:
        return kind
    import aiohttp

    if isinstance(exc, (aiohttp.ClientError, ConnectionError)):
        return Failure.TRANSIENT
    return None


def _tardis_version() -> str:
    try:
        import tardis_dev

        return tardis_dev.__version__
    except ImportError:  # pragma: no cover - a declared dependency
        return "?"
