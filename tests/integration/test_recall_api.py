"""Recall and corrections end to end: the real backend against the sandbox tenant."""

from __future__ import annotations

import pytest

from recall_assistant import metrics
from recall_assistant.graph import mail_actions
from recall_assistant.sandbox.options import SandboxOptions
from recall_assistant.store.records import DEFAULT_GRACE
from tests.support import PaneClient as Pane

ADELE = "adele@contoso.com"
PRICING = "AAMkAGRlbW8-sent02_pricing"      # alex@ (internal), gmail, fabrikam (cross-tenant)
COPIES = "AAMkAGRlbW8-sent09_copies"        # isaiah read, johanna's copy deleted, lynne archived
SANDBOX_STATUS = {"Recall Success": "succeeded", "Recall Failure": "failed", "Pending": "pending"}


def inbox(live, mailbox: str) -> list:
    return live.sandbox.mail.messages(mailbox, "inbox", live.sandbox.clock())


def test_recall_then_every_outcome_as_the_sandbox_applied_it(live, pane):
    response = pane.recall(COPIES)
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["status"] == "submitted"

    before = pane.get(f"/api/recalls/{started['id']}").json()
    assert before["reportReceived"] is False
    assert {r["status"] for r in before["recipients"]} <= {"pending", "failed"}

    body = pane.wait_for_report(started["id"])
    assert body["reportReceived"] is True
    applied = {o.address: SANDBOX_STATUS[o.status] for o in live.sandbox.mail.recalls[-1].outcomes}
    assert {r["address"]: r["status"] for r in body["recipients"]} == applied
    assert applied == {"isaiah@contoso.com": "succeeded", "johanna@contoso.com": "failed",
                       "lynne@contoso.com": "succeeded"}
    assert body["settled"] is True and body["status"] == "completed"
    assert body["summary"] == {"succeeded": 2, "failed": 1, "pending": 0, "noReport": 0}
    # The copies really are gone.
    imid = body["internetMessageId"]
    assert not [m for m in inbox(live, "isaiah@contoso.com") if m.internet_message_id == imid]


def test_impossible_recipients_show_as_failed_before_the_report(live_server_factory):
    live = live_server_factory(options=SandboxOptions(report_delay_s=3600))
    pane = Pane(live)
    started = pane.recall(PRICING).json()
    body = pane.get(f"/api/recalls/{started['id']}").json()
    status = {r["address"]: r for r in body["recipients"]}
    assert status["jordan.miller@gmail.com"]["status"] == "failed"
    assert status["jordan.miller@gmail.com"]["source"] == "eligibility"
    assert status["jordan.miller@gmail.com"]["reason"]["code"] == "consumer_mail"
    assert status["alex@contoso.com"]["status"] == "pending"
    assert body["settled"] is False


def test_the_same_idempotency_key_recalls_once(live, pane):
    first = pane.recall(COPIES, key="same-key-123")
    second = pane.recall(COPIES, key="same-key-123")
    assert second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert len(live.sandbox.mail.recalls) == 1
    conflict = pane.recall(PRICING, key="same-key-123")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"


