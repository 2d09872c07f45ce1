"""The Graph client: one ``requests.Session``, a token provider, retries and counters.

Everything about talking HTTP to Graph lives here (and in ``batch.py``): URLs, query encoding,
timeouts, ``Retry-After``, back-off, paging. Callers get JSON bodies or one of the errors of
``graph/errors.py``, never a ``requests`` object or exception.
When a request is sent again is decided by ``retry.py``.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

from .. import metrics
from ..config import Settings
from .errors import (
    GraphError,
    GraphOutcomeUnknown,
    GraphUnavailable,
    error_from_response,
    no_answer,
)
from .retry import IDEMPOTENT_METHODS, RETRY_IF_IDEMPOTENT, RetryPolicy

log = logging.getLogger(__name__)

TokenProvider = Callable[[], str]
"""Returns a Graph access token (delegated on-behalf-of, or app-only) each time it is called."""

VERSIONS = ("v1.0", "beta")

# Kept readable in query values: OData punctuation. Everything else (space, +, &, #, <, >)
# is percent-encoded, so "+" in an internetMessageId never turns into a space.
_QUERY_SAFE = "$,()':@/"


def encode_query(params: Mapping[str, object]) -> str:
    """An OData query string (``$filter=...&$select=...``), percent-encoded with ``%20``."""
    return "&".join(f"{quote(str(name), safe='$')}={encode_value(str(value))}"
                    for name, value in params.items())


def encode_value(value: str) -> str:
    """One query value (or a piece of one) percent-encoded as :func:`encode_query` does."""
    return quote(value, safe=_QUERY_SAFE)


def odata_string(value: str) -> str:
    """An OData string literal: single quotes around, any single quote inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def path_segment(value: str) -> str:
    """One URL path segment (an id or a user principal name), percent-encoded."""
    return quote(value, safe="@")


@dataclass
class GraphStats:
    """Counters a benchmark reads: HTTP round trips, retries, batches, time per stage."""

    calls: int = 0
    retries: int = 0
    throttled: int = 0
    batches: int = 0
    batched_requests: int = 0
    http_seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_counts: dict[str, int] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        """A plain copy, with ``graph_calls`` named as the benchmark reports it."""
        return {
            "graph_calls": self.calls,
            "retries": self.retries,
            "throttled": self.throttled,
            "batches": self.batches,
            "batched_requests": self.batched_requests,
            "http_seconds": round(self.http_seconds, 6),
            "stages": {name: {"seconds": round(seconds, 6), "count": self.stage_counts[name]}
                       for name, seconds in self.stage_seconds.items()},
        }


@dataclass(frozen=True)
class GraphAnswer:
    """A successful answer: status, JSON body (or text, or None) and headers."""

    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Page:
    """One page of a collection; ``has_more`` when Graph gave a next link."""

    items: list[dict[str, Any]]
    has_more: bool


@dataclass(frozen=True)
class Paged:
    """Items gathered over pages; ``truncated`` when the cap stopped us before the end."""

    items: list[dict[str, Any]]
    truncated: bool


