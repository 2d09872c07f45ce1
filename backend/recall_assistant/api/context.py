"""Who is calling: the decorators every ``/api`` route uses.

``@require_user`` validates the ``Authorization`` header and leaves, for the view:
- ``g.caller``: the :class:`~recall_assistant.auth.tokens.Caller`;
- ``g.graph_token``: a callable returning a Graph token on the caller's behalf. It performs the
  on-behalf-of exchange only when first called (then cached), so routes that never call Graph
  cost no round trip to Entra ID.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, request

from .. import i18n
from ..auth.tokens import Caller
from ..errors import Forbidden
from ..services.session import Sender, Session
from .runtime import runtime

View = TypeVar("View", bound=Callable[..., Any])


def require_user(view: View) -> View:
    """Let the view run only for a caller with a valid token for our API."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _authenticate()
        return view(*args, **kwargs)

    return cast(View, wrapper)


def require_admin(view: View) -> View:
    """Like :func:`require_user`, and the caller must hold the administrator app role."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        caller = _authenticate()
        if not caller.is_admin:
            raise Forbidden(
                "Only administrators of Recall Assistant can do this. Ask your administrator "
                "for the role.", code="admin_required")
        return view(*args, **kwargs)

    return cast(View, wrapper)


def language() -> str:
    """The caller's language: Office's display language, which the pane sends as
    Accept-Language (en, de or fr; English when none fits)."""
    return i18n.negotiate(request.headers.get("Accept-Language"))


def reader(time_zone: str | None = None) -> i18n.Reader:
    """The caller as a reader: their language and (from the request body) time zone."""
    return i18n.Reader(language(), time_zone)


def said_in(language: str, response: Any) -> Any:
    """``response``, marked as written in ``language`` for the caller and for caches."""
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return response


def current_caller() -> Caller:
    """The caller of the current request (inside a view decorated with require_user)."""
    return g.caller


def current_session() -> Session:
    """The caller's session with Microsoft 365 for this request (opened once, on first use)."""
    if "session" not in g:
        caller = g.caller
        g.session = runtime().sessions.open(
            Sender(caller.tid, caller.oid, caller.address or ""), g.graph_token)
    return g.session


def _authenticate() -> Caller:
    rt = runtime()
    header = request.headers.get("Authorization")
    validated = g.get("_validated_token")
    # The rate limiter may have validated this very header already in this request.
    if validated is not None and validated[0] == header:
        caller = validated[1]
    else:
        caller = rt.token_validator.caller_from_header(header)
    g.caller = caller
    g.graph_token = _OncePerRequest(functools.partial(rt.graph_tokens.for_user, caller))
    return caller


class _OncePerRequest:
    """The caller's Graph token, fetched at most once even when several threads ask at once
    (a service fans Graph calls out in parallel; each would otherwise start its own OBO)."""

    def __init__(self, fetch: Callable[..., str]):
        self._fetch = fetch
        self._lock = threading.Lock()
        self._token: str | None = None

    def __call__(self, *, claims_challenge: str | None = None) -> str:
        if claims_challenge is not None:
            return self._fetch(claims_challenge=claims_challenge)
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token
