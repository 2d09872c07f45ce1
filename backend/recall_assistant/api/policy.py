"""``GET /api/policy``: what the on-send check in Outlook applies (keywords, patterns,
internal domains, recipient limit, hold)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from marshmallow import Schema, fields, validate

from ..send_policy import CHECKS, HOLD_FOR, policy_document
from ..services.send_policy import SendPolicyService
from .context import current_caller, current_session, require_user

policy = Blueprint("policy", __name__, url_prefix="/api")

EXTENSION = "send_policy"


class PolicyPattern(Schema):
    name = fields.String(required=True)
    pattern = fields.String(required=True, metadata={
        "description": "A regular expression in the syntax JavaScript and Python share."})
    check = fields.String(required=True, validate=validate.OneOf(CHECKS))
    ignoreCase = fields.Boolean(required=True)


class PolicyResponse(Schema):
    """``GET /api/policy``: what the on-send check applies (``policy_document`` writes it)."""

    keywords = fields.List(fields.String(), required=True)
    patterns = fields.List(fields.Nested(PolicyPattern), required=True)
    attachmentWords = fields.List(fields.String(), required=True)
    internalDomains = fields.List(fields.String(), required=True)
    warnExternal = fields.Boolean(required=True)
    maxRecipients = fields.Integer(required=True, metadata={"description": "0: no limit"})
    holdMinutes = fields.Integer(required=True, metadata={"description": "0: no hold"})
    holdFor = fields.String(required=True, validate=validate.OneOf(HOLD_FOR))


def send_policy_service() -> SendPolicyService:
    """The app's policy service (create_app installs it)."""
    return current_app.extensions[EXTENSION]


@policy.get("/policy")
@require_user
def get_policy():
    """The organisation's on-send policy, internal domains filled in for the caller's tenant."""
    effective = send_policy_service().for_tenant(current_caller().tid, current_session().graph)
    return jsonify(policy_document(effective))
