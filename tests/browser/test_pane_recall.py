"""Recall and correction from the task pane, checked against the sandbox's mailboxes.

These drive POST/GET /api/recalls and the /api/templates and /api/corrections routes of
docs/api.md end to end.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from recall_assistant.sandbox.options import SandboxOptions
from tests.browser.conftest import (
    ADELE,
    copies_of,
    fill_template_fields,
    open_pane,
    requests_to,
    screenshot,
    shim_record,
    wait_for_verdict,
)

pytestmark = pytest.mark.browser


def fail_once(status: int, code: str, request_id: str, retry_after: int | None = None):
    """A route handler: the first request gets our error answer, later ones go through."""
    left = {"failures": 1}
    headers = {"Content-Type": "application/json"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)

    def handle(route):
        if left["failures"]:
            left["failures"] -= 1
            route.fulfill(status=status, headers=headers, body=json.dumps({"error": {
                "code": code, "message": "", "details": None, "requestId": request_id}}))
        else:
            route.continue_()

    return handle

REPORT_DELAY_S = 1.5


@pytest.fixture
def live(live_server_factory):
    return live_server_factory(options=SandboxOptions(report_delay_s=REPORT_DELAY_S))


def set_hidden(page, hidden: bool) -> None:
    page.evaluate("""(hidden) => {
        Object.defineProperty(document, "visibilityState",
                              {value: hidden ? "hidden" : "visible", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""", hidden)


def test_full_recall_with_outcomes_arriving(live, page):
    message = next(m for m in live.tenant.messages if m.id == "AAMkAGRlbW8-sent09_copies")
    posts = requests_to(page, r"/api/recalls$")
    polls = requests_to(page, r"/api/recalls/[^?]+$")
    open_pane(page, live, message.id)
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    expect(page.get_by_role("heading", name="Recall this message")).to_be_focused()
    expect(page.get_by_label("Delete it", exact=True)).to_be_checked()
    screenshot(page, "recall-confirm-320")
    page.get_by_role("button", name="Recall now").click()

    # Right away: the recall is under way, every person waiting or already known lost.
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_visible()
    screenshot(page, "recall-progress-320")
    assert len(posts) == 1
    key = posts[0].headers["idempotency-key"]
    assert re.fullmatch(r"[A-Za-z0-9._:-]{8,128}", key)
    assert json.loads(posts[0].post_data) == {"messageId": message.id, "idType": "rest",
                                              "replaceWith": None}

    # Then the report arrives and every row settles.
    expect(page.get_by_role("heading", name="Recall finished")).to_be_visible(timeout=20_000)
    expect(page.locator(".progress-row[data-status=pending]")).to_have_count(0)
    screenshot(page, "recall-settled-320")

    # What the pane shows is what happened in the recipients' mailboxes.
    for person in ("isaiah@contoso.com", "johanna@contoso.com", "lynne@contoso.com"):
        row = page.locator(f'.progress-row[data-address="{person}"]')
        gone = not copies_of(live, person, message.internet_message_id)
        if row.get_attribute("data-status") == "succeeded":
            assert gone, f"{person} shown as removed but still holds the message"
            expect(row).to_contain_text("Removed")
    removed = page.locator(".progress-row[data-status=succeeded]").count()
    assert removed >= 2  # Isaiah's and Lynne's copies were recallable
    expect(page.get_by_test_id("recall-summary")).to_contain_text(f"{removed} removed")
    expect(page.locator("#announcer")).to_contain_text("Recall finished")

    # A short note on the message itself, within Outlook's limits.
    notes = shim_record(page)["notifications"]
    assert len(notes) == 1
    assert notes[0]["type"] == "informationalMessage"
    assert notes[0]["message"].startswith("Recall finished")
    assert len(notes[0]["message"]) <= 150 and len(notes[0]["key"]) <= 32

    # Polling stopped once the recall settled.
    count = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == count


def test_polling_pauses_while_the_pane_is_hidden(live, page):
    polls = requests_to(page, r"/api/recalls/[^?]+$")
    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_role("button", name="Recall now").click()
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_visible()
    set_hidden(page, True)
    page.wait_for_timeout(300)
    before = len(polls)
    page.wait_for_timeout(REPORT_DELAY_S * 1000 + 1500)
    assert len(polls) <= before + 1  # at most the one already in flight
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_visible()
    set_hidden(page, False)
    expect(page.get_by_role("heading", name="Recall finished")).to_be_visible(timeout=10_000)


def test_reopening_the_pane_opens_on_the_recall_and_check_again_shows_the_verdict(live, page):
    # Issue 12: a recalled message opens on that recall's outcome (no longer on the verdict
    # with Recall as the main button); "Check again" asks for the verdict itself.
    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_role("button", name="Recall now").click()
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_visible()

    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast")
    expect(page.locator("body[data-loaded=recall]")).to_be_attached(timeout=20_000)
    expect(page.get_by_role("heading", name=re.compile("^Recall (in progress|finished)$"))).to_be_visible()
    page.get_by_role("button", name="Check again").click()
    wait_for_verdict(page)
    expect(page.get_by_text("You have already recalled this message.")).to_be_visible()
    # From the verdict, following the recall is the main action, not recalling again.
    expect(page.get_by_role("button", name="Show recall progress")).to_have_class("primary")
    expect(page.get_by_role("button", name="Recall message…")).to_have_class("secondary")
    page.get_by_role("button", name="Show recall progress").click()
    expect(page.get_by_role("heading", name=re.compile("^Recall (in progress|finished)$"))).to_be_focused()


def test_correction_to_those_recall_cannot_reach(live, page):
    message = next(m for m in live.tenant.messages if m.id == "AAMkAGRlbW8-sent02_pricing")
    sends = requests_to(page, r"/api/corrections$")
    open_pane(page, live, message.id)
    wait_for_verdict(page)
    page.get_by_role("button", name="Send correction…").click()
    expect(page.get_by_role("heading", name="Send a correction")).to_be_focused()
    expect(page.get_by_label("Only those recall cannot reach")).to_be_checked()
    fill_template_fields(page, "Please delete my message about the renewal price")

    # The live preview names exactly the people recall cannot reach (outside Contoso).
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("Jordan Miller", timeout=10_000)
    expect(preview).to_contain_text("Fabrikam Purchasing")
    expect(preview).not_to_contain_text("Alex Wilber")
    expect(preview).to_contain_text("Please delete my message about the renewal price")
    screenshot(page, "correction-320")

    page.get_by_role("button", name="Send correction", exact=True).click()
    expect(page.get_by_role("heading", name="Correction sent")).to_be_visible(timeout=15_000)
    screenshot(page, "correction-sent-320")
    body = json.loads(sends[0].post_data)
    assert body["audience"] == "unrecallable" and body["messageId"] == message.id
    expect(page.get_by_test_id("correction-recipients")).to_contain_text("jordan.miller@gmail.com")

    # The sandbox's mailboxes: a reply in the same conversation went out to the two outsiders
    # and to nobody inside Contoso.
    mail = live.sandbox.mail
    now = live.sandbox.clock()
    original = mail.message(ADELE, message.id, now)
    replies = [m for m in mail.messages(ADELE, "sentitems", now)
               if m.conversation_id == original.conversation_id and m.id != message.id]
    assert len(replies) == 1
    reply = replies[0]
    outside = {address for imid, address in mail.external_deliveries
               if imid == reply.internet_message_id}
    assert outside == {"jordan.miller@gmail.com", "buyer@fabrikam.com"}
    assert not [m for m in mail.messages("alex@contoso.com", None, now)
                if m.internet_message_id == reply.internet_message_id]


def test_a_failed_send_keeps_the_form_and_retries_with_the_same_key(live, page):
    keys: list[str] = []
    failures = {"left": 1}

    def flaky(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if failures["left"]:
            failures["left"] -= 1
            route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "application/json"},
                          body=json.dumps({"error": {"code": "graph_unavailable",
                                                     "message": "Microsoft 365 did not answer.",
                                                     "details": None, "requestId": "req-test-1"}}))
        else:
            route.continue_()

    page.route(re.compile(r"/api/corrections$"), flaky)
    open_pane(page, live, "AAMkAGRlbW8-sent03_external")
    wait_for_verdict(page)
    page.get_by_role("button", name="Send correction…").click()
    fill_template_fields(page, "The contract attached was the wrong version")
    page.get_by_role("button", name="Send correction", exact=True).click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Microsoft 365 is busy")
    expect(alert).to_contain_text("Try again in 1 s.")
    expect(alert).to_contain_text("req-test-1")
    expect(page.locator("main .template-fields textarea").first).to_have_value(
        re.compile("^The contract attached was the wrong version"))

    alert.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", name="Correction sent")).to_be_visible(timeout=15_000)
    assert len(keys) == 2 and keys[0] == keys[1]


def test_recall_and_replace_sends_the_correction_with_it(live, page):
    posts = requests_to(page, r"/api/recalls$")
    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_label("Delete it and send a correction").check()
    page.get_by_label("Template").select_option("typo-fixed")  # a built-in with a required field
    page.get_by_role("button", name="Recall now").click()
    # Required fields are asked for before anything is sent.
    expect(page.get_by_role("alert")).to_contain_text("Fill in:")
    expect(page.locator("main [aria-invalid=true]")).to_be_focused()
    assert posts == []
    fill_template_fields(page, "Numbers updated")
    page.get_by_role("button", name="Recall now").click()
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_visible()
    body = json.loads(posts[0].post_data)
    assert body["replaceWith"]["templateId"] == "typo-fixed"
    assert all(v.startswith("Numbers updated") for v in body["replaceWith"]["fields"].values())


def test_a_failed_progress_check_says_so_and_recovers(live, page):
    page.route(re.compile(r"/api/recalls/[^/?]+$"),
               fail_once(503, "graph_unavailable", "r-1", retry_after=1))
    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_role("button", name="Recall now").click()
    expect(page.locator(".poll-error")).to_contain_text(
        "Could not check progress (Microsoft 365 is busy). Trying again in")
    expect(page.get_by_role("button", name="Check now")).to_be_visible()
    expect(page.get_by_role("heading", name="Recall finished")).to_be_visible(timeout=20_000)
    expect(page.locator(".poll-error")).to_have_count(0)


def test_templates_that_fail_to_load_can_be_loaded_again(live, page):
    page.route("**/api/templates", fail_once(503, "unavailable", "r-2", retry_after=2))
    open_pane(page, live, "AAMkAGRlbW8-sent03_external")
    wait_for_verdict(page)
    page.get_by_role("button", name="Send correction…").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Microsoft 365 is busy")
    # Nothing is loading any more: no spinner, no "updating the preview" beside the error.
    expect(page.locator("main .spinner")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Loading templates")
    expect(page.locator("main .preview")).to_have_count(0)
    screenshot(page, "templates-failed-320")
    alert.get_by_role("button", name="Try again").click()
    expect(page.get_by_label("Template")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_preview_that_fails_has_the_try_again_it_names(live, page):
    page.route(re.compile(r"/api/corrections/preview$"), fail_once(500, "internal_error", "r-3"))
    open_pane(page, live, "AAMkAGRlbW8-sent03_external")
    wait_for_verdict(page)
    page.get_by_role("button", name="Send correction…").click()  # previews at once
    alert = page.locator(".preview").get_by_role("alert")
    expect(alert).to_contain_text("Something went wrong on our side")
    expect(alert).to_contain_text("Try again")
    alert.get_by_role("button", name="Try again").click()
    expect(page.locator(".preview-body")).to_be_visible()
    expect(page.locator(".preview").get_by_role("alert")).to_have_count(0)


def test_after_the_verdict_the_pane_uses_the_rest_id_the_server_found(live, page):
    # An Outlook without convertToRestId gives the pane an EWS id; the server translates it
    # once, and later calls name the message by the REST id it answered with.
    checks = requests_to(page, r"/api/eligibility$")
    posts = requests_to(page, r"/api/recalls$")
    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast", noRestIds="1")
    wait_for_verdict(page)
    assert json.loads(checks[0].post_data)["idType"] == "ews"
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_role("button", name="Recall now").click()
    expect(page.locator("body[data-view=progress]")).to_be_attached(timeout=10_000)
    body = json.loads(posts[0].post_data)
    assert (body["messageId"], body["idType"]) == ("AAMkAGRlbW8-sent01_forecast", "rest")
