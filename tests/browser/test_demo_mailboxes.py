"""The demo's reading pane: what landed in each sandbox mailbox, read as a person would."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import api_token

pytestmark = pytest.mark.browser

PRICING = "AAMkAGRlbW8-sent02_pricing"
BOARD_DECK = "AAMkAGRlbW8-sent10_everyone"  # the fixture's demoStart
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


def _send_correction(live, message_id: str) -> None:
    session = live.session()
    headers = {"Authorization": f"Bearer {api_token(live)}"}
    template = session.get(f"{live.url}/api/templates", headers=headers).json()["templates"][0]
    fields = {f["name"]: "Please ignore it." for f in template["fields"] if f["required"]}
    sent = session.post(f"{live.url}/api/corrections",
                        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                        json={"messageId": message_id, "templateId": template["id"],
                              "fields": fields, "audience": "all"})
    assert sent.status_code == 201, sent.text


def test_the_demo_opens_on_its_first_message_not_on_what_was_sent_last(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    _send_correction(live_server, PRICING)  # now the newest message in Adele's Sent Items
    page.goto(f"{live_server.url}/demo")
    expect(page.get_by_label("Message", exact=True)).to_have_value(BOARD_DECK)
    expect(page.locator("#subject")).to_have_text("Board deck — final")


def test_reset_puts_back_the_mailboxes_and_empties_the_demo_database(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    _send_correction(live_server, PRICING)
    store = live_server.app.extensions["recall_assistant"].store
    assert len(list(store.iter_audit())) > 0
    page.goto(f"{live_server.url}/demo?user=alex@contoso.com")
    corrections = page.locator("#message option", has_text="Pricing for the Fabrikam renewal")
    expect(corrections).to_have_count(2)  # the original and the correction, in Alex's Inbox

    page.get_by_role("button", name="Reset the sandbox").click()
    expect(page.locator("#picker-status")).to_have_text(re.compile("^Sandbox reset:"))
    # Back on the demo's first message, and nothing of the correction is left anywhere.
    expect(page.get_by_label("Signed-in user")).to_have_value("adele@contoso.com")
    expect(page.get_by_label("Message", exact=True)).to_have_value(BOARD_DECK)
    frame = page.frame_locator("#pane")
    expect(frame.locator("body[data-loaded=verdict]")).to_be_attached(timeout=20_000)
    page.get_by_label("Signed-in user").select_option("alex@contoso.com")
    expect(corrections).to_have_count(1)
    assert list(store.iter_audit()) == []


def test_reset_refuses_another_origin_and_a_form_post(live_server):
    session = live_server.session()
    url = f"{live_server.url}/sandbox/demo/reset"
    assert session.post(url, json={}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert session.post(url, data={"x": "1"}).status_code == 403
    assert session.post(url, json={}, headers={"Origin": live_server.url}).status_code == 200


def test_the_demo_fits_a_320_px_screen(live_server, page):
    page.set_viewport_size({"width": 320, "height": 720})
    page.goto(f"{live_server.url}/demo")
    expect(page.frame_locator("#pane").locator("body[data-loaded=verdict]")).to_be_attached(
        timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_pane_finds_earlier_recalls_by_the_id_outlook_gives(live_server, page):
    """Opening the pane reads the message once: the eligibility check reads it, the look for
    earlier recalls beside it goes by the Internet message id the demo's Outlook gives."""
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/api/recalls" in r.url else None)
    page.goto(f"{live_server.url}/demo?user=adele@contoso.com&message={PRICING}")
    expect(page.frame_locator("#pane").locator("body[data-loaded=verdict]")).to_be_attached(
        timeout=15_000)
    assert len(asked) == 1, asked
    query = parse_qs(urlsplit(asked[0]).query)
    assert list(query) == ["internetMessageId"]
    assert query["internetMessageId"][0].startswith("<") and "@" in query["internetMessageId"][0]
