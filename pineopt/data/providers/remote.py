"""What the remote providers (``ccxt``, ``tardis``) share: bar grid, retries, cache bookkeeping.

Both download bars into the :class:`~pineopt.data.cache.ParquetCache` and go through the same
steps, written once here:

* **The bar grid.** :func:`bar_floor`, :func:`bar_end` and :func:`shift_bars` turn a request into a
  half-open range ``[lo, hi)`` of bar open times on the timeframe's grid (epoch-aligned for
  seconds to days, Monday-aligned weeks, calendar months). The cache records fetched ranges in
  that unit, so asking again for the same bars, or for bars that have not closed yet, costs no
  network call.
* **Failures.** :func:`classify_network` sorts an exception into a :class:`Failure`: a host that
  cannot be reached at all (name not resolved, connection refused, no route: the machine is
  offline) fails after the *first* attempt, because retrying only delays the message; timeouts,
  rate limits and server errors are retried with exponential backoff (:class:`RetryPolicy`);
  requests that can never succeed (unknown symbol, refused key) raise
  :class:`~pineopt.errors.DataError` at once. :meth:`RemoteSeries.call` runs that loop.
* **Bookkeeping.** :class:`RemoteSeries` knows what is cached for one series and what is missing,
  writes the one-line :class:`~pineopt.errors.NetworkUnavailable` message naming the cached
  ranges and their bar counts, and builds the final :class:`~pineopt.data.dataset.Dataset`.
  :class:`RangeWriter` stores fetched bars together with the range they cover, in batches and
  also on the way out of an error, so an interrupted download keeps what it already received.
* :func:`progress_bar`: a tqdm bar on stderr (a widget in Jupyter), silent when stderr is not a
  terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import errno
import re
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from pineopt.data.cache import CacheEntry, CacheKey, ParquetCache
from pineopt.data.dataset import Dataset, slice_frame
from pineopt.data.frame import empty_ohlcv
from pineopt.data.symbol import SymbolInfo
from pineopt.data.timeframe import Timeframe
from pineopt.errors import DataError, NetworkUnavailable, ProviderError

T = TypeVar("T")

_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_FIRST_MONDAY = pd.Timestamp("1970-01-05", tz="UTC")

# --------------------------------------------------------------------------- the bar grid


def utc(value: Any) -> pd.Timestamp:
    """A UTC timestamp (naive values are UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def to_ms(stamp: pd.Timestamp) -> int:
    """Epoch milliseconds of a timestamp."""
    return utc(stamp).value // 1_000_000


def from_ms(ms: int) -> pd.Timestamp:
    """A UTC timestamp from epoch milliseconds."""
    return pd.Timestamp(int(ms), unit="ms", tz="UTC")


def bar_floor(stamp: Any, timeframe: Timeframe) -> pd.Timestamp:
    """The open time of the bar containing ``stamp``: seconds to days count from the Unix epoch,
    weeks from a Monday (as exchanges and TradingView open weekly bars), months from the 1st."""
    stamp = utc(stamp)
    if timeframe.is_monthly:
        months = (stamp.year - 1970) * 12 + stamp.month - 1
        months -= months % timeframe.multiplier
        return pd.Timestamp(year=1970 + months // 12, month=months % 12 + 1, day=1, tz="UTC")
    origin = _FIRST_MONDAY if timeframe.is_weekly else _EPOCH
    step = timeframe.seconds * 1_000_000_000
    return origin + pd.Timedelta((stamp - origin).value // step * step, unit="ns")


def shift_bars(stamp: Any, timeframe: Timeframe, count: int) -> pd.Timestamp:
    """``stamp`` moved by ``count`` bars (calendar months for monthly timeframes)."""
    stamp = utc(stamp)
    if timeframe.is_monthly:
        return stamp + pd.DateOffset(months=count * timeframe.multiplier)
    return stamp + pd.Timedelta(seconds=count * timeframe.seconds)


def bar_end(open_time: Any, timeframe: Timeframe) -> pd.Timestamp:
    """When the bar opened at ``open_time`` closes (the open time of the next bar)."""
    return shift_bars(open_time, timeframe, 1)


def format_time(stamp: pd.Timestamp) -> str:
    """Compact ISO 8601 in UTC: ``2024-01-31``, ``2024-01-31T12:00Z``, ``…T12:00:05Z``."""
    stamp = utc(stamp)
    if stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    if stamp.second == 0 and stamp.microsecond == 0 and stamp.nanosecond == 0:
        return stamp.strftime("%Y-%m-%dT%H:%MZ")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- failures


class Failure(enum.Enum):
    """What a failed request means for the next attempt."""

    UNREACHABLE = "unreachable"  # no route to the service at all: report at once
    TIMEOUT = "timeout"  # retried; running out of retries also reads as unreachable
    TRANSIENT = "transient"  # rate limits, server errors, dropped connections: retried
    PERMANENT = "permanent"  # the request itself is wrong: DataError at once


_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.ENETDOWN: "network is down",
    errno.EHOSTUNREACH: "no route to host",
}
_RESOLVE_TEXT = re.compile(
    r"name or service not known|nodename nor servname|temporary failure in name resolution"
    r"|getaddrinfo failed|failed to resolve|no address associated with hostname",
    re.IGNORECASE,
)
_UNREACHABLE_TEXT = re.compile(
    r"connection refused|network is unreachable|no route to host|network is down", re.IGNORECASE
)


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception behind it: causes, contexts, and the wrapped errors that
    urllib3 (``reason``), aiohttp (``os_error``) and requests (``args``) keep as attributes."""
    seen: set[int] = set()
    found: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        todo += [current.__cause__, current.__context__]
        for name in ("reason", "os_error"):
            inner = getattr(current, name, None)
            if isinstance(inner, BaseException):
                todo.append(inner)
        todo += [arg for arg in current.args if isinstance(arg, BaseException)]
    return found


def unreachable_reason(exc: BaseException) -> str | None:
    """Why the service cannot be reached at all (``"cannot resolve api.binance.com"``,
    ``"connection refused"``, …), or ``None`` when ``exc`` is some other failure."""
    chain = exception_chain(exc)
    for error in chain:
        if isinstance(error, socket.gaierror) or type(error).__name__ in (
            "NameResolutionError",
            "ClientConnectorDNSError",
        ):
            return _resolve_message(chain)
    for error in chain:
        if isinstance(error, ConnectionRefusedError):
            return "connection refused"
        if isinstance(error, OSError) and error.errno in _UNREACHABLE_ERRNOS:
            return _UNREACHABLE_ERRNOS[error.errno]
    for error in chain:
        text = str(error)
        if _RESOLVE_TEXT.search(text):
            return _resolve_message(chain)
        match = _UNREACHABLE_TEXT.search(text)
        if match:
            return match.group(0).lower()
    return None


def _resolve_message(chain: list[BaseException]) -> str:
    for error in chain:
        host = getattr(error, "host", None) or getattr(error, "_host", None)
        if isinstance(host, str) and host:
            return f"cannot resolve {host}"
    return "cannot resolve the host name"


def is_timeout(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is a timeout."""
    return any(isinstance(e, (TimeoutError, asyncio.TimeoutError)) for e in exception_chain(exc))


def classify_network(exc: BaseException) -> Failure | None:
    """The failure kind of a plain network error, or ``None`` when ``exc`` is not one."""
    if unreachable_reason(exc):
        return Failure.UNREACHABLE
    if is_timeout(exc):
        return Failure.TIMEOUT
    return None


def short_error(exc: BaseException, limit: int = 200) -> str:
    """``exc`` as one short line: its type when the message is empty, whitespace collapsed."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class RetryPolicy:
    """How often to retry a transient failure and how long to wait: ``backoff * 2**attempt``
    seconds (at most ``max_delay``) before retry ``attempt + 1``. ``sleep`` is injectable."""

    max_retries: int = 5
    backoff: float = 1.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise DataError(f"max_retries must be a whole number >= 0, got {self.max_retries!r}")
        if not self.backoff >= 0:
            raise DataError(f"backoff must be >= 0 seconds, got {self.backoff!r}")

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0 for the first)."""
        return min(self.max_delay, self.backoff * 2**attempt)


# --------------------------------------------------------------------------- one cached series


class RemoteSeries:
    """One series of a remote provider in the cache: what is there, what is missing, and the
    messages that say so. ``service`` names the remote end in messages (``"binance"``,
    ``"Tardis.dev (binance)"``); ``window`` is the requested ``[lo, hi)`` once known."""

    def __init__(
        self,
        cache: ParquetCache,
        key: CacheKey,
        service: str,
        policy: RetryPolicy,
        label: str | None = None,
    ) -> None:
        self.cache = cache
        self.key = key
        self.service = service
        self.policy = policy
        self.label = label or f"{key.symbol} {key.timeframe}"
        self.window: tuple[pd.Timestamp, pd.Timestamp] | None = None
        self._entry = cache.read(key)

    @property
    def path(self) -> Path:
        return self.cache.path(self.key)

    @property
    def entry(self) -> CacheEntry | None:
        return self._entry

    def missing(
        self, lo: pd.Timestamp, hi: pd.Timestamp
    ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The parts of ``[lo, hi)`` no earlier fetch has covered."""
        if not lo < hi:
            return []
        return self._entry.missing(lo, hi) if self._entry else [(lo, hi)]

    def store(
        self,
        frame: pd.DataFrame,
        fetched: tuple[pd.Timestamp, pd.Timestamp],
        source: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Merge ``frame`` into the cache file and record ``fetched`` as covered."""
        self._entry = self.cache.store(self.key, frame, fetched, source=source, extra=extra)

    # ------------------------------------------------------------------ messages

    def cached_summary(self) -> str:
        """What the cache holds for the requested window, e.g. ``"cached: 2024-01-01 →
        2024-01-01T23:00Z (24 bars) in …/60.parquet"``, or ``"nothing cached"``."""
        entry = self._entry
        if entry is None or (not len(entry.frame) and not entry.fetched):
            return f"nothing cached for {self.label}"
        index = entry.frame.index
        lo, hi = self.window or (None, None)
        parts = []
        for a, b in entry.fetched:
            if lo is not None and (b <= lo or a >= hi):
                continue
            a, b = (max(a, lo), min(b, hi)) if lo is not None else (a, b)
            inside = index[(index >= a) & (index < b)]
            if len(inside):
                parts.append(
                    f"{format_time(inside[0])} → {format_time(inside[-1])} "
                    f"({len(inside)} bar{'s' if len(inside) != 1 else ''})"
                )
            else:
                parts.append(f"{format_time(a)} → {format_time(b)} (no bars)")
        where = f" in {entry.path}"
        if parts:
            return "cached: " + ", ".join(parts) + where
        if len(index):
            return (
                f"nothing cached in this range (the cache holds {len(index)} bars, "
                f"{format_time(index[0])} → {format_time(index[-1])}{where})"
            )
        return f"nothing cached in this range{where}"

    def _wanted(self) -> str:
        if self.window is None:
            return self.label
        lo, hi = self.window
        return f"{self.label} {format_time(lo)} → {format_time(hi)}"

    def offline(self, reason: str) -> NetworkUnavailable:
        """The one-line error for a service that cannot be reached, naming the cached data."""
        return NetworkUnavailable(
            f"{self.service} is unreachable ({reason}; network down?): cannot fetch "
            f"{self._wanted()}; {self.cached_summary()}"
        )

    # ------------------------------------------------------------------ retries

    def call(
        self,
        func: Callable[[], T],
        classify: Callable[[BaseException], Failure | None],
        explain: Callable[[BaseException], str],
    ) -> T:
        """``func()`` with the retry policy: unreachable → :class:`NetworkUnavailable` after
        one attempt, timeouts and transient failures → backoff and retry, permanent failures →
        :class:`DataError` with ``explain(exc)``. Exceptions ``classify`` does not know (it
        returns ``None``) propagate unchanged."""
        attempt = 0
        while True:
            try:
                return func()
            except Exception as exc:
                kind = classify(exc)
                if kind is None:
                    raise
                if kind is Failure.PERMANENT:
                    raise DataError(explain(exc)) from exc
                if kind is Failure.UNREACHABLE:
                    raise self.offline(unreachable_reason(exc) or short_error(exc)) from exc
                if attempt >= self.policy.max_retries:
                    tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                    if kind is Failure.TIMEOUT:
                        raise self.offline(f"timed out, {tries}") from exc
                    raise ProviderError(
                        f"{self.service} kept failing for {self._wanted()} ({tries}): "
                        f"{short_error(exc)}; {self.cached_summary()}"
                    ) from exc
                self.policy.sleep(self.policy.delay(attempt))
                attempt += 1

    # ------------------------------------------------------------------ result

    def dataset(
        self,
        start: pd.Timestamp,
        end: pd.Timestamp,
        symbol: SymbolInfo,
        timeframe: Timeframe,
        provenance: dict[str, Any],
    ) -> Dataset:
        """The cached bars with open time in ``[start, end]``; :class:`DataError` when none."""
        entry = self._entry
        frame = slice_frame(entry.frame if entry else empty_ohlcv(), start, end)
        if not len(frame):
            detail = "" if entry is None else f"; {self.cached_summary()}"
            raise DataError(
                f"no bars returned for {self.label} by {self.service} between "
                f"{format_time(start)} and {format_time(end)}{detail}"
            )
        provenance = {**provenance, "cache": str(self.path)}
        return Dataset(frame, symbol, timeframe, provenance=provenance)


class RangeWriter:
    """Collects fetched bars and how far they cover, and stores them in the cache in batches
    of about ``batch`` bars, at :meth:`finish`, and when the ``with`` block ends by an error
    (the coverage then ends where the last complete page or file ended)."""

    def __init__(
        self,
        series: RemoteSeries,
        start: pd.Timestamp,
        *,
        source: str,
        extra: dict[str, Any] | None = None,
        batch: int = 5000,
    ) -> None:
        self.series = series
        self.source = source
        self.extra = extra
        self.batch = batch
        self.lo = self.hi = start
        self.frames: list[pd.DataFrame] = []
        self.pending = 0
        self.stored = 0

    def add(self, frame: pd.DataFrame, covered_to: pd.Timestamp) -> None:
        """Bars received, and the end of the range they prove complete."""
        if len(frame):
            self.frames.append(frame)
            self.pending += len(frame)
        self.hi = max(self.hi, covered_to)
        if self.pending >= self.batch:
            self.flush()

    def finish(self, covered_to: pd.Timestamp) -> None:
        """The range is done up to ``covered_to`` (an empty tail is a quiet market)."""
        self.hi = max(self.hi, covered_to)
        self.flush()

    def flush(self) -> None:
        if not self.hi > self.lo and not self.frames:
            return
        frame = pd.concat(self.frames) if self.frames else empty_ohlcv()
        if len(self.frames) > 1:
            frame = frame[~frame.index.duplicated(keep="last")].sort_index()
        if len(frame) or self.series.entry is not None:  # never create a file of nothing
            self.series.store(frame, (self.lo, self.hi), self.source, self.extra)
        self.stored += len(frame)
        self.lo = self.hi
        self.frames, self.pending = [], 0

    def __enter__(self) -> RangeWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.flush()
            return
        with contextlib.suppress(Exception):  # keep what was received; report the original
            self.flush()


# --------------------------------------------------------------------------- misc


def progress_bar(enabled: bool, total: int | None, desc: str, unit: str):
    """A tqdm bar on stderr (a widget in Jupyter); ``enabled=False`` or a non-terminal stderr
    silences it."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        leave=False,
        disable=None if enabled else True,
        dynamic_ncols=True,
    )


def split_prefix(symbol: str) -> tuple[str | None, str]:
    """``"BINANCE:BTCUSDT"`` → ``("binance", "BTCUSDT")``; symbols without a TradingView-style
    exchange prefix (including ccxt's ``BTC/USDT:USDT``) come back unchanged with ``None``."""
    head, sep, tail = symbol.strip().partition(":")
    if sep and tail and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", head):
        return head.lower(), tail.strip()
    return None, symbol.strip()


def iter_days(lo: pd.Timestamp, hi: pd.Timestamp) -> Iterator[pd.Timestamp]:
    """UTC midnights ``d`` with ``lo <= d < hi`` (both day-aligned)."""
    day = lo
    while day < hi:
        yield day
        day += pd.Timedelta(days=1)
