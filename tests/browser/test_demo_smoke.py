"""The demo page opens in a real browser over HTTPS."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_demo_page_renders(page, live_server):
    page.goto(f"{live_server.url}/demo")
    expect(page).to_have_title("Recall Assistant — demo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recall Assistant demo")
    expect(page.get_by_role("status")).to_have_text("The task pane is not built yet.")
    # The links it offers work.
    page.get_by_role("link", name="/healthz").click()
    expect(page.locator("body")).to_contain_text('"status":"ok"')
