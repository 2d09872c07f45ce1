"""``GET /api/me``: who the backend thinks the caller is (the pane's sign-in check)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from marshmallow import Schema, fields

from ..services.profile import profile
from .context import current_caller, current_session, require_user

me = Blueprint("me", __name__, url_prefix="/api")


class MeResponse(Schema):
    """``GET /api/me``: the caller as the token says (the OpenAPI document's description)."""

    oid = fields.String(required=True)
    tid = fields.String(required=True)
    address = fields.String(required=True, allow_none=True)
    name = fields.String(required=True, allow_none=True)
    isAdmin = fields.Boolean(required=True)


class ProfileResponse(Schema):
    """``GET /api/me/profile``: the caller's directory entry (Graph ``/me``)."""

    id = fields.String(required=True)
    displayName = fields.String(required=True, allow_none=True)
    mail = fields.String(required=True, allow_none=True)
    businessPhones = fields.List(fields.String(), required=True)


@me.get("/me")
@require_user
def get_me():
    """The validated caller, straight from the token: no call to Graph."""
    caller = current_caller()
    return jsonify(oid=caller.oid, tid=caller.tid, address=caller.address, name=caller.name,
                   isAdmin=caller.is_admin)


@me.get("/me/profile")
@require_user
def get_profile():
    """The caller's directory profile, read from Graph on their behalf."""
    person = profile(current_session())
    return jsonify(id=person.id, displayName=person.display_name, mail=person.mail,
                   businessPhones=list(person.business_phones))
