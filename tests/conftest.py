"""Fixtures shared by every tier: settings, certificates, a live HTTPS demo server."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from recall_assistant.cli import build_demo_app, settings_for_tenant
from recall_assistant.config import SandboxOptions, Settings
from recall_assistant.devcerts import DevCertificates, ensure_dev_certificates
from recall_assistant.sandbox.fixture import TenantFixture, load_tenant
from tests.support import sandbox_settings


@pytest.fixture(scope="session")
def dev_certs(tmp_path_factory: pytest.TempPathFactory) -> DevCertificates:
    return ensure_dev_certificates(tmp_path_factory.mktemp("certs"))


@dataclass
class LiveServer:
    """A running demo (backend + sandbox) over HTTPS on a free port."""

    url: str
    settings: Settings
    tenant: TenantFixture
    app: object
    certs: DevCertificates

    def session(self) -> requests.Session:
        """A client session that trusts the test CA (and ignores REQUESTS_CA_BUNDLE)."""
        session = requests.Session()
        session.trust_env = False
        session.verify = str(self.certs.ca_cert)
        return session

    @property
    def sandbox(self):
        """The sandbox's state (tenant, issuer, clock, mail store)."""
        return self.sandbox_app.extensions["sandbox"]

    @property
    def sandbox_app(self):
        return self.app.wsgi_app.mounts["/sandbox"]


def start_live_server(tmp_path: Path, certs: DevCertificates, *,
                      tenant: TenantFixture | None = None,
                      options: SandboxOptions | None = None,
                      **env: str) -> tuple[LiveServer, threading.Thread, object]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certs.cert), str(certs.key))
    server = make_server("127.0.0.1", 0, None, threaded=True, ssl_context=context)  # type: ignore[arg-type]
    port = server.server_port
    tenant = tenant or load_tenant()
    settings = settings_for_tenant(sandbox_settings(tmp_path, port, certs, **env), tenant)
    app = build_demo_app(settings, tenant, options or SandboxOptions(report_delay_s=0.5))
    server.app = app
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    live = LiveServer(url=f"https://localhost:{port}", settings=settings, tenant=tenant, app=app,
                      certs=certs)
    return live, thread, server


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
