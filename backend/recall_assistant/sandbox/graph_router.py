"""How one Graph request is answered: authenticate, route, authorise (:func:`admit`), handle
(:func:`answer`).

Top-level requests and every inner request of a ``$batch`` are answered alike, each on its
own, as in Graph. Order: a bad token → 401; an unknown path → 400 "Resource not found for the
segment"; a mailbox the caller may not use or a missing permission → 400/403/404; then the
handler. Between the two steps the gateway in front (faults.py) may answer instead with an
injected fault or the concurrency limit, and it adds the latency after the handler's answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .fixture import User
from .graph_http import (
    DIRECTORY_DENIED,
    MAIL_DENIED,
    GraphError,
    GraphRequest,
    GraphResponse,
    error_response,
)
from .tokens import GraphCaller, TokenRejected, graph_caller

if TYPE_CHECKING:
    from .state import Sandbox

log = logging.getLogger(__name__)

VERSIONS = frozenset({"v1.0", "beta"})
ME = "me"
_KEY_SEGMENT = re.compile(r"^([^(]+)\('?(.*?)'?\)$")  # mailFolders('inbox') → mailFolders/inbox


@dataclass
class Call:
    """What a handler gets: the request, who calls, the path's values, the mailbox owner."""

    req: GraphRequest
    caller: GraphCaller
    params: dict[str, str]
    owner: User | None
    state: Sandbox
    now: float
    route: Route

    @property
    def mailbox(self) -> str | None:
        """The mailbox whose concurrency slot the request holds (mail routes only)."""
        return self.owner.mail if self.owner is not None and self.route.family == "mail" else None

    def context(self, fragment: str) -> str:
        """An ``@odata.context`` URL."""
        return f"{self.req.version_url()}/$metadata#{fragment}"

    def owner_context(self, fragment: str) -> str:
        assert self.owner is not None
        return self.context(f"users('{self.owner.id}')/{fragment}")


Handler = Callable[[Call], GraphResponse]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]  # literal segments, or "{name}" captures
    handler: Handler
    scoped: bool  # below /me or /users/{id | userPrincipalName}
    family: str  # "directory" | "mail": error vocabulary; "mail" routes target a mailbox
    permissions: frozenset[str]
    self_permissions: frozenset[str] = frozenset()  # enough when the owner is the caller
    versions: frozenset[str] = VERSIONS

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.pattern, segments, strict=True):
            if want.startswith("{"):
                params[want[1:-1]] = got
            elif want.lower() != got.lower():
                return None
        return params

    def prefix_length(self, segments: list[str]) -> int:
        """How many leading segments this route's pattern accepts."""
        count = 0
        for want, got in zip(self.pattern, segments, strict=False):
            if not (want.startswith("{") or want.lower() == got.lower()):
                break
            count += 1
        return count


@dataclass
class Router:
    routes: list[Route] = field(default_factory=list)
    # (method, version, path) → what resolve found: a batch of 20 look-ups asks 20 times, and
    # matching walks every route. Only successes are kept; the paths are few (ids aside).
    _found: dict[tuple[str, str, str], tuple[Route, dict[str, str], str | None]] = field(
        default_factory=dict, repr=False)

    def add(self, method: str, path: str, handler: Handler, *, scoped: bool, family: str,
            permissions: frozenset[str], self_permissions: frozenset[str] = frozenset(),
            versions: frozenset[str] = VERSIONS) -> None:
        pattern = tuple(s for s in path.split("/") if s)
        self.routes.append(Route(method, pattern, handler, scoped, family, permissions,
                                 self_permissions, versions))
        self._found.clear()

    def resolve(self, req: GraphRequest) -> tuple[Route, dict[str, str], str | None]:
        """The route for ``req``, its captured values and its owner key (ME, a key, None)."""
        key = (req.method, req.version, req.path)
        found = self._found.get(key)
        if found is None:
            found = self._resolve(req)
            if len(self._found) >= 4096:
                self._found.clear()
            self._found[key] = found
        route, params, owner = found
        return route, dict(params), owner

    def _resolve(self, req: GraphRequest) -> tuple[Route, dict[str, str], str | None]:
        segments = split_path(req.path)
        owner: str | None = None
        if segments and segments[0].lower() == ME:
            owner, segments = ME, segments[1:]
        elif len(segments) >= 2 and segments[0].lower() == "users":
            owner, segments = segments[1], segments[2:]
        candidates = [r for r in self.routes
                      if r.scoped == (owner is not None) and req.version in r.versions]
        matched = [(r, p) for r in candidates if (p := r.match(segments)) is not None]
        for route, params in matched:
            if route.method == req.method:
                return route, params, owner
        if matched:
            raise GraphError(405, "Request_BadRequest",
                             "Specified HTTP method is not allowed for the request target.")
        depth = max((r.prefix_length(segments) for r in candidates), default=0)
        if not segments:
            raise GraphError.segment(req.path.strip("/").split("/")[0] or "/")
        raise GraphError.segment(segments[min(depth, len(segments) - 1)])


