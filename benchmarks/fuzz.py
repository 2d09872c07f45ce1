"""schemathesis over /openapi.json at full size: at least 1000 generated requests.

Prints one JSON object: {"cases", "server_errors", "schema_violations", "statuses",
"operations", "seconds", "conformance_cases", "seed"}. Cases are generated from the document
(valid and invalid inputs) and sent in process with a valid sandbox token; the app's Graph
calls go to the sandbox over loopback HTTPS. ``server_errors`` counts 5xx answers;
``schema_violations`` counts answers whose status, content type, headers or body the document
does not allow. The hand-picked success paths (real recall, correction, audit) are added.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.fuzz [--examples 100]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import tempfile
from pathlib import Path

from recall_assistant.ops.devcerts import ensure_dev_certificates
from tests.reliability.fuzzing import conformance_cases, run_fuzz
from tests.support.reliability import start_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=60,
                        help="generated cases per operation and mode (valid, invalid)")
    parser.add_argument("--min-cases", type=int, default=1000)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="ra-fuzz-") as tmp, \
            contextlib.redirect_stdout(sys.stderr):  # hypothesis notes stay off our JSON
        folder = Path(tmp)
        live, stop = start_server(folder, ensure_dev_certificates(folder / "certs"))
        try:
            conformance = conformance_cases(live)
            report = run_fuzz(live, examples=args.examples, derandomize=False)
        finally:
            stop()
    figures = report.as_json()
    figures["conformance_cases"] = conformance.cases
    figures["server_errors"] += conformance.server_errors
    figures["schema_violations"] += conformance.schema_violations
    for line in report.failures + conformance.failures:
        print(line, file=sys.stderr)
    print(json.dumps(figures))
    if report.cases < args.min_cases:
        sys.exit(f"only {report.cases} cases (< {args.min_cases}): raise --examples")


if __name__ == "__main__":
    main()
