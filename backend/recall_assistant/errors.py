"""One exception hierarchy. Each error knows its HTTP status and a stable ``code``.

The app turns any of them into ``{"error": {"code", "message", "details", "requestId"}}``
(DESIGN.md, "HTTP API"). Codes are part of the API: never rename one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ConfigError(Exception):
    """Bad or missing settings; carries one plain line per problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class RecallAssistantError(Exception):
    """Root of every error the API reports to a caller."""

    status: int = 500
    code: str = "internal_error"
    message: str = (
        "Something went wrong on our side. Try again; if it persists, tell your administrator."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.details = details
        self.headers = dict(headers or {})
        super().__init__(self.message)


class BadRequest(RecallAssistantError):
    status = 400
    code = "bad_request"
    message = "The request could not be understood."


class ValidationFailed(BadRequest):
    code = "invalid_request"
    message = "Some fields of the request are not valid."


class Unauthorized(RecallAssistantError):
    status = 401
    code = "unauthorized"
    message = "Sign in again: the request carried no valid token."


class Forbidden(RecallAssistantError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class NotFound(RecallAssistantError):
    status = 404
    code = "not_found"
    message = "Nothing is here."


class MethodNotAllowed(RecallAssistantError):
    status = 405
    code = "method_not_allowed"
    message = "This address does not accept that method."


class Conflict(RecallAssistantError):
    status = 409
    code = "conflict"
    message = "The request conflicts with an earlier one."


class PayloadTooLarge(RecallAssistantError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large."


class Unprocessable(RecallAssistantError):
    status = 422
    code = "unprocessable"
    message = "The request is well formed but cannot be acted on."


class TooManyRequests(RecallAssistantError):
    status = 429
    code = "rate_limited"
    message = "Too many requests: wait a moment and try again."


class UpstreamUnavailable(RecallAssistantError):
    status = 503
    code = "upstream_unavailable"
    message = "Microsoft 365 did not answer in time. Try again in a moment."
