"""Delete and replace: when the recall went through but the correction after it did not, the
answer says so, instead of an error that hides the recall.

Found by the fault drill: the correction's gateway time-out became the answer to the whole
request (504 ``graph_outcome_unknown``, replayed to every retry), so the pane said the recall's
outcome was unknown while it had been submitted (the audit log said so).
"""

from __future__ import annotations

from recall_assistant.graph import mail_actions
from recall_assistant.graph.errors import GraphOutcomeUnknown
from recall_assistant.sandbox.options import SandboxOptions
from tests.support.reliability import COPIES, client, new_key


def test_a_failed_correction_after_a_recall_is_reported_beside_the_recall(
        live_server_factory, monkeypatch):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.2))
    pane = client(live)

    def no_answer(*args, **kwargs):
        raise GraphOutcomeUnknown(graph_message="ReadTimeout")

    monkeypatch.setattr(mail_actions, "send_draft", no_answer)
    key, body = new_key(), {"messageId": COPIES, "replaceWith": {"templateId": "please-disregard"}}
    answer = pane.post(f"{live.url}/api/recalls", json=body, headers={"Idempotency-Key": key})
    assert answer.status_code == 202, answer.text
    recall = answer.json()
    assert recall["status"] == "submitted"
    assert recall["correction"]["status"] == "unknown"
    assert recall["correction"]["error"]["code"] == "graph_outcome_unknown"
    store = live.app.extensions["recall_assistant"].store
    correction = store.get_action(recall["correction"]["id"])
    assert correction.kind == "correction" and correction.parent_id == recall["id"]
    assert len(live.sandbox.mail.recalls) == 1
    again = pane.post(f"{live.url}/api/recalls", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 202 and again.json() == recall
    assert len(live.sandbox.mail.recalls) == 1
