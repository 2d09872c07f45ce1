"""Bringing the schema to Alembic's head: at start-up, once, even with many instances at once.

``upgrade_to_head`` runs the upgrade inside one transaction that first takes a lock, so that
instances starting together wait for each other instead of racing to create the same tables:

- PostgreSQL: a transaction-level advisory lock (``pg_advisory_xact_lock``), released by the
  commit; DDL is transactional there, so a failed upgrade leaves nothing half-made.
- SQLite: ``BEGIN IMMEDIATE`` (see ``db.py``) holds the file's write lock for the whole upgrade.

New revision (developers): ``command.revision(alembic_config(), "what changes")`` from
``alembic``, then edit the file it writes under ``store/migrations/versions/``.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works, as long as nothing else in the database uses it ("RAST" in ASCII).
ADVISORY_LOCK_KEY = 0x52415354


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration for our migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision this package ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision (None for an empty database)."""
    with engine.connect().execution_options(ra_read_only=True) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> bool:
    """Upgrade the schema to head under a lock; True when this call changed anything."""
    head = head_revision()
    if current_revision(engine) == head:
        return False  # the usual case: no lock, no Alembic machinery
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        before = MigrationContext.configure(connection).get_current_revision()
        if before == head:
            return False  # another instance did it while we waited for the lock
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("database schema upgraded from %s to %s", before or "empty", head)
    return True


class SchemaGuard:
    """Upgrades once per process; retried on next use if the database was down at start-up."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._lock = threading.Lock()
        self.ready = False

    def ensure(self) -> None:
        if self.ready:
            return
        with self._lock:
            if not self.ready:
                upgrade_to_head(self._engine)
                self.ready = True
