"""``kill -9`` of a gunicorn worker while its recall is in flight: no audit record is lost.

The backend runs as production runs it (``recall-assistant serve``: gunicorn, one worker)
against a sandbox tenant in this process, on a SQLite file. The sandbox holds the recall's
Graph request for a few seconds; while it is held (the action is already recorded, as the
audit log in the database file shows), the worker is killed with SIGKILL. gunicorn starts a
new worker on the same database. Then:

- the action and its ``recall.requested`` audit row are there;
- after the grace period (``RA_ACTION_GRACE_S``) the recall reads ``unknown``;
- the client's retry with the same Idempotency-Key replays it and does not recall again:
  the sandbox saw exactly one recall (the request that reached it before the crash).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from recall_assistant.devcerts import DevCertificates
from recall_assistant.store import Store
from recall_assistant.store.db import make_engine
from tests.support import LiveServer

from .support import COPIES, new_key, start_server, token

GRACE_S = 2


class HeldRecall:
    """Holds the sandbox's answer to a recall for ``seconds`` (then lets the sandbox do it),
    like a Graph that is slow to answer: the window in which the worker dies."""

    def __init__(self, live: LiveServer, seconds: float):
        self.arrived = threading.Event()
        self.done = threading.Event()
        inner = live.sandbox_app.wsgi_app

        def holding(environ: dict, start_response: Any) -> Any:
            if (environ.get("REQUEST_METHOD") == "POST"
                    and environ.get("PATH_INFO", "").endswith("/recall")):
                self.arrived.set()
                time.sleep(seconds)
                try:
                    return list(inner(environ, start_response))
                finally:
                    self.done.set()
            return inner(environ, start_response)

        live.sandbox_app.wsgi_app = holding


@dataclass
class CrashReport:
    action_id: str | None = None
    audit_before_kill: list[str] = field(default_factory=list)
    audit_after_restart: list[str] = field(default_factory=list)
    first_answer: str = ""
    retry_status: int = 0
    retry_body: dict[str, Any] = field(default_factory=dict)
    retry_replayed: bool = False
    status_after_grace: dict[str, Any] = field(default_factory=dict)
    sandbox_recalls: int = -1
    worker_killed: int = 0
    worker_after: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"audit_record_kept": "recall.requested" in self.audit_after_restart,
                "status_after_grace": self.status_after_grace.get("status"),
                "retry_status": self.retry_status, "retry_replayed": self.retry_replayed,
                "recalled_times": self.sandbox_recalls}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_crash_drill(folder: Path, certs: DevCertificates, *, hold_s: float = 8.0) -> CrashReport:
    live, stop_live = start_server(folder / "tenant", certs)
    held = HeldRecall(live, hold_s)
    data = folder / "serve"
    data.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{data / 'recall-assistant.db'}"
    port = free_port()
    server = _start_serve(live, certs, data, database_url, port)
    report = CrashReport()
    try:
        base = f"https://localhost:{port}"
        session = live.session()
        session.headers["Authorization"] = f"Bearer {token(live)}"
        _wait_healthy(session, base, server)
        key, body = new_key(), {"messageId": COPIES}
        first: dict[str, str] = {}

        def send_first() -> None:
            try:
                answer = session.post(f"{base}/api/recalls", json=body, timeout=60,
                                      headers={"Idempotency-Key": key})
                first["answer"] = f"{answer.status_code}"
            except requests.RequestException as exc:
                first["answer"] = f"lost ({type(exc).__name__})"

        sender = threading.Thread(target=send_first, daemon=True)
        sender.start()
        if not held.arrived.wait(60):
            raise AssertionError("the recall never reached the sandbox")
        store = Store(make_engine(database_url))
        events = list(store.iter_audit())
        report.audit_before_kill = [e.event for e in events]
        report.action_id = next((e.action_id for e in events
                                 if e.event == "recall.requested"), None)
        workers = _children(server.pid)
        for pid in workers:  # the one worker, killed with the recall in flight
            os.kill(pid, signal.SIGKILL)
        report.worker_killed = workers[0] if workers else 0
        sender.join(60)
        report.first_answer = first.get("answer", "none")
        _wait_healthy(session, base, server, not_worker=report.worker_killed)
        report.worker_after = next(iter(_children(server.pid)), 0)
        time.sleep(GRACE_S + 0.5)  # past the grace period since the action was recorded
        retry = session.post(f"{base}/api/recalls", json=body, timeout=60,
                             headers={"Idempotency-Key": key})
        report.retry_status, report.retry_body = retry.status_code, retry.json()
        report.retry_replayed = retry.headers.get("Idempotent-Replayed") == "true"
        if report.action_id:
            report.status_after_grace = session.get(
                f"{base}/api/recalls/{report.action_id}", timeout=60).json()
        held.done.wait(hold_s + 30)
        time.sleep(0.5)
        report.sandbox_recalls = sum(1 for r in live.sandbox.mail.recalls
                                     if r.message_id == COPIES)
        report.audit_after_restart = [e.event for e in store.iter_audit()
                                      if e.action_id == report.action_id]
        store.engine.dispose()
        return report
    finally:
        _stop(server)
        stop_live()


def _start_serve(live: LiveServer, certs: DevCertificates, data: Path, database_url: str,
                 port: int) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RA_")}
    env.update({
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
        "RA_ACTION_GRACE_S": str(GRACE_S),
        "RA_LOG_LEVEL": "WARNING",
    })
    log = open(data / "serve.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "recall_assistant.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--tls-cert", str(certs.cert),
         "--tls-key", str(certs.key)], env=env, stdout=log, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def _wait_healthy(session: requests.Session, base: str, server: subprocess.Popen, *,
                  not_worker: int = 0, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"recall-assistant serve exited with {server.returncode}")
        workers = _children(server.pid)
        if workers and not_worker not in workers:
            try:
                if session.get(f"{base}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
        time.sleep(0.2)
    raise AssertionError("recall-assistant serve did not become healthy")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
