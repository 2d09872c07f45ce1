"""How long POST /api/eligibility takes against the sandbox, and how close to the floor.

Prints one JSON object:
  {"latency_ms": 50,
   "cases": [{"recipients": N, "graph_stages": s, "graph_calls": c, "wall_ms": w,
              "lower_bound_ms": b, "ratio": w/b}, ...],
   "overhead_ms_n50": x}

Each case is a message with N internal recipients, checked with a cold directory cache (every
look-up is made). The lower bound is two Graph round trips (the message, then the look-ups):
no client can do with fewer. ``graph_stages`` counts the sequential waves of Graph requests
seen by the sandbox; ``graph_calls`` counts HTTP requests to Graph (a ``$batch`` is one).
``overhead_ms_n50`` is the backend's own time per request at N = 50 with no added latency:
the time our server spent handling the request minus the time it was waiting for some
answer from Graph (median of the runs).

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.eligibility [--runs 15]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from recall_assistant.config import SandboxOptions
from recall_assistant.devcerts import ensure_dev_certificates
from recall_assistant.sandbox.fixture import parse_tenant
from tests.support import start_live_server

SIZES = (1, 50, 500)
SENDER = "adele@contoso.com"


def bench_tenant(sizes: tuple[int, ...]) -> Any:
    """A tenant with enough users, and one sent message per size."""
    most = max(sizes)
    users = [{"id": f"00000000-0000-4000-8000-{i:012d}", "mail": f"user{i}@contoso.com",
              "displayName": f"User {i}", "businessPhones": [f"+1 425 555 {i:04d}"]}
             for i in range(most)]
    users.append({"id": "00000000-0000-4000-9000-000000000001", "mail": SENDER,
                  "displayName": "Adele Vance"})
    messages = [{"id": f"AAMkAGJlbmNo-{n}", "owner": SENDER, "folder": "sentitems",
                 "subject": f"{n} recipients", "sentDateTime": "now-5m",
                 "toRecipients": [f"user{i}@contoso.com" for i in range(n)]} for n in sizes]
    return parse_tenant({
        "tenant": {"id": "7d0c4b1e-2f4a-4c1e-9b55-5a1d2c3e4f60",
                   "verifiedDomains": ["contoso.com"]},
        "users": users, "groups": [], "messages": messages}, source="benchmark")


class Timeline:
    """Records when each request to the sandbox's Graph, and to our API, started and ended."""

    def __init__(self, live: Any):
        self.graph: list[tuple[float, float]] = []
        self.api: list[tuple[float, float]] = []
        self.outgoing: list[tuple[float, float]] = []
        self._lock = threading.Lock()
        session = live.app.extensions["recall_assistant"].http
        send = session.send

        def timed_send(request: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return send(request, **kwargs)
            finally:
                with self._lock:
                    self.outgoing.append((started, time.perf_counter()))

        session.send = timed_send
        live.sandbox_app.wsgi_app = self._recording(live.sandbox_app.wsgi_app, "/graph/",
                                                    self.graph)
        live.app.wsgi_app = self._recording(live.app.wsgi_app, "/api/", self.api)

    def _recording(self, inner: Any, prefix: str, spans: list) -> Any:
        def recording(environ: dict, start_response: Any) -> Any:
            if not environ.get("PATH_INFO", "").startswith(prefix):
                return inner(environ, start_response)
            started = time.perf_counter()
            body = list(inner(environ, start_response))
            with self._lock:
                spans.append((started, time.perf_counter()))
            return body
        return recording

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
    certs = ensure_dev_certificates(folder / "certs")
    live, thread, server = start_live_server(
        folder, certs, tenant=bench_tenant(sizes),
        options=SandboxOptions(latency_ms=latency_ms, report_delay_s=1),
        RA_DIRECTORY_CACHE_TTL_S="0", RA_LOG_LEVEL="WARNING")
    try:
        timeline = Timeline(live)
        session = live.session()
        token = session.get(f"{live.url}/sandbox/token", params={"user": SENDER}).json()
        session.headers["Authorization"] = f"Bearer {token['access_token']}"
        results = {}
        for n in sizes:
            body = {"itemId": f"AAMkAGJlbmNo-{n}"}
            session.post(f"{live.url}/api/eligibility", json=body).raise_for_status()  # warm
            timeline.take()
            walls, stage_counts, calls, overheads = [], [], [], []
            for _ in range(runs):
                started = time.perf_counter()
                response = session.post(f"{live.url}/api/eligibility", json=body)
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
        server.shutdown()
        thread.join(timeout=5)


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
