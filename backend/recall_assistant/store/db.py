"""The database engine: SQLite file by default, PostgreSQL through ``DATABASE_URL``.

SQLite needs two adjustments to be a safe store for several threads (and for the workers of
``recall-assistant serve``, which share one file):

- Python's ``sqlite3`` module starts transactions late and never for DDL (its "legacy
  transaction control"); we switch that off and emit ``BEGIN`` ourselves, as SQLAlchemy's SQLite
  documentation describes, so that a unit of work and a migration are each one transaction.
- Writers take the database lock up front (``BEGIN IMMEDIATE``): a transaction that reads and
  then writes can otherwise fail at once with "database is locked" instead of waiting its turn.
  Read-only units of work (``execution_options(ra_read_only=True)``) use a plain ``BEGIN``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_S = 30  # how long a writer waits for the file lock before giving up


def make_engine(database_url: str) -> Engine:
    """Create the engine; for SQLite, create the file's folder first."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        memory = not url.database or url.database == ":memory:"
        if not memory:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Flask serves requests on several threads; SQLite must allow that. An in-memory
        # database lives in one connection, so every thread must share that one.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            **({"poolclass": StaticPool} if memory else {}))
        _take_over_sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect().execution_options(ra_read_only=True) as connection:
        connection.execute(text("SELECT 1"))


def _take_over_sqlite_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN (see the module docstring)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get("ra_read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
