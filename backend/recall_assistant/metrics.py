"""Prometheus metrics: what the backend counts, and their text for ``GET /metrics``.

No Flask here: the Graph client and the services count into these, the HTTP layer
(``telemetry.py``) counts requests and serves the text.

Several worker processes (gunicorn) each count on their own. With ``PROMETHEUS_MULTIPROC_DIR``
set before this module is first imported, prometheus-client keeps every process's values in
files in that folder and a scrape of any worker adds them all up (``metrics_setup.py``
prepares the folder). Without it, a scrape sees only the worker that answered.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

from .metrics_setup import MULTIPROCESS_ENV

PREFIX = "recall_assistant"
# Our requests wait on Graph (up to its 20 s retry budget): buckets up to 30 s.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    f"{PREFIX}_http_requests", "HTTP requests answered, by route (the URL rule) and status.",
    ["method", "route", "status"])
HTTP_DURATION = Histogram(
    f"{PREFIX}_http_request_duration_seconds", "Time to answer an HTTP request, by route.",
    ["method", "route"], buckets=DURATION_BUCKETS)
RATE_LIMITED = Counter(
    f"{PREFIX}_rate_limited", "Requests refused with 429 by the per-user limits.", ["route"])

GRAPH_REQUESTS = Counter(
    f"{PREFIX}_graph_requests", "HTTP round trips to Microsoft Graph (retries included).")
GRAPH_RETRIES = Counter(
    f"{PREFIX}_graph_retries", "Graph requests sent again after a 429, 503, 504 or no answer.")
GRAPH_THROTTLED = Counter(
    f"{PREFIX}_graph_throttled", "Graph answers 429 Too Many Requests.")
GRAPH_BATCHES = Counter(
    f"{PREFIX}_graph_batches", "Graph $batch requests sent.")
GRAPH_DURATION = Histogram(
    f"{PREFIX}_graph_request_duration_seconds", "Time of one HTTP round trip to Graph.",
    buckets=DURATION_BUCKETS)

RECALLS = Counter(
    f"{PREFIX}_recalls", "Recalls asked of Exchange, by result (submitted, failed, unknown).",
    ["result"])
RECALL_OUTCOMES = Counter(
    f"{PREFIX}_recall_recipient_outcomes",
    "Per-recipient outcomes of recalls, counted once when a recall settles.", ["status"])
CORRECTIONS = Counter(
    f"{PREFIX}_corrections", "Corrections sent, by result (sent, failed, unknown).", ["result"])


def count_graph(*, calls: int = 0, retries: int = 0, throttled: int = 0, batches: int = 0,
                seconds: float = 0.0) -> None:
    """What the Graph client did (called with its own counters)."""
    if calls:
        GRAPH_REQUESTS.inc(calls)
        GRAPH_DURATION.observe(seconds)
    if retries:
        GRAPH_RETRIES.inc(retries)
    if throttled:
        GRAPH_THROTTLED.inc(throttled)
    if batches:
        GRAPH_BATCHES.inc(batches)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
