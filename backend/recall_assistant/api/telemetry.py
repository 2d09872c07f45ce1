"""What each request leaves behind: one access log line and the HTTP metrics.

Requests are named by their URL rule (``/api/recalls/<action_id>``), never by their path: ids
stay out of the metrics' labels (one series per route, not per recall) and out of the logs.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, g, request

from .. import metrics

access_log = logging.getLogger("recall_assistant.access")

UNMATCHED = "<unmatched>"  # any path no route answers (404): one label for all of them
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes and scrapes come every few seconds: their lines only at DEBUG.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def install_telemetry(app: Flask) -> None:
    """Time every request; count it and log it when its response is ready.

    Install it right after the request id is assigned, before any hook that may answer early.
    """

    @app.before_request
    def start_clock() -> None:
        g._telemetry_started = time.perf_counter()

    @app.after_request
    def record(response: Any) -> Any:
        started = g.get("_telemetry_started")
        seconds = time.perf_counter() - started if started is not None else 0.0
        method = request.method if request.method in METHODS else "OTHER"
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        status = response.status_code
        metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
        metrics.HTTP_DURATION.labels(method, route).observe(seconds)
        if status == 429:
            metrics.RATE_LIMITED.labels(route).inc()
        milliseconds = round(seconds * 1000, 1)
        access_log.log(logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                       "%s %s %d %.1f ms", method, route, status, milliseconds,
                       extra={"method": method, "route": route, "status": status,
                              "durationMs": milliseconds})
        return response
