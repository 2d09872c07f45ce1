"""Recall reports are believed only from Exchange (issue 12): the real backend against the
sandbox tenant. A mail anyone can send changes nothing; a genuine German or French report is
read; a report about another message of the same subject is ignored; a poll reads bodies of
candidates only. Also the sandbox's Graph: message class, headers, from/sender, $expand."""

from __future__ import annotations

import time
from html import escape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from recall_assistant.api.recalls import RecallStatus
from recall_assistant.graph import mail as graph_mail
from recall_assistant.graph.client import GraphClient
from recall_assistant.sandbox.fixture import Recipient
from recall_assistant.sandbox.mailstore import StoredMessage
from recall_assistant.sandbox.options import SandboxOptions
from recall_assistant.sandbox.recall_agent import SUCCESS, Outcome
from recall_assistant.sandbox.recall_report import SENDER_LOCAL_PART, render_report
from recall_assistant.sandbox.tokens import GRAPH_APP_ID
from tests.support import PaneClient as Pane

ADELE = "adele@contoso.com"
COPIES = "AAMkAGRlbW8-sent09_copies"        # isaiah read, johanna's copy deleted, lynne archived




JOHANNA, CAMILLE = "johanna@contoso.com", "camille@contoso.com"
ANGEBOT = "AAMkAGRlbW8-johanna01_angebot"   # German mailbox: to alex, lynne
TARIFS = "AAMkAGRlbW8-camille01_tarifs"     # French mailbox: to alex, partner@fabrikam.com
COPIES_SUBJECT = "Copies in every state"


def subject_of(live, message_id: str) -> str:
    return next(m.subject for m in live.tenant.messages if m.id == message_id)


def system_address(live) -> str:
    return f"{SENDER_LOCAL_PART}@{live.sandbox.mail.directory.initial_domain}"


def deliver(live, mailbox: str, *, sender: str, subject: str, body: str,
            body_type: str = "text", message_class: str = "IPM.Note",
            conversation_id: str = "AAQkAGforged=") -> None:
    """A mail lands in ``mailbox``'s Inbox with whatever From it claims (inbound SMTP)."""
    now = live.sandbox.clock()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    live.sandbox.mail.receive(StoredMessage(
        id="", mailbox=mailbox, folder="inbox", subject=subject,
        internet_message_id=f"<forged.{now}@example.net>", conversation_id=conversation_id,
        sender=Recipient(sender, sender), to=(Recipient(mailbox, mailbox),), body=body,
        body_type=body_type, sent=stamp, received=stamp, created=stamp, modified=stamp,
        message_class=message_class))


def statuses(body: dict) -> dict[str, str]:
    return {r["address"]: r["status"] for r in body["recipients"]}


@pytest.fixture
def slow(live_server_factory):
    """No genuine report for an hour: whatever changes an outcome came from the Inbox."""
    return live_server_factory(options=SandboxOptions(report_delay_s=3600))


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def send(self, request, **kwargs):  # noqa: ANN001 - requests' signature
        self.urls.append((request.method, request.url))
        return super().send(request, **kwargs)


def service_graph(live, mail: str = ADELE) -> tuple[GraphClient, CountingSession, str]:
    """A delegated Graph client for ``mail`` to the sandbox, as the backend builds one."""
    user = live.tenant.user_by_mail(mail)
    token = live.sandbox.issuer.mint({
        "aud": GRAPH_APP_ID, "scp": "Mail.ReadWrite Mail.Send User.Read User.ReadBasic.All",
        "oid": user.id, "preferred_username": mail, "azp": live.settings.client_id})
    session = CountingSession()
    session.trust_env = False
    session.verify = str(live.certs.ca_cert)
    return GraphClient.from_settings(session, live.settings, lambda: token), session, user.id


# ---------------------------------------------------------------------------- the bug


SPOOFS = [
    # (From, what the body says, the message class): anyone, a colleague, a look-alike.
    ("outsider@gmail.com", "{recipient} Recall Success", "IPM.Note"),
    ("alex@contoso.com", "{recipient} Recall Success", "IPM.Note"),
    ("MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso-mail.example",
     "Message ID: {imid}\n{recipient} Recall Success", "IPM.Recall.Report"),
    # A recipient knows the original's Message-ID from its own copy's headers.
    ("jordan.miller@gmail.com", "Message ID: {imid}\n{recipient} Recall Success",
     "IPM.Recall.Report"),
]


@pytest.mark.parametrize(("sender", "body", "message_class"), SPOOFS)
def test_an_email_anyone_can_send_changes_nothing_over_http(slow, sender, body, message_class):
    pane = Pane(slow)
    started = pane.recall(COPIES).json()
    before = pane.get(f"/api/recalls/{started['id']}").json()
    recipient = "lynne@contoso.com"
    assert statuses(before)[recipient] == "pending"
    deliver(slow, ADELE, sender=sender,
            subject=f"Recall Report for message: {subject_of(slow, COPIES)}",
            body=body.format(recipient=recipient, imid=before["internetMessageId"]),
            message_class=message_class)

    after = pane.get(f"/api/recalls/{started['id']}").json()
    assert after["reportReceived"] is False
    assert statuses(after) == statuses(before)
    assert after["summary"] == before["summary"]


