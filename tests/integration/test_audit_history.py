"""The audit log is each action's history: a row for every state change of a recall and its
correction, and for every change of a recipient's outcome, in order, each with the id of the
request that caused it. Against the sandbox tenant, through the real API."""

from __future__ import annotations

import time

import pytest
import requests

from recall_assistant.graph import mail_actions
from recall_assistant.graph.errors import GraphOutcomeUnknown
from recall_assistant.sandbox.options import SandboxOptions
from recall_assistant.store.records import DEFAULT_GRACE
from tests.integration.test_recall_api import COPIES, PRICING
from tests.support import PaneClient as Pane


def history(live, action_id: str) -> list:
    store = live.app.extensions["recall_assistant"].store
    return [e for e in store.iter_audit() if e.action_id == action_id]


def outcomes_of(event) -> dict[str, tuple[str, str]]:
    return {o["address"]: (o["status"], o["source"]) for o in event.details["outcomes"]}


def test_a_recall_and_its_correction_leave_their_whole_history(live_server_factory):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.3),
                               RA_RECALL_REPORT_WAIT_S="6")
    pane = Pane(live)
    posted = pane.recall(PRICING)
    assert posted.status_code == 202, posted.text
    recall_id, posted_by = posted.json()["id"], posted.headers["X-Request-ID"]
    polls = []  # each poll's request id, to tell which one caused each later row
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = pane.get(f"/api/recalls/{recall_id}")
        polls.append(answer.headers["X-Request-ID"])
        if answer.json()["settled"]:
            break
        time.sleep(0.2)
    assert answer.json()["settled"], answer.json()
    sent = pane.post("/api/corrections", {"messageId": PRICING, "templateId": "please-disregard",
                                          "audience": "unrecallable"})
    assert sent.status_code in (200, 201), sent.text

    rows = history(live, recall_id)
    assert [e.event for e in rows] == ["recall.requested", "recall.outcomes", "recall.submitted",
                                       "recall.outcomes", "recall.outcomes", "recall.completed"]
    requested, impossible, submitted, reported, waited, completed = rows
    # The recall's own request: recorded, the eligibility's verdict, Graph's acceptance.
    assert {requested.request_id, impossible.request_id, submitted.request_id} == {posted_by}
    assert outcomes_of(impossible) == {"jordan.miller@gmail.com": ("failed", "eligibility")}
    # The report and the end of the wait, each by the poll that read it.
    assert outcomes_of(reported) == {"alex@contoso.com": ("succeeded", "report"),
                                     "buyer@fabrikam.com": ("pending", "report")}
    assert outcomes_of(waited) == {"buyer@fabrikam.com": ("no_report", "wait_limit")}
    assert completed.details["endedBy"] == "wait_limit" and completed.details["noReport"] == 1
    assert {reported.request_id, waited.request_id, completed.request_id} <= set(polls)
    assert polls.index(reported.request_id) < polls.index(completed.request_id)
    # Append-only and in order: ids and times never go back.
    assert [e.id for e in rows] == sorted(e.id for e in rows)
    assert [e.occurred_at for e in rows] == sorted(e.occurred_at for e in rows)
    assert {e.actor_address for e in rows} == {"adele@contoso.com"}

    correction = history(live, sent.json()["id"])
    assert [(e.event, e.result) for e in correction] == [("correction.requested", "recorded"),
                                                         ("correction.completed", "ok")]
    assert {e.request_id for e in correction} == {sent.headers["X-Request-ID"]}
    assert correction[1].details == {"recipients": 2}  # gmail and the partner: not reached
    assert correction[0].id > completed.id

    # Polling a settled recall changes nothing, so it writes nothing.
    pane.get(f"/api/recalls/{recall_id}")
    assert len(history(live, recall_id)) == len(rows)


def test_a_crashed_recall_gets_its_unknown_row_once_when_first_seen(live, pane, monkeypatch):
    class ProcessDied(BaseException):
        pass

    def die(*args, **kwargs):
        raise ProcessDied()

    monkeypatch.setattr(mail_actions, "recall_message", die)
    with pytest.raises(requests.RequestException):  # the server thread dies mid-request
        pane.recall(COPIES, key="crash-key-77")
    monkeypatch.undo()
    store = live.app.extensions["recall_assistant"].store
    action = store.get_action(recalls_requested(store)[0])
    assert [e.event for e in history(live, action.id)] == ["recall.requested"]

    later = store.clock() + DEFAULT_GRACE * 2
    store.clock = lambda: later
    # Seen three ways, by the pane's retry of the same key, its status read and a reopened pane.
    replay = pane.recall(COPIES, key="crash-key-77")
    assert replay.json()["status"] == "unknown"
    assert pane.get(f"/api/recalls/{action.id}").json()["status"] == "unknown"
    assert pane.get("/api/recalls", messageId=COPIES).status_code == 200

    rows = history(live, action.id)
    assert [(e.event, e.result) for e in rows] == [("recall.requested", "recorded"),
                                                   ("recall.unknown", "unknown")]
    # Caused by the request that never finished, and saying why it is unknown.
    assert rows[1].request_id == rows[0].request_id
    assert rows[1].details == {"reason": "no_answer_within_grace",
                               "graceSeconds": int(DEFAULT_GRACE.total_seconds())}


def test_a_recall_graph_never_answered_says_unknown_with_its_request(live_server_factory,
                                                                     monkeypatch):
    live = live_server_factory()
    pane = Pane(live)

    def no_answer(*args, **kwargs):
        raise GraphOutcomeUnknown()

    monkeypatch.setattr(mail_actions, "recall_message", no_answer)
    answer = pane.recall(COPIES)
    assert answer.status_code == 504, answer.text
    store = live.app.extensions["recall_assistant"].store
    action = store.get_action(recalls_requested(store)[0])
    rows = history(live, action.id)
    assert [(e.event, e.result) for e in rows] == [("recall.requested", "recorded"),
                                                   ("recall.unknown", "unknown")]
    assert {e.request_id for e in rows} == {answer.headers["X-Request-ID"]}


def recalls_requested(store) -> list[str]:
    return [e.action_id for e in store.iter_audit() if e.event == "recall.requested"]
