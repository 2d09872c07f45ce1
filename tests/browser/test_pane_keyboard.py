"""The main flow with the keyboard alone: verdict → recall → progress → correction → sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from recall_assistant.sandbox.options import SandboxOptions
from tests.browser.conftest import open_pane, wait_for_verdict

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, id: el.id, text: (el.innerText || el.value || "").trim(),
          label: el.getAttribute("aria-label") || (el.labels && el.labels[0] ? el.labels[0].innerText : ""),
          required: el.getAttribute("aria-required") === "true", type: el.type || "",
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, text: str, *, limit: int = 40) -> dict:
    """Press Tab until the focused control says ``text``; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if text in (now["text"], now["label"]):
            return now
    raise AssertionError(f"Tab never reached {text!r}")


def test_keyboard_only_main_flow(live_server_factory, page):
    live = live_server_factory(options=SandboxOptions(report_delay_s=1))
    open_pane(page, live, "AAMkAGRlbW8-sent09_copies")
    wait_for_verdict(page)

    button = tab_to(page, "Recall message…")
    assert button["outline"], "keyboard focus must be visible"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Recall this message")).to_be_focused()

    # Radio buttons move with the arrow keys; the choice redraws without losing focus.
    tab_to(page, "Delete it")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Delete it and send a correction")).to_be_checked()
    expect(page.get_by_label("Delete it and send a correction")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("Delete it", exact=True)).to_be_checked()
    tab_to(page, "Recall now")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_focused()
    expect(page.get_by_role("heading", name="Recall finished")).to_be_visible(timeout=20_000)

    # Some people could not be reached: correct them, still by keyboard.
    # Issue 12: the button says how many it did not reach (Johanna's copy was moved).
    tab_to(page, "Send a correction to the 1 person it did not reach…")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Send a correction")).to_be_focused()
    filled = 0
    for _ in range(30):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] == "TEXTAREA" and not filled:
            page.keyboard.type("Please delete the reorg note")
            filled += 1
        if now["text"] == "Send correction":
            break
    assert filled >= 1
    expect(page.get_by_role("region", name="Preview")).to_contain_text("Please delete the reorg note",
                                                                       timeout=10_000)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Correction sent")).to_be_focused(timeout=15_000)
    tab_to(page, "Done")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Recall finished")).to_be_focused()


def test_the_back_button_returns_to_the_verdict(live_server, page):
    open_pane(page, live_server, "AAMkAGRlbW8-sent01_forecast")
    wait_for_verdict(page)
    tab_to(page, "Send correction…")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Send a correction")).to_be_focused()
    tab_to(page, "Back")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Recall will probably work")).to_be_focused()


def test_escape_goes_back_one_view_as_back_does(live_server_factory, page):
    live = live_server_factory(options=SandboxOptions(report_delay_s=1))
    open_pane(page, live, "AAMkAGRlbW8-sent09_copies")
    wait_for_verdict(page)
    verdict = page.get_by_role("heading", level=2)
    verdict_title = verdict.text_content()

    page.keyboard.press("Escape")  # the first view: nowhere to go back to
    expect(verdict).to_have_text(verdict_title)
    expect(page.locator("body")).to_have_attribute("data-view", "verdict")

    tab_to(page, "Recall message…")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Recall this message")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name=verdict_title)).to_be_focused()

    # From the correction, even with the caret in a field: back, and what was typed is kept.
    tab_to(page, "Send correction…")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Send a correction")).to_be_focused()
    field = page.locator("textarea").first
    field.fill("Please delete the reorg note")
    field.focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name=verdict_title)).to_be_focused()
    tab_to(page, "Send correction…")
    page.keyboard.press("Enter")
    expect(page.locator("textarea").first).to_have_value("Please delete the reorg note")
    page.keyboard.press("Escape")

    # From the recall's progress back to the verdict.
    tab_to(page, "Recall message…")
    page.keyboard.press("Enter")
    tab_to(page, "Recall now")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Recall in progress")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("body")).to_have_attribute("data-view", "verdict")
    expect(page.get_by_role("heading", level=2)).to_be_focused()

    # From a sent correction (its Done button) back to where it was opened from.
    tab_to(page, "Send correction…")
    page.keyboard.press("Enter")
    page.locator("textarea").first.fill("Please delete the reorg note")
    expect(page.get_by_role("region", name="Preview")).to_contain_text(
        "Please delete the reorg note", timeout=10_000)
    page.get_by_role("button", name="Send correction", exact=True).click()
    expect(page.get_by_role("heading", name="Correction sent")).to_be_focused(timeout=15_000)
    page.keyboard.press("Escape")
    expect(page.locator("body")).to_have_attribute("data-view", "verdict")
