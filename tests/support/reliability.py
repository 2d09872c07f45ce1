"""What the reliability drills share: a live server set up for them, tokens, a client, and
the backend run as production runs it.

The drills themselves live in their own modules (``fuzzing``, ``faults``, ``load``,
``crash``) so that ``tests/reliability/test_*.py`` run them small under ``make test`` and
``benchmarks/*.py`` run them full size under ``make bench``, from the same code.

``start_backend`` runs ``recall-assistant serve`` (gunicorn) as a child process, in sandbox
mode, against the sandbox tenant of a live server in this process: identity and Graph over
HTTPS, as a deployed backend reaches Entra ID and Graph. The crash and load drills use it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from recall_assistant.config import Settings
from recall_assistant.ops.devcerts import DevCertificates
from recall_assistant.sandbox.fixture import TenantFixture
from recall_assistant.sandbox.options import SandboxOptions
from tests.support import LiveServer, free_port, start_live_server

SENDER = "adele@contoso.com"
ADMIN_ROLE = "RecallAssistant.Admin"
# The shipped tenant's sent messages that a recall or a correction can act on.
PRICING = "AAMkAGRlbW8-sent02_pricing"
COPIES = "AAMkAGRlbW8-sent09_copies"
GROUPS = "AAMkAGRlbW8-sent04_groups"
# A load or fuzz run is many requests from one user: lift the per-user limits for it (the
# limits have tests of their own), so the figures measure the service, not the limiter.
UNLIMITED = {"RA_RATE_LIMIT_MUTATING": "1000000/minute",
             "RA_RATE_LIMIT_READ": "1000000/minute", "RA_LOG_LEVEL": "WARNING"}


def start_server(folder: Path, certs: DevCertificates, *, tenant: TenantFixture | None = None,
                 options: SandboxOptions | None = None, **env: str) -> tuple[LiveServer, Any]:
    """A live demo server for a drill; returns it and a function that stops it."""
    live, thread, server = start_live_server(folder, certs, tenant=tenant, options=options,
                                             **{**UNLIMITED, **env})

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=10)

    return live, stop


def token(live: LiveServer, user: str = SENDER, *, admin: bool = False) -> str:
    """A valid token for our API, minted by the sandbox (as the pane would get one)."""
    params = {"user": user}
    if admin:
        params["roles"] = ADMIN_ROLE
    session = live.session()
    answer = session.get(f"{live.url}/sandbox/token", params=params, timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def client(live: LiveServer, user: str = SENDER, *, admin: bool = False) -> requests.Session:
    """A session that trusts the test CA and sends the user's token."""
    session = live.session()
    session.headers["Authorization"] = f"Bearer {token(live, user, admin=admin)}"
    return session


def new_key() -> str:
    return uuid.uuid4().hex


@dataclass
class Backend:
    """``recall-assistant serve`` running as a child process (see ``start_backend``)."""

    process: subprocess.Popen
    url: str
    database_url: str
    workers: int
    threads: int
    log: Path

    def worker_pids(self) -> list[int]:
        """gunicorn's worker processes as they stand now."""
        return children(self.process.pid)

    def wait_healthy(self, session: requests.Session, *, not_worker: int = 0,
                     timeout: float = 60) -> None:
        """Until every worker runs (none of them ``not_worker``) and /healthz answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"recall-assistant serve exited with "
                                     f"{self.process.returncode}; see {self.log}")
            pids = self.worker_pids()
            if len(pids) >= self.workers and not_worker not in pids:
                try:
                    if session.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"recall-assistant serve did not become healthy; see {self.log}")

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL if it does not end in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_backend(live: LiveServer, certs: DevCertificates, data: Path, *, database_url: str,
                  workers: int = 1, threads: int | None = None, **env: str) -> Backend:
    """Start ``recall-assistant serve`` on a free loopback port, in sandbox mode, against the
    sandbox tenant of ``live`` (in this process); ``env`` adds settings (``RA_*``).

    The child's environment is this one without any ``RA_*`` variable, plus the settings
    below: nothing from the caller's shell changes what the drill runs. ``threads`` None: the
    settings' default (``RA_THREADS`` in ``env``, else 4). Call ``wait_healthy`` before use.
    """
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    child_env = {key: value for key, value in os.environ.items() if not key.startswith("RA_")}
    child_env.update({
        "RA_MODE": "sandbox",
        "RA_PUBLIC_URL": f"https://localhost:{port}",
        # The tenant is the sandbox of the in-process server: identity and Graph over HTTPS.
        "RA_AUTHORITY_HOST": f"{live.url}/sandbox/identity",
        "RA_GRAPH_URL": f"{live.url}/sandbox/graph",
        "RA_API_AUDIENCE": live.settings.api_audience,
        "RA_TENANT_ID": live.settings.tenant_id,
        "RA_CA_BUNDLE": str(certs.ca_cert),
        "RA_DATA_DIR": str(data),
        "DATABASE_URL": database_url,
        "RA_LOG_LEVEL": "WARNING",
        **env,
    })
    command = [sys.executable, "-m", "recall_assistant.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--tls-cert", str(certs.cert),
               "--tls-key", str(certs.key)]
    if threads is not None:
        command += ["--threads", str(threads)]
    log = data / "serve.log"
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(command, env=child_env, stdout=out,
                                   stderr=subprocess.STDOUT)
    return Backend(process=process, url=f"https://localhost:{port}", database_url=database_url,
                   workers=workers, threads=threads or int(child_env.get("RA_THREADS", Settings.threads)),
                   log=log)




def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux: from /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]
