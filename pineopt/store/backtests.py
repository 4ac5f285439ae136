"""Backtests: one run of a strategy over one series, from its request to its results.

Two ways in. A notebook or the CLI that has just run a script calls :meth:`record` with the
:class:`~pineopt.runtime.engine.Result`: the strategy is found or saved, and the backtest is
written done, with its results, in one transaction. A job runner (the REST shim) creates the
backtest first (:meth:`create_backtest`, status ``queued``), marks it ``running``
(:meth:`start_backtest`), then ``done`` with the Result (:meth:`finish_backtest`) or ``failed``
with a message (:meth:`fail_backtest`); :meth:`interrupt_running` fails what a stopped server
left behind.

A done backtest has its Performance Summary (:meth:`stats`), its trades (:meth:`trades`, the
``Result.trades`` frame) and its equity curve (:meth:`equity`, the ``Result.equity`` frame), and
the bars it ran on as a data session (provider, symbol, timeframe, range, fingerprint, cache
file).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pineopt.store.codec import (
    empty_equity,
    equity_from_bytes,
    json_safe,
    metrics_from_json,
    trades_frame,
)
from pineopt.store.errors import StoreError
from pineopt.store.models import (
    BACKTEST_STATUSES,
    Backtest,
    BacktestResult,
    BacktestTrade,
    Conversion,
    DataSession,
    Strategy,
    utcnow,
)
from pineopt.store.outcomes import bars_of, data_session, finish, outcome_of, pineopt_version
from pineopt.store.records import (
    StrategyRef,
    backtest_row,
    frame,
    page,
    split_symbol,
    strategy_id,
    strategy_row,
    timeframe_text,
    utc_time,
)
from pineopt.store.scripts import Script, analyse, sha256
from pineopt.store.strategies import apply_script, check_name, flush_named, record_checks
from pineopt.strategy.trades import TRADE_COLUMNS

#: the metrics :meth:`BacktestsMixin.backtests` lists (``total_trades`` is TradingView's
#: "Total closed trades")
LISTED_METRICS = {
    "net_profit": "net_profit",
    "net_profit_pct": "net_profit_pct",
    "total_trades": "total_closed_trades",
    "percent_profitable": "percent_profitable",
    "profit_factor": "profit_factor",
    "max_drawdown": "max_drawdown",
}
BACKTEST_COLUMNS = [
    "id",
    "strategy_id",
    "strategy",
    "symbol",
    "timeframe",
    "provider",
    "start",
    "end",
    "status",
    "created_at",
    "finished_at",
    "seconds",
    *LISTED_METRICS,
]
#: the rows of :meth:`BacktestsMixin.compare` that come from the Performance Summary
COMPARED_METRICS = (
    "net_profit",
    "net_profit_pct",
    "gross_profit",
    "gross_loss",
    "max_drawdown",
    "max_drawdown_pct",
    "max_runup",
    "buy_hold_return",
    "sharpe_ratio",
    "sortino_ratio",
    "profit_factor",
    "total_closed_trades",
    "total_open_trades",
    "percent_profitable",
    "avg_trade",
    "avg_bars_in_trade",
    "commission_paid",
    "margin_calls",
)
INTERRUPTED = "interrupted: PineOpt stopped before the backtest finished"


class BacktestsMixin:
    """The backtest methods of :class:`~pineopt.store.Store`."""

    # ------------------------------------------------------------------ writing

    def create_backtest(
        self,
        strategy: StrategyRef,
        *,
        symbol: str,
        timeframe: str,
        provider: str | None = None,
        exchange: str | None = None,
        start: Any = None,
        end: Any = None,
        capital: float | None = None,
        commission: float | None = None,
        slippage: float | None = None,
        settings: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> int:
        """Queue a backtest of ``strategy`` (id or name) and return its id (status
        ``queued``). ``symbol`` may carry its exchange (``BINANCE:BTCUSDT``); ``timeframe`` is
        Pine notation or ``1h``/``4h``/``1d``; ``start``/``end`` are ISO 8601 or datetimes
        (UTC when naive); ``capital``, ``commission`` and ``slippage`` the run's account
        settings, ``settings`` other ``strategy()`` overrides and ``inputs`` input overrides
        (by title or variable; once done, the value of every input as it ran)."""
        fields = _request(
            symbol, timeframe, provider, exchange, start, end, capital, commission, slippage
        )
        with self._write() as session:
            row = strategy_row(session, strategy)
            backtest = Backtest(
                strategy_id=row.id,
                conversion_id=_conversion_id(session, row),
                settings=_mapping(settings, "settings"),
                inputs=_mapping(inputs, "inputs"),
                status="queued",
                pineopt_version=pineopt_version(),
                **fields,
            )
            session.add(backtest)
            session.flush()
            return backtest.id

    def start_backtest(self, backtest_id: int) -> None:
        """Mark a queued backtest ``running`` (its ``started_at`` is now)."""
        with self._write() as session:
            row = backtest_row(session, backtest_id)
            if row.status != "queued":
                raise StoreError(
                    f"backtest {row.id} is {row.status}: only a queued backtest can start"
                )
            row.status = "running"
            row.started_at = utcnow()

    def finish_backtest(
        self,
        backtest_id: int,
        result: Any,
        *,
        data: Any = None,
        provider: str | None = None,
        report_path: str | None = None,
    ) -> None:
        """Mark a queued or running backtest ``done`` with ``result`` (a
        :class:`~pineopt.runtime.engine.Result`): its metrics, trades and equity curve, the
        input values it ran with, and its bars as a data session (from ``result.chart``, or
        ``data``: a Dataset or an OHLCV frame)."""
        outcome = outcome_of(result, data, provider)
        with self._write() as session:
            row = backtest_row(session, backtest_id)
            _check_open(row, "finish")
            finish(session, row, outcome, report_path)

    def fail_backtest(self, backtest_id: int, message: str) -> None:
        """Mark a queued or running backtest ``failed`` with ``message`` (shown as its
        ``error``)."""
        with self._write() as session:
            row = backtest_row(session, backtest_id)
            _check_open(row, "fail")
            row.status = "failed"
            row.error = str(message)
            row.finished_at = utcnow()
            if row.started_at is not None:
                row.seconds = (row.finished_at - row.started_at).total_seconds()

    def interrupt_running(self, message: str = INTERRUPTED) -> int:
        """Fail every queued or running backtest (a server starting: their jobs died with the
        previous one); returns how many."""
        now = utcnow()
        with self._write() as session:
            done = session.execute(
                sa.update(Backtest)
                .where(Backtest.status.in_(("queued", "running")))
                .values(status="failed", error=str(message), finished_at=now)
            )
            return int(done.rowcount or 0)

    def record(
        self,
        result: Any,
        *,
        strategy: StrategyRef | None = None,
        source: str | None = None,
        data: Any = None,
        symbol: str | None = None,
        timeframe: str | None = None,
        provider: str | None = None,
        exchange: str | None = None,
        start: Any = None,
        end: Any = None,
        settings: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        report_path: str | None = None,
    ) -> int:
        """Record a finished run (a Result from :func:`pineopt.run`) as a done backtest, in one
        transaction, and return its id.

        The strategy is ``strategy`` (id or name) or, by default, the one named by the
        script's declaration title; it is saved when missing, from ``source`` (default:
        ``result.source``, the Pine text run). When the text run differs from the saved
        source, the strategy is updated to it (its earlier backtests keep their conversion,
        which holds the hash of the text they ran). ``symbol``, ``exchange``, ``timeframe`` and
        ``provider`` default to the chart's; ``data`` gives the bars when the Result has no
        chart. ``settings`` are the ``strategy()`` overrides the run was given; the inputs
        recorded are the value of every input as it ran (``inputs`` only when the Result lists
        none)."""
        outcome = outcome_of(result, data, provider)
        text = source if source is not None else getattr(result, "source", None)
        declared = (getattr(result, "declaration", None) or {}).get("title")
        if strategy is None and text is None:
            raise StoreError(
                "record() needs the strategy: the Result has no source (pass strategy= the id "
                "or name of a saved one, or source=)"
            )
        if strategy is None:
            strategy = check_name(declared, argument="strategy")
        script = self._script_to_save(strategy, text)
        if symbol is None:
            symbol, exchange = outcome.symbol, exchange or outcome.exchange
        fields = _request(
            symbol,
            timeframe if timeframe is not None else outcome.timeframe,
            provider if provider is not None else outcome.provider,
            exchange,
            start,
            end,
            None,
            None,
            None,
        )
        with self._write() as session:
            row = self._strategy_for_record(session, strategy, script)
            backtest = Backtest(
                strategy_id=row.id,
                conversion_id=None,
                settings=_mapping(settings, "settings"),
                inputs=_mapping(inputs, "inputs"),
                status="queued",
                pineopt_version=pineopt_version(),
                **fields,
            )
            session.add(backtest)
            session.flush()
            backtest.conversion_id = _conversion_id(session, row)
            finish(session, backtest, outcome, report_path)
            return backtest.id

    def _script_to_save(self, strategy: StrategyRef, text: str | None) -> Script | None:
        """The script :meth:`record` must save or update ``strategy`` with (None: the stored
        one is current, or there is no text)."""
        if text is None:
            return None
        with self._read() as session:
            if isinstance(strategy, int):
                stored = strategy_row(session, strategy).source_sha256
            else:
                stored = session.scalar(
                    sa.select(Strategy.source_sha256).where(Strategy.name == strategy)
                )
        if stored == sha256(text):
            return None
        return analyse(text)

    @staticmethod
    def _strategy_for_record(
        session: Session, strategy: StrategyRef, script: Script | None
    ) -> Strategy:
        """The strategy :meth:`record` files the run under, saved or updated with ``script``."""
        if isinstance(strategy, int) or script is None:
            row = strategy_row(session, strategy)
        else:
            row = session.scalar(sa.select(Strategy).where(Strategy.name == strategy))
        if row is None and script is not None:
            new = Strategy(name=strategy, description="", author="", created_at=utcnow())
            apply_script(session, new, script)
            try:
                with session.begin_nested():  # another process may save it meanwhile
                    session.add(new)
            except IntegrityError:
                row = strategy_row(session, strategy)
            else:
                record_checks(session, new, script)
                return new
        if script is not None and row.source_sha256 != script.sha256:
            apply_script(session, row, script)
            flush_named(session, row.name)
            record_checks(session, row, script)
        return row

    def record_data(
        self,
        data: Any,
        *,
        provider: str,
        symbol: str,
        timeframe: str,
        exchange: str | None = None,
        cache_path: str | None = None,
    ) -> int:
        """Record bars that were loaded or fetched (a Dataset or an OHLCV frame) as a data
        session of their source and return its id; the same bars again give the same
        session."""
        bars = bars_of(data)
        ticker, exchange = split_symbol(symbol, exchange)
        with self._write() as session:
            return data_session(
                session,
                provider=provider,
                exchange=exchange,
                symbol=ticker,
                timeframe=timeframe_text(timeframe),
                fingerprint=bars.fingerprint,
                cache_path=cache_path if cache_path is not None else bars.cache_path,
            )

    def delete_backtest(self, backtest_id: int) -> None:
        """Delete a backtest with its results and trades."""
        with self._write() as session:
            row = backtest_row(session, backtest_id)
            session.execute(sa.delete(Backtest).where(Backtest.id == row.id))

    # ------------------------------------------------------------------ reading

    def backtests(
        self,
        *,
        strategy: StrategyRef | None = None,
        symbol: str | None = None,
        timeframe: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """The backtests, newest first: ``id, strategy_id, strategy, symbol, timeframe,
        provider, start, end, status, created_at, finished_at, seconds`` and the headline
        metrics ``net_profit, net_profit_pct, total_trades, percent_profitable,
        profit_factor, max_drawdown`` (NaN until done). Filters: ``strategy`` (id or name),
        ``symbol`` (``BTCUSDT`` or ``BINANCE:BTCUSDT``), ``timeframe``, ``status``;
        ``limit``/``offset`` page through them."""
        query = (
            sa.select(Backtest, Strategy.name, BacktestResult.metrics)
            .join(Strategy, Strategy.id == Backtest.strategy_id)
            .outerjoin(BacktestResult, BacktestResult.backtest_id == Backtest.id)
            .order_by(Backtest.created_at.desc(), Backtest.id.desc())
        )
        with self._read() as session:
            query = page(
                _backtest_filters(session, query, strategy, symbol, timeframe, status),
                limit,
                offset,
            )
            rows = session.execute(query).all()
        records = []
        for row, name, metrics in rows:
            summary = (metrics or {}).get("all") or {}
            records.append(
                [
                    row.id,
                    row.strategy_id,
                    name,
                    row.symbol,
                    row.timeframe,
                    row.provider,
                    row.start,
                    row.end,
                    row.status,
                    row.created_at,
                    row.finished_at,
                    row.seconds,
                    *(_float(summary.get(key)) for key in LISTED_METRICS.values()),
                ]
            )
        result = frame(
            records, BACKTEST_COLUMNS, times=("start", "end", "created_at", "finished_at")
        )
        types = {"id": "int64", "strategy_id": "int64", "seconds": "float64"}
        types.update({key: "float64" for key in LISTED_METRICS})
        types["total_trades"] = "Int64"
        return result.astype(types)

    def count_backtests(
        self,
        *,
        strategy: StrategyRef | None = None,
        symbol: str | None = None,
        timeframe: str | None = None,
        status: str | None = None,
    ) -> int:
        """How many backtests :meth:`backtests` would list with these filters."""
        with self._read() as session:
            query = _backtest_filters(
                session, sa.select(sa.func.count(Backtest.id)), strategy, symbol, timeframe, status
            )
            return int(session.scalar(query) or 0)

    def backtest(self, backtest_id: int) -> dict[str, Any]:
        """One backtest: its request (strategy, symbol, timeframe, range, account settings,
        ``settings``, ``inputs``), its state (``status``, ``error``, times, ``seconds``), and
        once done ``metrics``, ``trades`` (how many), ``report_path`` and ``data`` (the bars'
        source and fingerprint). Raises :class:`~pineopt.store.errors.NotFound`."""
        with self._read() as session:
            row = backtest_row(session, backtest_id)
            return _backtest_dict(session, row)

    def latest_backtest(self, strategy: StrategyRef) -> dict[str, Any] | None:
        """The newest done backtest of ``strategy`` (as :meth:`backtest`), or None."""
        with self._read() as session:
            wanted = strategy_id(session, strategy)
            row = session.scalar(
                sa.select(Backtest)
                .where(Backtest.strategy_id == wanted, Backtest.status == "done")
                .order_by(Backtest.created_at.desc(), Backtest.id.desc())
                .limit(1)
            )
            return None if row is None else _backtest_dict(session, row)

    def trades(self, backtest_id: int) -> pd.DataFrame:
        """The trades of a done backtest: the ``Result.trades`` frame (same columns, same
        dtypes)."""
        with self._read() as session:
            _done(backtest_row(session, backtest_id))
            columns = [getattr(BacktestTrade, name) for name in TRADE_COLUMNS]
            rows = (
                session.execute(
                    sa.select(*columns)
                    .where(BacktestTrade.backtest_id == backtest_id)
                    .order_by(BacktestTrade.trade)
                )
                .mappings()
                .all()
            )
        return trades_frame(rows)

    def equity(self, backtest_id: int) -> pd.DataFrame:
        """The per-bar equity of a done backtest: the ``Result.equity`` frame (UTC
        ``DatetimeIndex``; empty for an indicator)."""
        with self._read() as session:
            _done(backtest_row(session, backtest_id))
            blob = session.scalar(
                sa.select(BacktestResult.equity).where(BacktestResult.backtest_id == backtest_id)
            )
        return empty_equity() if blob is None else equity_from_bytes(blob)

    def stats(self, backtest_id: int) -> dict[str, Any]:
        """The Performance Summary of a done backtest (``Result.metrics``: ``{"all": {...},
        "long": {...}, "short": {...}}``; empty for an indicator)."""
        with self._read() as session:
            _done(backtest_row(session, backtest_id))
            metrics = session.scalar(
                sa.select(BacktestResult.metrics).where(BacktestResult.backtest_id == backtest_id)
            )
        return metrics_from_json(metrics)

    def compare(self, ids: Iterable[int]) -> pd.DataFrame:
        """Backtests side by side: one column per backtest (``"#ID STRATEGY"``), one row per
        headline metric (of all trades), then ``status``, ``symbol``, ``exchange``,
        ``timeframe``, ``provider``, ``start``, ``end``, ``initial_capital``, ``commission``,
        ``slippage``, then ``setting: NAME`` and ``input: NAME`` for every strategy setting and
        input any of them has (NaN where one lacks it)."""
        wanted = list(dict.fromkeys(_ids(ids)))
        if not wanted:
            raise StoreError("compare needs at least one backtest id")
        with self._read() as session:
            records = [_backtest_dict(session, backtest_row(session, i)) for i in wanted]
        settings = sorted({k for r in records for k in r["settings"]})
        inputs = list(dict.fromkeys(k for r in records for k in r["inputs"]))
        fields = ["status", "symbol", "exchange", "timeframe", "provider", "start", "end"]
        fields += ["initial_capital", "commission", "slippage"]
        rows = [*COMPARED_METRICS, *fields]
        rows += [f"setting: {k}" for k in settings] + [f"input: {k}" for k in inputs]
        nan = float("nan")
        columns = {}
        for record in records:
            summary = (record["metrics"] or {}).get("all") or {}
            columns[f"#{record['id']} {record['strategy']}"] = [
                *(summary.get(key, nan) for key in COMPARED_METRICS),
                *(record[key] for key in fields),
                *(record["settings"].get(k, nan) for k in settings),
                *(record["inputs"].get(k, nan) for k in inputs),
            ]
        return pd.DataFrame(columns, index=pd.Index(rows, name="metric"), dtype=object)


# --------------------------------------------------------------------------- helpers


def _request(
    symbol: Any,
    timeframe: Any,
    provider: str | None,
    exchange: str | None,
    start: Any,
    end: Any,
    capital: Any,
    commission: Any,
    slippage: Any,
) -> dict[str, Any]:
    """The columns of a backtest request, checked."""
    ticker, exchange = split_symbol(symbol, exchange)
    if timeframe is None:
        raise StoreError("a backtest needs a timeframe")
    first, last = utc_time(start, "start"), utc_time(end, "end")
    if first is not None and last is not None and last < first:
        raise StoreError(f"the backtest's end ({last.isoformat()}) is before its start")
    return {
        "symbol": ticker,
        "exchange": exchange,
        "timeframe": timeframe_text(timeframe),
        "provider": provider or None,
        "start": first,
        "end": last,
        "initial_capital": _amount(capital, "capital", positive=True),
        "commission": _amount(commission, "commission"),
        "slippage": _amount(slippage, "slippage"),
    }


def _amount(value: Any, name: str, *, positive: bool = False) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StoreError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "above 0" if positive else "at least 0"
        raise StoreError(f"{name} must be {bound}, not {value!r}")
    return number


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StoreError(f"{name} must be a mapping of names to values, not {value!r}")
    return json_safe(dict(value))


def _ids(ids: Iterable[Any]) -> list[int]:
    from pineopt.store.records import record_id

    if isinstance(ids, int | str):
        ids = [ids]
    return [record_id(i, "backtest") for i in ids]


def _conversion_id(session: Session, strategy: Strategy) -> int | None:
    """The latest successful conversion of the strategy's current source."""
    return session.scalar(
        sa.select(Conversion.id)
        .where(
            Conversion.strategy_id == strategy.id,
            Conversion.source_sha256 == strategy.source_sha256,
            Conversion.status == "ok",
        )
        .order_by(Conversion.id.desc())
        .limit(1)
    )


