"""Use case: recall a sent message, then follow what happened to each recipient.

Microsoft gives no status API for recall (FACTS.md, Graph): outcomes come from the "Message
Recall Report" mails in the sender's Inbox, whose format is not documented, so they are parsed
tolerantly; where the deep check is on, each internal recipient's mailbox is looked at directly
and that wins over the report (a copy that is gone is gone). Until a report says otherwise,
recipients the eligibility check found ``impossible`` are shown as failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import metrics
from ..errors import RecallAssistantError
from ..graph import directory as graph_directory
from ..graph import mail as graph_mail
from ..graph import mail_actions
from ..graph.client import GraphClient
from ..graph.errors import GraphError, GraphNotFound, GraphOutcomeUnknown
from ..recall import report as reports
from ..recall.model import EligibilityResult
from ..store import ActionNotFound, ActionRecord, RecipientOutcome, Store
from ..store.records import InvalidTransition
from .eligibility import Caller as EligibilityCaller
from .eligibility import EligibilityService, ItemRef

log = logging.getLogger(__name__)

# Recall reports are looked for from a little before the request (clocks differ).
REPORT_LOOKBACK = dt.timedelta(minutes=5)
# Which answer wins for a recipient: the mailbox itself, then the report, then the forecast.
_SOURCE_RANK = {"deep_check": 3, "report": 2, "eligibility": 1}


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

    def as_json(self) -> dict[str, Any]:
        return {"address": self.address, "name": self.name, "field": self.field,
                "kind": self.kind, "verdict": self.verdict, "reasonCode": self.reason_code,
                "reasonText": self.reason_text}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Person:
        return cls(address=data["address"], name=data.get("name") or data["address"],
                   field=data.get("field") or "to", kind=data.get("kind") or "unresolved",
                   verdict=data.get("verdict") or "unknown",
                   reason_code=data.get("reasonCode"), reason_text=data.get("reasonText"))


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
                             reason_text=first.text if first else None))
    return people


class RecallService:
    """Recalls a caller's sent message and reports per-recipient outcomes."""

    def __init__(self, store: Store, eligibility: EligibilityService,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)):
        self.store = store
        self.eligibility = eligibility
        self.clock = clock

    # -- asking for the recall ------------------------------------------------------------
    def prepare(self, caller: EligibilityCaller, item: ItemRef, graph: GraphClient,
                app_graph: GraphClient | None) -> EligibilityResult:
        """Everything checked before anything is recorded: the message is the caller's, in
        Sent Items; the eligibility check says who the recall concerns."""
        return self.eligibility.check(caller, item, graph, app_graph)

    def recall(self, actor: Any, checked: EligibilityResult, *, claim: Any, graph: GraphClient,
               request_id: str | None, replace_with: str | None = None) -> ActionRecord:
        """Record the recall, then ask Exchange for it (beta ``recall``)."""
        message = checked.message
        action = self.store.begin_action(
            kind="recall", actor=actor, message_id=message.id,
            internet_message_id=message.internet_message_id, claim=claim,
            request_id=request_id, subject=message.subject,
            request={"messageId": message.id, "replaceWith": replace_with,
                     "people": [p.as_json() for p in people_of(checked)]})
        try:
            mail_actions.recall_message(graph, message.id)
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
        self.store.record_outcomes(action.id, [
            RecipientOutcome(p.address, "failed", "eligibility", p.reason_code)
            for p in people_of(checked) if p.verdict == "impossible"])
        metrics.RECALLS.labels("submitted").inc()
        return self.store.mark_submitted(action.id, request_id=request_id)

    # -- following it ---------------------------------------------------------------------
    def status(self, caller_oid: str, action_id: str, graph: GraphClient,
               app_graph: GraphClient | None, *, request_id: str | None = None) -> dict[str, Any]:
        """The recall as it stands: reports read afresh, outcomes recorded, state settled."""
        action = self.store.get_action(action_id, caller_oid=caller_oid)
        if action is None or action.kind != "recall":
            raise ActionNotFound()
        people = [Person.from_json(p) for p in (action.request or {}).get("people", [])]
        now = self.clock()
        report_found = False
        stored = {o.address: o for o in self.store.outcomes(action.id)}
        if action.state in ("submitted", "completed", "unknown"):
            found = self._read_reports(action, graph, people)
            report_found = found is not None
            outcomes = self._outcomes(action, people, found, app_graph, stored)
            # The pane polls: write only what changed, not every outcome on every poll.
            changed = [o for address, o in outcomes.items()
                       if _changed(stored.get(address), o)]
            if changed:
                self.store.record_outcomes(action.id, changed)
                stored = {o.address: o for o in self.store.outcomes(action.id)}
        body = self._json(action, people, stored, now, report_found)
        if body["settled"] and action.state == "submitted":
            try:
                action = self.store.complete(action.id, request_id=request_id,
                                             details=body["summary"])
            except InvalidTransition:
                # Another read of the same recall settled it first (the pane polls): fine.
                action = self.store.get_action(action.id) or action
            else:
                for outcome, count in body["summary"].items():  # once: settled just now
                    if count:
                        metrics.RECALL_OUTCOMES.labels(outcome).inc(count)
            body["status"] = action.state
        return body

    def for_message(self, caller_oid: str, internet_message_id: str) -> list[ActionRecord]:
        return [a for a in self.store.actions_for_message(caller_oid, internet_message_id)
                if a.kind == "recall"]

    def _read_reports(self, action: ActionRecord, graph: GraphClient,
                      people: list[Person]) -> reports.RecallReport | None:
        """The reports about this recall that we believe, merged (docs/recall-reports.md).

        Graph round trips: the Inbox since the recall, light fields only (sender, class,
        conversation, headers: no bodies); the bodies of the few candidates (Exchange's own
        mail marked as a report) in one call; the original message only when a report names
        no message id and the conversation must decide. The tenant's verified domains come
        from the eligibility check's cache (read once more only when it has expired).
        """
        domains = self._verified_domains(action, graph)
        since = action.created_at - REPORT_LOOKBACK
        candidates = []
        for item in graph_mail.inbox_since(graph, since):
            mail = _report_mail(item, None)
            if reports.might_be_report(mail, domains):
                candidates.append(item)
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
                  stored: dict[str, RecipientOutcome]) -> dict[str, RecipientOutcome]:
        outcomes: dict[str, RecipientOutcome] = dict(stored)

        def offer(candidate: RecipientOutcome) -> None:
            current = outcomes.get(candidate.address)
            if (current is None or current.status == "pending"
                    or _SOURCE_RANK[candidate.source] >= _SOURCE_RANK[current.source]):
                outcomes[candidate.address] = candidate

        wanted = {p.address for p in people}
        if report is not None:
            for entry in report.recipients:
                if entry.address in wanted:
                    offer(RecipientOutcome(entry.address, entry.status, "report",
                                           _reason_code(entry)))
        if app_graph is not None and action.internet_message_id:
            internal = [p.address for p in people if p.kind in ("internal_user",
                                                                "shared_mailbox")]
            if internal:
                copies = graph_mail.find_copies(app_graph, internal, action.internet_message_id)
                for address, lookup in copies.items():
                    if lookup.error is not None:
                        continue
                    if lookup.copy is None:
                        offer(RecipientOutcome(address, "succeeded", "deep_check",
                                               "copy_removed"))
                    elif outcomes.get(address) is None or outcomes[address].status != "failed":
                        offer(RecipientOutcome(address, "pending", "deep_check", "copy_present"))
        return {a: o for a, o in outcomes.items() if a in wanted}

    def _json(self, action: ActionRecord, people: list[Person],
              outcomes: dict[str, RecipientOutcome], now: dt.datetime,
              report_found: bool) -> dict[str, Any]:
        recipients = []
        for person in people:
            outcome = outcomes.get(person.address)
            status = outcome.status if outcome else "pending"
            reason = None
            if outcome is not None and outcome.source == "eligibility":
                reason = {"code": person.reason_code, "text": person.reason_text}
            elif outcome is not None and outcome.reason_code:
                reason = {"code": outcome.reason_code, "text": _OUTCOME_TEXTS.get(
                    outcome.reason_code, outcome.reason_code)}
            recipients.append({"address": person.address, "name": person.name,
                               "status": status, "reason": reason,
                               "source": outcome.source if outcome else None})
        summary = {k: sum(1 for r in recipients if r["status"] == k)
                   for k in ("succeeded", "failed", "pending")}
        state = action.state
        settled = state == "failed" or (state != "recorded" and summary["pending"] == 0)
        return {
            "id": action.id, "status": state, "messageId": action.message_id,
            "internetMessageId": action.internet_message_id,
            "requestedAt": _iso(action.created_at), "lastCheckedAt": _iso(now),
            "reportReceived": report_found, "settled": settled, "summary": summary,
            "recipients": recipients,
            "error": ({"code": action.error_code, "message": action.error_message}
                      if action.error_code else None),
            "statusMessage": getattr(action, "status_message", None),
        }


