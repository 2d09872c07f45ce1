"""Typed Graph operations: the URLs and bodies they send, and the dataclasses they return."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import responses

from recall_assistant.graph.batch import run_batch
from recall_assistant.graph.client import GraphClient
from recall_assistant.graph.directory import (
    MAX_IN_VALUES,
    MAX_URL_CHARS,
    expand_group,
    internal_domains,
    mail_lookup_requests,
    mailbox_purposes,
    resolve_addresses,
)
from recall_assistant.graph.errors import GraphForbidden, GraphOutcomeUnknown
from recall_assistant.graph.mail import (
    EmailAddress,
    ItemBody,
    ews_to_rest_ids,
    find_copies,
    find_copy_request,
    get_message,
    inbox_since,
    message_bodies,
)
from recall_assistant.graph.mail_actions import (
    MessageBody,
    create_reply_all_draft,
    recall_message,
    reply_all,
    send_draft,
    update_draft,
)
from recall_assistant.recall.model import MessageRecipient

BASE = "https://graph.test"
V1 = f"{BASE}/v1.0"
BATCH = f"{V1}/$batch"


@dataclass
class FakeTime:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def client() -> GraphClient:
    fake = FakeTime()
    return GraphClient(requests.Session(), BASE, lambda: "tok", sleep=fake.sleep,
                       clock=fake.clock, rng=lambda: 0.5)


def query(url: str) -> dict[str, str]:
    """The decoded query of a URL (one value per name)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def in_values(filter_clause: str) -> list[str]:
    """The literal values of ``mail in ('a','b')``, quotes undoubled."""
    inside = filter_clause[filter_clause.index("(") + 1:filter_clause.rindex(")")]
    values, current, i = [], "", 0
    while i < len(inside):
        if inside[i] == "'":
            j = i + 1
            while True:
                if inside[j] == "'" and j + 1 < len(inside) and inside[j + 1] == "'":
                    current += "'"
                    j += 2
                elif inside[j] == "'":
                    break
                else:
                    current += inside[j]
                    j += 1
            values.append(current)
            current, i = "", j + 1
        else:
            i += 1
    return values


class Directory:
    """A $batch stand-in that answers ``mail in (...)`` look-ups from a set of users/groups."""

    def __init__(self, mocked: responses.RequestsMock, users: set[str], groups: set[str],
                 fail: Callable[[dict], dict | None] = lambda req: None):
        self.users, self.groups, self.fail = users, groups, fail
        self.batches: list[list[dict]] = []
        mocked.add_callback(responses.POST, BATCH, callback=self,
                            content_type="application/json")

    def __call__(self, request):
        inner = json.loads(request.body)["requests"]
        self.batches.append(inner)
        answers = []
        for req in inner:
            failure = self.fail(req)
            if failure:
                answers.append({"id": req["id"], **failure})
                continue
            url = req["url"]
            clause = query(url)["$filter"]
            pool = self.users if url.startswith("/users") else self.groups
            found = [{"id": f"id-{mail}", "mail": mail.upper(), "displayName": mail}
                     for mail in in_values(clause) if mail in pool]
            answers.append({"id": req["id"], "status": 200, "body": {"value": found}})
        return 200, {}, json.dumps({"responses": answers})


# -- directory ------------------------------------------------------------------------------

def test_lookups_hold_at_most_15_values_and_stay_under_the_url_limit(client):
    addresses = [f"person{i}@contoso.com" for i in range(500)]
    requests_ = mail_lookup_requests(client, "users", addresses, ("id", "mail"))

    assert len(requests_) == 34  # 15 addresses per `in` clause: 500 recipients are 34 look-ups
    seen = []
    for request in requests_:
        values = in_values(query(request.url)["$filter"])
        assert len(values) <= MAX_IN_VALUES
        assert len(client.url(request.url)) <= MAX_URL_CHARS
        seen.extend(values)
    assert seen == addresses


