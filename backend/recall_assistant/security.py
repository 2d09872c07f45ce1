"""Security headers on every response, and the request body limit enforced up front.

Pages (HTML) get a Content-Security-Policy that lets the task pane run inside Outlook and
nothing else: scripts only from us and Microsoft's CDNs for office.js, never inline; no
plugins; no form posts or ``<base>`` elsewhere; framing only by Outlook's hosts. Everything
else (JSON, scripts, images) gets a policy that allows nothing at all, since no browser should
ever render it as a document.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request

from .config import Settings
from .errors import PayloadTooLarge

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


def install_security(app: Flask, settings: Settings) -> None:
    """Refuse oversized bodies before any view runs; add the headers to every response."""
    pages = page_policy(settings)
    limit = settings.max_body_bytes
    hsts = urlsplit(settings.public_url).hostname not in LOOPBACK_HOSTS

    @app.before_request
    def refuse_large_bodies() -> None:
        # Werkzeug would refuse them only when the view reads the body, after the token check
        # and whatever else the view does first.
        if request.content_length is not None and request.content_length > limit:
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
