"""Use case: recall a sent message, then follow what happened to each recipient.

Microsoft gives no status API for recall (docs/microsoft-facts.md, Graph): outcomes come from
the "Message Recall Report" mails in the sender's Inbox, whose format is not documented, so they
are parsed tolerantly; where the deep check is on, each internal recipient's mailbox is looked
at directly and that wins over the report (a copy that is gone is gone). Until a report says
otherwise, recipients the eligibility check found ``impossible`` are shown as failed.

One recall per message: a second request shows the first (nothing is asked of Exchange); only
"Try again" asks again, as a child action covering the people whose copy may still be there,
and the status folds its answers into the first recall's (``recall/outcomes.py``). Every recall
ends: after the wait (``RA_RECALL_REPORT_WAIT_S``) whoever is still pending reads "no report".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import metrics
from ..errors import Conflict, RecallAssistantError
from ..graph import directory as graph_directory
from ..graph import mail as graph_mail
from ..graph import mail_actions
from ..graph.client import GraphClient
from ..graph.errors import GraphError, GraphNotFound, GraphOutcomeUnknown
from ..i18n import format_wait
from ..recall import outcomes as rules
from ..recall import report as reports
from ..recall.model import EligibilityResult
from ..recall.reasons import OUTCOME_TEXTS
from ..store import ActionNotFound, ActionRecord, RecipientOutcome, Store
from ..store.records import InvalidTransition
from .eligibility import EligibilityService, ItemRef
from .session import Sender

log = logging.getLogger(__name__)

# Recall reports are looked for from a little before the request (clocks differ).
REPORT_LOOKBACK = dt.timedelta(minutes=5)


class NothingToRetry(Conflict):
    code = "nothing_to_retry"
    message = ("There is no one to try the recall again for: it is still under way, or "
               "everyone's copy is removed or out of its reach.")


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


class RecallService:
    """Recalls a caller's sent message and reports per-recipient outcomes."""

    def __init__(self, store: Store, eligibility: EligibilityService,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC), *,
                 report_wait_s: float = rules.DEFAULT_WAIT_S):
        self.store = store
        self.eligibility = eligibility
        self.clock = clock
        self.report_wait_s = report_wait_s

    # -- asking for the recall ------------------------------------------------------------
    def prepare(self, caller: Sender, item: ItemRef, graph: GraphClient,
                app_graph: GraphClient | None) -> EligibilityResult:
        """Everything checked before anything is recorded: the message is the caller's, in
        Sent Items; the eligibility check says who the recall concerns."""
        return self.eligibility.check(caller, item, graph, app_graph)

    def earlier_recall(self, caller_oid: str, internet_message_id: str | None
                       ) -> ActionRecord | None:
        """The caller's recall of this message in flight or done, if any (a refused one, state
        ``failed``, does not count): a second recall shows it instead of recalling again."""
        found = [a for a in self.for_message(caller_oid, internet_message_id or "")
                 if a.state != "failed"]
        return found[-1] if found else None

    def recall(self, actor: Any, checked: EligibilityResult, *, claim: Any, graph: GraphClient,
               request_id: str | None, replace_with: str | None = None) -> ActionRecord:
        """Record the recall, then ask Exchange for it (beta ``recall``).

        Raises ``AlreadyRecalled`` (with the earlier recall) instead when this caller already
        recalled the message: checked and recorded in one locked transaction.
        """
        message = checked.message
        people = people_of(checked)
        action = self.store.begin_action(
            kind="recall", actor=actor, message_id=message.id,
            internet_message_id=message.internet_message_id, claim=claim,
            request_id=request_id, subject=message.subject, sole_recall=True,
            request={"messageId": message.id, "replaceWith": replace_with,
                     "reportWaitS": self.report_wait_s,
                     "people": [p.as_json() for p in people]})
        self._ask_exchange(action, graph, request_id)
        self.store.record_outcomes(action.id, [
            RecipientOutcome(p.address, "failed", "eligibility", p.reason_code)
            for p in people if p.verdict == "impossible"], request_id=request_id)
        metrics.RECALLS.labels("submitted").inc()
        return self.store.mark_submitted(action.id, request_id=request_id)

    def retryable_people(self, caller_oid: str, primary: ActionRecord, graph: GraphClient,
                         app_graph: GraphClient | None) -> list[Person]:
        """Who "Try again" would cover: the settled recall's retryable people, read afresh
        (409 ``nothing_to_retry`` when there is no one, or the recall is still under way)."""
        body = self.status(caller_oid, primary.id, graph, app_graph)
        wanted = {r["address"] for r in body["recipients"] if r["retryable"]}
        people = [p for p in people_in(primary) if p.address in wanted]
        if not body["settled"] or not people:
            raise NothingToRetry()
        return people

    def retry(self, actor: Any, primary: ActionRecord, people: list[Person], *,
              message_id: str, claim: Any, graph: GraphClient,
              request_id: str | None) -> ActionRecord:
        """Ask Exchange to recall the message again, recorded as a child of the first recall
        that covers only ``people`` (Graph's recall has no recipient list: the others' answers
        to it are not theirs to change)."""
        # The reports already in the Inbox answer earlier attempts: receivedDateTime is to the
        # second, so only their ids tell them from this retry's own.
        earlier = [item.id for item in self._report_candidates(primary, graph)[1]]
        action = self.store.begin_action(
            kind="recall", actor=actor, message_id=message_id,
            internet_message_id=primary.internet_message_id, claim=claim,
            request_id=request_id, parent_id=primary.id,
            request={"messageId": message_id, "retryOf": primary.id,
                     "reportWaitS": self.report_wait_s, "earlierReports": earlier,
                     "people": [p.as_json() for p in people]})
        self._ask_exchange(action, graph, request_id)
        metrics.RECALLS.labels("submitted").inc()
        return self.store.mark_submitted(action.id, request_id=request_id)

    def _ask_exchange(self, action: ActionRecord, graph: GraphClient,
                      request_id: str | None) -> None:
        try:
            mail_actions.recall_message(graph, action.message_id)
        except GraphOutcomeUnknown as exc:
            # No answer: Exchange may or may not have taken it. Never ask twice on our own.
            self.store.mark_unknown(action.id, reason=exc.code, request_id=request_id)
            metrics.RECALLS.labels("unknown").inc()
            raise
        except GraphError as exc:
            self.store.fail(action.id, error_code=exc.code, error_message=exc.message,
                            request_id=request_id)
            metrics.RECALLS.labels("failed").inc()
            raise

    # -- following it ---------------------------------------------------------------------
    def status(self, caller_oid: str, action_id: str, graph: GraphClient,
               app_graph: GraphClient | None, *, request_id: str | None = None) -> dict[str, Any]:
        """The recall as it stands: reports read afresh, outcomes recorded, state settled.

        For a first recall, its retries are followed too and folded in; a retry's own id
        shows only the people it covers.
        """
        action = self.store.get_action(action_id, caller_oid=caller_oid)
        if action is None or action.kind != "recall":
            raise ActionNotFound()
        now = self.clock()
        related = self.store.actions_for_message(caller_oid, action.internet_message_id or "")
        children = [a for a in related if a.kind == "recall" and a.parent_id == action.id]
        # A report received after a retry was asked for is the retry's (Exchange answers each
        # request), one received before it is not: each attempt reads only its own.
        until = children[0].created_at if children else None
        since = action.created_at if action.parent_id is not None else None
        attempts = [self._follow(action, graph, app_graph, now, request_id, (since, until))]
        for index, child in enumerate(children):
            later = children[index + 1].created_at if index + 1 < len(children) else None
            attempts.append(self._follow(child, graph, app_graph, now, request_id,
                                         (child.created_at, later)))
        return self._json(attempts, now, _correction_of(action, related))

    def for_message(self, caller_oid: str, internet_message_id: str) -> list[ActionRecord]:
        """The caller's first recalls of one message (retries are part of theirs), oldest first."""
        return [a for a in self.store.actions_for_message(caller_oid, internet_message_id)
                if a.kind == "recall" and a.parent_id is None]

    def reached(self, caller_oid: str, internet_message_id: str) -> dict[str, bool] | None:
        """Per person, whether the caller's recall of this message took their copy away (its
        merged view over retries, from what is recorded); None without a recall."""
        return reached_by_recall(self.store, caller_oid, internet_message_id, self.clock(),
                                 self.report_wait_s)

    def _wait_s(self, action: ActionRecord) -> float:
        # The wait recorded with the recall, or the current setting if shorter (an
        # administrator shortening it means to end waits already under way).
        recorded = (action.request or {}).get("reportWaitS")
        return min(float(recorded), self.report_wait_s) if recorded else self.report_wait_s

    def _follow(self, action: ActionRecord, graph: GraphClient, app_graph: GraphClient | None,
                now: dt.datetime, request_id: str | None,
                window: tuple[dt.datetime | None, dt.datetime | None]) -> Attempt:
        """Read one attempt's reports, record what changed, settle it when nobody waits."""
        people = people_in(action)
        stored = {o.address: o for o in self.store.outcomes(action.id)}
        lines = {address: _line(o) for address, o in stored.items()}
        report_found = False
        live = action.state in ("submitted", "completed", "unknown")
        if live:
            found = self._read_reports(action, graph, people)
            report_found = found is not None
            lines = self._outcomes(action, people, found, app_graph, lines, window)
        deadline = rules.wait_until(action.created_at, self._wait_s(action))
        over = live and now >= deadline
        lines = {p.address: rules.at_wait_limit(lines.get(p.address), over=over)
                 for p in people}
        # The pane polls: write only what changed, not every outcome on every poll.
        changed = [RecipientOutcome(address, line.status, line.source, line.reason_code)
                   for address, line in lines.items()
                   if line.source is not None and _changed(stored.get(address), line)]
        if changed:
            self.store.record_outcomes(action.id, changed, request_id=request_id)
        counts = rules.summary(list(lines.values()))
        settled = action.state == "failed" or (action.state != "recorded"
                                               and counts["pending"] == 0)
        if settled and action.state == "submitted":
            ended_by = ("wait_limit" if any(line.source == "wait_limit"
                                            for line in lines.values()) else "outcomes")
            try:
                action = self.store.complete(action.id, request_id=request_id,
                                             details={**counts, "endedBy": ended_by})
            except InvalidTransition:
                # Another read of the same recall settled it first (the pane polls): fine.
                action = self.store.get_action(action.id) or action
            else:
                for outcome, count in counts.items():  # once: settled just now
                    if count:
                        metrics.RECALL_OUTCOMES.labels(_METRIC_STATUS[outcome]).inc(count)
        return Attempt(action, people, lines, report_found, settled, deadline)

    def _read_reports(self, action: ActionRecord, graph: GraphClient,
                      people: list[Person]) -> reports.RecallReport | None:
        """The reports about this recall that we believe, merged (docs/recall-reports.md).

        Graph round trips: the Inbox since the recall, light fields only (sender, class,
        conversation, headers: no bodies); the bodies of the few candidates (Exchange's own
        mail marked as a report) in one call; the original message only when a report names
        no message id and the conversation must decide. The tenant's verified domains come
        from the eligibility check's cache (read once more only when it has expired).
        """
        domains, candidates = self._report_candidates(action, graph)
        bodies = graph_mail.message_bodies(graph, [c.id for c in candidates])
        original: graph_mail.SentMessage | None = None
        looked_up = False
        found = []
        for item in candidates:
            body = bodies.get(item.id)
            if body is None:
                continue
            mail = _report_mail(item, body)
            parsed = reports.parse_recall_report(mail)
            if not parsed.message_ids and not looked_up:
                looked_up = True
                try:
                    original = graph_mail.get_message(graph, action.message_id)
                except GraphNotFound:
                    original = None  # moved or deleted since: only message ids can match
            accepted = reports.accept_report(
                mail, verified_domains=domains, internet_message_id=action.internet_message_id,
                conversation_id=original.conversation_id if original else None,
                original_subject=original.subject if original else None)
            for problem in parsed.problems:
                log.info("recall report %s: %s", item.id, problem)
            if accepted is None:
                log.info("mail %s looks like a recall report but is not one we believe for "
                         "recall %s", item.id, action.id)
            else:
                found.append(accepted)
        return reports.merge_reports(found) if found else None

    def _report_candidates(self, action: ActionRecord, graph: GraphClient
                           ) -> tuple[tuple[str, ...], list[graph_mail.InboxItem]]:
        """The tenant's verified domains, and the Inbox mail since the recall that may be a
        report of it (light fields only), less the reports that answered earlier attempts."""
        domains = self._verified_domains(action, graph)
        earlier = set((action.request or {}).get("earlierReports") or ())
        since = action.created_at - REPORT_LOOKBACK
        candidates = [item for item in graph_mail.inbox_since(graph, since)
                      if item.id not in earlier
                      and reports.might_be_report(_report_mail(item, None), domains)]
        return domains, candidates

    def _verified_domains(self, action: ActionRecord, graph: GraphClient) -> tuple[str, ...]:
        # The eligibility check caches the tenant's verified domains under this key.
        key = ("domains", action.caller_tid)
        domains = self.eligibility.cache.get(key)
        if domains is None:
            domains = graph_directory.internal_domains(graph)
            self.eligibility.cache.put(key, domains)
        return tuple(domains)

    def _outcomes(self, action: ActionRecord, people: list[Person],
                  report: reports.RecallReport | None,
                  app_graph: GraphClient | None,
                  stored: dict[str, rules.Line],
                  window: tuple[dt.datetime | None, dt.datetime | None] = (None, None)
                  ) -> dict[str, rules.Line]:
        lines: dict[str, rules.Line] = dict(stored)
        # Graph gives receivedDateTime to the second: compare at that precision (a report of
        # an earlier attempt received in the retry's own second is known by its id instead).
        since, until = (t.replace(microsecond=0) if t else None for t in window)

        def offer(address: str, candidate: rules.Line) -> None:
            lines[address] = rules.prefer(lines.get(address), candidate)

        wanted = {p.address for p in people}
        retry = action.parent_id is not None
        if report is not None:
            for entry in report.recipients:
                at = entry.reported_at
                if at is not None and ((since is not None and at < since)
                                       or (until is not None and at >= until)):
                    continue  # another attempt's answer
                if entry.address in wanted:
                    offer(entry.address, rules.report_line(entry.status, entry.reason,
                                                           retry=retry))
        if app_graph is not None and action.internet_message_id:
            internal = [p.address for p in people if p.kind in rules.INTERNAL_KINDS]
            if internal:
                copies = graph_mail.find_copies(app_graph, internal, action.internet_message_id)
                for address, lookup in copies.items():
                    if lookup.error is not None:
                        continue
                    if lookup.copy is None:
                        offer(address, rules.Line("succeeded", "deep_check", "copy_removed"))
                    else:
                        offer(address, rules.Line("pending", "deep_check", "copy_present"))
        return {a: line for a, line in lines.items() if a in wanted}

    def _json(self, attempts: list[Attempt], now: dt.datetime,
              correction: dict[str, Any] | None) -> dict[str, Any]:
        first = attempts[0]
        action = first.action
        # A retry Graph refused covers no one: the earlier answers stand.
        merged = rules.merge_attempts([first.lines] + [a.lines for a in attempts[1:]
                                                       if a.action.state != "failed"])
        settled = all(a.settled for a in attempts)
        recipients = []
        for person in first.people:
            line = merged.get(person.address, rules.PENDING)
            facts = person.facts
            recipients.append({
                "address": person.address, "name": person.name, "status": line.status,
                "reason": _reason(person, line, self._wait_s(action)), "source": line.source,
                "mayNeverConfirm": rules.may_never_confirm(facts),
                # "Try again" is offered once the recall is settled, never while it waits.
                "retryable": settled and action.state != "failed"
                and rules.retryable(facts, line),
                "_notReached": rules.not_reached(facts, line)})
        summary = rules.summary([merged.get(p.address, rules.PENDING) for p in first.people])
        not_reached = sum(r.pop("_notReached") for r in recipients)
        return {
            "id": action.id, "status": action.state, "messageId": action.message_id,
            "internetMessageId": action.internet_message_id,
            "requestedAt": _iso(action.created_at), "lastCheckedAt": _iso(now),
            "reportReceived": any(a.report_found for a in attempts), "settled": settled,
            "waitUntil": _iso(max(a.wait_until for a in attempts)),
            "summary": summary, "notReached": not_reached if action.state != "failed" else 0,
            "retryable": sum(r["retryable"] for r in recipients),
            "recipients": recipients, "correction": correction,
            "error": ({"code": action.error_code, "message": action.error_message}
                      if action.error_code else None),
            "statusMessage": getattr(action, "status_message", None),
        }


