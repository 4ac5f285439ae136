"""Where the store keeps its data: the database URL, the engine and its sessions.

Two backends:

* **SQLite** (the default, ``outputs/pineopt.db`` under the working directory, or any
  ``sqlite:///PATH``; a bare file path means the same). Every connection runs in WAL mode (readers
  never wait for the writer), with foreign keys enforced and a busy timeout. SQLite allows one
  writer at a time: writes begin with ``BEGIN IMMEDIATE`` so that two processes queue for the
  write lock instead of failing half-way, and the threads of one process queue on a lock of their
  own first (one per database file), so they never spin on SQLite's busy handler.
* **PostgreSQL** by URL (``postgresql+psycopg://user:password@host:5432/db``; ``postgresql://``
  and ``postgres://`` mean the same driver). PostgreSQL orders concurrent writers itself.

The URL shown to users (``Database.url``, every error message) has its password masked.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from pineopt.store.errors import StoreError

#: the SQLite file used when neither an argument nor ``$PINEOPT_DATABASE_URL`` names a database
DEFAULT_PATH = Path("outputs") / "pineopt.db"
#: the environment variable naming the database
URL_VARIABLE = "PINEOPT_DATABASE_URL"
#: how long a SQLite write waits for another process's write to finish before giving up
BUSY_TIMEOUT_SECONDS = 60
#: how long connecting to a PostgreSQL server may take
CONNECT_TIMEOUT_SECONDS = 10

_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()
_OPEN: weakref.WeakSet[Database] = weakref.WeakSet()


def default_url() -> str:
    """``$PINEOPT_DATABASE_URL`` when set, else the SQLite file ``outputs/pineopt.db`` under
    the working directory."""
    return os.environ.get(URL_VARIABLE, "").strip() or f"sqlite:///{Path.cwd() / DEFAULT_PATH}"


def parse_url(url: str | URL | os.PathLike[str] | None) -> URL:
    """The SQLAlchemy URL of ``url``: a database URL, or the path of a SQLite file (made
    absolute, so that the store does not move when the working directory changes). ``None``
    means :func:`default_url`. Anything but SQLite and PostgreSQL is refused."""
    if url is None:
        url = default_url()
    if isinstance(url, os.PathLike) or (isinstance(url, str) and "://" not in url):
        text = str(url).strip()
        if not text:
            raise StoreError("the database URL is empty")
        return sa.make_url(f"sqlite:///{Path(text).expanduser().resolve()}")
    try:
        parsed = sa.make_url(url)
    except (exc.ArgumentError, ValueError):
        raise StoreError(f"not a database URL: {_mask_text(str(url))}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database).expanduser().resolve()
            return parsed.set(drivername="sqlite", database=str(path))
        return parsed.set(drivername="sqlite")
    raise StoreError(
        f"PineOpt stores its data in SQLite or PostgreSQL, not {backend} "
        f"({masked(parsed)}): use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    )


def masked(url: URL) -> str:
    """``url`` as text with its password shown as ``***``."""
    return url.render_as_string(hide_password=True)


def _mask_text(text: str) -> str:
    """A URL-like text that did not parse, with whatever stands between ``user:`` and ``@``
    hidden."""
    scheme, sep, rest = text.partition("://")
    credentials, at, host = rest.rpartition("@")
    if sep and at and ":" in credentials:
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return text


class Database:
    """One database: its engine, sessions for reading and writing, and the migration lock.

    ``read()`` and ``write()`` are context managers giving an ORM
    :class:`~sqlalchemy.orm.Session`; ``write()`` commits when its block ends without an error
    and rolls back otherwise. Errors of the database come out as
    :class:`~pineopt.store.errors.StoreError` naming it. Thread-safe: every block has its own
    session and connection.
    """

    def __init__(self, url: str | URL | os.PathLike[str] | None = None) -> None:
        self.sa_url = parse_url(url)
        self.url = masked(self.sa_url)
        self.backend = "sqlite" if self.sa_url.get_backend_name() == "sqlite" else "postgresql"
        self.path: Path | None = None
        self.in_memory = False
        if self.backend == "sqlite":
            database = self.sa_url.database
            self.in_memory = not database or database == ":memory:"
            if not self.in_memory:
                self.path = Path(str(database))
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StoreError(
                        f"cannot create the folder of the database {self.url}: "
                        f"{error.strerror or error}"
                    ) from None
        self.engine = self._make_engine()
        self._write_engine = self.engine.execution_options(pineopt_write=True)
        self._writer = self._writer_lock()
        _OPEN.add(self)

    # ------------------------------------------------------------------ engine

    def _make_engine(self) -> Engine:
        if self.backend == "postgresql":
            return sa.create_engine(
                self.sa_url,
                pool_pre_ping=True,
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                    "application_name": "pineopt",
                },
            )
        options: dict[str, Any] = {
            "connect_args": {"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
        }
        if self.in_memory:
            options["poolclass"] = StaticPool  # one connection: the database lives in it
        engine = sa.create_engine(self.sa_url, **options)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine

    def _writer_lock(self) -> threading.Lock:
        """The lock the threads of this process take before writing: shared by every
        :class:`Database` on the same SQLite file; a private one for an in-memory database
        (taken for reads too: they share its single connection)."""
        if self.path is None:
            return threading.Lock()
        with _WRITER_LOCKS_GUARD:
            return _WRITER_LOCKS.setdefault(str(self.path), threading.Lock())

    def close(self) -> None:
        """Close every pooled connection (the object stays usable: new ones open on demand)."""
        self.engine.dispose()

    # ------------------------------------------------------------------ sessions

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries (its transaction is rolled back at the end)."""
        lock = self._writer if self.in_memory else contextlib.nullcontext()
        with lock, self.errors(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose changes are committed together when the block ends (SQLite: under
        this process's writer lock, in a ``BEGIN IMMEDIATE`` transaction)."""
        lock = self._writer if self.backend == "sqlite" else contextlib.nullcontext()
        with (
            lock,
            self.errors(),
            Session(self._write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextlib.contextmanager
    def migrating(self) -> Iterator[Connection]:
        """A connection in a transaction that holds the migration lock: on SQLite a file lock
        beside the database (``NAME.db-lock``; migrations may outlast the busy timeout) and the
        write lock, with foreign keys off (batch migrations copy tables; the references are
        checked before the commit); on PostgreSQL a transaction-level advisory lock. A second
        process arriving meanwhile waits, then finds the schema up to date."""
        with self.errors():
            if self.backend == "postgresql":
                with self.engine.connect() as connection, connection.begin():
                    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_KEY)))
                    yield connection
                return
            with self._file_lock(), self._writer, self.engine.connect() as connection:
                raw = connection.connection.driver_connection
                raw.execute("PRAGMA foreign_keys=OFF")
                try:
                    connection.execution_options(pineopt_write=True)
                    with connection.begin():
                        yield connection
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            tables = sorted({row[0] for row in broken})
                            raise StoreError(
                                f"the migration of {self.url} would leave rows of "
                                f"{', '.join(tables)} pointing at missing rows; nothing changed"
                            )
                finally:
                    raw.execute("PRAGMA foreign_keys=ON")

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self.path is None:
            yield
            return
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: BEGIN IMMEDIATE alone serialises
            yield
            return
        lock_path = self.path.with_name(self.path.name + "-lock")
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # ------------------------------------------------------------------ errors

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn the database's exceptions into a :class:`StoreError` naming the database."""
        try:
            yield
        except exc.SQLAlchemyError as error:
            raise StoreError(self.describe(error)) from error

    def describe(self, error: exc.SQLAlchemyError) -> str:
        """One line saying what went wrong with the database (no SQL, no parameters)."""
        original = getattr(error, "orig", None)
        detail = str(original if original is not None else error).strip()
        detail = (detail.splitlines() or [type(error).__name__])[0]
        if "database is locked" in detail:
            return (
                f"the database {self.url} stayed locked by another writer for more than "
                f"{BUSY_TIMEOUT_SECONDS} s"
            )
        if isinstance(error, exc.IntegrityError):
            return f"the database {self.url} refused the change: {detail}"
        if isinstance(error, exc.OperationalError | exc.InterfaceError):
            return f"cannot use the database {self.url}: {detail}"
        return f"database {self.url}: {detail}"


# the advisory lock key of migrations: any fixed 64-bit number unlikely to be used by others
_MIGRATION_KEY = 0x50494E454F5054  # "PINEOPT"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection: WAL, foreign keys, busy timeout; transactions begun by us."""
    dbapi_connection.isolation_level = None  # the driver begins nothing: _sqlite_begin does
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    dbapi_connection.execute("PRAGMA journal_mode=WAL")


def _sqlite_begin(connection: Connection) -> None:
    """``BEGIN IMMEDIATE`` for writes (the write lock is taken first, waiting up to the busy
    timeout, so a transaction never fails half-way for want of it); ``BEGIN`` for reads."""
    write = connection.get_execution_options().get("pineopt_write")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _after_fork_in_child() -> None:
    """A forked child must not reuse its parent's connections nor inherit a held lock."""
    global _WRITER_LOCKS_GUARD
    _WRITER_LOCKS_GUARD = threading.Lock()
    _WRITER_LOCKS.clear()
    for database in list(_OPEN):
        database.engine.dispose(close=False)
        database._writer = database._writer_lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