_OUTCOME_TEXTS = {
    "copy_removed": "Their copy is gone from their mailbox.",
    "copy_present": "Their copy is still in their mailbox.",
    "report_failed": "The recall report says recall failed for this recipient.",
    "report_succeeded": "The recall report says the message was removed.",
    "report_pending": "The recall report says recall is still being tried.",
}


def _report_mail(item: graph_mail.InboxItem,
                 body: graph_mail.ItemBody | None) -> reports.InboxMessage:
    """An Inbox item as the report rules read it (``body`` None: not fetched yet)."""
    return reports.InboxMessage(
        subject=item.subject, body=body.content if body else "",
        body_type=(body.content_type if body and body.content_type in ("html", "text")
                   else None),  # type: ignore[arg-type]
        received_at=item.received_at, sender=item.sender, message_class=item.message_class,
        conversation_id=item.conversation_id, headers=item.headers, account=item.account)


def _changed(before: RecipientOutcome | None, after: RecipientOutcome) -> bool:
    return before is None or (before.status, before.source, before.reason_code) != (
        after.status, after.source, after.reason_code)


def _reason_code(entry: reports.RecipientOutcome) -> str:
    return f"report_{entry.status}"


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def action_summary(action: ActionRecord) -> dict[str, Any]:
    """The short answer to a recall request (also what a replay of it returns)."""
    return {"id": action.id, "status": action.state, "messageId": action.message_id}


__all__ = ["RecallService", "Person", "people_of", "action_summary", "RecallAssistantError"]
