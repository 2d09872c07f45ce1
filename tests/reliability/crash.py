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
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from recall_assistant.ops.devcerts import DevCertificates
from recall_assistant.store import Store
from recall_assistant.store.db import make_engine
from tests.support import LiveServer
from tests.support.reliability import COPIES, new_key, start_backend, start_server, token

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


def run_crash_drill(folder: Path, certs: DevCertificates, *, hold_s: float = 8.0) -> CrashReport:
    live, stop_live = start_server(folder / "tenant", certs)
    held = HeldRecall(live, hold_s)
    data = folder / "serve"
    database_url = f"sqlite:///{data / 'recall-assistant.db'}"
    server = start_backend(live, certs, data, database_url=database_url, workers=1,
                           RA_ACTION_GRACE_S=str(GRACE_S))
    report = CrashReport()
    try:
        base = server.url
        session = live.session()
        session.headers["Authorization"] = f"Bearer {token(live)}"
        server.wait_healthy(session)
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
        workers = server.worker_pids()
        for pid in workers:  # the one worker, killed with the recall in flight
            os.kill(pid, signal.SIGKILL)
        report.worker_killed = workers[0] if workers else 0
        sender.join(60)
        report.first_answer = first.get("answer", "none")
        server.wait_healthy(session, not_worker=report.worker_killed)
        report.worker_after = next(iter(server.worker_pids()), 0)
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
        server.stop()
        stop_live()
