"""The pane's string catalogues complete (English, German, French); the whole journey in German
and in French with no English and no raw {placeholder} on any screen, screenshots of each."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recall_assistant.sandbox.options import SandboxOptions
from tests.browser.conftest import NARROW, open_pane, screenshot, wait_for_verdict

pytestmark = pytest.mark.browser

# Headlines are built in the pane for every language but English (English's is the API's).
BUILT_HERE = re.compile(r"^headline\.")
LANGUAGES = {"de-DE": "de", "fr-FR": "fr"}


def test_every_catalogue_has_every_string(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    keys = {lang: set(found) for lang, found in page.evaluate(
        "import('/frontend/strings.js').then((m) => m.catalogueKeys())").items()}
    assert set(keys) == {"en", "de", "fr"}
    english = keys["en"]
    for lang in ("de", "fr"):
        assert english - keys[lang] == set(), f"strings with no {lang}"
        assert {k for k in keys[lang] - english if not BUILT_HERE.match(k)} == set(), \
            f"{lang} strings with no English"
    assert keys["de"] == keys["fr"]
    # Plural pairs come whole.
    for key in english:
        stem, _, form = key.rpartition(".")
        if form in ("one", "other"):
            assert f"{stem}.one" in english and f"{stem}.other" in english, key


def test_the_recall_outcome_in_german(live_server_factory, page):
    live = live_server_factory(options=SandboxOptions(report_delay_s=1))
    open_pane(page, live, "AAMkAGRlbW8-sent09_copies", lang="de-DE")
    wait_for_verdict(page)
    page.get_by_role("button", name="Nachricht zurückrufen…").click()
    page.get_by_role("button", name="Jetzt zurückrufen").click()
    expect(page.get_by_role("heading", name="Rückruf abgeschlossen")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("recall-summary")).to_have_text("2 entfernt · 1 nicht entfernt")
    expect(page.get_by_role("button", name=re.compile(
        r"^Korrektur an die 1 Person senden, die er nicht erreicht hat…$"))).to_be_visible()
    expect(page.get_by_role("button", name="Erneut prüfen")).to_be_visible()


# Words of ours that no German or French screen may show. Someone else's text (names,
# addresses, subjects, the message quoted in a preview) is in <bdi> and left out.
# ("copies", "organisation", "message" are French too.)
ENGLISH = re.compile(r"\b(the|and|will|copy|people|person|recall|Send|Sent|Cannot|Waiting|"
                     r"Removed|Try again|Preview|Template|Back|Done|Cancel|To|Subject|opened|"
                     r"mailbox|your|with)\b")
OWN_TEXT = """() => {
  const main = document.querySelector('main').cloneNode(true);
  main.querySelectorAll('bdi, script, style').forEach((n) => n.remove());
  const labels = [...document.querySelectorAll('main [aria-label], main [title]')]
    .map((n) => `${n.getAttribute('aria-label') || ''} ${n.getAttribute('title') || ''}`);
  return `${main.innerText} ${labels.join(' ')}`.replace(/Recall Assistant|Microsoft 365/g, '');
}"""


def only_the_language(page, state: str, lang: str) -> None:
    """No English of ours and no raw {placeholder} on the screen; a screenshot at both widths."""
    text = page.evaluate(OWN_TEXT)
    assert not re.search(r"\{\w+\}", text), (state, text)
    found = ENGLISH.findall(text)
    assert found == [], (state, found, text)
    for width in (320, 800):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{state}-{lang}-{width}")
    page.set_viewport_size({"width": 320, "height": 900})


ZONES = {"de": "Europe/Berlin", "fr": "Europe/Paris"}


@pytest.mark.parametrize("display", sorted(LANGUAGES))
def test_the_whole_journey_reads_in_the_users_language(live_server_factory, browser, display):
    lang = LANGUAGES[display]
    live = live_server_factory(options=SandboxOptions(report_delay_s=1))
    # The user's clock is not UTC: the correction gives the original's time in their zone.
    context = browser.new_context(ignore_https_errors=True, viewport=NARROW,
                                  timezone_id=ZONES[lang], locale=display)
    page = context.new_page()
    open_pane(page, live, "AAMkAGRlbW8-sent10_everyone", lang=display)
    wait_for_verdict(page)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("details.reach-line summary").first.click()
    page.locator("details.notes summary").click()
    only_the_language(page, "verdict", lang)

    page.locator("#recall-button").click()
    page.locator("input[type=radio][value=replace]").check()
    expect(page.locator(".preview-body")).to_be_visible(timeout=10_000)
    only_the_language(page, "recall-confirm", lang)
    page.locator("form button[type=submit]").click()
    expect(page.locator("body[data-view=progress]")).to_be_attached(timeout=10_000)
    expect(page.get_by_test_id("recall-summary")).not_to_have_text(re.compile("^$"))
    page.wait_for_timeout(2500)  # the report arrives (report_delay_s=1) and the pane polls
    only_the_language(page, "progress", lang)

    page.locator("#correct-unreached").click()
    expect(page.locator(".preview-body")).to_be_visible(timeout=10_000)
    expect(page.locator(".preview-body")).to_contain_text(" CET)")
    only_the_language(page, "correction", lang)
    page.locator("#send-correction").click()
    expect(page.get_by_test_id("correction-recipients")).to_be_visible(timeout=10_000)
    only_the_language(page, "correction-sent", lang)

    # What landed: the correction in Adele's Sent Items is in the language too.
    now = live.sandbox.clock()
    sent = [m for m in live.sandbox.mail.messages("adele@contoso.com", "sentitems", now)
            if m.conversation_id and m.id != "AAMkAGRlbW8-sent10_everyone"
            and "Board deck" in m.subject and m.subject != "Board deck — final"]
    assert sent, "no correction in Sent Items"
    words = {"de": "Guten Tag", "fr": "Bonjour"}[lang]
    assert all(words in m.body and "Hello" not in m.body for m in sent)

    open_pane(page, live, "AAMkAGRlbW8-megan01_budget", lang=display)  # someone else's
    expect(page.get_by_role("alert")).to_be_visible(timeout=10_000)
    only_the_language(page, "error-not-yours", lang)
    open_pane(page, live, "AAMkAGRlbW8-inbox01_lunch", lang=display)  # not a sent message
    expect(page.locator("body[data-view=notSent]")).to_be_attached(timeout=10_000)
    only_the_language(page, "not-sent", lang)
    context.close()
