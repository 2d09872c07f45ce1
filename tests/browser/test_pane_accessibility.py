"""axe-core finds no serious or critical problem in any state of the pane; screenshots of each
state at 320 px and 800 px are saved under test-results/screenshots/ for people to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from recall_assistant.sandbox.options import SandboxOptions
from tests.browser.conftest import (
    AXE,
    NARROW,
    WIDE,
    open_pane,
    screenshot,
    wait_for_verdict,
)
from tests.support import require

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core goes in as an inline script, which the pages' Content-Security-Policy forbids
    # (rightly); only these scans lift it.
    return {**browser_context_args, "bypass_csp": True}


def axe_problems(page) -> list[str]:
    """Serious and critical violations, one line each (axe-core injected from node_modules)."""
    require(AXE.exists(), f"npm's axe-core at {AXE} (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in result
            if v["impact"] in ("serious", "critical")]


def check(page, name: str) -> None:
    """Scan the page as it is now, and keep a screenshot of it."""
    screenshot(page, name)
    problems = axe_problems(page)
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("size", [NARROW, WIDE], ids=["320", "800"])
def test_verdict_and_correction_states(live_server, page, size):
    width = size["width"]
    page.set_viewport_size(size)
    open_pane(page, live_server, "AAMkAGRlbW8-sent10_everyone")
    wait_for_verdict(page)
    page.get_by_text("Good to know").click()
    check(page, f"verdict-{width}")

    page.get_by_role("button", name="Recall message…").click()
    page.get_by_label("Delete it and send a correction").check()
    expect(page.locator("#template-select")).to_be_visible(timeout=10_000)
    check(page, f"recall-confirm-replace-{width}")

    page.get_by_role("button", name="Back").click()
    page.get_by_role("button", name="Send correction…").click()
    page.get_by_label("People I choose").check()
    page.get_by_label("Jordan Miller").check()
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("To: Jordan Miller", timeout=10_000)
    expect(preview).to_have_attribute("aria-busy", "false")
    check(page, f"correction-form-{width}")

    open_pane(page, live_server, "AAMkAGRlbW8-sent03_external", lang="de-DE")
    wait_for_verdict(page)
    check(page, f"verdict-de-{width}")


def test_errors_and_notices(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-sent01_forecast", sso="13005")
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, "error-sso-320")
    open_pane(page, live_server, "AAMkAGRlbW8-inbox01_lunch")
    expect(page.get_by_role("heading", name="Open a message from Sent Items")).to_be_visible()
    check(page, "not-sent-320")


def test_high_contrast(live_server, page):
    page.emulate_media(forced_colors="active")
    open_pane(page, live_server, "AAMkAGRlbW8-sent02_pricing")
    wait_for_verdict(page)
    check(page, "verdict-320-forced-colors")


def test_recall_progress(live_server_factory, page):
    live = live_server_factory(options=SandboxOptions(report_delay_s=1))
    open_pane(page, live, "AAMkAGRlbW8-sent09_copies")
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_role("button", name="Recall now").click()
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_visible()
    check(page, "recall-progress-pending-320")
    expect(page.get_by_role("heading", name="Recall finished")).to_be_visible(timeout=20_000)
    check(page, "recall-finished-320")


def test_demo_page(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/demo")
    pane = page.frame_locator("#pane")
    expect(pane.locator("body[data-loaded=verdict]")).to_be_attached(timeout=20_000)
    check(page, "demo-1280")


def test_recall_outcome_with_a_correction_and_people_not_reached(live_server_factory, page):
    # Delete and replace of a message to a partner tenant and a gmail.com address: the
    # composer with its preview, then the progress view with the correction's line, reasons
    # and contact links.
    live = live_server_factory(options=SandboxOptions(report_delay_s=1))
    open_pane(page, live, "AAMkAGRlbW8-sent02_pricing")
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_label("Delete it and send a correction").check()
    fields = page.locator("main .template-fields").locator("input[type=text], textarea")
    expect(fields.first).to_be_visible(timeout=10_000)
    for i in range(fields.count()):
        fields.nth(i).fill("Please disregard the price")
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("Please disregard", timeout=10_000)
    expect(preview).to_have_attribute("aria-busy", "false")
    check(page, "recall-replace-composer-320")
    page.get_by_role("button", name="Recall now").click()
    expect(page.get_by_test_id("correction-line")).to_be_visible(timeout=15_000)
    expect(page.locator(".progress-row .contact-links").first).to_be_visible(timeout=10_000)
    check(page, "recall-outcome-correction-320")
