"""The :class:`Store`: PineOpt's research memory, one database of strategies and backtests.

>>> import pineopt
>>> store = pineopt.Store()                     # outputs/pineopt.db, or $PINEOPT_DATABASE_URL
>>> btc = pineopt.load("BTCUSDT", "1h", provider="sample")
>>> result = pineopt.run("examples/sma_cross_strategy.pine", btc)
>>> backtest = store.record(result)             # the strategy (saved once) and this run
>>> store.backtests(symbol="BTCUSDT")           # a DataFrame, newest first
>>> store.trades(backtest), store.equity(backtest), store.stats(backtest)
>>> store.compare([backtest, other])

The methods are grouped by concern in :mod:`~pineopt.store.strategies`,
:mod:`~pineopt.store.backtests` and :mod:`~pineopt.store.campaigns`; this module holds what
concerns the database as a whole (opening it, its revision, the activity log).
"""

from __future__ import annotations

import os
import threading
from contextlib import AbstractContextManager
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from pineopt.store import schema
from pineopt.store.backtests import BacktestsMixin
from pineopt.store.campaigns import CampaignsMixin
from pineopt.store.codec import json_safe
from pineopt.store.connection import Database
from pineopt.store.models import TABLES, ActivityLog
from pineopt.store.records import count_arg
from pineopt.store.strategies import StrategiesMixin


class Store(StrategiesMixin, BacktestsMixin, CampaignsMixin):
    """A connection to PineOpt's database (see the module docstring for a session).

    ``url`` is a database URL (``sqlite:///PATH``, ``postgresql+psycopg://USER:PASSWORD@HOST/DB``)
    or the path of a SQLite file; by default ``$PINEOPT_DATABASE_URL``, else
    ``outputs/pineopt.db`` under the working directory (its folder is created). The schema is
    created or upgraded on opening (``migrate=True``, under a lock: many processes may open a
    new database at once); with ``migrate=False`` a database that is behind is refused at first
    use with the command that upgrades it. A database written by a newer PineOpt is always
    refused.

    The store is thread-safe and may be shared by the threads of a process; every method runs in
    its own transaction, and the methods that write change everything or nothing. Queries
    return pandas objects: DataFrames for lists, dicts for single records. Errors are
    :class:`~pineopt.store.errors.StoreError` (``NotFound`` for an unknown id or name,
    ``InvalidScript`` for a Pine script that does not convert).
    """

    def __init__(
        self, url: str | URL | os.PathLike[str] | None = None, *, migrate: bool = True
    ) -> None:
        self._db = Database(url)
        self._migrate = migrate
        self._ready = False
        self._ready_lock = threading.Lock()
        if migrate:
            self._ensure_schema()

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return self._db.url

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.backend

    def close(self) -> None:
        """Close the pooled connections (the store reopens them if used again)."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.url}>"

    # ------------------------------------------------------------------ schema

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                schema.ensure(self._db, migrate=self._migrate)
                self._ready = True

    def _read(self) -> AbstractContextManager[Session]:
        """A session for queries, once the schema is known to be this PineOpt's."""
        self._ensure_schema()
        return self._db.read()

    def _write(self) -> AbstractContextManager[Session]:
        """A session whose changes commit together (see :meth:`Database.write`)."""
        self._ensure_schema()
        return self._db.write()

    def upgrade(self) -> str:
        """Migrate the database to this PineOpt's schema; returns the revision."""
        revision = schema.upgrade(self._db)
        self._ready = True
        return revision

    def info(self) -> dict[str, Any]:
        """``url`` (password masked), ``backend``, ``revision`` (None: no schema yet), ``head``
        (this PineOpt's revision) and ``tables``: the row count of each table present."""
        with self._db.read() as session:
            connection = session.connection()
            revision = schema.current_revision(connection)
            present = set(sa.inspect(connection).get_table_names())
            tables = {
                table.name: session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in TABLES
                if table.name in present
            }
        return {
            "url": self.url,
            "backend": self.backend,
            "revision": revision,
            "head": schema.head(),
            "tables": tables,
        }

    # ------------------------------------------------------------------ activity

    def log(
        self,
        action: str,
        *,
        entity: str | None = None,
        entity_id: int | None = None,
        detail: dict[str, Any] | None = None,
        actor: str | None = None,
    ) -> int:
        """Write one line of the activity log (``action`` such as ``"backtest.run"``, on
        ``entity`` #``entity_id``, by ``actor``); returns its id."""
        with self._write() as session:
            row = ActivityLog(
                action=str(action),
                entity=entity,
                entity_id=entity_id,
                detail=json_safe(detail),
                actor=actor,
            )
            session.add(row)
            session.flush()
            return row.id

    def activity(self, limit: int | None = 100) -> pd.DataFrame:
        """The activity log, newest first: ``id, at, actor, action, entity, entity_id,
        detail``."""
        query = sa.select(ActivityLog).order_by(ActivityLog.at.desc(), ActivityLog.id.desc())
        if limit is not None:
            query = query.limit(count_arg(limit, "limit"))
        with self._read() as session:
            rows = session.scalars(query).all()
        columns = ["id", "at", "actor", "action", "entity", "entity_id", "detail"]
        frame = pd.DataFrame([[getattr(r, c) for c in columns] for r in rows], columns=columns)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame
