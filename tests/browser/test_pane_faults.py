"""When Microsoft 365 (the sandbox's Graph) fails, the pane says so plainly and Try again works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recall_assistant.sandbox.faults import Faults
from recall_assistant.sandbox.options import SandboxOptions
from tests.browser.conftest import open_pane, screenshot, wait_for_verdict

pytestmark = pytest.mark.browser

FAULTY = SandboxOptions(fault_rate=1.0, fault_seed=7, timeout_fault_s=0.2, report_delay_s=1)


def test_graph_faults_show_a_clear_error_and_try_again_works(live_server_factory, page):
    live = live_server_factory(options=FAULTY)
    open_pane(page, live, "AAMkAGRlbW8-sent02_pricing")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible(timeout=30_000)
    # The backend retried Graph, then gave up. Which fault came last depends on how the pane's
    # parallel calls interleave, so the wait it names (from Retry-After or our default) varies.
    expect(alert.locator(".error-title")).to_have_text("Microsoft 365 is busy")
    expect(alert.locator(".error-next")).to_have_text(
        re.compile(r"^Nothing was changed\. Try again in \d+ s\.$"))
    expect(alert).to_contain_text("Reference for your administrator:")
    screenshot(page, "graph-fault-320")

    # Microsoft 365 recovers: the same button now gets the verdict.
    live.sandbox.faults = Faults(SandboxOptions())
    alert.get_by_role("button", name="Try again").click()
    wait_for_verdict(page)
    expect(page.get_by_role("heading", level=2)).to_have_text("Recall will reach some people")


def test_our_own_rate_limit_is_named_as_the_users_not_microsofts(live_server_factory, page):
    # One eligibility check a minute: opening the pane uses it, reopening it meets the limit.
    live = live_server_factory(RA_RATE_LIMIT_READ="1/minute")
    open_pane(page, live, "AAMkAGRlbW8-sent02_pricing")
    wait_for_verdict(page)
    page.reload()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible(timeout=30_000)
    expect(alert.locator(".error-title")).to_have_text("Too many requests from you")
    expect(alert.locator(".error-next")).to_have_text(
        re.compile(r"^Nothing was changed\. Wait \d+ s, then try again\.$"))
    expect(alert).not_to_contain_text("Microsoft 365")
    screenshot(page, "rate-limited-320")
