"""``GET /api/policy``: what the on-send check in Outlook applies (keywords, patterns,
internal domains, recipient limit, hold)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from ..graph.client import GraphClient
from ..runtime import runtime
from ..send_policy import policy_document
from ..services.send_policy import SendPolicyService
from .context import current_caller, require_user

policy = Blueprint("policy", __name__, url_prefix="/api")

EXTENSION = "send_policy"


def send_policy_service() -> SendPolicyService:
    """The app's policy service (create_app installs it)."""
    return current_app.extensions[EXTENSION]


@policy.get("/policy")
@require_user
def get_policy():
    """The organisation's on-send policy, internal domains filled in for the caller's tenant."""
    rt = runtime()
    graph = GraphClient.from_settings(rt.http, rt.settings, g.graph_token)
    effective = send_policy_service().for_tenant(current_caller().tid, graph)
    return jsonify(policy_document(effective))
