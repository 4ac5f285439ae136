"""The tables of the store, as SQLAlchemy 2 declarative models.

A strategy is the script (Pine text, or a converted Python module uploaded by its author) with
its inputs (``strategy_parameters``), its validations and its tags. A backtest is one run of a
strategy over one data series, queued then running then done or failed; a done backtest has one
``backtest_results`` row (the Performance Summary as JSON and the per-bar equity as a
zstd-compressed Parquet blob: one row per backtest, never one per bar) and one
``backtest_trades`` row per trade. ``conversions`` records every conversion of a Pine text (by
hash, with its diagnostics and feature report), ``data_sources``/``data_sessions`` what bars
were run on (their fingerprint and cache path), ``optimization_campaigns``/
``optimization_iterations`` parameter sweeps, and ``activity_logs`` who did what.

Children are deleted with their parent by the database itself (``ON DELETE CASCADE``); links
that are history rather than ownership (a backtest's conversion, a conversion's strategy) are
set to NULL instead. Times are timezone-aware UTC on both backends (:class:`UTCDateTime`).

The schema is created and changed only by the Alembic migrations in
:mod:`pineopt.store.migrations`; a test checks that they build exactly these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

#: constraint names the migrations can refer to (SQLite batch migrations need names)
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

LANGUAGES = ("pine", "python")
VALIDATION_STATUSES = ("valid", "invalid", "unknown")
CONVERSION_STATUSES = ("ok", "error")
BACKTEST_STATUSES = ("queued", "running", "done", "failed")
CAMPAIGN_STATUSES = ("running", "done", "failed", "cancelled")


class UTCDateTime(TypeDecorator):
    """A point in time, stored and returned as timezone-aware UTC (SQLite keeps no zone: a
    naive value read back is UTC; a naive value written is taken as UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if hasattr(value, "to_pydatetime"):  # pandas Timestamp
            value = value.to_pydatetime()
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


JSON = sa.JSON(none_as_null=True)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


strategy_tags = sa.Table(
    "strategy_tags",
    Base.metadata,
    sa.Column(
        "strategy_id",
        sa.Integer,
        sa.ForeignKey("strategies.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("tag_id", sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Strategy(Base):
    """A saved script: Pine text or a converted Python module, with what is known of it."""

    __tablename__ = "strategies"
    __table_args__ = (
        sa.CheckConstraint(_in("language", LANGUAGES), name="language"),
        sa.CheckConstraint(_in("validation_status", VALIDATION_STATUSES), name="validation_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    author: Mapped[str] = mapped_column(sa.String(200), default="")
    language: Mapped[str] = mapped_column(sa.String(16))
    source: Mapped[str] = mapped_column(sa.Text)
    source_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: the script's inputs: [{name, title, kind, default, options, minval, maxval, step, group}]
    parameters: Mapped[list] = mapped_column(JSON, default=list)
    #: libraries the script imports (``user/library/version``) or modules a Python one does
    dependencies: Mapped[list] = mapped_column(JSON, default=list)
    validation_status: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    #: the latest validation: {status, diagnostics, features, seconds, declaration}
    validation: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    tags: Mapped[list[Tag]] = relationship(
        secondary=strategy_tags, order_by="Tag.name", passive_deletes=True
    )
    parameter_rows: Mapped[list[StrategyParameter]] = relationship(
        order_by="StrategyParameter.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class StrategyParameter(Base):
    """One input of a strategy, in declaration order (``position`` from 0)."""

    __tablename__ = "strategy_parameters"
    __table_args__ = (sa.UniqueConstraint("strategy_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategies.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str | None] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(32))
    default: Mapped[Any] = mapped_column(JSON, nullable=True)
    options: Mapped[list | None] = mapped_column(JSON)
    minval: Mapped[float | None] = mapped_column(sa.Float)
    maxval: Mapped[float | None] = mapped_column(sa.Float)
    step: Mapped[float | None] = mapped_column(sa.Float)


class StrategyValidation(Base):
    """One check of a strategy (a conversion for Pine, the upload check for Python)."""

    __tablename__ = "strategy_validations"
    __table_args__ = (sa.CheckConstraint(_in("status", VALIDATION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16))
    diagnostics: Mapped[list] = mapped_column(JSON, default=list)
    features: Mapped[dict | None] = mapped_column(JSON)
    seconds: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)


class Conversion(Base):
    """One conversion of a Pine text to Python: hashes, diagnostics, features, timing."""

    __tablename__ = "conversions"
    __table_args__ = (sa.CheckConstraint(_in("status", CONVERSION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("strategies.id", ondelete="SET NULL"), index=True
    )
    source_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    code_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(8))
    diagnostics: Mapped[list] = mapped_column(JSON, default=list)
    features: Mapped[dict | None] = mapped_column(JSON)
    seconds: Mapped[float | None] = mapped_column(sa.Float)
    pineopt_version: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DataSource(Base):
    """A series of bars: provider, exchange, symbol and timeframe ('' when unknown)."""

    __tablename__ = "data_sources"
    __table_args__ = (sa.UniqueConstraint("provider", "exchange", "symbol", "timeframe"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(64), default="")
    exchange: Mapped[str] = mapped_column(sa.String(64), default="")
    symbol: Mapped[str] = mapped_column(sa.String(100))
    timeframe: Mapped[str] = mapped_column(sa.String(16))


class DataSession(Base):
    """Bars of a source as they were loaded once: range, count, fingerprint, cache file."""

    __tablename__ = "data_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_source_id: Mapped[int] = mapped_column(
        sa.ForeignKey("data_sources.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    bars: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(sa.String(64), index=True)
    cache_path: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[DataSource] = relationship()


class Backtest(Base):
    """One run of a strategy over one series, from its request to its outcome."""

    __tablename__ = "backtests"
    __table_args__ = (
        sa.CheckConstraint(_in("status", BACKTEST_STATUSES), name="status"),
        sa.Index("ix_backtests_symbol_timeframe", "symbol", "timeframe"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategies.id", ondelete="CASCADE"), index=True
    )
    conversion_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversions.id", ondelete="SET NULL"), index=True
    )
    data_session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("data_sessions.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str | None] = mapped_column(sa.String(64))
    exchange: Mapped[str | None] = mapped_column(sa.String(64))
    symbol: Mapped[str] = mapped_column(sa.String(100))
    timeframe: Mapped[str] = mapped_column(sa.String(16))
    start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    initial_capital: Mapped[float | None] = mapped_column(sa.Float)
    commission: Mapped[float | None] = mapped_column(sa.Float)
    slippage: Mapped[float | None] = mapped_column(sa.Float)
    #: ``strategy()`` overrides asked for (initial_capital, pyramiding, ...)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    #: input values: the overrides asked for, then every input's value once run
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(sa.Float)
    pineopt_version: Mapped[str] = mapped_column(sa.String(32))

    strategy: Mapped[Strategy] = relationship()
    result: Mapped[BacktestResult | None] = relationship(
        back_populates="backtest", passive_deletes=True
    )


class BacktestResult(Base):
    """The outcome of a done backtest: metrics, the equity curve blob, where its report is."""

    __tablename__ = "backtest_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    backtest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("backtests.id", ondelete="CASCADE"), unique=True
    )
    #: TradingView's Performance Summary: {"all": {...}, "long": {...}, "short": {...}}
    metrics: Mapped[dict | None] = mapped_column(JSON)
    #: ``Result.equity`` as Parquet (zstd) bytes
    equity: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    plots_ref: Mapped[str | None] = mapped_column(sa.Text)
    report_path: Mapped[str | None] = mapped_column(sa.Text)

    backtest: Mapped[Backtest] = relationship(back_populates="result")


class BacktestTrade(Base):
    """One trade of a backtest, with the columns of ``Result.trades``."""

    __tablename__ = "backtest_trades"
    __table_args__ = (sa.UniqueConstraint("backtest_id", "trade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    backtest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("backtests.id", ondelete="CASCADE"), index=True
    )
    trade: Mapped[int]
    direction: Mapped[str] = mapped_column(sa.String(8))
    entry_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    entry_price: Mapped[float | None] = mapped_column(sa.Float)
    entry_signal: Mapped[str | None] = mapped_column(sa.Text)
    entry_bar: Mapped[int]
    exit_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    exit_price: Mapped[float | None] = mapped_column(sa.Float)
    exit_signal: Mapped[str | None] = mapped_column(sa.Text)
    exit_bar: Mapped[int]
    qty: Mapped[float | None] = mapped_column(sa.Float)
    profit: Mapped[float | None] = mapped_column(sa.Float)
    profit_pct: Mapped[float | None] = mapped_column(sa.Float)
    cum_profit: Mapped[float | None] = mapped_column(sa.Float)
    mfe: Mapped[float | None] = mapped_column(sa.Float)
    mae: Mapped[float | None] = mapped_column(sa.Float)
    bars: Mapped[int]
    commission: Mapped[float | None] = mapped_column(sa.Float)
    is_open: Mapped[bool] = mapped_column(sa.Boolean)


class OptimizationCampaign(Base):
    """A parameter sweep of one strategy: the space searched and how it ended."""

    __tablename__ = "optimization_campaigns"
    __table_args__ = (sa.CheckConstraint(_in("status", CAMPAIGN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(32))
    objective: Mapped[str] = mapped_column(sa.String(200))
    space: Mapped[dict] = mapped_column(JSON, default=dict)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="running")
    #: the id of the best iteration (a row of this campaign), when one was chosen
    best_iteration_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    strategy: Mapped[Strategy] = relationship()


class OptimizationIteration(Base):
    """One evaluated point of a campaign."""

    __tablename__ = "optimization_iterations"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("optimization_campaigns.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict | None] = mapped_column(JSON)
    objective: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(16), default="done")
    error: Mapped[str | None] = mapped_column(sa.Text)
    seconds: Mapped[float | None] = mapped_column(sa.Float)
    backtest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("backtests.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityLog(Base):
    """Who did what to which record, and when."""

    __tablename__ = "activity_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(100))
    entity: Mapped[str | None] = mapped_column(sa.String(64))
    entity_id: Mapped[int | None]
    detail: Mapped[dict | None] = mapped_column(JSON)


#: the tables of the store, in creation order
TABLES = tuple(Base.metadata.sorted_tables)
