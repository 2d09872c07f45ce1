"""The demo page: the task pane in a 320 px frame, with pickers for the user and the message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shim_record

pytestmark = pytest.mark.browser


def pane(page):
    return page.frame_locator("#pane")


def test_demo_page_opens_the_pane_on_a_seeded_sent_message(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/demo")
    expect(page).to_have_title("Recall Assistant — demo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recall Assistant demo")
    expect(page.get_by_label("Signed-in user")).to_have_value("adele@contoso.com")
    # The first of Adele's sent messages opens at once, as in Outlook.
    expect(pane(page).locator("body[data-loaded=verdict]")).to_be_attached(timeout=20_000)
    assert page.locator("#pane").bounding_box()["width"] == 320
    subject = page.locator("#subject").inner_text()
    expect(pane(page).locator(".message-subject")).to_have_text(subject)
    # The address bar names the message, so the page can be shared or reloaded.
    assert re.search(r"/demo\?user=adele%40contoso.com&message=AAMkAG", page.url)


def test_deep_link_opens_that_message_and_the_picker_switches(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/demo?user=adele@contoso.com&message=AAMkAGRlbW8-sent03_external")
    expect(pane(page).get_by_role("heading", level=2)).to_have_text("Recall will not reach anyone",
                                                                     timeout=20_000)
    expect(page.locator("#subject")).to_have_text("Contract v2 (wrong file)")

    page.get_by_label("Message", exact=True).select_option("AAMkAGRlbW8-inbox01_lunch")
    page.get_by_role("button", name="Open in the task pane").click()
    expect(pane(page).get_by_role("heading", name="Open a message from Sent Items")).to_be_visible()

    page.get_by_label("Signed-in user").select_option("megan@contoso.com")
    page.get_by_label("Outlook's language").select_option("de-DE")
    page.get_by_role("button", name="Open in the task pane").click()
    expect(page.locator("#subject")).to_have_text("Marketing budget")
    expect(pane(page).get_by_role("heading", level=2)).to_have_text(
        "Der Rückruf wird wahrscheinlich klappen", timeout=20_000)


def test_notifications_on_the_message_show_on_the_demo_page(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/demo?user=adele@contoso.com&message=AAMkAGRlbW8-sent01_forecast")
    expect(pane(page).locator("body[data-loaded=verdict]")).to_be_attached(timeout=20_000)
    frame = page.frame(url=re.compile("taskpane.html"))
    # What the pane does when a recall settles (host.notify → item.notificationMessages).
    frame.evaluate("""() => Office.context.mailbox.item.notificationMessages.addAsync(
        "probe", {type: "informationalMessage", message: "Recall finished: removed for all 2.",
                  icon: "RecallAssistant.Icon16", persistent: false}, () => {})""")
    expect(page.locator(".notification")).to_have_text("Recall finished: removed for all 2.")
    assert shim_record(frame)["notifications"][0]["key"] == "probe"


def test_the_links_it_offers_work(live_server, page):
    page.goto(f"{live_server.url}/demo")
    page.get_by_text("What is running here").click()
    page.get_by_role("link", name="/healthz").click()
    expect(page.locator("body")).to_contain_text('"status":"ok"')
