"""The message, its folder and the tenant's domains: one round trip, the message's error first."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from recall_assistant.graph.client import GraphClient
from recall_assistant.graph.errors import GraphForbidden, GraphNotFound
from recall_assistant.graph.message_context import load_message_context

BASE = "https://graph.test"
V1 = f"{BASE}/v1.0"

MESSAGE = {"id": "MSG-1", "subject": "Pricing", "sentDateTime": "2026-11-27T08:00:00Z",
           "parentFolderId": "SENT-ID", "internetMessageId": "<m1@contoso.com>",
           "toRecipients": [{"emailAddress": {"address": "ben@contoso.com", "name": "Ben"}}]}
FOLDER = {"id": "SENT-ID"}
ORGANIZATION = {"value": [{"verifiedDomains": [{"name": "Contoso.com"},
                                               {"name": "contoso.onmicrosoft.com"}]}]}
NOT_FOUND = {"error": {"code": "ErrorItemNotFound", "message": "Not found."}}
DENIED = {"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}}


@pytest.fixture
def graph() -> GraphClient:
    return GraphClient(requests.Session(), BASE, lambda: "tok", sleep=lambda s: None,
                       rng=lambda: 0.5)


class FakeBatch:
    """Answers each inner GET by its path; remembers every batch it was sent."""

    def __init__(self, answers: dict[str, tuple[int, dict]]):
        self.answers = answers
        self.sent: list[list[dict]] = []

    def __call__(self, request):
        inner = json.loads(request.body)["requests"]
        self.sent.append(inner)
        responses_ = []
        for entry in reversed(inner):  # Graph answers in any order
            status, body = self.answers[urlsplit(entry["url"]).path]
            responses_.append({"id": entry["id"], "status": status, "body": body,
                               "headers": {"Content-Type": "application/json"}})
        return 200, {}, json.dumps({"responses": responses_})


def serve(mocked_http, answers: dict[str, tuple[int, dict]]) -> FakeBatch:
    fake = FakeBatch(answers)
    mocked_http.add_callback(responses.POST, f"{V1}/$batch", fake, content_type="application/json")
    return fake


def test_what_is_not_cached_comes_with_the_message_in_one_batch(mocked_http, graph):
    fake = serve(mocked_http, {"/me/messages/MSG-1": (200, MESSAGE),
                          "/me/mailFolders/sentitems": (200, FOLDER),
                          "/organization": (200, ORGANIZATION)})
    loaded = load_message_context(graph, "MSG-1", sent_items=True, domains=True)
    assert len(mocked_http.calls) == 1 and len(fake.sent) == 1
    urls = [entry["url"] for entry in fake.sent[0]]
    assert [urlsplit(u).path for u in urls] == [
        "/me/messages/MSG-1", "/me/mailFolders/sentitems", "/organization"]
    assert parse_qs(urlsplit(urls[0]).query)["$select"][0].split(",")[:3] == [
        "id", "subject", "sentDateTime"]
    assert parse_qs(urlsplit(urls[1]).query) == {"$select": ["id"]}
    assert parse_qs(urlsplit(urls[2]).query) == {"$select": ["verifiedDomains"]}
    assert loaded.message.id == "MSG-1" and loaded.message.folder_id == "SENT-ID"
    assert [a.address for a in loaded.message.recipients] == ["ben@contoso.com"]
    assert loaded.sent_items_id == "SENT-ID"
    assert loaded.domains == ("contoso.com", "contoso.onmicrosoft.com")


def test_only_what_is_asked_is_fetched(mocked_http, graph):
    fake = serve(mocked_http, {"/me/messages/MSG-1": (200, MESSAGE),
                          "/organization": (200, ORGANIZATION)})
    loaded = load_message_context(graph, "MSG-1", sent_items=False, domains=True)
    assert [urlsplit(e["url"]).path for e in fake.sent[0]] == ["/me/messages/MSG-1",
                                                              "/organization"]
    assert loaded.sent_items_id is None and loaded.domains is not None


def test_with_everything_cached_the_message_is_a_plain_get(mocked_http, graph):
    mocked_http.get(f"{V1}/me/messages/MSG-1", json=MESSAGE)
    loaded = load_message_context(graph, "MSG-1", sent_items=False, domains=False)
    assert [c.request.method for c in mocked_http.calls] == ["GET"]
    assert loaded.message.subject == "Pricing"
    assert loaded.sent_items_id is None and loaded.domains is None


def test_the_messages_own_error_comes_first(mocked_http, graph):
    serve(mocked_http, {"/me/messages/GONE": (404, NOT_FOUND),
                   "/me/mailFolders/sentitems": (403, DENIED),
                   "/organization": (200, ORGANIZATION)})
    with pytest.raises(GraphNotFound):
        load_message_context(graph, "GONE", sent_items=True, domains=True)


def test_a_failed_folder_look_up_is_not_taken_for_an_answer(mocked_http, graph):
    serve(mocked_http, {"/me/messages/MSG-1": (200, MESSAGE),
                   "/me/mailFolders/sentitems": (403, DENIED),
                   "/organization": (200, ORGANIZATION)})
    with pytest.raises(GraphForbidden):
        load_message_context(graph, "MSG-1", sent_items=True, domains=True)


def test_another_users_mailbox_is_named_in_every_path(mocked_http, graph):
    fake = serve(mocked_http, {"/users/u-1/messages/MSG-1": (200, MESSAGE),
                          "/users/u-1/mailFolders/sentitems": (200, FOLDER)})
    load_message_context(graph, "MSG-1", sent_items=True, domains=False, user="u-1")
    assert [urlsplit(e["url"]).path for e in fake.sent[0]] == [
        "/users/u-1/messages/MSG-1", "/users/u-1/mailFolders/sentitems"]


def test_recipients_graph_cannot_have_sent_are_left_out():
    from types import MappingProxyType

    from recall_assistant.graph.mail import parse_message

    message = parse_message({**MESSAGE, "toRecipients": [
        {"emailAddress": {"address": " Ben@Contoso.com ", "name": "Ben"}},
        MappingProxyType({"emailAddress": MappingProxyType({"address": "eve@contoso.com"})}),
        {"emailAddress": "not an object"}, "not an object", None, {"other": 1},
        {"emailAddress": {"address": "", "name": ""}},
    ]})
    assert [(a.address, a.name) for a in message.recipients] == [
        ("ben@contoso.com", "Ben"), ("eve@contoso.com", "eve@contoso.com")]
