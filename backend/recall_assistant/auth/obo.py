"""Tokens for Microsoft Graph: on behalf of the signed-in user (OBO), or as the app itself.

MSAL does the protocol; this module adds what MSAL leaves to its caller
(docs/microsoft-facts.md, "Identity"):
a cache in front of ``acquire_token_on_behalf_of`` (which never looks in MSAL's own cache),
separate application objects for delegated and app-only tokens, and the translation of every
MSAL error dict or exception into one of our errors.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msal
import requests
from msal.exceptions import MsalServiceError

from ..config import Settings
from ..errors import AuthorityUnavailable, BadGateway, ConsentRequired, TokenExpired
from .tokens import Caller

log = logging.getLogger(__name__)

# Entra ID's own hosts (public and national clouds). Anywhere else, such as the sandbox, MSAL
# must not ask login.microsoftonline.com to "discover" the instance: it would not know it.
MICROSOFT_AUTHORITY_HOSTS = frozenset({
    "login.microsoftonline.com", "login.microsoft.com", "login.windows.net",
    "login.microsoftonline.us", "login-us.microsoftonline.com",
    "login.chinacloudapi.cn", "login.partner.microsoftonline.cn", "login.microsoftonline.de",
})

_PEM_KEY = re.compile(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.S)
_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)

REFRESH_MARGIN_S = 300  # hand out no token that expires within five minutes
MAX_CACHED_TOKENS = 10_000  # one per active user; bounded so memory cannot grow without end

# Entra ID codes (AADSTS<n>) that mean "the user (or an admin) must consent first".
CONSENT_CODES = frozenset({65001, 65004, 65005})
# ...and those that mean our own credentials were refused: a configuration problem.
CREDENTIAL_CODES = frozenset({7000215, 7000222, 700027, 700024, 7000112})


class GraphTokens:
    """Graph access tokens for a caller (OBO) or for the app (client credentials)."""

    def __init__(self, settings: Settings, session: requests.Session, *,
                 clock: Callable[[], float] = time.time):
        self._settings = settings
        self._http = _WithTimeout(session, settings.http_timeout_s)
        self._clock = clock
        self._lock = threading.Lock()  # guards the token cache
        self._build_lock = threading.Lock()  # guards building the MSAL applications
        self._user_tokens: dict[str, tuple[str, float]] = {}
        self._delegated: msal.ConfidentialClientApplication | None = None
        self._app_only: msal.ConfidentialClientApplication | None = None

    @property
    def scopes(self) -> list[str]:
        """``<graph resource>/.default``: the permissions the app registration holds."""
        return [f"{self._settings.graph_resource}/.default"]

    def for_user(self, caller: Caller, *, claims_challenge: str | None = None) -> str:
        """A Graph token on behalf of ``caller``; cached until five minutes before it expires.

        ``claims_challenge`` (from Graph's WWW-Authenticate) bypasses the cache on purpose.
        """
        key = _cache_key(caller.assertion, self.scopes)
        if claims_challenge is None:
            cached = self._cached(key)
            if cached is not None:
                return cached
        app = self._application("delegated")
        result = self._call(lambda: app.acquire_token_on_behalf_of(
            caller.assertion, self.scopes, claims_challenge=claims_challenge))
        token = _token_or_raise(result, grant="on_behalf_of")
        self._remember(key, token, result.get("expires_in"))
        return token

    def for_app(self) -> str:
        """An app-only Graph token (application permissions; used by the deep check).

        MSAL's ``acquire_token_for_client`` looks in its own cache first, so no cache here.
        """
        app = self._application("app_only")
        result = self._call(lambda: app.acquire_token_for_client(self.scopes))
        return _token_or_raise(result, grant="client_credentials")

    def _cached(self, key: str) -> str | None:
        with self._lock:
            entry = self._user_tokens.get(key)
            if entry is None:
                return None
            token, expires_at = entry
            if expires_at - REFRESH_MARGIN_S > self._clock():
                return token
            del self._user_tokens[key]
            return None

    def _remember(self, key: str, token: str, expires_in: Any) -> None:
        try:
            expires_at = self._clock() + float(expires_in)
        except (TypeError, ValueError):
            return  # no lifetime given: safer to ask again than to guess
        with self._lock:
            if len(self._user_tokens) >= MAX_CACHED_TOKENS:
                self._evict()
            self._user_tokens[key] = (token, expires_at)

    def _evict(self) -> None:
        # Drop what is (nearly) expired; if that frees nothing, drop the oldest tenth.
        limit = self._clock() + REFRESH_MARGIN_S
        for key in [k for k, (_, exp) in self._user_tokens.items() if exp <= limit]:
            del self._user_tokens[key]
        if len(self._user_tokens) >= MAX_CACHED_TOKENS:
            for key in list(self._user_tokens)[: MAX_CACHED_TOKENS // 10]:
                del self._user_tokens[key]

    def _application(self, kind: str) -> msal.ConfidentialClientApplication:
        # Two application objects on purpose: with one, an app-only request could be answered
        # from the cache with a user's delegated token (msal 1.39; tests/unit/test_obo.py).
        with self._build_lock:
            app = self._delegated if kind == "delegated" else self._app_only
            if app is None:
                # Built on first use: MSAL fetches the authority's metadata in its constructor.
                app = self._call(lambda: self._new_application(
                    _NoTokenCache() if kind == "delegated" else msal.TokenCache()))
                if kind == "delegated":
                    self._delegated = app
                else:
                    self._app_only = app
            return app

    def _new_application(self, cache: msal.TokenCache) -> msal.ConfidentialClientApplication:
        settings = self._settings
        host = (urlsplit(settings.authority_host).hostname or "").lower()
        return msal.ConfidentialClientApplication(
            settings.client_id,
            client_credential=client_credential(settings),
            authority=settings.authority,
            instance_discovery=None if host in MICROSOFT_AUTHORITY_HOSTS else False,
            http_client=self._http,
            token_cache=cache,
        )

    def _call(self, action: Callable[[], Any]) -> Any:
        """Run an MSAL call; its network failures become our AuthorityUnavailable."""
        try:
            return action()
        except (requests.RequestException, MsalServiceError) as exc:
            # ConnectionError, Timeout, or a 5xx that MSAL raises (and throttles) itself.
            log.warning("Entra ID unreachable: %s", type(exc).__name__)
            raise AuthorityUnavailable() from exc
        except ValueError as exc:
            # MSAL raises ValueError for a discovery document or token response it cannot read.
            log.warning("Entra ID answered with something MSAL could not read: %s", exc)
            raise AuthorityUnavailable() from exc


def client_credential(settings: Settings) -> str | dict[str, str]:
    """The app's credential for MSAL: a certificate when configured, else the secret."""
    if not settings.client_cert_path:
        return settings.client_secret or ""
    pem = Path(settings.client_cert_path).read_text(encoding="ascii")
    key = _PEM_KEY.search(pem)
    certificates = _PEM_CERTIFICATE.findall(pem)
    if key is None or not certificates:
        raise BadGateway("RA_CLIENT_CERT_PATH holds no private key and certificate.",
                         code="app_credentials_rejected")
    credential = {"private_key": key.group(0), "public_certificate": certificates[0]}
    if settings.client_cert_thumbprint:
        credential["thumbprint"] = settings.client_cert_thumbprint
    # Without a thumbprint MSAL computes the certificate's SHA-256 one (msal >= 1.35).
    return credential


def _token_or_raise(result: Any, *, grant: str) -> str:
    """The access token in MSAL's result, or the error the caller can act on."""
    if not isinstance(result, dict):
        raise BadGateway("Entra ID's answer could not be read.", code="token_exchange_failed")
    token = result.get("access_token")
    if isinstance(token, str) and token:
        return token
    error = str(result.get("error") or "")
    suberror = str(result.get("suberror") or "")
    codes = {c for c in result.get("error_codes") or () if isinstance(c, int)}
    claims = result.get("claims")
    aadsts = ", ".join(f"AADSTS{c}" for c in sorted(codes)) or "no AADSTS code"
    log.info("token request (%s) refused: %s %s (%s)", grant, error, suberror, aadsts)
    user = grant == "on_behalf_of"

    if (error in ("interaction_required", "consent_required") or suberror == "consent_required"
            or codes & CONSENT_CODES or claims):
        if not user:
            raise ConsentRequired(
                "An administrator must grant Recall Assistant's application permissions "
                "before the deep check can run.", code="admin_consent_required")
        raise ConsentRequired(details={
            "claims": claims if isinstance(claims, str) else None,
            "reason": "claims_challenge" if claims else (
                "consent" if suberror == "consent_required" or codes & CONSENT_CODES
                else "interaction"),
        })
    if error == "invalid_client" or codes & CREDENTIAL_CODES:
        log.warning("Entra ID refused our app credentials (%s): check RA_CLIENT_SECRET or "
                    "RA_CLIENT_CERT_PATH", aadsts)
        raise BadGateway("Recall Assistant's sign-in to Microsoft 365 is misconfigured. "
                         "Tell your administrator.", code="app_credentials_rejected")
    if error in ("temporarily_unavailable", "server_error"):
        raise AuthorityUnavailable()
    if error == "invalid_grant" and user:
        # The pane's token expired or was revoked (e.g. AADSTS500133, 50013): get a new one.
        raise TokenExpired(details={"retryable": True})
    raise BadGateway("Microsoft Entra ID refused to issue a token for Microsoft Graph.",
                     code="token_exchange_failed", details={"error": error or None})


def _cache_key(assertion: str, scopes: list[str]) -> str:
    # A hash, so that the cache holds no bearer tokens as keys.
    material = assertion + "\n" + " ".join(sorted(scopes))
    return hashlib.sha256(material.encode()).hexdigest()


class _NoTokenCache(msal.TokenCache):
    """MSAL's cache for the OBO application, which keeps nothing.

    Our own cache serves OBO tokens; MSAL's in-memory one would only grow by a user's access
    and refresh tokens for every caller, forever.
    """

    def add(self, event: dict[str, Any], now: Any = None) -> None:
        return None


class _WithTimeout:
    """The runtime's requests session as MSAL's http_client, with a default timeout.

    MSAL passes no timeout to a client it is given, and requests waits forever by default.
    """

    def __init__(self, session: requests.Session, timeout: float):
        self._session = session
        self._timeout = timeout

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.post(url, **kwargs)

    def close(self) -> None:
        """The runtime owns the session: MSAL must not close it."""
