"""kill -9 of a gunicorn worker in the middle of a recall, a few times over.

Prints one JSON object: {"kills", "audit_records_kept", "unknown_after_grace",
"retries_replayed", "recalled_twice", "seconds"}. Each round starts ``recall-assistant serve``
(one worker) against a sandbox tenant in this process, sends a recall, kills the worker with
SIGKILL while Graph holds the recall, lets gunicorn start a new worker on the same SQLite
database, and checks the audit row, the ``unknown`` state after RA_ACTION_GRACE_S, and that a
retry with the same Idempotency-Key recalls nothing more (tests/reliability/crash.py).

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.crash [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from recall_assistant.ops.devcerts import ensure_dev_certificates
from tests.reliability.crash import run_crash_drill


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    started = time.perf_counter()
    reports = []
    with tempfile.TemporaryDirectory(prefix="ra-crash-") as tmp:
        certs = ensure_dev_certificates(Path(tmp) / "certs")
        for n in range(args.rounds):
            reports.append(run_crash_drill(Path(tmp) / f"round{n}", certs, hold_s=6))
    figures = {
        "kills": sum(1 for r in reports if r.worker_killed),
        "audit_records_kept": sum(1 for r in reports
                                  if "recall.requested" in r.audit_after_restart),
        "unknown_after_grace": sum(1 for r in reports
                                   if r.status_after_grace.get("status") == "unknown"),
        "retries_replayed": sum(1 for r in reports if r.retry_replayed),
        "recalled_twice": sum(1 for r in reports if r.sandbox_recalls > 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(figures))
    if figures["audit_records_kept"] != args.rounds or figures["recalled_twice"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
