"""One exception hierarchy. Each error knows its HTTP status and a stable ``code``.

The app turns any of them into ``{"error": {"code", "message", "details", "requestId"}}``
(docs/api.md). Codes are part of the API: never rename one.
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


class InvalidToken(Unauthorized):
    """A bearer token we cannot accept. ``code`` says why; the challenge follows RFC 6750 §3."""

    def __init__(self, code: str, message: str, *, realm: str):
        if code == "missing_token":
            # No credentials at all: RFC 6750 §3.1 says to send no error code.
            challenge = f'Bearer realm="{_quotable(realm)}"'
        else:
            challenge = (f'Bearer realm="{_quotable(realm)}", error="invalid_token", '
                         f'error_description="{_quotable(message)}"')
        super().__init__(message, code=code, headers={"WWW-Authenticate": challenge})


class TokenExpired(Unauthorized):
    """Entra ID no longer honours the pane's token: the pane should get a new one and retry."""

    code = "token_expired"
    message = "Your sign-in has expired. Sign in again and retry."

    def __init__(self, message: str | None = None, *, details: Any = None):
        super().__init__(message, details=details, headers={
            "WWW-Authenticate": 'Bearer error="invalid_token", '
                                f'error_description="{_quotable(message or self.message)}"'})


class ConsentRequired(Forbidden):
    """Consent, more sign-in (MFA) or a claims challenge is needed; the pane can ask for it."""

    code = "consent_required"
    message = "Recall Assistant needs your consent (or another sign-in step) to read your mail."


class BadGateway(RecallAssistantError):
    status = 502
    code = "bad_gateway"
    message = "Microsoft 365 answered in a way we did not expect. Try again later."


class AuthorityUnavailable(UpstreamUnavailable):
    code = "authority_unavailable"
    message = "Microsoft Entra ID did not answer in time. Try again in a moment."

    def __init__(self, message: str | None = None, *, retry_after_s: int = 5):
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


def _quotable(text: str) -> str:
    # A quoted-string in a challenge allows neither '"' nor '\' nor control characters.
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')
