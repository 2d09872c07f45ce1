"""A scripted Entra ID for unit tests: discovery, keys and token endpoint, served by `responses`.

Tokens are minted here with keys made by ``cryptography``; the backend fetches the discovery
document and the JWKS over (mocked) HTTP exactly as it does from login.microsoftonline.com.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs

import jwt
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from recall_assistant.config import Settings, load_settings

TENANT_ID = "11111111-2222-3333-4444-555555555555"
OTHER_TENANT_ID = "99999999-8888-7777-6666-555555555555"
CLIENT_ID = "66666666-7777-8888-9999-000000000000"
API_AUDIENCE = f"api://addin.contoso.com/{CLIENT_ID}"
USER_OID = "0a1b2c3d-0000-4000-8000-00000000adele"


def tenant_env(tmp_path, **extra: str) -> dict[str, str]:
    """A tenant-mode environment pointing at login.microsoftonline.com (mocked)."""
    env = {
        "RA_MODE": "tenant",
        "RA_TENANT_ID": TENANT_ID,
        "RA_CLIENT_ID": CLIENT_ID,
        "RA_CLIENT_SECRET": "s3cret",
        "RA_API_AUDIENCE": API_AUDIENCE,
        "RA_PUBLIC_URL": "https://addin.contoso.com",
        "RA_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
    }
    env.update(extra)
    return env


def tenant_settings(tmp_path, **extra: str) -> Settings:
    return load_settings(tenant_env(tmp_path, **extra))


@cache
def rsa_key(index: int) -> rsa.RSAPrivateKey:
    # Key generation is slow; a handful of keys serve the whole test session.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Key:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid,
                "n": _b64(numbers.n), "e": _b64(numbers.e)}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass
class FakeEntra:
    """One tenant's authority. ``token_replies`` scripts the token endpoint's next answers."""

    settings: Settings
    mock: responses.RequestsMock
    clock: Callable[[], float] = time.time
    issuer_template: str | None = None
    keys: list[Key] = field(default_factory=list)
    token_replies: list[Any] = field(default_factory=list)
    issued: int = 0
    down: set[str] = field(default_factory=set)  # endpoints ("discovery", "jwks") now refusing

    def __post_init__(self) -> None:
        self.keys.append(Key("key-1", rsa_key(1)))
        base = self.settings.authority
        self.discovery_url = self.settings.openid_configuration_url
        self.jwks_url = f"{base}/discovery/v2.0/keys"
        self.token_url = f"{base}/oauth2/v2.0/token"
        self.issuer = f"{base}/v2.0"
        self.mock.add_callback(responses.GET, self.discovery_url, callback=self._discovery)
        self.mock.add_callback(responses.GET, self.jwks_url, callback=self._jwks)
        self.mock.add_callback(responses.POST, self.token_url, callback=self._token)
        if base.startswith("https://login.microsoftonline.com/"):
            # MSAL asks Entra ID for its host aliases when a cached app-only token is missing.
            self.mock.add(responses.GET,
                          "https://login.microsoftonline.com/common/discovery/instance",
                          json={"api-version": "1.1", "metadata": [{
                              "preferred_network": "login.microsoftonline.com",
                              "preferred_cache": "login.windows.net",
                              "aliases": ["login.microsoftonline.com", "login.windows.net",
                                          "login.microsoft.com", "sts.windows.net"]}]})

    # --- what the authority publishes -------------------------------------------------------
    def _discovery(self, request: Any) -> tuple[int, dict, str]:
        if "discovery" in self.down:
            raise requests.ConnectionError("connection refused")
        return 200, {}, json.dumps({
            "issuer": self.issuer_template or self.issuer,
            "jwks_uri": self.jwks_url,
            "token_endpoint": self.token_url,
            "authorization_endpoint": f"{self.settings.authority}/oauth2/v2.0/authorize",
            "id_token_signing_alg_values_supported": ["RS256"],
        })

    def _jwks(self, request: Any) -> tuple[int, dict, str]:
        if "jwks" in self.down:
            raise requests.ConnectionError("connection refused")
        return 200, {}, json.dumps({"keys": [k.jwk() for k in self.keys]})

    def _token(self, request: Any) -> tuple[int, dict, str]:
        if self.token_replies:
            reply = self.token_replies.pop(0)
            if isinstance(reply, Exception):
                raise reply
            status, body = reply
            return status, {}, json.dumps(body) if isinstance(body, dict) else body
        self.issued += 1
        form = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        grant = form["grant_type"][0]
        return 200, {}, json.dumps({
            "token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
            "access_token": f"graph-{'app' if grant == 'client_credentials' else 'user'}"
                            f"-{self.issued}",
        })

    def rotate(self) -> Key:
        """Publish a new signing key (the old one stays, as in Entra ID)."""
        key = Key(f"key-{len(self.keys) + 1}", rsa_key(len(self.keys) + 1))
        self.keys.append(key)
        return key

    # --- what the pane would send ------------------------------------------------------------
    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(self.clock())
        claims = {
            "aud": self.settings.client_id,
            "iss": self.issuer, "iat": now, "nbf": now, "exp": now + 3600,
            "tid": self.settings.tenant_id, "oid": USER_OID, "name": "Adele Vance",
            "preferred_username": "adele@contoso.com", "scp": "access_as_user",
            "ver": "2.0", "azp": "ea5a67f6-b6f3-4338-b240-c655ddc3cc8e", "uti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(self, *, key: Key | None = None, kid: str | None = None,
             **overrides: Any) -> str:
        """A token signed by ``key`` (default: the first published key)."""
        key = key or self.keys[0]
        return jwt.encode(self.claims(**overrides), key.private, algorithm="RS256",
                          headers={"kid": kid or key.kid})

    # --- what the backend asked for -----------------------------------------------------------
    def calls(self, method: str, url: str) -> list[Any]:
        return [c for c in self.mock.calls if c.request.method == method
                and c.request.url.split("?")[0] == url]

    def token_requests(self) -> list[dict[str, str]]:
        found = []
        for call in self.calls("POST", self.token_url):
            body = call.request.body
            form = parse_qs(body if isinstance(body, str) else body.decode())
            found.append({k: v[0] for k, v in form.items()})
        return found


def entra_error(error: str, code: int, **extra: Any) -> tuple[int, dict[str, Any]]:
    """A token endpoint error in Entra ID's shape."""
    body = {"error": error, "error_description": f"AADSTS{code}: something.",
            "error_codes": [code], "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4())}
    body.update(extra)
    return 400, body


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: float | None = None):
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def _b64(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
