"""Per-user request limits on the routes that act or cost Graph calls (the limits package).

Each limited route counts requests per signed-in user (tenant id and object id from the
validated token); a request without a valid token counts against its remote address. A
request over the limit gets 429 ``rate_limited`` with ``Retry-After``, before the view runs.
The counters live where ``RA_RATE_LIMIT_STORAGE`` says: in memory (one process), or in Redis
so that several instances share them; if Redis stops answering, each process counts alone
until it is back rather than refusing everyone.

The check is ours, on the ``limits`` package that flask-limiter is built on: flask-limiter's
own bookkeeping around one counter took 180 µs a request, the counter 8 µs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from ..config import Settings
from ..errors import ConfigError, RecallAssistantError, TooManyRequests
from .runtime import runtime

log = logging.getLogger(__name__)

EXTENSION = "rate_limits"
# (method, route, which setting): acting on mail is held tighter than reading it.
LIMITED_ROUTES = (
    ("POST", "/api/recalls", "mutating"),
    ("POST", "/api/corrections", "mutating"),
    ("POST", "/api/eligibility", "read"),
    ("POST", "/api/corrections/preview", "read"),
)


class QuietMemoryStorage(MemoryStorage):
    """limits' in-memory counters, without starting a thread on every request.

    ``MemoryStorage`` starts a 10 ms timer thread on each hit to forget expired counters:
    about 0.25 ms of every limited request, and the thread then wakes up inside the next one.
    A counter's expiry is checked whenever it is read anyway, so forgetting old ones once a
    second, inline, is enough to keep memory bounded.
    """

    STORAGE_SCHEME = ["ra-memory"]
    SWEEP_EVERY_S = 1.0

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        super().__init__(uri, **options)
        self._next_sweep = 0.0
        self._sweeping = threading.Lock()

    # Replaces the base class's private hook (name-mangled): a test checks that it exists.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.SWEEP_EVERY_S
            self._MemoryStorage__expire_events()
        finally:
            self._sweeping.release()


def storage_uri(configured: str) -> str:
    """The URI limits is given: in-memory counters are ours (above), the rest as configured."""
    scheme, sep, rest = configured.partition("://")
    return f"ra-memory://{rest}" if sep and scheme == "memory" else configured


def caller_key() -> str:
    """Whose counter a request goes to: the user's when the token is valid, else the address."""
    key = g.get("_rate_limit_key")
    if key is None:
        caller = g.get("caller")
        header = request.headers.get("Authorization")
        if caller is None and header:
            # The limit is checked before the view's own token check; validate here too
            # (a signature check, no network once the authority's keys are known), so that
            # a forged token cannot spend someone else's allowance.
            try:
                caller = runtime().token_validator.caller_from_header(header)
                g._validated_token = (header, caller)  # the view's check reuses it
            except RecallAssistantError:
                caller = None
        key = (f"user:{caller.tid}:{caller.oid}" if caller is not None
               else f"ip:{request.remote_addr or 'unknown'}")
        g._rate_limit_key = key
    return key


class RateLimits:
    """The counters, and the limits of each limited (method, endpoint)."""

    # After the shared storage failed, how long each process counts alone before trying it.
    RETRY_STORAGE_AFTER_S = 30.0
    NAMESPACE = "recall-assistant"  # the counters' keys in a shared Redis start with it

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic):
        try:
            self.storage: Storage = storage_from_string(storage_uri(settings.rate_limit_storage))
        except ConfigurationError as exc:
            scheme = settings.rate_limit_storage.split("://", 1)[0]
            raise ConfigError(f"RA_RATE_LIMIT_STORAGE ({scheme}://): {exc} Install the extra: "
                              "pip install 'recall-assistant[redis]'.") from exc
        # The sliding window counter: no burst of twice the limit at a window's edge.
        self._shared = SlidingWindowCounterRateLimiter(self.storage)
        self._alone = SlidingWindowCounterRateLimiter(QuietMemoryStorage())
        self._values = {"mutating": parse_many(settings.rate_limit_mutating),
                        "read": parse_many(settings.rate_limit_read)}
        self._limits: dict[tuple[str, str], list[RateLimitItem]] = {}
        self._shared_down_until = 0.0
        self._clock = clock

    def limit(self, method: str, endpoint: str, kind: str) -> None:
        """Hold requests of ``method`` to ``endpoint`` to the ``kind`` setting's limits."""
        self._limits[(method, endpoint)] = self._values[kind]

    def limited(self, method: str, endpoint: str | None) -> bool:
        """Whether requests of ``method`` to ``endpoint`` are counted."""
        return (method, endpoint) in self._limits

    def wait(self, method: str, endpoint: str, key: str) -> int | None:
        """Count a request of ``key``; ``None`` when it may go on, else seconds to wait."""
        items = self._limits[(method, endpoint)]
        if self._clock() >= self._shared_down_until:
            try:
                return _hit(self._shared, items, self.NAMESPACE, endpoint, key)
            except Exception as exc:  # noqa: BLE001 - whatever the storage's driver raises
                self._shared_down_until = self._clock() + self.RETRY_STORAGE_AFTER_S
                log.warning("rate-limit storage unreachable (%s); counting in this process "
                            "for %.0f s", type(exc).__name__, self.RETRY_STORAGE_AFTER_S)
        return _hit(self._alone, items, self.NAMESPACE, endpoint, key)


def _hit(limiter: SlidingWindowCounterRateLimiter, items: list[RateLimitItem],
         *identifiers: str) -> int | None:
    for item in items:
        if not limiter.hit(item, *identifiers):
            reset = limiter.get_window_stats(item, *identifiers).reset_time
            return max(1, int(reset - time.time()))
    return None


def install_rate_limits(app: Flask, settings: Settings,
                        render: Callable[[RecallAssistantError], Any]) -> RateLimits:
    """Limit the routes of ``LIMITED_ROUTES`` (call after the blueprints are registered)."""
    limits = RateLimits(settings)
    for method, path, kind in LIMITED_ROUTES:
        limits.limit(method, _endpoint(app, method, path), kind)

    @app.before_request
    def enforce_rate_limits() -> Any:
        # Registered last: runs after the other hooks, before the view.
        if not limits.limited(request.method, request.endpoint):
            return None
        wait = limits.wait(request.method, str(request.endpoint), caller_key())
        if wait is None:
            return None
        log.info("rate limited on %s; retry in %d s", request.endpoint, wait)
        return render(TooManyRequests(details={"retryAfterSeconds": wait},
                                      headers={"Retry-After": str(wait)}))

    app.extensions[EXTENSION] = limits
    return limits


def _endpoint(app: Flask, method: str, path: str) -> str:
    for rule in app.url_map.iter_rules():
        if rule.rule == path and method in (rule.methods or ()):
            return rule.endpoint
    raise LookupError(f"no route {method} {path} to rate-limit: was it renamed?")
