"""``GET /api/me``: who the backend thinks the caller is (the pane's sign-in check)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .context import current_caller, require_user

me = Blueprint("me", __name__, url_prefix="/api")


@me.get("/me")
@require_user
def get_me():
    """The validated caller, straight from the token: no call to Graph."""
    caller = current_caller()
    return jsonify(oid=caller.oid, tid=caller.tid, address=caller.address, name=caller.name,
                   isAdmin=caller.is_admin)