def split_path(path: str) -> list[str]:
    """Path segments, with OData key syntax (``messages('id')``) turned into plain segments."""
    segments: list[str] = []
    for raw in path.split("/"):
        if not raw:
            continue
        key = _KEY_SEGMENT.match(raw)
        if key:
            segments.extend([key.group(1), key.group(2)])
        else:
            segments.append(raw)
    return segments


def admit(state: Sandbox, router: Router, req: GraphRequest) -> Call:
    """The handler's call for ``req``, once the caller may make it; raises GraphError."""
    try:
        caller = graph_caller(state.issuer, req.authorization)
    except TokenRejected as rejected:
        raise _unauthenticated(rejected.reason) from None
    route, params, owner_key = router.resolve(req)
    owner = _owner(state, route, owner_key, caller)
    allowed = route.permissions
    if owner is not None and caller.kind == "delegated" and owner.id == caller.user_id:
        allowed = allowed | route.self_permissions
    if not any(caller.allows(p) for p in allowed):
        raise GraphError(403, *(MAIL_DENIED if route.family == "mail" else DIRECTORY_DENIED))
    if req.body_error:
        raise GraphError.bad_request("Unable to read JSON request payload. Please ensure "
                                     "Content-Type header is set and payload is of valid JSON "
                                     "format.")
    return Call(req, caller, params, owner, state, state.clock(), route)


def answer(call: Call) -> GraphResponse:
    """The handler's answer to an admitted request (never raises: errors come back in Graph's
    shape), written out: the gateway's latency wait comes after."""
    req = call.req
    try:
        response = call.route.handler(call)
        response.encoded()  # here, so that a body JSON cannot write is answered as a bug
        return response
    except GraphError as error:
        return error_response(error, req.client_request_id, call.state.clock())
    except Exception:  # a bug in the stand-in: answer as Graph does, and say where it was
        log.exception("sandbox Graph failed on %s %s", req.method, req.path)
        return error_response(GraphError(500, "generalException",
                                         "An unspecified error has occurred."),
                              req.client_request_id, call.state.clock())


def may_hold_a_mailbox(router: Router, req: GraphRequest) -> bool:
    """Whether ``req`` goes to a mailbox, and so may hold one of its slots for the whole
    latency (an unknown path does not: it is refused at once)."""
    try:
        route, _, _ = router.resolve(req)
    except GraphError:
        return False
    return route.family == "mail"


def _owner(state: Sandbox, route: Route, key: str | None, caller: GraphCaller) -> User | None:
    if key is None:
        return None
    if key == ME:
        if caller.kind != "delegated":
            raise GraphError.bad_request(
                "/me request is only valid with delegated authentication flow.",
                "Request_BadRequest")
        key = caller.user_id or ""
    user = state.mail.directory.user(key)
    if user is None:
        if route.family == "mail":
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
        raise GraphError(404, "Request_ResourceNotFound",
                         f"Resource '{key}' does not exist or one of its queried "
                         "reference-property objects are not present.")
    if route.family == "mail" and caller.kind == "delegated" and user.id != caller.user_id:
        raise GraphError(403, *MAIL_DENIED)  # delegated access to others' mail is not granted
    return user


def _unauthenticated(reason: str) -> GraphError:
    if reason == "missing bearer token":
        message = "Access token is empty."
    elif reason == "token expired":
        message = "Lifetime validation failed, the token is expired."
    elif "audience" in reason.lower():
        message = "Access token validation failure. Invalid audience."
    else:
        message = "Access token validation failure."
    return GraphError(401, "InvalidAuthenticationToken", message, {
        "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline'
                            '.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000'
                            '-000000000000"'})

