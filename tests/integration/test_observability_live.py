"""Metrics and logs of real actions: a recall and a correction against the sandbox tenant."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY

from tests.integration.test_recall_api import COPIES, PRICING


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_recall_is_counted_once_and_its_outcomes_when_it_settles(pane):
    submitted = sample("recall_assistant_recalls_total", result="submitted")
    outcomes = {s: sample("recall_assistant_recall_recipient_outcomes_total", status=s)
                for s in ("succeeded", "failed")}
    started = pane.recall(COPIES)
    assert started.status_code == 202, started.text
    body = pane.wait_for_report(started.json()["id"])
    assert body["settled"] is True
    pane.get(f"/api/recalls/{started.json()['id']}")  # a poll after it settled counts nothing
    assert sample("recall_assistant_recalls_total", result="submitted") == submitted + 1
    summary = body["summary"]
    for status in ("succeeded", "failed"):
        assert (sample("recall_assistant_recall_recipient_outcomes_total", status=status)
                == outcomes[status] + summary[status])
    assert summary["succeeded"] + summary["failed"] == 3


def test_a_sent_correction_is_counted(pane):
    sent = sample("recall_assistant_corrections_total", result="sent")
    key = uuid.uuid4().hex
    body = {"messageId": PRICING, "templateId": "please-disregard", "audience": "all"}
    assert pane.post("/api/corrections", body, key).status_code == 201
    assert pane.post("/api/corrections", body, key).status_code == 201  # a replay sends nothing
    assert sample("recall_assistant_corrections_total", result="sent") == sent + 1


def test_the_demo_serves_metrics_with_graph_calls_in_them(live, pane):
    pane.post("/api/eligibility", {"itemId": COPIES}, key=None)
    response = live.session().get(f"{live.url}/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'route="/api/eligibility",status="200"' in text
    assert "recall_assistant_graph_requests_total" in text
