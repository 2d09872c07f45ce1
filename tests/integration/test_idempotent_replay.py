"""A replayed answer says so (``Idempotent-Replayed: true``) and carries its own request id."""

from __future__ import annotations

import uuid

from recall_assistant.graph import mail_actions
from recall_assistant.graph.errors import GraphThrottled

COPIES = "AAMkAGRlbW8-sent09_copies"


def pane(live):
    session = live.session()
    token = session.get(f"{live.url}/sandbox/token", params={"user": "adele@contoso.com"})
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def test_the_first_answer_is_not_marked_and_its_replay_is(live_server):
    session, key = pane(live_server), uuid.uuid4().hex
    url, body = f"{live_server.url}/api/recalls", {"messageId": COPIES}
    first = session.post(url, json=body, headers={"Idempotency-Key": key})
    again = session.post(url, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 202
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_a_replayed_error_has_the_replaying_requests_id(live_server, monkeypatch):
    def throttled(*args, **kwargs):
        raise GraphThrottled(graph_status=429)

    monkeypatch.setattr(mail_actions, "recall_message", throttled)
    session, key = pane(live_server), uuid.uuid4().hex
    url, body = f"{live_server.url}/api/recalls", {"messageId": COPIES}
    first = session.post(url, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 429
    again = session.post(url, json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 429
    assert again.headers["Idempotent-Replayed"] == "true"
    error = again.json()["error"]
    assert error["code"] == first.json()["error"]["code"] == "graph_throttled"
    assert error["requestId"] == again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
