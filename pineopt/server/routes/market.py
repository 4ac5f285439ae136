"""Market data: OHLCV bars (``GET /api/market/ohlcv``) and what is available
(``GET /api/market/status``).

Bars come from the same providers as :func:`pineopt.load`: the bundled samples and the local
Parquet cache offline; ccxt and Tardis over the network when the server allows remote data
(``PINEOPT_REMOTE_DATA``). ``file`` and ``tradingview`` are not offered: both read a symbol that
looks like a path as a file, and a caller must not name files on the server.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from pineopt.errors import DataError
from pineopt.server.encode import plain
from pineopt.server.errors import ApiError
from pineopt.server.routes import SettingsDep, errors
from pineopt.server.schemas import (
    NO_NUL,
    TIMEFRAME,
    Bar,
    DatasetOut,
    MarketStatusOut,
    OhlcvOut,
    ProviderOut,
)
from pineopt.server.worker import LOCAL_PROVIDERS

router = APIRouter(tags=["market"])

OFFERED = ("sample", "cache", "ccxt", "tardis")


def providers(settings: Any) -> list[dict[str, Any]]:
    """The providers the API offers, and whether this server allows each."""
    from pineopt.data.providers import provider_class

    out = []
    for name in OFFERED:
        cls = provider_class(name)
        if cls is None:
            continue
        remote = bool(cls.remote)
        out.append(
            {
                "name": name,
                "description": cls.description,
                "remote": remote,
                "enabled": settings.remote_data or not remote,
            }
        )
    return out


@lru_cache(maxsize=16)
def sample(symbol: str, timeframe: str) -> Any:
    """A bundled sample, read once: it cannot change while the server runs (the cache and
    remote providers are read on every request)."""
    from pineopt.data import load

    return load(symbol, timeframe, provider="sample")


@router.get(
    "/api/market/ohlcv",
    response_model=OhlcvOut,
    responses=errors(404, 502),
    summary="OHLCV bars of a symbol",
)
def ohlcv(
    settings: SettingsDep,
    symbol: Annotated[str, Query(min_length=1, max_length=200, pattern=NO_NUL)],
    timeframe: Annotated[str, Query(min_length=1, max_length=16, pattern=TIMEFRAME)],
    start: Annotated[str | None, Query(max_length=40, pattern=NO_NUL)] = None,
    end: Annotated[str | None, Query(max_length=40, pattern=NO_NUL)] = None,
    provider: Literal["sample", "cache", "ccxt", "tardis"] | None = None,
    exchange: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="bars (clamped to the server's cap)")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> OhlcvOut:
    """Bars between ``start`` and ``end`` (ISO 8601, inclusive), ``limit`` at a time from
    ``offset``; ``total`` is the number in the range. Without ``provider``: the bundled
    sample, else the cache."""
    from pineopt.data import load
    from pineopt.data.dataset import to_timestamp
    from pineopt.data.timeframe import Timeframe

    Timeframe.parse(timeframe)
    lo, hi = to_timestamp(start, "start"), to_timestamp(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise ApiError(422, f"end {end} is before start {start}")
    if provider is not None and provider not in LOCAL_PROVIDERS and not settings.remote_data:
        raise ApiError(
            422, f"this server does not fetch remote data (provider {provider!r} is off)"
        )
    dataset, used = None, provider
    problems = []
    for name in [provider] if provider else list(LOCAL_PROVIDERS):
        try:
            if name == "sample":
                dataset = sample(symbol, str(Timeframe.parse(timeframe))).between(lo, hi)
            else:
                options = {"exchange": exchange} if exchange else {}
                dataset = load(symbol, timeframe, lo, hi, name, **options)
            used = name
            break
        except DataError as exc:
            if provider:
                raise
            problems.append(str(exc))
    if dataset is None:
        raise ApiError(404, f"no bars for {symbol} {timeframe}: " + "; ".join(problems))
    size = min(limit or settings.max_bars, settings.max_bars)
    frame = dataset.frame.iloc[offset : offset + size]
    bars = [
        Bar(
            time=plain(t),
            open=plain(o),
            high=plain(h),
            low=plain(lw),
            close=plain(c),
            volume=plain(v),
        )
        for t, o, h, lw, c, v in zip(
            frame.index,
            frame["open"].to_numpy(),
            frame["high"].to_numpy(),
            frame["low"].to_numpy(),
            frame["close"].to_numpy(),
            frame["volume"].to_numpy(),
            strict=True,
        )
    ]
    return OhlcvOut(
        symbol=dataset.symbol.tickerid,
        timeframe=str(dataset.timeframe),
        provider=used or "sample",
        total=len(dataset.frame),
        offset=offset,
        limit=size,
        bars=bars,
    )


@router.get(
    "/api/market/status",
    response_model=MarketStatusOut,
    responses=errors(),
    summary="Providers and the datasets available offline",
)
def market_status(settings: SettingsDep) -> MarketStatusOut:
    """The providers (and whether remote ones are allowed here) and every dataset the bundled
    samples and the cache hold, with its range."""
    from pineopt.data.providers import get_provider

    datasets = []
    for name in LOCAL_PROVIDERS:
        for info in get_provider(name).available():
            datasets.append(DatasetOut.model_validate(plain(dataclasses.asdict(info))))
    return MarketStatusOut(
        providers=[ProviderOut(**p) for p in providers(settings)], datasets=datasets
    )
