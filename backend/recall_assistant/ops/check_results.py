"""What one ``check-config`` check reports: an ``ok``/``FAILED``/``skipped`` line, and a failure
told in an administrator's words (what an error code means and what to do, with the AADSTS
codes Entra ID gave) rather than in the API's words for the person in Outlook.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import RecallAssistantError
from ..graph.errors import GraphError

OK, FAILED, SKIPPED = "ok", "FAILED", "skipped"
NAME_WIDTH = 22

# What each error code the checks may meet means for an administrator, and what to do. Codes
# not listed here are shown with the API's own message (written for the person in Outlook).
ADMIN_TEXT = {
    "app_credentials_rejected": "Entra ID refused the app's credentials: check RA_CLIENT_SECRET "
                                "(the secret's value, not its ID, and not expired) or "
                                "RA_CLIENT_CERT_PATH",
    "consent_required": "consent for the delegated Graph permissions is missing, or a "
                        "conditional access policy asks for more: grant admin consent under "
                        "API permissions",
    "admin_consent_required": "the deep check's application permissions are not granted: grant "
                              "them (admin consent, or Exchange RBAC role assignments), or set "
                              "RA_DEEP_CHECK=0",
    "token_expired": "Entra ID no longer accepts the test token (expired or revoked): get a "
                     "fresh one",
    "token_exchange_failed": "Entra ID refused the on-behalf-of exchange: is the test token one "
                             "the task pane got for this app?",
    "authority_unavailable": "Entra ID did not answer: check the network path to "
                             "RA_AUTHORITY_HOST (proxy, firewall, RA_CA_BUNDLE)",
    "wrong_audience": "the token was issued for another application: RA_API_AUDIENCE must be "
                      "the App ID URI the task pane asks tokens for",
    "wrong_issuer": "the token's issuer does not match RA_TENANT_ID and RA_AUTHORITY_HOST",
    "wrong_tenant": "the token's tenant is neither RA_TENANT_ID nor in RA_ALLOWED_TENANTS",
    "missing_scope": "the token lacks the access_as_user scope: expose it (Expose an API) and "
                     "get the token for it",
    "expired": "the test token has expired: get a fresh one",
    "graph_forbidden": "Graph refused: a permission or its admin consent is missing",
    "graph_unauthorized": "Graph refused the token: check RA_GRAPH_URL and RA_GRAPH_RESOURCE",
    "graph_not_found": "Graph knows no such mailbox: check --mailbox",
    "upstream_unavailable": "Graph did not answer: check the network path to RA_GRAPH_URL",
}


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    name: str
    status: str  # ok | FAILED | skipped
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def line(self) -> str:
        if self.status == OK:
            return f"{self.name:<{NAME_WIDTH}}ok" + (f" ({self.detail})" if self.detail else "")
        return f"{self.name:<{NAME_WIDTH}}{self.status}: {self.detail}"


class CheckFailed(Exception):
    """Raised inside a check: the check failed, and this says why."""


class Skip(Exception):
    """Raised inside a check: it cannot run, and this says why."""


class _CodeCollector(logging.Handler):
    """Keeps the AADSTS codes that ``auth.obo`` logs when Entra ID refuses a token request."""

    def __init__(self, codes: list[str]):
        super().__init__(logging.DEBUG)
        self.codes = codes

    def emit(self, record: logging.LogRecord) -> None:
        self.codes.extend(_AADSTS.findall(record.getMessage()))


_AADSTS = re.compile(r"AADSTS\d+")


@contextmanager
def entra_codes(codes: list[str]) -> Iterator[None]:
    logger = logging.getLogger("recall_assistant.auth.obo")
    handler = _CodeCollector(codes)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    # The refusal is logged at INFO, and is shown here instead of on the console.
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def explain(error: RecallAssistantError | GraphError) -> str:
    """``code: what it means for an administrator`` (else the API's own message)."""
    text = f"{error.code}: {ADMIN_TEXT.get(error.code, error.message)}"
    if isinstance(error.details, dict) and error.details.get("error"):
        text += f" ({error.details['error']})"
    return text
