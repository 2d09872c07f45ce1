"""A bounded open-loop load test over loopback HTTPS: 50 requests/s for 60 s by default.

Prints one JSON object: {"target_rps", "duration_s", "requests", "rps", "errors", "not_sent",
"p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms", "late_starts", "statuses", "mix",
"reports_received", "server", "cpus"}.

The backend runs as production runs it: ``recall-assistant serve`` (gunicorn, ``--workers``
processes, 2 by default, of ``--threads`` threads each, the settings' default unless given),
on 127.0.0.1, in sandbox mode against the sandbox tenant (Graph and Entra ID stand-in) that
this process serves over HTTPS; its database is a SQLite file the workers share, or
``--database-url``. Requests start on a fixed schedule (open loop) from 16 threads in a
child process; the mix is recall status reads, eligibility checks and a few recalls, by ten
senders. Latency counts from each request's scheduled start. ``errors`` are 5xx answers and
requests without an answer. ``rps`` is requests answered per second of the run; ``not_sent``
counts requests that could not start within 2 s of their slot because every client thread
was still waiting: the server was saturated. ``reports_received`` counts status reads that
found the recall report (delivered by the sandbox, read by a worker through Graph).
``server`` says how it ran (backend, workers, threads, database, client threads) and
``cpus`` how many CPUs the machine has: the client, the sandbox (one Python process serving
identity and Graph for every worker) and the backend's processes all share them.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.load [--rps 50 --seconds 60]
[--workers 2] [--threads N] [--database-url URL]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

from recall_assistant.ops.devcerts import ensure_dev_certificates
from tests.reliability.load import run_load_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rps", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: the settings' default)")
    parser.add_argument("--database-url", metavar="URL",
                        help="the backend's database, e.g. a throw-away PostgreSQL from "
                             "scripts/postgres.sh (default: a SQLite file in a temporary "
                             "folder); the run adds rows to it")
    args = parser.parse_args()
    if not 0 < args.rps <= 200 or not 0 < args.seconds <= 600:
        parser.error("keep the load bounded: --rps up to 200, --seconds up to 600")
    if not 1 <= args.workers <= 16 or (args.threads is not None and not 1 <= args.threads <= 64):
        parser.error("--workers 1 to 16, --threads 1 to 64")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="ra-load-") as tmp:
        folder = Path(tmp)
        report = run_load_test(folder, ensure_dev_certificates(folder / "certs"),
                               rps=args.rps, seconds=args.seconds, workers=args.workers,
                               server_threads=args.threads, database_url=args.database_url)
    print(json.dumps(report.as_json()))


if __name__ == "__main__":
    main()
