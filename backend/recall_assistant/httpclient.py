"""The one way this package makes an outgoing HTTP session."""

from __future__ import annotations

import requests

from .config import Settings


def new_session(settings: Settings) -> requests.Session:
    """A session that trusts exactly the configured CA bundle.

    ``trust_env`` is off because requests lets ``REQUESTS_CA_BUNDLE`` override a session's
    ``verify`` (psf/requests#3829; RECIPES.md), which would silently ignore ``RA_CA_BUNDLE``.
    """
    session = requests.Session()
    session.trust_env = False
    session.verify = settings.ca_bundle or True
    session.headers["User-Agent"] = "recall-assistant/0.1"
    return session
