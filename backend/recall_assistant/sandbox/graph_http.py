"""Requests, responses and errors of the sandbox's Graph: plain values, independent of Flask,
so that its handlers are simple to call and to test."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from wsgiref.types import StartResponse

from werkzeug.http import HTTP_STATUS_CODES

# What Graph puts on its JSON answers.
JSON_CONTENT_TYPE = ("application/json;odata.metadata=minimal;odata.streaming=true;"
                     "IEEE754Compatible=false;charset=utf-8")

# The one 403 message each of Graph's two families uses (directory vs. Outlook resources).
DIRECTORY_DENIED = ("Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.")
MAIL_DENIED = ("ErrorAccessDenied", "Access is denied. Check credentials and try again.")


class GraphError(Exception):
    """An error answer in Graph's shape: ``{"error": {"code", "message", "innerError"}}``."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    @classmethod
    def bad_request(cls, message: str, code: str = "BadRequest") -> GraphError:
        return cls(400, code, message)

    @classmethod
    def segment(cls, segment: str) -> GraphError:
        """What Graph says for a path it has no resource for (it is a 400, not a 404)."""
        return cls(400, "BadRequest", f"Resource not found for the segment '{segment}'.")


@dataclass
class GraphRequest:
    method: str
    version: str  # "v1.0" | "beta"
    path: str  # below the version, e.g. "/me/messages"
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any = None
    body_error: bool = False  # the body was not valid JSON
    base_url: str = ""  # e.g. https://localhost:3000/sandbox/graph
    client_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    def version_url(self) -> str:
        return f"{self.base_url}/{self.version}"

    def own_url(self) -> str:
        """This request's absolute URL without its query (the base of a nextLink)."""
        return self.version_url() + quote(self.path, safe="/@'()=$,")


@dataclass
class GraphResponse:
    status: int
    body: Any = None  # a JSON value, or a str (not JSON) or bytes sent as-is
    headers: dict[str, str] = field(default_factory=dict)
    _encoded: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def json(cls, body: Any, status: int = 200) -> GraphResponse:
        return cls(status, body, {"Content-Type": JSON_CONTENT_TYPE})

    def encoded(self) -> bytes:
        """The body as sent; worked out once."""
        if self._encoded is None:
            self._encoded = self._encode()
        return self._encoded

    def send(self, start_response: StartResponse, client_request_id: str) -> list[bytes]:
        """Answer a WSGI request with this response and the ids Graph puts on every answer."""
        body = self.encoded()
        self.headers.setdefault("request-id", str(uuid.uuid4()))
        self.headers["client-request-id"] = client_request_id
        start_response(f"{self.status} {HTTP_STATUS_CODES.get(self.status, '')}",
                       [*self.headers.items(), ("Content-Length", str(len(body)))])
        return [body]

    def _encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str) and "json" not in self.headers.get("Content-Type", ""):
            return self.body.encode()
        return json.dumps(self.body).encode()


def error_response(error: GraphError, client_request_id: str, now: float) -> GraphResponse:
    """Graph's answer for ``error``, its request id in the body and in the headers."""
    request_id = str(uuid.uuid4())
    body = {"error": {
        "code": error.code,
        "message": error.message,
        "innerError": {
            "date": dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": request_id,
            "client-request-id": client_request_id,
        },
    }}
    response = GraphResponse.json(body, error.status)
    response.headers.update({**error.headers, "request-id": request_id})
    return response


def iso(moment: float) -> str:
    """Graph's timestamp format: UTC, seconds, ``Z``."""
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
