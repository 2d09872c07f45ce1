"""What the store hands out: plain, frozen records (no SQLAlchemy rows leave the store),
and the errors it raises (each one part of the hierarchy in ``recall_assistant.errors``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..errors import BadRequest, Conflict, NotFound, RecallAssistantError, UpstreamUnavailable

# What a person is told about an action whose fate the store cannot know: it was recorded,
# then the process stopped before it could say whether Graph was called (never done twice).
UNKNOWN_MESSAGE = "unknown — check the recall report"

DEFAULT_GRACE = dt.timedelta(minutes=2)

ClaimOutcome = Literal["new", "replay", "conflict"]


class ActorLike(Protocol):
    """Who acts: ``auth.tokens.Caller`` fits, and so does :class:`Actor`."""

    @property
    def oid(self) -> str: ...
    @property
    def tid(self) -> str: ...
    @property
    def address(self) -> str | None: ...


@dataclass(frozen=True)
class Actor:
    """A person (or the system, with an empty oid) named in the audit log."""

    oid: str
    tid: str
    address: str | None = None


@dataclass(frozen=True)
class ActionRecord:
    """One recall or correction, as it stands.

    ``state`` is what callers show: it reads ``unknown`` for an action still ``recorded`` after
    the grace period (the process died between the audit write and the Graph call, or the call
    hung). ``stored_state`` is the row's own value.
    """

    id: str
    kind: str
    state: str
    stored_state: str
    caller_oid: str
    caller_tid: str
    caller_address: str | None
    message_id: str
    internet_message_id: str | None
    parent_id: str | None
    idempotency_key: str | None
    request: Any
    response: Any
    error_code: str | None
    error_message: str | None
    request_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def status_message(self) -> str | None:
        """The sentence to show next to the state, when the state alone would mislead."""
        return UNKNOWN_MESSAGE if self.state == "unknown" else None

    @property
    def finished(self) -> bool:
        return self.state in ("completed", "failed")


@dataclass(frozen=True)
class RecipientOutcome:
    """What happened to one recipient's copy, according to ``source``."""

    address: str
    status: str  # pending | succeeded | failed
    source: str  # report | deep_check | eligibility
    reason_code: str | None = None
    checked_at: dt.datetime | None = None  # set by the store when None


@dataclass(frozen=True)
class StoredResponse:
    """The first response to an idempotent request, replayed to every identical retry."""

    status: int
    body: Any


@dataclass(frozen=True)
class Claim:
    """The answer to "may this request act?" for one ``Idempotency-Key``.

    - ``new``: go ahead; pass this claim to ``Store.begin_action`` (and later to
      ``Store.save_response``), or ``Store.release`` it if the request ends without acting.
    - ``replay``: an identical request came first. Return ``response`` when there is one;
      otherwise ``action`` (in flight, or ``unknown``); when both are None the first request
      is still being validated (``in_progress``): ask the caller to retry shortly.
    - ``conflict``: the key was used with another body: raise :class:`IdempotencyConflict`.
    """

    outcome: ClaimOutcome
    caller_oid: str
    key: str
    request_hash: str
    claimed_at: dt.datetime | None = None
    response: StoredResponse | None = None
    action: ActionRecord | None = None

    @property
    def in_progress(self) -> bool:
        return self.outcome == "replay" and self.response is None and self.action is None


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit log: who did what to which message, when, with what result."""

    id: int
    occurred_at: dt.datetime
    event: str
    result: str
    actor_oid: str | None
    actor_tid: str | None
    actor_address: str | None
    internet_message_id: str | None
    subject: str | None
    action_id: str | None
    request_id: str | None
    details: Any


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


def request_hash(route: str, body: Any) -> str:
    """A fingerprint of a request for idempotency: same route and same JSON body, same hash
    (key order and whitespace do not matter)."""
    canonical = json.dumps([route, body], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ActionNotFound(NotFound):
    code = "action_not_found"
    message = "No such recall or correction."


class InvalidTransition(Conflict):
    code = "action_state_conflict"
    message = "This recall or correction has already moved on; it cannot change that way."


class AlreadyRecalled(Conflict):
    """This caller already has a recall of this message in flight or done (one per message)."""

    message = "This message was already recalled; that recall is shown instead."

    def __init__(self, action: ActionRecord):
        super().__init__()
        self.action = action


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
    message = ("This Idempotency-Key was already used for a different request. "
               "Use a new key for a new request.")


class ClaimLost(RecallAssistantError):
    """The request's idempotency claim was released or taken over before it could act."""

    code = "idempotency_claim_lost"


class InvalidCursor(BadRequest):
    code = "invalid_cursor"
    message = "The paging cursor is not one this server gave out. Start again without it."


class StoreUnavailable(UpstreamUnavailable):
    code = "database_unavailable"
    message = "The database did not answer. Try again in a moment."

    def __init__(self, message: str | None = None):
        super().__init__(message, headers={"Retry-After": "5"})
