"""What a finished run leaves in the store: the :class:`Outcome` of a Result (metrics, trades,
equity blob, input values, account settings, the bars' fingerprint), prepared before the write
lock is taken, and :func:`finish`, which writes it into a backtest in the caller's transaction,
with the data session of the bars (one per distinct series and fingerprint)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pineopt.store.codec import equity_to_bytes, input_values, json_safe, trade_rows
from pineopt.store.errors import StoreError
from pineopt.store.models import (
    Backtest,
    BacktestResult,
    BacktestTrade,
    DataSession,
    DataSource,
    utcnow,
)
from pineopt.store.records import utc_time


@dataclass
class Bars:
    """The bars a run was given: their fingerprint and where they came from."""

    fingerprint: dict[str, Any]
    provider: str | None = None
    cache_path: str | None = None
    symbol: str | None = None
    exchange: str | None = None
    timeframe: str | None = None


@dataclass
class Outcome:
    """Everything :func:`_finish` writes, prepared before the write lock is taken."""

    metrics: dict[str, Any] | None
    equity: bytes | None
    trades: list[dict[str, Any]]
    inputs: dict[str, Any]
    seconds: float | None
    capital: float | None
    commission: float | None
    slippage: float | None
    bars: Bars | None

    @property
    def symbol(self) -> str | None:
        return self.bars.symbol if self.bars else None

    @property
    def exchange(self) -> str | None:
        return self.bars.exchange if self.bars else None

    @property
    def timeframe(self) -> str | None:
        return self.bars.timeframe if self.bars else None

    @property
    def provider(self) -> str | None:
        return self.bars.provider if self.bars else None


def outcome_of(result: Any, data: Any, provider: str | None) -> Outcome:
    """The :class:`Outcome` of ``result``; its bars are ``data`` (a Dataset or an OHLCV frame)
    when given, else the chart it ran on; ``provider`` names where they came from."""
    if not hasattr(result, "plots"):
        raise StoreError(f"a run's Result is needed, not {type(result).__name__}")
    bars = bars_of(data) if data is not None else chart_bars(result)
    if bars is not None and provider is not None:
        bars.provider = provider
    config = getattr(getattr(result, "strategy", None), "config", None)
    equity = getattr(result, "equity", None)
    return Outcome(
        metrics=json_safe(result.metrics) if getattr(result, "metrics", None) else None,
        equity=equity_to_bytes(equity) if equity is not None else None,
        trades=trade_rows(getattr(result, "trades", None)),
        inputs=input_values(getattr(result, "inputs", None) or []),
        seconds=getattr(result, "seconds", None),
        capital=getattr(config, "initial_capital", None),
        commission=getattr(config, "commission_value", None),
        slippage=getattr(config, "slippage", None),
        bars=bars,
    )


def chart_bars(result: Any) -> Bars | None:
    """The :class:`Bars` of the chart a Result ran on (None when it has no chart)."""
    chart = getattr(result, "chart", None)
    if chart is None or getattr(chart, "frame", None) is None:
        return None
    provenance = getattr(chart, "provenance", None) or {}
    return Bars(
        fingerprint=result.data_fingerprint,
        provider=provenance.get("provider"),
        cache_path=cache_path_of(provenance),
        symbol=chart.symbol.ticker,
        exchange=chart.symbol.prefix or None,
        timeframe=str(chart.timeframe),
    )


def bars_of(data: Any) -> Bars:
    """The :class:`Bars` of a Dataset or an OHLCV DataFrame."""
    from pineopt.data import Dataset
    from pineopt.data.frame import fingerprint

    if isinstance(data, Dataset):
        return Bars(
            fingerprint=fingerprint(data.frame),
            provider=data.provenance.get("provider"),
            cache_path=cache_path_of(data.provenance),
            symbol=data.symbol.ticker,
            exchange=data.symbol.prefix or None,
            timeframe=str(data.timeframe),
        )
    if isinstance(data, pd.DataFrame):
        if not isinstance(data.index, pd.DatetimeIndex):
            raise StoreError("the bars must be an OHLCV DataFrame indexed by time, or a Dataset")
        return Bars(fingerprint=fingerprint(data))
    raise StoreError(f"the bars must be a Dataset or an OHLCV DataFrame, not {type(data).__name__}")


def cache_path_of(provenance: Mapping[str, Any]) -> str | None:
    """The file the bars were read from (a cache file or the user's), when known."""
    where = provenance.get("cache") or provenance.get("path")
    return None if where is None else str(where)


def finish(session: Session, row: Backtest, outcome: Outcome, report_path: str | None) -> None:
    """Write ``outcome`` into the backtest ``row``: status ``done``, timings, what the run used
    (account settings where the request left them open, every input's value, the bars' range and
    data session), its results row and its trades."""
    now = utcnow()
    if row.started_at is not None:
        row.seconds = (now - row.started_at).total_seconds()
    else:
        row.seconds = outcome.seconds
        row.started_at = now - dt.timedelta(seconds=outcome.seconds or 0.0)
    row.status = "done"
    row.error = None
    row.finished_at = now
    row.pineopt_version = pineopt_version()
    if row.initial_capital is None:
        row.initial_capital = outcome.capital
    if row.commission is None:
        row.commission = outcome.commission
    if row.slippage is None:
        row.slippage = outcome.slippage
    row.inputs = outcome.inputs or row.inputs  # every input by title, overrides included
    if outcome.bars is not None:
        bars = outcome.bars
        row.data_session_id = data_session(
            session,
            provider=row.provider or bars.provider,
            exchange=row.exchange,
            symbol=row.symbol,
            timeframe=row.timeframe,
            fingerprint=bars.fingerprint,
            cache_path=bars.cache_path,
        )
        row.start = utc_time(bars.fingerprint.get("first"), "start") or row.start
        row.end = utc_time(bars.fingerprint.get("last"), "end") or row.end
        if row.provider is None:
            row.provider = bars.provider
    session.add(
        BacktestResult(
            backtest_id=row.id,
            metrics=outcome.metrics,
            equity=outcome.equity,
            report_path=None if report_path is None else str(report_path),
        )
    )
    if outcome.trades:
        session.execute(
            sa.insert(BacktestTrade), [{"backtest_id": row.id, **t} for t in outcome.trades]
        )


def data_session(
    session: Session,
    *,
    provider: str | None,
    exchange: str | None,
    symbol: str,
    timeframe: str,
    fingerprint: Mapping[str, Any],
    cache_path: str | None,
) -> int:
    """The id of the data session of these bars (made when new)."""
    keys = {
        "provider": provider or "",
        "exchange": exchange or "",
        "symbol": symbol,
        "timeframe": timeframe,
    }
    source = session.scalar(sa.select(DataSource).filter_by(**keys))
    if source is None:
        try:
            with session.begin_nested():  # another process may add it meanwhile
                source = DataSource(**keys)
                session.add(source)
        except IntegrityError:
            source = session.scalar(sa.select(DataSource).filter_by(**keys))
    found = session.scalar(
        sa.select(DataSession.id).where(
            DataSession.data_source_id == source.id,
            DataSession.fingerprint == fingerprint["sha256"],
            DataSession.cache_path.is_not_distinct_from(cache_path),
        )
    )
    if found is not None:
        return found
    data_session = DataSession(
        data_source_id=source.id,
        start=utc_time(fingerprint.get("first"), "start"),
        end=utc_time(fingerprint.get("last"), "end"),
        bars=int(fingerprint.get("bars") or 0),
        fingerprint=fingerprint["sha256"],
        cache_path=cache_path,
    )
    session.add(data_session)
    session.flush()
    return data_session.id


def pineopt_version() -> str:
    """The version of PineOpt writing (recorded with every backtest)."""
    from pineopt import __version__

    return __version__
