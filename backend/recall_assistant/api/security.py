"""Security headers on every response, and the request body limit enforced up front.

The limit holds on the bytes read, however the body is sent: with ``Content-Length`` it is
checked before anything is read; a chunked body is read here, at most one byte past the limit,
and one that goes past it is refused with 413 without reading the rest (the server then
closes the connection, never reads the rest as a next request).

Pages (HTML) get a Content-Security-Policy that lets the task pane run inside Outlook and
nothing else: scripts only from us and Microsoft's CDNs for office.js, never inline; no
plugins; no form posts or ``<base>`` elsewhere; framing only by Outlook's hosts. Everything
else (JSON, scripts, images) gets a policy that allows nothing at all, since no browser should
ever render it as a document.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request

from ..config import Settings
from ..errors import PayloadTooLarge

OFFICE_JS_ORIGIN = "https://appsforoffice.microsoft.com"
# office.js in Outlook on Windows (classic and new) loads MicrosoftAjax.js from here and does not
# start without it (OfficeDev/office-js issues #4131 and #1005: Microsoft publishes no list).
MICROSOFT_AJAX_ORIGIN = "https://ajax.aspnetcdn.com"
# Outlook on the web, new Outlook and the Microsoft 365 app frame the pane from these. The
# *.cloud.microsoft domain is where Microsoft is moving Outlook on the web (outlook.cloud.microsoft;
# MicrosoftDocs/msteams-docs, includes/tabs/content-security-policy-headers.md). Desktop
# Outlook loads the pane in a webview with no web ancestor, so frame-ancestors does not apply.
OUTLOOK_FRAME_ANCESTORS = (
    "https://*.office.com",
    "https://*.office365.com",
    "https://*.microsoft.com",
    "https://*.outlook.com",
    "https://*.live.com",
    "https://*.cloud.microsoft",
)
HSTS = "max-age=31536000; includeSubDomains"
# A browser keeps HSTS for a host whatever the port: on a developer's own machine it would
# turn every other http://localhost server into an error for a year.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Nothing that is not a page may be rendered, framed or load anything.
NOT_A_PAGE_POLICY = ("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                     "form-action 'none'")


def page_policy(settings: Settings) -> str:
    """The Content-Security-Policy of our HTML pages."""
    connect = ["'self'"]
    authority = _origin(settings.authority_host)
    if authority and authority != _origin(settings.public_url):
        # MSAL.js (nested app authentication) may ask the authority for its metadata.
        connect.append(authority)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", OFFICE_JS_ORIGIN, MICROSOFT_AJAX_ORIGIN],
        # No inline <style> or style sheets from elsewhere. Style *attributes* are allowed:
        # the pane sizes its skeleton lines and progress meter with them (views/status.js,
        # views/recall.js); they cannot run script.
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'", *OUTLOOK_FRAME_ANCESTORS],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


# Set by ``ReadChunkedBody`` on a body without a length that went past the limit.
OVER_LIMIT = "recall_assistant.body_over_limit"
READ_SIZE = 64 * 1024


class ReadChunkedBody:
    """WSGI middleware: a body without ``Content-Length`` is read here, up to ``limit`` + 1.

    Within the limit it is handed on as a body with a length, so that what the views read is
    exactly what was counted. Past it, the app sees an empty body and :data:`OVER_LIMIT`, and
    answers 413 like any other body too large (its JSON error, request id and log line).
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], limit: int):
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # The server dechunks and marks the end of such a body (gunicorn and cheroot do); a
        # server that does not gives an unterminated stream that must not be read here.
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            body = _read_at_most(environ["wsgi.input"], self.limit + 1)
            if len(body) > self.limit:
                environ[OVER_LIMIT] = True
                body = b""
            environ.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                            "wsgi.input_terminated": False})
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, _closing_on_413(start_response))


def _closing_on_413(start_response: Callable[..., Any]) -> Callable[..., Any]:
    """``start_response`` that ends the connection after a body was refused as too large.

    The unread rest of such a body must never be taken for a next request. cheroot closes
    after any 413 itself; gunicorn would drain up to 64 KiB and keep the connection. An app
    cannot ask for the close with a ``Connection`` header (hop-by-hop, PEP 3333; gunicorn drops
    it), so under gunicorn its response's own ``force_close`` is called, as its workers do.
    """
    force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
    if not callable(force_close):
        return start_response

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if status.startswith("413"):
            force_close()
        return start_response(status, headers, exc_info)

    return start


def _read_at_most(stream: Any, size: int) -> bytes:
    parts, total = [], 0
    while total < size:
        part = stream.read(min(READ_SIZE, size - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def install_security(app: Flask, settings: Settings) -> None:
    """Refuse oversized bodies before any view runs; add the headers to every response."""
    pages = page_policy(settings)
    limit = settings.max_body_bytes
    hsts = urlsplit(settings.public_url).hostname not in LOOPBACK_HOSTS
    app.wsgi_app = ReadChunkedBody(app.wsgi_app, limit)  # type: ignore[method-assign]

    @app.before_request
    def refuse_large_bodies() -> None:
        # Werkzeug would refuse them only when the view reads the body, after the token check
        # and whatever else the view does first.
        if request.environ.get(OVER_LIMIT) or (
                request.content_length is not None and request.content_length > limit):
            raise PayloadTooLarge(details={"maxBytes": limit})

    @app.after_request
    def add_headers(response: Any) -> Any:
        headers = response.headers
        # A view that knows better (a page with its own needs) may set its own policy.
        headers.setdefault("Content-Security-Policy",
                           pages if response.mimetype == "text/html" else NOT_A_PAGE_POLICY)
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
