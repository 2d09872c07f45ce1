"""The demo's reading pane: what landed in each sandbox mailbox, read as a person would."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import api_token

pytestmark = pytest.mark.browser

PRICING = "AAMkAGRlbW8-sent02_pricing"
ORIGINAL = "Our floor price for the renewal is 42,000. Do not share this outside Contoso."


def test_reading_pane_shows_the_text_and_the_real_sender(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/demo?user=adele@contoso.com&message={PRICING}")
    expect(page.locator("#body")).to_have_text(ORIGINAL)
    expect(page.locator("#from")).to_have_text("Adele Vance <adele@contoso.com>")

    # Alex's copy in his Inbox: from Adele, not from the signed-in user.
    page.get_by_label("Signed-in user").select_option("alex@contoso.com")
    copy = page.locator("#message option", has_text="Pricing for the Fabrikam renewal (Inbox)")
    page.get_by_label("Message", exact=True).select_option(copy.get_attribute("value"))
    page.get_by_role("button", name="Open in the task pane").click()
    expect(page.locator("#from")).to_have_text("Adele Vance <adele@contoso.com>")
    expect(page.locator("#body")).to_have_text(ORIGINAL)


def test_refresh_reads_mail_that_arrived_since(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/demo?user=alex@contoso.com")
    expect(page.get_by_label("Signed-in user")).to_have_value("alex@contoso.com")
    before = page.locator("#message option").count()

    # Adele sends a correction while the page is open.
    session = live_server.session()
    headers = {"Authorization": f"Bearer {api_token(live_server)}"}
    templates = session.get(f"{live_server.url}/api/templates", headers=headers).json()
    template = templates["templates"][0]
    fields = {f["name"]: "The figure to use is in the price list." for f in template["fields"]
              if f["required"]}
    sent = session.post(f"{live_server.url}/api/corrections",
                        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                        json={"messageId": PRICING, "templateId": template["id"],
                              "fields": fields, "audience": "all"})
    assert sent.status_code == 201, sent.text

    page.get_by_role("button", name="Refresh the mailboxes").click()
    expect(page.locator("#picker-status")).to_have_text("Mailboxes read again.")
    expect(page.locator("#message option")).to_have_count(before + 1)
    expect(page.get_by_label("Signed-in user")).to_have_value("alex@contoso.com")
