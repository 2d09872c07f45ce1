"""The sandbox authority's signing key, and the tokens it mints and checks.

Tokens look like Entra ID v2 access tokens (RS256, ``kid`` in the header, the claims the
backend reads), so that the backend validates them with exactly the code it uses in a tenant.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_AUDIENCES = (GRAPH_APP_ID, "https://graph.microsoft.com")
LEEWAY_S = 30


class TokenRejected(Exception):
    """A token the sandbox did not issue, or no longer honours."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid=uuid.uuid4().hex[:16], private_key=key)

    def jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
            "n": _b64(numbers.n), "e": _b64(numbers.e),
        }


class TokenIssuer:
    """Mints and verifies the sandbox's tokens. Keys are made at start and can be rotated."""

    def __init__(self, issuer: str, tenant_id: str, clock: Callable[[], float] = time.time):
        self.issuer = issuer
        self.tenant_id = tenant_id
        self.clock = clock
        self.keys: list[SigningKey] = [SigningKey.generate()]
        self._verified: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}

    @property
    def current(self) -> SigningKey:
        return self.keys[-1]

    def rotate(self) -> SigningKey:
        """Add a new signing key; the old one stays published (as Entra ID does)."""
        self.keys.append(SigningKey.generate())
        return self.current

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.jwk() for k in self.keys]}

    def mint(self, claims: dict[str, Any], *, lifetime_s: int = 3600) -> str:
        now = int(self.clock())
        body = {
            "iss": self.issuer, "tid": self.tenant_id, "iat": now, "nbf": now,
            "exp": now + lifetime_s, "ver": "2.0", "uti": uuid.uuid4().hex,
        }
        body.update(claims)
        key = self.current
        return jwt.encode(body, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def verify(self, token: str, audiences: tuple[str, ...]) -> dict[str, Any]:
        """The claims of a token this issuer signed for one of ``audiences``, or TokenRejected."""
        # A token's signature is checked once; every inner request of a $batch repeats it.
        cached = self._verified.get((token, audiences))
        claims = cached if cached is not None else self._verify_signature(token, audiences)
        now = self.clock()
        if now > float(claims["exp"]) + LEEWAY_S:
            raise TokenRejected("token expired")
        if now + LEEWAY_S < float(claims.get("nbf", claims["iat"])):
            raise TokenRejected("token not yet valid")
        if cached is None:
            if len(self._verified) > 1000:
                self._verified.clear()
            self._verified[(token, audiences)] = claims
        return claims

    def _verify_signature(self, token: str, audiences: tuple[str, ...]) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise TokenRejected("malformed token") from exc
        key = next((k for k in self.keys if k.kid == kid), None)
        if key is None:
            raise TokenRejected("token not signed by this authority")
        try:
            # Times are checked below against the sandbox's clock, which tests may move.
            claims = jwt.decode(
                token, key.private_key.public_key(), algorithms=["RS256"],
                audience=list(audiences), issuer=self.issuer,
                options={"require": ["exp", "iat", "aud", "iss"], "verify_exp": False,
                         "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"invalid token: {exc}") from exc
        return claims


def client_info(oid: str, tid: str) -> str:
    """The ``client_info`` Entra ID returns when MSAL asks for it: MSAL files the token under the
    user's account by it (docs/microsoft-facts.md, "Identity")."""
    return _b64(json.dumps({"uid": oid, "utid": tid}).encode())


def _b64(value: int | bytes) -> str:
    if isinstance(value, int):
        value = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


@dataclass(frozen=True)
class GraphCaller:
    """Who is calling the sandbox's Graph: a user (delegated) or the app itself."""

    kind: str  # "delegated" | "app"
    user_id: str | None  # the signed-in user's object id (delegated only)
    client_id: str
    scopes: frozenset[str]
    roles: frozenset[str]

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> GraphCaller:
        scopes = frozenset(str(claims.get("scp", "")).split())
        roles = frozenset(claims.get("roles") or ())
        delegated = bool(scopes)
        return cls(
            kind="delegated" if delegated else "app",
            user_id=claims.get("oid") if delegated else None,
            client_id=str(claims.get("azp") or claims.get("appid") or ""),
            scopes=scopes,
            roles=roles,
        )

    def allows(self, permission: str) -> bool:
        """True when the token carries ``permission`` as a scope or an app role."""
        return permission in self.scopes or permission in self.roles


def graph_caller(issuer: TokenIssuer, authorization: str | None) -> GraphCaller:
    """Authenticate a Graph request from its ``Authorization`` header, or raise TokenRejected."""
    if not authorization or not authorization.startswith("Bearer "):
        raise TokenRejected("missing bearer token")
    claims = issuer.verify(authorization[len("Bearer "):].strip(), GRAPH_AUDIENCES)
    return GraphCaller.from_claims(claims)
