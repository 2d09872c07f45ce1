"""The pane's string catalogues: English and German complete, and the recall journey in German."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recall_assistant.config import SandboxOptions
from tests.browser.conftest import open_pane, wait_for_verdict

pytestmark = pytest.mark.browser

# German has its own reason texts and headlines (English ones come from the API as written).
GERMAN_ONLY = re.compile(r"^(reason|headline)\.")


def test_english_and_german_catalogues_have_the_same_strings(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    keys = page.evaluate("import('/frontend/strings.js').then((m) => m.catalogueKeys())")
    english, german = set(keys["en"]), set(keys["de"])
    assert english - german == set(), "strings with no German"
    assert {k for k in german - english if not GERMAN_ONLY.match(k)} == set(), \
        "German strings with no English"
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