_METRIC_STATUS = {"succeeded": "succeeded", "failed": "failed", "pending": "pending",
                  "noReport": "no_report"}


def _reason(person: Person, line: rules.Line, wait_s: float) -> dict[str, str | None] | None:
    """Why a line reads as it does; always given for failed and no_report."""
    if line.source == "eligibility":
        return {"code": person.reason_code, "text": person.reason_text,
                "params": dict(person.reason_params)}
    code = line.reason_code or (f"report_{line.status}" if line.status != "pending" else None)
    if code is None:
        return None
    # The wait is given in seconds: the API writes it in the reader's language.
    params = {"wait_s": f"{wait_s:g}"} if code == rules.NO_REPORT else {}
    text = OUTCOME_TEXTS.get(code, code).format(wait=format_wait(wait_s))
    return {"code": code, "text": text, "params": params}


def _report_mail(item: graph_mail.InboxItem,
                 body: graph_mail.ItemBody | None) -> reports.InboxMessage:
    """An Inbox item as the report rules read it (``body`` None: not fetched yet)."""
    return reports.InboxMessage(
        subject=item.subject, body=body.content if body else "",
        body_type=(body.content_type if body and body.content_type in ("html", "text")
                   else None),  # type: ignore[arg-type]
        received_at=item.received_at, sender=item.sender, message_class=item.message_class,
        conversation_id=item.conversation_id, headers=item.headers, account=item.account)