class GraphClient:
    """Microsoft Graph over one session, for one token provider (one user, or the app)."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        token_provider: TokenProvider,
        *,
        timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        version: str = "v1.0",
        max_concurrency: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ):
        if version not in VERSIONS:
            raise ValueError(f"unknown Graph version {version!r}")
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        # Graph allows 4 concurrent requests per app and mailbox (throttling limits).
        self.max_concurrency = max(1, min(4, max_concurrency))
        self.sleep = sleep
        self.clock = clock
        self.rng = rng
        self.stats = GraphStats()
        self._session = session
        self._token_provider = token_provider
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, session: requests.Session, settings: Settings,
                      token_provider: TokenProvider, **options: Any) -> GraphClient:
        """A client for ``settings.graph_url`` with the configured HTTP time-out."""
        options.setdefault("timeout_s", settings.http_timeout_s)
        return cls(session, settings.graph_url, token_provider, **options)

    # -- URLs -------------------------------------------------------------------------------

    def url(self, path: str, *, version: str | None = None,
            params: Mapping[str, object] | None = None) -> str:
        """The absolute URL of ``path`` (relative to the version root) with its query."""
        version = version or self.version
        if version not in VERSIONS:
            raise ValueError(f"unknown Graph version {version!r}")
        url = f"{self.base_url}/{version}/{path.lstrip('/')}"
        if params:
            url += ("&" if "?" in url else "?") + encode_query(params)
        return url

    def _checked_absolute(self, url: str) -> str:
        # A nextLink is followed with the user's token: never send it outside Graph.
        if not url.startswith(self.base_url + "/"):
            raise GraphError(graph_message=f"refusing to follow a link outside Graph: {url[:80]}")
        return url

    # -- requests ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        version: str | None = None,
        params: Mapping[str, object] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        deadline: float | None = None,
    ) -> GraphAnswer:
        """Send one request with retries; return the 2xx answer or raise a ``GraphError``.

        ``path`` is relative to the version root (``/me/messages/...``) or an absolute
        ``@odata.nextLink``. ``idempotent`` defaults from the method; say True for a POST that
        changes nothing (``translateExchangeIds``, a ``$batch`` of GETs). ``deadline`` (on
        ``clock``) shortens the time budget when the call is part of a larger one.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if path.startswith(("https://", "http://")):
            url = self._checked_absolute(path)
        else:
            url = self.url(path, version=version, params=params)
        send_headers = {
            "Authorization": f"Bearer {self._token_provider()}",
            "Accept": "application/json",
            # Graph echoes it in its error bodies: lets a log line be matched to ours.
            "client-request-id": str(uuid.uuid4()),
        }
        send_headers.update(headers or {})
        own_deadline = self.clock() + self.retry.budget_s
        deadline = own_deadline if deadline is None else min(deadline, own_deadline)
        attempt = 0
        while True:
            attempt += 1
            outcome, wait = self._attempt(method, url, json, send_headers, idempotent,
                                          attempt, deadline)
            if isinstance(outcome, GraphAnswer):
                return outcome
            if self.retry.gives_up(attempt, self.clock(), wait, deadline):
                log.warning("Graph %s %s gave up after %d attempt(s): %s",
                            method, url.split("?")[0], attempt, outcome)
                raise self.retry.surrender(outcome, wait)
            self._count(retries=1)
            self.sleep(wait)

    def _attempt(self, method: str, url: str, json: Any, headers: dict[str, str],
                 idempotent: bool, attempt: int,
                 deadline: float) -> tuple[GraphAnswer | GraphError, float]:
        """One try: the answer, or the error and how long to wait before the next try.

        Raises at once when the error must not be retried.
        """
        started = self.clock()
        timeout = max(0.5, min(self.timeout_s, deadline - started))
        try:
            response = self._send(method, url, json, headers, timeout)
        except requests.RequestException as exc:
            self._count(calls=1, seconds=self.clock() - started)
            if isinstance(exc, ValueError | requests.exceptions.SSLError):
                # A malformed URL or a certificate problem: retrying cannot help.
                raise GraphUnavailable(graph_message=f"{type(exc).__name__}: {exc}") from exc
            if not idempotent and not _never_sent(exc):
                # The request may have reached Graph and been done (a send, a recall):
                # retrying could do it twice, so stop and say the outcome is unknown.
                raise no_answer(exc, outcome_unknown=True) from exc
            return no_answer(exc, outcome_unknown=False), self.retry.wait(None, attempt, self.rng)
        self._count(calls=1, seconds=self.clock() - started)
        status = response.status_code
        if 200 <= status < 300:
            return _answer(response), 0.0
        error = error_from_response(status, _json_or_none(response), response.headers)
        if status in RETRY_IF_IDEMPOTENT and not idempotent:
            # The gateway gave up, but the work behind it may be done: as for a read time-out.
            error = GraphOutcomeUnknown(graph_status=status, graph_code=error.graph_code,
                                        graph_message=error.graph_message,
                                        request_id=error.request_id)
        if status == 429:
            self._count(throttled=1)
        if not self.retry.retryable(status, idempotent):
            log.info("Graph %s %s: %s", method, url.split("?")[0], error)
            raise error
        return error, self.retry.wait(error.retry_after, attempt, self.rng)

    def _send(self, method: str, url: str, json: Any, headers: Mapping[str, str],
              timeout: float) -> requests.Response:
        # Prepared here and handed to Session.send: Session.request would merge cookies,
        # environment and proxy settings that a Graph call never has, and that merging cost
        # more than the rest of our work on a typical request. Session headers still apply.
        prepared = requests.PreparedRequest()
        body = None if json is None else jsonlib.dumps(json).encode()
        prepared.prepare(method=method, url=url, headers={**self._session.headers, **headers},
                         data=body)
        if body is not None and "Content-Type" not in prepared.headers:
            prepared.headers["Content-Type"] = "application/json"
        return self._session.send(prepared, timeout=timeout, allow_redirects=False)

    def get(self, path: str, *, params: Mapping[str, object] | None = None,
            version: str | None = None, headers: Mapping[str, str] | None = None) -> Any:
        """GET ``path`` and return its JSON body."""
        return self.request("GET", path, params=params, version=version, headers=headers).body

    def post(self, path: str, json: Any = None, *, version: str | None = None,
             headers: Mapping[str, str] | None = None, idempotent: bool = False) -> Any:
        """POST ``json`` to ``path``; return the body (None for 202/204 without JSON)."""
        return self.request("POST", path, json=json, version=version, headers=headers,
                            idempotent=idempotent).body

    def patch(self, path: str, json: Any, *, version: str | None = None,
              headers: Mapping[str, str] | None = None, idempotent: bool = False) -> Any:
        """PATCH ``path`` with ``json``; return the updated object when Graph sends it."""
        return self.request("PATCH", path, json=json, version=version, headers=headers,
                            idempotent=idempotent).body

    # -- paging -----------------------------------------------------------------------------

    def iter_pages(self, path: str, *, params: Mapping[str, object] | None = None,
                   version: str | None = None, headers: Mapping[str, str] | None = None,
                   max_pages: int | None = None) -> Iterator[Page]:
        """Yield each page of a collection, following ``@odata.nextLink``.

        Stops after ``max_pages`` (the last page then says ``has_more``); closing the
        iterator early sends no further request.
        """
        url: str | None = self.url(path, version=version, params=params)
        pages = 0
        while url:
            body = self.request("GET", url, headers=headers).body
            body = body if isinstance(body, Mapping) else {}
            pages += 1
            next_link = body.get("@odata.nextLink")
            yield Page(list(body.get("value") or []), has_more=bool(next_link))
            if not next_link or (max_pages is not None and pages >= max_pages):
                return
            url = self._checked_absolute(str(next_link))

    def get_all(self, path: str, *, params: Mapping[str, object] | None = None,
                version: str | None = None, headers: Mapping[str, str] | None = None,
                max_items: int = 1000) -> Paged:
        """Every item over all pages, at most ``max_items`` (then ``truncated`` is True)."""
        items: list[dict[str, Any]] = []
        pages = self.iter_pages(path, params=params, version=version, headers=headers)
        for page in pages:
            room = max_items - len(items)
            items.extend(page.items[:room])
            if len(page.items) > room or (len(items) >= max_items and page.has_more):
                pages.close()
                return Paged(items, truncated=True)
        return Paged(items, truncated=False)

    # -- counters ---------------------------------------------------------------------------

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a named stage (e.g. ``resolve_addresses``) into ``stats``."""
        started = self.clock()
        try:
            yield
        finally:
            elapsed = self.clock() - started
            with self._lock:
                self.stats.stage_seconds[name] = self.stats.stage_seconds.get(name, 0.0) + elapsed
                self.stats.stage_counts[name] = self.stats.stage_counts.get(name, 0) + 1

    def _count(self, *, calls: int = 0, retries: int = 0, throttled: int = 0,
               batches: int = 0, batched_requests: int = 0, seconds: float = 0.0) -> None:
        with self._lock:
            self.stats.calls += calls
            self.stats.retries += retries
            self.stats.throttled += throttled
            self.stats.batches += batches
            self.stats.batched_requests += batched_requests
            self.stats.http_seconds += seconds
        metrics.count_graph(calls=calls, retries=retries, throttled=throttled, batches=batches,
                            seconds=seconds)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request surely never reached Graph (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _answer(response: requests.Response) -> GraphAnswer:
    body: Any = None
    if response.content:
        content_type = response.headers.get("Content-Type", "")
        # Without a Content-Type, a body that parses as JSON is taken as JSON.
        body = _json_or_none(response) if "json" in content_type or not content_type else None
        if body is None and "json" in content_type:
            raise GraphError(graph_status=response.status_code,
                             graph_message="Graph answered with JSON that does not parse")
        if body is None:
            # e.g. recall's 202 carries an opaque text: keep it, nobody depends on it.
            body = response.text
    return GraphAnswer(response.status_code, body, dict(response.headers))
