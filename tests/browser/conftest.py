"""Browser tests: Playwright for Python driving Debian's chromium (RECIPES.md)."""

from __future__ import annotations

import os

import pytest

from tests.support import require

CHROMIUM = os.environ.get("RA_CHROMIUM", "/usr/bin/chromium")


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
    return {**browser_context_args, "ignore_https_errors": True}
