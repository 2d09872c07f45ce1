"""``GET /api/audit``: the audit log of the administrator's own tenant, as JSON or CSV.

Query: ``from`` (inclusive) and ``to`` (exclusive), ISO 8601 dates or date-times (no offset
means UTC); ``format=json|csv``; ``limit`` 1–500 (default 100); ``cursor`` from the previous
page (signed: one made up, or another tenant's, is 400 ``invalid_cursor``). Newest first. A page
at a time. The next page's URL is in the ``Link`` header (``rel="next"``) and, for
JSON, in ``next``; the last page has neither.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify
from flask import request as http_request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..services.audit import PAGE_MAX, csv_lines, event_json, iso_utc, parse_instant
from .context import current_caller, require_admin
from .runtime import runtime
from .validation import load

audit = Blueprint("audit", __name__, url_prefix="/api")

DEFAULT_LIMIT = 100


class Instant(fields.Field):
    """An ISO 8601 date or date-time, as an aware UTC datetime."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        if not isinstance(value, str):
            raise ValidationError("Give an ISO 8601 date or date-time.")
        try:
            return parse_instant(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class AuditQuery(Schema):
    since = Instant(data_key="from", load_default=None)
    until = Instant(data_key="to", load_default=None)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=PAGE_MAX))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=200))

    @validates_schema
    def _range(self, data: dict[str, Any], **kwargs: Any) -> None:
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and since >= until:
            raise ValidationError("'to' must be later than 'from'.", "to")


class AuditEventSchema(Schema):
    """One audit event as ``event_json`` writes it (the CSV export has the same columns)."""

    id = fields.Integer(required=True)
    occurredAt = fields.String(required=True, metadata={"format": "date-time"})
    event = fields.String(required=True, metadata={"example": "recall.requested"})
    result = fields.String(required=True, metadata={"example": "recorded"})
    actorOid = fields.String(required=True, allow_none=True)
    actorTid = fields.String(required=True, allow_none=True)
    actorAddress = fields.String(required=True, allow_none=True)
    internetMessageId = fields.String(required=True, allow_none=True)
    subject = fields.String(required=True, allow_none=True, metadata={
        "description": "Only when the administrator turned RA_AUDIT_SUBJECTS on."})
    actionId = fields.String(required=True, allow_none=True)
    requestId = fields.String(required=True, allow_none=True)
    details = fields.Raw(required=True, allow_none=True)


class AuditPageResponse(Schema):
    events = fields.List(fields.Nested(AuditEventSchema), required=True)
    next = fields.String(required=True, allow_none=True,
                         metadata={"description": "The next page's URL; null on the last page."})


@audit.get("/audit")
@require_admin
def list_events():
    """A page of audit events in ``[from, to)``, newest first."""
    query = load(AuditQuery(), http_request.args.to_dict())
    # An administrator reads their own tenant's log only (the token's validated `tid`).
    page = runtime().store.audit_page(tenant_id=current_caller().tid,
                                      since=query["since"], until=query["until"],
                                      limit=query["limit"], cursor=query["cursor"])
    next_url = _next_url(query, page)
    if query["format"] == "csv":
        response = Response("".join(csv_lines(page.events)), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    else:
        response = jsonify(events=[event_json(event) for event in page.events], next=next_url)
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


def _next_url(query: dict[str, Any], page: Any) -> str | None:
    if page.next_cursor is None:
        return None
    params = {"from": iso_utc(query["since"]) if query["since"] else None,
              "to": iso_utc(query["until"]) if query["until"] else None,
              "format": query["format"], "limit": query["limit"], "cursor": page.next_cursor}
    # The configured public URL, not the Host header: a client cannot steer where it points.
    base = runtime().settings.public_url
    return f"{base}/api/audit?{urlencode({k: v for k, v in params.items() if v is not None})}"
