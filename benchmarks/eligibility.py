"""How long POST /api/eligibility takes against the sandbox, and how close to the floor.

Prints one JSON object:
  {"latency_ms": 50,
   "cases": [{"recipients": N, "graph_stages": s, "graph_calls": c, "wall_ms": w,
              "lower_bound_ms": b, "ratio": w/b}, ...],
   "overhead_ms_n50": x}

Each case is a message with N internal recipients, checked with a cold directory cache (every
look-up is made). The lower bound is two Graph round trips (the message, then the look-ups):
no client can do with fewer. ``graph_stages`` counts the sequential waves of Graph requests
the backend sent; ``graph_calls`` counts its HTTP requests to Graph (a ``$batch`` is one).
``overhead_ms_n50`` is the backend's own time per request at N = 50 with no added latency:
the time our server spent handling the request minus the time it was waiting for some
answer from Graph or the authority (median of the runs).

The sandbox tenant runs in a process of its own (``recall-assistant demo``), as Microsoft 365
runs on machines of its own: its work to answer does not share our interpreter lock. The
backend runs in this process, on the same dev server, so that its time can be taken apart.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.eligibility [--runs 15]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from recall_assistant.app import create_app
from recall_assistant.cli import settings_for_tenant
from recall_assistant.config import load_settings
from recall_assistant.ops.devcerts import DevCertificates, ensure_dev_certificates
from recall_assistant.ops.devserver import make_dev_server
from recall_assistant.sandbox.fixture import parse_tenant
from tests.support import free_port

SIZES = (1, 50, 500)
SENDER = "adele@contoso.com"
AUDIENCE = "api://localhost/00000000-0000-0000-0000-00000000bench"


def bench_tenant(sizes: tuple[int, ...]) -> dict[str, Any]:
    """A tenant fixture (JSON) with enough users, and one sent message per size."""
    most = max(sizes)
    users = [{"id": f"00000000-0000-4000-8000-{i:012d}", "mail": f"user{i}@contoso.com",
              "displayName": f"User {i}", "businessPhones": [f"+1 425 555 {i:04d}"]}
             for i in range(most)]
    users.append({"id": "00000000-0000-4000-9000-000000000001", "mail": SENDER,
                  "displayName": "Adele Vance"})
    messages = [{"id": f"AAMkAGJlbmNo-{n}", "owner": SENDER, "folder": "sentitems",
                 "subject": f"{n} recipients", "sentDateTime": "now-5m",
                 "toRecipients": [f"user{i}@contoso.com" for i in range(n)]} for n in sizes]
    return {"tenant": {"id": "7d0c4b1e-2f4a-4c1e-9b55-5a1d2c3e4f60",
                       "verifiedDomains": ["contoso.com"]},
            "users": users, "groups": [], "messages": messages}


class SandboxProcess:
    """The sandbox tenant served by ``recall-assistant demo`` in a child process."""

    def __init__(self, folder: Path, certs: DevCertificates, tenant: dict[str, Any],
                 latency_ms: int):
        folder.mkdir(parents=True, exist_ok=True)
        fixture = folder / "tenant.json"
        fixture.write_text(json.dumps(tenant), encoding="utf-8")
        self.port = free_port()
        self.url = f"https://localhost:{self.port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("RA_")}
        env.update({
            "RA_DATA_DIR": str(certs.ca_cert.parent.parent),  # the same certificates as ours
            "DATABASE_URL": f"sqlite:///{folder / 'sandbox.db'}",
            "RA_API_AUDIENCE": AUDIENCE, "RA_LOG_LEVEL": "WARNING",
            "RA_SANDBOX_LATENCY_MS": str(latency_ms), "RA_SANDBOX_REPORT_DELAY_S": "1",
        })
        self.log = open(folder / "sandbox.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "recall_assistant.cli", "demo", "--host", "127.0.0.1",
             "--port", str(self.port), "--tenant", str(fixture)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready(certs)

    def _wait_ready(self, certs: DevCertificates, timeout_s: float = 60) -> None:
        session = requests.Session()
        session.trust_env, session.verify = False, str(certs.ca_cert)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox exited with {self.process.returncode}; "
                                   f"see {self.log.name}")
            try:
                if session.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the sandbox did not start within {timeout_s:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Backend:
    """Our backend in this process, on the dev server, using the sandbox process as tenant."""

    def __init__(self, folder: Path, certs: DevCertificates, sandbox: SandboxProcess,
                 tenant: dict[str, Any]):
        self.server = make_dev_server("127.0.0.1", 0, None, str(certs.cert), str(certs.key))
        self.url = f"https://localhost:{self.server.server_port}"
        try:
            self.app = self._build(folder, certs, sandbox, tenant)
        except BaseException:
            self.server.shutdown()  # its threads run from the bind: they would keep us alive
            raise
        self.server.app = self.app
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _build(self, folder: Path, certs: DevCertificates, sandbox: SandboxProcess,
               tenant: dict[str, Any]) -> Any:
        settings = load_settings({
            "RA_MODE": "sandbox", "RA_PUBLIC_URL": self.url,
            "RA_AUTHORITY_HOST": f"{sandbox.url}/sandbox/identity",
            "RA_GRAPH_URL": f"{sandbox.url}/sandbox/graph",
            "RA_API_AUDIENCE": AUDIENCE, "RA_CA_BUNDLE": str(certs.ca_cert),
            "RA_DATA_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'backend.db'}",
            "RA_DIRECTORY_CACHE_TTL_S": "0", "RA_LOG_LEVEL": "WARNING",
            "RA_RATE_LIMIT_READ": "1000000/minute",
        })
        self.settings = settings_for_tenant(settings, parse_tenant(tenant, source="benchmark"))
        return create_app(self.settings)

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


class Timeline:
    """Records when each request to our API, and each request our backend sent, started and
    ended; requests to Graph are told apart from those to the authority by their URL."""

    def __init__(self, backend: Backend):
        self.graph: list[tuple[float, float]] = []
        self.api: list[tuple[float, float]] = []
        self.outgoing: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        graph_url = backend.settings.graph_url
        session = backend.app.extensions["recall_assistant"].http
        send = session.send

        def timed_send(request: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return send(request, **kwargs)
            finally:
                span = (started, time.perf_counter())
                with self._lock:
                    self.outgoing.append(span)
                    if request.url.startswith(graph_url):
                        self.graph.append(span)

        session.send = timed_send
        inner = backend.app.wsgi_app

        def recording(environ: dict, start_response: Any) -> Any:
            if not environ.get("PATH_INFO", "").startswith("/api/"):
                return inner(environ, start_response)
            started = time.perf_counter()
            body = list(inner(environ, start_response))
            with self._lock:
                self.api.append((started, time.perf_counter()))
            return body

        backend.app.wsgi_app = recording

    def take(self) -> tuple[list[tuple[float, float]], ...]:
        with self._lock:
            taken = sorted(self.graph), sorted(self.api), sorted(self.outgoing)
            for spans in (self.graph, self.api, self.outgoing):
                spans.clear()  # in place: the recorders hold these lists
        return taken


def stages(spans: list[tuple[float, float]]) -> int:
    """Waves of requests: a request that starts after every earlier one ended opens a wave."""
    count, end = 0, float("-inf")
    for start, stop in spans:
        if start >= end:
            count += 1
            end = stop
        else:
            end = max(end, stop)
    return count


def busy_seconds(spans: list[tuple[float, float]]) -> float:
    """The time at least one Graph request was in flight."""
    total, current_start, current_end = 0.0, None, None
    for start, stop in spans:
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, stop
        else:
            current_end = max(current_end, stop)
    if current_end is not None:
        total += current_end - current_start
    return total


def measure(latency_ms: int, sizes: tuple[int, ...], runs: int, folder: Path) -> dict[int, dict]:
    certs = ensure_dev_certificates(folder.parent / "certs")
    tenant = bench_tenant(sizes)
    sandbox = SandboxProcess(folder / "sandbox", certs, tenant, latency_ms)
    backend = None
    try:
        backend = Backend(folder / "backend", certs, sandbox, tenant)
        timeline = Timeline(backend)
        session = requests.Session()
        session.trust_env, session.verify = False, str(certs.ca_cert)
        token = session.get(f"{sandbox.url}/sandbox/token", params={"user": SENDER}).json()
        session.headers["Authorization"] = f"Bearer {token['access_token']}"
        results = {}
        for n in sizes:
            body = {"itemId": f"AAMkAGJlbmNo-{n}"}
            session.post(f"{backend.url}/api/eligibility", json=body).raise_for_status()  # warm
            timeline.take()
            walls, stage_counts, calls, overheads = [], [], [], []
            for _ in range(runs):
                started = time.perf_counter()
                response = session.post(f"{backend.url}/api/eligibility", json=body)
                wall = time.perf_counter() - started
                response.raise_for_status()
                assert response.json()["summary"]["total"] == n
                spans, (handled,), outgoing = timeline.take()
                walls.append(wall * 1000)
                stage_counts.append(stages(spans))
                calls.append(len(spans))
                # The backend's own time: handling the request, less the time it was waiting
                # for an answer from Graph (or the authority).
                overheads.append((handled[1] - handled[0] - busy_seconds(outgoing)) * 1000)
            results[n] = {"wall_ms": statistics.median(walls),
                          "graph_stages": max(stage_counts), "graph_calls": max(calls),
                          "overhead_ms": statistics.median(overheads)}
        return results
    finally:
        if backend is not None:
            backend.stop()
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed requests per case")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log in the figures
    with tempfile.TemporaryDirectory(prefix="ra-bench-") as tmp:
        slow = measure(args.latency_ms, SIZES, args.runs, Path(tmp) / "slow")
        fast = measure(0, (50,), args.runs, Path(tmp) / "fast")
    lower = 2 * args.latency_ms
    print(json.dumps({
        "latency_ms": args.latency_ms,
        "cases": [{"recipients": n, "graph_stages": r["graph_stages"],
                   "graph_calls": r["graph_calls"], "wall_ms": round(r["wall_ms"], 1),
                   "lower_bound_ms": lower, "ratio": round(r["wall_ms"] / lower, 2)}
                  for n, r in slow.items()],
        "overhead_ms_n50": round(fast[50]["overhead_ms"], 2),
    }))


if __name__ == "__main__":
    main()
