"""Browser tests: Playwright for Python driving Debian's chromium (Playwright cannot download its own browsers here)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from recall_assistant.sandbox.fixture import default_fixture_path, parse_tenant
from tests.support import require

CHROMIUM = os.environ.get("RA_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
# Git-ignored: screenshots the tests take, for people to look at. pytest-playwright empties
# test-results/ when a browser session starts, so each run leaves only its own.
SCREENSHOTS = Path(os.environ.get("RA_SCREENSHOTS") or ROOT / "test-results" / "screenshots")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ADELE = "adele@contoso.com"
NARROW = {"width": 320, "height": 720}
WIDE = {"width": 800, "height": 900}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its own browsers here; Debian's build works with it.
    require(os.path.exists(CHROMIUM), f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # No background traffic: this machine's network is closed.
        "args": ["--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The live server's certificate comes from a CA made for the test session.
    return {**browser_context_args, "ignore_https_errors": True, "viewport": NARROW}


def pane_url(live, item: str | None, user: str = ADELE, **shim: str) -> str:
    """The task pane as the sandbox's Office shim plays Outlook (see frontend/demo/office-shim.js)."""
    query = {"user": user, **shim}
    if item is not None:
        query["item"] = item
    return f"{live.url}/taskpane.html?{urlencode(query)}"


def open_pane(page: Page, live, item: str | None, **shim: str) -> Page:
    page.goto(pane_url(live, item, **shim))
    return page


def wait_for_verdict(page: Page) -> None:
    expect(page.locator("body[data-loaded=verdict]")).to_be_attached(timeout=20_000)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-results/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shim_record(page: Page) -> dict:
    """What the pane asked of the Office shim: calls, notifications, token fetches."""
    return page.evaluate("JSON.parse(JSON.stringify(window.__officeShim))")


def tenant_with(changes) -> object:
    """The shipped tenant, changed by ``changes(raw_json)`` (in place)."""
    raw = json.loads(Path(default_fixture_path()).read_text(encoding="utf-8"))
    changes(raw)
    return parse_tenant(raw, source="browser-test")


def api_token(live, user: str = ADELE) -> str:
    response = live.session().get(f"{live.url}/sandbox/token", params={"user": user})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def api_eligibility(live, item: str, user: str = ADELE) -> dict:
    """The API's own answer, to compare the pane with."""
    response = live.session().post(f"{live.url}/api/eligibility", json={"itemId": item},
                                   headers={"Authorization": f"Bearer {api_token(live, user)}"})
    assert response.status_code == 200, response.text
    return response.json()


def requests_to(page: Page, pattern: str) -> list:
    """Every request the page makes whose URL matches ``pattern`` (collected as they go)."""
    seen: list = []
    page.on("request", lambda r: seen.append(r) if re.search(pattern, r.url) else None)
    return seen


def fill_template_fields(page: Page, text: str) -> None:
    """Fill every field of the chosen template (the templates are the server's)."""
    fields = page.locator("main .template-fields").locator("input[type=text], textarea")
    expect(fields.first).to_be_visible()
    for i in range(fields.count()):
        fields.nth(i).fill(f"{text} ({i + 1})")


def copies_of(live, mailbox: str, internet_message_id: str) -> list:
    now = live.sandbox.clock()
    return [m for m in live.sandbox.mail.messages(mailbox, None, now)
            if m.internet_message_id == internet_message_id]
