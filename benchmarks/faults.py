"""Recalls and corrections while 30% of Graph requests fail: done once, and audited.

Prints one JSON object: {"requests", "client_attempts", "done_exactly_once", "final_answers",
"done_twice", "answered_done_but_not_done", "unaudited", "audit_mismatches",
"duplicate_actions", "seconds"}. Each request recalls or corrects its own sent message; the
client retries with the same Idempotency-Key until the answer is final. The sandbox is then
counted and the audit log read (tests/reliability/faults.py says how). The last five
figures must be 0. ``final_answers`` shows how many ended ``done`` and how many
``graph_outcome_unknown`` (a gateway time-out on the action itself: it may or may not have
happened, so it is never repeated; the sandbox never does a faulted request).

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.faults [--recalls 40 --corrections 40]``
(and ``--replacements 20``: recalls with ``replaceWith``, a recall and a correction at once).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

from recall_assistant.ops.devcerts import ensure_dev_certificates
from tests.reliability.faults import run_fault_drill


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recalls", type=int, default=40)
    parser.add_argument("--corrections", type=int, default=40)
    parser.add_argument("--replacements", type=int, default=20,
                        help="recalls with replaceWith (delete and replace)")
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # each injected fault logs a warning: not figures
    with tempfile.TemporaryDirectory(prefix="ra-faults-") as tmp:
        folder = Path(tmp)
        report = run_fault_drill(folder, ensure_dev_certificates(folder / "certs"),
                                 recalls=args.recalls, corrections=args.corrections,
                                 replacements=args.replacements,
                                 fault_rate=args.fault_rate, seed=args.seed)
    figures = report.as_json()
    figures["fault_rate"] = args.fault_rate
    print(json.dumps(figures))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if report.problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
