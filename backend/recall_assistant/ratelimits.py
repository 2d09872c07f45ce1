"""Per-user request limits on the routes that act or cost Graph calls (flask-limiter).

Each limited route counts requests per signed-in user (tenant id and object id from the
validated token); a request without a valid token counts against its remote address. A
request over the limit gets 429 ``rate_limited`` with ``Retry-After``, before the view runs.
The counters live where ``RA_RATE_LIMIT_STORAGE`` says: in memory (one process), or in Redis
so that several instances share them; if Redis stops answering, each process counts alone
until it is back rather than refusing everyone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, g, request
from flask_limiter import Limiter, RateLimitExceeded
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage

from .config import Settings
from .errors import ConfigError, RecallAssistantError, TooManyRequests
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


def install_rate_limits(app: Flask, settings: Settings,
                        render: Callable[[RecallAssistantError], Any]) -> Limiter:
    """Limit the routes of ``LIMITED_ROUTES`` (call after the blueprints are registered)."""
    limiter = Limiter(
        caller_key,
        storage_uri=storage_uri(settings.rate_limit_storage),
        strategy="sliding-window-counter",  # no burst of twice the limit at a window's edge
        key_prefix="recall-assistant",
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,  # Retry-After goes on the 429 only (below)
    )
    try:
        limiter.init_app(app)
    except ConfigurationError as exc:
        scheme = settings.rate_limit_storage.split("://", 1)[0]
        raise ConfigError(f"RA_RATE_LIMIT_STORAGE ({scheme}://): {exc} Install the extra: "
                          "pip install 'recall-assistant[redis]'.") from exc
    # flask-limiter also checks every request before the view for app-wide and default
    # limits; we have none (each limit is on its route, checked by the wrapper below), and
    # that pass cost 0.2 ms of every request.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    values = {"mutating": settings.rate_limit_mutating, "read": settings.rate_limit_read}
    for method, path, kind in LIMITED_ROUTES:
        endpoint = _endpoint(app, method, path)
        app.view_functions[endpoint] = limiter.limit(values[kind])(app.view_functions[endpoint])

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(exc: RateLimitExceeded) -> Any:
        current = limiter.current_limit
        wait = max(1, int(current.reset_at - time.time())) if current is not None else 60
        log.info("rate limited on %s (%s); retry in %d s", request.endpoint, exc.description,
                 wait)
        return render(TooManyRequests(details={"retryAfterSeconds": wait},
                                      headers={"Retry-After": str(wait)}))

    app.extensions[EXTENSION] = limiter
    return limiter


def _endpoint(app: Flask, method: str, path: str) -> str:
    for rule in app.url_map.iter_rules():
        if rule.rule == path and method in (rule.methods or ()):
            return rule.endpoint
    raise LookupError(f"no route {method} {path} to rate-limit: was it renamed?")
