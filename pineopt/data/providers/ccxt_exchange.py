"""``ccxt``: OHLCV bars from crypto exchanges through `ccxt <https://github.com/ccxt/ccxt>`_,
cached as Parquet.

Symbols are ccxt's unified symbols (``BTC/USDT``; ``BTC/USDT:USDT`` for a USDT-margined
perpetual). The exchange's own id (``BTCUSDT``) and a TradingView-style prefix
(``BINANCE:BTCUSDT``, which also picks the exchange) are accepted and resolved against the
exchange's markets. The exchange is the provider's ``exchange`` (default ``binance``) unless the
request names one.

How a request is served:

* Only the parts of ``[start, end]`` the cache has not fetched before are downloaded (see
  :mod:`pineopt.data.providers.remote`); a fully cached request makes no network call at all,
  not even for the market list. ``end`` defaults to now, ``start`` to 1000 bars before ``end``.
* Pages come from ``fetch_ohlcv(symbol, timeframe, since=…, limit=…)``; ``since`` moves past the
  last bar received, and a page with no bars at or after ``since`` ends the range (the rest of it
  is a quiet market, recorded as fetched so it is not asked for again). The page size is the
  exchange's maximum from ccxt's ``features`` unless ``page_limit`` is given.
* The bar still forming (open + timeframe later than the exchange clock,
  ``exchange.milliseconds()``) is dropped and its period is not recorded as fetched, so a later
  request picks it up once it has closed.
* Bars are merged into the cache as pages arrive (in batches, and when an error or Ctrl-C stops
  the download), so an interrupted download keeps what it received.
* Rate limits: ccxt's own limiter (``enableRateLimit=True``, spacing requests by
  ``exchange.rateLimit``) stays on; the provider only sleeps ``rateLimit`` between pages itself if
  that limiter was switched off through ``config``. Rate-limit answers, timeouts, dropped
  connections and 5xx errors are retried with exponential backoff; an exchange that cannot be
  reached at all (name not resolved, connection refused, network down) fails at once with one
  line naming what is cached; unknown symbols, bad requests and refused keys raise
  :class:`~pineopt.errors.DataError` at once.

ccxt is imported on first use (it takes a noticeable fraction of a second).
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from pineopt.data.cache import CacheKey, ParquetCache
from pineopt.data.dataset import Dataset
from pineopt.data.frame import OHLCV_COLUMNS, empty_ohlcv, to_ohlcv
from pineopt.data.providers.base import DataRequest, Provider, register
from pineopt.data.providers.remote import (
    Failure,
    RangeWriter,
    RemoteSeries,
    RetryPolicy,
    bar_end,
    bar_floor,
    classify_network,
    from_ms,
    progress_bar,
    shift_bars,
    short_error,
    split_prefix,
    to_ms,
    unreachable_reason,
)
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError

DEFAULT_BARS = 1000
"""Bars fetched before ``end`` when a request gives no ``start``."""

_QUOTES = (
    "USDT",
    "USDC",
    "FDUSD",
    "BUSD",
    "TUSD",
    "DAI",
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "TRY",
    "BRL",
    "BTC",
    "ETH",
    "BNB",
)
_RESTRICTED = re.compile(r" 451 |restricted location", re.IGNORECASE)


def _ccxt():
    import ccxt

    return ccxt


def exchange_id(name: str) -> str:
    """The ccxt id for ``name`` (case-insensitive), or :class:`DataError` with close matches."""
    ccxt = _ccxt()
    ident = str(name).strip().lower()
    if ident in ccxt.exchanges:
        return ident
    close = difflib.get_close_matches(ident, ccxt.exchanges, n=5, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(close)}?"
        if close
        else f"see ccxt.exchanges for the {len(ccxt.exchanges)} ids, e.g. binance, bybit, okx"
    )
    raise DataError(f"unknown ccxt exchange {name!r} ({hint})")


def guess_symbol(text: str) -> str:
    """A unified symbol from what the user typed, without asking the exchange: ``btc/usdt`` →
    ``BTC/USDT``, ``BTCUSDT`` → ``BTC/USDT`` (by common quote currencies). The exchange's market
    list settles it when the network is used."""
    text = text.strip()
    if "/" in text:
        return text.upper()
    upper = re.sub(r"[-_]", "", text.upper())
    for quote in _QUOTES:
        if upper.endswith(quote) and len(upper) > len(quote):
            return f"{upper[: -len(quote)]}/{quote}"
    return upper


@register
class CcxtProvider(Provider):
    """Bars from any exchange ccxt supports, fetched page by page into the Parquet cache."""

    name = "ccxt"
    remote = True
    description = "OHLCV bars from crypto exchanges through ccxt (cached)"

    def __init__(
        self,
        exchange: str = "binance",
        cache: ParquetCache | None = None,
        progress: bool = True,
        max_retries: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], None] | None = None,
        page_limit: int | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        """``exchange``: default ccxt id; ``progress``: tqdm bar on stderr; ``max_retries`` and
        ``backoff`` (seconds, doubled per retry): transient failures; ``sleep``: the waiting
        function (tests pass a recorder); ``page_limit``: bars per request (default: the
        exchange's maximum); ``config``: extra ccxt constructor options (timeout, proxies, …)."""
        self.exchange = exchange_id(exchange)
        self.cache = cache if cache is not None else ParquetCache()
        self.progress = progress
        self.policy = RetryPolicy(max_retries, backoff, sleep=sleep or time.sleep)
        if page_limit is not None and (not isinstance(page_limit, int) or page_limit < 1):
            raise DataError(f"page_limit must be a positive whole number, got {page_limit!r}")
        self.page_limit = page_limit
        self.config = dict(config or {})
        self._clients: dict[str, Any] = {}

    def client(self, exchange: str | None = None) -> Any:
        """The ccxt exchange object for ``exchange`` (default: the provider's), made once."""
        ident = exchange_id(exchange or self.exchange)
        if ident not in self._clients:
            options = {"enableRateLimit": True, **self.config}
            self._clients[ident] = getattr(_ccxt(), ident)(options)
        return self._clients[ident]

    # ------------------------------------------------------------------ load

    def load(self, request: DataRequest) -> Dataset:
        prefix, text = split_prefix(request.symbol)
        if prefix is not None and prefix not in _ccxt().exchanges:
            prefix, text = None, request.symbol.strip()
        ident = exchange_id(request.exchange or prefix or self.exchange)
        client = self.client(ident)
        timeframe = request.timeframe
        if timeframe is None:
            raise DataError("the ccxt provider needs a timeframe (for example 60 or 1h, 240, 1D)")
        self._check_timeframe(client, timeframe)

        series = self._series(ident, guess_symbol(text), timeframe)
        now = from_ms(client.milliseconds())
        end = request.end if request.end is not None else now
        start = (
            request.start
            if request.start is not None
            else shift_bars(bar_floor(end, timeframe), timeframe, -DEFAULT_BARS)
        )
        lo = bar_floor(start, timeframe)
        hi = bar_end(bar_floor(end, timeframe), timeframe)
        closed = bar_floor(now, timeframe)  # bars opening here or later are still forming
        series.window = (lo, hi)

        market = None
        received = 0
        if series.missing(lo, min(hi, closed)):
            market, series = self._market(client, series, text, timeframe)
            pieces = series.missing(lo, min(hi, closed))
            if pieces:
                info = self._symbol_info(client, series, market)
                received = self._fetch(client, series, market, timeframe, pieces, now, info)
        info = self._symbol_info(client, series, market)
        provenance = {
            "provider": self.name,
            "exchange": ident,
            "symbol": series.key.symbol,
            "timeframe": timeframe.to_ccxt(),
            "source": f"ccxt {_ccxt().__version__} {ident}.fetch_ohlcv",
            "fetched_bars": received,
        }
        return series.dataset(start, end, info, timeframe, provenance)

    # ------------------------------------------------------------------ steps

    def _series(self, ident: str, symbol: str, timeframe: Timeframe) -> RemoteSeries:
        key = CacheKey(self.name, ident, symbol, timeframe)
        return RemoteSeries(
            self.cache, key, ident, self.policy, label=f"{symbol} {timeframe.to_ccxt()}"
        )

    @staticmethod
    def _check_timeframe(client: Any, timeframe: Timeframe) -> None:
        if not (client.has or {}).get("fetchOHLCV"):
            raise DataError(f"{client.id} offers no OHLCV bars through ccxt")
        offered = client.timeframes or {}
        if offered and timeframe.to_ccxt() not in offered:
            raise DataError(
                f"{client.id} has no {timeframe} bars ({timeframe.to_ccxt()}); it offers "
                f"{', '.join(offered)}"
            )

    def _market(
        self, client: Any, series: RemoteSeries, text: str, timeframe: Timeframe
    ) -> tuple[dict, RemoteSeries]:
        """Load the market list (retried like any request) and resolve ``text`` in it; the
        series is re-keyed if the exchange spells the symbol differently from the guess."""
        series.call(
            client.load_markets, _classify, _explainer(client, series.key.symbol, timeframe)
        )
        symbol = _resolve(client, text, series.key.symbol)
        if symbol != series.key.symbol:
            window = series.window
            series = self._series(client.id, symbol, timeframe)
            series.window = window
        return client.market(symbol), series

    def _fetch(
        self,
        client: Any,
        series: RemoteSeries,
        market: dict,
        timeframe: Timeframe,
        pieces: list[tuple[pd.Timestamp, pd.Timestamp]],
        now: pd.Timestamp,
        info: SymbolInfo,
    ) -> int:
        """Download the missing ``pieces`` page by page; returns the number of bars stored."""
        symbol, spelling = series.key.symbol, timeframe.to_ccxt()
        limit = self.page_limit or _page_limit(client, market)
        explain = _explainer(client, symbol, timeframe)
        source = f"ccxt {_ccxt().__version__} {client.id}.fetch_ohlcv"
        extra = {"symbol_info": info.to_dict()}
        now_ms = to_ms(now)
        settled = shift_bars(bar_floor(now, timeframe), timeframe, -1)
        total = sum(_bar_count(lo, hi, timeframe) for lo, hi in pieces)
        stored = 0
        requests = 0
        with progress_bar(self.progress, total, f"{client.id} {symbol} {spelling}", "bar") as bar:
            for lo, hi in pieces:
                since, hi_ms = to_ms(lo), to_ms(hi)
                with RangeWriter(series, lo, source=source, extra=extra) as writer:
                    quiet_tail = False
                    while since < hi_ms:
                        if requests and not client.enableRateLimit:
                            self.policy.sleep(client.rateLimit / 1000)
                        page = functools.partial(
                            client.fetch_ohlcv, symbol, spelling, since=since, limit=limit
                        )
                        rows = series.call(page, _classify, explain)
                        requests += 1
                        rows = [
                            row
                            for row in rows or []
                            if row and row[0] is not None and int(row[0]) >= since
                        ]
                        if not rows:
                            quiet_tail = True
                            break
                        following = to_ms(bar_end(from_ms(int(rows[-1][0])), timeframe))
                        kept = [row for row in rows if int(row[0]) < hi_ms]
                        while kept and _end_ms(int(kept[-1][0]), timeframe) > now_ms:
                            hi_ms = int(kept.pop()[0])  # still forming: neither kept nor claimed
                        writer.add(
                            _frame(kept, f"{client.id} {symbol}"), from_ms(min(following, hi_ms))
                        )
                        bar.update(len(kept))
                        if following <= since:  # the exchange ignores `since`: stop, not loop
                            break
                        since = following
                    end = from_ms(hi_ms)
                    if quiet_tail and end > settled:  # an empty answer right at the present may
                        end = max(from_ms(since), settled)  # only be the exchange lagging
                    writer.finish(end)
                stored += writer.stored
        return stored

    def _symbol_info(self, client: Any, series: RemoteSeries, market: dict | None) -> SymbolInfo:
        info = SymbolInfo.default(series.key.symbol, self.name, client.id)
        if market is not None:
            tick = _mintick(client, market)
            return info.replace(mintick=tick) if tick else info
        stored = series.entry.metadata.get("symbol_info") if series.entry else None
        if isinstance(stored, dict):
            try:
                return SymbolInfo(**stored)
            except (TypeError, DataError):
                pass
        return info


# --------------------------------------------------------------------------- helpers


def _classify(exc: BaseException) -> Failure | None:
    ccxt = _ccxt()
    if isinstance(exc, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        return Failure.TRANSIENT
    if isinstance(exc, ccxt.RequestTimeout):
        return Failure.TIMEOUT
    if isinstance(exc, ccxt.ExchangeNotAvailable) and _RESTRICTED.search(str(exc)):
        return Failure.PERMANENT  # HTTP 451: the exchange refuses this location
    if isinstance(exc, ccxt.NetworkError):
        return Failure.UNREACHABLE if unreachable_reason(exc) else Failure.TRANSIENT
    if isinstance(exc, ccxt.BaseError):
        return Failure.PERMANENT
    return classify_network(exc)


def _explainer(client: Any, symbol: str, timeframe: Timeframe) -> Callable[[BaseException], str]:
    ccxt = _ccxt()
    what = f"{symbol} {timeframe.to_ccxt()}"

    def explain(exc: BaseException) -> str:
        message = short_error(exc)
        if isinstance(exc, ccxt.BadSymbol):
            return f"{client.id} does not know the market {symbol}: {message}"
        if isinstance(exc, ccxt.AuthenticationError):
            return f"{client.id} refused the request for {what} (authentication): {message}"
        if isinstance(exc, ccxt.NotSupported):
            return f"{client.id} cannot serve {what} through ccxt: {message}"
        return f"{client.id} rejected the request for {what}: {message}"

    return explain


def _resolve(client: Any, text: str, guess: str) -> str:
    """The unified symbol of ``text`` in the loaded markets (spot preferred for a bare id)."""
    markets = client.markets or {}
    for candidate in (text, text.upper(), guess):
        if candidate in markets:
            return candidate
    by_id = getattr(client, "markets_by_id", None) or {}
    for candidate in (text, text.upper(), re.sub(r"[/\-_]", "", text.upper())):
        found = by_id.get(candidate)
        if found:
            found = found if isinstance(found, list) else [found]
            return next((m for m in found if m.get("spot")), found[0])["symbol"]
    close = difflib.get_close_matches(guess, list(markets), n=5, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(close)}?"
        if close
        else "ccxt symbols look like BTC/USDT, or BTC/USDT:USDT for a perpetual"
    )
    raise DataError(f"{client.id} has no market {text!r} ({hint})")


def _page_limit(client: Any, market: dict | None) -> int | None:
    """The exchange's largest ``limit`` for OHLCV from ccxt's ``features``, if it says."""
    features = getattr(client, "features", None) or {}
    kind = (market or {}).get("type") or "spot"
    section = features.get(kind) or {}
    if "fetchOHLCV" not in section:
        section = section.get("linear" if (market or {}).get("linear") else "inverse") or {}
    limit = (section.get("fetchOHLCV") or {}).get("limit")
    return int(limit) if isinstance(limit, (int, float)) and limit > 0 else None


def _mintick(client: Any, market: dict) -> float | None:
    ccxt = _ccxt()
    precision = (market.get("precision") or {}).get("price")
    if precision is None:
        return None
    if client.precisionMode == ccxt.TICK_SIZE:
        tick = float(precision)
    elif client.precisionMode == ccxt.DECIMAL_PLACES:
        tick = 10.0 ** -float(precision)
    else:
        return None
    return tick if tick > 0 and math.isfinite(tick) else None


def _end_ms(open_ms: int, timeframe: Timeframe) -> int:
    if timeframe.is_monthly:
        return to_ms(bar_end(from_ms(open_ms), timeframe))
    return open_ms + timeframe.seconds * 1000


def _bar_count(lo: pd.Timestamp, hi: pd.Timestamp, timeframe: Timeframe) -> int:
    seconds = 2_628_000 if timeframe.is_monthly else timeframe.seconds
    return max(1, math.ceil((hi - lo).total_seconds() / seconds))


def _frame(rows: list[list], source: str) -> pd.DataFrame:
    """ccxt OHLCV rows ``[ms, open, high, low, close, volume]`` as a contract frame."""
    if not rows:
        return empty_ohlcv()
    raw = pd.DataFrame([list(row[:6]) for row in rows], columns=["time", *OHLCV_COLUMNS])
    raw = raw.drop_duplicates("time", keep="last").sort_values("time")
    raw.index = pd.DatetimeIndex(
        pd.to_datetime(raw.pop("time").astype("int64"), unit="ms", utc=True)
    )
    return to_ohlcv(raw, source)
