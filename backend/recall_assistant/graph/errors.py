"""Graph's error answers, turned into our own typed errors.

Graph answers an error with ``{"error": {"code", "message", "innerError": {"request-id",
"date", "client-request-id"}}}``, and ``code`` can be empty (docs/microsoft-facts.md,
"Microsoft Graph"), so
the HTTP status decides the type and Graph's code is only kept for callers that need it
(e.g. ``ErrorInvalidIdMalformed``). Every error keeps Graph's request id for the logs.

Each class names the kind of failure with a stable ``code`` and a plain ``message`` that the
services record; what our API answers for it (status, Retry-After) is decided in one table in
``api/graph_errors.py``. Codes are part of our API: never rename one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any


class GraphError(Exception):
    """Microsoft Graph refused or failed a request."""

    code = "graph_error"
    message = "Microsoft 365 could not complete the request. Try again in a moment."

    def __init__(
        self,
        message: str | None = None,
        *,
        graph_status: int | None = None,
        graph_code: str = "",
        graph_message: str = "",
        request_id: str | None = None,
        retry_after: float | None = None,
        code: str | None = None,
    ):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.graph_status = graph_status
        self.graph_code = graph_code
        self.graph_message = graph_message
        self.request_id = request_id
        self.retry_after = retry_after  # seconds Graph asked us to wait, None when it did not say
        super().__init__(self.message)

    @property
    def details(self) -> dict[str, Any]:
        """What our API's error answer shows of it: enough to find it on Microsoft's side."""
        return {"graphStatus": self.graph_status, "graphCode": self.graph_code or None,
                "graphRequestId": self.request_id}

    def __str__(self) -> str:
        # What the logs show: everything needed to find the request on Microsoft's side.
        return (f"{self.code}: Graph {self.graph_status} {self.graph_code or '-'} "
                f"request-id={self.request_id or '-'}: {self.graph_message or self.message}")


class GraphBadRequest(GraphError):
    """Graph said 400. Usually a request we built wrongly (our bug, hence 502).

    When the bad part came from our caller (an item id, say), the service catches this and
    raises a 4xx of its own; ``graph_code`` tells which (e.g. ``ErrorInvalidIdMalformed``).
    """

    code = "graph_rejected"
    message = "Microsoft 365 rejected a request the service made."


class GraphUnauthorized(GraphError):
    """Graph said 401: the token we sent for the user was not accepted."""

    code = "graph_unauthorized"
    message = "Microsoft 365 did not accept your sign-in. Sign in again."


class GraphForbidden(GraphError):
    """Graph said 403: a permission or consent is missing, or the object is not the caller's."""

    code = "graph_forbidden"
    message = "Microsoft 365 does not allow this with the permissions the add-in has."


class GraphNotFound(GraphError):
    """Graph said 404. Callers usually turn this into their own code (message_not_found)."""

    code = "graph_not_found"
    message = "Microsoft 365 could not find that item."


class GraphThrottled(GraphError):
    """Graph kept answering 429 for longer than the call may wait; carries its Retry-After."""

    code = "graph_throttled"
    message = "Microsoft 365 is limiting requests right now. Wait a moment and try again."


class GraphUnavailable(GraphError):
    """Graph answered 503/504, or did not answer (connection error, time-out)."""

    code = "upstream_unavailable"
    message = "Microsoft 365 did not answer in time. Try again in a moment."


class GraphOutcomeUnknown(GraphUnavailable):
    """A non-idempotent request (send, recall) got no answer: it may or may not have been done.

    Never retried automatically; the service records the action as uncertain instead.
    """

    code = "graph_outcome_unknown"
    message = ("Microsoft 365 did not confirm the action in time. It may have been done: "
               "check before trying again.")


_BY_STATUS: dict[int, type[GraphError]] = {
    400: GraphBadRequest,
    401: GraphUnauthorized,
    403: GraphForbidden,
    404: GraphNotFound,
    429: GraphThrottled,
    503: GraphUnavailable,
    504: GraphUnavailable,
}


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date); else None."""
    if value is None:
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    # Inner $batch responses carry headers as a plain dict whose case is not guaranteed.
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def error_from_response(status: int, body: Any,
                        headers: Mapping[str, str] | None = None) -> GraphError:
    """The typed error for one Graph answer (a whole response or one inner $batch response)."""
    envelope = body.get("error") if isinstance(body, Mapping) else None
    envelope = envelope if isinstance(envelope, Mapping) else {}
    inner = envelope.get("innerError") or envelope.get("innererror") or {}
    inner = inner if isinstance(inner, Mapping) else {}
    request_id = (inner.get("request-id") or _header(headers, "request-id")
                  or inner.get("client-request-id") or _header(headers, "client-request-id"))
    kind = _BY_STATUS.get(status, GraphError)
    # Only "try later" answers carry a wait worth passing on to our caller.
    wait = _header(headers, "Retry-After") if kind in (GraphThrottled, GraphUnavailable) else None
    return kind(
        graph_status=status,
        graph_code=str(envelope.get("code") or ""),
        graph_message=str(envelope.get("message") or ""),
        request_id=str(request_id) if request_id else None,
        retry_after=parse_retry_after(wait),
    )


def no_answer(exc: BaseException, *, outcome_unknown: bool) -> GraphUnavailable:
    """The error for a request that got no HTTP answer at all."""
    kind = GraphOutcomeUnknown if outcome_unknown else GraphUnavailable
    return kind(graph_message=f"{type(exc).__name__}: {exc}")
