"""A bounded open-loop load test over loopback HTTPS: 50 requests/s for 60 s by default.

Prints one JSON object: {"target_rps", "duration_s", "requests", "rps", "errors", "not_sent",
"p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms", "late_starts", "statuses", "mix"}.
Requests start on a fixed schedule (open loop) from a thread pool in a child process, against
the demo server (backend and sandbox tenant) in this process, on 127.0.0.1 only; the mix is
recall status reads, eligibility checks and a few recalls, by ten senders. Latency counts from each
request's scheduled start. ``errors`` are 5xx answers and requests without an answer.
``rps`` is requests answered per second of the run; ``not_sent`` counts requests that could
not start within 2 s of their slot because every client thread (16) was still waiting: the
server was saturated. The server, its sandbox tenant (Graph and Entra ID stand-in, over
HTTPS to itself) and the load client share this 2-core machine, and the server is one Python
process: what saturates first here is that process's one interpreter lock, not the design.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.load [--rps 50 --seconds 60]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

from recall_assistant.devcerts import ensure_dev_certificates
from tests.reliability.load import run_load_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    if not 0 < args.rps <= 200 or not 0 < args.seconds <= 600:
        parser.error("keep the load bounded: --rps up to 200, --seconds up to 600")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="ra-load-") as tmp:
        folder = Path(tmp)
        report = run_load_test(folder, ensure_dev_certificates(folder / "certs"),
                               rps=args.rps, seconds=args.seconds)
    print(json.dumps(report.as_json()))


if __name__ == "__main__":
    main()
