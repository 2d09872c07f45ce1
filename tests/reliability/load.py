"""A bounded, open-loop load test over loopback HTTPS, against the backend run as production
runs it.

The backend is ``recall-assistant serve`` (gunicorn, ``workers`` processes of gthread
workers; 2 by default) in sandbox mode, a child process. Its Entra ID and Graph are the
sandbox tenant, served over HTTPS by a live server in this process (``support.start_backend``,
as in the crash drill): every token exchange, Graph read and recall crosses a process
boundary, and the recall report the sandbox delivers into its own mail store is found by a
backend worker polling Graph for it. Its database is a SQLite file (the workers share it)
unless a ``database_url`` is given. The per-user rate limits are lifted (``UNLIMITED``).

Requests start at a fixed rate whatever the server does (open loop: a slow answer does not
delay the next request, as with real users), from a thread pool in a child process of its own,
for a fixed time, and then it stops. The mix is what panes do: eligibility checks, recall
status reads (the pane polls), and now and then a recall. Latency is measured from each
request's scheduled start, so time spent waiting for a free thread counts too. Only loopback
addresses are ever targeted.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from recall_assistant.ops.devcerts import DevCertificates
from recall_assistant.sandbox.fixture import parse_tenant
from recall_assistant.sandbox.options import SandboxOptions
from tests.support.reliability import UNLIMITED, new_key, start_backend, start_server, token

TENANT_ID = "7d0c4b1e-2f4a-4c1e-9b55-5a1d2c3e4f60"
SENDERS = 10
MESSAGES_PER_SENDER = 40
RECIPIENTS = 8
# Shares of the mix: status reads, eligibility checks, recalls.
MIX = (("status", 0.55), ("eligibility", 0.43), ("recall", 0.02))
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TIMEOUT_S = 10  # per request
# A request that cannot start within this long of its slot (every client thread is waiting on
# the server) is not sent: the run stays bounded, seconds + TIMEOUT_S + LATE_S at most.
LATE_S = 2.0


def load_tenant() -> Any:
    """Ten senders, each with sent messages to eight colleagues."""
    users = [{"id": f"00000000-0000-4000-8000-{i:012d}", "mail": f"person{i}@contoso.com",
              "displayName": f"Person {i}", "businessPhones": [f"+1 425 555 {i:04d}"]}
             for i in range(SENDERS + RECIPIENTS)]
    messages = [{"id": f"AAMkAGxvYWQ-{s}-{n}", "owner": f"person{s}@contoso.com",
                 "folder": "sentitems", "subject": f"Load {s}/{n}", "sentDateTime": "now-5m",
                 "toRecipients": [f"person{SENDERS + r}@contoso.com" for r in range(RECIPIENTS)]}
                for s in range(SENDERS) for n in range(MESSAGES_PER_SENDER)]
    return parse_tenant({"tenant": {"id": TENANT_ID, "verifiedDomains": ["contoso.com"]},
                         "users": users, "groups": [], "messages": messages}, source="load")


@dataclass
class LoadReport:
    target_rps: float
    seconds: float
    sent: int = 0
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    by_kind: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0  # 5xx answers and requests that got no answer
    late_starts: int = 0  # requests that started > 100 ms after their slot (client saturated)
    not_sent: int = 0  # requests that could not start within LATE_S of their slot
    # Status reads whose answer had the recall report: the sandbox delivered it into its mail
    # store, and a backend worker (another process) found it through Graph.
    reports_received: int = 0
    server: dict[str, Any] = field(default_factory=dict)  # how the backend ran

    def as_json(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

        return {"target_rps": self.target_rps, "duration_s": self.seconds,
                "requests": self.sent, "rps": round(self.sent / self.wall_s, 1),
                "errors": self.errors, "not_sent": self.not_sent,
                "p50_ms": pct(0.50), "p90_ms": pct(0.90),
                "p99_ms": pct(0.99), "max_ms": round(ordered[-1], 1),
                "mean_ms": round(statistics.fmean(ordered), 1),
                "late_starts": self.late_starts,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "mix": dict(self.by_kind), "reports_received": self.reports_received,
                "server": self.server,
                "cpus": os.cpu_count()}


def run_load_test(folder: Path, certs: DevCertificates, *, rps: float, seconds: float,
                  threads: int = 16, seed: int = 1, workers: int = 2,
                  server_threads: int | None = None,
                  database_url: str | None = None) -> LoadReport:
    """Run ``recall-assistant serve`` (gunicorn, ``workers`` processes of ``server_threads``
    threads: the settings' default when None) against the sandbox tenant served in this
    process, and send the load from a child process (``threads`` client threads).

    The backend's database is ``database_url``, else a SQLite file in ``folder``.
    """
    live, stop_live = start_server(folder / "tenant", certs, tenant=load_tenant(),
                                   options=SandboxOptions(report_delay_s=1.0))
    data = folder / "serve"
    database_url = database_url or f"sqlite:///{data / 'recall-assistant.db'}"
    try:
        backend = start_backend(live, certs, data, database_url=database_url,
                                workers=workers, threads=server_threads, **UNLIMITED)
        try:
            backend.wait_healthy(live.session())
            target = Target(backend.url, str(certs.ca_cert),
                            [token(live, f"person{s}@contoso.com") for s in range(SENDERS)])
            context = multiprocessing.get_context("spawn")
            with context.Pool(1) as pool:
                report = pool.apply(_run, (target, rps, seconds, threads, seed))
        finally:
            backend.stop()
    finally:
        stop_live()
    report.server = {"backend": "gunicorn", "workers": backend.workers,
                     "threads": backend.threads, "database": _scheme(database_url),
                     "sandbox": "separate process", "client_threads": threads}
    return report


def _scheme(database_url: str) -> str:
    """The database's kind, never its credentials."""
    return database_url.split(":", 1)[0].split("+", 1)[0]


@dataclass(frozen=True)
class Target:
    url: str
    ca_cert: str
    tokens: list[str]

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_cert
        return session


class _Users:
    """Per sender: a token, message ids not yet recalled, and recalls to poll."""

    def __init__(self, target: Target):
        self.tokens = target.tokens
        self.unrecalled = {s: [f"AAMkAGxvYWQ-{s}-{n}" for n in range(MESSAGES_PER_SENDER)]
                           for s in range(SENDERS)}
        self.recalls: dict[int, list[str]] = {s: [] for s in range(SENDERS)}
        self.lock = threading.Lock()


def _run(live: Target, rps: float, seconds: float, threads: int, seed: int) -> LoadReport:
    if urlsplit(live.url).hostname not in LOOPBACK:
        raise ValueError(f"load tests only target loopback, not {live.url}")
    users = _Users(live)
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = live.session()
        return local.session

    # A recall per sender first, so that status reads have something to read from the start.
    for s in range(SENDERS):
        _request(live, session(), users, "recall", s, random.Random(s))  # noqa: S311
    report = LoadReport(target_rps=rps, seconds=seconds)
    lock = threading.Lock()
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not security
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    plan = [(rng.choices(kinds, weights)[0], rng.randrange(SENDERS), rng.random())
            for _ in range(int(rps * seconds))]

    def one(slot: float, kind: str, sender: int, pick: float) -> None:
        started = time.perf_counter()
        if started - slot > LATE_S:
            with lock:
                report.not_sent += 1
            return
        status, with_report = _request(live, session(), users, kind, sender,
                                       random.Random(pick))
        finished = time.perf_counter()
        with lock:
            report.reports_received += with_report
            report.sent += 1
            report.by_kind[kind] += 1
            report.statuses[status] += 1
            report.latencies_ms.append((finished - slot) * 1000)
            if status == 0 or status >= 500:
                report.errors += 1
            if started - slot > 0.1:
                report.late_starts += 1

    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i, (kind, sender, pick) in enumerate(plan):
            slot = begin + i / rps
            delay = slot - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, slot, kind, sender, pick)
    report.wall_s = time.perf_counter() - begin
    return report


