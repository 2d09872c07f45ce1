"""The progress view drawn from recall answers of the shape docs/api.md gives (issue 12),
served by the test, so that each state is shown exactly: waiting, may never be confirmed, no
report, the correction's line, "Try again" only once settled."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_pane, requests_to, screenshot

pytestmark = pytest.mark.browser

PRICING = "AAMkAGRlbW8-sent02_pricing"


def person(address, name, status, *, reason=None, unsure=False, retryable=False):
    return {"address": address, "name": name, "status": status,
            "reason": {"code": reason[0], "text": reason[1]} if reason else None,
            "source": "report" if status != "pending" else None,
            "mayNeverConfirm": unsure, "retryable": retryable}


def status(*, settled, people, correction=None, retryable=0, summary):
    return {"id": "rec-1", "status": "completed" if settled else "submitted",
            "messageId": PRICING, "internetMessageId": "<x@y>",
            "requestedAt": "2026-01-05T10:00:00Z", "lastCheckedAt": "2026-01-05T10:00:05Z",
            "reportReceived": True, "settled": settled, "waitUntil": "2026-01-06T10:00:00Z",
            "summary": summary, "notReached": sum(1 for p in people if p["status"] in
                                                  ("failed", "no_report") or p["mayNeverConfirm"]),
            "retryable": retryable, "recipients": people, "correction": correction,
            "error": None, "statusMessage": None}


def serve(page, answer: dict) -> None:
    """Answer the pane's recall look-ups with ``answer`` (eligibility stays the server's)."""
    body = json.dumps(answer)
    page.route(re.compile(r"/api/recalls/rec-1$"),
               lambda route: route.fulfill(status=200, content_type="application/json", body=body))
    page.route(re.compile(r"/api/recalls\?"), lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"recalls": [answer]})))


RUNNING = status(settled=False, summary={"succeeded": 1, "failed": 1, "pending": 1, "noReport": 0},
                 people=[
                     person("alex@contoso.com", "Alex Wilber", "succeeded"),
                     person("jordan.miller@gmail.com", "Jordan Miller", "failed",
                            reason=("consumer_mail", "gmail.com is outside Microsoft 365.")),
                     person("buyer@fabrikam.com", "Fabrikam Purchasing", "pending", unsure=True),
                 ],
                 correction={"id": "cor-1", "status": "failed", "recipients": None,
                             "error": {"code": "graph_unavailable",
                                       "message": "Microsoft 365 did not answer."}})


def test_a_running_recall_with_a_partner_and_a_failed_correction(live_server, page):
    serve(page, RUNNING)
    open_pane(page, live_server, PRICING)
    expect(page.locator("body[data-loaded=recall]")).to_be_attached(timeout=20_000)
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_visible()
    expect(page.get_by_test_id("recall-summary")).to_have_text(
        "1 removed · 1 not removed · 1 waiting")
    partner = page.locator('.progress-row[data-address="buyer@fabrikam.com"]')
    expect(partner).to_contain_text("Waiting — may never be confirmed")
    expect(partner.locator(".reason")).to_contain_text("may never be confirmed")
    expect(partner.get_by_role("link", name=re.compile("in Teams$"))).to_be_visible()
    jordan = page.locator('.progress-row[data-address="jordan.miller@gmail.com"]')
    expect(jordan.locator(".reason")).to_have_text("gmail.com is outside Microsoft 365.")
    expect(page.locator('.progress-row[data-address="alex@contoso.com"] .contact-links')).to_have_count(0)

    # Offered before the recall ends; "Try again" only once it has.
    expect(page.get_by_role("button", name="Send a correction to the 2 people it did not reach…")).to_have_class("primary")
    expect(page.get_by_role("button", name=re.compile("^Try again for"))).to_have_count(0)

    line = page.get_by_test_id("correction-line")
    expect(line).to_have_attribute("data-status", "failed")
    expect(line).to_contain_text("Not sent: Microsoft 365 did not answer.")
    screenshot(page, "progress-contract-running-320")
    line.get_by_role("button", name="Send the correction again…").click()
    expect(page.get_by_role("heading", name="Send a correction")).to_be_focused()
    expect(page.get_by_label("Only those recall did not reach")).to_be_checked()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_focused()


def test_a_settled_recall_offers_try_again_as_a_second_choice(live_server, page):
    answer = status(settled=True, retryable=1,
                    summary={"succeeded": 1, "failed": 1, "pending": 0, "noReport": 1},
                    people=[
                        person("alex@contoso.com", "Alex Wilber", "failed", retryable=True,
                               reason=("recall_failed", "Recall failed for this recipient.")),
                        person("jordan.miller@gmail.com", "Jordan Miller", "succeeded"),
                        person("buyer@fabrikam.com", "Fabrikam Purchasing", "no_report",
                               reason=("no_report", "No recall report came within 24 hours.")),
                    ])
    serve(page, answer)
    posts = requests_to(page, r"/api/recalls$")
    retried = {"body": None}

    def retry(route):
        retried["body"] = json.loads(route.request.post_data)
        route.fulfill(status=202, content_type="application/json", body=json.dumps(
            {"id": "rec-1", "attemptId": "rec-2", "status": "submitted", "messageId": PRICING,
             "retried": 1}))

    page.route(re.compile(r"/api/recalls$"), retry)
    open_pane(page, live_server, PRICING)
    expect(page.get_by_role("heading", name="Recall finished")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("recall-summary")).to_have_text(
        "1 removed · 1 not removed · 1 no report")
    expect(page.get_by_test_id("recall-summary")).not_to_contain_text("waiting")
    buyer = page.locator('.progress-row[data-address="buyer@fabrikam.com"]')
    expect(buyer).to_contain_text("No report")
    expect(buyer.locator(".reason")).to_have_text("No recall report came within 24 hours.")
    correct = page.get_by_role("button", name="Send a correction to the 2 people it did not reach…")
    expect(correct).to_have_class("primary")
    again = page.get_by_role("button", name="Try again for 1 person")
    expect(again).to_have_class("secondary")
    again.click()
    expect(page.get_by_text("Recall asked again for 1 person.")).to_be_visible()
    assert retried["body"] == {"messageId": PRICING, "idType": "rest", "replaceWith": None,
                               "retry": True}
    assert posts[0].headers["idempotency-key"]


def test_already_recalled_shows_that_recall_with_a_note(live_server, page):
    serve(page, RUNNING)
    page.route(re.compile(r"/api/recalls\?"), lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"recalls": []})))
    page.route(re.compile(r"/api/recalls$"), lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(
            {"id": "rec-1", "status": "submitted", "messageId": PRICING,
             "alreadyRecalled": True})))
    open_pane(page, live_server, PRICING)
    expect(page.locator("body[data-loaded=verdict]")).to_be_attached(timeout=20_000)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_role("button", name="Recall now").click()
    expect(page.get_by_test_id("already-recalled")).to_have_text(
        "This message was already recalled, so nothing was asked again. This is that recall.")
    expect(page.get_by_test_id("recall-summary")).to_have_text(
        "1 removed · 1 not removed · 1 waiting")