def test_an_email_anyone_can_send_changes_nothing_at_service_level(slow):
    pane = Pane(slow)
    started = pane.recall(COPIES).json()
    service = slow.app.extensions["recall_assistant"].recalls
    graph, _, oid = service_graph(slow)
    before = RecallStatus().dump(service.status(oid, started["id"], graph, None))
    for sender, body, message_class in SPOOFS:
        deliver(slow, ADELE, sender=sender,
                subject=f"Recall Report for message: {subject_of(slow, COPIES)}",
                body=body.format(recipient="isaiah@contoso.com",
                                 imid=before["internetMessageId"]),
                message_class=message_class)
    after = RecallStatus().dump(service.status(oid, started["id"], graph, None))
    assert after["reportReceived"] is False
    assert statuses(after) == statuses(before)
    assert {o.address: o.status for o in slow.app.extensions["recall_assistant"].store.outcomes(
        started["id"])} == {a: s for a, s in statuses(before).items() if s != "pending"}


def test_a_report_for_another_message_of_the_same_subject_is_ignored(slow):
    pane = Pane(slow)
    started = pane.recall(COPIES).json()
    before = pane.get(f"/api/recalls/{started['id']}").json()
    other = render_report(subject=subject_of(slow, COPIES),
                          internet_message_id="<another.message@contoso.com>",
                          sent=time.time() - 600, requested=time.time() - 60,
                          outcomes=[Outcome("isaiah@contoso.com", "Isaiah", SUCCESS, "Gone.")])
    deliver(slow, ADELE, sender=system_address(slow), subject=other.subject, body=other.html,
            body_type="html", message_class="IPM.Recall.Report")
    after = pane.get(f"/api/recalls/{started['id']}").json()
    assert after["reportReceived"] is False
    assert statuses(after) == statuses(before)


def test_the_same_report_from_exchange_is_read(slow):
    # The control for the tests above: the very mail, from the tenant's Exchange, counts.
    pane = Pane(slow)
    started = pane.recall(COPIES).json()
    imid = pane.get(f"/api/recalls/{started['id']}").json()["internetMessageId"]
    genuine = render_report(subject=subject_of(slow, COPIES), internet_message_id=imid,
                            sent=time.time() - 600, requested=time.time() - 60,
                            outcomes=[Outcome("isaiah@contoso.com", "Isaiah", SUCCESS, "Gone.")])
    deliver(slow, ADELE, sender=system_address(slow), subject=genuine.subject, body=genuine.html,
            body_type="html", message_class="IPM.Recall.Report")
    after = pane.get(f"/api/recalls/{started['id']}").json()
    assert after["reportReceived"] is True
    assert statuses(after)["isaiah@contoso.com"] == "succeeded"


# ---------------------------------------------------------------------------- languages


@pytest.fixture
def quick(live_server_factory):
    return live_server_factory(options=SandboxOptions(report_delay_s=0.3))


@pytest.mark.parametrize(("user", "message_id", "prefix", "expected"), [
    (JOHANNA, ANGEBOT, "Nachrichtenrückrufbericht für Nachricht: ",
     {"alex@contoso.com": "succeeded", "lynne@contoso.com": "succeeded"}),
    (CAMILLE, TARIFS, "Rapport de rappel du message : ",
     {"alex@contoso.com": "succeeded", "partner@fabrikam.com": "pending"}),
])
def test_a_genuine_report_in_the_mailboxs_language_is_read(quick, user, message_id, prefix,
                                                           expected):
    pane = Pane(quick, user=user)
    started = pane.recall(message_id)
    assert started.status_code == 202, started.text
    body = pane.wait_for_report(started.json()["id"])
    report = next(m for m in quick.sandbox.mail.messages(user, "inbox", quick.sandbox.clock())
                  if m.sender.address == system_address(quick))
    assert report.subject.startswith(prefix)
    assert report.message_class == "IPM.Recall.Report"
    assert body["reportReceived"] is True
    assert statuses(body) == expected


# ---------------------------------------------------------------------------- what a poll reads


