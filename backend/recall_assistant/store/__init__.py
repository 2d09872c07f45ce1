"""Persistence: actions, their recipients' outcomes, idempotency keys and the audit log.

SQLAlchemy 2 Core over SQLite (the embedded default) or PostgreSQL (``DATABASE_URL``, for
several instances); the schema is migrated by Alembic at start-up (``migrate.py``). Nothing
here knows Flask or Graph: services pass plain values, and get frozen records back.

Modules:
- ``store.py``: :class:`Store`, the front door for services (one transaction a method);
  its docstring shows how a recall or correction request uses it, step by step.
- ``unit_of_work.py``: :class:`UnitOfWork` for several changes in one transaction.
- ``repositories.py``: the SQL for each table; ``schema.py``: the tables.
- ``records.py``: the records and errors.
- ``migrate.py`` and ``migrations/``: Alembic, with a lock so that instances can start at once.

The audit log is append-only: no code path updates or deletes its rows, and the database
refuses to (triggers made by the first migration). Retention and purging are not built yet:
when they are, they belong in a migration or an administrator's tool, not in the app.
"""

from __future__ import annotations

from .records import (
    DEFAULT_GRACE,
    UNKNOWN_MESSAGE,
    ActionNotFound,
    ActionRecord,
    Actor,
    ActorLike,
    AlreadyRecalled,
    AuditEvent,
    AuditPage,
    Claim,
    ClaimLost,
    IdempotencyConflict,
    InvalidCursor,
    InvalidTransition,
    RecipientOutcome,
    StoredResponse,
    StoreUnavailable,
    request_hash,
)
from .store import AUDIT_PAGE_MAX, Store, utc_now
from .unit_of_work import UnitOfWork

__all__ = [
    "AUDIT_PAGE_MAX", "DEFAULT_GRACE", "UNKNOWN_MESSAGE", "ActionNotFound", "ActionRecord",
    "Actor", "ActorLike", "AlreadyRecalled", "AuditEvent", "AuditPage", "Claim", "ClaimLost",
    "IdempotencyConflict", "InvalidCursor", "InvalidTransition", "RecipientOutcome", "Store",
    "StoreUnavailable", "StoredResponse", "UnitOfWork", "request_hash", "utc_now",
]
