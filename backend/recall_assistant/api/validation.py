"""Turning request bodies into checked values with marshmallow, or a 400 that says why."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as MarshmallowError

from .. import i18n
from ..errors import ValidationFailed


def _known_time_zone(name: str) -> None:
    try:
        i18n.time_zone(name)
    except ValueError as exc:
        raise MarshmallowError("Not a time zone: give an IANA name such as Europe/Berlin.") from exc


def time_zone_field() -> fields.String:
    """The reader's time zone for dates in what we write for them (IANA; UTC when left out)."""
    return fields.String(load_default=None, allow_none=True,
                         validate=[validate.Length(max=64), _known_time_zone], metadata={
                             "description": "The sender's time zone (IANA, e.g. Europe/Berlin)"
                                            ": the correction gives the original's time in it. "
                                            "UTC when left out.", "example": "Europe/Berlin"})


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
