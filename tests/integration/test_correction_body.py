"""A correction carries only the correction: the real backend against the sandbox tenant,
read back from every mailbox it reached. The sandbox's createReplyAll quotes the original as
Graph does, so these tests fail if the backend ever stops replacing the body."""

from __future__ import annotations

import re

import pytest

from recall_assistant.graph import mail_actions
from recall_assistant.sandbox.html_text import html_to_text
from recall_assistant.sandbox.tokens import GRAPH_APP_ID

ADELE = "adele@contoso.com"
PRICING = "AAMkAGRlbW8-sent02_pricing"      # alex@ (internal), gmail, fabrikam
FORECAST = "AAMkAGRlbW8-sent01_forecast"    # alex@, megan@ (Cc)
EVERYONE = "AAMkAGRlbW8-sent10_everyone"    # groups, a shared mailbox, outsiders, Bcc
GRAPH_SCOPES = "Mail.ReadWrite Mail.Send User.Read"


def now(live) -> float:
    return live.sandbox.clock()


def original_of(live, message_id: str):
    return live.sandbox.mail.message(ADELE, message_id, now(live))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[.!?:;]", text) if len(s.strip().split()) >= 2]


def flat(html: str) -> str:
    return " ".join(html_to_text(html).split()).lower()


def copies_of(live, internet_message_id: str) -> dict[str, object]:
    """Every internal mailbox's received copy of a message, by mailbox."""
    found = {}
    for user in live.tenant.users:
        for message in live.sandbox.mail.messages(user.mail, None, now(live)):
            if (message.internet_message_id == internet_message_id
                    and message.folder != "sentitems"):
                found[user.mail] = message
    return found


def sent_correction(live, before: set[str]):
    [sent] = [m for m in live.sandbox.mail.messages(ADELE, "sentitems", now(live))
              if m.id not in before]
    return sent


def sent_ids(live) -> set[str]:
    return {m.id for m in live.sandbox.mail.messages(ADELE, "sentitems", now(live))}


def assert_only_the_correction(live, correction, original, preview_html: str) -> None:
    copies = copies_of(live, correction.internet_message_id)
    assert copies, "the correction reached no internal mailbox"
    # What went out (the Sent Items copy is what outsiders got) and what each inbox holds.
    for where, message in {"sent items": correction, **copies}.items():
        text = flat(message.body)
        for sentence in sentences(original.body):
            assert sentence.lower() not in text, (where, sentence)
        assert message.body == preview_html, where
        assert not message.has_attachments, where


# --- the sandbox models Graph ---------------------------------------------------------------

def test_sandbox_reply_all_draft_quotes_the_original_and_a_body_patch_replaces_it(live):
    user = live.tenant.user_by_mail(ADELE)
    graph = live.session()
    graph.headers["Authorization"] = "Bearer " + live.sandbox.issuer.mint({
        "aud": GRAPH_APP_ID, "scp": GRAPH_SCOPES, "oid": user.id, "preferred_username": ADELE,
        "azp": live.settings.client_id})
    base = f"{live.url}/sandbox/graph/v1.0/me/messages"
    draft = graph.post(f"{base}/{PRICING}/createReplyAll", json={"comment": "Sorry."}).json()
    assert "Sorry." in draft["body"]["content"]
    # The original, quoted under the comment as Outlook does.
    assert "our floor price for the renewal is 42,000." in flat(draft["body"]["content"])
    patched = graph.patch(f"{base}/{draft['id']}", json={
        "body": {"contentType": "html", "content": "<p>Only this.</p>"}})
    assert patched.status_code == 200, patched.text
    read = graph.get(f"{base}/{draft['id']}", params={"$select": "body,hasAttachments"}).json()
    assert read["body"] == {"contentType": "html", "content": "<p>Only this.</p>"}
    assert read["hasAttachments"] is False
    assert graph.post(f"{base}/{draft['id']}/send").status_code == 202
    [alex] = copies_of(live, draft["internetMessageId"]).values()
    assert alex.body == "<p>Only this.</p>"


# --- corrections ------------------------------------------------------------------------------

@pytest.mark.parametrize("message_id", [PRICING, FORECAST, EVERYONE])
def test_a_correction_to_everyone_lands_without_a_word_of_the_original(live, pane, message_id):
    request = {"messageId": message_id, "templateId": "please-disregard", "audience": "all",
               "fields": {"note": "Sorry for the noise."}}
    preview = pane.post("/api/corrections/preview", request, key=None).json()
    before = sent_ids(live)
    response = pane.post("/api/corrections", request)
    assert response.status_code == 201, response.text
    correction = sent_correction(live, before)
    assert "Sorry for the noise." in correction.body
    assert_only_the_correction(live, correction, original_of(live, message_id), preview["html"])


def undelivered(monkeypatch) -> None:
    """Graph as if it had ignored the body of the PATCH: the draft keeps createReplyAll's
    quote of the original (what the backend must catch before it sends)."""
    update = mail_actions.update_draft

    def without_body(graph, draft_id, **fields):
        fields.pop("body", None)
        return update(graph, draft_id, **fields)

    monkeypatch.setattr(mail_actions, "update_draft", without_body)