def _line(outcome: RecipientOutcome) -> rules.Line:
    return rules.Line(outcome.status, outcome.source, outcome.reason_code)  # type: ignore[arg-type]


def _changed(before: RecipientOutcome | None, after: rules.Line) -> bool:
    return before is None or (before.status, before.source, before.reason_code) != (
        after.status, after.source, after.reason_code)


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _correction_of(recall: ActionRecord, related: list[ActionRecord]) -> dict[str, Any] | None:
    """The correction line: "delete and replace"'s own correction, else the latest correction
    sent for this message."""
    corrections = [a for a in related if a.kind == "correction"]
    own = [a for a in corrections if a.parent_id == recall.id]
    chosen = (own or corrections or [None])[-1]
    if chosen is None:
        return None
    response = chosen.response if isinstance(chosen.response, dict) else {}
    count = response.get("recipients")
    return {"id": chosen.id, "status": chosen.state,
            "error": ({"code": chosen.error_code, "message": chosen.error_message}
                      if chosen.error_code else None),
            "recipients": count if isinstance(count, int) else None}


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
        stored = {o.address: _line(o) for o in store.outcomes(attempt.id)}
        views.append({p.address: rules.at_wait_limit(stored.get(p.address), over=over)
                      for p in people_in(attempt)})
    merged = rules.merge_attempts(views)
    return {p.address: not rules.not_reached(p.facts, merged.get(p.address, rules.PENDING))
            for p in people_in(primary)}


def action_summary(action: ActionRecord) -> dict[str, Any]:
    """The short answer to a recall request (also what a replay of it returns)."""
    if action.parent_id is not None:  # a retry: the pane keeps following the first recall
        return {"id": action.parent_id, "attemptId": action.id, "status": action.state,
                "messageId": action.message_id,
                "retried": len((action.request or {}).get("people", []))}
    return {"id": action.id, "status": action.state, "messageId": action.message_id}


def already_recalled(action: ActionRecord) -> dict[str, Any]:
    """The answer to a second recall of a message: the first one, nothing asked of Graph."""
    return {"id": action.id, "status": action.state, "messageId": action.message_id,
            "alreadyRecalled": True}


__all__ = ["RecallService", "Person", "people_of", "action_summary", "already_recalled",
           "reached_by_recall", "NothingToRetry", "RecallAssistantError"]
