"""RA_ACTION_GRACE_S: how long a recorded action may wait for Graph before it reads unknown."""

from __future__ import annotations

import datetime as dt

import pytest

from recall_assistant.app import create_app
from recall_assistant.errors import ConfigError
from recall_assistant.httpclient import POOL_MAXSIZE, new_session
from tests.support import sandbox_settings


def test_the_grace_period_is_a_setting_the_store_uses(tmp_path):
    settings = sandbox_settings(tmp_path, 3000, RA_ACTION_GRACE_S="5")
    assert settings.action_grace_s == 5
    app = create_app(settings)
    assert app.extensions["recall_assistant"].store.grace == dt.timedelta(seconds=5)


def test_the_default_grace_is_two_minutes(tmp_path):
    assert sandbox_settings(tmp_path, 3000).action_grace_s == 120


@pytest.mark.parametrize("value", ["0", "soon", "-3"])
def test_a_bad_grace_stops_the_start(tmp_path, value):
    with pytest.raises(ConfigError, match="RA_ACTION_GRACE_S"):
        sandbox_settings(tmp_path, 3000, RA_ACTION_GRACE_S=value)


def test_the_graph_session_keeps_a_connection_for_each_concurrent_call(settings):
    # Found by the load test: with requests' default of 10, a busier worker opened (and
    # dropped) a new TLS connection per Graph call and the sandbox starved on handshakes.
    adapter = new_session(settings).get_adapter("https://graph.microsoft.com/v1.0/me")
    assert adapter._pool_maxsize == POOL_MAXSIZE >= 4 * 8  # threads x fan-out, with room
