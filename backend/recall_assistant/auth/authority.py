"""The identity authority's OpenID configuration, fetched once and kept."""

from __future__ import annotations

import threading
from typing import Any

import requests

from ..config import Settings
from ..errors import UpstreamUnavailable


class Authority:
    """Knows where the tenant's authority publishes its metadata and keys."""

    def __init__(self, settings: Settings, session: requests.Session):
        self._settings = settings
        self._session = session
        self._lock = threading.Lock()
        self._configuration: dict[str, Any] | None = None

    @property
    def configuration_url(self) -> str:
        return self._settings.openid_configuration_url

    def configuration(self) -> dict[str, Any]:
        """The OpenID configuration document, fetched on first use."""
        with self._lock:
            if self._configuration is None:
                self._configuration = self._fetch_json(self.configuration_url)
                for key in ("issuer", "jwks_uri", "token_endpoint"):
                    if not isinstance(self._configuration.get(key), str):
                        self._configuration = None
                        raise UpstreamUnavailable(
                            f"The authority's OpenID configuration has no {key}.",
                            code="authority_unavailable",
                        )
            return self._configuration

    def _fetch_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._session.get(url, timeout=self._settings.http_timeout_s)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise UpstreamUnavailable(
                f"The identity authority could not be reached at {url}: {type(exc).__name__}.",
                code="authority_unavailable",
                headers={"Retry-After": "5"},
            ) from exc
        if not isinstance(document, dict):
            raise UpstreamUnavailable("The authority answered with something that is not JSON.",
                                      code="authority_unavailable")
        return document