def test_a_poll_reads_light_fields_and_only_candidates_bodies(quick):
    pane = Pane(quick)
    for n in range(3):  # ordinary mail since the recall: never read in full
        deliver(quick, ADELE, sender="alex@contoso.com", subject=f"Lunch {n}?", body="Hi")
    started = pane.recall(COPIES).json()
    pane.wait_for_report(started["id"])
    service = quick.app.extensions["recall_assistant"].recalls
    graph, session, oid = service_graph(quick)
    body = RecallStatus().dump(service.status(oid, started["id"], graph, None))
    assert body["reportReceived"] is True

    paths = [(m, urlsplit(u)) for m, u in session.urls]
    listing = [p for m, p in paths if p.path.endswith("/mailFolders/inbox/messages")]
    assert len(listing) == 1
    query = parse_qs(listing[0].query)
    assert query["$filter"][0].startswith("receivedDateTime ge ")
    assert "body" not in query["$select"][0].split(",")
    assert "singleValueExtendedProperties" in query["$expand"][0]
    bodies = [p for m, p in paths if "$select=body" in p.query or "%24select=body" in p.query]
    assert len(bodies) == 1, paths  # the one report; none of the three ordinary mails
    assert len(paths) <= 3, paths  # (domains if not cached), the listing, the report's body


# ---------------------------------------------------------------------------- the sandbox's Graph


def graph_get(live, path: str, **params):
    session = live.session()
    user = live.tenant.user_by_mail(ADELE)
    token = live.sandbox.issuer.mint({
        "aud": GRAPH_APP_ID, "scp": "Mail.ReadWrite", "oid": user.id,
        "preferred_username": ADELE, "azp": live.settings.client_id})
    return session.get(f"{live.url}/sandbox/graph/v1.0{path}", params=params,
                       headers={"Authorization": f"Bearer {token}"})


def test_the_sandbox_serves_the_message_class_headers_and_from_as_graph_does(quick):
    pane = Pane(quick)
    pane.wait_for_report(pane.recall(COPIES).json()["id"])
    answer = graph_get(quick, "/me/mailFolders/inbox/messages", **{
        "$select": "subject,from,sender,internetMessageHeaders",
        "$expand": "singleValueExtendedProperties($filter=id eq 'String 0x001A')"})
    assert answer.status_code == 200, answer.text
    report = next(m for m in answer.json()["value"] if "Recall Report" in m["subject"])
    assert report["from"]["emailAddress"]["address"] == system_address(quick)
    assert report["sender"] == report["from"]
    assert report["singleValueExtendedProperties"] == [
        {"id": "String 0x1a", "value": "IPM.Recall.Report"}]
    names = [h["name"] for h in report["internetMessageHeaders"]]
    assert {"From", "To", "Subject", "Message-ID", "Date"} <= set(names)
    assert "body" not in report

    plain = graph_get(quick, "/me/mailFolders/inbox/messages", **{"$select": "subject"})
    assert all("internetMessageHeaders" not in m for m in plain.json()["value"])
    unselected = graph_get(quick, "/me/mailFolders/inbox/messages")
    assert all("internetMessageHeaders" not in m and "singleValueExtendedProperties" not in m
               for m in unselected.json()["value"])
    other_tag = graph_get(quick, "/me/mailFolders/inbox/messages", **{
        "$expand": "singleValueExtendedProperties($filter=id eq 'String 0x0037')"})
    assert all("singleValueExtendedProperties" not in m for m in other_tag.json()["value"])


@pytest.mark.parametrize(("params", "code"), [
    ({"$expand": "attachmentz"}, "RequestBroker--ParseUri"),
    ({"$select": "subject,messageClass"}, "RequestBroker--ParseUri"),
    ({"$expand": "singleValueExtendedProperties"}, "BadRequest"),
    ({"$expand": "singleValueExtendedProperties($filter=value eq 'x')"}, "BadRequest"),
])
def test_the_sandbox_refuses_unknown_properties_with_graphs_error(quick, params, code):
    answer = graph_get(quick, "/me/mailFolders/inbox/messages", **params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code


def test_the_html_report_escapes_what_it_quotes():
    content = render_report(subject="<b>x</b>", internet_message_id="<a@b>", sent=0,
                            requested=0, outcomes=[], language="fr")
    assert escape("<b>x</b>") in content.html and content.subject.endswith("<b>x</b>")


def test_two_reports_bodies_are_read_in_one_batch(quick):
    # A retry brings a second report: both bodies come in one $batch, whose inner URLs carry
    # percent-encoded ids (a REST id may end in "="), as Graph decodes them.
    pane = Pane(quick)
    first = pane.recall(COPIES).json()
    pane.wait_for_report(first["id"])
    deliver(quick, ADELE, sender=system_address(quick),
            subject=f"Message Recall Report for message: {subject_of(quick, COPIES)}",
            body="Recall report", message_class="IPM.Recall.Report")
    reports_in_inbox = [m.id for m in quick.sandbox.mail.messages(ADELE, "inbox", quick.sandbox.clock())
                        if m.message_class.startswith("IPM.Recall.Report")]
    assert len(reports_in_inbox) == 2 and all(i.endswith("=") for i in reports_in_inbox)
    graph, _, _ = service_graph(quick)
    bodies = graph_mail.message_bodies(graph, reports_in_inbox)
    assert set(bodies) == set(reports_in_inbox)
    assert all(b.content for b in bodies.values())
