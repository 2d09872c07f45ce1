"""The adapters one app instance shares between requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests
from flask import current_app
from sqlalchemy.engine import Engine

from ..auth.authority import Authority
from ..auth.obo import GraphTokens
from ..auth.tokens import TokenValidator
from ..config import Settings
from ..services.correction import CorrectionService
from ..services.eligibility import EligibilityService
from ..services.recall import RecallService
from ..services.recall_request import RecallRequests
from ..services.session import Sessions

if TYPE_CHECKING:  # a type only: the app builds the store, no route imports its code
    from ..store import Store


@dataclass
class Runtime:
    """The adapters one app instance shares between requests."""

    settings: Settings
    engine: Engine
    http: requests.Session
    authority: Authority
    token_validator: TokenValidator
    graph_tokens: GraphTokens
    eligibility: EligibilityService
    store: Store
    recalls: RecallService
    corrections: CorrectionService
    recall_requests: RecallRequests
    sessions: Sessions


def runtime() -> Runtime:
    """The running app's adapters (inside a request or app context)."""
    return current_app.extensions["recall_assistant"]


