"""Use case: "recall this message". One recall per message; "Try again" only for the people a
settled recall may not have reached; "delete and replace" sends its correction once the recall
is accepted, and reports that correction's failure beside the recall, which went through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import i18n
from ..errors import RecallAssistantError
from ..graph.errors import GraphError
from ..store import ActionRecord, AlreadyRecalled, Store
from .correction import CorrectionService
from .eligibility import ItemRef
from .once import before_action
from .recall import NothingToRetry, RecallService
from .recall_progress import ActionFailure, CorrectionState
from .session import Session


@dataclass(frozen=True)
class Replacement:
    """"Delete and replace": the correction sent after the recall, and to whom."""

    template_id: str
    values: dict[str, Any]
    audience: str
    recipients: list[str]
    reader: i18n.Reader


@dataclass(frozen=True)
class RecallAnswer:
    """What a recall request did: ``action`` is the recall asked for now (or the retry), or
    with ``already`` the message's first recall, shown again; ``correction`` is "delete and
    replace"'s, when it was asked for."""

    action: ActionRecord
    already: bool = False
    correction: CorrectionState | None = None


class RecallRequests:
    """Runs one recall request of the caller's (inside ``run_once``: ``claim`` is its key)."""

    def __init__(self, store: Store, recalls: RecallService, corrections: CorrectionService):
        self.store = store
        self.recalls = recalls
        self.corrections = corrections

    def request(self, actor: Any, session: Session, item: ItemRef, *, claim: Any,
                request_id: str | None, retry: bool = False,
                replace: Replacement | None = None) -> RecallAnswer:
        checked = before_action(lambda: self.recalls.prepare(
            session.sender, item, session.graph, session.app_graph))
        earlier = self.recalls.earlier_recall(actor.oid, checked.message.internet_message_id)
        if retry:
            return self._retry(actor, session, checked, earlier, claim, request_id)
        if earlier is not None:
            # One recall per message: show the first, ask Exchange nothing (replaceWith too).
            return RecallAnswer(earlier, already=True)
        draft = None
        if replace is not None:
            # The correction's fields and audience are checked before anything is recalled.
            draft = before_action(lambda: self.corrections.replacement(
                actor, checked, replace.template_id, replace.values, replace.audience,
                replace.recipients, replace.reader))
        try:
            action = self.recalls.recall(
                actor, checked, claim=claim, graph=session.graph, request_id=request_id,
                replace_with=replace.template_id if replace else None)
        except AlreadyRecalled as first:
            # Another request recalled it since our look (two panes at once): show that one.
            return RecallAnswer(first.action, already=True)
        if replace is None:
            return RecallAnswer(action)
        return RecallAnswer(action, correction=self._correction_after(
            actor, session, checked, replace, draft, action, request_id))

    def _retry(self, actor: Any, session: Session, checked: Any, earlier: Any, claim: Any,
               request_id: str | None) -> RecallAnswer:
        if earlier is None:
            before_action(_nothing_to_retry)
        people = before_action(lambda: self.recalls.retryable_people(
            actor.oid, earlier, session.graph, session.app_graph))
        attempt = self.recalls.retry(actor, earlier, people, message_id=checked.message.id,
                                     claim=claim, graph=session.graph, request_id=request_id)
        return RecallAnswer(attempt)

    def _correction_after(self, actor: Any, session: Session, checked: Any,
                          replace: Replacement, draft: Any, recall: Any,
                          request_id: str | None) -> CorrectionState:
        try:
            correction = self.corrections.send_after_recall(
                actor, checked, replace.template_id, replace.values, graph=session.graph,
                parent_id=recall.id, request_id=request_id, audience=replace.audience,
                selected=replace.recipients, draft=draft)
        except (RecallAssistantError, GraphError) as error:
            recorded = [a for a in self.store.actions_for_message(
                actor.oid, recall.internet_message_id or "")
                if a.kind == "correction" and a.parent_id == recall.id]
            return CorrectionState(recorded[-1].id if recorded else None,
                                   recorded[-1].state if recorded else "failed",
                                   ActionFailure(error.code, error.message), None)
        return CorrectionState(correction.id, correction.state, None, None)


def _nothing_to_retry() -> None:
    raise NothingToRetry()
