"""Fixtures shared by every tier: settings, certificates, a live HTTPS demo server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recall_assistant.config import Settings
from recall_assistant.ops.devcerts import DevCertificates, ensure_dev_certificates
from recall_assistant.sandbox.fixture import TenantFixture
from recall_assistant.sandbox.options import SandboxOptions
from tests.support import LiveServer, sandbox_settings, start_live_server


@pytest.fixture(scope="session")
def dev_certs(tmp_path_factory: pytest.TempPathFactory) -> DevCertificates:
    return ensure_dev_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def live_server(tmp_path: Path, dev_certs: DevCertificates) -> Iterator[LiveServer]:
    """A fresh demo server per test (its own sandbox state and database)."""
    live, thread, server = start_live_server(tmp_path, dev_certs)
    yield live
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server_factory(tmp_path: Path, dev_certs: DevCertificates):
    """Start demo servers with a custom tenant, sandbox options or environment."""
    started = []

    def start(*, tenant: TenantFixture | None = None, options: SandboxOptions | None = None,
              **env: str) -> LiveServer:
        folder = tmp_path / f"server{len(started)}"
        folder.mkdir()
        live, thread, server = start_live_server(folder, dev_certs, tenant=tenant,
                                                 options=options, **env)
        started.append((thread, server))
        return live

    yield start
    for thread, server in started:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Sandbox-mode settings with a private SQLite file (no server behind them)."""
    return sandbox_settings(tmp_path, 3000)


@pytest.fixture
def app(settings: Settings):
    from recall_assistant.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()
