"""The tests' live-server helper leaves nothing running when the app cannot be built.

A server's worker threads start when it binds; if building the app then failed, they kept
pytest from exiting at all (CI would time out instead of reporting the failure).
"""

from __future__ import annotations

import threading
import time

import pytest

from tests import support


def test_a_failed_app_build_stops_the_server(tmp_path, dev_certs, monkeypatch):
    before = {t.ident for t in threading.enumerate()}

    def broken(*args, **kwargs):
        raise RuntimeError("the app could not be built")

    monkeypatch.setattr(support, "build_demo_app", broken)
    with pytest.raises(RuntimeError, match="could not be built"):
        support.start_live_server(tmp_path, dev_certs)
    deadline = time.monotonic() + 5
    for thread in threading.enumerate():
        if thread.ident not in before:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
    left = [t.name for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert left == []
