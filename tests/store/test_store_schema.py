"""Opening a database: URLs, migrations (fresh, racing, refused when newer), SQLite settings."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import pineopt
from pineopt.store import Store, StoreError, default_url, schema
from pineopt.store.models import TABLES, Base

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_database_is_migrated_to_the_head(database_url):
    with Store(database_url) as store:
        info = store.info()
    assert info["revision"] == info["head"] == schema.head()
    assert info["backend"] in database_url.split("+")[0].split(":")[0]
    assert info["tables"] == {table.name: 0 for table in TABLES}


def test_head_is_the_newest_migration():
    assert schema._scripts().get_current_head() == schema.HEAD


def test_the_migrations_build_exactly_the_models(database_url):
    with Store(database_url) as store, store._db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": schema.VERSION_TABLE}
        )
        differences = [
            d for d in compare_metadata(context, Base.metadata) if d[0] != "remove_table"
        ]
    assert differences == []


def test_downgrade_then_upgrade_again(database_url):
    from alembic import command

    with Store(database_url) as store:
        with store._db.migrating() as connection:
            command.downgrade(schema._config(connection), "base")
        assert store.info()["revision"] is None and store.info()["tables"] == {}
        assert store.upgrade() == schema.head()
        assert store.info()["tables"]["strategies"] == 0


def _set_revision(url: str, revision: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = :r"), {"r": revision}
        )
    engine.dispose()


def test_a_database_of_a_newer_pineopt_is_refused(database_url):
    Store(database_url).close()
    _set_revision(database_url, "9999_future")
    for migrate in (True, False):
        with pytest.raises(StoreError, match=r"newer PineOpt \(revision 9999_future\); upgrade"):
            Store(database_url, migrate=migrate).strategies()


def test_without_migrate_a_database_behind_is_refused_until_upgraded(database_url):
    store = Store(database_url, migrate=False)
    assert store.info()["revision"] is None
    with pytest.raises(
        StoreError, match=r"is empty and this PineOpt needs revision .*pineopt db upgrade"
    ):
        store.strategies()
    assert store.upgrade() == schema.head()
    assert store.strategies().empty
    store.close()


RACER = """
import logging, sys, time
from pathlib import Path
from pineopt.store import Store
Path(sys.argv[3]).touch()
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
ran = []
class Seen(logging.Handler):
    def emit(self, record):
        if "Running upgrade" in record.getMessage():
            ran.append(record.getMessage())
logging.getLogger("alembic").setLevel(logging.INFO)
logging.getLogger("alembic").addHandler(Seen())
with Store(sys.argv[1]) as store:
    print(len(ran), store.info()["revision"])
"""


def test_the_migration_runs_once_when_two_processes_open_a_new_database(database_url, tmp_path):
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, database_url, str(go), str(flag)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for flag in ready
    ]
    while not all(flag.exists() for flag in ready):  # both at the start line, imports done
        assert all(r.poll() is None for r in racers), [r.communicate() for r in racers]
        time.sleep(0.01)
    go.touch()
    outputs = [racer.communicate(timeout=120) for racer in racers]
    assert [r.returncode for r in racers] == [0, 0], outputs
    ran = sorted(int(out.split()[0]) for out, _ in outputs)
    assert ran == [0, 1]  # one migrated, the other found it done
    assert {out.split()[1] for out, _ in outputs} == {schema.head()}


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(tmp_path):
    with Store(tmp_path / "x.db") as store, store._db.read() as session:
        pragma = session.connection().exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() >= 10_000


def test_urls_and_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PINEOPT_DATABASE_URL")
    assert default_url() == f"sqlite:///{tmp_path / 'outputs' / 'pineopt.db'}"
    with pineopt.Store() as store:
        assert store.url == f"sqlite:///{tmp_path / 'outputs' / 'pineopt.db'}"
        assert store.backend == "sqlite"
    assert (tmp_path / "outputs" / "pineopt.db").exists()
    monkeypatch.setenv("PINEOPT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with Store() as store:
        assert store.url.endswith("env.db")
    with Store("relative/bare.db") as store:  # a path: SQLite, made absolute
        assert store.url == f"sqlite:///{tmp_path / 'relative' / 'bare.db'}"
    with Store("sqlite://") as store:  # in memory
        assert store.save_strategy(Path(ROOT / "examples" / "bollinger_indicator.pine")) == 1


def test_unreachable_postgresql_names_it_with_the_password_masked():
    with pytest.raises(StoreError) as error:
        Store("postgresql://alice:s3cret@127.0.0.1:1/research")
    message = str(error.value)
    assert "s3cret" not in message
    assert "postgresql+psycopg://alice:***@127.0.0.1:1/research" in message


def test_other_databases_are_refused():
    with pytest.raises(StoreError, match="SQLite or PostgreSQL, not mysql"):
        Store("mysql://bob:pw@localhost/db")
    with pytest.raises(StoreError, match=r"not a database URL: postgresql://bob:\*\*\*@h:x/db"):
        Store("postgresql://bob:pw@h:x/db")
