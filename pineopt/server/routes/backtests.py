"""Backtests: run one (queued, answered 202 at once), poll it, read its results, list,
compare and delete.

A backtest's ``status`` goes ``queued`` -> ``running`` -> ``done`` (then ``/stats``,
``/chart`` and ``/trades`` have its results) or ``failed`` (``error`` says why in one line).
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from pineopt.server.encode import plain, records
from pineopt.server.errors import ApiError
from pineopt.server.routes import (
    BODY_ERRORS,
    PagingDep,
    RunnerDep,
    SettingsDep,
    StoreDep,
    errors,
    named_bars,
)
from pineopt.server.schemas import (
    MAX_ID,
    NO_NUL,
    TIMEFRAME,
    BacktestOut,
    BacktestRun,
    BacktestSummary,
    ChartOut,
    CompareIn,
    CompareOut,
    CompareRow,
    JobOut,
    Page,
    StatsOut,
    TradeOut,
)
from pineopt.server.worker import BacktestJob

router = APIRouter(tags=["backtests"])

BacktestId = Annotated[int, Path(ge=1, le=MAX_ID, description="the backtest's id")]
REMOTE = ("ccxt", "tardis")


@router.post(
    "/api/backtests/run",
    response_model=JobOut,
    status_code=202,
    responses=errors(*BODY_ERRORS, 404, 503),
    summary="Queue a backtest",
)
def run_backtest(
    body: BacktestRun, store: StoreDep, settings: SettingsDep, runner: RunnerDep
) -> JobOut:
    """Queue a backtest of ``strategy_id`` on ``symbol`` at ``timeframe``; answers at once
    with its ``id`` (status ``queued``). Poll ``GET /api/backtests/{id}``.

    Alone, ``symbol`` and ``timeframe`` mean the bundled sample (``BTCUSDT``, ``ETHUSDT``,
    ``SOLUSDT``, ``EURUSD``, ``ORCL``) or else the local cache, as ``pineopt run --data``
    finds them; without ``timeframe``, ``symbol`` is such a name with its timeframe
    (``BTCUSDT_1D``); ``provider`` picks one. ``capital``, ``commission`` and ``slippage``
    override the ``strategy()`` declaration, as does anything in ``settings``; ``inputs`` set
    input values by title or variable name."""
    strategy = store.strategy(body.strategy_id)
    symbol, timeframe = named_bars(body.symbol, body.timeframe)
    body = body.model_copy(
        update={
            "symbol": symbol,
            "timeframe": timeframe,
            "start": body.start or None,
            "end": body.end or None,
        }
    )
    _check_request(body, strategy, settings)
    overrides: dict[str, Any] = dict(body.settings)
    if body.capital is not None:
        overrides["initial_capital"] = body.capital
    if body.commission is not None:
        overrides["commission_value"] = body.commission
    if body.slippage is not None:
        overrides["slippage"] = body.slippage
    backtest_id = store.create_backtest(
        strategy["id"],
        symbol=body.symbol,
        timeframe=body.timeframe,
        provider=body.provider,
        exchange=body.exchange,
        start=body.start,
        end=body.end,
        capital=body.capital,
        commission=body.commission,
        slippage=body.slippage,
        settings=dict(body.settings),
        inputs=dict(body.inputs),
    )
    job = BacktestJob(
        backtest_id=backtest_id,
        language=strategy["language"],
        source=strategy["source"],
        name=strategy["name"],
        symbol=body.symbol,
        timeframe=body.timeframe,
        provider=body.provider,
        exchange=body.exchange,
        start=body.start,
        end=body.end,
        inputs=dict(body.inputs),
        strategy=overrides,
        timeout=settings.run_timeout,
        env=BacktestJob.environment(),
        cwd=os.getcwd(),
    )
    try:
        runner.submit(job)
    except RuntimeError as exc:
        store.fail_backtest(backtest_id, str(exc))
        raise ApiError(503, f"the backtest cannot run now: {exc}") from None
    return JobOut(id=backtest_id, status="queued")


def _check_request(body: BacktestRun, strategy: dict[str, Any], settings: Any) -> None:
    """Refuse at once what would only fail later: a bad timeframe or time, a remote provider
    the server does not allow, input names the strategy does not have, uploaded Python
    without the sandbox."""
    from pineopt.data.dataset import to_timestamp
    from pineopt.data.timeframe import Timeframe

    Timeframe.parse(body.timeframe)
    start, end = to_timestamp(body.start, "start"), to_timestamp(body.end, "end")
    if start is not None and end is not None and end < start:
        raise ApiError(422, f"end {body.end} is before start {body.start}")
    if body.provider in REMOTE and not settings.remote_data:
        raise ApiError(
            422, f"this server does not fetch remote data (provider {body.provider!r} is off)"
        )
    parameters = strategy.get("parameters") or []
    if body.inputs and parameters:
        known = {p.get(k) for p in parameters for k in ("name", "title")} - {None}
        unknown = [k for k in body.inputs if k not in known]
        if unknown:
            listed = ", ".join(
                " / ".join(dict.fromkeys(x for x in (p.get("title"), p.get("name")) if x))
                for p in parameters
            )
            raise ApiError(
                422,
                f"no input named {', '.join(map(repr, unknown))}; the strategy's inputs are: "
                + listed,
            )
    if strategy["language"] == "python":
        from pineopt.server.routes.strategies import check_python

        check_python(strategy["source"])


@router.get(
    "/api/backtests",
    response_model=Page[BacktestSummary],
    responses=errors(404),
    summary="List backtests",
)
def list_backtests(
    store: StoreDep,
    paging: PagingDep,
    strategy_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    symbol: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    timeframe: Annotated[str | None, Query(max_length=16, pattern=TIMEFRAME)] = None,
    status: Annotated[str | None, Query(pattern="^(queued|running|done|failed)$")] = None,
) -> Page[BacktestSummary]:
    """Newest first, with the headline metrics of finished ones (404: no such strategy)."""
    filters = {"strategy": strategy_id, "symbol": symbol, "timeframe": timeframe, "status": status}
    total = store.count_backtests(**filters)
    frame = store.backtests(**filters, limit=paging.limit, offset=paging.offset)
    items = [BacktestSummary.model_validate(row) for row in records(frame)]
    return Page[BacktestSummary](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.post(
    "/api/backtests/compare",
    response_model=CompareOut,
    responses=errors(*BODY_ERRORS, 404),
    summary="Compare backtests side by side",
)
def compare_backtests(body: CompareIn, store: StoreDep) -> CompareOut:
    """One column per backtest (``#id strategy``); rows: headline metrics, then symbol,
    timeframe, range, settings and inputs."""
    frame = store.compare(list(dict.fromkeys(body.ids)))
    rows = [
        CompareRow(name=str(name), values=[plain(v) for v in values])
        for name, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
    ]
    return CompareOut(columns=[str(c) for c in frame.columns], rows=rows)


@router.get(
    "/api/backtests/latest/{strategy_id:int}",
    response_model=BacktestOut,
    responses=errors(404),
    summary="The newest finished backtest of a strategy",
)
def latest_backtest(
    strategy_id: Annotated[int, Path(ge=1, le=MAX_ID)], store: StoreDep
) -> BacktestOut:
    store.strategy(strategy_id)  # 404 for an unknown strategy
    row = store.latest_backtest(strategy_id)
    if row is None:
        raise ApiError(404, f"strategy {strategy_id} has no finished backtest yet")
    return BacktestOut.model_validate(plain(row))


@router.get(
    "/api/backtests/{id:int}",
    response_model=BacktestOut,
    responses=errors(404),
    summary="A backtest: its status, then its results",
)
def get_backtest(id: BacktestId, store: StoreDep) -> BacktestOut:
    return BacktestOut.model_validate(plain(store.backtest(id)))


@router.delete(
    "/api/backtests/{id:int}",
    status_code=204,
    response_class=Response,
    responses=errors(404),
    summary="Delete a backtest (stopping it if it runs)",
)
def delete_backtest(id: BacktestId, store: StoreDep, runner: RunnerDep) -> Response:
    row = store.backtest(id)
    if row["status"] in ("queued", "running"):
        runner.cancel(id)
    store.delete_backtest(id)
    return Response(status_code=204)


def _done(store: Any, id: int) -> dict[str, Any]:
    row = store.backtest(id)
    status = row["status"]
    if status == "failed":
        raise ApiError(409, f"backtest {id} failed: {row.get('error') or 'no message'}")
    if status != "done":
        raise ApiError(409, f"backtest {id} is {status}: its results are not there yet")
    return row


@router.get(
    "/api/backtests/{id:int}/stats",
    response_model=StatsOut,
    responses=errors(404, 409),
    summary="Performance summary",
)
def backtest_stats(id: BacktestId, store: StoreDep) -> StatsOut:
    """TradingView's Performance Summary names (``net_profit``, ``max_drawdown``,
    ``profit_factor`` ...) for ``all``, ``long`` and ``short`` trades; 409 until done."""
    _done(store, id)
    return StatsOut(id=id, metrics=plain(store.stats(id)))


@router.get(
    "/api/backtests/{id:int}/chart",
    response_model=ChartOut,
    responses=errors(404, 409),
    summary="Equity and drawdown series",
)
def backtest_chart(
    id: BacktestId,
    store: StoreDep,
    points: Annotated[
        int | None,
        Query(ge=2, le=1_000_000, description="thin the series to about this many points"),
    ] = None,
) -> ChartOut:
    """Equity, drawdown and drawdown % per bar (bar open times, UTC). ``points`` keeps every
    n-th bar (and the last) for a lighter chart."""
    _done(store, id)
    equity = store.equity(id)
    if points is not None and len(equity) > points:
        step = -(-len(equity) // points)
        keep = list(range(0, len(equity), step))
        if keep[-1] != len(equity) - 1:
            keep.append(len(equity) - 1)
        equity = equity.iloc[keep]

    def column(name: str) -> list[float | None]:
        return plain(equity[name]) if name in equity.columns else [None] * len(equity)

    return ChartOut(
        id=id,
        time=plain(equity.index),
        equity=column("equity"),
        drawdown=column("drawdown"),
        drawdown_pct=column("drawdown_pct"),
    )


@router.get(
    "/api/backtests/{id:int}/trades",
    response_model=Page[TradeOut],
    responses=errors(404, 409),
    summary="The list of trades",
)
def backtest_trades(id: BacktestId, store: StoreDep, paging: PagingDep) -> Page[TradeOut]:
    """One row per trade as TradingView lists them (a still-open trade last, ``is_open``)."""
    _done(store, id)
    trades = store.trades(id)
    page = trades.iloc[paging.offset : paging.offset + paging.limit]
    items = [TradeOut.model_validate(row) for row in records(page)]
    return Page[TradeOut](items=items, total=len(trades), limit=paging.limit, offset=paging.offset)
