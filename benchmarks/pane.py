"""How long the task pane takes from opening to showing the verdict, in a real browser.

Prints one JSON object:
  {"latency_ms": 50, "load_to_verdict_ms": m, "runs": n, "min_ms": a, "max_ms": b,
   "message": "<id>", "recipients": r}

Each run opens ``/taskpane.html`` for one seeded message in a fresh headless chromium context
(nothing cached: office shim, modules, sign-in, eligibility all fetched again) against the demo
server, whose sandbox adds ``latency_ms`` to every identity and Graph request. The figure is
the time from navigation start to the verdict on screen (the pane's ``ra:verdict`` mark),
median of the runs. Target: at most 1000 ms at 50 ms of latency.

Run: ``make bench`` or ``.venv/bin/python -m benchmarks.pane [--runs 7]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
from pathlib import Path

from recall_assistant.ops.devcerts import ensure_dev_certificates
from recall_assistant.sandbox.options import SandboxOptions
from tests.support import start_live_server

MESSAGE = "AAMkAGRlbW8-sent10_everyone"  # two groups, outsiders, a shared mailbox: the most work
CHROMIUM = os.environ.get("RA_CHROMIUM", "/usr/bin/chromium")


def measure(url: str, runs: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-quic"])
        try:
            for run in range(runs + 1):
                context = browser.new_context(ignore_https_errors=True,
                                              viewport={"width": 320, "height": 720})
                page = context.new_page()
                page.goto(url)
                page.wait_for_selector("body[data-loaded=verdict]", state="attached",
                                       timeout=30_000)
                at = page.evaluate(
                    "performance.getEntriesByName('ra:verdict')[0].startTime")
                context.close()
                if run:  # the first load warms the server (imports, MSAL app, caches)
                    timings.append(at)
        finally:
            browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed page loads")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="ra-bench-pane-") as tmp:
        folder = Path(tmp)
        certs = ensure_dev_certificates(folder / "certs")
        live, thread, server = start_live_server(
            folder, certs, options=SandboxOptions(latency_ms=args.latency_ms),
            RA_LOG_LEVEL="WARNING")
        try:
            recipients = sum(len(m.to_recipients) + len(m.cc_recipients) + len(m.bcc_recipients)
                             for m in live.tenant.messages if m.id == MESSAGE)
            timings = measure(f"{live.url}/taskpane.html?item={MESSAGE}", args.runs)
        finally:
            server.shutdown()
            thread.join(timeout=5)
    print(json.dumps({
        "latency_ms": args.latency_ms,
        "load_to_verdict_ms": round(statistics.median(timings), 1),
        "runs": len(timings),
        "min_ms": round(min(timings), 1),
        "max_ms": round(max(timings), 1),
        "message": MESSAGE,
        "recipients": recipients,
    }))


if __name__ == "__main__":
    main()
