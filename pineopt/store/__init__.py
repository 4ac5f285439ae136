"""PineOpt's research memory: strategies, conversions, backtests and sweeps in a database.

>>> from pineopt.store import Store
>>> store = Store()                  # outputs/pineopt.db, or $PINEOPT_DATABASE_URL
>>> store.save_strategy(Path("examples/sma_cross_strategy.pine"))
>>> store.strategies()               # a DataFrame

SQLite by default (WAL, foreign keys, one writer at a time), PostgreSQL by URL
(``postgresql+psycopg://USER:PASSWORD@HOST/DB``). The schema is created and upgraded by the
Alembic migrations shipped in the package (:mod:`pineopt.store.schema`). See
:class:`~pineopt.store.store.Store` for the whole API.
"""

from pineopt.store.connection import default_url
from pineopt.store.errors import InvalidScript, NotFound, StoreError
from pineopt.store.store import Store

__all__ = ["InvalidScript", "NotFound", "Store", "StoreError", "default_url"]
