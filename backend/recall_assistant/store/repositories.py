"""Repositories: the SQL for each table, over the one connection of a unit of work.

They never commit: :class:`~recall_assistant.store.unit_of_work.UnitOfWork` does, once, when
its caller says so. They take ``now`` from the unit of work's clock, never from the database,
so that SQLite and PostgreSQL agree and tests can move time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from .cursors import Position
from .records import (
    ActionNotFound,
    ActionRecord,
    ActorLike,
    AuditEvent,
    InvalidTransition,
    RecipientOutcome,
)
from .schema import (
    ACTION_KINDS,
    OUTCOME_SOURCES,
    OUTCOME_STATUSES,
    actions,
    audit_events,
    idempotency_keys,
    recipient_outcomes,
)

Clock = Callable[[], dt.datetime]

# The advisory-lock key space of "one recall per message" (two-key form; "RAMS").
MESSAGE_LOCK_SPACE = 0x52414D53

# Which stored states each transition may start from. "unknown" (a Graph call that timed out,
# or a crash) can still be settled by what the recall report later says.
TRANSITIONS = {
    "submitted": ("recorded",),
    "completed": ("recorded", "submitted", "unknown"),
    "failed": ("recorded", "submitted", "unknown"),
    "unknown": ("recorded", "submitted"),
}


class ActionRepository:
    def __init__(self, connection: Connection, clock: Clock, grace: dt.timedelta):
        self._db = connection
        self._clock = clock
        self._grace = grace

    def add(self, *, kind: str, actor: ActorLike, message_id: str,
            internet_message_id: str | None, request: Any, request_id: str | None,
            idempotency_key: str | None, parent_id: str | None) -> ActionRecord:
        if kind not in ACTION_KINDS:
            raise ValueError(f"unknown action kind {kind!r}")
        now = self._clock()
        action_id = str(uuid.uuid4())
        self._db.execute(insert(actions).values(
            id=action_id, kind=kind, state="recorded", caller_oid=actor.oid,
            caller_tid=actor.tid, caller_address=actor.address, message_id=message_id,
            internet_message_id=internet_message_id, parent_id=parent_id,
            idempotency_key=idempotency_key, request_summary=request, request_id=request_id,
            created_at=now, updated_at=now))
        return self._require(action_id)

    def get(self, action_id: str) -> ActionRecord | None:
        row = self._db.execute(select(actions).where(actions.c.id == action_id)).first()
        return self._record(row) if row else None

    def for_message(self, caller_oid: str, internet_message_id: str) -> list[ActionRecord]:
        rows = self._db.execute(
            select(actions)
            .where(actions.c.caller_oid == caller_oid,
                   actions.c.internet_message_id == internet_message_id)
            .order_by(actions.c.created_at, actions.c.id))
        return [self._record(row) for row in rows]

    def lock_message(self, caller_oid: str, internet_message_id: str) -> None:
        """Hold, until the transaction ends, the right to add a recall of this message.

        SQLite writers already hold the file's lock (``BEGIN IMMEDIATE``); PostgreSQL takes a
        transaction-level advisory lock on the caller and message, so that two first recalls
        of one message cannot both find "no recall yet".
        """
        if self._db.dialect.name == "postgresql":
            self._db.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
                             {"space": MESSAGE_LOCK_SPACE,
                              "key": f"{caller_oid}\n{internet_message_id}"})

    def move(self, action_id: str, state: str, **values: Any) -> ActionRecord:
        """Move to ``state`` if the current state allows it (one conditional UPDATE, so two
        racing requests cannot both move the same action)."""
        allowed = TRANSITIONS[state]
        values = {k: v for k, v in values.items() if v is not None}
        result = self._db.execute(
            update(actions)
            .where(actions.c.id == action_id, actions.c.state.in_(allowed))
            .values(state=state, updated_at=self._clock(), **values))
        if result.rowcount == 1:
            return self._require(action_id)
        current = self.get(action_id)
        if current is None:
            raise ActionNotFound()
        raise InvalidTransition(details={"id": action_id, "state": current.stored_state,
                                         "wanted": state})

    def lock(self, action_id: str) -> ActionRecord | None:
        """The action, held until the transaction ends (PostgreSQL: ``FOR UPDATE``; SQLite's
        writers hold the file's lock already)."""
        row = self._db.execute(select(actions).where(actions.c.id == action_id)
                               .with_for_update()).first()
        return self._record(row) if row else None

    def _require(self, action_id: str) -> ActionRecord:
        record = self.get(action_id)
        if record is None:
            raise ActionNotFound()
        return record

    def _record(self, row: Row) -> ActionRecord:
        state = row.state
        if state == "recorded" and row.created_at <= self._clock() - self._grace:
            state = "unknown"  # never silently "in progress" forever: see UNKNOWN_MESSAGE
        return ActionRecord(
            id=row.id, kind=row.kind, state=state, stored_state=row.state,
            caller_oid=row.caller_oid, caller_tid=row.caller_tid,
            caller_address=row.caller_address, message_id=row.message_id,
            internet_message_id=row.internet_message_id, parent_id=row.parent_id,
            idempotency_key=row.idempotency_key, request=row.request_summary,
            response=row.response_summary, error_code=row.error_code,
            error_message=row.error_message, request_id=row.request_id,
            created_at=row.created_at, updated_at=row.updated_at)


class OutcomeRepository:
    def __init__(self, connection: Connection, clock: Clock):
        self._db = connection
        self._clock = clock

    def upsert(self, action_id: str, outcomes: Iterable[RecipientOutcome]) -> None:
        """Insert or replace each recipient's outcome (addresses compared in lower case)."""
        now = self._clock()
        rows = {}
        for outcome in outcomes:
            if outcome.status not in OUTCOME_STATUSES:
                raise ValueError(f"unknown outcome status {outcome.status!r}")
            if outcome.source not in OUTCOME_SOURCES:
                raise ValueError(f"unknown outcome source {outcome.source!r}")
            address = outcome.address.strip().lower()
            rows[address] = {"action_id": action_id, "address": address,
                             "status": outcome.status, "reason_code": outcome.reason_code,
                             "source": outcome.source, "checked_at": outcome.checked_at or now}
        if not rows:
            return
        dialect_insert = postgresql.insert if self._db.dialect.name == "postgresql" \
            else sqlite.insert
        statement = dialect_insert(recipient_outcomes)
        statement = statement.on_conflict_do_update(
            index_elements=["action_id", "address"],
            set_={name: statement.excluded[name]
                  for name in ("status", "reason_code", "source", "checked_at")})
        self._db.execute(statement, list(rows.values()))

    def for_action(self, action_id: str) -> list[RecipientOutcome]:
        rows = self._db.execute(
            select(recipient_outcomes).where(recipient_outcomes.c.action_id == action_id)
            .order_by(recipient_outcomes.c.address))
        return [RecipientOutcome(address=r.address, status=r.status, source=r.source,
                                 reason_code=r.reason_code, checked_at=r.checked_at)
                for r in rows]


class IdempotencyRepository:
    """Rows keyed by (caller oid, key); the primary key makes concurrent claims safe."""

    def __init__(self, connection: Connection):
        self._db = connection

    def insert(self, caller_oid: str, key: str, request_hash: str, now: dt.datetime) -> bool:
        """Claim the key; False when a row for it exists already (committed by anyone)."""
        dialect_insert = postgresql.insert if self._db.dialect.name == "postgresql" \
            else sqlite.insert
        result = self._db.execute(
            dialect_insert(idempotency_keys)
            .values(caller_oid=caller_oid, key=key, request_hash=request_hash,
                    created_at=now, claimed_at=now)
            .on_conflict_do_nothing(index_elements=["caller_oid", "key"])
            .execution_options(preserve_rowcount=True))  # SQLAlchemy drops INSERT rowcounts
        return result.rowcount == 1

    def get(self, caller_oid: str, key: str) -> Row | None:
        return self._db.execute(select(idempotency_keys).where(
            idempotency_keys.c.caller_oid == caller_oid, idempotency_keys.c.key == key)).first()

    def take_over(self, caller_oid: str, key: str, claimed_at: dt.datetime,
                  now: dt.datetime) -> bool:
        """Re-claim a key whose first request never recorded an action (so never acted)."""
        return self._update_unstarted(caller_oid, key, claimed_at, {"claimed_at": now})

    def attach_action(self, caller_oid: str, key: str, claimed_at: dt.datetime,
                      action_id: str) -> bool:
        return self._update_unstarted(caller_oid, key, claimed_at, {"action_id": action_id})

    def save_response(self, caller_oid: str, key: str, status: int, body: Any) -> None:
        self._db.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.caller_oid == caller_oid, idempotency_keys.c.key == key,
                   idempotency_keys.c.response_status.is_(None))
            .values(response_status=status, response_body=body))

    def release(self, caller_oid: str, key: str, claimed_at: dt.datetime) -> bool:
        result = self._db.execute(delete(idempotency_keys).where(
            *self._unstarted(caller_oid, key, claimed_at)))
        return result.rowcount == 1

    def _update_unstarted(self, caller_oid: str, key: str, claimed_at: dt.datetime,
                          values: dict[str, Any]) -> bool:
        result = self._db.execute(update(idempotency_keys)
                                  .where(*self._unstarted(caller_oid, key, claimed_at))
                                  .values(**values))
        return result.rowcount == 1

    @staticmethod
    def _unstarted(caller_oid: str, key: str, claimed_at: dt.datetime) -> tuple:
        # claimed_at identifies the claim: a request holding an old claim cannot use it.
        c = idempotency_keys.c
        return (c.caller_oid == caller_oid, c.key == key, c.claimed_at == claimed_at,
                c.action_id.is_(None), c.response_status.is_(None))


