"""Helpers for tests of every tier (fixtures live in conftest.py): the live demo server,
tokens, free ports. Beside it: ``store`` (databases for the store tests), ``entra`` (a fake
Entra ID for mocked HTTP), ``manifest`` (the manifest validators), ``reliability`` (servers in
processes of their own, for the drills and benchmarks)."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from recall_assistant.cli import build_demo_app, settings_for_tenant
from recall_assistant.config import Settings, load_settings
from recall_assistant.ops.devcerts import DevCertificates
from recall_assistant.ops.devserver import make_dev_server
from recall_assistant.sandbox.fixture import TenantFixture, load_tenant
from recall_assistant.sandbox.options import SandboxOptions


def sandbox_settings(tmp_path: Path, port: int, certs: DevCertificates | None = None,
                     **env: str) -> Settings:
    """Sandbox-mode settings for a server on ``port``, as ``recall-assistant demo`` makes them."""
    values = {
        "RA_MODE": "sandbox",
        "RA_PUBLIC_URL": f"https://localhost:{port}",
        "RA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
    }
    if certs is not None:
        values["RA_CA_BUNDLE"] = str(certs.ca_cert)
    values.update(env)
    return load_settings(values)


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a developer's machine; fail under `make test`."""
    if condition:
        return
    if os.environ.get("RA_TESTS_REQUIRE_ALL") == "1":
        pytest.fail(f"required for `make test`: {reason}")
    pytest.skip(reason)


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
    server = make_dev_server("127.0.0.1", 0, None, str(certs.cert), str(certs.key))
    port = server.server_port
    try:
        tenant = tenant or load_tenant()
        settings = settings_for_tenant(sandbox_settings(tmp_path, port, certs, **env), tenant)
        app = build_demo_app(settings, tenant, options or SandboxOptions(report_delay_s=0.5))
    except BaseException:
        server.shutdown()  # its worker threads run from the bind: they would outlive pytest
        raise
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(url=f"https://localhost:{port}", settings=settings, tenant=tenant, app=app,
                      certs=certs)
    return live, thread, server


class PaneClient:
    """The task pane's calls for one signed-in user: a sandbox token, then the API."""

    def __init__(self, live: LiveServer, user: str = "adele@contoso.com"):
        self.live = live
        self.session = live.session()
        token = self.session.get(f"{live.url}/sandbox/token", params={"user": user}).json()
        self.session.headers["Authorization"] = f"Bearer {token['access_token']}"

    def post(self, path: str, body, key: str | None = "auto"):
        """POST with a fresh Idempotency-Key (``"auto"``), the one given, or none (``None``)."""
        headers = {}
        if key == "auto":
            key = uuid.uuid4().hex
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.session.post(f"{self.live.url}{path}", json=body, headers=headers)

    def get(self, path: str, **params):
        return self.session.get(f"{self.live.url}{path}", params=params)

    def recall(self, message_id: str, key: str | None = "auto", **extra):
        return self.post("/api/recalls", {"messageId": message_id, **extra}, key)

    def wait_for_report(self, recall_id: str, timeout: float = 10.0) -> dict:
        """The recall's status once a report was read (or as it stands at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.get(f"/api/recalls/{recall_id}").json()
            if body["reportReceived"] or time.monotonic() > deadline:
                return body
            time.sleep(0.2)


SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"


def chunked_post_carrying_a_request(path: str, limit: int) -> bytes:
    """A chunked POST whose body passes ``limit`` and carries, past it, a whole second request.

    A server that stops reading at the limit and then parses what follows on the connection
    would answer the smuggled ``GET /healthz`` too.
    """
    padding = b" " * (limit + 1)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (padding, SMUGGLED))
    return (b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n%s0\r\n\r\n" % (path.encode(), chunks))


def exchange(sock, request: bytes, timeout: float = 10.0) -> tuple[bytes, bool]:
    """Send ``request`` on ``sock``; everything answered, and whether the server closed."""
    sock.settimeout(timeout)
    sock.sendall(request)
    received = b""
    try:
        while part := sock.recv(65536):
            received += part
    except TimeoutError:  # still open: kept alive with nothing more to say
        return received, False
    return received, True


def free_port() -> int:
    """A loopback port free right now (the backend binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
