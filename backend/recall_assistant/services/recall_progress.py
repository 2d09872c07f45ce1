"""What a recall's status says: the people it concerns, each attempt's lines merged into one
view, and the short answers to a recall request. Plain data in, plain data out: the service
reads Graph and the store, these only decide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..i18n import format_wait, reason_text
from ..recall import outcomes as rules
from ..recall.model import EligibilityResult
from ..recall.reasons import OUTCOME_TEXTS
from ..store import ActionRecord, RecipientOutcome, Store


@dataclass(frozen=True)
class Person:
    """A recipient as the eligibility check saw them when the recall was asked for."""

    address: str
    name: str
    field: str
    kind: str
    verdict: str
    reason_code: str | None
    reason_text: str | None
    reason_params: tuple[tuple[str, str], ...] = ()  # so the text can be said in any language

    def as_json(self) -> dict[str, Any]:
        return {"address": self.address, "name": self.name, "field": self.field,
                "kind": self.kind, "verdict": self.verdict, "reasonCode": self.reason_code,
                "reasonText": self.reason_text, "reasonParams": dict(self.reason_params)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Person:
        return cls(address=data["address"], name=data.get("name") or data["address"],
                   field=data.get("field") or "to", kind=data.get("kind") or "unresolved",
                   verdict=data.get("verdict") or "unknown",
                   reason_code=data.get("reasonCode"), reason_text=data.get("reasonText"),
                   reason_params=tuple(sorted((data.get("reasonParams") or {}).items())))

    @property
    def facts(self) -> rules.PersonFacts:
        return rules.PersonFacts(self.kind, self.verdict, self.reason_code)


def people_of(result: EligibilityResult) -> list[Person]:
    """The people a recall concerns: every counted recipient, groups expanded."""
    people = []
    for r in result.recipients:
        if not r.counted:
            continue
        first = r.reasons[0] if r.reasons else None
        people.append(Person(address=r.address.lower(), name=r.display_name or r.name,
                             field=r.field, kind=r.kind, verdict=r.verdict,
                             reason_code=first.code if first else None,
                             reason_text=first.text if first else None,
                             reason_params=first.params if first else ()))
    return people


def people_in(action: ActionRecord) -> list[Person]:
    """The people an attempt covers, as recorded with it."""
    return [Person.from_json(p) for p in (action.request or {}).get("people", [])]


@dataclass(frozen=True)
class Attempt:
    """One recall request (the first, or a retry) as it stands."""

    action: ActionRecord
    people: list[Person]
    lines: dict[str, rules.Line]
    report_found: bool
    settled: bool
    wait_until: dt.datetime


@dataclass(frozen=True)
class Because:
    """Why a person's line reads as it does: a stable code, its text in the reader's language
    and the values filled into it."""

    code: str | None
    text: str | None
    params: dict[str, str]


@dataclass(frozen=True)
class PersonProgress:
    address: str
    name: str
    status: str
    reason: Because | None
    source: str | None
    may_never_confirm: bool
    retryable: bool


@dataclass(frozen=True)
class ActionFailure:
    code: str
    message: str | None


def _failure(action: ActionRecord) -> ActionFailure | None:
    return ActionFailure(action.error_code, action.error_message) if action.error_code else None


@dataclass(frozen=True)
class CorrectionState:
    """The correction shown with a recall: its own ("delete and replace"), else the latest."""

    id: str | None  # None: a correction that failed before it was recorded
    status: str
    error: ActionFailure | None
    recipients: int | None


@dataclass(frozen=True)
class RecallProgress:
    """A recall as it stands: the first attempt's people, each with the line merged over every
    attempt Graph did not refuse."""

    action: ActionRecord
    checked_at: dt.datetime
    report_received: bool
    settled: bool
    wait_until: dt.datetime
    summary: dict[str, int]
    not_reached: int
    recipients: tuple[PersonProgress, ...]
    correction: CorrectionState | None

    @property
    def retryable(self) -> int:
        return sum(p.retryable for p in self.recipients)

    @property
    def error(self) -> ActionFailure | None:
        return _failure(self.action)

    @property
    def status_message(self) -> str | None:
        return getattr(self.action, "status_message", None)


def progress(attempts: list[Attempt], now: dt.datetime, correction: CorrectionState | None,
             wait_s: float, language: str = "en") -> RecallProgress:
    """The recall's progress from its attempts; reasons are written in ``language``."""
    first = attempts[0]
    action = first.action
    # A retry Graph refused covers no one: the earlier answers stand.
    merged = rules.merge_attempts([first.lines] + [a.lines for a in attempts[1:]
                                                   if a.action.state != "failed"])
    settled = all(a.settled for a in attempts)
    people, not_reached = [], 0
    for person in first.people:
        line = merged.get(person.address, rules.PENDING)
        facts = person.facts
        not_reached += rules.not_reached(facts, line)
        people.append(PersonProgress(
            person.address, person.name, line.status, _reason(person, line, wait_s, language),
            line.source, rules.may_never_confirm(facts),
            # "Try again" is offered once the recall is settled, never while it waits.
            settled and action.state != "failed" and rules.retryable(facts, line)))
    return RecallProgress(
        action, now, any(a.report_found for a in attempts), settled,
        max(a.wait_until for a in attempts),
        rules.summary([merged.get(p.address, rules.PENDING) for p in first.people]),
        not_reached if action.state != "failed" else 0, tuple(people), correction)


