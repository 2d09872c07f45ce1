"""``GET /api/config``: the public settings the task pane needs before it can sign in.

No token: the pane needs these to *get* one. Only values that are public anyway (they are in
the add-in manifest and in every token the app receives): the client id, the API scope and the
authority that MSAL's nested app authentication asks for.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from marshmallow import Schema, fields

from .runtime import runtime

config = Blueprint("config", __name__, url_prefix="/api")

API_SCOPE = "access_as_user"


class PaneConfig(Schema):
    """``GET /api/config``: what MSAL in the pane needs to ask for a token."""

    clientId = fields.String(required=True)
    apiScope = fields.String(required=True)
    authority = fields.String(required=True)


@config.get("/config")
def get_config():
    """The pane's sign-in settings."""
    settings = runtime().settings
    # A deployment open to several tenants signs people in through "organizations".
    authority = (f"{settings.authority_host}/organizations" if settings.allowed_tenants
                 else settings.authority)
    response = jsonify(clientId=settings.client_id,
                       apiScope=f"{settings.api_audience}/{API_SCOPE}",
                       authority=authority)
    # The values change only with a redeployment; let the pane reuse them for a while.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
