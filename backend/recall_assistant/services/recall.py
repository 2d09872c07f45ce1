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
from typing import Any

from .. import metrics
from ..errors import Conflict
from ..graph import mail as graph_mail
from ..graph import mail_actions
from ..graph.client import GraphClient
from ..graph.errors import GraphError, GraphOutcomeUnknown
from ..recall import outcomes as rules
from ..recall import report as reports
from ..recall.model import EligibilityResult
from ..store import ActionNotFound, ActionRecord, RecipientOutcome, Store
from ..store.records import InvalidTransition
from .eligibility import EligibilityService, ItemRef
from .recall_progress import (
    Attempt,
    Person,
    RecallProgress,
    correction_line,
    has_changed,
    line_of,
    people_in,
    people_of,
    progress,
    reached_by_recall,
)
from .recall_reports import ReportReader
from .session import Sender, Session

log = logging.getLogger(__name__)



class NothingToRetry(Conflict):
    code = "nothing_to_retry"
    message = ("There is no one to try the recall again for: it is still under way, or "
               "everyone's copy is removed or out of its reach.")


class RecallService:
    """Recalls a caller's sent message and reports per-recipient outcomes."""

    def __init__(self, store: Store, eligibility: EligibilityService,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC), *,
                 report_wait_s: float = rules.DEFAULT_WAIT_S):
        self.store = store
        self.eligibility = eligibility
        self.reports = ReportReader(eligibility.cache)
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
        now = self.status(caller_oid, primary.id, graph, app_graph)
        wanted = {r.address for r in now.recipients if r.retryable}
        people = [p for p in people_in(primary) if p.address in wanted]
        if not now.settled or not people:
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
        earlier = [item.id for item in self.reports.candidates(primary, graph)[1]]
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
               app_graph: GraphClient | None, *, request_id: str | None = None,
               language: str = "en") -> RecallProgress:
        """The recall as it stands: reports read afresh, outcomes recorded, state settled;
        reasons in ``language``.

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
        return progress(attempts, now, correction_line(action, related), self._wait_s(action),
                        language)

    def latest(self, session: Session, *, item: ItemRef | None = None,
               internet_message_id: str | None = None,
               language: str = "en") -> list[RecallProgress]:
        """The caller's recalls of one message as they stand, newest first, at most five. By
        its Internet message id the message is not read again (only the caller's own recalls
        are looked at); by its Graph id it is, to check it is theirs and learn that id."""
        if internet_message_id is None:
            message, _ = self.eligibility.sent_message(session.sender, item, session.graph)
            internet_message_id = message.internet_message_id
        owner = session.sender.user_id
        found = sorted(self.for_message(owner, internet_message_id), key=lambda a: a.created_at,
                       reverse=True)
        return [self.status(owner, a.id, session.graph, session.app_graph, language=language)
                for a in found[:5]]

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
        lines = {address: line_of(o) for address, o in stored.items()}
        report_found = False
        live = action.state in ("submitted", "completed", "unknown")
        if live:
            found = self.reports.read(action, graph)
            report_found = found is not None
            lines = self._outcomes(action, people, found, app_graph, lines, window)
        deadline = rules.wait_until(action.created_at, self._wait_s(action))
        over = live and now >= deadline
        lines = {p.address: rules.at_wait_limit(lines.get(p.address), over=over)
                 for p in people}
        # The pane polls: write only what changed, not every outcome on every poll.
        changed = [RecipientOutcome(address, line.status, line.source, line.reason_code)
                   for address, line in lines.items()
                   if line.source is not None and has_changed(stored.get(address), line)]
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


_METRIC_STATUS = {"succeeded": "succeeded", "failed": "failed", "pending": "pending",
                  "noReport": "no_report"}
