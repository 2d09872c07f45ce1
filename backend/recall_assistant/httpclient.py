"""The one way this package makes an outgoing HTTP session."""

from __future__ import annotations

import ssl
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .config import Settings
from .errors import ConfigError

# Connections kept open per host: request threads x Graph calls each makes at once, with room.
POOL_MAXSIZE = 64


class _TrustingAdapter(HTTPAdapter):
    """An adapter whose connections verify against one loaded ``SSLContext``.

    Given ``verify`` as a path, requests checks that the file exists (``os.stat``, twice or
    three times) on every request: each call lets go of the interpreter lock, and in a request
    whose Graph calls run on several threads, getting it back cost up to a few ms per call.
    The bundle is read once, at start-up (a new bundle needs a restart).
    """

    def __init__(self, context: ssl.SSLContext, **kwargs: Any):
        self._context = context  # before HTTPAdapter.__init__, which makes the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # Trust is the context's alone: given verify=True, requests would name certifi's
        # bundle on each connection (after os.stat-ing it), and urllib3 would load it into it.
        super().cert_verify(conn, url, False, cert)
        if verify:
            conn.cert_reqs = "CERT_REQUIRED"


def trust_only(ca_bundle: str) -> ssl.SSLContext:
    """A client context trusting exactly the certificates in ``ca_bundle`` (hostnames checked)."""
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"RA_CA_BUNDLE={ca_bundle!r} holds no usable certificate: {exc}") \
            from exc


def new_session(settings: Settings) -> requests.Session:
    """A session that trusts exactly the configured CA bundle (or the system's, without one).

    ``trust_env`` is off because requests lets ``REQUESTS_CA_BUNDLE`` override a session's
    ``verify`` (psf/requests#3829), which would silently ignore ``RA_CA_BUNDLE``.
    """
    session = requests.Session()
    # requests keeps 10 connections per host by default; past that, each concurrent call opens
    # (and then drops) a new TLS connection. Our calls to Graph run at once from every request
    # thread, several each (the fan-out), so keep enough for all of them.
    pool = {"pool_connections": 4, "pool_maxsize": POOL_MAXSIZE}
    if settings.ca_bundle:
        session.mount("https://", _TrustingAdapter(trust_only(settings.ca_bundle), **pool))
    else:
        session.mount("https://", HTTPAdapter(**pool))
    session.mount("http://", HTTPAdapter(**pool))
    session.trust_env = False
    session.verify = True  # with a bundle, the adapter's context is what is trusted
    session.headers["User-Agent"] = "recall-assistant/0.1"
    return session
