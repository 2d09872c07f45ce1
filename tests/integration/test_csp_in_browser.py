"""The Content-Security-Policy as chromium enforces it: the demo and the task pane break no rule.

A violated directive is only reported by the browser (a blocked style attribute, say, leaves
the page working but wrong), so every frame records ``securitypolicyviolation`` events and the
test asserts there are none, through a whole recall.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from recall_assistant.sandbox.options import SandboxOptions
from tests.browser.conftest import (  # noqa: F401 - pytest-playwright fixtures for Debian's chromium
    browser_context_args,
    browser_type_launch_args,
    open_pane,
    wait_for_verdict,
)

pytestmark = pytest.mark.browser

# Runs in every frame before its own scripts; injected by the browser, so not subject to CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `in ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
});
"""


def violations(page) -> list[str]:
    found = []
    for frame in page.frames:
        if frame.url.startswith("http"):
            found += frame.evaluate("window.__cspViolations || []")
    return found


@pytest.fixture
def live(live_server_factory):
    return live_server_factory(options=SandboxOptions(report_delay_s=1.0))


def test_the_demo_page_and_the_pane_in_it_break_no_rule(live, page):
    page.add_init_script(RECORD_VIOLATIONS)
    page.set_viewport_size({"width": 1280, "height": 800})
    response = page.goto(f"{live.url}/demo")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    pane = page.frame_locator("#pane")
    expect(pane.locator("body[data-loaded=verdict]")).to_be_attached(timeout=20_000)
    assert violations(page) == []


def test_a_whole_recall_in_the_pane_breaks_no_rule(live, page):
    page.add_init_script(RECORD_VIOLATIONS)
    open_pane(page, live, "AAMkAGRlbW8-sent09_copies")
    wait_for_verdict(page)
    page.get_by_role("button", name="Recall message…").click()
    page.get_by_role("button", name="Recall now").click()
    expect(page.get_by_role("heading", name="Recall finished")).to_be_visible(timeout=20_000)
    assert violations(page) == []


def test_inline_script_is_refused(live, page):
    # The check above would see a violation: prove it on a script the policy must block.
    page.add_init_script(RECORD_VIOLATIONS)
    open_pane(page, live, "AAMkAGRlbW8-sent09_copies")
    wait_for_verdict(page)
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true;";
        document.head.append(script);
    }""")
    assert page.evaluate("window.__inlineRan === true") is False
    assert any(v.startswith("script-src") for v in violations(page))