def _check_open(row: Backtest, verb: str) -> None:
    if row.status not in ("queued", "running"):
        raise StoreError(
            f"backtest {row.id} is already {row.status}: only a queued or running backtest can "
            f"{verb}"
        )


def _done(row: Backtest) -> None:
    if row.status == "done":
        return
    if row.status == "failed":
        raise StoreError(f"backtest {row.id} failed, it has no results: {row.error}")
    raise StoreError(f"backtest {row.id} is {row.status}: it has no results yet")


def _backtest_filters(
    session: Session,
    query: sa.Select,
    strategy: StrategyRef | None,
    symbol: str | None,
    timeframe: str | None,
    status: str | None,
) -> sa.Select:
    if strategy is not None:
        query = query.where(Backtest.strategy_id == strategy_id(session, strategy))
    if symbol is not None:
        ticker, exchange = split_symbol(symbol, None)
        query = query.where(sa.func.upper(Backtest.symbol) == ticker.upper())
        if exchange:
            query = query.where(sa.func.upper(Backtest.exchange) == exchange.upper())
    if timeframe is not None:
        query = query.where(Backtest.timeframe == timeframe_text(timeframe))
    if status is not None:
        if status not in BACKTEST_STATUSES:
            raise StoreError(
                f"unknown backtest status {status!r} (one of {', '.join(BACKTEST_STATUSES)})"
            )
        query = query.where(Backtest.status == status)
    return query


