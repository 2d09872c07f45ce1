"""Bidi controls in someone else's text: a subject with U+202E must not display reversed.

"Invoice \u202egnp.exe" shows as "Invoice exe.png" where it is rendered raw. The pane and the
demo page drop the explicit embeddings, overrides and isolates and put each such text in a
<bdi> of its own, so it cannot reorder the pane's words around it either.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import fill_template_fields, open_pane, tenant_with, wait_for_verdict

pytestmark = pytest.mark.browser

OLD = "AAMkAGRlbW8-sent07_old"            # Diego's copy is too old: call and Teams links
FORECAST = "AAMkAGRlbW8-sent01_forecast"  # Alex and Megan, inside Contoso
RLO, LRE, PDF, RLI, PDI = "\u202e", "\u202a", "\u202c", "\u2067", "\u2069"
SUBJECT = f"Invoice {RLO}gnp.exe"
SHOWN_SUBJECT = "Invoice gnp.exe"
NAME = f"Alex {LRE}Wilber{PDF} {RLI}x"
SHOWN_NAME = "Alex Wilber x"
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

# Each text node under the element: its text, and whether a <bdi> ancestor isolates it.
TEXT_NODES = """element => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const bdi = node.parentElement.closest("bdi");
    found.push({ text: node.data,
                 isolated: Boolean(bdi) && getComputedStyle(bdi).unicodeBidi === "isolate" });
  }
  return found;
}"""


def poison(raw):
    for message in raw["messages"]:
        if message["id"] in (OLD, FORECAST):
            message["subject"] = SUBJECT
        if message["id"] == FORECAST:
            message["toRecipients"] = [{"address": "alex@contoso.com", "name": NAME}]


@pytest.fixture
def live(live_server_factory):
    return live_server_factory(tenant=tenant_with(poison))


def assert_isolated(locator, shown: str) -> None:
    """``locator`` shows ``shown`` (no bidi control), and ``shown`` is inside an isolating <bdi>."""
    expect(locator).to_contain_text(shown)
    nodes = locator.evaluate(TEXT_NODES)
    text = "".join(node["text"] for node in nodes)
    assert not BIDI_CONTROLS.search(text), repr(text)
    assert any(node["isolated"] and shown in node["text"] for node in nodes), nodes


def test_the_verdict_shows_subject_and_names_isolated_without_overrides(live, page):
    open_pane(page, live, FORECAST)
    wait_for_verdict(page)
    assert_isolated(page.locator(".message-subject"), SHOWN_SUBJECT)
    alex = page.locator('li.person[data-address="alex@contoso.com"]')
    assert_isolated(alex.locator(".person-name"), SHOWN_NAME)
    assert_isolated(alex.locator(".person-address"), "alex@contoso.com")


def test_contact_links_and_the_teams_draft_carry_no_override(live, page):
    open_pane(page, live, OLD)
    wait_for_verdict(page)
    assert_isolated(page.locator(".message-subject"), SHOWN_SUBJECT)
    chat = page.locator('li.person[data-address="diego@contoso.com"]').get_by_role(
        "link", name="Chat with Diego Siciliani in Teams")
    href = chat.get_attribute("href")
    assert "%E2%80%AE" not in href.upper() and "gnp.exe" in href


def test_the_correction_preview_isolates_the_subject_and_each_name(live, page):
    open_pane(page, live, FORECAST)
    wait_for_verdict(page)
    page.locator("#correct-button").click()
    fill_template_fields(page, "The right numbers")
    preview = page.locator(".preview")
    expect(preview.locator(".preview-line").first).to_contain_text(SHOWN_NAME, timeout=10_000)
    assert_isolated(preview.locator(".preview-line").first, SHOWN_NAME)
    assert_isolated(preview.locator(".preview-line").nth(1), SHOWN_SUBJECT)
    body = preview.locator(".preview-body")
    assert not BIDI_CONTROLS.search(body.inner_text())
    assert body.locator("bdi").count() == 1


def test_the_demo_page_isolates_the_open_message(live, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live.url}/demo?user=adele@contoso.com&message={FORECAST}")
    assert_isolated(page.locator("#subject"), SHOWN_SUBJECT)
    assert_isolated(page.locator("#picker-status"), SHOWN_SUBJECT)
    assert_isolated(page.locator("#from"), "Adele Vance")
    label = page.locator(f'#message option[value="{FORECAST}"]').inner_text()
    assert not BIDI_CONTROLS.search(label) and SHOWN_SUBJECT in label
