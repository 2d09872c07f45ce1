"""The sandbox's gateway: latency, injected faults and Graph's per-mailbox concurrency limit,
as WSGI middleware in front of its Graph (and, latency only, its identity service).

Faults are drawn before the app behind processes a request, so a faulted request never
half-happens and a retry is always safe (as a client must assume of a 429 or 503 from Graph).
Throttling follows Outlook's documented limit of 4 concurrent requests per app and mailbox. The
latency is the least time an answer takes from its arrival: the answer is written out first
and the wait comes last, inside the mailbox's slot, so that concurrency can be observed.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from werkzeug.test import run_wsgi_app
from werkzeug.wsgi import ClosingIterator

from ..ops.devserver import NOTICED
from .graph_http import GraphError, error_response
from .options import SandboxOptions

if TYPE_CHECKING:
    from .state import Sandbox  # which imports this module

RETRY_AFTER_S = 1  # short, so that clients (and tests) that honour it do not wait long
FAULT_KINDS = ("throttled", "unavailable", "timeout")
# When the request arrived (``time.monotonic``). A $batch's inner requests carry their batch's:
# the latency is counted once, for the batch's round trip.
ARRIVED = "recall_assistant.sandbox.arrived"


class Faults:
    """Shared by every request through one sandbox's gateways (thread-safe)."""

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
    def slot(self, app_id: str, mailbox: str) -> Iterator[None]:
        """Hold one of the mailbox's concurrent-request slots while the request runs."""
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


@dataclass(frozen=True)
class Admission:
    """What the gateway must know of an admitted request, from the app behind it."""

    faults: bool = True  # False for a $batch envelope and the identity service
    slot: tuple[str, str] | None = None  # (app id, mailbox) of the concurrency slot it holds


class Gateway:
    """``admit`` tells how the app behind sees a request (None: refused, answered at once).
    An inner request of a $batch (it carries its batch's ARRIVED) is handed back before its
    wait: the batch writes it in, then closes it, which waits (if it holds a slot) and lets
    the slot go. The batch itself waits once, for its whole round trip."""

    def __init__(self, app: WSGIApplication, state: Sandbox,
                 admit: Callable[[WSGIEnvironment], Admission | None]):
        self._app, self._state, self._admit = app, state, admit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        # From when the server noticed the request (the dev server says when): reading it
        # may have waited behind other requests' work, which Graph's would not.
        in_batch = ARRIVED in environ
        arrived = environ.setdefault(ARRIVED, environ.get(NOTICED) or time.monotonic())
        admission = self._admit(environ)
        if admission is None:
            return self._app(environ, start_response)
        faults = self._state.faults  # read each time: a test may swap it
        held = ExitStack()  # the mailbox slot, held through the wait
        try:
            fault = faults.draw() if admission.faults else None
            if fault is not None:
                raise faults.inject(fault)
            if admission.slot is not None:
                held.enter_context(faults.slot(*admission.slot))
        except GraphError as error:
            client_request_id = environ.get("HTTP_CLIENT_REQUEST_ID") or str(uuid.uuid4())
            answer = error_response(error, client_request_id, self._state.clock())
            return answer.send(start_response, client_request_id)
        with held:
            body, status, headers = run_wsgi_app(self._app, environ, buffered=True)
            start_response(status, headers.to_wsgi_list())
            if not in_batch:
                faults.latency(since=arrived)  # last, in the slot: the answer is ready by then
                return body
            later = held.pop_all()  # the batch writes the answer in, then closes it
        if admission.slot is not None:
            later.callback(faults.latency, since=arrived)  # before the slot is let go
        return ClosingIterator(body, later.close)