def test_long_addresses_make_smaller_lookups(client):
    addresses = [f"{'x' * 150}{i}@{'long-domain-' * 4}example.com" for i in range(30)]
    requests_ = mail_lookup_requests(client, "users", addresses, ("id", "mail"))
    assert all(len(client.url(r.url)) <= MAX_URL_CHARS for r in requests_)
    assert max(len(in_values(query(r.url)["$filter"])) for r in requests_) < MAX_IN_VALUES
    assert sum(len(in_values(query(r.url)["$filter"])) for r in requests_) == 30


def test_500_internal_addresses_take_one_round_of_four_batches(mocked, client):
    users = {f"person{i}@contoso.com" for i in range(500)}
    directory = Directory(mocked, users, set())

    book = resolve_addresses(client, sorted(users))
    assert len(book.users) == 500
    assert book.unresolved == ()
    # 34 user look-ups and 34 group look-ups, sent together: 4 batches at once, one round trip.
    assert len(directory.batches) == 4
    assert client.stats.calls == 4
    urls = [req["url"] for batch in directory.batches for req in batch]
    assert sum(u.startswith("/users?") for u in urls) == 34
    assert sum(u.startswith("/groups?") for u in urls) == 34


def test_more_than_one_round_holds_asks_groups_only_for_the_rest(mocked, client):
    users = {f"person{i}@contoso.com" for i in range(600)}
    groups = {"sales@contoso.com"}
    outsiders = [f"someone{i}@gmail.com" for i in range(199)]
    directory = Directory(mocked, users, groups)

    book = resolve_addresses(client, [*sorted(users), "Sales@Contoso.com", *outsiders])
    assert len(book.users) == 600
    assert book.find("SALES@contoso.com").id == "id-sales@contoso.com"
    assert set(book.unresolved) == set(outsiders)
    group_values = [v for batch in directory.batches for req in batch
                    if req["url"].startswith("/groups") for v in in_values(query(req["url"])["$filter"])]
    # Only what is not a user is asked about as a group.
    assert set(group_values) == {"sales@contoso.com", *outsiders}
    assert len(directory.batches) == 3 + 1  # users: 54 look-ups; groups: 14 (the rest)


def test_a_few_addresses_are_resolved_in_one_batch(mocked, client):
    directory = Directory(mocked, {"adele@contoso.com", "o'brien@contoso.com"},
                          {"sales@contoso.com"})
    book = resolve_addresses(client, ["Adele@contoso.com", "o'brien@contoso.com",
                                      "sales@contoso.com", "x@gmail.com", " ", "adele@contoso.com"])
    assert len(directory.batches) == 1
    assert set(book.users) == {"adele@contoso.com", "o'brien@contoso.com"}
    assert set(book.groups) == {"sales@contoso.com"}
    assert book.unresolved == ("x@gmail.com",)
    assert "'o''brien@contoso.com'" in unquote(directory.batches[0][0]["url"])


def test_a_failed_lookup_raises_instead_of_calling_people_external(mocked, client):
    Directory(mocked, set(), set(), fail=lambda req: {"status": 403, "body": {
        "error": {"code": "Authorization_RequestDenied", "message": "no"}}})
    with pytest.raises(GraphForbidden):
        resolve_addresses(client, ["adele@contoso.com"])


def test_internal_domains(mocked, client):
    mocked.get(f"{V1}/organization", json={"value": [{"verifiedDomains": [
        {"name": "Contoso.com", "isDefault": True}, {"name": "contoso.onmicrosoft.com"}]}]})
    assert internal_domains(client) == ("contoso.com", "contoso.onmicrosoft.com")
    assert query(mocked.calls[0].request.url) == {"$select": "verifiedDomains"}


def member(i: int, kind: str = "#microsoft.graph.user") -> dict:
    return {"@odata.type": kind, "id": f"m{i}", "mail": f"m{i}@contoso.com",
            "displayName": f"M {i}", "businessPhones": ["+1 555 0100"]}


