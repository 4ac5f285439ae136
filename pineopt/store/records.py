"""Finding records by id or name, reading arguments, and shaping answers as pandas objects:
the helpers every part of the :class:`~pineopt.store.Store` shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pineopt.store.errors import NotFound, StoreError
from pineopt.store.models import Backtest, OptimizationCampaign, Strategy

#: a strategy is named by its id (int) or its name (str)
StrategyRef = int | str


def strategy_row(session: Session, ref: StrategyRef) -> Strategy:
    """The strategy with id ``ref`` (an int) or named ``ref`` (a str)."""
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise StoreError(f"a strategy is named by its id or its name, not {ref!r}")
    if isinstance(ref, int):
        row = session.get(Strategy, ref)
        if row is None:
            raise NotFound(f"no strategy with id {ref}")
        return row
    row = session.scalar(sa.select(Strategy).where(Strategy.name == ref))
    if row is None:
        raise NotFound(f"no strategy named {ref!r}")
    return row


def strategy_id(session: Session, ref: StrategyRef) -> int:
    """The id of the strategy ``ref`` names (see :func:`strategy_row`)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        if session.scalar(sa.select(Strategy.id).where(Strategy.id == ref)) is None:
            raise NotFound(f"no strategy with id {ref}")
        return ref
    return strategy_row(session, ref).id


def backtest_row(session: Session, backtest_id: int) -> Backtest:
    row = session.get(Backtest, record_id(backtest_id, "backtest"))
    if row is None:
        raise NotFound(f"no backtest with id {backtest_id}")
    return row


def campaign_row(session: Session, campaign_id: int) -> OptimizationCampaign:
    row = session.get(OptimizationCampaign, record_id(campaign_id, "campaign"))
    if row is None:
        raise NotFound(f"no optimization campaign with id {campaign_id}")
    return row


def record_id(value: Any, what: str) -> int:
    """An id argument: a whole number (numpy integers too)."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise StoreError(f"a {what} id is a whole number, not {value!r}")
    return int(value)


def count_arg(value: Any, name: str) -> int:
    """A ``limit``/``offset`` argument: a whole number, at least 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StoreError(f"{name} must be a whole number of at least 0, not {value!r}")
    return value


def page(query: sa.Select, limit: int | None, offset: int) -> sa.Select:
    """``query`` limited to ``limit`` rows (all when None) after skipping ``offset``."""
    if limit is not None:
        query = query.limit(count_arg(limit, "limit"))
    if offset:
        query = query.offset(count_arg(offset, "offset"))
    return query


def utc_time(value: Any, name: str) -> dt.datetime | None:
    """A time argument (ISO 8601 text, datetime, pandas Timestamp; naive = UTC) as an aware
    UTC datetime; None stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise StoreError(f"{name} is not a time: {value!r} (use ISO 8601)") from None
    if pd.isna(stamp):
        return None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def timeframe_text(value: Any) -> str:
    """A timeframe in Pine notation (``60``, ``1D``), from Pine notation or ``1h``/``4h``/``1d``."""
    from pineopt.data.timeframe import Timeframe
    from pineopt.errors import PineOptError

    try:
        return str(Timeframe.parse(value))
    except (PineOptError, ValueError, TypeError) as error:
        raise StoreError(str(error)) from None


def split_symbol(symbol: Any, exchange: str | None) -> tuple[str, str | None]:
    """``("BTCUSDT", "BINANCE")`` from ``"BINANCE:BTCUSDT"``; an explicit exchange wins."""
    text = str(symbol or "").strip()
    if not text:
        raise StoreError("a backtest needs a symbol")
    prefix, sep, ticker = text.rpartition(":")
    if sep and ticker:
        return ticker, exchange or prefix or None
    return text, exchange or None


def frame(
    rows: Sequence[Sequence[Any]], columns: Sequence[str], times: Sequence[str] = ()
) -> pd.DataFrame:
    """A DataFrame of ``rows`` with ``columns``; the ``times`` columns as UTC datetimes."""
    result = pd.DataFrame([list(r) for r in rows], columns=list(columns))
    for name in times:
        result[name] = pd.to_datetime(result[name], utc=True)
    return result
