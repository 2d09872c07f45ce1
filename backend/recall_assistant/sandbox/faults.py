"""Latency, injected faults and Graph's per-mailbox concurrency limit, for the sandbox's Graph.

Faults are drawn *before* a request is processed, so a faulted request never half-happens:
nothing was read or changed, and a retry is always safe (as a client must assume of a 429 or
503 from Graph). Throttling follows Outlook's documented limit of 4 concurrent requests per
app and mailbox (graph docs, concepts/throttling-limits.md); the fifth gets a 429 with
``Retry-After`` and the body Graph sends for it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .graph_http import GraphError
from .options import SandboxOptions

RETRY_AFTER_S = 1  # short, so that clients (and tests) that honour it do not wait long
FAULT_KINDS = ("throttled", "unavailable", "timeout")


class Faults:
    """Shared by every Graph request of one sandbox (thread-safe)."""

    def __init__(self, options: SandboxOptions, *, sleep: Callable[[float], None] = time.sleep):
        self._options = options
        self._sleep = sleep
        # Not security-relevant: a seed makes a fault sequence reproducible.
        self._random = random.Random(options.fault_seed)  # noqa: S311
        self._lock = threading.Lock()
        self._in_flight: dict[tuple[str, str], int] = {}

    def draw(self) -> str | None:
        """The fault to inject into the next request (one of FAULT_KINDS), or None."""
        rate = self._options.fault_rate
        if rate <= 0:
            return None
        with self._lock:
            if self._random.random() >= rate:
                return None
            return self._random.choice(FAULT_KINDS)

    def inject(self, kind: str) -> GraphError:
        """Play fault ``kind`` out (a timeout waits first) and return the error to answer."""
        retry = {"Retry-After": str(RETRY_AFTER_S)}
        if kind == "throttled":
            return GraphError(429, "TooManyRequests", "Please retry again later.", retry)
        if kind == "unavailable":
            return GraphError(503, "serviceNotAvailable",
                              "The service is temporarily unavailable. Please retry later.",
                              retry)
        self._sleep(self._options.timeout_fault_s)
        return GraphError(504, "GatewayTimeout",
                          "The gateway did not receive a response from the service in time.")

    @contextmanager
    def slot(self, app_id: str, mailbox: str | None) -> Iterator[None]:
        """Hold one of the mailbox's concurrent-request slots while the request runs."""
        if mailbox is None:
            yield
            return
        key = (app_id, mailbox.lower())
        with self._lock:
            if self._in_flight.get(key, 0) >= self._options.max_concurrent_per_mailbox:
                raise GraphError(429, "ApplicationThrottled",
                                 "Application is over its MailboxConcurrency limit.",
                                 {"Retry-After": str(RETRY_AFTER_S)})
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight[key] -= 1
                if not self._in_flight[key]:
                    del self._in_flight[key]

    def latency(self, *, since: float | None = None) -> None:
        """Wait out the configured latency, counted from ``since`` (``time.monotonic``) when
        given: the time already spent on the request is part of it."""
        if self._options.latency_ms <= 0:
            return
        left = self._options.latency_ms / 1000
        if since is not None:
            left -= time.monotonic() - since
        if left > 0:
            self._sleep(left)