def test_group_expansion_follows_pages_and_keeps_people(mocked, client):
    url = f"{V1}/groups/g1/transitiveMembers"
    mocked.get(url, json={"value": [member(1), member(2, "#microsoft.graph.group"),
                                    member(3, "#microsoft.graph.orgContact")],
                          "@odata.nextLink": f"{url}?$skiptoken=2"})
    mocked.get(url, json={"value": [member(4), member(5, "#microsoft.graph.device")]})

    expansion = expand_group(client, "g1")
    assert [(m.id, m.kind) for m in expansion.members] == [("m1", "user"), ("m3", "contact"),
                                                            ("m4", "user")]
    assert expansion.members[0].business_phones == ("+1 555 0100",)
    assert (expansion.total, expansion.total_exact, expansion.truncated) == (3, True, False)
    assert query(mocked.calls[0].request.url)["$select"] == "id,mail,displayName,businessPhones"
    # The nested group is not a person, but the pane names it under the group.
    assert expansion.nested_groups == ("M 2",)


def test_group_expansion_is_capped_and_reports_the_total(mocked, client):
    url = f"{V1}/groups/g1/transitiveMembers"
    for page in range(4):
        mocked.get(url, json={"value": [member(page * 10 + i) for i in range(10)],
                              "@odata.nextLink": f"{url}?$skiptoken={page + 1}"})
    capped = expand_group(client, "g1", max_members=15, max_pages=3)
    assert len(capped.members) == 15
    assert capped.total == 30
    assert capped.truncated
    assert not capped.total_exact  # Graph had a fourth page we did not read
    assert len(mocked.calls) == 3


def test_mailbox_purposes_keep_errors_per_mailbox(mocked, client):
    def answer(request):
        inner = json.loads(request.body)["requests"]
        out = []
        for req in inner:
            if "u1" in req["url"]:
                out.append({"id": req["id"], "status": 200, "body": {"value": "shared"}})
            else:
                out.append({"id": req["id"], "status": 403, "body": {"error": {"code": "",
                                                                               "message": "x"}}})
        return 200, {}, json.dumps({"responses": out})

    mocked.add_callback(responses.POST, BATCH, callback=answer, content_type="application/json")
    purposes = mailbox_purposes(client, ["u1", "u2"])
    assert purposes["u1"].purpose == "shared" and purposes["u1"].error is None
    assert purposes["u2"].purpose is None and isinstance(purposes["u2"].error, GraphForbidden)
    sent = json.loads(mocked.calls[0].request.body)["requests"]
    assert sent[0]["url"] == "/users/u1/mailboxSettings/userPurpose"


# -- mail -----------------------------------------------------------------------------------

def test_find_copy_quotes_and_encodes_the_internet_message_id():
    request = find_copy_request("alex@contoso.com", "<it's+a&b#c d@host>")
    assert request.url.startswith("/users/alex@contoso.com/messages?")
    raw_filter = request.url.split("$filter=", 1)[1].split("&$select=")[0]
    for char in "+&# <>":
        assert char not in raw_filter  # nothing that a query parser would misread
    assert query(request.url) == {
        "$filter": "internetMessageId eq '<it''s+a&b#c d@host>'",
        "$select": "id,isRead,parentFolderId",
    }


def test_find_copies_batches_and_reports_each_mailbox(mocked, client):
    def answer(request):
        inner = json.loads(request.body)["requests"]
        by_mailbox = {"/users/a@x.com": {"status": 200, "body": {"value": [
                          {"id": "c1", "isRead": True, "parentFolderId": "inbox"}]}},
                      "/users/b@x.com": {"status": 200, "body": {"value": []}},
                      "/users/c@x.com": {"status": 404, "body": {"error": {"code": "x"}}}}
        out = [{"id": req["id"], **by_mailbox[req["url"].split("/messages")[0]]}
               for req in inner]
        return 200, {}, json.dumps({"responses": out})

    mocked.add_callback(responses.POST, BATCH, callback=answer, content_type="application/json")
    found = find_copies(client, ["a@x.com", "b@x.com", "c@x.com"], "<m@x>")
    assert found["a@x.com"].copy.is_read is True
    assert found["b@x.com"].copy is None and found["b@x.com"].error is None
    assert found["c@x.com"].copy is None and found["c@x.com"].error.graph_status == 404