def test_a_missing_idempotency_key_is_400(pane):
    response = pane.recall(COPIES, key=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


@pytest.mark.parametrize(("message_id", "status", "code"), [
    ("AAMkAGRlbW8-megan01_budget", 404, "message_not_found"),
    ("AAMkAGRlbW8-inbox01_lunch", 422, "not_in_sent_items"),
])
def test_only_the_callers_own_sent_messages_are_recalled(live, pane, message_id, status, code):
    response = pane.recall(message_id, key="k-" + code)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert live.sandbox.mail.recalls == []
    # Refused before anything was recorded: the key is free for a corrected request.
    assert pane.recall(COPIES, key="k-" + code).status_code == 202


def test_another_users_recall_is_not_visible(live, pane):
    started = pane.recall(COPIES).json()
    megan = Pane(live, "megan@contoso.com")
    response = megan.get(f"/api/recalls/{started['id']}")
    assert response.status_code == 404


def test_recalls_of_a_message_are_listed_for_a_reopened_pane(pane):
    started = pane.recall(COPIES).json()
    listed = pane.get("/api/recalls", messageId=COPIES).json()["recalls"]
    assert [r["id"] for r in listed] == [started["id"]]


def graph_requests() -> float:
    return metrics.GRAPH_REQUESTS._value.get()


def test_by_internet_message_id_the_listing_reads_no_message(live, pane):
    """The pane asks side by side with the eligibility check, which reads the message: by the
    Internet message id Outlook gives, the listing needs no Graph call of its own."""
    imid = live.sandbox.mail.message(ADELE, COPIES, live.sandbox.clock()).internet_message_id
    before = graph_requests()
    assert pane.get("/api/recalls", internetMessageId=imid).json() == {"recalls": []}
    assert graph_requests() == before
    pane.get("/api/recalls", messageId=COPIES)
    assert graph_requests() > before  # by its Graph id the message is read to find it

    started = pane.recall(COPIES).json()
    listed = pane.get("/api/recalls", internetMessageId=imid).json()["recalls"]
    assert [r["id"] for r in listed] == [started["id"]]
    # Only the caller's own recalls: someone else naming the message sees none.
    assert Pane(live, "megan@contoso.com").get(
        "/api/recalls", internetMessageId=imid).json() == {"recalls": []}


@pytest.mark.parametrize("query", [{}, {"messageId": COPIES, "internetMessageId": "<a@b>"},
                                   {"internetMessageId": "x" * 999}])
def test_the_listing_wants_exactly_one_of_the_ids(pane, query):
    response = pane.get("/api/recalls", **query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_correction_to_the_unrecallable_reaches_exactly_those_recall_missed(live, pane):
    started = pane.recall(PRICING).json()
    pane.wait_for_report(started["id"])
    response = pane.post("/api/corrections", {
        "messageId": PRICING, "templateId": "please-disregard", "audience": "unrecallable",
        "fields": {"note": "<script>alert(1)</script> & thanks"}})
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["recipients"]["to"] == [{"address": "jordan.miller@gmail.com",
                                         "name": "Jordan Miller"}]
    assert [p["address"] for p in sent["recipients"]["cc"]] == ["buyer@fabrikam.com"]
    # Read back from the sandbox: alex (recalled) got nothing; the outsiders got it.
    correction = next(m for m in live.sandbox.mail.messages(ADELE, "sentitems",
                                                             live.sandbox.clock())
                      if m.subject != "Pricing for the Fabrikam renewal"
                      and "Fabrikam renewal" in m.subject)
    delivered = {a for imid, a in live.sandbox.mail.external_deliveries
                 if imid == correction.internet_message_id}
    assert delivered == {"jordan.miller@gmail.com", "buyer@fabrikam.com"}
    assert not [m for m in inbox(live, "alex@contoso.com")
                if m.internet_message_id == correction.internet_message_id]
    assert "<script>" not in correction.body
    assert "&lt;script&gt;" in correction.body


def test_correction_bcc_stays_bcc_and_selected_outsiders_are_refused(live, pane):
    refused = pane.post("/api/corrections", {
        "messageId": "AAMkAGRlbW8-sent04_groups", "templateId": "please-disregard",
        "audience": "selected", "recipients": ["lee@contoso.com", "boss@contoso.com"]})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "recipients_not_in_original"
    assert refused.json()["error"]["details"]["addresses"] == ["boss@contoso.com"]
    before = len(live.sandbox.mail.messages(ADELE, "sentitems", live.sandbox.clock()))
    sent = pane.post("/api/corrections", {
        "messageId": "AAMkAGRlbW8-sent04_groups", "templateId": "please-disregard",
        "audience": "selected", "recipients": ["lee@contoso.com", "johanna@contoso.com"]})
    assert sent.status_code == 201, sent.text
    recipients = sent.json()["recipients"]
    assert [p["address"] for p in recipients["bcc"]] == ["lee@contoso.com"]
    assert [p["address"] for p in recipients["to"]] == ["johanna@contoso.com"]
    after = live.sandbox.mail.messages(ADELE, "sentitems", live.sandbox.clock())
    assert len(after) == before + 1
    correction = next(m for m in after if m.subject != "Team offsite plans"
                      and "Team offsite plans" in m.subject)
    assert [m.internet_message_id for m in inbox(live, "johanna@contoso.com")].count(
        correction.internet_message_id) == 1
    assert [m.bcc for m in inbox(live, "johanna@contoso.com")
            if m.internet_message_id == correction.internet_message_id] == [()]
    assert correction.internet_message_id in [m.internet_message_id
                                              for m in inbox(live, "lee@contoso.com")]
    assert not [m for m in inbox(live, "alex@contoso.com")
                if m.internet_message_id == correction.internet_message_id]


def test_a_repeated_correction_with_the_same_key_sends_nothing_new(live, pane):
    body = {"messageId": COPIES, "templateId": "please-disregard", "audience": "all"}
    first = pane.post("/api/corrections", body, key="correction-key-1")
    count = len(live.sandbox.mail.messages(ADELE, "sentitems", live.sandbox.clock()))
    second = pane.post("/api/corrections", body, key="correction-key-1")
    assert second.status_code == first.status_code == 201
    assert second.json() == first.json()
    assert len(live.sandbox.mail.messages(ADELE, "sentitems", live.sandbox.clock())) == count


def test_preview_and_templates(pane):
    templates = pane.get("/api/templates").json()["templates"]
    assert {"please-disregard", "corrected-version-follows", "wrong-recipient",
            "wrong-attachment", "typo-fixed"} <= {t["id"] for t in templates}
    preview = pane.post("/api/corrections/preview", {
        "messageId": PRICING, "templateId": "typo-fixed", "audience": "all",
        "fields": {"right_text": "42,000 <b>EUR</b>"}}, key=None).json()
    assert "&lt;b&gt;EUR&lt;/b&gt;" in preview["html"]
    assert "Fabrikam renewal" in preview["subject"]
    missing = pane.post("/api/corrections/preview", {
        "messageId": PRICING, "templateId": "typo-fixed"}, key=None)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "template_fields"
    unknown = pane.post("/api/corrections/preview", {
        "messageId": PRICING, "templateId": "no-such-template"}, key=None)
    assert unknown.status_code == 404


def test_graph_failing_mid_way_leaves_a_correct_audit_record(live_server_factory, monkeypatch):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.3),
                               RA_HTTP_TIMEOUT_S="2")
    pane = Pane(live)
    original_send = mail_actions.send_draft

    def failing_send(graph, draft_id, **kwargs):
        live.sandbox_app.extensions["sandbox"].faults._options = SandboxOptions(fault_rate=1.0,
                                                                                 fault_seed=1)
        try:
            return original_send(graph, draft_id, **kwargs)
        finally:
            live.sandbox_app.extensions["sandbox"].faults._options = SandboxOptions()

    monkeypatch.setattr(mail_actions, "send_draft", failing_send)
    response = pane.post("/api/corrections", {"messageId": COPIES,
                                              "templateId": "please-disregard",
                                              "audience": "all"})
    assert response.status_code in (429, 503, 504), response.text
    error = response.json()["error"]
    assert error["code"] in ("graph_throttled", "upstream_unavailable", "graph_outcome_unknown")
    store = live.app.extensions["recall_assistant"].store
    events = [e for e in store.iter_audit() if e.event.startswith("correction")]
    assert [e.event for e in events][0] == "correction.requested"
    assert events[-1].result in ("failed", "unknown")


def test_a_crash_between_the_audit_write_and_graph_is_unknown_not_repeated(live, pane,
                                                                           monkeypatch):
    class ProcessDied(BaseException):
        pass

    def die(*args, **kwargs):
        raise ProcessDied()

    monkeypatch.setattr(mail_actions, "recall_message", die)
    with pytest.raises(Exception):  # noqa: B017 - the server thread dies mid-request
        pane.recall(COPIES, key="crash-key-42")
    monkeypatch.undo()
    store = live.app.extensions["recall_assistant"].store
    later = store.clock() + DEFAULT_GRACE * 2
    store.clock = lambda: later
    again = pane.recall(COPIES, key="crash-key-42")
    assert again.status_code == 202
    assert again.json()["status"] == "unknown"
    assert live.sandbox.mail.recalls == []  # never sent, and not sent by the retry
    status = pane.get(f"/api/recalls/{again.json()['id']}").json()
    assert status["status"] == "unknown"
    assert "check the recall report" in status["statusMessage"]
