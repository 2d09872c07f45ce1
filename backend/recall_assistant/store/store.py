"""The store's front door for services: each method is one committed transaction.

How a mutating request uses it (nothing is lost, nothing is done twice)::

    claim = store.claim(caller.oid, key, request_hash("POST /api/recalls", body))
    if claim.outcome == "conflict":
        raise IdempotencyConflict()
    if claim.outcome == "replay":
        ...  # claim.response (first answer), else claim.action (in flight or "unknown"),
             # else claim.in_progress: the first request is still being validated
    # validation that may refuse the request: store.release(claim) before raising
    action = store.begin_action(kind="recall", actor=caller, message_id=..., claim=claim,
                                internet_message_id=..., request={...}, request_id=...)
    try:
        graph.recall(...)                     # only after begin_action has committed
    except GraphTimeout:
        store.mark_unknown(action.id, reason="graph_timeout"); raise
    except GraphError as exc:
        store.fail(action.id, error_code=exc.code, error_message=exc.message); raise
    action = store.mark_submitted(action.id, response={...})
    store.save_response(claim, 202, {"id": action.id, "status": "submitted"})

States: ``recorded`` → ``submitted`` → ``completed`` | ``failed`` | ``unknown``. Every
transition writes its audit row in the same transaction as the state change, and so does every
change of a recipient's outcome (``recall.outcomes``): the audit log is each action's history,
in order, each row with the request id that caused it. An action left ``recorded`` for longer
than ``grace`` reads as ``unknown`` ("unknown — check the recall report"): the process stopped
between the audit write and the Graph call, or while waiting for Graph, and nobody can say
which. The first read that finds it so writes its ``unknown`` row, once (its request id is the
one that never finished). Such an action is never repeated: its idempotency key replays it.
Outcomes and late answers can still settle it (``mark_submitted`` from the slow request itself,
``complete`` / ``fail``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from .cursors import CursorSigner, Position
from .db import ping
from .migrate import SchemaGuard
from .records import (
    DEFAULT_GRACE,
    ActionNotFound,
    ActionRecord,
    Actor,
    ActorLike,
    AlreadyRecalled,
    AuditEvent,
    AuditPage,
    Claim,
    ClaimLost,
    RecipientOutcome,
    StoredResponse,
    StoreUnavailable,
    request_hash,
)
from .repositories import Clock
from .schema import IDEMPOTENCY_KEY
from .unit_of_work import UnitOfWork, is_outage, open_unit_of_work

log = logging.getLogger(__name__)

AUDIT_PAGE_MAX = 500


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """Actions, their recipients' outcomes, idempotency keys and the audit log."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now,
                 grace: dt.timedelta = DEFAULT_GRACE, audit_subjects: bool = False,
                 cursor_key: bytes | None = None):
        self.engine = engine
        # Without a key of the deployment's, cursors hold only within this process (tests,
        # the CLI's own paging).
        self._cursors = CursorSigner(cursor_key or os.urandom(32))
        self.clock = clock
        self.grace = grace
        self.audit_subjects = audit_subjects
        self._schema = SchemaGuard(engine)

    def ensure_schema(self) -> None:
        """Bring the schema to head (once per process; safe with many instances)."""
        try:
            self._schema.ensure()
        except (OperationalError, InterfaceError) as exc:
            if is_outage(exc):
                raise StoreUnavailable() from exc
            raise

    def ping(self) -> None:
        """Raise (SQLAlchemy's error) if the database cannot answer a trivial query."""
        ping(self.engine)

    def prepare(self) -> bool:
        """At start-up: upgrade the schema now. If the database cannot be reached, say so in
        the log and carry on: ``/readyz`` reports it, and the first use upgrades instead."""
        try:
            self.ensure_schema()
        except StoreUnavailable as exc:
            log.warning("database not reachable at start-up (%s): the schema will be upgraded "
                        "on first use", type(exc.__cause__).__name__)
            return False
        return True

    def unit_of_work(self, *, read_only: bool = False) -> AbstractContextManager[UnitOfWork]:
        """A transaction with every repository; it rolls back unless ``uow.commit()``."""
        self.ensure_schema()
        return open_unit_of_work(self.engine, read_only=read_only, clock=self.clock,
                                 grace=self.grace, audit_subjects=self.audit_subjects)

    # -- idempotency -------------------------------------------------------------------------

    def claim_request(self, caller_oid: str, key: str, route: str, body: Any) -> Claim:
        """:meth:`claim` for the request ``body`` sent to ``route``."""
        return self.claim(caller_oid, key, request_hash(route, body))

    def claim(self, caller_oid: str, key: str, request_hash: str) -> Claim:
        """Claim ``key`` for this caller: ``new``, ``replay`` or ``conflict`` (see :class:`Claim`).

        Of two simultaneous identical requests exactly one gets ``new``: the key is the primary
        key, so the second insert finds the first (waiting for its commit on PostgreSQL).
        """
        if not key or len(key) > IDEMPOTENCY_KEY or not key.isprintable():
            raise ValueError(f"an idempotency key is 1 to {IDEMPOTENCY_KEY} printable characters")
        with self.unit_of_work() as uow:
            now = self.clock()
            row = None
            for _ in range(3):  # a released key can vanish between our insert and our read
                if uow.claims.insert(caller_oid, key, request_hash, now):
                    uow.commit()
                    return Claim("new", caller_oid, key, request_hash, claimed_at=now)
                row = uow.claims.get(caller_oid, key)
                if row is not None:
                    break
            if row is None:
                raise ClaimLost("The Idempotency-Key could not be claimed; try again.")
            if row.request_hash != request_hash:
                return Claim("conflict", caller_oid, key, request_hash)
            action = uow.actions.get(row.action_id) if row.action_id else None
            response = (StoredResponse(row.response_status, row.response_body)
                        if row.response_status is not None else None)
            if action is None and response is None and row.claimed_at <= now - self.grace:
                # Claimed long ago and no action recorded: that request never reached Graph
                # (begin_action comes first), so this one may act in its place.
                if uow.claims.take_over(caller_oid, key, row.claimed_at, now):
                    uow.commit()
                    return Claim("new", caller_oid, key, request_hash, claimed_at=now)
            replay = Claim("replay", caller_oid, key, request_hash, claimed_at=row.claimed_at,
                           response=response, action=action)
        if action is not None:
            self._note_if_stale(action)
        return replay

    def save_response(self, claim: Claim, status: int, body: Any) -> None:
        """Keep the first response to the claimed request, for identical retries to replay."""
        with self.unit_of_work() as uow:
            uow.claims.save_response(claim.caller_oid, claim.key, status, body)
            uow.commit()

    def release(self, claim: Claim) -> None:
        """Give the key back when the request ends without acting (it was refused)."""
        if claim.outcome != "new" or claim.claimed_at is None:
            return
        with self.unit_of_work() as uow:
            uow.claims.release(claim.caller_oid, claim.key, claim.claimed_at)
            uow.commit()

    # -- actions -----------------------------------------------------------------------------

    def begin_action(self, *, kind: str, actor: ActorLike, message_id: str,
                     internet_message_id: str | None = None, request: Any = None,
                     request_id: str | None = None, claim: Claim | None = None,
                     parent_id: str | None = None, subject: str | None = None,
                     sole_recall: bool = False) -> ActionRecord:
        """Record the action (``recorded``) and its audit row, and commit: before any Graph call.

        ``sole_recall``: a first recall of the message. If this caller already has one that was
        not refused (any state but ``failed``), :class:`AlreadyRecalled` carries it and nothing
        is recorded; the check and the insert are one transaction under a lock, so two first
        recalls sent at once record one.

        ``request`` is a JSON-able summary (no subjects, no bodies); ``subject`` goes to the
        audit log only when the administrator turned subjects on. With a ``claim``, the key is
        tied to the action in the same transaction (:class:`ClaimLost` if it was taken over).
        """
        with self.unit_of_work() as uow:
            if sole_recall and internet_message_id:
                uow.actions.lock_message(actor.oid, internet_message_id)
                earlier = [a for a in uow.actions.for_message(actor.oid, internet_message_id)
                           if a.kind == "recall" and a.parent_id is None and a.state != "failed"]
                if earlier:
                    raise AlreadyRecalled(earlier[-1])
            action = uow.actions.add(
                kind=kind, actor=actor, message_id=message_id,
                internet_message_id=internet_message_id, request=request, request_id=request_id,
                idempotency_key=claim.key if claim else None, parent_id=parent_id)
            if claim is not None and (claim.outcome != "new" or claim.claimed_at is None
                                      or not uow.claims.attach_action(
                                          claim.caller_oid, claim.key, claim.claimed_at,
                                          action.id)):
                raise ClaimLost("The request's Idempotency-Key claim was lost; nothing was done.")
            uow.audit.append(f"{kind}.requested", actor=actor, result="recorded",
                             internet_message_id=internet_message_id, subject=subject,
                             action_id=action.id, request_id=request_id,
                             details={"request": request} if request is not None else None)
            uow.commit()
        return action

    def mark_submitted(self, action_id: str, *, response: Any = None,
                       request_id: str | None = None,
                       details: dict[str, Any] | None = None) -> ActionRecord:
        """Graph accepted the request (recall: the report will tell the outcome)."""
        return self._move(action_id, "submitted", "ok", request_id, details,
                          response_summary=response)

    def complete(self, action_id: str, *, response: Any = None, request_id: str | None = None,
                 details: dict[str, Any] | None = None) -> ActionRecord:
        """The action is over and it worked (for a recall: the outcomes are final)."""
        return self._move(action_id, "completed", "ok", request_id, details,
                          response_summary=response)

    def fail(self, action_id: str, *, error_code: str, error_message: str | None = None,
             response: Any = None, request_id: str | None = None,
             details: dict[str, Any] | None = None) -> ActionRecord:
        """The action failed; the audit log says so, with the error code."""
        return self._move(action_id, "failed", "failed", request_id,
                          {"errorCode": error_code, **(details or {})},
                          response_summary=response, error_code=error_code,
                          error_message=error_message)

    def mark_unknown(self, action_id: str, *, reason: str, request_id: str | None = None,
                     details: dict[str, Any] | None = None) -> ActionRecord:
        """We cannot know whether Graph acted (a timeout after sending): say so, never retry."""
        return self._move(action_id, "unknown", "unknown", request_id,
                          {"reason": reason, **(details or {})}, error_code=reason)

    def get_action(self, action_id: str, *, caller_oid: str | None = None) -> ActionRecord | None:
        """The action, or None (also when ``caller_oid`` is given and is not its caller's)."""
        with self.unit_of_work(read_only=True) as uow:
            action = uow.actions.get(action_id)
        if action is None or (caller_oid is not None and action.caller_oid != caller_oid):
            return None
        self._note_if_stale(action)
        return action

    def actions_for_message(self, caller_oid: str, internet_message_id: str) -> list[ActionRecord]:
        """The caller's actions on one message, oldest first (states as :meth:`get_action`)."""
        with self.unit_of_work(read_only=True) as uow:
            found = uow.actions.for_message(caller_oid, internet_message_id)
        for action in found:
            self._note_if_stale(action)
        return found

    def _note_if_stale(self, action: ActionRecord) -> None:
        """Write the ``unknown`` row of an action that reads unknown only because it has
        waited past the grace period (nothing moved it there): once, however many read it."""
        if action.state != "unknown" or action.stored_state != "recorded":
            return
        with self.unit_of_work() as uow:
            current = uow.actions.lock(action.id)  # two readers at once: the second waits
            if current is None or current.stored_state != "recorded" \
                    or uow.audit.has(action.id, f"{action.kind}.unknown"):
                return
            uow.audit.append(f"{action.kind}.unknown", actor=_caller_of(action),
                             result="unknown", internet_message_id=action.internet_message_id,
                             action_id=action.id, request_id=action.request_id,
                             details={"reason": "no_answer_within_grace",
                                      "graceSeconds": int(self.grace.total_seconds())})
            uow.commit()

    def _move(self, action_id: str, state: str, result: str, request_id: str | None,
              details: Any, **values: Any) -> ActionRecord:
        with self.unit_of_work() as uow:
            action = uow.actions.move(action_id, state, **values)
            uow.audit.append(f"{action.kind}.{state}", actor=_caller_of(action), result=result,
                             internet_message_id=action.internet_message_id,
                             action_id=action.id, request_id=request_id or action.request_id,
                             details=details)
            uow.commit()
        return action

    # -- per-recipient outcomes --------------------------------------------------------------

    def record_outcomes(self, action_id: str, outcomes: Iterable[RecipientOutcome], *,
                        request_id: str | None = None) -> None:
        """Insert or replace each recipient's latest outcome (one row per address), with one
        audit row listing them (``{kind}.outcomes``), caused by ``request_id``."""
        outcomes = list(outcomes)
        if not outcomes:
            return
        with self.unit_of_work() as uow:
            action = uow.actions.get(action_id)
            if action is None:
                raise ActionNotFound()
            uow.outcomes.upsert(action_id, outcomes)
            uow.audit.append(
                f"{action.kind}.outcomes", actor=_caller_of(action), result="ok",
                internet_message_id=action.internet_message_id, action_id=action.id,
                request_id=request_id,
                details={"outcomes": [{"address": o.address, "status": o.status,
                                       "source": o.source, "reasonCode": o.reason_code}
                                      for o in outcomes]})
            uow.commit()

    def outcomes(self, action_id: str) -> list[RecipientOutcome]:
        with self.unit_of_work(read_only=True) as uow:
            return uow.outcomes.for_action(action_id)

    # -- audit log ---------------------------------------------------------------------------

    def record_event(self, event: str, *, actor: ActorLike | None, result: str,
                     internet_message_id: str | None = None, subject: str | None = None,
                     action_id: str | None = None, request_id: str | None = None,
                     details: Any = None) -> AuditEvent:
        """Append one event of your own (e.g. ``recall.report_read``) to the audit log."""
        with self.unit_of_work() as uow:
            event_row = uow.audit.append(
                event, actor=actor, result=result, internet_message_id=internet_message_id,
                subject=subject, action_id=action_id, request_id=request_id, details=details)
            uow.commit()
        return event_row

    def audit_page(self, *, tenant_id: str, since: dt.datetime | None = None,
                   until: dt.datetime | None = None, limit: int = 100,
                   cursor: str | None = None) -> AuditPage:
        """One tenant's events in ``[since, until)``, newest first, ``limit`` at a time.
        The cursor is signed: :class:`InvalidCursor` for one we did not give out for this
        tenant."""
        if not 1 <= limit <= AUDIT_PAGE_MAX:
            raise ValueError(f"limit must be 1 to {AUDIT_PAGE_MAX}")
        return self._page(since, until, limit, cursor, newest_first=True, tenant_id=tenant_id)

    def iter_audit(self, *, tenant_id: str | None = None, since: dt.datetime | None = None,
                   until: dt.datetime | None = None,
                   batch: int = AUDIT_PAGE_MAX) -> Iterator[AuditEvent]:
        """Every event in ``[since, until)``, oldest first, of one tenant (None: of all, for
        the operator's tests and drills); one short transaction a batch, so that a long export
        never holds a lock that the app's writers wait for."""
        cursor = None
        while True:
            page = self._page(since, until, batch, cursor, newest_first=False,
                              tenant_id=tenant_id)
            yield from page.events
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _page(self, since: dt.datetime | None, until: dt.datetime | None, limit: int,
              cursor: str | None, *, newest_first: bool, tenant_id: str | None) -> AuditPage:
        after = (self._cursors.loads(cursor, tenant_id=tenant_id, newest_first=newest_first)
                 if cursor else None)
        with self.unit_of_work(read_only=True) as uow:
            events, more = uow.audit.page(since=since, until=until, limit=limit, after=after,
                                          newest_first=newest_first, tenant_id=tenant_id)
        if not more:
            return AuditPage(events, None)
        last = Position(events[-1].occurred_at, events[-1].id)
        return AuditPage(events, self._cursors.dumps(last, tenant_id=tenant_id,
                                                     newest_first=newest_first))


def _caller_of(action: ActionRecord) -> ActorLike:
    return Actor(action.caller_oid, action.caller_tid, action.caller_address)