def _backtest_dict(session: Session, row: Backtest) -> dict[str, Any]:
    result = session.scalar(sa.select(BacktestResult).where(BacktestResult.backtest_id == row.id))
    trades = session.scalar(
        sa.select(sa.func.count(BacktestTrade.id)).where(BacktestTrade.backtest_id == row.id)
    )
    data = None
    if row.data_session_id is not None:
        data_session = session.get(DataSession, row.data_session_id)
        if data_session is not None:
            data = {
                "id": data_session.id,
                "provider": data_session.source.provider or None,
                "exchange": data_session.source.exchange or None,
                "symbol": data_session.source.symbol,
                "timeframe": data_session.source.timeframe,
                "start": _stamp(data_session.start),
                "end": _stamp(data_session.end),
                "bars": data_session.bars,
                "fingerprint": data_session.fingerprint,
                "cache_path": data_session.cache_path,
            }
    return {
        "id": row.id,
        "strategy_id": row.strategy_id,
        "strategy": row.strategy.name,
        "conversion_id": row.conversion_id,
        "status": row.status,
        "error": row.error,
        "symbol": row.symbol,
        "exchange": row.exchange,
        "timeframe": row.timeframe,
        "provider": row.provider,
        "start": _stamp(row.start),
        "end": _stamp(row.end),
        "initial_capital": row.initial_capital,
        "commission": row.commission,
        "slippage": row.slippage,
        "settings": dict(row.settings or {}),
        "inputs": dict(row.inputs or {}),
        "created_at": _stamp(row.created_at),
        "started_at": _stamp(row.started_at),
        "finished_at": _stamp(row.finished_at),
        "seconds": row.seconds,
        "pineopt_version": row.pineopt_version,
        "metrics": metrics_from_json(result.metrics) if result and result.metrics else None,
        "trades": int(trades or 0),
        "report_path": result.report_path if result else None,
        "plots_ref": result.plots_ref if result else None,
        "data": data,
    }


def _stamp(value: dt.datetime | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value)


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)
