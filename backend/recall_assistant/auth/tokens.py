"""Validation of the bearer token the task pane sends (an Entra ID access token for our API).

MSAL acquires tokens but does not validate the ones sent to an API (docs/microsoft-facts.md,
"Identity"):
PyJWT checks the signature against the authority's published keys, and this module checks
the claims, each failure with its own ``error.code``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import jwt

from ..config import Settings
from ..errors import InvalidToken
from .authority import Authority

log = logging.getLogger(__name__)

REQUIRED_SCOPE = "access_as_user"
# Microsoft Graph's app id and URI: a token for Graph was not meant for us
# (docs/microsoft-facts.md, "Identity").
GRAPH_AUDIENCES = frozenset({"00000003-0000-0000-c000-000000000000",
                             "https://graph.microsoft.com", "https://graph.microsoft.com/"})
V1_ISSUER = "https://sts.windows.net/{tid}/"
MAX_TOKEN_CHARS = 16 * 1024  # Entra tokens with many claims stay well under this
# The pane sends the same token for an hour: its signature is checked once, then remembered
# (exact token text → claims) for this many tokens. Everything else is checked every time.
VERIFIED_CACHE_SIZE = 1024
LEEWAY_S = 60  # clock skew between us and Entra ID

# One plain sentence per rejection; the code is part of the API, the sentence is for people.
REASONS = {
    "missing_token": "Sign in first: the request carried no bearer token.",
    "malformed_token": "The bearer token is not a well-formed JWT. Sign in again.",
    "token_too_large": "The bearer token is too large to be one of ours.",
    "unsupported_algorithm": "The bearer token is not signed with RS256.",
    "unknown_key": "The bearer token is signed with a key the authority does not publish.",
    "bad_signature": "The bearer token's signature does not match its content.",
    "expired": "Your sign-in has expired. Sign in again.",
    "not_yet_valid": "The bearer token is not valid yet. Check this computer's clock.",
    "wrong_audience": "The bearer token was issued for another application.",
    "graph_audience": "The bearer token is for Microsoft Graph, not for Recall Assistant.",
    "wrong_issuer": "The bearer token was not issued by the expected authority.",
    "wrong_tenant": "Your organisation is not allowed to use this Recall Assistant.",
    "missing_scope": f"The bearer token lacks the {REQUIRED_SCOPE} permission.",
    "missing_claims": "The bearer token lacks a claim we need (user, tenant or lifetime).",
}


@dataclass(frozen=True)
class Caller:
    """The signed-in user a request acts for, from a validated token."""

    oid: str
    tid: str
    address: str | None
    name: str | None
    roles: tuple[str, ...]
    is_admin: bool
    scopes: frozenset[str]
    # The token itself, kept only for the on-behalf-of exchange: never log or return it.
    assertion: str = field(repr=False, compare=False)


class TokenValidator:
    """Turns an ``Authorization`` header into a :class:`Caller`, or raises InvalidToken."""

    def __init__(self, settings: Settings, authority: Authority, *,
                 clock: Callable[[], float] = time.time):
        self._settings = settings
        self._authority = authority
        self._clock = clock
        self._audiences = frozenset(a for a in (settings.client_id, settings.api_audience) if a)
        home = settings.tenant_id.lower()
        self._tenants = frozenset({home, *settings.allowed_tenants})
        self._verified: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        self._verified_lock = threading.Lock()

    def caller_from_header(self, authorization: str | None) -> Caller:
        """Validate ``Authorization: Bearer <token>``; raise InvalidToken saying why not."""
        value = (authorization or "").strip()
        if len(value) > MAX_TOKEN_CHARS + len("Bearer "):
            self._reject("token_too_large")  # before any parsing: size costs us nothing
        scheme, _, token = value.partition(" ")
        if not value or scheme.lower() != "bearer":
            self._reject("missing_token")
        token = token.strip()
        if not token:
            self._reject("malformed_token", "the Bearer scheme came with no token")
        return self.validate(token)

    def validate(self, token: str) -> Caller:
        """Validate a raw access token and describe its user."""
        claims = self._verified_claims(token)
        self._check_times(claims)
        self._check_audience(claims)
        tid = self._check_tenant_and_issuer(claims)
        scopes = frozenset(str(claims.get("scp") or "").split())
        if REQUIRED_SCOPE not in scopes:
            self._reject("missing_scope")
        oid = claims.get("oid")
        if not isinstance(oid, str) or not oid:
            self._reject("missing_claims", "no oid")
        raw_roles = claims.get("roles")
        listed = raw_roles if isinstance(raw_roles, list) else []
        roles = tuple(r for r in listed if isinstance(r, str))
        return Caller(
            oid=oid,
            tid=tid,
            address=_first_text(claims, "preferred_username", "upn", "email"),
            name=_first_text(claims, "name"),
            roles=roles,
            is_admin=self._settings.admin_role in roles,
            scopes=scopes,
            assertion=token,
        )

    def _verified_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its form, algorithm and signature are right."""
        if len(token) > MAX_TOKEN_CHARS:
            self._reject("token_too_large")
        with self._verified_lock:
            known = self._verified.get(token)
            if known is not None:
                self._verified.move_to_end(token)
        # A remembered token still needs its key to be published: a key the authority
        # withdrew takes its tokens with it.
        if known is not None and self._authority.signing_key(known[0]) is not None:
            return dict(known[1])
        kid, claims = self._verify_signature(token)
        with self._verified_lock:
            self._verified[token] = (kid, claims)
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        return dict(claims)

    def _verify_signature(self, token: str) -> tuple[str, dict[str, Any]]:
        try:
            unverified = jwt.api_jwt.decode_complete(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            self._reject("malformed_token")
        header, payload = unverified["header"], unverified["payload"]
        if header.get("alg") != "RS256":
            # Refuse "none", and HS256 "signed" with our public key, before touching keys.
            self._reject("unsupported_algorithm", f"alg {str(header.get('alg'))[:20]!r}")
        if _is_graph(payload.get("aud")):
            # Graph's tokens cannot be verified by anyone but Graph: say so before we try.
            self._reject("graph_audience")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            self._reject("malformed_token", "no kid in the header")
        key = self._authority.signing_key(kid)
        if key is None:
            self._reject("unknown_key", f"kid {kid[:40]!r}")
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], options={
                # Times, audience and issuer are checked below, each with its own code.
                "verify_exp": False, "verify_nbf": False, "verify_iat": False,
                "verify_aud": False, "verify_iss": False, "verify_sub": False,
                "verify_jti": False,
            })
        except jwt.InvalidSignatureError:
            self._reject("bad_signature")
        except jwt.PyJWTError:
            self._reject("malformed_token")
        return kid, claims

    def expected_issuers(self, tid: str) -> frozenset[str]:
        """The v1 and v2 issuers a token from tenant ``tid`` may carry."""
        v2 = self._authority.issuer
        if "{tenantid}" in v2:
            v2 = v2.replace("{tenantid}", tid)
        else:
            # A single-tenant discovery document names our tenant; another allowed tenant's
            # tokens carry the same issuer with their own id.
            v2 = _replace_ci(v2, self._settings.tenant_id, tid)
        return frozenset({v2, V1_ISSUER.format(tid=tid)})

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        exp = _number(claims, "exp", required=True, reject=self._reject)
        iat = _number(claims, "iat", required=True, reject=self._reject)
        nbf = _number(claims, "nbf", required=False, reject=self._reject)
        if exp <= now - LEEWAY_S:
            self._reject("expired")
        if (nbf is not None and nbf > now + LEEWAY_S) or iat > now + LEEWAY_S:
            self._reject("not_yet_valid")

    def _check_audience(self, claims: dict[str, Any]) -> None:
        audience = claims.get("aud")
        if _is_graph(audience):
            self._reject("graph_audience")
        if not isinstance(audience, str) or audience not in self._audiences:
            self._reject("wrong_audience", f"aud {str(audience)[:80]!r}")

    def _check_tenant_and_issuer(self, claims: dict[str, Any]) -> str:
        tid = claims.get("tid")
        if not isinstance(tid, str) or not tid:
            self._reject("missing_claims", "no tid")
        tid = tid.lower()
        if tid not in self._tenants:
            self._reject("wrong_tenant", f"tid {tid[:40]!r}")
        if claims.get("iss") not in self.expected_issuers(tid):
            self._reject("wrong_issuer", f"iss {str(claims.get('iss'))[:120]!r}")
        return tid

    def _reject(self, code: str, detail: str = "") -> NoReturn:
        # INFO at most: a bad token is the caller's problem, not ours. Never log the token.
        log.info("bearer token rejected: %s%s", code, f" ({detail})" if detail else "")
        raise InvalidToken(code, REASONS[code], realm=self._settings.api_audience)


def _number(claims: dict[str, Any], name: str, *, required: bool,
            reject: Callable[..., NoReturn]) -> Any:
    value = claims.get(name)
    if value is None:
        if required:
            reject("missing_claims", f"no {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        reject("malformed_token", f"{name} is not a number")
    return value


def _is_graph(audience: Any) -> bool:
    return isinstance(audience, str) and audience.lower() in GRAPH_AUDIENCES


def _first_text(claims: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _replace_ci(text: str, old: str, new: str) -> str:
    at = text.lower().find(old.lower()) if old else -1
    return text if at < 0 else text[:at] + new + text[at + len(old):]
