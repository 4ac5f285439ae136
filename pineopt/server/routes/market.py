"""Market data: OHLCV bars (``GET /api/market/ohlcv``) and what is available
(``GET /api/market/status``).

Bars are named as ``pineopt run --data`` names them
(:func:`pineopt.data.resolver.resolve_data`): the bundled samples and the local Parquet cache
offline; ccxt and Tardis over the network when the server allows remote data
(``PINEOPT_REMOTE_DATA``). Files are not offered (no ``file`` or ``tradingview`` provider, no
paths): a caller must not name files on the server.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from pineopt.server.encode import plain
from pineopt.server.errors import ApiError
from pineopt.server.routes import SettingsDep, errors, named_bars
from pineopt.server.schemas import (
    NO_NUL,
    TIMEFRAME,
    Bar,
    DatasetOut,
    MarketStatusOut,
    OhlcvOut,
    ProviderOut,
)

router = APIRouter(tags=["market"])

#: the providers of bars already on the server (no remote data needed; files are never offered)
LOCAL_PROVIDERS = ("sample", "cache")

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


@router.get(
    "/api/market/ohlcv",
    response_model=OhlcvOut,
    responses=errors(404, 502),
    summary="OHLCV bars of a symbol",
)
def ohlcv(
    settings: SettingsDep,
    symbol: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=NO_NUL,
            description="a symbol (BTCUSDT), or without timeframe a name SYMBOL_TF (BTCUSDT_1D)",
        ),
    ],
    timeframe: Annotated[str | None, Query(min_length=1, max_length=16, pattern=TIMEFRAME)] = None,
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
    ``offset``; ``total`` is the number in the range. ``symbol`` and ``timeframe`` name the bars
    as ``pineopt run --data`` does: without ``provider``, the bundled sample, else the cache."""
    from pineopt.data.dataset import to_timestamp
    from pineopt.data.resolver import resolve_data

    symbol, timeframe = named_bars(symbol, timeframe)
    lo, hi = to_timestamp(start, "start"), to_timestamp(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise ApiError(422, f"end {end} is before start {start}")
    if provider is not None and provider not in LOCAL_PROVIDERS and not settings.remote_data:
        raise ApiError(
            422, f"this server does not fetch remote data (provider {provider!r} is off)"
        )
    dataset = resolve_data(
        symbol=symbol,
        timeframe=timeframe,
        provider=provider,
        exchange=exchange,
        start=lo,
        end=hi,
        files=False,
    )
    used = provider or dataset.provenance["provider"]
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
        provider=used,
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
