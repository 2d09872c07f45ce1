"""The unit of work: one connection, one transaction, the repositories that share it.

It rolls back unless ``commit()`` is called (as in cosmicpython), so that an exception half-way
leaves nothing half-written::

    with store.unit_of_work() as uow:
        action = uow.actions.get(action_id)
        uow.outcomes.upsert(action.id, outcomes)
        uow.audit.append("recall.report_read", actor=None, result="ok", action_id=action.id)
        uow.commit()

Database errors that mean "not reachable" (connection refused, dropped, SQLite file locked for
too long) leave it as :class:`~recall_assistant.store.records.StoreUnavailable` (a 503).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from .records import StoreUnavailable
from .repositories import (
    ActionRepository,
    AuditRepository,
    Clock,
    IdempotencyRepository,
    OutcomeRepository,
)


class UnitOfWork:
    """Repositories over one transaction; nothing is kept unless :meth:`commit` is called."""

    def __init__(self, connection: Connection, *, clock: Clock, grace: dt.timedelta,
                 audit_subjects: bool):
        self._connection = connection
        self.clock = clock
        self.actions = ActionRepository(connection, clock, grace)
        self.outcomes = OutcomeRepository(connection, clock)
        self.claims = IdempotencyRepository(connection)
        self.audit = AuditRepository(connection, clock, audit_subjects)
        self.committed = False

    def commit(self) -> None:
        self._connection.commit()
        self.committed = True

    def rollback(self) -> None:
        self._connection.rollback()


@contextmanager
def open_unit_of_work(engine: Engine, *, read_only: bool, clock: Clock, grace: dt.timedelta,
                      audit_subjects: bool) -> Iterator[UnitOfWork]:
    try:
        with engine.connect().execution_options(ra_read_only=read_only) as connection:
            uow = UnitOfWork(connection, clock=clock, grace=grace, audit_subjects=audit_subjects)
            try:
                yield uow
            finally:
                if connection.in_transaction():
                    connection.rollback()  # whatever was not committed is not kept
    except (OperationalError, InterfaceError) as exc:
        if is_outage(exc):
            raise StoreUnavailable() from exc
        raise


def is_outage(exc: OperationalError | InterfaceError) -> bool:
    """Refused or dropped connections, lock and statement timeouts: worth a retry later."""
    if exc.connection_invalidated:
        return True
    # SQLite reports schema mistakes ("no such table", syntax errors) as OperationalError too:
    # those are bugs, and must surface as such.
    message = str(exc.orig).lower()
    return not any(word in message for word in ("no such", "syntax error"))