def inboxes(live) -> int:
    return sum(len(live.sandbox.mail.messages(u.mail, "inbox", now(live)))
               for u in live.tenant.users)


def test_a_draft_that_still_holds_the_original_is_refused_and_nothing_is_sent(
        live, pane, monkeypatch):
    undelivered(monkeypatch)
    before, received = sent_ids(live), inboxes(live)
    response = pane.post("/api/corrections", {"messageId": PRICING,
                                              "templateId": "please-disregard",
                                              "audience": "all"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "correction_quotes_original"
    assert error["message"] == ("The correction still held text of the original message, so "
                                "it was not sent. Nothing was sent.")
    assert sent_ids(live) == before and inboxes(live) == received
    assert live.sandbox.mail.external_deliveries == []
    assert live.sandbox.mail.messages(ADELE, "drafts", now(live)) == []  # the draft is gone
    store = live.app.extensions["recall_assistant"].store
    imid = original_of(live, PRICING).internet_message_id
    [action] = store.actions_for_message(live.tenant.user_by_mail(ADELE).id, imid)
    assert (action.kind, action.state, action.error_code) == (
        "correction", "failed", "correction_quotes_original")
    events = [(e.event, e.result, (e.details or {}).get("errorCode"))
              for e in store.iter_audit() if e.action_id == action.id]
    assert events == [("correction.requested", "recorded", None),
                      ("correction.failed", "failed", "correction_quotes_original")]


# --- delete and replace -----------------------------------------------------------------------

def replace(pane, message_id: str, **replace_with):
    return pane.post("/api/recalls", {"messageId": message_id, "replaceWith": {
        "templateId": "please-disregard", "fields": {"note": "Sorry for the noise."},
        **replace_with}})


def test_delete_and_replace_sends_only_the_correction_to_everyone(live, pane):
    preview = pane.post("/api/corrections/preview", {
        "messageId": FORECAST, "templateId": "please-disregard", "audience": "all",
        "fields": {"note": "Sorry for the noise."}}, key=None).json()
    before = sent_ids(live)
    response = replace(pane, FORECAST)
    assert response.status_code == 202, response.text
    assert response.json()["correction"]["status"] == "completed"
    correction = sent_correction(live, before)
    assert set(copies_of(live, correction.internet_message_id)) == {"alex@contoso.com",
                                                                     "megan@contoso.com"}
    assert_only_the_correction(live, correction, original_of(live, FORECAST), preview["html"])


def test_delete_and_replace_goes_to_the_chosen_audience(live, pane):
    before = sent_ids(live)
    response = replace(pane, PRICING, audience="selected", recipients=["jordan.miller@gmail.com"])
    assert response.status_code == 202, response.text
    assert response.json()["correction"]["status"] == "completed"
    correction = sent_correction(live, before)
    assert [r.address for r in correction.to + correction.cc + correction.bcc] == [
        "jordan.miller@gmail.com"]
    assert copies_of(live, correction.internet_message_id) == {}
    assert {a for i, a in live.sandbox.mail.external_deliveries
            if i == correction.internet_message_id} == {"jordan.miller@gmail.com"}


def test_delete_and_replace_with_a_bad_audience_recalls_nothing(live, pane):
    assert replace(pane, PRICING, audience="friends").status_code == 400
    stranger = replace(pane, PRICING, audience="selected", recipients=["boss@contoso.com"])
    assert stranger.status_code == 422, stranger.text
    assert stranger.json()["error"]["code"] == "recipients_not_in_original"
    nobody = replace(pane, PRICING, audience="selected")
    assert nobody.status_code == 422, nobody.text
    assert nobody.json()["error"]["code"] == "empty_audience"
    assert live.sandbox.mail.recalls == []


def test_delete_and_replace_refuses_a_correction_that_holds_the_original(
        live, pane, monkeypatch):
    undelivered(monkeypatch)
    before = sent_ids(live)
    response = replace(pane, PRICING)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["status"] == "submitted"  # the recall itself went through
    assert answer["correction"]["status"] == "failed"
    assert answer["correction"]["error"]["code"] == "correction_quotes_original"
    assert sent_ids(live) == before
    assert live.sandbox.mail.external_deliveries == []
    store = live.app.extensions["recall_assistant"].store
    failed = store.get_action(answer["correction"]["id"])
    assert (failed.parent_id, failed.error_code) == (answer["id"], "correction_quotes_original")


def test_delete_and_replace_to_the_unreached_goes_to_whom_the_preview_named(live, pane):
    # The pane previews "only those recall did not reach" before recalling; what is sent after
    # the recall must go to exactly those people, not to an audience worked out again later.
    preview = pane.post("/api/corrections/preview", {
        "messageId": PRICING, "templateId": "please-disregard", "audience": "unrecallable"},
        key=None)
    assert preview.status_code == 200, preview.text
    named = {p["address"] for field in ("to", "cc", "bcc")
             for p in preview.json()["recipients"][field]}
    before = sent_ids(live)
    response = replace(pane, PRICING, audience="unrecallable")
    assert response.status_code == 202, response.text
    correction = sent_correction(live, before)
    assert {r.address for r in correction.to + correction.cc + correction.bcc} == named
