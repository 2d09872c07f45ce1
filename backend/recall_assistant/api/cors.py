"""Cross-origin calls to ``/api``: allowed only from the origins the administrator lists.

The task pane is served by us, so it never needs CORS; ``RA_ALLOWED_ORIGINS`` is for other
pages of the organisation that call the API. A preflight from an origin not on the list is
answered 403 ``origin_not_allowed``; any other request from it is served without CORS headers,
so the browser keeps the answer from the calling page. The API uses bearer tokens, never
cookies, so no credentials are allowed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, make_response, request

from ..config import Settings
from ..errors import Forbidden

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
# What a calling page may read beyond the simple headers (request id, back-off, paging).
EXPOSED_HEADERS = "X-Request-ID, Retry-After, Link, ETag, WWW-Authenticate"
PREFLIGHT_MAX_AGE_S = 600


class OriginNotAllowed(Forbidden):
    code = "origin_not_allowed"
    message = "This web page's origin may not call the Recall Assistant API."


def install_cors(app: Flask, settings: Settings) -> None:
    """Answer preflights and add CORS headers to ``/api`` responses for allowed origins."""
    allowed = frozenset(settings.allowed_origins) | {settings.public_url.lower()}

    def is_api() -> bool:
        return request.path.startswith("/api/")

    @app.before_request
    def preflight() -> Any:
        if not (is_api() and request.method == "OPTIONS"
                and "Access-Control-Request-Method" in request.headers):
            return None
        origin = request.headers.get("Origin", "")
        if origin.lower() not in allowed:
            raise OriginNotAllowed(details={"origin": origin[:200]})
        response = make_response("", 204)
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        return response

    @app.after_request
    def cors_headers(response: Any) -> Any:
        if not is_api():
            return response
        # The answer differs by Origin: a shared cache must not hand one origin's to another.
        response.vary.add("Origin")
        origin = request.headers.get("Origin", "")
        if origin and origin.lower() in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            if request.method != "OPTIONS":
                response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
