"""Reading a recall's reports: the "Message Recall Report" mails in the sender's Inbox that we
believe (docs/recall-reports.md). Microsoft gives no status API for recall, and the reports'
format is not documented, so they are parsed tolerantly by ``recall/report.py``."""

from __future__ import annotations

import datetime as dt
import logging

from ..graph import directory as graph_directory
from ..graph import mail as graph_mail
from ..graph.client import GraphClient
from ..graph.errors import GraphNotFound
from ..recall import report as reports
from ..recall.model import SentMessage
from ..store import ActionRecord
from .directory_cache import TtlCache

log = logging.getLogger(__name__)

# Recall reports are looked for from a little before the request (clocks differ).
REPORT_LOOKBACK = dt.timedelta(minutes=5)


class ReportReader:
    """Finds and parses the reports of one recall attempt; the tenant's verified domains are
    shared with the eligibility check's cache."""

    def __init__(self, cache: TtlCache):
        self.cache = cache

    def read(self, action: ActionRecord, graph: GraphClient) -> reports.RecallReport | None:
        """The reports about this recall that we believe, merged (docs/recall-reports.md).

        Graph round trips: the Inbox since the recall, light fields only (sender, class,
        conversation, headers: no bodies); the bodies of the few candidates (Exchange's own
        mail marked as a report) in one call; the original message only when a report names
        no message id and the conversation must decide. The tenant's verified domains come
        from the eligibility check's cache (read once more only when it has expired).
        """
        domains, candidates = self.candidates(action, graph)
        bodies = graph_mail.message_bodies(graph, [c.id for c in candidates])
        original: SentMessage | None = None
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

    def candidates(self, action: ActionRecord, graph: GraphClient
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
        domains = self.cache.get(key)
        if domains is None:
            domains = graph_directory.internal_domains(graph)
            self.cache.put(key, domains)
        return tuple(domains)


def _report_mail(item: graph_mail.InboxItem,
                 body: graph_mail.ItemBody | None) -> reports.InboxMessage:
    """An Inbox item as the report rules read it (``body`` None: not fetched yet)."""
    return reports.InboxMessage(
        subject=item.subject, body=body.content if body else "",
        body_type=(body.content_type if body and body.content_type in ("html", "text")
                   else None),  # type: ignore[arg-type]
        received_at=item.received_at, sender=item.sender, message_class=item.message_class,
        conversation_id=item.conversation_id, headers=item.headers, account=item.account)
