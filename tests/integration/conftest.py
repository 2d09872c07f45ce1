"""Fixtures of the integration tier: a live demo server and the pane's API client."""

from __future__ import annotations

import pytest

from recall_assistant.sandbox.options import SandboxOptions
from tests.support import PaneClient


@pytest.fixture
def live(live_server_factory):
    """A live server whose recall reports arrive quickly (0.3 s after a recall)."""
    return live_server_factory(options=SandboxOptions(report_delay_s=0.3))


@pytest.fixture
def pane(live):
    """The task pane's calls, as Adele."""
    return PaneClient(live)
