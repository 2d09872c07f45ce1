"""The verdict in the task pane, for every seeded message, as a person sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADELE,
    WIDE,
    api_eligibility,
    open_pane,
    screenshot,
    tenant_with,
    wait_for_verdict,
)

pytestmark = pytest.mark.browser

VERDICT_TITLES = {
    "recallable": "Recall will probably work",
    "partly_recallable": "Recall will reach some people",
    "not_recallable": "Recall will not reach anyone",
    "unknown": "We cannot tell what recall will do",
}
GROUP_TITLES = {"likely": "Recall deletes their copy", "unknown": "Cannot tell",
                "unlikely": "Will keep their copy", "impossible": "Will keep their copy"}


def sent_messages(live):
    return [m for m in live.tenant.messages if m.owner == ADELE and m.folder == "sentitems"]


def test_every_seeded_sent_message_gets_its_verdict(live_server, page):
    messages = sent_messages(live_server)
    assert len(messages) == 10
    seen = set()
    for message in messages:
        expected = api_eligibility(live_server, message.id)
        open_pane(page, live_server, message.id)
        wait_for_verdict(page)
        summary = expected["summary"]
        seen.add(summary["verdict"])
        expect(page.get_by_role("heading", level=2)).to_have_text(VERDICT_TITLES[summary["verdict"]])
        expect(page.get_by_test_id("headline")).to_have_text(summary["headline"])
        expect(page.locator(".message-subject")).to_have_text(message.subject)
        # Every person is listed once, under the heading of their verdict.
        people = [r for r in expected["recipients"] if r["counted"]]
        for person in people:
            row = page.locator(f'li.person[data-address="{person["address"]}"]')
            expect(row).to_have_count(1)
            group = row.locator("xpath=ancestor::section[1]/h3")
            expect(group).to_contain_text(GROUP_TITLES[person["verdict"]])
            if person["via"]:
                expect(row.locator(".person-via")).to_contain_text(f"via {person['via']}")
        expect(page.locator("li.person")).to_have_count(len(expected["recipients"]))
        recall = page.get_by_role("button", name="Recall message…")
        expect(recall).to_have_count(0 if summary["verdict"] == "not_recallable" else 1)
    # The seeded messages cover every summary verdict.
    assert seen == set(VERDICT_TITLES)


def test_reasons_contact_links_and_groups(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-sent10_everyone")
    wait_for_verdict(page)
    # Whom recall will not reach comes first, then whom we cannot tell about, then the rest.
    titles = page.locator(".recipient-group h3 > span:first-child").all_inner_texts()
    assert titles == ["Will keep their copy", "Cannot tell", "Recall deletes their copy",
                      "Groups it was sent to"]
    keep = page.locator("#group-keep").locator("xpath=..")
    expect(keep.locator(".reason-group .chip")).to_have_text(["Outside Microsoft 365"])
    expect(keep.locator(".reason-group > .reason")).to_have_text(
        "gmail.com is outside Microsoft 365: recall cannot reach it. Send a correction instead.")
    # Seven colleagues share one reason: one line, said once, that opens to their names.
    reach = page.locator("details.reach-line")
    expect(reach).to_have_count(1)
    expect(reach.locator("summary")).to_have_text(
        "7 colleagues in your organisation: recall deletes their copies, opened or not")
    member = page.locator('li.person[data-address="lee@contoso.com"]')
    expect(member).to_be_hidden()
    reach.locator("summary").click()
    expect(member).to_be_visible()
    expect(member.locator(".person-via")).to_have_text("via sales@contoso.com")
    expect(member.locator(".reason")).to_have_count(0)  # the line above says it
    expect(page.get_by_text("In your organisation: recall deletes this copy")).to_have_count(0)
    groups = page.get_by_role("region", name=re.compile("Groups it was sent to"))
    expect(groups.locator("h3 .count")).to_have_text("1 group")
    expect(groups.locator(".person-members")).to_have_text("5 people · includes Sales EMEA")
    page.get_by_text("Good to know").click()
    expect(page.locator(".notes")).to_contain_text("Recall does not follow forwards")


def test_at_320_px_the_outsider_is_in_view_and_the_headline_counts_once(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-sent10_everyone")  # a group and outsiders
    wait_for_verdict(page)
    outsider = page.locator('li.person[data-address="jordan.miller@gmail.com"]').bounding_box()
    viewport = page.viewport_size
    assert viewport["width"] == 320
    assert outsider["y"] + outsider["height"] <= viewport["height"], outsider
    headline = page.get_by_test_id("headline").inner_text()
    assert headline == ("Of 10 recipients, 1 will probably keep this message and for 2 we "
                        "cannot tell; recall will probably delete the other 7 copies.")
    # No second line repeating the counts anywhere in the card.
    card = page.locator(".headline").inner_text()
    assert card.count("10") == 1 and card.count("7") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "verdict-group-and-outsiders-320")


def test_a_direct_recipient_shows_the_directory_name_for_a_bare_address(live_server_factory, page):
    def bare(raw):
        for message in raw["messages"]:
            if message["id"] == "AAMkAGRlbW8-sent01_forecast":
                message["toRecipients"] = [{"address": "alex@contoso.com",
                                            "name": "alex@contoso.com"}]

    live = live_server_factory(tenant=tenant_with(bare))
    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    page.locator("details.reach-line summary").click()
    alex = page.locator('li.person[data-address="alex@contoso.com"]')
    expect(alex.locator(".person-name")).to_have_text("Alex Wilber")
    expect(alex.locator(".person-address")).to_have_text("alex@contoso.com")


def test_colleagues_recall_cannot_reach_get_call_and_teams_links(live_server, page):
    # Diego's copy is 45 days old, past the tenant's 30-day limit: he is a colleague to call.
    open_pane(page, live_server, "AAMkAGRlbW8-sent07_old")
    wait_for_verdict(page)
    diego = page.locator('li.person[data-address="diego@contoso.com"]')
    expect(diego.locator("xpath=ancestor::div[contains(@class,'reason-group')]//h4")).to_have_text(
        "Too old")
    expect(diego).to_contain_text("No phone number in the directory")  # Diego has none
    chat = diego.get_by_role("link", name="Chat with Diego Siciliani in Teams")
    href = chat.get_attribute("href")
    assert href.startswith("https://teams.microsoft.com/l/chat/0/0?users=diego%40contoso.com&message=")
    assert "Salary%20review%20(September)" in href or "Salary%20review%20%28September%29" in href
    assert chat.get_attribute("target") == "_blank"

    open_pane(page, live_server, "AAMkAGRlbW8-sent09_copies")  # deep check off: all likely
    wait_for_verdict(page)
    expect(page.locator(".contact-links")).to_have_count(0)


def test_a_phone_from_the_directory_becomes_a_tel_link(live_server_factory, page):
    live = live_server_factory(tenant=tenant_with(_make_isaiah_old))
    open_pane(page, live, "AAMkAGRlbW8-sent08_self")
    wait_for_verdict(page)
    isaiah = page.locator('li.person[data-address="isaiah@contoso.com"]')
    call = isaiah.get_by_role("link", name="Call Isaiah Langer: +1 918 555 0104")
    expect(call).to_have_attribute("href", "tel:+19185550104")
    # The sender's own copy is shown apart, and not counted.
    expect(page.get_by_role("region", name=re.compile("^You"))).to_contain_text("Adele Vance")


def _make_isaiah_old(raw):
    for message in raw["messages"]:
        if message["id"] == "AAMkAGRlbW8-sent08_self":
            message["sentDateTime"] = "now-40d"


def test_a_message_not_in_sent_items_asks_for_one(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-inbox01_lunch")
    expect(page.get_by_role("heading", name="Open a message from Sent Items")).to_be_visible()
    expect(page.locator("#announcer")).to_have_text("Open a message from Sent Items")
    # Nothing open at all (the pane pinned, no message selected): the same advice.
    open_pane(page, live_server, None)
    expect(page.get_by_role("heading", name="Open a message from Sent Items")).to_be_visible()


def test_another_users_message_says_it_is_not_in_the_mailbox(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-megan01_budget")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This message is not in your mailbox any more")
    expect(alert).to_contain_text("Open it again from Sent Items")
    # Asking again gives the same answer: the step it names is in Outlook, not a button here.
    expect(alert.get_by_role("button")).to_have_count(0)


def test_german_display_language(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-sent03_external", lang="de-DE")
    wait_for_verdict(page)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=2)).to_have_text("Der Rückruf erreicht niemanden")
    expect(page.get_by_test_id("headline")).to_have_text(
        "Der Rückruf erreicht keinen Ihrer Empfänger. Senden Sie eine Korrektur oder melden Sie "
        "sich direkt.")
    sam = page.locator('li.person[data-address="sam.rivera@gmail.com"]')
    expect(sam.locator("xpath=ancestor::div[contains(@class,'reason-group')]/p")).to_have_text(
        "gmail.com liegt außerhalb von Microsoft 365: Der Rückruf erreicht sie nicht. Senden Sie "
        "stattdessen eine Korrektur.")
    expect(page.get_by_role("button", name="Korrektur senden…")).to_be_visible()


def test_data_is_shown_as_text_never_as_markup(live_server_factory, page):
    hostile = '<img src=x onerror="window.__owned=1">'

    def poison(raw):
        for message in raw["messages"]:
            if message["id"] == "AAMkAGRlbW8-sent01_forecast":
                message["subject"] = f"Forecast {hostile}"
                message["toRecipients"] = [{"address": "alex@contoso.com", "name": hostile}]

    live = live_server_factory(tenant=tenant_with(poison))
    open_pane(page, live, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    expect(page.locator(".message-subject")).to_have_text(f"Forecast {hostile}")
    expect(page.locator("main img")).to_have_count(0)
    assert page.evaluate("window.__owned") is None


def test_wide_layout_puts_groups_side_by_side(live_server, page):
    page.set_viewport_size(WIDE)
    open_pane(page, live_server, "AAMkAGRlbW8-sent10_everyone")
    wait_for_verdict(page)
    likely = page.locator("#group-likely").bounding_box()
    unknown = page.locator("#group-unknown").bounding_box()
    assert unknown["x"] > likely["x"] + 200  # two columns
    screenshot(page, "verdict-800")


def test_a_skeleton_shows_while_the_verdict_loads(live_server, page):
    held = []
    page.route("**/api/eligibility", lambda route: held.append(route))
    open_pane(page, live_server, "AAMkAGRlbW8-sent01_forecast")
    skeleton = page.locator("main .skeleton")
    expect(skeleton).to_be_visible()
    expect(skeleton).to_contain_text("Checking what recall can still delete")
    expect(page.locator("main")).to_have_attribute("aria-busy", "true")
    screenshot(page, "loading-320")
    for _ in range(100):  # the route handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    wait_for_verdict(page)
    expect(page.locator("main")).to_have_attribute("aria-busy", "false")