def _request(live: Target, session: requests.Session, users: _Users, kind: str,
             sender: int, rng: random.Random) -> tuple[int, bool]:
    """The answer's HTTP status (0: none), and whether it was a status read with the report."""
    headers = {"Authorization": f"Bearer {users.tokens[sender]}"}
    try:
        if kind == "recall":
            with users.lock:
                left = users.unrecalled[sender]
                message = left.pop() if left else None
            if message is None:
                kind = "eligibility"
            else:
                answer = session.post(f"{live.url}/api/recalls", json={"messageId": message},
                                      headers={**headers, "Idempotency-Key": new_key()},
                                      timeout=TIMEOUT_S)
                if answer.status_code == 202:
                    with users.lock:
                        users.recalls[sender].append(answer.json()["id"])
                return answer.status_code, False
        if kind == "status":
            with users.lock:
                known = list(users.recalls[sender])
            if known:
                answer = session.get(f"{live.url}/api/recalls/{rng.choice(known)}",
                                     headers=headers, timeout=TIMEOUT_S)
                return answer.status_code, (answer.status_code == 200
                                            and answer.json().get("reportReceived") is True)
        item = f"AAMkAGxvYWQ-{sender}-{rng.randrange(MESSAGES_PER_SENDER)}"
        answer = session.post(f"{live.url}/api/eligibility", json={"itemId": item},
                              headers=headers, timeout=TIMEOUT_S)
        return answer.status_code, False
    except requests.RequestException:
        return 0, False
