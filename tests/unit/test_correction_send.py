"""Sending a correction (services/correction.py) against a mocked Graph: the body is replaced,
the draft is read back, and a draft that still holds the original is deleted, never sent."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from recall_assistant.graph.client import GraphClient
from recall_assistant.graph.errors import GraphNotFound
from recall_assistant.recall.model import (
    EligibilityResult,
    EligibilitySummary,
    RecipientVerdict,
    SentMessage,
)
from recall_assistant.services.correction import (
    CorrectionNotAsPreviewed,
    CorrectionQuotesOriginal,
    CorrectionService,
)
from recall_assistant.store import Store
from recall_assistant.store.db import make_engine

BASE = "https://graph.test"
V1 = f"{BASE}/v1.0"
ORIGINAL = "<p>Our floor price for the renewal is 42,000. Do not share this outside Contoso.</p>"
QUOTE = ('<hr><div id="divRplyFwdMsg"><b>From:</b> Adele Vance<br><b>Subject:</b> Pricing for '
         "the Fabrikam renewal</div>")


@dataclass(frozen=True)
class Person:
    oid: str = "oid-adele"
    tid: str = "tid-contoso"
    address: str = "adele@contoso.com"
    name: str = "Adele Vance"


def verdict(address: str, field: str = "to", result: str = "likely") -> RecipientVerdict:
    return RecipientVerdict(address=address, name=address.split("@")[0].title(), field=field,
                            kind="internal_user", verdict=result, reasons=(),
                            suggestion="recall")


CHECKED = EligibilityResult(
    message=SentMessage(id="m1", subject="Pricing for the Fabrikam renewal",
                        sent_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
                        internet_message_id="<m1@contoso.com>", sender="adele@contoso.com"),
    summary=EligibilitySummary(verdict="recallable", recallable=2, total=2, headline=""),
    recipients=(verdict("alex@contoso.com"), verdict("megan@contoso.com", "cc")),
    checked_with="delegated")


class FakeDraft:
    """Graph's side of one draft: createReplyAll quotes the original, PATCH sets the body
    (unless told to ignore it), GET reads it back."""

    def __init__(self, mocked: responses.RequestsMock, *, original: str = ORIGINAL,
                 ignore_body: bool = False, has_attachments: bool = False):
        self.original, self.ignore_body = original, ignore_body
        self.body = "<p>&nbsp;</p>" + QUOTE + original
        self.has_attachments = has_attachments
        json_type = {"content_type": "application/json"}
        mocked.add_callback(responses.GET, f"{V1}/me/messages/m1", callback=self._original,
                            **json_type)
        mocked.add(responses.POST, f"{V1}/me/messages/m1/createReplyAll", status=201,
                   json={"id": "d1"})
        mocked.add_callback(responses.PATCH, f"{V1}/me/messages/d1", callback=self._patch,
                            **json_type)
        mocked.add_callback(responses.GET, f"{V1}/me/messages/d1", callback=self._get,
                            **json_type)
        mocked.add(responses.POST, f"{V1}/me/messages/d1/send", status=202)
        mocked.add(responses.DELETE, f"{V1}/me/messages/d1", status=204)
        self.mocked = mocked

    def _original(self, request):
        return 200, {}, json.dumps({"body": {"contentType": "html", "content": self.original},
                                    "hasAttachments": True})

    def _patch(self, request):
        body = json.loads(request.body)
        if "body" in body and not self.ignore_body:
            self.body = body["body"]["content"]
        return 200, {}, json.dumps({"id": "d1"})

    def _get(self, request):
        return 200, {}, json.dumps({"body": {"contentType": "html", "content": self.body},
                                    "hasAttachments": self.has_attachments})

    def calls(self) -> list[str]:
        return [f"{c.request.method} {urlsplit(c.request.url).path.removeprefix('/v1.0')}"
                for c in self.mocked.calls]

    def sent(self) -> bool:
        return "POST /me/messages/d1/send" in self.calls()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def graph() -> GraphClient:
    return GraphClient(requests.Session(), BASE, lambda: "tok", sleep=lambda s: None,
                       rng=lambda: 0.5)


@pytest.fixture
def store() -> Store:
    return Store(make_engine("sqlite:///:memory:"))


@pytest.fixture
def service(store) -> CorrectionService:
    return CorrectionService(store, eligibility=None, templates_dir=None)  # type: ignore[arg-type]


def send(service, graph, audience="all", selected=None):
    draft = service.replacement(Person(), CHECKED, "please-disregard", {}, audience, selected)
    return draft, service.send(Person(), CHECKED, draft, claim=None, graph=graph,
                               template_id="please-disregard", audience=audience,
                               request_id="req-1")


def test_the_body_is_replaced_and_read_back_before_it_is_sent(mocked, graph, service):
    fake = FakeDraft(mocked)
    draft, action = send(service, graph)
    assert fake.calls() == ["GET /me/messages/m1", "POST /me/messages/m1/createReplyAll",
                            "PATCH /me/messages/d1", "GET /me/messages/d1",
                            "POST /me/messages/d1/send"]
    # Nothing asked of createReplyAll; one PATCH sets body, recipients and subject.
    assert json.loads(mocked.calls[1].request.body) == {}
    patch = json.loads(mocked.calls[2].request.body)
    assert patch["body"] == {"contentType": "html", "content": draft.rendered.html_body}
    assert patch["subject"] == "Please disregard: Pricing for the Fabrikam renewal"
    assert [r["emailAddress"]["address"] for r in patch["toRecipients"]] == ["alex@contoso.com"]
    assert [r["emailAddress"]["address"] for r in patch["ccRecipients"]] == ["megan@contoso.com"]
    read_back = parse_qs(urlsplit(mocked.calls[3].request.url).query)
    assert read_back["$select"] == ["body,hasAttachments"]
    # The original is read as stored (HTML), the same form as the draft.
    assert "Prefer" not in mocked.calls[0].request.headers
    assert fake.body == draft.rendered.html_body
    assert action.state == "completed"


def refused_events(store):
    return [(e.event, e.result, (e.details or {}).get("errorCode"))
            for e in store.iter_audit() if e.event.startswith("correction")]


def test_a_draft_that_still_quotes_the_original_is_deleted_and_nothing_is_sent(
        mocked, graph, service, store):
    fake = FakeDraft(mocked, ignore_body=True)
    with pytest.raises(CorrectionQuotesOriginal) as refused:
        send(service, graph)
    assert refused.value.status == 422
    assert refused.value.code == "correction_quotes_original"
    assert refused.value.message == ("The correction still held text of the original "
                                     "message, so it was not sent. Nothing was sent.")
    assert not fake.sent()
    assert fake.calls()[-1] == "DELETE /me/messages/d1"
    [action] = store.actions_for_message("oid-adele", "<m1@contoso.com>")
    assert (action.state, action.error_code) == ("failed", "correction_quotes_original")
    assert refused_events(store) == [
        ("correction.requested", "recorded", None),
        ("correction.failed", "failed", "correction_quotes_original")]
    # The audit says how much was found, never what.
    failed = [e for e in store.iter_audit() if e.event == "correction.failed"][0]
    assert "floor" not in json.dumps(failed.details)


def test_a_draft_with_attachments_is_refused_too(mocked, graph, service, store):
    fake = FakeDraft(mocked, has_attachments=True)
    with pytest.raises(CorrectionQuotesOriginal) as refused:
        send(service, graph)
    assert refused.value.details == {"quotedRuns": 0, "attachments": True}
    assert not fake.sent()
    assert "DELETE /me/messages/d1" in fake.calls()


def test_a_draft_whose_body_was_not_set_is_refused_even_when_the_original_is_just_hi(
        mocked, graph, service, store):
    fake = FakeDraft(mocked, original="<p>Hi</p>", ignore_body=True)
    with pytest.raises(CorrectionNotAsPreviewed) as refused:
        send(service, graph)
    assert (refused.value.status, refused.value.code) == (422, "correction_not_as_previewed")
    assert not fake.sent()
    assert "DELETE /me/messages/d1" in fake.calls()
    [action] = store.actions_for_message("oid-adele", "<m1@contoso.com>")
    assert (action.state, action.error_code) == ("failed", "correction_not_as_previewed")


def test_a_failed_read_back_sends_nothing(mocked, graph, service, store):
    fake = FakeDraft(mocked)
    mocked.replace(responses.GET, f"{V1}/me/messages/d1", status=404,
                   json={"error": {"code": "ErrorItemNotFound", "message": "Not found."}})
    with pytest.raises(GraphNotFound):
        send(service, graph)
    assert not fake.sent()
    [action] = store.actions_for_message("oid-adele", "<m1@contoso.com>")
    assert action.state == "failed"


def recall(store) -> str:
    return store.begin_action(kind="recall", actor=Person(), message_id="m1",
                              internet_message_id="<m1@contoso.com>").id


def test_delete_and_replace_goes_to_its_own_audience_through_the_same_check(
        mocked, graph, service, store):
    fake = FakeDraft(mocked)
    parent = recall(store)
    action = service.send_after_recall(Person(), CHECKED, "please-disregard", {}, graph=graph,
                                       parent_id=parent, request_id="req-2",
                                       audience="selected", selected=["megan@contoso.com"])
    patch = json.loads(mocked.calls[2].request.body)
    assert patch["toRecipients"] == []
    assert [r["emailAddress"]["address"] for r in patch["ccRecipients"]] == ["megan@contoso.com"]
    assert (action.state, action.parent_id) == ("completed", parent)
    assert action.request["audience"] == "selected"
    assert fake.sent()


def test_delete_and_replace_refuses_a_draft_that_quotes_the_original(mocked, graph, service,
                                                                      store):
    fake = FakeDraft(mocked, ignore_body=True)
    parent = recall(store)
    with pytest.raises(CorrectionQuotesOriginal):
        service.send_after_recall(Person(), CHECKED, "please-disregard", {}, graph=graph,
                                  parent_id=parent, request_id="req-2")
    assert not fake.sent()
    [action] = [a for a in store.actions_for_message("oid-adele", "<m1@contoso.com>")
                if a.kind == "correction"]
    assert (action.state, action.parent_id, action.error_code) == (
        "failed", parent, "correction_quotes_original")
