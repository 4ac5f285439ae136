"""The API's routes, one module per group (``convert``, ``strategies``, ``backtests``,
``market``, ``ai``, ``health``), and what they share: access to the app's store, settings and
job runner, the documented error answers, pagination.

Routes are plain ``def`` functions: FastAPI runs them in its thread pool, so a database call
never blocks the event loop; conversions and analyses run in worker processes (``PoolDep``), so
they do not hold the server's GIL either.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from pineopt.server.errors import ApiError
from pineopt.server.schemas import ErrorOut

ERROR_TEXT = {
    400: "malformed request (the body is not valid JSON)",
    401: "missing or wrong API key (X-API-Key header)",
    404: "no such id",
    409: "conflict: a name already taken, or a backtest without results (queued, running, failed)",
    413: "the request body or upload is larger than the server's limit",
    422: "invalid request, invalid Pine (with located diagnostics) or unusable data",
    429: "too many requests: retry after the Retry-After header's seconds",
    500: "internal error of the server (logged there)",
    502: "a remote data provider could not be reached",
    503: "a needed component is unavailable: the database, or the sandbox for uploaded Python",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: these codes plus 401, 422, 429, 500 and 503, all
    ErrorOut."""
    return {
        code: {"model": ErrorOut, "description": ERROR_TEXT[code]}
        for code in sorted({*codes, 401, 422, 429, 500, 503})
    }


BODY_ERRORS = (400, 413)
"""What any route with a request body may also answer."""


def named_bars(symbol: str, timeframe: str | None) -> tuple[str, str]:
    """The ``symbol`` and ``timeframe`` of a request for bars. Without ``timeframe``, ``symbol``
    is a data name ``SYMBOL_TF`` as ``pineopt run --data`` takes it (``BTCUSDT_1D``,
    ``binance:BTC/USDT_4h``); see :func:`pineopt.data.resolver.parse_name`."""
    if timeframe is not None:
        return symbol, timeframe
    from pineopt.data.resolver import parse_name

    name, named = parse_name(symbol)
    if named is None:
        raise ApiError(
            422,
            f"no timeframe for {symbol!r}: give timeframe, or name the bars SYMBOL_TF (BTCUSDT_1D)",
        )
    return name, str(named)


def store(request: Request) -> Any:
    return request.app.state.store


def settings(request: Request) -> Any:
    return request.app.state.settings


def runner(request: Request) -> Any:
    return request.app.state.runner


def pool(request: Request) -> Any:
    """The :class:`~pineopt.server.processes.ProcessPool` of conversions and analyses."""
    return request.app.state.analyses


StoreDep = Annotated[Any, Depends(store)]
SettingsDep = Annotated[Any, Depends(settings)]
RunnerDep = Annotated[Any, Depends(runner)]
PoolDep = Annotated[Any, Depends(pool)]


class Paging:
    """``limit`` and ``offset`` of a listing; ``limit`` is clamped to the server's cap."""

    def __init__(
        self,
        request: Request,
        limit: Annotated[
            int | None,
            Query(ge=1, le=1_000_000, description="page size (clamped to the server's cap)"),
        ] = None,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="rows to skip")] = 0,
    ) -> None:
        cap = request.app.state.settings.page_max
        self.limit = (
            min(limit, cap) if limit is not None else request.app.state.settings.page_default
        )
        self.offset = offset


PagingDep = Annotated[Paging, Depends(Paging)]