class AuditRepository:
    """Appends and reads; there is deliberately no method that changes or removes a row."""

    def __init__(self, connection: Connection, clock: Clock, keep_subjects: bool):
        self._db = connection
        self._clock = clock
        self._keep_subjects = keep_subjects

    def append(self, event: str, *, actor: ActorLike | None, result: str,
               internet_message_id: str | None = None, subject: str | None = None,
               action_id: str | None = None, request_id: str | None = None,
               details: Any = None) -> AuditEvent:
        values = {
            "occurred_at": self._clock(), "event": event, "result": result,
            "actor_oid": actor.oid if actor else None, "actor_tid": actor.tid if actor else None,
            "actor_address": actor.address if actor else None,
            "internet_message_id": internet_message_id,
            # Subjects can be personal data: kept only when the administrator turned it on.
            "subject": subject if self._keep_subjects else None,
            "action_id": action_id, "request_id": request_id, "details": details,
        }
        inserted = self._db.execute(insert(audit_events).values(**values))
        return AuditEvent(id=int(inserted.inserted_primary_key[0]), **values)

    def has(self, action_id: str, event: str) -> bool:
        """Whether the action already has an ``event`` row."""
        c = audit_events.c
        return self._db.execute(select(c.id).where(c.action_id == action_id, c.event == event)
                                .limit(1)).first() is not None

    def page(self, *, since: dt.datetime | None, until: dt.datetime | None, limit: int,
             after: Position | None, newest_first: bool,
             tenant_id: str | None) -> tuple[list[AuditEvent], bool]:
        """Up to ``limit`` events in ``[since, until)`` past ``after`` (keyset paging), and
        whether more follow. ``tenant_id``: only that tenant's events (None: every tenant's,
        for the operator's own tools, never for a caller)."""
        c = audit_events.c
        query = select(audit_events)
        if tenant_id is not None:
            query = query.where(c.actor_tid == tenant_id)
        if since is not None:
            query = query.where(c.occurred_at >= since)
        if until is not None:
            query = query.where(c.occurred_at < until)
        if after is not None:
            at, last_id = after.occurred_at, after.event_id
            if newest_first:
                query = query.where(or_(c.occurred_at < at,
                                        and_(c.occurred_at == at, c.id < last_id)))
            else:
                query = query.where(or_(c.occurred_at > at,
                                        and_(c.occurred_at == at, c.id > last_id)))
        order = (c.occurred_at.desc(), c.id.desc()) if newest_first else (c.occurred_at, c.id)
        rows = self._db.execute(query.order_by(*order).limit(limit + 1)).all()
        return [_event(row) for row in rows[:limit]], len(rows) > limit

    def count(self) -> int:
        return int(self._db.execute(select(func.count()).select_from(audit_events)).scalar_one())


def _event(row: Row) -> AuditEvent:
    return AuditEvent(
        id=int(row.id), occurred_at=row.occurred_at, event=row.event, result=row.result,
        actor_oid=row.actor_oid, actor_tid=row.actor_tid, actor_address=row.actor_address,
        internet_message_id=row.internet_message_id, subject=row.subject,
        action_id=row.action_id, request_id=row.request_id, details=row.details)
