"""Turning request bodies into checked values with marshmallow, or a 400 that says why."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from ..errors import ValidationFailed


def json_body() -> Any:
    """The request's JSON body; a 400 when it is missing or not JSON."""
    if not request.is_json:
        raise ValidationFailed("Send a JSON body with Content-Type: application/json.",
                               code="invalid_json")
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationFailed("The request body is not valid JSON.", code="invalid_json")
    return body


def load(schema: Schema, data: Any) -> Any:
    """Validate ``data`` with ``schema``; a 400 ``invalid_request`` lists every bad field."""
    try:
        return schema.load(data)
    except MarshmallowError as exc:
        raise ValidationFailed(details={"fields": exc.normalized_messages()}) from exc
