"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import SQLAlchemyError

from ..errors import RecallAssistantError
from .runtime import runtime

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)


class Liveness(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ok",)))


class Readiness(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("ready", "not_ready")))
    # "ok", or "failed: <why>", for each of database and authority.
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


@health.get("/healthz")
def healthz():
    """The process is up and serving requests."""
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    """Ready when the database answers and the authority's OpenID configuration is known."""
    rt = runtime()
    checks: dict[str, str] = {}
    try:
        rt.store.ping()
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        log.warning("readiness: database not reachable: %s", type(exc).__name__)
        checks["database"] = f"failed: {type(exc).__name__}"
    try:
        rt.authority.configuration()
        checks["authority"] = "ok"
    except RecallAssistantError as exc:
        checks["authority"] = f"failed: {exc.message}"
    ready = all(value == "ok" for value in checks.values())
    response = jsonify(status="ready" if ready else "not_ready", checks=checks)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return response
