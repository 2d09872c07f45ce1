"""Fixtures of the unit tier."""

from __future__ import annotations

import pytest
import responses


@pytest.fixture
def mocked_http():
    """Outgoing HTTP answered by ``responses``; nothing reaches the network."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
