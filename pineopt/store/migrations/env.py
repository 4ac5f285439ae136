"""Alembic's entry point: migrate the connection :mod:`pineopt.store.schema` hands over.

There is no ``alembic.ini`` and no offline (SQL script) mode: migrations always run inside a
PineOpt process, on a connection that already holds the migration lock and its transaction.
"""

from __future__ import annotations

from alembic import context

from pineopt.store.models import Base
from pineopt.store.schema import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