def _reason(person: Person, line: rules.Line, wait_s: float, language: str) -> Because | None:
    """Why a line reads as it does; always given for failed and no_report."""
    if line.source == "eligibility":
        code, params, text = person.reason_code, dict(person.reason_params), person.reason_text
    else:
        code = line.reason_code or (f"report_{line.status}" if line.status != "pending" else None)
        if code is None:
            return None
        # The wait is given in seconds too, for a reader that words it itself.
        params = {"wait_s": f"{wait_s:g}"} if code == rules.NO_REPORT else {}
        text = OUTCOME_TEXTS.get(code, code).format(wait=format_wait(wait_s))
    return Because(code, reason_text(code, params, language, text), params)


def line_of(outcome: RecipientOutcome) -> rules.Line:
    return rules.Line(outcome.status, outcome.source, outcome.reason_code)  # type: ignore[arg-type]


def has_changed(before: RecipientOutcome | None, after: rules.Line) -> bool:
    return before is None or (before.status, before.source, before.reason_code) != (
        after.status, after.source, after.reason_code)


def correction_line(recall: ActionRecord, related: list[ActionRecord]) -> CorrectionState | None:
    """"Delete and replace"'s own correction, else the latest correction sent for this
    message."""
    corrections = [a for a in related if a.kind == "correction"]
    own = [a for a in corrections if a.parent_id == recall.id]
    chosen = (own or corrections or [None])[-1]
    if chosen is None:
        return None
    response = chosen.response if isinstance(chosen.response, dict) else {}
    count = response.get("recipients")
    return CorrectionState(chosen.id, chosen.state, _failure(chosen),
                           count if isinstance(count, int) else None)


def reached_by_recall(store: Store, caller_oid: str, internet_message_id: str,
                      now: dt.datetime, wait_s: float = rules.DEFAULT_WAIT_S
                      ) -> dict[str, bool] | None:
    """Per person of the caller's latest first recall of a message: did it take their copy
    away? From the recorded outcomes merged over its retries, a wait that is over counting
    as "no report" (not reached), and a partner-tenant person still pending as not reached.
    None when the message was not recalled (or Graph refused the recall)."""
    related = store.actions_for_message(caller_oid, internet_message_id)
    primaries = [a for a in related if a.kind == "recall" and a.parent_id is None
                 and a.state != "failed"]
    if not primaries:
        return None
    primary = primaries[-1]
    attempts = [primary] + [a for a in related if a.kind == "recall"
                            and a.parent_id == primary.id and a.state != "failed"]
    views = []
    for attempt in attempts:
        recorded = (attempt.request or {}).get("reportWaitS")
        wait = min(float(recorded), wait_s) if recorded else wait_s
        over = (attempt.state in ("submitted", "completed", "unknown")
                and rules.past_wait(attempt.created_at, wait, now))
        stored = {o.address: line_of(o) for o in store.outcomes(attempt.id)}
        views.append({p.address: rules.at_wait_limit(stored.get(p.address), over=over)
                      for p in people_in(attempt)})
    merged = rules.merge_attempts(views)
    return {p.address: not rules.not_reached(p.facts, merged.get(p.address, rules.PENDING))
            for p in people_in(primary)}