def test_get_message_returns_our_shape(mocked, client):
    mocked.get(f"{V1}/me/messages/AAMk%3D", json={
        "id": "AAMk=", "subject": "Q3 numbers", "sentDateTime": "2025-03-01T09:30:00Z",
        "internetMessageId": "<abc@contoso.com>", "hasAttachments": True,
        "parentFolderId": "sent", "conversationId": "conv",
        "from": {"emailAddress": {"name": "Adele", "address": "adele@contoso.com"}},
        "toRecipients": [{"emailAddress": {"name": "Alex", "address": "alex@contoso.com"}}],
        "ccRecipients": [], "bccRecipients": [{"emailAddress": {"address": "b@x.com"}}]})
    message = get_message(client, "AAMk=")

    assert message.sent_at == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert message.recipients == (MessageRecipient("alex@contoso.com", "Alex", "to"),
                                  MessageRecipient("b@x.com", "b@x.com", "bcc"))
    assert message.sender == "adele@contoso.com"
    assert message.has_attachments and message.folder_id == "sent"
    assert query(mocked.calls[0].request.url)["$select"] == (
        "id,subject,sentDateTime,internetMessageId,toRecipients,ccRecipients,bccRecipients,"
        "hasAttachments,parentFolderId,conversationId,from")


def test_ews_ids_are_translated(mocked, client):
    mocked.post(f"{V1}/me/translateExchangeIds", json={"value": [
        {"sourceId": "ews/1+", "targetId": "rest-1"}]})
    assert ews_to_rest_ids(client, ["ews/1+", "ews/1+"]) == {"ews/1+": "rest-1"}
    assert json.loads(mocked.calls[0].request.body) == {
        "inputIds": ["ews/1+"], "sourceIdType": "ewsId", "targetIdType": "restId"}


