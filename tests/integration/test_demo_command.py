"""`recall-assistant demo` as a newcomer runs it: HTTPS, probes, the demo page, tenant mode."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from recall_assistant.cli import build_demo_app
from recall_assistant.config import load_settings
from recall_assistant.sandbox.fixture import load_tenant
from recall_assistant.sandbox.options import SandboxOptions
from tests.support import free_port


@pytest.fixture
def demo_process(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RA_") and k != "DATABASE_URL"}
    env["RA_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "recall_assistant.cli", "demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    session = requests.Session()
    session.trust_env = False
    session.verify = str(tmp_path / "certs" / "ca.pem")
    url = f"https://localhost:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            session.get(f"{url}/healthz", timeout=2)
            break
        except OSError:  # not up yet, or its CA file not written yet
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"demo did not start:\n{process.stdout.read()}")
            time.sleep(0.2)
    yield url, session, tmp_path
    process.terminate()
    process.wait(timeout=10)


def test_demo_serves_https_probes_and_the_demo_page(demo_process):
    url, session, data_dir = demo_process
    # The session trusts only the CA the demo generated: the certificate chain is real.
    assert session.get(f"{url}/healthz").status_code == 200
    ready = session.get(f"{url}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "authority": "ok"}
    page = session.get(f"{url}/demo")
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    # The demo's own database, never the one `serve` would use by default.
    assert (data_dir / "demo.db").is_file()
    assert not (data_dir / "recall-assistant.db").exists()


def test_tenant_mode_has_no_sandbox(tmp_path):
    settings = load_settings({
        "RA_MODE": "tenant", "RA_DATA_DIR": str(tmp_path),
        "RA_TENANT_ID": "11111111-2222-3333-4444-555555555555",
        "RA_CLIENT_ID": "66666666-7777-8888-9999-000000000000", "RA_CLIENT_SECRET": "x",
        "RA_API_AUDIENCE": "api://addin.contoso.com/66666666-7777-8888-9999-000000000000",
    })
    app = build_demo_app(settings, load_tenant(), SandboxOptions())
    client = app.test_client()
    for path in ("/sandbox/token?user=adele@contoso.com", "/sandbox/graph/v1.0/me",
                 "/sandbox/identity/11111111-2222-3333-4444-555555555555/v2.0/"
                 ".well-known/openid-configuration"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"


def test_serve_runs_the_backend_under_gunicorn_over_https(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RA_") and k != "DATABASE_URL"}
    env["RA_DATA_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "recall_assistant.cli", "serve", "--port", str(port),
         "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    session = requests.Session()
    session.trust_env = False
    session.verify = str(tmp_path / "certs" / "ca.pem")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = session.get(f"https://localhost:{port}/healthz", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"serve did not start:\n{process.stdout.read()}")
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
        assert response.headers["X-Request-ID"]
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert "Booting worker" in process.stdout.read()
