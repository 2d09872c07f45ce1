"""A gateway time-out (504) from Graph on an action means "we cannot know", never "failed".

Found by the reliability suite's fault drill: Graph's 504 may come after the workload behind
the gateway did the work (the client's own docstring says so, and retries only idempotent
requests on it), yet a recall or a send that got one was recorded as failed, which tells the
sender it did not happen. It must read as unknown, like a read time-out.
"""

from __future__ import annotations

import pytest
import requests
import responses

from recall_assistant.api.graph_errors import api_error
from recall_assistant.graph.client import GraphClient
from recall_assistant.graph.errors import GraphOutcomeUnknown, GraphUnavailable

BASE = "https://graph.example.test"
URL = f"{BASE}/beta/me/mailFolders/sentitems/messages/m1/recall"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def client() -> GraphClient:
    return GraphClient(requests.Session(), BASE, lambda: "token", sleep=lambda s: None)


def test_a_504_on_an_action_is_an_unknown_outcome_and_is_not_retried(mocked):
    mocked.post(URL, status=504, json={"error": {"code": "GatewayTimeout", "message": "late"}})
    mocked.post(URL, status=202)
    with pytest.raises(GraphOutcomeUnknown) as caught:
        client().post("/me/mailFolders/sentitems/messages/m1/recall", version="beta")
    assert api_error(caught.value).status == 504
    assert caught.value.code == "graph_outcome_unknown"
    assert len(mocked.calls) == 1


def test_a_504_on_a_read_is_still_retried_and_then_unavailable(mocked):
    mocked.get(f"{BASE}/v1.0/me", status=504, json={})
    with pytest.raises(GraphUnavailable) as caught:
        client().get("/me")
    assert not isinstance(caught.value, GraphOutcomeUnknown)
    assert len(mocked.calls) > 1
