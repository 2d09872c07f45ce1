"""The identity authority's OpenID configuration and signing keys, fetched once and kept."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

from ..config import Settings
from ..errors import AuthorityUnavailable

log = logging.getLogger(__name__)


class Authority:
    """Knows where the tenant's authority publishes its metadata and keys.

    Keys are refreshed once a day (Microsoft's advice for key rollover) and when a token names
    a key we do not know, but such a refetch happens at most once per ``KEY_REFETCH_INTERVAL_S``
    so that tokens with made-up key ids cannot make us hammer the authority.
    """

    KEY_REFETCH_INTERVAL_S = 60.0
    KEY_MAX_AGE_S = 24 * 3600.0

    def __init__(self, settings: Settings, session: requests.Session, *,
                 clock: Callable[[], float] = time.monotonic):
        self._settings = settings
        self._session = session
        self._clock = clock
        self._lock = threading.Lock()
        self._configuration: dict[str, Any] | None = None
        self._keys_lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._keys_loaded_at = -math.inf
        self._last_refetch_at = -math.inf

    @property
    def configuration_url(self) -> str:
        return self._settings.openid_configuration_url

    def configuration(self) -> dict[str, Any]:
        """The OpenID configuration document, fetched on first use."""
        with self._lock:
            if self._configuration is None:
                document = self._fetch_json(self.configuration_url)
                for key in ("issuer", "jwks_uri", "token_endpoint"):
                    if not isinstance(document.get(key), str):
                        raise AuthorityUnavailable(
                            f"The authority's OpenID configuration has no {key}.")
                self._configuration = document
            return self._configuration

    @property
    def issuer(self) -> str:
        """The v2 issuer the discovery document names (may hold a ``{tenantid}`` placeholder)."""
        return self.configuration()["issuer"]

    def signing_key(self, kid: str) -> jwt.PyJWK | None:
        """The published key with this id, or None when the authority does not publish it."""
        with self._keys_lock:
            now = self._clock()
            if self._keys is None:
                self._keys = self._fetch_keys()  # nothing to fall back on: errors propagate
                self._keys_loaded_at = now
            elif now - self._keys_loaded_at >= self.KEY_MAX_AGE_S:
                self._refresh_quietly(now)
            key = self._keys.get(kid)
            if key is None and now - self._last_refetch_at >= self.KEY_REFETCH_INTERVAL_S:
                # Keys roll over without notice: a new kid may be real, so look once more.
                self._last_refetch_at = now
                log.info("signing key %.40r is unknown: refetching the authority's keys", kid)
                self._keys = self._fetch_keys()
                self._keys_loaded_at = now
                key = self._keys.get(kid)
            return key

    def _refresh_quietly(self, now: float) -> None:
        # A stale key set still verifies most tokens: keep it if the daily refresh fails.
        try:
            self._keys = self._fetch_keys()
            self._keys_loaded_at = now
        except AuthorityUnavailable as exc:
            log.warning("keeping the old signing keys: %s", exc.message)
            self._keys_loaded_at = now - self.KEY_MAX_AGE_S + self.KEY_REFETCH_INTERVAL_S

    def _fetch_keys(self) -> dict[str, jwt.PyJWK]:
        document = self._fetch_json(self.configuration()["jwks_uri"])
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise AuthorityUnavailable("The authority's key set (JWKS) has no keys.")
        keys: dict[str, jwt.PyJWK] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
                continue  # we only ever accept RS256 signatures
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256")
            except jwt.PyJWTError as exc:
                log.warning("skipping unusable signing key %.40r: %s", entry["kid"], exc)
        return keys

    def _fetch_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._session.get(url, timeout=self._settings.http_timeout_s)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise AuthorityUnavailable(
                f"The identity authority could not be reached at {url}: {type(exc).__name__}."
            ) from exc
        if not isinstance(document, dict):
            raise AuthorityUnavailable("The authority answered with something that is not JSON.")
        return document
