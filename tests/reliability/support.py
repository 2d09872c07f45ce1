"""What the reliability drills share: a live server set up for them, tokens, a client.

The drills themselves live in their own modules (``fuzzing``, ``faults``, ``load``,
``crash``) so that ``tests/reliability/test_*.py`` run them small under ``make test`` and
``benchmarks/*.py`` run them full size under ``make bench``, from the same code.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import requests

from recall_assistant.config import SandboxOptions
from recall_assistant.devcerts import DevCertificates
from recall_assistant.sandbox.fixture import TenantFixture
from tests.support import LiveServer, start_live_server

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