def test_inbox_since_reads_what_decides_without_bodies(mocked, client):
    url = f"{V1}/me/mailFolders/inbox/messages"
    mocked.get(url, json={"value": [
        {"id": "1", "subject": "Message Recall Report for message: Q3",
         "receivedDateTime": "2025-03-01T10:00:00Z", "conversationId": "conv",
         "from": {"emailAddress": {"name": "Microsoft Outlook",
                                   "address": "MicrosoftExchange329e@contoso.com"}},
         "sender": {"emailAddress": {"address": "MicrosoftExchange329e@contoso.com"}},
         "internetMessageHeaders": [{"name": "In-Reply-To", "value": "<a@b>"}],
         "singleValueExtendedProperties": [{"id": "String 0x1a",
                                            "value": "IPM.Recall.Report"}]},
        {"id": "2", "subject": "Lunch?", "receivedDateTime": "2025-03-01T10:01:00Z"}]})
    since = datetime(2025, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    first, second = inbox_since(client, since)

    assert (first.sender, first.account, first.conversation_id) == (
        "MicrosoftExchange329e@contoso.com", "MicrosoftExchange329e@contoso.com", "conv")
    assert first.message_class == "IPM.Recall.Report"  # Graph spells the id its own way
    assert first.headers == (("In-Reply-To", "<a@b>"),)
    assert (second.sender, second.message_class, second.headers) == (None, None, ())
    sent = query(mocked.calls[0].request.url)
    assert sent["$filter"] == "receivedDateTime ge 2025-03-01T09:00:00Z"
    assert "body" not in sent["$select"].split(",")
    assert sent["$select"].split(",") == ["id", "subject", "receivedDateTime", "from", "sender",
                                          "conversationId", "internetMessageHeaders"]
    assert sent["$expand"] == "singleValueExtendedProperties($filter=id eq 'String 0x001A')"
    with pytest.raises(ValueError):
        inbox_since(client, datetime(2025, 3, 1))


def test_message_bodies_one_get_or_one_batch(mocked, client):
    mocked.get(f"{V1}/me/messages/A", json={"body": {"contentType": "html", "content": "<p>a"}})
    assert message_bodies(client, ["A", "A", ""]) == {"A": ItemBody("<p>a", "html")}
    assert query(mocked.calls[0].request.url)["$select"] == "body"
    mocked.post(f"{V1}/$batch", json={"responses": [
        {"id": "0", "status": 200, "body": {"body": {"contentType": "text", "content": "b"}}},
        {"id": "1", "status": 404, "body": {"error": {"code": "ErrorItemNotFound",
                                                      "message": "gone"}}}]})
    assert message_bodies(client, ["B", "C"]) == {"B": ItemBody("b", "text")}
    assert len(mocked.calls) == 2
    assert message_bodies(client, []) == {}


# -- mail actions -----------------------------------------------------------------------------

def test_recall_is_a_beta_post_and_never_retried_after_a_timeout(mocked, client):
    url = f"{BASE}/beta/me/mailFolders/sentitems/messages/m1/recall"
    mocked.post(url, status=202, body="Accepted", content_type="text/plain")
    assert recall_message(client, "m1") is None
    assert mocked.calls[0].request.body is None

    mocked.replace(responses.POST, url, body=requests.ReadTimeout("slow"))
    with pytest.raises(GraphOutcomeUnknown):
        recall_message(client, "m1")
    assert len(mocked.calls) == 2


def test_correction_draft_update_and_send(mocked, client):
    mocked.post(f"{V1}/me/messages/m1/createReplyAll", status=201, json={"id": "draft-1"})
    mocked.patch(f"{V1}/me/messages/draft-1", json={"id": "draft-1"})
    mocked.post(f"{V1}/me/messages/draft-1/send", status=202)

    draft = create_reply_all_draft(client, "m1", comment="Please ignore the last message.")
    update_draft(client, draft, to=[EmailAddress("alex@contoso.com", "Alex")], cc=[],
                 body=MessageBody("<p>Corrected</p>"))
    send_draft(client, draft)

    assert draft == "draft-1"
    assert json.loads(mocked.calls[0].request.body) == {
        "comment": "Please ignore the last message."}
    assert json.loads(mocked.calls[1].request.body) == {
        "body": {"contentType": "html", "content": "<p>Corrected</p>"},
        "toRecipients": [{"emailAddress": {"address": "alex@contoso.com", "name": "Alex"}}],
        "ccRecipients": []}
    assert mocked.calls[2].request.method == "POST"


def test_comment_and_body_together_are_refused_before_calling_graph(mocked, client):
    with pytest.raises(ValueError):
        create_reply_all_draft(client, "m1", comment="x", body=MessageBody("y"))
    assert len(mocked.calls) == 0


def test_reply_all_in_one_call(mocked, client):
    mocked.post(f"{V1}/me/messages/m1/replyAll", status=202)
    reply_all(client, "m1", body=MessageBody("Sorry", "text"),
              to=[EmailAddress("a@contoso.com")])
    assert json.loads(mocked.calls[0].request.body) == {"message": {
        "body": {"contentType": "text", "content": "Sorry"},
        "toRecipients": [{"emailAddress": {"address": "a@contoso.com"}}]}}


def test_operations_are_timed_by_stage(mocked, client):
    mocked.get(f"{V1}/me/messages/m1", json={"id": "m1"})
    get_message(client, "m1")
    assert client.stats.stage_counts == {"get_message": 1}
    assert run_batch(client, []) == []  # nothing to send: no call
    assert client.stats.calls == 1
