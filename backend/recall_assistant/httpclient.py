"""The one way this package makes an outgoing HTTP session."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter

from .config import Settings

# Connections kept open per host: request threads x Graph calls each makes at once, with room.
POOL_MAXSIZE = 64


def new_session(settings: Settings) -> requests.Session:
    """A session that trusts exactly the configured CA bundle.

    ``trust_env`` is off because requests lets ``REQUESTS_CA_BUNDLE`` override a session's
    ``verify`` (psf/requests#3829; RECIPES.md), which would silently ignore ``RA_CA_BUNDLE``.
    """
    session = requests.Session()
    # requests keeps 10 connections per host by default; past that, each concurrent call opens
    # (and then drops) a new TLS connection. Our calls to Graph run at once from every request
    # thread, several each (the fan-out), so keep enough for all of them.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_MAXSIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.trust_env = False
    session.verify = settings.ca_bundle or True
    session.headers["User-Agent"] = "recall-assistant/0.1"
    return session
